/* The catalog of a binary kept on disk, so that naming a large library
 * again (libc with its debug symbols: decompressing and walking its
 * DWARF takes most of a -l) reads one small file. The key covers the
 * file (path, device, inode, size, mtime), its separate debuginfo (found
 * again by build-id, so its mtime is part of the entry) and this btap
 * (its version, and its executable's inode, size and mtime).
 * An entry holds what ubin.c reads up front (segments, functions with
 * their DIE offsets, data symbols, marks); DWARF questions still open the
 * DWARF, lazily, when a probe needs them. Entries are text, one record a
 * line, fields separated by tabs; a catalog with a tab or newline in a
 * name is simply not stored. */
#include "ubin_internal.h"

#include "cache.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#ifndef BTAP_VERSION_STRING
#define BTAP_VERSION_STRING "btap-ubin-1"
#endif

static bool clean(const char *s)
{
	return !s || !strpbrk(s, "\t\n");
}

static const char *dir_of_cache(void)
{
	static char dir[4096];
	const char *root = cache_root();
	if (!root)
		return NULL;
	snprintf(dir, sizeof dir, "%s/ubin", root);
	if (mkdir(dir, 0700) != 0 && errno != EEXIST)
		return NULL;
	return dir;
}

bool ubin_cache_key(const char *path, const struct stat *st, char *key, size_t n)
{
	struct cache_hash h;
	cache_hash_init(&h);
	cache_hash_str(&h, BTAP_VERSION_STRING " " __DATE__ " " __TIME__);
	cache_hash_str(&h, path);
	char buf[256];
	/* btap's own executable: a rebuild may read a binary differently
	 * (ubin.c changes without this file) */
	struct stat self;
	if (stat("/proc/self/exe", &self) == 0) {
		snprintf(buf, sizeof buf, "self %ju %jd %jd.%09ld", (uintmax_t)self.st_ino, (intmax_t)self.st_size,
			 (intmax_t)self.st_mtim.tv_sec, self.st_mtim.tv_nsec);
		cache_hash_str(&h, buf);
	}
	snprintf(buf, sizeof buf, "%ju %ju %jd %jd.%09ld", (uintmax_t)st->st_dev, (uintmax_t)st->st_ino,
		 (intmax_t)st->st_size, (intmax_t)st->st_mtim.tv_sec, st->st_mtim.tv_nsec);
	cache_hash_str(&h, buf);
	char hex[65];
	cache_hash_hex(&h, hex);
	snprintf(key, n, "%s", hex);
	return dir_of_cache() != NULL;
}

/* The debuginfo file an entry relied on, still as it was? */
static bool debug_unchanged(const char *path, const char *stamp)
{
	struct stat st;
	char now[128];
	if (stat(path, &st) != 0)
		return false;
	snprintf(now, sizeof now, "%jd.%09ld", (intmax_t)st.st_mtim.tv_sec, st.st_mtim.tv_nsec);
	return strcmp(now, stamp) == 0;
}

/* Split line at tabs into at most max fields; how many. */
static int fields(char *line, char **f, int max)
{
	int n = 0;
	line[strcspn(line, "\n")] = 0;
	for (char *p = line; n < max;) {
		f[n++] = p;
		char *t = strchr(p, '\t');
		if (!t)
			break;
		*t = 0;
		p = t + 1;
	}
	return n;
}

struct ubin *ubin_cache_load(const char *path, const char *key)
{
	const char *dir = dir_of_cache();
	if (!dir)
		return NULL;
	char file[4200];
	snprintf(file, sizeof file, "%s/%s", dir, key);
	FILE *in = fopen(file, "r");
	if (!in)
		return NULL;
	struct ubin *b = ubin_alloc(path);
	struct arena *a = &b->priv->arena;
	size_t cap = 1 << 16;
	char *line = xmalloc(cap);
	char *f[16];
	bool ok = false;
	struct vec funcs = {0}, syms = {0}, marks = {0}, segs = {0};
	while (fgets(line, (int)cap, in)) {
		int n = fields(line, f, 16);
		if (n >= 6 && strcmp(f[0], "B") == 0) {
			b->is_dyn = f[1][0] == '1';
			b->has_dwarf = f[2][0] == '1';
			b->debug_path = *f[3] ? arena_strdup(a, f[3]) : NULL;
			snprintf(b->build_id, sizeof b->build_id, "%s", f[4]);
			if (b->debug_path && strcmp(b->debug_path, path) != 0 && !debug_unchanged(b->debug_path, f[5]))
				break; /* the debuginfo changed: read everything again */
		} else if (n == 5 && strcmp(f[0], "S") == 0) {
			struct ubin_seg *s = arena_alloc(a, sizeof(*s));
			*s = (struct ubin_seg){strtoull(f[1], NULL, 16), strtoull(f[2], NULL, 16),
					       strtoull(f[3], NULL, 16), strtoull(f[4], NULL, 16), false};
			vec_push(a, &segs, s);
		} else if (n >= 8 && strcmp(f[0], "F") == 0) {
			struct ubin_func *fn = arena_alloc(a, sizeof(*fn));
			fn->name = arena_strdup(a, f[1]);
			fn->file = *f[2] ? arena_strdup(a, f[2]) : NULL;
			fn->line = atoi(f[3]);
			fn->addr = strtoull(f[4], NULL, 16);
			fn->size = strtoull(f[5], NULL, 16);
			fn->die = strtoull(f[6], NULL, 16);
			int na = atoi(f[7]);
			if (na > 0 && n >= 8 + na) {
				const char **al = arena_alloc(a, sizeof(*al) * (size_t)(na + 1));
				for (int i = 0; i < na; i++)
					al[i] = arena_strdup(a, f[8 + i]);
				fn->aliases = al;
			}
			vec_push(a, &funcs, fn);
		} else if (n == 3 && strcmp(f[0], "D") == 0) {
			struct ubin_sym *s = arena_alloc(a, sizeof(*s));
			s->name = arena_strdup(a, f[1]);
			s->addr = strtoull(f[2], NULL, 16);
			vec_push(a, &syms, s);
		} else if (n == 7 && strcmp(f[0], "M") == 0) {
			struct ubin_mark *m = arena_alloc(a, sizeof(*m));
			m->provider = arena_strdup(a, f[1]);
			m->name = arena_strdup(a, f[2]);
			m->addr = strtoull(f[3], NULL, 16);
			m->semaphore = strtoull(f[4], NULL, 16);
			m->args = arena_strdup(a, f[5]);
			m->nargs = atoi(f[6]);
			vec_push(a, &marks, m);
		} else if (n == 1 && strcmp(f[0], "END") == 0) {
			ok = true;
		}
	}
	free(line);
	fclose(in);
	if (!ok) {
		ubin_free(b);
		return NULL;
	}
	b->segs = arena_alloc(a, sizeof(*b->segs) * (size_t)(segs.n ? segs.n : 1));
	VEC_FOREACH(segs, i)
		b->segs[b->nsegs++] = *VEC_AT(segs, i, struct ubin_seg *);
	b->funcs = arena_alloc(a, sizeof(*b->funcs) * (size_t)(funcs.n ? funcs.n : 1));
	VEC_FOREACH(funcs, i)
		b->funcs[b->nfuncs++] = *VEC_AT(funcs, i, struct ubin_func *);
	b->priv->syms = arena_alloc(a, sizeof(*b->priv->syms) * (size_t)(syms.n ? syms.n : 1));
	VEC_FOREACH(syms, i)
		b->priv->syms[b->priv->nsyms++] = *VEC_AT(syms, i, struct ubin_sym *);
	b->marks = arena_alloc(a, sizeof(*b->marks) * (size_t)(marks.n ? marks.n : 1));
	VEC_FOREACH(marks, i)
		b->marks[b->nmarks++] = *VEC_AT(marks, i, struct ubin_mark *);
	ubin_index(b);
	return b;
}

void ubin_cache_store(const struct ubin *b, const char *key)
{
	const char *dir = dir_of_cache();
	if (!dir || !clean(b->debug_path))
		return;
	struct strbuf out;
	sb_init(&out);
	char stamp[128] = "";
	struct stat st;
	if (b->debug_path && stat(b->debug_path, &st) == 0)
		snprintf(stamp, sizeof stamp, "%jd.%09ld", (intmax_t)st.st_mtim.tv_sec, st.st_mtim.tv_nsec);
	sb_printf(&out, "B\t%d\t%d\t%s\t%s\t%s\n", b->is_dyn, b->has_dwarf, b->debug_path ? b->debug_path : "",
		  b->build_id, stamp);
	for (int i = 0; i < b->nsegs; i++)
		sb_printf(&out, "S\t%" PRIx64 "\t%" PRIx64 "\t%" PRIx64 "\t%" PRIx64 "\n", b->segs[i].vaddr,
			  b->segs[i].memsz, b->segs[i].offset, b->segs[i].filesz);
	bool ok = true;
	for (int i = 0; i < b->nfuncs && ok; i++) {
		const struct ubin_func *f = &b->funcs[i];
		int na = 0;
		for (const char *const *al = f->aliases; al && *al; al++, na++)
			ok = ok && clean(*al);
		ok = ok && clean(f->name) && clean(f->file);
		sb_printf(&out, "F\t%s\t%s\t%d\t%" PRIx64 "\t%" PRIx64 "\t%" PRIx64 "\t%d", f->name, f->file ? f->file : "",
			  f->line, f->addr, f->size, f->die, na);
		for (const char *const *al = f->aliases; al && *al; al++)
			sb_printf(&out, "\t%s", *al);
		sb_putc(&out, '\n');
	}
	for (int i = 0; i < b->priv->nsyms && ok; i++) {
		ok = clean(b->priv->syms[i].name);
		sb_printf(&out, "D\t%s\t%" PRIx64 "\n", b->priv->syms[i].name, b->priv->syms[i].addr);
	}
	for (int i = 0; i < b->nmarks && ok; i++) {
		const struct ubin_mark *m = &b->marks[i];
		ok = clean(m->provider) && clean(m->name) && clean(m->args);
		sb_printf(&out, "M\t%s\t%s\t%" PRIx64 "\t%" PRIx64 "\t%s\t%d\n", m->provider, m->name, m->addr,
			  m->semaphore, m->args, m->nargs);
	}
	sb_puts(&out, "END\n");
	/* written whole under a temporary name, then renamed: a reader sees
	 * an entry completely or not at all */
	char tmp[4300], final[4300];
	snprintf(tmp, sizeof tmp, "%s/.%s.%d", dir, key, (int)getpid());
	snprintf(final, sizeof final, "%s/%s", dir, key);
	FILE *f = ok ? fopen(tmp, "w") : NULL;
	if (f) {
		bool written = fwrite(out.s, 1, out.len, f) == out.len;
		if (fclose(f) == 0 && written)
			rename(tmp, final);
		else
			remove(tmp);
	}
	sb_free(&out);
}
