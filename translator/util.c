/* The arena allocator, allocation that never returns NULL, growable
 * string buffers and pointer vectors, and reading a whole file. */
#include "util.h"


#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <errno.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

struct arena_block {
	struct arena_block *next;
	size_t used, size;
	max_align_t data[];
};

#define ARENA_BLOCK_MIN (64 * 1024)

void arena_init(struct arena *a) { a->head = NULL; }

void arena_free(struct arena *a)
{
	struct arena_block *b = a->head;
	while (b) {
		struct arena_block *n = b->next;
		free(b);
		b = n;
	}
	a->head = NULL;
}

/* Blocks come zeroed (calloc, which need not clear memory fresh from the
 * kernel) and are never reused, so an allocation is zero without a memset
 * of its own: that was a fifth of parsing the tapset. */
void *arena_alloc(struct arena *a, size_t n)
{
	n = (n + sizeof(max_align_t) - 1) & ~(sizeof(max_align_t) - 1);
	if (n == 0)
		n = sizeof(max_align_t);
	struct arena_block *b = a->head;
	if (!b || b->size - b->used < n) {
		size_t sz = n > ARENA_BLOCK_MIN ? n : ARENA_BLOCK_MIN;
		b = xcalloc(1, sizeof(*b) + sz);
		b->size = sz;
		b->used = 0;
		b->next = a->head;
		a->head = b;
	}
	void *p = (char *)b->data + b->used;
	b->used += n;
	return p;
}

char *arena_strndup(struct arena *a, const char *s, size_t n)
{
	char *p = arena_alloc(a, n + 1);
	memcpy(p, s, n);
	p[n] = 0;
	return p;
}

char *arena_strdup(struct arena *a, const char *s) { return arena_strndup(a, s, strlen(s)); }

char *arena_printf(struct arena *a, const char *fmt, ...)
{
	va_list ap, ap2;
	va_start(ap, fmt);
	va_copy(ap2, ap);
	int n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	char *p = arena_alloc(a, (size_t)n + 1);
	vsnprintf(p, (size_t)n + 1, fmt, ap2);
	va_end(ap2);
	return p;
}

static void oom(void)
{
	fputs("btap: out of memory\n", stderr);
	abort();
}

void *xmalloc(size_t n)
{
	void *p = malloc(n ? n : 1);
	if (!p)
		oom();
	return p;
}

void *xcalloc(size_t n, size_t m)
{
	void *p = calloc(n ? n : 1, m ? m : 1);
	if (!p)
		oom();
	return p;
}

void *xrealloc(void *p, size_t n)
{
	p = realloc(p, n ? n : 1);
	if (!p)
		oom();
	return p;
}

char *xstrdup(const char *s)
{
	char *p = strdup(s);
	if (!p)
		oom();
	return p;
}

void sb_init(struct strbuf *b)
{
	b->s = NULL;
	b->len = b->cap = 0;
}

void sb_free(struct strbuf *b)
{
	free(b->s);
	sb_init(b);
}

static void sb_reserve(struct strbuf *b, size_t extra)
{
	if (b->len + extra + 1 <= b->cap)
		return;
	size_t cap = b->cap ? b->cap : 64;
	while (cap < b->len + extra + 1)
		cap *= 2;
	b->s = xrealloc(b->s, cap);
	b->cap = cap;
}

void sb_putn(struct strbuf *b, const char *s, size_t n)
{
	sb_reserve(b, n);
	memcpy(b->s + b->len, s, n);
	b->len += n;
	b->s[b->len] = 0;
}

void sb_putc(struct strbuf *b, char c) { sb_putn(b, &c, 1); }
void sb_puts(struct strbuf *b, const char *s) { sb_putn(b, s, strlen(s)); }

void sb_vprintf(struct strbuf *b, const char *fmt, va_list ap)
{
	va_list ap2;
	va_copy(ap2, ap);
	int n = vsnprintf(NULL, 0, fmt, ap);
	sb_reserve(b, (size_t)n);
	vsnprintf(b->s + b->len, (size_t)n + 1, fmt, ap2);
	va_end(ap2);
	b->len += (size_t)n;
}

void sb_printf(struct strbuf *b, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	sb_vprintf(b, fmt, ap);
	va_end(ap);
}

char *sb_steal(struct strbuf *b)
{
	char *s = b->s ? b->s : xstrdup("");
	sb_init(b);
	return s;
}

void vec_push(struct arena *a, struct vec *vec, void *p)
{
	if (vec->n == vec->cap) {
		int cap = vec->cap ? vec->cap * 2 : 4;
		void **nv = arena_alloc(a, sizeof(void *) * (size_t)cap);
		if (vec->n)
			memcpy(nv, vec->v, sizeof(void *) * (size_t)vec->n);
		vec->v = nv;
		vec->cap = cap;
	}
	vec->v[vec->n++] = p;
}

void vec_insert(struct arena *a, struct vec *vec, int at, void *p)
{
	vec_push(a, vec, p);
	memmove(&vec->v[at + 1], &vec->v[at], sizeof(void *) * (size_t)(vec->n - 1 - at));
	vec->v[at] = p;
}

char *read_file(const char *path, size_t *len_out)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return NULL;
	struct strbuf b;
	sb_init(&b);
	char buf[65536];
	size_t n;
	while ((n = fread(buf, 1, sizeof buf, f)) > 0)
		sb_putn(&b, buf, n);
	int err = ferror(f);
	fclose(f);
	if (err) {
		sb_free(&b);
		return NULL;
	}
	if (len_out)
		*len_out = b.len;
	return sb_steal(&b);
}

double now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

/* As execvp finds a program: a name with a slash as it is, else the first
 * regular executable file of that name in $PATH (default
 * /usr/local/bin:/usr/bin:/bin; an empty entry is the current folder). */
char *path_find_program(const char *name)
{
	struct stat st;
	if (strchr(name, '/')) {
		if (access(name, X_OK) == 0)
			return xstrdup(name);
		return NULL;
	}
	const char *path = getenv("PATH");
	if (!path || !*path)
		path = "/usr/local/bin:/usr/bin:/bin";
	int err = ENOENT;
	struct strbuf b;
	sb_init(&b);
	for (const char *p = path;;) {
		const char *end = strchrnul(p, ':');
		b.len = 0;
		sb_printf(&b, "%.*s/%s", (int)(end - p), end > p ? p : ".", name);
		if (access(b.s, X_OK) == 0 && stat(b.s, &st) == 0 && S_ISREG(st.st_mode))
			return sb_steal(&b);
		if (errno == EACCES)
			err = EACCES;
		if (!*end)
			break;
		p = end + 1;
	}
	sb_free(&b);
	errno = err;
	return NULL;
}

bool brace_any(const char *pattern, bool (*fn)(const char *alt, void *ctx), void *ctx)
{
	const char *open = strchr(pattern, '{'), *close = NULL;
	int depth = 0;
	for (const char *p = open; p && *p; p++) {
		depth += *p == '{' ? 1 : *p == '}' ? -1 : 0;
		if (depth == 0) {
			close = p;
			break;
		}
	}
	if (!close)
		return fn(pattern, ctx);
	bool found = false;
	for (const char *alt = open + 1; !found && alt <= close;) {
		const char *end = alt;
		for (depth = 0; end < close && (depth > 0 || *end != ','); end++)
			depth += *end == '{' ? 1 : *end == '}' ? -1 : 0;
		struct strbuf b;
		sb_init(&b);
		sb_putn(&b, pattern, (size_t)(open - pattern));
		sb_putn(&b, alt, (size_t)(end - alt));
		sb_puts(&b, close + 1);
		found = brace_any(b.s, fn, ctx);
		sb_free(&b);
		alt = end + 1;
	}
	return found;
}
