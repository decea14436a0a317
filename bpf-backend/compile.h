/* Pass 4 of the BPF backend: compile the generated C unit into a cached
 * artifact directory holding
 *     prog.c       the generated C, as pass 3 produced it
 *     prog.bpf.o   clang -target bpf -O2 -g -DBTAP_TARGET_BPF (when the
 *                  program has kernel-context probes)
 *     prog.so      host cc -c -fPIC -O1 -DBTAP_TARGET_USER, ld -shared:
 *                  the runner-side probes and the btap_program descriptor
 *                  (checked to dlopen in btap before it is published)
 * Both halves compile with -I<runtime dir> (translator/paths.h: the
 * tree's runtime/, the installed copy, or $BTAP_RUNTIME_DIR) and in
 * parallel. A cache hit runs no compiler.
 *
 * Compiler errors come back located in the script: the generated C carries
 * #line directives, so messages naming a script or tapset file are printed
 * through diag.h (file:line:col, source line, caret); anything else is an
 * error in the generated code and is printed as the compiler said it. */
#ifndef BTAP_COMPILE_H
#define BTAP_COMPILE_H

#include <stdbool.h>
#include <stddef.h>

struct session;

/* Compile (or find in the cache) the program whose generated C is
 * c_text[0..len). On success the artifact directory's path goes into
 * artifact_dir_out (n bytes) and true is returned; on failure the errors
 * were printed and false is returned. */
bool compile_program(struct session *s, const char *c_text, size_t len, bool has_bpf,
		     char *artifact_dir_out, size_t n);

/* Start pass 4's clang now, before pass 1, for a script that will likely
 * need its kernel half compiled (clang_start_early): its start-up then
 * overlaps passes 1-3. compile_program uses it (and its temporary
 * directory) when the compile happens; compile_cancel_early kills it and
 * removes the directory when it does not (a cache hit, no kernel half, an
 * error before pass 4). Call the latter before exiting in any case. */
void compile_start_early(struct session *s);
void compile_cancel_early(void);

/* Whether the last successful compile_program was a cache hit (for -v). */
bool compile_was_cached(void);

/* Print clang / cc diagnostics `text` as located errors where they name a
 * source file of the session (used for compiler output and verifier logs).
 * Returns the number of errors printed. */
int compile_report_diagnostics(struct session *s, const char *text);

/* The registered source called `name` (the user script or a tapset file of
 * the session), or NULL. */
const struct src_file *compile_find_source(struct session *s, const char *name);

/* The runtime include directory the artifacts compile against. */
const char *compile_runtime_dir(struct session *s);

/* Feed the runtime directory and its headers' names, sizes and mtimes into
 * a cache key (the part of the artifact key that is not the C text). */
struct cache_hash;
void compile_hash_runtime_identity(struct session *s, struct cache_hash *c);

#endif
