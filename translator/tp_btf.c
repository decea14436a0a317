/* What the kernel's BTF says about tracepoints: every event has a
 * btf_trace_<event> typedef, and most a trace_event_raw_<event or class>
 * struct laid out like its record. With a format file, the struct gives
 * the fields their full types ($p->member, typedefs); without tracefs, the
 * struct is the field list. */
#include "tp_catalog.h"

#include "tracepoints.h"

#include <bpf/btf.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* trace_event_raw_* structs by their layout: events defined from a shared
 * class use the class's struct, found by matching member names and
 * offsets. Built on first use. */
struct raw_sig {
	char *sig;
	type_id id;
};
static struct raw_sig *raw_sigs;
static int nraw_sigs;
static bool raw_sigs_built;

static const char *raw_member_name(const char *n)
{
	/* BTF names a __data_loc field's u32 "__data_loc_<field>". */
	if (strncmp(n, "__data_loc_", 11) == 0)
		return n + 11;
	if (strncmp(n, "__rel_loc_", 10) == 0)
		return n + 10;
	return n;
}

/* "name@offset;" (without printf: a signature is built for each of the
 * kernel's hundreds of trace_event_raw_* structs on a cold start). */
static void sig_put(struct strbuf *b, const char *name, int offset)
{
	char digits[16];
	int n = 0;
	unsigned v = offset < 0 ? 0u - (unsigned)offset : (unsigned)offset;
	do
		digits[n++] = (char)('0' + v % 10);
	while ((v /= 10) && n < (int)sizeof digits);
	sb_puts(b, name);
	sb_putc(b, '@');
	if (offset < 0)
		sb_putc(b, '-');
	while (n)
		sb_putc(b, digits[--n]);
	sb_putc(b, ';');
}

/* "name@offset;..." of a trace_event_raw_* struct, without the common
 * header (ent) and the trailing flexible __data. */
static char *raw_struct_signature(const struct type_source *src, type_id sid)
{
	struct strbuf b;
	sb_init(&b);
	for (int i = 0, n = tsrc_count(src, sid); i < n; i++) {
		struct type_member m;
		if (!tsrc_member(src, sid, i, &m))
			continue;
		const char *name = m.name ? m.name : "";
		if (strcmp(name, "ent") == 0 || strcmp(name, "__data") == 0)
			continue;
		sig_put(&b, raw_member_name(name), m.bit_offset / 8);
	}
	return sb_steal(&b);
}

static int cmp_raw_sig(const void *x, const void *y)
{
	const struct raw_sig *a = x, *b = y;
	int c = strcmp(a->sig, b->sig);
	return c ? c : (a->id > b->id) - (a->id < b->id);
}

struct raw_sig_build {
	const struct type_source *src;
	int cap;
};

static void add_raw_sig(type_id id, const char *name, void *ctx)
{
	struct raw_sig_build *b = ctx;
	if (strncmp(name, "trace_event_raw_", 16) != 0)
		return;
	if (nraw_sigs == b->cap) {
		b->cap = b->cap ? b->cap * 2 : 1024;
		raw_sigs = xrealloc(raw_sigs, sizeof *raw_sigs * (size_t)b->cap);
	}
	raw_sigs[nraw_sigs++] = (struct raw_sig){ raw_struct_signature(b->src, id), id };
}

static void build_raw_sigs(const struct type_source *src)
{
	raw_sigs_built = true;
	struct raw_sig_build b = { src, 0 };
	tsrc_each(src, TYPE_STRUCT, add_raw_sig, &b);
	qsort(raw_sigs, (size_t)nraw_sigs, sizeof *raw_sigs, cmp_raw_sig);
}

static type_id find_raw_struct(const struct type_source *src, const char *sig)
{
	if (!raw_sigs_built)
		build_raw_sigs(src);
	int lo = 0, hi = nraw_sigs - 1;
	while (lo <= hi) {
		int mid = (lo + hi) / 2;
		int c = strcmp(raw_sigs[mid].sig, sig);
		if (c == 0) {
			while (mid > 0 && strcmp(raw_sigs[mid - 1].sig, sig) == 0)
				mid--;
			return raw_sigs[mid].id;
		}
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid - 1;
	}
	return 0;
}

void tp_btf_release(void)
{
	for (int i = 0; i < nraw_sigs; i++)
		free(raw_sigs[i].sig);
	free(raw_sigs);
	raw_sigs = NULL;
	nraw_sigs = 0;
	raw_sigs_built = false;
}

/* The trace_event_raw_* struct laid out like this event's record: the
 * event's own, else its class's. */
static type_id raw_struct_for(const struct type_source *src, struct tp_event *ev)
{
	struct strbuf b;
	sb_init(&b);
	for (int i = 0; i < ev->nfields; i++)
		if (!ev->fields[i].is_common)
			sig_put(&b, ev->fields[i].name, ev->fields[i].offset);
	char *sig = sb_steal(&b);
	char own[512];
	snprintf(own, sizeof own, "trace_event_raw_%s", ev->name);
	type_id id = tsrc_find(src, TYPE_STRUCT, own);
	if (id) {
		char *own_sig = raw_struct_signature(src, id);
		if (strcmp(own_sig, sig) != 0)
			id = 0;
		free(own_sig);
	}
	if (!id)
		id = find_raw_struct(src, sig);
	free(sig);
	return id;
}

void tp_btf_attach_types(struct arena *a, struct tp_event *ev)
{
	const struct type_source *src = type_source_kernel();
	if (!src)
		return;
	type_id sid = raw_struct_for(src, ev);
	if (sid)
		ev->btf_struct = arena_strdup(a, tsrc_name(src, sid));
	for (int i = 0; i < ev->nfields; i++) {
		struct tp_field *f = &ev->fields[i];
		if (f->is_common || f->kind >= TP_FIELD_DATA_LOC_STR)
			continue; /* a u32 locator in BTF: nothing to add */
		struct tplace m = { .src = src, .id = sid };
		if (sid && tplace_member(&m, f->name))
			f->type = (struct tplace){ .src = src, .id = m.id };
		else if (f->kind != TP_FIELD_ARRAY && f->kind != TP_FIELD_CHAR_ARRAY)
			tplace_from_text(src, f->ctype, &f->type);
		/* A typedef'd pointer (cap_user_header_t) names its pointee in BTF only. */
		if (f->kind == TP_FIELD_POINTER && !f->elem_ctype && f->type.id) {
			struct tplace p = f->type;
			if (tplace_index(&p))
				f->elem_ctype = tplace_type_name(a, p);
		}
	}
}

/* ---- the catalog from BTF alone (no tracefs) -------------------------- */

static void fields_from_struct(struct arena *a, const struct type_source *src, type_id sid, struct vec *fields)
{
	for (int i = 0, n = tsrc_count(src, sid); i < n; i++) {
		struct type_member m;
		if (!tsrc_member(src, sid, i, &m) || !m.name || strcmp(m.name, "__data") == 0)
			continue;
		if (strcmp(m.name, "ent") == 0) {
			/* struct trace_entry: the common fields. */
			type_id eid = tsrc_resolve(src, m.type);
			if (tsrc_kind(src, eid) == TYPE_STRUCT) {
				int first = fields->n;
				fields_from_struct(a, src, eid, fields);
				for (int k = first; k < fields->n; k++) {
					struct tp_field *cf = fields->v[k];
					cf->is_common = true;
					cf->name = arena_printf(a, "common_%s", cf->name);
				}
			}
			continue;
		}
		struct tp_field *f = arena_alloc(a, sizeof *f);
		f->name = arena_strdup(a, raw_member_name(m.name));
		f->offset = m.bit_offset / 8;
		f->size = (int)tsrc_size(src, m.type);
		f->type = (struct tplace){ .src = src, .id = m.type };
		f->ctype = tplace_type_name(a, f->type);
		if (raw_member_name(m.name) != m.name) {
			/* BTF cannot tell the element type: most are strings. */
			f->kind = TP_FIELD_DATA_LOC_STR;
			f->elem_ctype = "char";
			f->elem_size = 1;
			f->type.id = 0;
		} else {
			type_id id = tsrc_resolve(src, m.type);
			switch (tplace_class(f->type)) {
			case TPLACE_INT:
				f->kind = TP_FIELD_INT;
				f->is_signed = tsrc_is_signed(src, id);
				break;
			case TPLACE_POINTER:
				f->kind = TP_FIELD_POINTER;
				break;
			case TPLACE_CHAR_ARRAY:
			case TPLACE_ARRAY: {
				f->kind = tplace_class(f->type) == TPLACE_CHAR_ARRAY ? TP_FIELD_CHAR_ARRAY : TP_FIELD_ARRAY;
				f->array_len = tsrc_count(src, id);
				f->elem_size = f->array_len ? f->size / f->array_len : 0;
				struct tplace e = { .src = src, .id = tsrc_next(src, id) };
				f->elem_ctype = tplace_type_name(a, e);
				break;
			}
			default:
				f->kind = TP_FIELD_OTHER;
				break;
			}
		}
		f->val_size = f->size;
		f->val_signed = f->is_signed;
		vec_push(a, fields, f);
	}
}

struct btf_listing {
	struct arena *a;
	const char *pattern;
	struct vec *out;
};

static void add_btf_event(type_id id, const char *name, void *ctx)
{
	struct btf_listing *l = ctx;
	if (strncmp(name, "btf_trace_", 10) != 0 || !tp_pattern_match(l->pattern, "", name + 10))
		return;
	struct tp_event *ev = arena_alloc(l->a, sizeof *ev);
	ev->group = "";
	ev->name = arena_strdup(l->a, name + 10);
	ev->id = -1;
	vec_push(l->a, l->out, ev);
}

void tp_btf_list(struct arena *a, const char *pattern, struct vec *out)
{
	struct btf_listing l = { a, pattern, out };
	tsrc_each(type_source_kernel(), TYPE_TYPEDEF, add_btf_event, &l);
}

bool tp_btf_fields(struct arena *a, struct tp_event *ev, struct vec *fields)
{
	const struct type_source *src = type_source_kernel();
	char tname[512];
	snprintf(tname, sizeof tname, "btf_trace_%s", ev->name);
	if (!src || !tsrc_find(src, TYPE_TYPEDEF, tname))
		return false;
	snprintf(tname, sizeof tname, "trace_event_raw_%s", ev->name);
	type_id sid = tsrc_find(src, TYPE_STRUCT, tname);
	if (sid) {
		fields_from_struct(a, src, sid, fields);
		ev->btf_struct = arena_strdup(a, tname);
	}
	return true;
}

/* ---- prototype arguments ------------------------------------------------ */

/* The event's class: its trace_event_raw_<class> struct names it; events
 * without one are their own class. */
static const char *event_class(const struct tp_event *ev)
{
	const char *prefix = "trace_event_raw_";
	if (ev->btf_struct && strncmp(ev->btf_struct, prefix, strlen(prefix)) == 0)
		return ev->btf_struct + strlen(prefix);
	return ev->name;
}

/* A field of a u64 argument array for a parameter (or return value) of
 * BTF type id, in slot i: the value is the low bytes of its slot (little
 * endian), read like a record field at offset 8 * i. */
void tp_arg_field(struct arena *a, const struct type_source *src, struct tp_field *arg, const char *name,
		  type_id id, int i)
{
	memset(arg, 0, sizeof *arg);
	arg->name = arena_strdup(a, name);
	arg->offset = 8 * i;
	arg->type = (struct tplace){ .src = src, .id = id };
	arg->ctype = tplace_type_name(a, arg->type);
	int size = 8;
	bool sgn = false;
	switch (tplace_class(arg->type)) {
	case TPLACE_POINTER: {
		arg->kind = TP_FIELD_POINTER;
		struct tplace e = arg->type;
		if (tplace_index(&e))
			arg->elem_ctype = tplace_type_name(a, e);
		break;
	}
	case TPLACE_INT:
		arg->kind = TP_FIELD_INT;
		tplace_int(arg->type, &size, &sgn);
		break;
	default:
		arg->kind = TP_FIELD_OTHER; /* a struct passed by value */
		break;
	}
	arg->size = arg->val_size = size;
	arg->is_signed = arg->val_signed = sgn;
}

/* The 8-byte argument slots a parameter of type id fills: a struct or
 * union passed by value of 9 to 16 bytes fills two (two registers on
 * x86-64, two slots of a BPF trampoline's context), anything else one. */
int tp_arg_slots(const struct type_source *src, type_id id)
{
	struct tplace t = {.src = src, .id = id};
	enum tplace_class c = tplace_class(t);
	if (c == TPLACE_POINTER || c == TPLACE_INT)
		return 1;
	int size = tplace_size(t);
	return size > 8 && size <= 16 ? 2 : 1;
}

int tp_btf_proto_fields(struct arena *a, int proto_id, int skip, bool with_return, struct tp_field **out)
{
	return tp_btf_proto_fields_of(a, type_source_kernel(), proto_id, skip, with_return, out);
}

int tp_btf_proto_fields_of(struct arena *a, const struct type_source *src, int proto_id, int skip,
			   bool with_return, struct tp_field **out)
{
	const struct btf *btf = src ? type_source_btf(src) : NULL;
	const struct btf_type *proto = btf && proto_id > 0 ? btf__type_by_id(btf, (__u32)proto_id) : NULL;
	*out = NULL;
	if (!src || !proto || !btf_is_func_proto(proto) || btf_vlen(proto) < skip)
		return 0;
	const struct btf_param *params = btf_params(proto);
	int n = btf_vlen(proto) - skip, k = 0, slot = 0;
	*out = arena_alloc(a, (size_t)(n + 1) * sizeof(**out));
	for (int i = 0; i < n; i++) {
		const char *name = btf__name_by_offset(btf, params[i + skip].name_off);
		if (name && *name)
			tp_arg_field(a, src, &(*out)[k++], name, params[i + skip].type, slot);
		slot += tp_arg_slots(src, params[i + skip].type);
	}
	/* $return: after the arguments, where fexit programs find it */
	if (with_return && proto->type)
		tp_arg_field(a, src, &(*out)[k++], "return", proto->type, slot);
	return k;
}

/* A module's trace_event_raw_* struct whose layout is sig's (a module's
 * event of a class: the class is the struct's name). */
struct module_class {
	const struct type_source *src;
	const char *sig;
	type_id found;
};

static void match_module_struct(type_id id, const char *name, void *ctx)
{
	struct module_class *m = ctx;
	if (m->found || strncmp(name, "trace_event_raw_", 16) != 0)
		return;
	char *sig = raw_struct_signature(m->src, id);
	if (strcmp(sig, m->sig) == 0)
		m->found = id;
	free(sig);
}

/* The __bpf_trace_<class> function of an event of module ms: the event's
 * own name, else the class whose record struct is laid out as the
 * event's record (its format's fields). */
static type_id module_trace_func(struct arena *a, const struct type_source *ms, struct tp_event *ev)
{
	char fn[512];
	snprintf(fn, sizeof fn, "__bpf_trace_%s", ev->name);
	type_id id = tsrc_find(ms, TYPE_FUNC, fn);
	if (id || !tp_event_load_fields(a, ev))
		return id;
	struct strbuf b;
	sb_init(&b);
	for (int i = 0; i < ev->nfields; i++)
		if (!ev->fields[i].is_common)
			sig_put(&b, ev->fields[i].name, ev->fields[i].offset);
	struct module_class m = { ms, b.s ? b.s : "", 0 };
	tsrc_each(ms, TYPE_STRUCT, match_module_struct, &m);
	sb_free(&b);
	if (!m.found)
		return 0;
	snprintf(fn, sizeof fn, "__bpf_trace_%s", tsrc_name(ms, m.found) + 16);
	return tsrc_find(ms, TYPE_FUNC, fn);
}

/* An event the kernel's BTF has no __bpf_trace_ function for: a
 * module's (sunrpc:svc_process), found in the BTF of the module its group
 * names, else of any loaded module. */
static void load_module_args(struct arena *a, struct tp_event *ev)
{
	const char *first = ev->group && *ev->group ? ev->group : NULL;
	DIR *d = opendir("/sys/kernel/btf");
	struct dirent *e = NULL;
	for (const char *name = first; name || (d && (e = readdir(d))); name = NULL) {
		if (!name) {
			name = e->d_name;
			if (name[0] == '.' || strcmp(name, "vmlinux") == 0 || (first && strcmp(name, first) == 0))
				continue;
		}
		const char *why;
		const struct type_source *ms = kernel_module_types(name, &why);
		type_id id = ms ? module_trace_func(a, ms, ev) : 0;
		if (!id)
			continue;
		const struct btf *btf = type_source_btf(ms);
		const struct btf_type *f = btf__type_by_id(btf, (__u32)id);
		ev->has_raw = true;
		ev->args_module = arena_strdup(a, name);
		ev->nargs = tp_btf_proto_fields_of(a, ms, (int)f->type, 1, false, &ev->args);
		break;
	}
	if (d)
		closedir(d);
}

/* TP_PROTO's arguments, named by the __bpf_trace_<class> function (the
 * btf_trace_<event> typedef has their types but no names); the first
 * parameter is the probe's own data. */
static void load_args(struct arena *a, struct tp_event *ev)
{
	ev->args_loaded = true;
	const struct btf *btf = kernel_btf();
	if (!btf)
		return;
	char fn[512];
	snprintf(fn, sizeof fn, "__bpf_trace_%s", event_class(ev));
	int id = (int)tsrc_find(type_source_kernel(), TYPE_FUNC, fn);
	const struct btf_type *f = id > 0 ? btf__type_by_id(btf, (__u32)id) : NULL;
	if (f) {
		ev->has_raw = true;
		ev->nargs = tp_btf_proto_fields(a, (int)f->type, 1, false, &ev->args);
	} else if (ev->group && *ev->group && !tsrc_find(type_source_kernel(), TYPE_TYPEDEF,
							   arena_printf(a, "btf_trace_%s", ev->name))) {
		load_module_args(a, ev);
	}
}

bool tp_event_has_raw(struct arena *a, struct tp_event *ev)
{
	if (!ev->args_loaded)
		load_args(a, ev);
	return ev->has_raw;
}

const struct tp_field *tp_event_arg(struct arena *a, struct tp_event *ev, const char *name)
{
	if (!ev->args_loaded)
		load_args(a, ev);
	for (int i = 0; i < ev->nargs; i++)
		if (strcmp(ev->args[i].name, name) == 0)
			return &ev->args[i];
	return NULL;
}

/* tracepoints.h */
bool kernel_enum_value(const char *enum_name, const char *name, int64_t *value)
{
	const struct btf *btf = kernel_btf();
	int id = btf ? btf__find_by_name_kind(btf, enum_name, BTF_KIND_ENUM) : -1;
	const struct btf_type *t = id > 0 ? btf__type_by_id(btf, (__u32)id) : NULL;
	const struct btf_enum *e = t ? btf_enum(t) : NULL;
	for (int i = 0; e && i < btf_vlen(t); i++)
		if (strcmp(btf__name_by_offset(btf, e[i].name_off), name) == 0) {
			if (value)
				*value = e[i].val;
			return true;
		}
	return false;
}

bool kernel_enum_constant(const char *name, int64_t *value)
{
	const struct btf *btf = kernel_btf();
	__u32 n = btf ? btf__type_cnt(btf) : 0;
	for (__u32 id = 1; id < n; id++) {
		const struct btf_type *t = btf__type_by_id(btf, id);
		if (btf_is_enum(t)) {
			const struct btf_enum *e = btf_enum(t);
			for (int i = 0; i < btf_vlen(t); i++)
				if (strcmp(btf__name_by_offset(btf, e[i].name_off), name) == 0) {
					*value = btf_kflag(t) ? (int64_t)(uint32_t)e[i].val : (int64_t)e[i].val;
					return true;
				}
		} else if (btf_is_enum64(t)) {
			const struct btf_enum64 *e = btf_enum64(t);
			for (int i = 0; i < btf_vlen(t); i++)
				if (strcmp(btf__name_by_offset(btf, e[i].name_off), name) == 0) {
					*value = (int64_t)btf_enum64_value(&e[i]);
					return true;
				}
		}
	}
	return false;
}

bool kernel_has_bpf_helper(const char *name)
{
	return kernel_enum_value("bpf_func_id", name, NULL);
}
