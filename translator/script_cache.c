/* The script cache index. See script_cache.h. */
#include "script_cache.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cache.h"
#include "bpf-backend/compile.h"
#include "session.h"
#include "util.h"

#ifndef BTAP_VERSION
#define BTAP_VERSION "0"
#endif
#ifndef BTAP_GITREV
#define BTAP_GITREV "unknown"
#endif

/* Bumped whenever the key's ingredients or the entry format change. */
#define SCRIPT_CACHE_LAYOUT "btap-script-index-1"

static void hash_int(struct cache_hash *c, long long v)
{
	cache_hash_put(c, &v, sizeof(v));
}

static void hash_opt_str(struct cache_hash *c, const char *s)
{
	hash_int(c, s != NULL);
	if (s)
		cache_hash_str(c, s);
}

static void hash_str_vec(struct cache_hash *c, const struct vec *v)
{
	hash_int(c, v->n);
	for (int i = 0; i < v->n; i++)
		cache_hash_str(c, VEC_AT(*v, i, const char *));
}

static void hash_file_facts(struct cache_hash *c, const char *path, const struct stat *st)
{
	cache_hash_str(c, path);
	long long facts[4] = {(long long)st->st_size, (long long)st->st_mtim.tv_sec,
			      (long long)st->st_mtim.tv_nsec, (long long)st->st_ino};
	cache_hash_put(c, facts, sizeof(facts));
}

static void hash_tapset_dir(struct cache_hash *c, const char *dir)
{
	/* every .stp/.stpm under dir: a superset of what the loader reads */
	static const char *const tapset_files[] = {".stp", ".stpm", NULL};
	cache_hash_tree(c, dir, tapset_files, 16);
}

/* btap's own executable: a rebuild changes the translator even when the
 * version and git revision stay the same. */
static void hash_self(struct cache_hash *c)
{
	struct stat st;
	if (stat("/proc/self/exe", &st) == 0)
		hash_file_facts(c, "self", &st);
	else
		cache_hash_str(c, "self:unknown");
}

/* The script's name and text, as pass 1 will see them. */
static bool hash_script(struct session *s, struct cache_hash *c)
{
	if (s->script_text) {
		cache_hash_str(c, "<input>");
		size_t len = strlen(s->script_text);
		hash_int(c, (long long)len);
		cache_hash_put(c, s->script_text, len);
		return true;
	}
	if (!s->script_path)
		return false;
	size_t len;
	char *text = read_file(s->script_path, &len);
	if (!text)
		return false;
	cache_hash_str(c, s->script_path);
	hash_int(c, (long long)len);
	cache_hash_put(c, text, len);
	free(text);
	return true;
}

bool script_cache_key(struct session *s, char key[65])
{
	struct cache_hash c;
	cache_hash_init(&c);
	cache_hash_str(&c, SCRIPT_CACHE_LAYOUT);
	cache_hash_str(&c, BTAP_VERSION);
	cache_hash_str(&c, BTAP_GITREV);
	hash_self(&c);
	if (!hash_script(s, &c))
		return false;
	hash_int(&c, s->nargs);
	for (int i = 0; i < s->nargs; i++)
		cache_hash_str(&c, s->args[i]);
	/* The options that reach passes 1-3. */
	hash_int(&c, s->guru);
	hash_int(&c, s->skip_badvars);
	hash_int(&c, s->runtime);
	hash_int(&c, s->kfunc);
	hash_str_vec(&c, &s->defines);
	hash_str_vec(&c, &s->include_dirs);
	hash_opt_str(&c, s->kernel_release);
	hash_opt_str(&c, s->debuginfo);
	hash_opt_str(&c, s->module_name);
	/* The tapset library: the installed one and every -I directory. */
	hash_opt_str(&c, s->tapset_dir);
	if (s->tapset_dir)
		hash_tapset_dir(&c, s->tapset_dir);
	for (int i = 0; i < s->include_dirs.n; i++)
		hash_tapset_dir(&c, VEC_AT(s->include_dirs, i, const char *));
	compile_hash_runtime_identity(s, &c);
	cache_hash_str(&c, cache_kernel_identity());
	cache_hash_hex(&c, key);
	return true;
}

/* <cache root>/scripts, created when create is set; NULL if unusable. */
static const char *index_dir(bool create)
{
	static char dir[4200];
	const char *root = cache_root();
	if (!root)
		return NULL;
	snprintf(dir, sizeof(dir), "%s/scripts", root);
	if (create && mkdir(dir, 0755) != 0 && errno != EEXIST)
		return NULL;
	return dir;
}

bool script_cache_lookup(const char *key, char *out, size_t n, bool *seen)
{
	*seen = false;
	const char *dir = index_dir(false);
	if (!dir)
		return false;
	char path[4300];
	snprintf(path, sizeof(path), "%s/%s", dir, key);
	size_t len;
	char *text = read_file(path, &len);
	if (!text)
		return false;
	*seen = true;
	/* "<artifact dir>\n<bpf|user>\n", then "hint\n" when it must not be
	 * used to skip passes 1-3 */
	char *nl = memchr(text, '\n', len);
	bool ok = nl && nl != text && (size_t)(nl - text) < n && !strstr(nl, "\nhint\n");
	if (ok) {
		*nl = '\0';
		bool has_bpf = strncmp(nl + 1, "bpf", 3) == 0;
		ok = cache_has_file(text, "prog.so") && (!has_bpf || cache_has_file(text, "prog.bpf.o"));
		if (ok)
			snprintf(out, n, "%s", text);
	}
	free(text);
	return ok;
}

void script_cache_store(const char *key, const char *artifact_dir, bool has_bpf, bool usable)
{
	const char *dir = index_dir(true);
	if (!dir || strchr(artifact_dir, '\n'))
		return;
	char tmp_name[128], final_path[4300], tmp_path[4300];
	snprintf(tmp_name, sizeof(tmp_name), ".tmp-%s-%ld", key, (long)getpid());
	snprintf(tmp_path, sizeof(tmp_path), "%s/%s", dir, tmp_name);
	snprintf(final_path, sizeof(final_path), "%s/%s", dir, key);
	struct strbuf b;
	sb_init(&b);
	sb_printf(&b, "%s\n%s\n%s", artifact_dir, has_bpf ? "bpf" : "user", usable ? "" : "hint\n");
	if (!cache_write_file(dir, tmp_name, b.s, b.len) || rename(tmp_path, final_path) != 0)
		unlink(tmp_path);
	sb_free(&b);
}
