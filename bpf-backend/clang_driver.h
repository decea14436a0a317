/* Compile generated C to a BPF object with clang.
 *
 * The source is handed to clang from memory (a memfd as its stdin) and its
 * diagnostics come back as text, so the caller can map `#line` locations to
 * the script. One posix_spawn per compile, no temporary files. */
#ifndef BTAP_CLANG_DRIVER_H
#define BTAP_CLANG_DRIVER_H

#include <stdbool.h>
#include <stddef.h>

struct clang_opts {
	const char *clang;       /* NULL: clang_find() */
	const char *mcpu;        /* NULL: clang_best_mcpu(clang, kernel_release) */
	const char *kernel_release; /* the target kernel (-r); NULL: the running one */
	const char *src_name;    /* file name in diagnostics and debug info
				  * before any #line (NULL: "<btap>") */
	const char *const *include_dirs; /* -I, n_include_dirs of them */
	int n_include_dirs;
	const char *const *defines;      /* "NAME" or "NAME=VALUE" */
	int n_defines;
	const char *const *extra_args;   /* passed through as they are */
	int n_extra_args;
};

/* The newest clang installed: the first of clang-19 .. clang-14, then clang,
 * found in PATH. Full path, cached; NULL when there is none. */
const char *clang_find(void);

/* First line of `clang --version` (e.g. "Debian clang version 14.0.6"),
 * cached per path; use it in cache keys. NULL if clang cannot run. */
const char *clang_version(const char *clang);

/* "realpath:size:mtime" of the clang binary: changes when clang does, and
 * costs no exec (clang_version starts clang once). Static buffer. */
const char *clang_cache_key(const char *clang);

/* Major version number (14 for clang 14), or -1; read from the install path
 * when it tells (llvm-14/bin/clang, clang-14), else from clang_version. */
int clang_major(const char *clang);

/* The best -mcpu for this clang on the kernel `release` ("6.1.0-28-cloud-
 * amd64"; NULL: the running kernel; not a version: v3): v4 needs clang 18
 * and Linux 6.6; v3 needs Linux 5.1. */
const char *clang_best_mcpu(const char *clang, const char *release);

/* Compile `len` bytes of C at `src` to out_obj_path with
 *   -target bpf -O2 -g -mcpu=... -D__TARGET_ARCH_<arch> -I...
 * Returns 0 on success, -1 on failure. If diag_out is not NULL it receives
 * clang's diagnostics (warnings too; NULL when there were none; caller
 * frees). A failure to run clang at all is reported the same way. */
int clang_compile(const struct clang_opts *o, const char *src, size_t len,
		  const char *out_obj_path, char **diag_out);

/* Start the clang of a coming clang_compile(o, ..., out_obj_path) now, to
 * wait on a pipe for the source: its start-up (~70 ms) then overlaps the
 * work before the compile. That compile, if its command line is the same,
 * hands the source to this clang instead of starting one. One at a time;
 * false when one is pending or clang cannot be started. */
bool clang_start_early(const struct clang_opts *o, const char *out_obj_path);

/* Kill and reap the early clang if no compile took it (no-op otherwise). */
void clang_cancel_early(void);

/* Run a compiler or build tool (argv[0] is its path; also kbuild's make) with stdin from in_fd (or /dev/null
 * when -1) and stdout+stderr captured into *out (NULL if empty; caller
 * frees). Returns the exit status, or -1 when it could not be run (with a
 * message in *out). */
int clang_run_captured(char *const argv[], int in_fd, char **out);

#endif
