/* Small shared utilities: an arena allocator, a growable string buffer and a
 * growable pointer vector. Everything the front end builds lives in one arena
 * per session, so freeing a whole program is one call and fuzzing finds no
 * leaks by construction. */
#ifndef BTAP_UTIL_H
#define BTAP_UTIL_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct arena_block;
struct arena {
	struct arena_block *head;
};

void arena_init(struct arena *a);
void arena_free(struct arena *a);
void *arena_alloc(struct arena *a, size_t n); /* zeroed */
char *arena_strdup(struct arena *a, const char *s);
char *arena_strndup(struct arena *a, const char *s, size_t n);
char *arena_printf(struct arena *a, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* Out-of-memory is fatal: these never return NULL. */
void *xmalloc(size_t n);
void *xcalloc(size_t n, size_t m);
void *xrealloc(void *p, size_t n);
char *xstrdup(const char *s);

/* Heap string buffer (not arena: used for output that outlives passes). */
struct strbuf {
	char *s;
	size_t len, cap;
};
void sb_init(struct strbuf *b);
void sb_free(struct strbuf *b);
void sb_putc(struct strbuf *b, char c);
void sb_puts(struct strbuf *b, const char *s);
void sb_putn(struct strbuf *b, const char *s, size_t n);
void sb_printf(struct strbuf *b, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
void sb_vprintf(struct strbuf *b, const char *fmt, va_list ap);
char *sb_steal(struct strbuf *b); /* caller frees; buffer is reset */

/* Pointer vector whose storage lives in an arena. */
struct vec {
	void **v;
	int n, cap;
};
void vec_push(struct arena *a, struct vec *vec, void *p);
/* p at position at (0..n), the rest moved up one */
void vec_insert(struct arena *a, struct vec *vec, int at, void *p);
#define VEC_AT(vec, i, type) ((type)(vec).v[(i)])
#define VEC_FOREACH(vec, i) for (int i = 0; i < (vec).n; i++)

/* Calls fn on each brace alternative of pattern ("a{b,c}d" gives "abd",
 * then "acd"; groups nest) until it returns true, and says whether one
 * did. A pattern without a closed group is passed as it is. */
bool brace_any(const char *pattern, bool (*fn)(const char *alt, void *ctx), void *ctx);

/* Read a whole file into a NUL-terminated heap buffer; NULL on error. */
char *read_file(const char *path, size_t *len_out);

/* CLOCK_MONOTONIC in milliseconds, for -v timings. */
double now_ms(void);

/* The file execvp would run for `name` (caller frees), or NULL with errno
 * ENOENT or EACCES. */
char *path_find_program(const char *name);

#endif
