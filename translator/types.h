/* Types of the traced program, wherever they are described: the kernel's
 * BTF, a module's BTF (split over the kernel's), or the DWARF of an ELF
 * file built with -g. A type source answers a few questions about a type
 * handle (kind, name, size, the type it refers to, members, enumerators,
 * lookup by name); the walker below builds on those answers everything
 * target expressions need ($p->a[i]->b, &$x->m, @cast, $x$, $$vars), so
 * a walk means the same for every source.
 *
 * Handles are type_id values that only mean something with their source;
 * 0 is void (or unknown). A place pairs a source and a handle with extra
 * pointer levels on top, for types written as text ("struct sockaddr *"). */
#ifndef BTAP_TYPES_H
#define BTAP_TYPES_H

#include "util.h"

#include <stdbool.h>
#include <stdint.h>

typedef uint64_t type_id;
struct type_source;

/* ---- sources ------------------------------------------------------- */

/* The running kernel's BTF (/sys/kernel/btf/vmlinux), loaded once per
 * process; NULL when the kernel has none. */
const struct type_source *type_source_kernel(void);
/* Free the kernel's source (tests, leak checkers); a later call reloads. */
void type_source_kernel_release(void);
/* BTF read from a file: raw BTF or an ELF object with a .BTF section.
 * With base, the file is split BTF over base (a module's over the
 * kernel's). NULL with *err (malloc'd) when it cannot be read. */
struct type_source *type_source_btf_open(const char *path, const struct type_source *base, char **err);
/* A loaded kernel module's BTF (/sys/kernel/btf/NAME over the kernel's). */
struct type_source *type_source_module(const char *name, char **err);
/* The DWARF of an ELF file (an executable or library built with -g),
 * through libdw. NULL with *err when the file cannot be read or has no
 * DWARF. */
struct type_source *type_source_dwarf_open(const char *path, char **err);
/* Close a source opened above (NULL is fine; the kernel's is not closed). */
void type_source_close(struct type_source *src);
/* Does the source describe the kernel's memory (BTF, a kernel header's
 * DWARF) rather than a user program's? */
bool type_source_kernel_memory(const struct type_source *src);
/* What the source is, for messages: "the kernel's BTF", "DWARF of /bin/x". */
const char *type_source_what(const struct type_source *src);
/* The libbpf BTF behind a BTF source, NULL for other sources: for the
 * BTF-only questions of the tracepoint catalog and the BPF backend. */
const struct btf *type_source_btf(const struct type_source *src);
/* The kernel's libbpf BTF (type_source_btf of type_source_kernel). */
const struct btf *kernel_btf(void);

/* ---- questions about one type handle ------------------------------- */

enum type_kind {
	TYPE_VOID,
	TYPE_INT,        /* integers, char, bool */
	TYPE_FLOAT,
	TYPE_ENUM,
	TYPE_POINTER,    /* next: the pointee */
	TYPE_ARRAY,      /* next: the element; count: elements (0: flexible) */
	TYPE_STRUCT,
	TYPE_UNION,
	TYPE_FWD_STRUCT, /* declared, not defined here: find the definition by name */
	TYPE_FWD_UNION,
	TYPE_TYPEDEF,    /* next: the type named */
	TYPE_CONST,      /* qualifiers, next: the qualified type */
	TYPE_VOLATILE,
	TYPE_RESTRICT,
	TYPE_MODIFIER,   /* other transparent wrappers: BTF type tags, _Atomic */
	TYPE_FUNC,       /* a function type */
	TYPE_UNKNOWN,
};

struct type_member {
	const char *name;  /* NULL for an anonymous struct/union member */
	type_id type;
	int bit_offset;    /* from the start of the aggregate */
	int bit_size;      /* bitfields: width in bits; 0 otherwise */
};

enum type_kind tsrc_kind(const struct type_source *src, type_id id);
/* The type's own name ("sock", "pid_t", "long unsigned int"), NULL if none. */
const char *tsrc_name(const struct type_source *src, type_id id);
/* Size in bytes through typedefs and qualifiers; 0 when unknown. */
long long tsrc_size(const struct type_source *src, type_id id);
/* The type a pointer, array, typedef or qualifier refers to (0: void). */
type_id tsrc_next(const struct type_source *src, type_id id);
/* Integers: signed? Enums: are negative values possible? */
bool tsrc_is_signed(const struct type_source *src, type_id id);
/* Elements of an array, members of a struct/union, enumerators of an enum. */
int tsrc_count(const struct type_source *src, type_id id);
/* Member i (0 <= i < tsrc_count) of a struct or union. */
bool tsrc_member(const struct type_source *src, type_id id, int i, struct type_member *m);
/* Enumerator i of an enum. */
bool tsrc_enumerator(const struct type_source *src, type_id id, int i, const char **name, long long *value);
/* The type called name of this kind (TYPE_STRUCT, TYPE_UNION, TYPE_ENUM,
 * TYPE_TYPEDEF, TYPE_INT): a definition, never a declaration. 0 if none. */
type_id tsrc_find(const struct type_source *src, enum type_kind kind, const char *name);
/* Call fn for each named definition of kind (as tsrc_find takes), every
 * one of them in the source's order, duplicates of a name included. */
void tsrc_each(const struct type_source *src, enum type_kind kind,
               void (*fn)(type_id id, const char *name, void *ctx), void *ctx);
/* Skip typedefs and qualifiers. */
type_id tsrc_resolve(const struct type_source *src, type_id id);

/* ---- places: the walker -------------------------------------------- */

/* What kind of value a place holds (after typedefs and qualifiers). */
enum tplace_class {
	TPLACE_INT,       /* integer, enum, bool */
	TPLACE_POINTER,
	TPLACE_CHAR_ARRAY,
	TPLACE_ARRAY,
	TPLACE_AGGREGATE, /* struct or union by value */
	TPLACE_UNKNOWN,
};

struct tplace {
	const struct type_source *src;
	type_id id;
	int ptr_depth;   /* pointer levels on top of id */
	/* Set by tplace_member (and tplace_members): the member's offset in
	 * its aggregate (bits, through anonymous members) and, for a
	 * bitfield, its width. */
	int member_bits;
	int bit_size;
};

/* Does the place name a type at all (not void, not unknown)? */
bool tplace_known(struct tplace p);
enum tplace_class tplace_class(struct tplace p);
/* ->name: from a pointer to (or a value of) a struct/union to the member
 * (searching anonymous members). False if there is no such member. */
bool tplace_member(struct tplace *p, const char *name);
/* [i]: from a pointer or array to its element. */
bool tplace_index(struct tplace *p);
/* Type name of a place for messages and -L: "struct sock *". Arena copy. */
const char *tplace_type_name(struct arena *a, struct tplace p);
/* Integers (ints, enums, bool): byte size and signedness. */
bool tplace_int(struct tplace p, int *size, bool *is_signed);
/* Size in bytes of the place's type (8 for pointers); 0 if unknown. */
int tplace_size(struct tplace p);
/* Element count of an array place; 0 if not an array or flexible. */
int tplace_array_len(struct tplace p);
/* The C name that spells a place of depth 0 in a cast ("struct sock",
 * "kuid_t"), qualifiers dropped; NULL for anonymous and non-aggregate
 * types. *hdr_name gets the name to request from the BTF header
 * generator ("struct sock", "typedef kuid_t"). Arena copies. */
const char *tplace_c_name(struct arena *a, struct tplace p, const char **hdr_name);
/* The members of an aggregate place (through a pointer to it, too), in
 * order: names (NULL for anonymous members) and places. Returns how many
 * (at most max), -1 if the place is not an aggregate. */
int tplace_members(struct tplace p, const char **names, struct tplace *places, int max);
/* Is the place an integer one byte wide named like char? */
bool tplace_is_char(struct tplace p);
/* A C type text ("struct sockaddr *", "pid_t", "unsigned long", "void")
 * to a place of src. False if src does not know the type. */
bool tplace_from_text(const struct type_source *src, const char *ctype, struct tplace *p);
/* @cast's type text ("sock", "struct sock", "task_struct *") to the place
 * of a pointer to it; false if src has no such type. */
bool tplace_for_cast(const struct type_source *src, const char *type_text, struct tplace *p);

/* ---- C type text --------------------------------------------------- */

/* Split a type text into words (qualifiers such as const and __user
 * dropped), counting '*'. Returns the number of words, -1 if too many. */
int type_text_words(const char *text, char words[][64], int max, int *stars);
/* C integer keywords ("unsigned long", "short int", "_Bool") to size and
 * signedness. */
bool type_text_int(char words[][64], int n, int *size, bool *is_signed);

#endif
