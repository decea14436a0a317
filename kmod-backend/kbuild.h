/* Pass 4 of the kernel-module runtime: the runner half as for BPF
 * (bpf-backend/compile.c: prog.so in a cached artifact directory, keyed on
 * the C text, the runtime headers and here the kernel build tree too),
 * and the kernel half as prog.ko, built by kbuild against the build tree
 * of -r (a release: /lib/modules/REL/build; or a directory), with the
 * compiler that built that kernel. There is always a module (it holds
 * the globals and arrays), with or without kernel probes. The module is <name>.ko in the
 * artifact directory, its name unique per artifact (kbuild_module_name). */
#ifndef BTAP_KBUILD_H
#define BTAP_KBUILD_H

#include <stdbool.h>
#include <stddef.h>

struct session;

bool kbuild_compile(struct session *s, const char *c_text, size_t len, char *artifact,
		    size_t n);

/* Was the last kbuild_compile a cache hit (for -v)? */
bool kbuild_compile_was_cached(void);

/* The module's name for an artifact directory: btap_<16 hex of its key>. */
void kbuild_module_name(const char *artifact, char *out, size_t n);

/* The build tree -r names (or the running kernel's), into out. */
void kbuild_tree(const struct session *s, char *out, size_t n);

#endif
