/* The runner half (-DBTAP_TARGET_USER) compiled in process by libtcc into
 * prog.so, with tcc's own linker: no compiler, assembler or linker process,
 * a few milliseconds instead of ~80. The C is the same unit the host cc
 * compiles, so there is one emitter and one set of semantics; compile.c
 * falls back to cc where tcc cannot build a unit (saying why with -v).
 *
 * tcc finds its own headers (stddef.h, stdarg.h ...) and libtcc1.a (the
 * helpers its code calls, such as __va_arg) in its directory: $BTAP_TCC_DIR,
 * else the one Debian's tcc package installs (BTAP_TCC_DIR at build time). */
#ifndef BTAP_TCC_BUILD_H
#define BTAP_TCC_BUILD_H

#include <stddef.h>

struct cache_hash;

/* Compile `len` bytes of C (named src_name in messages: the generated
 * code's own #line directives name the script) with -I runtime_dir and
 * -DBTAP_TARGET_USER, and link it into the shared object out_so. Returns
 * 0 on success; -1 with tcc's messages ("file:line: error: ...", one per
 * line) in *diag (caller frees). As with cc's
 * -Werror=implicit-function-declaration, calling an undeclared function
 * is an error. */
int tcc_build_shared(const char *text, size_t len, const char *src_name, const char *runtime_dir,
		     const char *out_so, char **diag);

/* What changes tcc's output: libtcc's version and its directory's headers
 * and libtcc1.a (names, sizes, mtimes), for the artifact key. */
void tcc_build_hash_identity(struct cache_hash *c);

#endif
