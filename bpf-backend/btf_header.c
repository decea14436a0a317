/* Minimal C headers from kernel BTF: see btf_header.h. */
#include "btf_header.h"

#include <bpf/btf.h>
#include <bpf/libbpf.h>
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "translator/cache.h"
#include "translator/types.h"
#include "translator/util.h"

/* Bump when the header layout changes so cached headers are regenerated. */
#define BTF_HDR_FORMAT "btap-btf-hdr-2"
#define BTF_HDR_VMLINUX "/sys/kernel/btf/vmlinux"

struct btf_hdr {
	char *path;          /* NULL: running kernel */
	char **modules;      /* modules whose types are wanted too (sorted) */
	int nmodules;
	struct btf *base;    /* the kernel's, under the modules' */
	struct btf *merged_base; /* a second copy, under several modules' merged */
	struct btf *btf;     /* loaded lazily */
	/* the running kernel's: the translator's copy, already loaded in
	 * pass 2, with its name index (libbpf's lookup by name is a scan) */
	const struct type_source *kernel;
	char identity[17];   /* "" until computed */
};

/* Typedefs BPF programs and the libbpf headers expect, with a fallback when
 * the kernel's BTF lacks one. */
static const struct {
	const char *name, *fallback;
} basic_typedefs[] = {
	{"__u8", "typedef unsigned char __u8;"},
	{"__s8", "typedef signed char __s8;"},
	{"__u16", "typedef unsigned short __u16;"},
	{"__s16", "typedef short __s16;"},
	{"__u32", "typedef unsigned int __u32;"},
	{"__s32", "typedef int __s32;"},
	{"__u64", "typedef unsigned long long __u64;"},
	{"__s64", "typedef long long __s64;"},
	{"u8", "typedef __u8 u8;"},
	{"s8", "typedef __s8 s8;"},
	{"u16", "typedef __u16 u16;"},
	{"s16", "typedef __s16 s16;"},
	{"u32", "typedef __u32 u32;"},
	{"s32", "typedef __s32 s32;"},
	{"u64", "typedef __u64 u64;"},
	{"s64", "typedef __s64 s64;"},
	{"__be16", "typedef __u16 __be16;"},
	{"__be32", "typedef __u32 __be32;"},
	{"__wsum", "typedef __u32 __wsum;"},
	{"bool", "typedef _Bool bool;"},
};

/* FNV-1a, eight bytes a step: the BTF is megabytes and is hashed on every
 * cache lookup. */
static uint64_t fnv1a(uint64_t h, const void *data, size_t len)
{
	const unsigned char *p = data;
	size_t i = 0;
	for (; i + 8 <= len; i += 8) {
		uint64_t w;
		memcpy(&w, p + i, 8);
		h = (h ^ w) * 0x100000001b3ULL;
		h ^= h >> 29;
	}
	for (; i < len; i++)
		h = (h ^ p[i]) * 0x100000001b3ULL;
	return h;
}
#define FNV_SEED 0xcbf29ce484222325ULL

struct btf_hdr *btf_hdr_new(const char *btf_path)
{
	struct btf_hdr *h = xcalloc(1, sizeof(*h));
	if (btf_path)
		h->path = xstrdup(btf_path);
	return h;
}

void btf_hdr_add_module(struct btf_hdr *h, const char *module)
{
	int at = 0;
	while (at < h->nmodules && strcmp(h->modules[at], module) < 0)
		at++;
	if (at < h->nmodules && strcmp(h->modules[at], module) == 0)
		return;
	h->modules = xrealloc(h->modules, (size_t)(h->nmodules + 1) * sizeof(*h->modules));
	memmove(h->modules + at + 1, h->modules + at, (size_t)(h->nmodules - at) * sizeof(*h->modules));
	h->modules[at] = xstrdup(module);
	h->nmodules++;
}

void btf_hdr_free(struct btf_hdr *h)
{
	if (!h)
		return;
	btf__free(h->btf);
	btf__free(h->merged_base);
	btf__free(h->base);
	for (int i = 0; i < h->nmodules; i++)
		free(h->modules[i]);
	free(h->modules);
	free(h->path);
	free(h);
}

static char *error_text(const char *what, const char *path, int err)
{
	struct strbuf b;
	sb_init(&b);
	sb_printf(&b, "%s %s: %s", what, path, strerror(err < 0 ? -err : err));
	return sb_steal(&b);
}

/* Renumber a module's type id appended to a merged BTF: the kernel's
 * ids stay, the module's own (from base_cnt) move to first on. */
static void renumber(__u32 *id, __u32 base_cnt, __u32 first)
{
	if (*id >= base_cnt)
		*id = *id - base_cnt + first;
}

/* Every type id type t refers to, renumbered. */
static void renumber_refs(struct btf_type *t, __u32 base_cnt, __u32 first)
{
	switch (btf_kind(t)) {
	case BTF_KIND_PTR: case BTF_KIND_TYPEDEF: case BTF_KIND_VOLATILE: case BTF_KIND_CONST:
	case BTF_KIND_RESTRICT: case BTF_KIND_TYPE_TAG: case BTF_KIND_FUNC: case BTF_KIND_VAR:
	case BTF_KIND_DECL_TAG:
		renumber(&t->type, base_cnt, first);
		break;
	case BTF_KIND_ARRAY:
		renumber(&btf_array(t)->type, base_cnt, first);
		renumber(&btf_array(t)->index_type, base_cnt, first);
		break;
	case BTF_KIND_STRUCT: case BTF_KIND_UNION:
		for (int i = 0; i < btf_vlen(t); i++)
			renumber(&btf_members(t)[i].type, base_cnt, first);
		break;
	case BTF_KIND_FUNC_PROTO:
		renumber(&t->type, base_cnt, first);
		for (int i = 0; i < btf_vlen(t); i++)
			renumber(&btf_params(t)[i].type, base_cnt, first);
		break;
	case BTF_KIND_DATASEC:
		for (int i = 0; i < btf_vlen(t); i++)
			renumber(&btf_var_secinfos(t)[i].type, base_cnt, first);
		break;
	default: /* INT, FLOAT, ENUM, ENUM64, FWD refer to no type */
		break;
	}
}

/* Several modules' types over the kernel's: each module's BTF is split
 * over the kernel's alone (their ids overlap, and a type of one module
 * that another uses is in both), so their own types are appended to one
 * split BTF, renumbered, and deduplicated as pahole does for a module. */
static struct btf *modules_btf(struct btf_hdr *h, char **err)
{
	__u32 base_cnt = btf__type_cnt(h->base);
	/* Not over h->base: adding a string to a split BTF makes its base
	 * writable, which moves the base's strings the modules' BTF (parsed
	 * over h->base) still reads. */
	struct btf *all = NULL;
	if (h->nmodules > 1) {
		h->merged_base = btf__load_vmlinux_btf();
		all = h->merged_base ? btf__new_empty_split(h->merged_base) : NULL;
		if (!all) {
			if (err)
				*err = error_text("cannot load kernel BTF from", BTF_HDR_VMLINUX, errno);
			return NULL;
		}
	}
	for (int m = 0; m < h->nmodules; m++) {
		char path[4096];
		snprintf(path, sizeof path, "/sys/kernel/btf/%s", h->modules[m]);
		struct btf *mod = btf__parse_split(path, h->base);
		if (!mod) {
			if (err)
				*err = error_text("cannot load module BTF from", path, errno);
			btf__free(all);
			return NULL;
		}
		if (h->nmodules == 1) /* nothing to merge */
			return mod;
		__u32 first = btf__type_cnt(all);
		for (__u32 id = base_cnt, n = btf__type_cnt(mod); id < n; id++) {
			int nid = btf__add_type(all, mod, btf__type_by_id(mod, id));
			if (nid < 0) {
				if (err)
					*err = error_text("cannot merge the BTF of", path, nid);
				btf__free(mod);
				btf__free(all);
				return NULL;
			}
			/* writable: the type was just added to a BTF being built */
			renumber_refs((struct btf_type *)btf__type_by_id(all, (__u32)nid), base_cnt, first);
		}
		btf__free(mod);
	}
	if (all && btf__dedup(all, NULL) != 0) {
		if (err)
			*err = xstrdup("cannot deduplicate the modules' BTF");
		btf__free(all);
		return NULL;
	}
	return all;
}

const struct btf *btf_hdr_btf(struct btf_hdr *h, char **err)
{
	if (h->btf)
		return h->btf;
	if (h->kernel)
		return type_source_btf(h->kernel);
	if (!h->path && !h->nmodules && (h->kernel = type_source_kernel()) && type_source_btf(h->kernel))
		return type_source_btf(h->kernel);
	h->kernel = NULL;
	struct btf *btf;
	if (h->nmodules && !h->path) {
		h->base = btf__load_vmlinux_btf();
		btf = h->base ? modules_btf(h, err) : NULL;
		if (!h->base && err)
			*err = error_text("cannot load kernel BTF from", BTF_HDR_VMLINUX, errno);
		if (!btf)
			return NULL;
		h->btf = btf;
		return btf;
	}
	btf = h->path ? btf__parse(h->path, NULL) : btf__load_vmlinux_btf();
	if (!btf) {
		int e = errno;
		if (err)
			*err = error_text("cannot load kernel BTF from",
					  h->path ? h->path : BTF_HDR_VMLINUX, e);
		return NULL;
	}
	h->btf = btf;
	return btf;
}

/* Hash a file with large reads (the sysfs BTF file is megabytes). */
static bool hash_file(const char *path, uint64_t *out)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return false;
	enum { CHUNK = 1 << 20 };
	char *buf = xmalloc(CHUNK);
	uint64_t h = FNV_SEED;
	size_t fill = 0;
	ssize_t r;
	/* Hash whole 8-byte words; carry a partial tail into the next read. */
	while ((r = read(fd, buf + fill, CHUNK - fill)) > 0 || (r < 0 && errno == EINTR)) {
		if (r < 0)
			continue;
		fill += (size_t)r;
		size_t whole = fill & ~(size_t)7;
		h = fnv1a(h, buf, whole);
		memmove(buf, buf + whole, fill - whole);
		fill -= whole;
	}
	h = fnv1a(h, buf, fill);
	free(buf);
	close(fd);
	*out = h;
	return r == 0;
}

const char *btf_hdr_identity(struct btf_hdr *h)
{
	if (h->identity[0])
		return h->identity;
	uint64_t sum, msum = 0;
	if (!h->path) {
		/* the running kernel: its build id, release and BTF's size and
		 * time say which it is without reading megabytes of BTF */
		const char *k = cache_kernel_identity();
		sum = fnv1a(FNV_SEED, k, strlen(k));
	} else if (!hash_file(h->path, &sum)) {
		return NULL;
	}
	for (int m = 0; m < h->nmodules && !h->path; m++) {
		char path[4096];
		snprintf(path, sizeof path, "/sys/kernel/btf/%s", h->modules[m]);
		if (!hash_file(path, &msum))
			return NULL;
		sum = fnv1a(sum, &msum, sizeof msum);
	}
	snprintf(h->identity, sizeof(h->identity), "%016llx", (unsigned long long)sum);
	return h->identity;
}

/* --- name lookup ------------------------------------------------------- */

static int find_enumerator(const struct btf *btf, const char *name)
{
	int n = (int)btf__type_cnt(btf);
	for (int id = 1; id < n; id++) {
		const struct btf_type *t = btf__type_by_id(btf, id);
		if (!btf_is_any_enum(t))
			continue;
		int vlen = btf_vlen(t);
		for (int i = 0; i < vlen; i++) {
			__u32 off = btf_is_enum(t) ? btf_enum(t)[i].name_off
						   : btf_enum64(t)[i].name_off;
			if (strcmp(btf__name_by_offset(btf, off), name) == 0)
				return id;
		}
	}
	return -ENOENT;
}

static enum type_kind index_kind_of(int btf_kind)
{
	switch (btf_kind) {
	case BTF_KIND_STRUCT: return TYPE_STRUCT;
	case BTF_KIND_UNION: return TYPE_UNION;
	case BTF_KIND_TYPEDEF: return TYPE_TYPEDEF;
	default: return TYPE_ENUM; /* ENUM, ENUM64 */
	}
}

/* The first type of one of the kinds called name: through the kernel's
 * name index when there is one (h->kernel), else libbpf's scan. */
static int find_named(const struct btf_hdr *h, const struct btf *btf, const char *name, const int *kinds,
		      int nkinds)
{
	for (int i = 0; i < nkinds; i++) {
		int id = h->kernel ? (int)tsrc_find(h->kernel, index_kind_of(kinds[i]), name)
				   : btf__find_by_name_kind(btf, name, kinds[i]);
		if (id > 0)
			return id;
	}
	return -ENOENT;
}

/* Resolve a requested name to a BTF type id (negative when unknown). */
static int resolve_name(const struct btf_hdr *h, const struct btf *btf, const char *name)
{
	static const int any[] = {BTF_KIND_STRUCT, BTF_KIND_UNION, BTF_KIND_TYPEDEF,
				  BTF_KIND_ENUM, BTF_KIND_ENUM64};
	static const int s[] = {BTF_KIND_STRUCT}, u[] = {BTF_KIND_UNION},
			 td[] = {BTF_KIND_TYPEDEF}, e[] = {BTF_KIND_ENUM, BTF_KIND_ENUM64};
	static const struct {
		const char *prefix;
		const int *kinds;
		int n;
	} prefixed[] = {
		{"struct ", s, 1}, {"union ", u, 1}, {"typedef ", td, 1}, {"enum ", e, 2},
	};
	for (size_t i = 0; i < sizeof(prefixed) / sizeof(prefixed[0]); i++) {
		size_t pl = strlen(prefixed[i].prefix);
		if (strncmp(name, prefixed[i].prefix, pl) == 0)
			return find_named(h, btf, name + pl, prefixed[i].kinds, prefixed[i].n);
	}
	int id = find_named(h, btf, name, any, 5);
	return id > 0 ? id : find_enumerator(btf, name);
}

/* --- emission ---------------------------------------------------------- */

static void dump_printf(void *ctx, const char *fmt, va_list args)
{
	sb_vprintf(ctx, fmt, args);
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* The requested names, sorted and without duplicates (heap array of
 * borrowed pointers). */
static const char **sorted_names(const char *const *names, int n, int *out_n)
{
	const char **v = xcalloc(n > 0 ? (size_t)n : 1, sizeof(*v));
	for (int i = 0; i < n; i++)
		v[i] = names[i];
	qsort(v, (size_t)n, sizeof(*v), cmp_str);
	int m = 0;
	for (int i = 0; i < n; i++)
		if (m == 0 || strcmp(v[m - 1], v[i]) != 0)
			v[m++] = v[i];
	*out_n = m;
	return v;
}

static char *emit_header(const struct btf_hdr *h, const struct btf *btf, const char **names, int n, char **err)
{
	struct strbuf out;
	sb_init(&out);
	struct btf_dump *d = btf_dump__new(btf, dump_printf, &out, NULL);
	if (!d) {
		*err = xstrdup("btf_dump__new failed");
		sb_free(&out);
		return NULL;
	}
	sb_puts(&out, "/* Kernel types used by the script, from BTF. */\n"
		      "#ifndef BTAP_KERNEL_TYPES_H\n#define BTAP_KERNEL_TYPES_H\n"
		      /* bpf_tracing.h names pt_regs fields the kernel's way
		       * (di, not rdi) only when it sees vmlinux types. */
		      "#ifndef __VMLINUX_H__\n#define __VMLINUX_H__\n#endif\n\n"
		      /* a unit with no kernel struct would have clang warn
		       * that the attribute applied to nothing */
		      "#pragma clang diagnostic ignored \"-Wpragma-clang-attribute\"\n"
		      "#ifndef BPF_NO_PRESERVE_ACCESS_INDEX\n"
		      "#pragma clang attribute push (__attribute__((preserve_access_index)), "
		      "apply_to = record)\n#endif\n\n");
	int rc = 0;
	for (size_t i = 0; i < sizeof(basic_typedefs) / sizeof(basic_typedefs[0]) && !rc; i++) {
		static const int td[] = {BTF_KIND_TYPEDEF};
		int id = find_named(h, btf, basic_typedefs[i].name, td, 1);
		if (id > 0)
			rc = btf_dump__dump_type(d, (__u32)id);
		else
			sb_printf(&out, "%s\n\n", basic_typedefs[i].fallback);
	}
	for (int i = 0; i < n && !rc; i++) {
		int id = resolve_name(h, btf, names[i]);
		if (id < 0) {
			struct strbuf e;
			sb_init(&e);
			sb_printf(&e, "unknown kernel type '%s'", names[i]);
			*err = sb_steal(&e);
			rc = -ENOENT;
		} else {
			rc = btf_dump__dump_type(d, (__u32)id);
		}
	}
	btf_dump__free(d);
	if (rc) {
		if (!*err)
			*err = error_text("cannot dump kernel types:", "btf_dump", rc);
		sb_free(&out);
		return NULL;
	}
	sb_puts(&out, "#ifndef BPF_NO_PRESERVE_ACCESS_INDEX\n#pragma clang attribute pop\n"
		      "#endif\n\n#endif /* BTAP_KERNEL_TYPES_H */\n");
	return sb_steal(&out);
}

/* --- cache ------------------------------------------------------------- */

static int mkdir_p(const char *dir)
{
	char *p = xstrdup(dir);
	for (char *s = p + 1; *s; s++) {
		if (*s != '/')
			continue;
		*s = '\0';
		mkdir(p, 0755);
		*s = '/';
	}
	int rc = mkdir(p, 0755);
	free(p);
	return rc == 0 || errno == EEXIST ? 0 : -1;
}

static char *cache_path(struct btf_hdr *h, const char *cache_dir, const char **names, int n)
{
	const char *ident = btf_hdr_identity(h);
	if (!ident)
		return NULL;
	uint64_t k = fnv1a(FNV_SEED, BTF_HDR_FORMAT, sizeof(BTF_HDR_FORMAT));
	k = fnv1a(k, ident, strlen(ident) + 1);
	/* btf_dump's output may change with libbpf. */
	const char *lib = libbpf_version_string();
	k = fnv1a(k, lib, strlen(lib) + 1);
	for (int i = 0; i < n; i++)
		k = fnv1a(k, names[i], strlen(names[i]) + 1);
	struct strbuf b;
	sb_init(&b);
	sb_printf(&b, "%s/btfhdr-%016llx.h", cache_dir, (unsigned long long)k);
	return sb_steal(&b);
}

/* Write via a temporary name and rename, so readers never see half a file. */
static void cache_store(const char *path, const char *text)
{
	struct strbuf tmp;
	sb_init(&tmp);
	sb_printf(&tmp, "%s.%d.tmp", path, (int)getpid());
	FILE *f = fopen(tmp.s, "w");
	if (f) {
		bool ok = fputs(text, f) >= 0;
		ok = (fclose(f) == 0) && ok;
		if (!ok || rename(tmp.s, path) != 0)
			unlink(tmp.s);
	}
	sb_free(&tmp);
}

char *btf_hdr_generate(struct btf_hdr *h, const char *const *names, int n,
		       const char *cache_dir, char **err)
{
	char *dummy = NULL;
	if (!err)
		err = &dummy;
	*err = NULL;
	int m;
	const char **set = sorted_names(names, n, &m);
	char *path = NULL, *text = NULL;
	if (cache_dir && mkdir_p(cache_dir) == 0)
		path = cache_path(h, cache_dir, set, m);
	if (path)
		text = read_file(path, NULL);
	if (!text) {
		const struct btf *btf = btf_hdr_btf(h, err);
		if (btf)
			text = emit_header(h, btf, set, m, err);
		if (text && path)
			cache_store(path, text);
	}
	free(path);
	free(set);
	free(dummy);
	return text;
}
