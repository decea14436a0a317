/* A type source over BTF (libbpf's btf.h): the running kernel's, a
 * module's split over it, or a BTF file. Handles are BTF type ids. */
#include "type_source.h"

#include <bpf/btf.h>
#include <bpf/libbpf.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct btf_source {
	struct type_source base;
	struct btf *btf;
	const struct type_source *parent; /* split BTF: the base's source */
	int first_id;                     /* the first id this BTF adds */
	/* types by name: built on the SCANS_BEFORE_INDEX+1st lookup (or the
	 * first walk), as most runs look up a few names (a tracepoint's
	 * record) and indexing ~100k types costs more than a few scans */
	struct type_name_index index;
	bool index_built;
	int scans;
	/* functions (BTF_KIND_FUNC) by name: built on the first lookup, as
	 * most runs name none (tracepoint prototypes, kernel.function) */
	struct type_name_index funcs;
	bool funcs_built;
	char *what;
};

static const struct btf_source *of(const struct type_source *src)
{
	return (const struct btf_source *)src;
}

static const struct btf_type *type_at(const struct type_source *src, type_id id)
{
	return id > UINT32_MAX ? NULL : btf__type_by_id(of(src)->btf, (__u32)id);
}

static enum type_kind bt_kind(const struct type_source *src, type_id id)
{
	const struct btf_type *t = type_at(src, id);
	if (!t)
		return TYPE_UNKNOWN;
	switch (btf_kind(t)) {
	case BTF_KIND_INT: return TYPE_INT;
	case BTF_KIND_FLOAT: return TYPE_FLOAT;
	case BTF_KIND_ENUM:
	case BTF_KIND_ENUM64: return TYPE_ENUM;
	case BTF_KIND_PTR: return TYPE_POINTER;
	case BTF_KIND_ARRAY: return TYPE_ARRAY;
	case BTF_KIND_STRUCT: return TYPE_STRUCT;
	case BTF_KIND_UNION: return TYPE_UNION;
	case BTF_KIND_FWD: return btf_kflag(t) ? TYPE_FWD_UNION : TYPE_FWD_STRUCT;
	case BTF_KIND_TYPEDEF: return TYPE_TYPEDEF;
	case BTF_KIND_CONST: return TYPE_CONST;
	case BTF_KIND_VOLATILE: return TYPE_VOLATILE;
	case BTF_KIND_RESTRICT: return TYPE_RESTRICT;
	case BTF_KIND_TYPE_TAG: return TYPE_MODIFIER;
	case BTF_KIND_FUNC_PROTO: return TYPE_FUNC;
	default: return TYPE_UNKNOWN;
	}
}

static const char *bt_name(const struct type_source *src, type_id id)
{
	const struct btf_type *t = type_at(src, id);
	const char *n = t ? btf__name_by_offset(of(src)->btf, t->name_off) : NULL;
	return n && *n ? n : NULL;
}

static long long bt_size(const struct type_source *src, type_id id)
{
	return type_at(src, id) ? btf__resolve_size(of(src)->btf, (__u32)id) : 0;
}

static type_id bt_next(const struct type_source *src, type_id id)
{
	const struct btf_type *t = type_at(src, id);
	if (!t)
		return 0;
	if (btf_is_array(t))
		return btf_array(t)->type;
	if (btf_is_ptr(t) || btf_is_typedef(t) || btf_is_mod(t) || btf_is_func_proto(t))
		return t->type;
	return 0;
}

static bool bt_is_signed(const struct type_source *src, type_id id)
{
	const struct btf_type *t = type_at(src, id);
	if (t && btf_is_int(t))
		return (btf_int_encoding(t) & BTF_INT_SIGNED) != 0;
	return t && btf_is_any_enum(t) && btf_kflag(t);
}

static int bt_count(const struct type_source *src, type_id id)
{
	const struct btf_type *t = type_at(src, id);
	if (!t)
		return 0;
	if (btf_is_array(t))
		return (int)btf_array(t)->nelems;
	if (btf_is_composite(t) || btf_is_any_enum(t) || btf_is_func_proto(t))
		return btf_vlen(t);
	return 0;
}

static bool bt_member(const struct type_source *src, type_id id, int i, struct type_member *m)
{
	const struct btf_type *t = type_at(src, id);
	if (!t || !btf_is_composite(t) || i < 0 || i >= btf_vlen(t))
		return false;
	const struct btf_member *bm = btf_members(t) + i;
	const char *n = btf__name_by_offset(of(src)->btf, bm->name_off);
	*m = (struct type_member){
		.name = n && *n ? n : NULL,
		.type = bm->type,
		.bit_offset = (int)btf_member_bit_offset(t, (__u32)i),
		.bit_size = (int)btf_member_bitfield_size(t, (__u32)i),
	};
	return true;
}

static bool bt_enumerator(const struct type_source *src, type_id id, int i, const char **name,
                          long long *value)
{
	const struct btf_type *t = type_at(src, id);
	if (!t || !btf_is_any_enum(t) || i < 0 || i >= btf_vlen(t))
		return false;
	const struct btf *btf = of(src)->btf;
	if (btf_is_enum(t)) {
		const struct btf_enum *e = btf_enum(t) + i;
		*name = btf__name_by_offset(btf, e->name_off);
		*value = btf_kflag(t) ? (long long)e->val : (long long)(__u32)e->val;
	} else {
		const struct btf_enum64 *e = btf_enum64(t) + i;
		*name = btf__name_by_offset(btf, e->name_off);
		*value = (long long)btf_enum64_value(e);
	}
	return true;
}

static void build_funcs(struct btf_source *s)
{
	s->funcs_built = true;
	int n = (int)btf__type_cnt(s->btf);
	for (int id = s->first_id; id < n; id++) {
		const struct btf_type *t = btf__type_by_id(s->btf, (__u32)id);
		if (btf_kind(t) == BTF_KIND_FUNC)
			type_name_index_put(&s->funcs, TYPE_FUNC, btf__name_by_offset(s->btf, t->name_off),
			                    (type_id)id);
	}
}

static enum type_kind index_kind(const struct btf_type *t);

static void build_index(struct btf_source *s)
{
	s->index_built = true;
	int n = (int)btf__type_cnt(s->btf);
	type_name_index_reserve(&s->index, (size_t)(n - s->first_id));
	for (int id = s->first_id; id < n; id++) {
		const struct btf_type *t = btf__type_by_id(s->btf, (__u32)id);
		enum type_kind k = index_kind(t);
		const char *name = btf__name_by_offset(s->btf, t->name_off);
		if (k != TYPE_VOID && name && *name)
			type_name_index_put(&s->index, k, name, (type_id)id);
	}
}

/* The first of this BTF's own types of that kind and name (what the
 * indexes find), by a scan. */
static type_id scan_own(const struct btf_source *s, enum type_kind kind, const char *name)
{
	int n = (int)btf__type_cnt(s->btf);
	for (int id = s->first_id; id < n; id++) {
		const struct btf_type *t = btf__type_by_id(s->btf, (__u32)id);
		if (!t->name_off || (kind == TYPE_FUNC ? btf_kind(t) != BTF_KIND_FUNC : index_kind(t) != kind))
			continue;
		if (strcmp(btf__name_by_offset(s->btf, t->name_off), name) == 0)
			return (type_id)id;
	}
	return 0;
}

#define SCANS_BEFORE_INDEX 8

static type_id find_own(struct btf_source *s, enum type_kind kind, const char *name)
{
	if (kind == TYPE_VOID || !name)
		return 0;
	bool built = kind == TYPE_FUNC ? s->funcs_built : s->index_built;
	if (!built && s->scans < SCANS_BEFORE_INDEX) {
		s->scans++;
		return scan_own(s, kind, name);
	}
	if (kind == TYPE_FUNC && !s->funcs_built)
		build_funcs(s);
	if (kind != TYPE_FUNC && !s->index_built)
		build_index(s);
	return type_name_index_get(kind == TYPE_FUNC ? &s->funcs : &s->index, kind, name);
}

/* TYPE_FUNC by name finds a function (BTF_KIND_FUNC), whose type is its
 * prototype; the other kinds find types. */
static type_id bt_find(const struct type_source *src, enum type_kind kind, const char *name)
{
	type_id id = find_own((struct btf_source *)src, kind, name);
	return id || !of(src)->parent ? id : tsrc_find(of(src)->parent, kind, name);
}

static void bt_each(const struct type_source *src, enum type_kind kind,
                    void (*fn)(type_id id, const char *name, void *ctx), void *ctx)
{
	struct btf_source *s = (struct btf_source *)src;
	if (s->parent)
		tsrc_each(s->parent, kind, fn, ctx);
	if (!s->index_built)
		build_index(s);
	type_name_index_each(&s->index, kind, fn, ctx);
}

static const struct btf *bt_btf(const struct type_source *src)
{
	return of(src)->btf;
}

static void bt_close(struct type_source *src)
{
	struct btf_source *s = (struct btf_source *)src;
	btf__free(s->btf);
	type_name_index_free(&s->index);
	type_name_index_free(&s->funcs);
	free(s->what);
	free(s);
}

static const struct type_source_ops btf_ops = {
	.kind = bt_kind,
	.name = bt_name,
	.size = bt_size,
	.next = bt_next,
	.is_signed = bt_is_signed,
	.count = bt_count,
	.member = bt_member,
	.enumerator = bt_enumerator,
	.find = bt_find,
	.each = bt_each,
	.btf = bt_btf,
	.close = bt_close,
};

static enum type_kind index_kind(const struct btf_type *t)
{
	switch (btf_kind(t)) {
	case BTF_KIND_STRUCT: return TYPE_STRUCT;
	case BTF_KIND_UNION: return TYPE_UNION;
	case BTF_KIND_ENUM:
	case BTF_KIND_ENUM64: return TYPE_ENUM;
	case BTF_KIND_TYPEDEF: return TYPE_TYPEDEF;
	case BTF_KIND_INT: return TYPE_INT;
	default: return TYPE_VOID;
	}
}

static struct btf_source *wrap(struct btf *btf, const struct type_source *parent, const char *what)
{
	struct btf_source *s = xcalloc(1, sizeof *s);
	s->base = (struct type_source){ .ops = &btf_ops, .what = NULL };
	s->btf = btf;
	s->parent = parent;
	s->what = xstrdup(what);
	s->base.what = s->what;
	const struct btf *pb = type_source_btf(parent);
	s->first_id = pb ? (int)btf__type_cnt(pb) : 1;
	return s;
}

/* ---- the kernel's, loaded once ------------------------------------- */

static struct btf_source *kernel;
static bool kernel_tried;

const struct type_source *type_source_kernel(void)
{
	if (!kernel_tried) {
		kernel_tried = true;
		/* Quiet: no BTF is a supported case (format files still work). */
		libbpf_print_fn_t old = libbpf_set_print(NULL);
		struct btf *b = btf__load_vmlinux_btf();
		libbpf_set_print(old);
		if (b && !libbpf_get_error(b))
			kernel = wrap(b, NULL, "the kernel's BTF");
	}
	return kernel ? &kernel->base : NULL;
}

void type_source_kernel_release(void)
{
	if (kernel)
		bt_close(&kernel->base);
	kernel = NULL;
	kernel_tried = false;
}

/* ---- files and modules --------------------------------------------- */

struct type_source *type_source_btf_open(const char *path, const struct type_source *base, char **err)
{
	*err = NULL;
	const struct btf *bb = NULL;
	if (base && !(bb = type_source_btf(base))) {
		*err = xstrdup("split BTF needs a BTF base");
		return NULL;
	}
	libbpf_print_fn_t old = libbpf_set_print(NULL);
	struct btf *b = bb ? btf__parse_split(path, (struct btf *)bb) : btf__parse(path, NULL);
	libbpf_set_print(old);
	long e = libbpf_get_error(b);
	if (!b || e) {
		char msg[4096];
		snprintf(msg, sizeof msg, "cannot read BTF from %s: %s", path, strerror(e ? (int)-e : errno));
		*err = xstrdup(msg);
		return NULL;
	}
	char what[4096];
	snprintf(what, sizeof what, "the BTF of %s", path);
	return &wrap(b, base, what)->base;
}

struct type_source *type_source_module(const char *name, char **err)
{
	const struct type_source *k = type_source_kernel();
	if (!k) {
		*err = xstrdup("the kernel has no BTF");
		return NULL;
	}
	if (!*name || strchr(name, '/')) {
		*err = xstrdup("not a module name");
		return NULL;
	}
	char path[4096];
	snprintf(path, sizeof path, "/sys/kernel/btf/%s", name);
	struct type_source *s = type_source_btf_open(path, k, err);
	if (s) {
		struct btf_source *bs = (struct btf_source *)s;
		free(bs->what);
		char what[4096];
		snprintf(what, sizeof what, "the BTF of module %s", name);
		bs->what = xstrdup(what);
		s->what = bs->what;
	}
	return s;
}
