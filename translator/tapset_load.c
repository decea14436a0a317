/* Pass 1 for the library: find every .stpm and .stp file under the tapset
 * directories (runtime and architecture subdirectories only when they
 * apply), in sorted order, and parse them. */
#include "tapset_load.h"
#include "parser.h"
#include "provider.h"

#include <dirent.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

static const char *const runtime_dirs[] = {"bpf", "kmod", NULL};
static const char *const arch_dirs[] = {
	"x86_64", "i386", "arm64", "arm", "powerpc", "s390", "mips", "riscv", "ia64", NULL,
};

static bool in_list(const char *name, const char *const *list)
{
	for (int i = 0; list[i]; i++)
		if (strcmp(name, list[i]) == 0)
			return true;
	return false;
}

/* Subdirectories for another runtime or architecture are skipped. */
static bool wanted_dir(const struct session *s, const char *name)
{
	if (in_list(name, runtime_dirs))
		return s->pp.runtime ? strcmp(name, s->pp.runtime) == 0 : strcmp(name, "bpf") == 0;
	if (in_list(name, arch_dirs))
		return s->pp.arch && strcmp(name, s->pp.arch) == 0;
	return name[0] != '.';
}

static bool has_suffix(const char *s, const char *suffix)
{
	size_t n = strlen(s), m = strlen(suffix);
	return n >= m && strcmp(s + n - m, suffix) == 0;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* Collect the .stp/.stpm paths under dir into out (arena strings). */
static bool collect(struct session *s, const char *dir, int depth, struct vec *out)
{
	DIR *d = opendir(dir);
	if (!d) {
		diag_plain_error("cannot read tapset directory '%s': %m", dir);
		return false;
	}
	struct vec names = {0};
	struct dirent *de;
	while ((de = readdir(d)))
		if (de->d_name[0] != '.')
			vec_push(&s->arena, &names, arena_strdup(&s->arena, de->d_name));
	closedir(d);
	if (names.n)
		qsort(names.v, (size_t)names.n, sizeof(void *), cmp_str);
	bool ok = true;
	VEC_FOREACH(names, i) {
		const char *name = VEC_AT(names, i, const char *);
		char *path = arena_printf(&s->arena, "%s/%s", dir, name);
		struct stat st;
		if (stat(path, &st) != 0)
			continue;
		if (S_ISDIR(st.st_mode)) {
			if (depth < 16 && wanted_dir(s, name))
				ok = collect(s, path, depth + 1, out) && ok;
		} else if (S_ISREG(st.st_mode) && (has_suffix(name, ".stp") || has_suffix(name, ".stpm"))) {
			vec_push(&s->arena, out, path);
		}
	}
	return ok;
}

static struct src_file *register_file(struct session *s, const char *path)
{
	size_t len;
	char *buf = read_file(path, &len);
	if (!buf) {
		diag_plain_error("cannot read tapset file '%s': %m", path);
		return NULL;
	}
	const char *text = arena_strndup(&s->arena, buf, len);
	free(buf);
	return src_register(path, text, len, true);
}

/* ---- the index: which file declares which name -------------------------- */

/* One public name a library file declares. Aliases are indexed by their
 * first component ("syscall" for syscall.read.return). */
struct ts_name {
	enum tapset_kind kind;
	const char *name;
	int file;
	struct ts_name *next; /* same bucket */
};

struct ts_file {
	const struct src_file *src;
	bool parsed;
};

#define TS_BUCKETS 2048

struct tapset_index {
	struct vec files;  /* struct ts_file*, in load order */
	struct vec aliases; /* struct ts_name* of kind TAPSET_ALIAS, for wildcards */
	struct ts_name *buckets[TS_BUCKETS];
};

static unsigned ts_hash(enum tapset_kind k, const char *s, size_t n)
{
	unsigned h = 2166136261u ^ (unsigned)k;
	for (size_t i = 0; i < n; i++)
		h = (h ^ (unsigned char)s[i]) * 16777619u;
	return h % TS_BUCKETS;
}

static void ts_add(struct session *s, enum tapset_kind k, const char *name, size_t n, int file)
{
	struct tapset_index *ix = s->tapset_index;
	unsigned h = ts_hash(k, name, n);
	for (struct ts_name *e = ix->buckets[h]; e; e = e->next)
		if (e->kind == k && e->file == file && strlen(e->name) == n && memcmp(e->name, name, n) == 0)
			return;
	struct ts_name *e = arena_alloc(&s->arena, sizeof(*e));
	e->kind = k;
	e->name = arena_strndup(&s->arena, name, n);
	e->file = file;
	e->next = ix->buckets[h];
	ix->buckets[h] = e;
	if (k == TAPSET_ALIAS)
		vec_push(&s->arena, &ix->aliases, e);
}

static bool ident_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
}

static const char *skip_blanks(const char *p, const char *end)
{
	while (p < end && (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r'))
		p++;
	return p;
}

static bool word_at(const char *p, const char *end, const char *w)
{
	size_t n = strlen(w);
	return (size_t)(end - p) > n && memcmp(p, w, n) == 0 && !ident_char(p[n]);
}

/* `global a, b = 1, c[10]` (also across lines after a comma) */
static void scan_globals(struct session *s, const char *p, const char *end, int file)
{
	for (;;) {
		p = skip_blanks(p, end);
		const char *n = p;
		while (p < end && ident_char(*p))
			p++;
		if (p == n)
			return;
		ts_add(s, TAPSET_GLOBAL, n, (size_t)(p - n), file);
		/* to the next comma at this level, or the end of the line */
		int depth = 0;
		while (p < end && *p != '\n' && (depth || *p != ',')) {
			if (*p == '[' || *p == '(')
				depth++;
			else if ((*p == ']' || *p == ')') && depth)
				depth--;
			p++;
		}
		if (p >= end || *p != ',')
			return;
		p++;
	}
}

/* `probe a.b, c.d = ...` or `+=`: each name's first component. A probe
 * with a body (`probe begin {`) declares nothing. */
static void scan_probe(struct session *s, const char *p, const char *end, int file)
{
	const char *q = p;
	while (q < end && *q != '=' && *q != '{')
		q++;
	if (q >= end || *q != '=')
		return;
	for (;;) {
		p = skip_blanks(p, end);
		const char *n = p;
		while (p < q && ident_char(*p))
			p++;
		if (p > n)
			ts_add(s, TAPSET_ALIAS, n, (size_t)(p - n), file);
		while (p < q && *p != ',')
			p++;
		if (p >= q)
			return;
		p++;
	}
}

/* Every line whose first word declares something: over-inclusive (a word
 * in a comment or in embedded C indexes a name the file may not have,
 * which costs a parse), never under (a declaration in a %( %) branch is
 * indexed whichever branch the parser keeps). */
static void scan_file(struct session *s, const struct src_file *src, int file)
{
	const char *p = src->text, *end = src->text + src->len;
	while (p < end) {
		p = skip_blanks(p, end);
		/* most lines start with none of the words */
		if (p < end && *p != 'p' && *p != 'f' && *p != 'g')
			;
		else if (word_at(p, end, "private"))
			; /* seen only by its own file */
		else if (word_at(p, end, "function")) {
			const char *n = skip_blanks(p + 8, end), *e = n;
			while (e < end && ident_char(*e))
				e++;
			if (e > n)
				ts_add(s, TAPSET_FUNCTION, n, (size_t)(e - n), file);
		} else if (word_at(p, end, "global")) {
			scan_globals(s, p + 6, end, file);
		} else if (word_at(p, end, "probe")) {
			scan_probe(s, p + 5, end, file);
		}
		while (p < end && *p != '\n')
			p++;
	}
}

static struct stapfile *parse_indexed(struct session *s, struct ts_file *f, int file)
{
	f->parsed = true;
	struct stapfile *sf = parse_file(&s->arena, f->src, &s->pp, true);
	if (sf) {
		sf->is_tapset = true;
		sf->order = 1 + file;
		vec_push(&s->arena, &s->tapset_files, sf);
	}
	return sf;
}

static void need_file(struct session *s, int file, struct vec *out)
{
	struct ts_file *f = VEC_AT(s->tapset_index->files, file, struct ts_file *);
	if (f->parsed)
		return;
	struct stapfile *sf = parse_indexed(s, f, file);
	if (sf && out)
		vec_push(&s->arena, out, sf);
}

static int cmp_int(const void *a, const void *b)
{
	return *(const int *)a - *(const int *)b;
}

void tapset_need(struct session *s, enum tapset_kind k, const char *name, struct vec *out)
{
	struct tapset_index *ix = s->tapset_index;
	if (!ix || !name)
		return;
	/* the files in load order, as a full load would have them */
	int files[64], n = 0;
	if (k == TAPSET_ALIAS && strpbrk(name, "*?[")) {
		VEC_FOREACH(ix->aliases, i) {
			struct ts_name *e = VEC_AT(ix->aliases, i, struct ts_name *);
			if (pp_glob_match(name, e->name))
				need_file(s, e->file, out);
		}
		return;
	}
	for (struct ts_name *e = ix->buckets[ts_hash(k, name, strlen(name))]; e; e = e->next)
		if (e->kind == k && strcmp(e->name, name) == 0) {
			if (n == (int)(sizeof files / sizeof files[0])) {
				tapset_need_all(s, out);
				return;
			}
			files[n++] = e->file;
		}
	if (n > 1)
		qsort(files, (size_t)n, sizeof files[0], cmp_int);
	for (int i = 0; i < n; i++)
		need_file(s, files[i], out);
}

void tapset_need_all(struct session *s, struct vec *out)
{
	if (!s->tapset_index)
		return;
	VEC_FOREACH(s->tapset_index->files, i)
		need_file(s, i, out);
}

bool tapset_load_index(struct session *s)
{
	struct vec paths = {0};
	bool ok = true;
	if (s->tapset_dir)
		ok = collect(s, s->tapset_dir, 0, &paths);
	VEC_FOREACH(s->include_dirs, i)
		ok = collect(s, VEC_AT(s->include_dirs, i, const char *), 0, &paths) && ok;

	int errors_before = diag_error_count();
	if (!s->pp.global_macros)
		s->pp.global_macros = pp_macros_new(&s->arena);
	VEC_FOREACH(paths, i) {
		const char *p = VEC_AT(paths, i, const char *);
		if (!has_suffix(p, ".stpm"))
			continue;
		struct src_file *f = register_file(s, p);
		if (!f || !pp_macros_load(&s->arena, s->pp.global_macros, f, &s->pp))
			ok = false;
	}
	struct tapset_index *ix = arena_alloc(&s->arena, sizeof(*ix));
	s->tapset_index = ix;
	VEC_FOREACH(paths, i) {
		const char *p = VEC_AT(paths, i, const char *);
		if (!has_suffix(p, ".stp"))
			continue;
		struct ts_file *f = arena_alloc(&s->arena, sizeof(*f));
		f->src = register_file(s, p);
		if (!f->src) {
			ok = false;
			continue;
		}
		vec_push(&s->arena, &ix->files, f);
		scan_file(s, f->src, ix->files.n - 1);
	}
	return ok && diag_error_count() == errors_before;
}

bool tapset_load_all(struct session *s)
{
	int errors_before = diag_error_count();
	bool ok = tapset_load_index(s);
	tapset_need_all(s, NULL);
	return ok && diag_error_count() == errors_before;
}
