/* The catalog of a user-space binary, for process("PATH") probes: where
 * the file is (paths resolved as stap resolves them), its functions (the
 * symbol table and the DWARF subprograms), its USDT marks (.note.stapsdt)
 * and how a link-time address maps to a file offset (what a uprobe is
 * attached at). DWARF questions at one address — the variables in scope
 * and where they live — are in ubin_vars.c; types are types.h's walker
 * over the binary's DWARF.
 *
 * Everything is read through libelf and libdw/libdwfl (which also finds
 * separate debuginfo by build-id). A catalog is opened once per process
 * and kept: catalogs are immutable, so the pointers handed out stay valid
 * until ubin_release_all. Addresses are link-time virtual addresses. */
#ifndef BTAP_UBIN_H
#define BTAP_UBIN_H

#include "types.h"
#include "util.h"

#include <elfutils/libdwfl.h>
#include <stdbool.h>
#include <stdint.h>

struct ubin_func {
	const char *name;      /* DWARF name, else the symbol's */
	const char *file;      /* declaring source file (DWARF); NULL: symbol only */
	int line;              /* declaring line (DWARF), 0 if unknown */
	uint64_t addr;         /* entry address */
	uint64_t size;         /* bytes, 0 if unknown */
	uint64_t die;          /* offset of the subprogram's DIE; 0: symbol only
	                          (an inlined copy: its inlined_subroutine DIE) */
	uint64_t frame_die;    /* an inlined copy: the subprogram it is in, whose
	                          frame base its variables use; else 0 */
	const char *vars;      /* -L's "$a:int $b:char*" (DWARF), or NULL */
	const char *const *aliases; /* other symbol names at addr ("malloc" for
	                           __libc_malloc), NULL-terminated or NULL */
};

struct ubin_mark {
	const char *provider;
	const char *name;
	uint64_t addr;         /* the probe site */
	uint64_t semaphore;    /* the semaphore's address, 0: none */
	const char *args;      /* argument specs as written: "-4@%edi 8@-8(%rbp)" */
	int nargs;
};

struct ubin_seg {
	uint64_t vaddr, memsz, offset, filesz;
	bool exec;
};

struct ubin_priv;

struct ubin {
	const char *path;      /* canonical absolute path */
	bool is_dyn;           /* ET_DYN: a PIE or a shared library */
	bool has_dwarf;
	const char *debug_path;/* the file holding the DWARF (the binary or its
	                          separate debuginfo); NULL without DWARF */
	char build_id[41];     /* hex, "" if none */
	struct ubin_func *funcs;  /* sorted by name, then address */
	int nfuncs;
	struct ubin_mark *marks;  /* sorted by provider, name, address */
	int nmarks;
	struct ubin_seg *segs;    /* PT_LOAD segments */
	int nsegs;
	struct ubin_priv *priv;
};

/* ---- finding the file ------------------------------------------------ */

/* Resolve a process("SPEC") argument as stap does: a path with a '/' is
 * taken relative to the working directory; a bare name is looked up in
 * $PATH, or, when it names a shared library ("libc.so.6"), in
 * $LD_LIBRARY_PATH and the system's library directories. Symbolic links
 * are resolved. A malloc'd absolute path, or NULL with *why (static text)
 * saying what went wrong. */
char *ubin_resolve_path(const char *spec, const char **why);

/* A library path (or pattern) written for another layout, "/lib64/X" or
 * "/usr/lib" with a wildcard, then "/X" (no further '/' in X), as X in this system's
 * multiarch library directory, "/usr/lib/x86_64-linux-gnu/X" on Debian:
 * malloc'd, or NULL when path is not of that form. */
char *ubin_multiarch_path(const char *path);

/* ---- the catalog ------------------------------------------------------- */

/* The catalog of the file at an absolute path, read once per process.
 * NULL with *err (malloc'd) when it is not a readable ELF file. */
const struct ubin *ubin_open(const char *path, char **err);
/* Forget every catalog (tests, leak checkers). */
void ubin_release_all(void);

/* The functions called name (DWARF names and symbol aliases): how many,
 * the first max of them into out. */
int ubin_funcs_named(const struct ubin *b, const char *name, const struct ubin_func **out, int max);
/* The function whose range holds addr (the closest entry at or below it
 * when sizes are unknown), or NULL. */
const struct ubin_func *ubin_func_at(const struct ubin *b, uint64_t addr);
/* The address of a data or function symbol, for USDT operands that name
 * one ("counter(%rip)"). */
bool ubin_symbol_addr(const struct ubin *b, const char *name, uint64_t *addr);
/* The file offset of a mapped address (a uprobe's offset); false when no
 * loaded segment holds it. */
bool ubin_file_offset(const struct ubin *b, uint64_t addr, uint64_t *off);

/* The link-time address of a file offset (the inverse of
 * ubin_file_offset), for symbolising a stack frame. */
bool ubin_vaddr_of_offset(const struct ubin *b, uint64_t off, uint64_t *addr);
/* The libraries the binary needs (DT_NEEDED names, as written): how many,
 * at most max, into out (the catalog's copies). */
int ubin_needed(const struct ubin *b, const char **out, int max);

/* The library exe loads under name ("libufix.so", "libc.so.6" or just
 * "libc"): among its DT_NEEDED entries, found through its RUNPATH/RPATH
 * ($ORIGIN too) as the dynamic loader finds them, else as
 * ubin_resolve_path finds name. A malloc'd path, or NULL with *why. */
char *ubin_find_library(const struct ubin *exe, const char *name, const char **why);

/* The inlined copies of b's functions (DWARF inlined_subroutine DIEs,
 * each with its entry address), found on first use; how many, *out
 * the catalog's array. */
int ubin_inlines(const struct ubin *b, const struct ubin_func **out);

/* A label in a function's code (DWARF's DW_TAG_label). */
struct ubin_label {
	const char *name;
	int line;              /* where it is declared, 0 if unknown */
	uint64_t addr;
};

/* The labels of f (a function or an inlined copy) whose names match
 * pattern (fnmatch), in its own code and blocks: how many, *out an array
 * of them in a. */
int ubin_labels(struct arena *a, const struct ubin *b, const struct ubin_func *f, const char *pattern,
		struct ubin_label ***out);

/* Does the code of f (a function or an inlined copy, with DWARF) cover
 * addr? An inlined copy's code may be in several pieces. */
bool ubin_func_has_pc(const struct ubin *b, const struct ubin_func *f, uint64_t addr);

/* The PLT stubs of b (x86-64 lazy-binding layout): each called
 * function's name and its stub's address; how many (at most max). */
int ubin_plt(const struct ubin *b, const char **names, uint64_t *addrs, int max);

/* ---- DWARF at an address (ubin_vars.c) --------------------------------- */

/* An expression computing a value at run time from the probe's registers
 * and the traced process's memory. */
enum uexpr_op {
	UX_CONST,   /* v */
	UX_REG,     /* DWARF register reg, low size bytes (sign-extended if sgn) */
	UX_ADDR,    /* link-time address v, relocated to where it is mapped */
	UX_DEREF,   /* size bytes at address a (sign-extended if sgn) */
	UX_BIN,     /* a bin b, bin a C operator: "+", "-", "*", "&", "|", "^", "<<", ">>" */
	UX_NEG,     /* -a */
	UX_NOT,     /* ~a */
};

struct uexpr {
	enum uexpr_op op;
	int reg;
	int64_t v;
	int size;
	bool sgn;
	const char *bin;
	const struct uexpr *a, *b;
};

/* Where a variable is at one address. */
enum uloc_kind {
	ULOC_MEM,   /* in memory at address e */
	ULOC_REG,   /* in register reg */
	ULOC_VALUE, /* not stored anywhere: its value is e */
};

struct uloc {
	enum uloc_kind kind;
	int reg;
	const struct uexpr *e;
};

/* A variable in scope at an address: a parameter or a local. */
struct uvar {
	const char *name;
	struct tplace type;    /* in the binary's DWARF; unknown for USDT arguments */
	bool is_param;
	bool located;          /* loc is valid; else why says what is missing */
	struct uloc loc;
	const char *why;
};

/* The DWARF register number of the instruction pointer (x86-64: 16). */
#define UREG_IP 16

/* The binary's DWARF as a type source, opened on first use; NULL with
 * *err (malloc'd) when the binary has no DWARF. */
const struct type_source *ubin_types(const struct ubin *b, char **err);
/* Where a probe on function f stops: after the prologue (from the line
 * table), so that parameters are where DWARF says; the entry when the
 * function has no DWARF. */
uint64_t ubin_probe_addr(const struct ubin *b, const struct ubin_func *f);
/* The type of f's return value; unknown for void or without DWARF. */
bool ubin_return_type(const struct ubin *b, const struct ubin_func *f, struct tplace *t);
/* The variables of f visible at addr, parameters first, then locals from
 * the innermost scope out (arena copies), each located at addr. With addr
 * 0: the function's parameters and outermost locals, not located.
 * -1 with *err (arena text) when the binary has no DWARF for f. */
int ubin_vars_at(struct arena *a, const struct ubin *b, const struct ubin_func *f, uint64_t addr,
		 struct uvar **out, const char **err);
/* Where the source lines lo..hi of file (a path tail, wildcards allowed)
 * start: each line's first statement address in each function, how many
 * (at most max into out, by line then address); -1 when the binary has
 * no DWARF. */
struct uline {
	uint64_t addr;
	int line;
	const char *file; /* the line's source file, as the line table names it */
};
int ubin_line_addrs(const struct ubin *b, const char *file, int lo, int hi, struct uline *out, int max);

/* ubin_line_addrs for the code of one function (or inlined copy) with
 * DWARF: its unit's line table only, which is what makes a named
 * function's lines quick to find in a kernel. */
int ubin_func_lines(const struct ubin *b, const struct ubin_func *f, const char *file, int lo, int hi,
		    struct uline *out, int max);
/* The source file (as the line table names it) and line of the code at
 * addr; false when b has no DWARF line for it. */
bool ubin_src_line(const struct ubin *b, uint64_t addr, const char **file, int *line);
/* The global variable name (declared in file, a path tail, when not
 * NULL) of b's DWARF, located (its address); false with *why. */
bool ubin_global_var(struct arena *a, const struct ubin *b, const char *name, const char *file, struct uvar *out,
		     const char **why);
/* A type as -L prints it: "const char*" ("long" when unknown). */
void ubin_put_type(struct strbuf *out, struct tplace t);
/* "$a:int $b:char*" for -L: f's parameters and outermost locals. */
void ubin_describe_func(const struct ubin *b, const struct ubin_func *f, struct strbuf *out);

/* ---- USDT (ubin_sdt.c) ------------------------------------------------- */

/* Argument i (0-based) of mark m as a value: its register, memory operand
 * or constant, with its size and signedness. False with *why (arena text)
 * for an operand btap cannot read. */
bool ubin_sdt_arg(struct arena *a, const struct ubin *b, const struct ubin_mark *m, int i,
		  const struct uexpr **out, const char **why);

/* A libdwfl session for files reported offline (a program, a kernel
 * module's .ko), separate debuginfo found the standard way. */
Dwfl *ubin_dwfl_begin(void);

#endif
