/* Pass 1 for the library: find every .stpm and .stp file under the tapset
 * directories (runtime and architecture subdirectories only when they
 * apply), in sorted order, and parse them. */
#include "tapset_load.h"
#include "parser.h"

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

bool tapset_load_all(struct session *s)
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
	VEC_FOREACH(paths, i) {
		const char *p = VEC_AT(paths, i, const char *);
		if (!has_suffix(p, ".stp"))
			continue;
		struct src_file *f = register_file(s, p);
		if (!f) {
			ok = false;
			continue;
		}
		struct stapfile *sf = parse_file(&s->arena, f, &s->pp, true);
		if (sf) {
			sf->is_tapset = true;
			vec_push(&s->arena, &s->tapset_files, sf);
		}
	}
	return ok && diag_error_count() == errors_before;
}
