/* The kernel's debuginfo (a vmlinux with DWARF, from the distribution's
 * debug package or a build tree): found, checked against the kernel's
 * build id, and asked which functions a source-file pattern names. BTF
 * still types everything; DWARF only answers "which functions are in
 * that file (at that line)". */
#ifndef BTAP_KERNEL_DWARF_H
#define BTAP_KERNEL_DWARF_H

#include "session.h"

#include <stdbool.h>

/* One out-of-line function of the kernel the DWARF describes. */
struct kdwarf_func {
	const char *name;
	const char *file; /* as the build named it, relative to its directory */
	int line;         /* of the declaration */
};

/* The functions of the kernel (module NULL) or of a module whose name
 * matches func_pat (fnmatch) and whose source file matches file_pat (as
 * stap: the pattern, or "*" "/" pattern, against the file's path),
 * spanning a line of [lo, hi] when lo > 0, in *out (arena memory, sorted
 * by file and line). -1 when the debuginfo cannot be used, with the
 * reason in *why (what was looked for, what to install). */
int kdwarf_functions(struct session *s, const char *module, const char *func_pat, const char *file_pat, int lo,
		     int hi, struct kdwarf_func **out, const char **why);

/* A static or global variable of the kernel the DWARF describes. */
struct kdwarf_var {
	const char *file;    /* of its unit */
	const char *ctype;   /* its type in C, for BTF to look up; NULL: none */
	unsigned long address; /* at link time */
	long text_offset;    /* from _text: the same after KASLR moved the kernel */
	bool percpu;         /* in the per-CPU section (address is an offset) */
};

/* @var("name@file_pat"): the kernel's variable name in the first unit
 * whose file matches; false with the reason in *why. */
bool kdwarf_variable(struct session *s, const char *name, const char *file_pat, struct kdwarf_var *out,
		     const char **why);

/* The file of the kernel's debuginfo (checked against its build id), for
 * reading its functions' parameters with the binary catalog (ubin.h) on
 * a kernel without BTF; NULL with the reason in *why. */
const char *kdwarf_kernel_path(struct session *s, const char **why);

/* The .ko with DWARF of a module (found as module("MOD").function's
 * files are), for reading its functions' parameters with the binary
 * catalog; NULL with the reason in *why. */
const char *kdwarf_module_path(struct session *s, const char *module, const char **why);

/* Does the file pattern match path (stap's rule, above)? */
bool kdwarf_file_matches(const char *file_pat, const char *path);

#endif
