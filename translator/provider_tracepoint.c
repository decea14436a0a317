/* kernel.trace("group:event"): kernel tracepoints. The target variables
 * are the fields of the event's record ($prev_comm, $filename, ...), plus
 * $$vars/$$parms (all of them, pretty-printed), $$name and $$system. */
#include "kernel_dwarf.h"
#include "runner/kallsyms.h"
#include "provider.h"
#include "tracepoints.h"
#include "type_header.h"

#include <bpf/btf.h>
#include <fnmatch.h>
#include <stdio.h>
#include <string.h>

static const struct pp_component *comp_at(const struct probe_point *pp, int i)
{
	return i < pp->comps.n ? VEC_AT(pp->comps, i, const struct pp_component *) : NULL;
}

static bool comp_is(const struct probe_point *pp, int i, const char *name)
{
	const struct pp_component *c = comp_at(pp, i);
	return c && c->name && fnmatch(c->name, name, 0) == 0;
}

static bool tp_claims(const struct probe_point *pp)
{
	return comp_is(pp, 0, "kernel") && comp_is(pp, 1, "trace");
}

/* The "group:event" text of a point, or NULL (reported) when malformed. */
static const char *point_pattern(const struct probe_point *pp, bool report)
{
	const struct pp_component *k = comp_at(pp, 0), *t = comp_at(pp, 1);
	if (k->arg) {
		if (report)
			diag_error(k->arg->loc, "'kernel' takes no argument here: write kernel.trace(\"group:event\")");
		return NULL;
	}
	if (!t->arg || t->arg->kind != E_STR) {
		if (report)
			diag_error(t->arg ? t->arg->loc : t->loc,
			           "kernel.trace needs a string argument, as in kernel.trace(\"sched:sched_switch\")");
		return NULL;
	}
	if (!*t->arg->str) {
		if (report)
			diag_error(t->arg->loc, "empty tracepoint name in kernel.trace(\"\")");
		return NULL;
	}
	return t->arg->str;
}

static struct probe_point *concrete_point(struct arena *a, const struct probe_point *pp,
                                          const struct tp_event *ev)
{
	const struct pp_component *k = comp_at(pp, 0), *t = comp_at(pp, 1);
	struct probe_point *np = arena_alloc(a, sizeof *np);
	*np = *pp;
	np->comps = (struct vec){ 0 };

	struct pp_component *nk = arena_alloc(a, sizeof *nk);
	nk->name = "kernel";
	nk->loc = k->loc;
	vec_push(a, &np->comps, nk);

	struct pp_component *nt = arena_alloc(a, sizeof *nt);
	nt->name = "trace";
	nt->loc = t->loc;
	nt->arg = expr_new(a, E_STR, t->arg->loc);
	nt->arg->type = TY_STRING;
	/* Listed from BTF only: the group is unknown, name the event alone. */
	nt->arg->str = *ev->group ? arena_printf(a, "%s:%s", ev->group, ev->name) : ev->name;
	vec_push(a, &np->comps, nt);
	return np;
}

static bool tp_expand(struct session *s, const struct probe_point *pp, struct vec *out)
{
	const struct pp_component *extra = comp_at(pp, 2);
	if (extra) {
		diag_error(extra->loc, "unexpected '.%s' after kernel.trace(...)", extra->name);
		return false;
	}
	const char *pattern = point_pattern(pp, true);
	if (!pattern)
		return false;
	struct vec events = { 0 };
	if (tp_list(&s->arena, pattern, &events) < 0) {
		diag_error(comp_at(pp, 1)->loc,
		           "cannot list kernel tracepoints: tracefs cannot be mounted and the kernel has no BTF");
		return false;
	}
	VEC_FOREACH(events, i)
		vec_push(&s->arena, out, concrete_point(&s->arena, pp, VEC_AT(events, i, struct tp_event *)));
	return true;
}

struct tp_event *tp_point_event(struct session *s, const struct probe_point *pp)
{
	if (!pp || !tp_claims(pp) || pp->comps.n != 2)
		return NULL;
	const char *text = point_pattern(pp, false);
	if (!text || strpbrk(text, "*?["))
		return NULL;
	const char *colon = strchr(text, ':');
	if (!colon)
		return tp_event_load(&s->arena, "", text);
	char *group = arena_strndup(&s->arena, text, (size_t)(colon - text));
	return tp_event_load(&s->arena, group, colon + 1);
}

/* probe.target_kinds bits of kernel.trace probes */
enum { TP_USES_RECORD = 1, TP_USES_ARGS = 2, TP_USES_EITHER = 4 };

struct tp_event *tp_probe_event(struct session *s, struct probe *p)
{
	if (p->provider_data)
		return p->provider_data;
	const struct probe_point *pp = p->resolved_point;
	if (!pp && p->points.n == 1)
		pp = VEC_AT(p->points, 0, const struct probe_point *);
	struct tp_event *ev = tp_point_event(s, pp);
	p->provider_data = ev;
	return ev;
}

/* ---- target variables --------------------------------------------- */

static const char *strip_dollars(const char *name, int *ndollars)
{
	*ndollars = 0;
	while (*name == '$') {
		name++;
		(*ndollars)++;
	}
	return name;
}

/* $$vars, $$parms, $$locals, $$name, $$system: strings. */
static bool resolve_context_var(struct tp_event *ev, const char *name, struct expr *e)
{
	if (strcmp(name, "vars") != 0 && strcmp(name, "parms") != 0 && strcmp(name, "locals") != 0 &&
	    strcmp(name, "name") != 0 && strcmp(name, "system") != 0)
		return false;
	e->type = TY_STRING;
	e->target_info = ev;
	return true;
}

static enum type type_of_field(const struct tp_field *f)
{
	return tp_field_is_string(f) ? TY_STRING : TY_LONG;
}

static enum type type_of_value(enum tplace_class v)
{
	return v == TPLACE_CHAR_ARRAY ? TY_STRING : TY_LONG;
}

/* The place the first component starts from. Fixed arrays typed only by
 * their format text start from their element when indexed. */
static struct tplace start_place(const struct tp_field *f, const struct component *c0, bool *indexed)
{
	struct tplace p = f->type;
	*indexed = false;
	if (c0->kind == COMP_INDEX && !p.id &&
	    (f->kind == TP_FIELD_ARRAY || f->kind == TP_FIELD_CHAR_ARRAY) && f->elem_ctype &&
	    tplace_from_text(type_source_kernel(), f->elem_ctype, &p))
		*indexed = true;
	return p;
}

static bool is_void_text(const char *ctype)
{
	if (!ctype)
		return false;
	if (strncmp(ctype, "const ", 6) == 0)
		ctype += 6;
	return strcmp(ctype, "void") == 0;
}

/* A pass-2 error, unless @defined is only asking. */
static void target_error(struct session *s, struct loc at, const char *fmt, const char *a1, const char *a2)
{
	if (!s->quiet_targets)
		diag_error(at, fmt, a1, a2);
}

/* The member names of place p into b (those of anonymous structs and
 * unions too, as C reaches them), at most *left more. */
static void member_names(struct strbuf *b, struct tplace p, int *left, int depth)
{
	enum { MAX = 64 };
	const char *names[MAX];
	struct tplace places[MAX];
	int n = tplace_members(p, names, places, MAX);
	for (int i = 0; i < n && *left > 0; i++) {
		if (names[i]) {
			sb_printf(b, "%s%s", b->len ? " " : "", names[i]);
			(*left)--;
		} else if (depth < 4) {
			member_names(b, places[i], left, depth + 1);
		}
	}
}

/* After "has no member": the members there are (the first 40). */
static void note_members(struct session *s, struct loc at, struct tplace p)
{
	if (s->quiet_targets)
		return;
	struct strbuf b;
	sb_init(&b);
	int left = 40;
	member_names(&b, p, &left, 0);
	if (b.len)
		diag_note(at, "its members: %s%s", b.s, left == 0 ? " ..." : "");
	sb_free(&b);
}

/* Can components apply to this field at all? */
static bool field_takes_components(struct session *s, const struct tp_field *f, const struct component *c0,
                                   const char *name)
{
	if (c0->kind == COMP_PRETTY)
		return true;
	switch (f->kind) {
	case TP_FIELD_POINTER:
		if (is_void_text(f->elem_ctype)) {
			target_error(s, c0->loc, "cannot dereference '$%s': it is a void pointer (use @cast)", name, "");
			return false;
		}
		return true;
	case TP_FIELD_ARRAY:
	case TP_FIELD_CHAR_ARRAY:
	case TP_FIELD_DATA_LOC_STR:
	case TP_FIELD_DATA_LOC_ARRAY:
	case TP_FIELD_REL_LOC_STR:
	case TP_FIELD_REL_LOC_ARRAY:
		if (c0->kind == COMP_INDEX)
			return true;
		target_error(s, c0->loc, "'$%s' is an array (%s): use an index, not '->'", name, f->ctype);
		return false;
	default:
		target_error(s, c0->loc, "'$%s' has type '%s', which has no members", name, f->ctype);
		return false;
	}
}

/* The aggregate a '->' failed on, for messages: "struct sock". */
static const char *member_owner_name(struct arena *a, struct tplace p)
{
	struct tplace q = p;
	if (tplace_class(q) == TPLACE_POINTER)
		tplace_index(&q);
	const char *name = tplace_type_name(a, q);
	return strncmp(name, "const ", 6) == 0 ? name + 6 : name;
}

/* Walk ->a[i]->b through BTF from `from` (acc->start, or where a chain
 * starts when that is not where its value is), components from
 * acc->first on. Unknown types (no BTF, untyped pointers) are accepted as
 * long: the backend reports what it cannot read. False when a component
 * does not apply (reported unless s->quiet_targets). */
static bool walk_components_from(struct session *s, struct tp_access *acc, struct tplace from, const char *name,
				 struct expr *e)
{
	struct tplace p = from;
	bool known = tplace_known(p);
	for (int i = acc->first; known && i < e->components.n; i++) {
		const struct component *c = VEC_AT(e->components, i, const struct component *);
		if (c->kind == COMP_PRETTY)
			break;
		bool ok = c->kind == COMP_FIELD ? tplace_member(&p, c->field) : tplace_index(&p);
		if (ok)
			continue;
		if (!tplace_known(p)) {
			known = false; /* walked into void or an unknown type */
			break;
		}
		if (c->kind == COMP_FIELD) {
			target_error(s, c->loc, "'%s' has no member '%s'", member_owner_name(&s->arena, p), c->field);
			note_members(s, c->loc, p);
		} else
			target_error(s, c->loc, "'%s' cannot be indexed", tplace_type_name(&s->arena, p), "");
		return false;
	}
	e->type = TY_LONG;
	if (!e->components.n) {
		acc->place = p;
		acc->resolved = known;
		acc->value = known ? tplace_class(p) : TPLACE_UNKNOWN;
		return true;
	}
	const struct component *last = VEC_AT(e->components, e->components.n - 1, const struct component *);
	if (last->kind == COMP_PRETTY) {
		e->type = TY_STRING;
		acc->place = p;
		acc->resolved = known;
		acc->value = known ? tplace_class(p) : TPLACE_UNKNOWN;
		return true;
	}
	if (!known) {
		acc->value = TPLACE_UNKNOWN;
		return true;
	}
	acc->place = p;
	acc->resolved = true;
	acc->value = tplace_class(p);
	if (acc->value == TPLACE_AGGREGATE && !e->addressof) {
		target_error(s, last->loc, "'%s' is a %s, not a value: name one of its members or add '$' to print it",
		             name, tplace_type_name(&s->arena, p));
		return false;
	}
	e->type = e->addressof ? TY_LONG : type_of_value(acc->value);
	e->is_pointer = e->addressof || acc->value == TPLACE_POINTER;
	return true;
}

static bool walk_components(struct session *s, struct tp_access *acc, const char *name, struct expr *e)
{
	return walk_components_from(s, acc, acc->start, name, e);
}

/* "$x->a[...]->b" for messages. */
static const char *chain_text(struct arena *a, const char *head, const struct expr *e)
{
	struct strbuf b;
	sb_init(&b);
	sb_puts(&b, head);
	VEC_FOREACH(e->components, i) {
		const struct component *c = VEC_AT(e->components, i, const struct component *);
		if (c->kind == COMP_FIELD)
			sb_printf(&b, "->%s", c->field);
		else if (c->kind == COMP_INDEX)
			sb_puts(&b, "[...]");
	}
	const char *r = arena_strdup(a, b.s);
	sb_free(&b);
	return r;
}

bool tp_type_chain(struct session *s, struct tp_access *acc, const char *head, struct expr *e)
{
	return walk_components(s, acc, chain_text(&s->arena, head, e), e);
}

/* $field->a[i]->b. */
static bool resolve_components(struct session *s, const struct tp_field *f, const char *name, struct expr *e)
{
	struct tp_access *acc = arena_alloc(&s->arena, sizeof *acc);
	acc->field = f;
	e->target_info = acc;
	e->type = TY_LONG;
	const struct component *c0 = VEC_AT(e->components, 0, const struct component *);
	if (!field_takes_components(s, f, c0, name))
		return false;
	bool indexed;
	acc->start = start_place(f, c0, &indexed);
	acc->first = indexed ? 1 : 0;
	return walk_components(s, acc, chain_text(&s->arena, arena_printf(&s->arena, "$%s", name), e), e);
}

/* @cast's type in the kernel's BTF or a loaded module's: the module
 * argument is "kernel", a module's name, or several of those joined by
 * ':', tried in order; "kernel<header.h>" (or "<header.h>") is the
 * kernel's BTF, else the header's own types (type_header.c). False,
 * reported unless quiet, when none has the type. */
static bool cast_start(struct session *s, const struct expr *e, const char *type, struct tplace *start)
{
	const char *m = e->module;
	if (!m)
		return tplace_for_cast(type_source_kernel(), type, start);
	char *list = arena_strdup(&s->arena, m), *save = NULL;
	const char *why = NULL;
	for (char *w = strtok_r(list, ":", &save); w; w = strtok_r(NULL, ":", &save)) {
		const struct type_source *src = type_source_kernel();
		bool header = strncmp(w, "kernel<", 7) == 0 || w[0] == '<';
		if (strcmp(w, "kernel") != 0 && !header) {
			const char *mwhy = NULL;
			src = kernel_module_types(w, &mwhy);
			why = mwhy ? mwhy : why;
		}
		if (src && tplace_for_cast(src, type, start))
			return true;
		if (header) {
			const char *hwhy = NULL;
			src = type_source_headers(s, w, &hwhy);
			if (src && tplace_for_cast(src, type, start))
				return true;
			why = hwhy ? hwhy : why;
		}
	}
	if (why)
		target_error(s, e->loc, "@cast(..., \"%s\", \"%s", type, arena_printf(&s->arena, "%s\"): %s", m, why));
	else if (strchr(m, '<'))
		target_error(s, e->loc, "@cast: no type '%s' in the kernel's BTF nor in the headers of %s", type, m);
	else
		target_error(s, e->loc, "@cast: no type '%s' in the BTF of %s", type, m);
	return false;
}

/* &@cast(P, "T")->a.b[2] that follows no pointer: the constant that is
 * added to P (no memory is read, so any probe may use it: stap's
 * @cast_sizeof is &@cast(0, "T")[1]); -1 when the chain reads memory. */
static long cast_constant_offset(struct tplace p, const struct expr *e, struct tplace *end)
{
	long off = 0;
	VEC_FOREACH(e->components, i) {
		const struct component *c = VEC_AT(e->components, i, const struct component *);
		enum tplace_class k = tplace_class(p);
		if (c->kind == COMP_PRETTY || (i > 0 && k == TPLACE_POINTER))
			return -1; /* a load */
		if (c->kind == COMP_FIELD) {
			if (!tplace_member(&p, c->field) || p.bit_size)
				return -1;
			off += p.member_bits / 8;
			continue;
		}
		if (!c->index || c->index->kind != E_NUM ||
		    (i > 0 && k != TPLACE_ARRAY && k != TPLACE_CHAR_ARRAY) || !tplace_index(&p))
			return -1;
		int size = tplace_size(p);
		if (size <= 0)
			return -1;
		off += (long)c->index->num * size;
	}
	*end = p;
	return off;
}

bool tp_resolve_cast(struct session *s, struct probe *p, struct expr *e)
{
	const char *type = e->str ? e->str : "";
	struct tplace start;
	long off;
	bool kernel_type = !e->module || strncmp(e->module, "kernel", 6) == 0 || e->module[0] == '<';
	bool quiet = s->quiet_targets;
	s->quiet_targets = true; /* a miss here is reported below */
	bool found = e->addressof && e->components.n && e->operand && kernel_type &&
		     (e->module ? cast_start(s, e, type, &start) : tplace_for_cast(type_source_kernel(), type, &start));
	s->quiet_targets = quiet;
	struct tplace end;
	if (found && (off = cast_constant_offset(start, e, &end)) >= 0) {
		/* an address computed from the type alone: P + offset, which
		 * keeps the member's type for autocast (target_info: what it
		 * points to, elab_resolve.c's value_ktype) */
		struct tp_access *typed = arena_alloc(&s->arena, sizeof *typed);
		typed->place = end;
		e->target_info = typed;
		struct expr *n = expr_new(&s->arena, E_NUM, e->loc);
		n->num = off;
		e->kind = E_BINARY;
		e->op = "+";
		e->left = e->operand;
		e->right = n;
		e->operand = NULL;
		e->components = (struct vec){0};
		e->addressof = false;
		e->type = TY_LONG;
		return true;
	}
	if (!kernel_type && (strchr(e->module, '/') || strstr(e->module, ".so")))
		return uprobe_resolve_cast(s, e); /* a type of a user program */
	struct tp_access *acc = arena_alloc(&s->arena, sizeof *acc);
	e->target_info = acc;
	e->type = TY_LONG;
	if (!e->module && !tplace_for_cast(type_source_kernel(), type, &acc->start)) {
		target_error(s, e->loc, "@cast: the kernel's BTF has no type '%s'%s", type, "");
		return !s->quiet_targets;
	}
	if (e->module && !cast_start(s, e, type, &acc->start))
		return !s->quiet_targets;
	if (e->operand && e->operand->type == TY_STRING) {
		target_error(s, e->operand->loc, "@cast needs an address, not a string%s%s", "", "");
		return !s->quiet_targets;
	}
	bool ok = walk_components(s, acc, chain_text(&s->arena, arena_printf(&s->arena, "@cast(..., \"%s\")", type), e), e);
	return ok || !s->quiet_targets;
}

/* A kernel variable BTF describes: its type, and whether it is per-CPU. */
static type_id kernel_var(const char *name, bool *percpu)
{
	const struct btf *btf = kernel_btf();
	*percpu = false;
	if (!btf)
		return 0;
	int id = btf__find_by_name_kind(btf, name, BTF_KIND_VAR);
	if (id <= 0)
		return 0;
	/* which section holds it: pahole describes the per-CPU ones */
	for (__u32 i = 1, n = btf__type_cnt(btf); i < n; i++) {
		const struct btf_type *t = btf__type_by_id(btf, i);
		if (!btf_is_datasec(t))
			continue;
		const struct btf_var_secinfo *v = btf_var_secinfos(t);
		for (int k = 0; k < btf_vlen(t); k++)
			if ((int)v[k].type == id)
				*percpu = strcmp(btf__name_by_offset(btf, t->name_off), ".data..percpu") == 0;
	}
	return btf__type_by_id(btf, (__u32)id)->type;
}

/* Is name a data symbol of the kernel (kallsyms: one of kinds, d D b B r R
 * for an untyped one, and A too for BTF's, whose per-CPU ones are A)?
 * *any: whether kallsyms lists the kernel's data symbols at all (a kernel
 * without CONFIG_KALLSYMS_ALL lists few, and no .data/.bss ones). */
static bool kernel_symbol_of_kind(const char *name, const char *kinds)
{
	const struct ksym *const *syms;
	for (int i = 0, n = kallsyms_named(name, &syms); i < n; i++)
		if (!syms[i]->module && strchr(kinds, syms[i]->type))
			return true;
	return false;
}

static bool kernel_data_symbol(const char *name, bool *any, const char *kinds)
{
	bool found = kernel_symbol_of_kind(name, kinds);
	/* two data symbols every kernel has, when kallsyms lists such */
	*any = found || kernel_symbol_of_kind("jiffies", "dDbB") || kernel_symbol_of_kind("init_task", "dDbB");
	return found;
}

bool tp_resolve_kernel_atvar(struct session *s, struct probe *p, struct expr *e)
{
	const char *name = e->str ? e->str : "";
	if (e->module && strcmp(e->module, "kernel") != 0) {
		target_error(s, e->loc, "semantic error: @var(\"%s\", \"%s\"): only the kernel's own variables are supported yet",
			     name, e->module);
		return !s->quiet_targets;
	}
	struct tp_access *acc = arena_alloc(&s->arena, sizeof *acc);
	e->target_info = acc;
	e->type = TY_LONG;
	bool percpu, any_data = true;
	const char *at = strchr(name, '@');
	type_id id = at ? 0 : kernel_var(name, &percpu);
	if (at) {
		/* "sym@file": the kernel's debuginfo places it; BTF types it */
		const char *why, *sym = arena_strndup(&s->arena, name, (size_t)(at - name));
		struct kdwarf_var v;
		if (!kdwarf_variable(s, sym, at + 1, &v, &why)) {
			target_error(s, e->loc, "semantic error: @var(\"%s\"): %s", name, why);
			return !s->quiet_targets;
		}
		if (v.percpu && (id = kernel_var(sym, &percpu)) != 0 && percpu) {
			acc->start = (struct tplace){.src = type_source_kernel(), .id = id, .ptr_depth = 1};
			acc->ksym_percpu = true;
			acc->ksym = sym;
		} else if (v.percpu || !v.ctype || !tplace_from_text(type_source_kernel(), v.ctype, &acc->start)) {
			target_error(s, e->loc, "semantic error: @var(\"%s\"): %s", name,
				     v.percpu ? "a per-CPU variable BTF does not describe"
					      : arena_printf(&s->arena, "its type (%s) is not one btap can name in the kernel's BTF",
							     v.ctype ? v.ctype : "an array or an anonymous type"));
			return !s->quiet_targets;
		} else {
			/* by its place in the image, which KASLR moves as a whole:
			 * a static's name may be in kallsyms more than once */
			acc->start.ptr_depth++;
			acc->ksym = "_text";
			acc->ksym_offset = v.text_offset;
		}
	} else if (id && s->last_pass == 5 && !s->kernel_release && !kernel_data_symbol(name, &any_data, "dDbBrRA")) {
		/* BTF types it, and the loader places it by kallsyms: a run
		 * here would fail to load (-p3, -p4 and -r build for elsewhere) */
		target_error(s, e->loc, "semantic error: @var(\"%s\"): BTF describes it, but kallsyms does not list it, "
			     "so its address is unknown%s", name,
			     any_data ? "" : " (this kernel was built without CONFIG_KALLSYMS_ALL)");
		return !s->quiet_targets;
	} else if (id) {
		acc->start = (struct tplace){.src = type_source_kernel(), .id = id, .ptr_depth = 1};
		acc->ksym_percpu = percpu;
	} else if (!strchr(name, '@') && kernel_data_symbol(name, &any_data, "dDbBrR") &&
		   tplace_from_text(type_source_kernel(), "unsigned long", &acc->start)) {
		acc->start.ptr_depth++; /* untyped: read as an unsigned long */
	} else {
		target_error(s, e->loc, "semantic error: @var(\"%s\"): no kernel variable of that name in BTF or kallsyms%s", name,
			     any_data ? "" : " (this kernel's kallsyms has no data symbols: it was built without "
					    "CONFIG_KALLSYMS_ALL)");
		return !s->quiet_targets;
	}
	if (!acc->ksym)
		acc->ksym = name;
	/* start is where the variable is; its chain starts from the variable
	 * itself (a pointer's "->" goes through the pointer), as the emitter's
	 * walk does */
	struct tplace from = acc->start;
	if (e->components.n)
		tplace_index(&from);
	bool ok = walk_components_from(s, acc, from,
				       chain_text(&s->arena, arena_printf(&s->arena, "@var(\"%s\")", name), e), e);
	return ok || !s->quiet_targets;
}

/* A field that points at nothing in particular (void *). */
static bool void_pointer(const struct tp_field *f)
{
	const char *t = f->elem_ctype;
	if (f->kind != TP_FIELD_POINTER || !t)
		return f->kind == TP_FIELD_POINTER;
	if (strncmp(t, "const ", 6) == 0)
		t += 6;
	return strcmp(t, "void") == 0;
}

static bool tp_resolve_target(struct session *s, struct probe *p, struct expr *e)
{
	struct tp_event *ev = tp_probe_event(s, p);
	if (!ev)
		return false;
	int dollars;
	if (e->kind == E_TARGET_VARS) {
		const char *name = strip_dollars(e->op ? e->op : e->str ? e->str : "", &dollars);
		p->target_kinds |= TP_USES_RECORD;
		return resolve_context_var(ev, name, e);
	}
	if (e->kind != E_TARGET || !e->str)
		return false;
	const char *name = strip_dollars(e->str, &dollars);
	if (dollars >= 2) {
		p->target_kinds |= TP_USES_RECORD;
		return resolve_context_var(ev, name, e);
	}
	/* a record field ($next_pid) or an argument of the tracepoint's
	 * prototype ($next), which stap's scripts use: a probe that uses
	 * arguments runs on the raw tracepoint, whose context they are (a name
	 * that is both, such as $prev_state, follows the rest; tp_attach) */
	const struct tp_field *f = tp_event_field(ev, name);
	/* The prototype (BTF's function index: a few ms on its first use) is
	 * looked up only where the record cannot answer: a record field is
	 * taken as either, and tp_attach checks it is an argument too when
	 * the probe turns out to need the raw tracepoint. */
	bool need_arg = !f || (e->components.n && void_pointer(f));
	const struct tp_field *arg = need_arg ? tp_event_arg(&s->arena, ev, name) : NULL;
	/* $timer->function where the record keeps the pointer as a void *
	 * and the prototype passes a struct timer_list *: the argument */
	if (f && arg && e->components.n && void_pointer(f) && arg->kind == TP_FIELD_POINTER && !void_pointer(arg))
		f = NULL;
	p->target_kinds |= f && (arg || !need_arg) ? TP_USES_EITHER : f ? TP_USES_RECORD : arg ? TP_USES_ARGS : 0;
	return tp_bind_field(s, f ? f : arg, name, e);
}

/* e names f: its type and how it is read. */
bool tp_bind_field(struct session *s, const struct tp_field *f, const char *name, struct expr *e)
{
	if (!f)
		return false;
	if (f->kind == TP_FIELD_OTHER && !e->components.n) {
		diag_error(e->loc, "'$%s' has type '%s', which btap cannot read as a value", name, f->ctype);
		e->type = TY_LONG;
		e->target_info = (void *)f;
		return true;
	}
	if (e->components.n) {
		if (!resolve_components(s, f, name, e) && s->quiet_targets)
			return false;
	} else {
		e->type = type_of_field(f);
		e->target_info = (void *)f;
		e->is_pointer = e->type == TY_LONG && f->ctype && strchr(f->ctype, '*');
	}
	if (e->addressof && !e->components.n) {
		/* The record is transient: its fields have no useful address. */
		diag_error(e->loc, "cannot take the address of tracepoint field '$%s'", name);
	}
	return true;
}

/* A probe on the raw tracepoint: names that are both a record field and
 * an argument now read the argument; a record field that is not one
 * cannot be read there. */
struct rebind {
	struct session *s;
	struct tp_event *ev;
	bool ok;
};

static void both_kinds_error(struct loc at, const struct tp_event *ev)
{
	diag_error(at,
		   "this probe uses both record fields and prototype arguments of %s:%s; "
		   "one probe can read only one of the two (split it in two probes)",
		   ev->group, ev->name);
}

static enum ast_step rebind_to_args(struct expr *e, void *ctx)
{
	struct rebind *r = ctx;
	if (e->kind != E_TARGET || !e->str)
		return AST_DESCEND;
	int dollars;
	const char *name = strip_dollars(e->str, &dollars);
	const struct tp_field *arg = dollars < 2 ? tp_event_arg(&r->s->arena, r->ev, name) : NULL;
	if (arg) {
		tp_bind_field(r->s, arg, name, e);
	} else if (dollars < 2 && tp_event_field(r->ev, name) && r->ok) {
		both_kinds_error(e->loc, r->ev);
		r->ok = false;
	}
	return AST_DESCEND;
}

/* ---- -L ------------------------------------------------------------ */

/* A pointer to a struct BTF knows shows its type, as stap does
 * ("$cred:const struct cred*"): its members can be named. */
static void describe_pointer(struct strbuf *out, const struct tp_field *f)
{
	struct tplace p = f->type;
	struct tplace q = p;
	if ((p.id || p.ptr_depth) && tplace_index(&q) && tplace_class(q) == TPLACE_AGGREGATE) {
		struct arena a;
		arena_init(&a);
		const char *name = tplace_type_name(&a, p);
		size_t n = strlen(name);
		if (n > 2 && strcmp(name + n - 2, " *") == 0)
			n -= 2; /* "struct cred *" -> "struct cred*" */
		sb_putn(out, name, n);
		if (n != strlen(name))
			sb_putc(out, '*');
		arena_free(&a);
		return;
	}
	sb_puts(out, "long");
}

static void describe_field(struct strbuf *out, const struct tp_field *f)
{
	sb_printf(out, "$%s:", f->name);
	switch (f->kind) {
	case TP_FIELD_CHAR_ARRAY:
	case TP_FIELD_DATA_LOC_STR:
	case TP_FIELD_REL_LOC_STR:
		sb_puts(out, "string");
		break;
	case TP_FIELD_ARRAY:
		sb_printf(out, "long[%d]", f->array_len);
		break;
	case TP_FIELD_DATA_LOC_ARRAY:
	case TP_FIELD_REL_LOC_ARRAY:
		sb_puts(out, "long[]");
		break;
	case TP_FIELD_OTHER:
		sb_puts(out, f->ctype);
		break;
	case TP_FIELD_POINTER:
		describe_pointer(out, f);
		break;
	default:
		sb_puts(out, "long");
		break;
	}
}

static void tp_describe_vars(struct session *s, const struct probe_point *pp, struct strbuf *out)
{
	struct tp_event *ev = tp_point_event(s, pp);
	if (!ev)
		return;
	bool first = true;
	for (int i = 0; i < ev->nfields; i++) {
		const struct tp_field *f = &ev->fields[i];
		if (f->is_common)
			continue;
		if (!first)
			sb_putc(out, ' ');
		describe_field(out, f);
		first = false;
	}
	/* then the prototype's arguments a record field does not already name */
	tp_event_arg(&s->arena, ev, "");
	for (int i = 0; i < ev->nargs; i++) {
		const struct tp_field *a = &ev->args[i];
		if (tp_event_field(ev, a->name))
			continue;
		if (!first)
			sb_putc(out, ' ');
		describe_field(out, a);
		first = false;
	}
}

static bool tp_attach(struct session *s, struct probe *p, struct attach *out)
{
	struct tp_event *ev = tp_probe_event(s, p);
	if (!ev || !ev->group || !ev->group[0]) {
		diag_error(p->resolved_point->loc, "cannot find the tracepoint group of this probe point");
		return false;
	}
	if (p->target_kinds & TP_USES_ARGS) {
		if (p->target_kinds & TP_USES_RECORD) {
			both_kinds_error(p->resolved_point->loc, ev);
			return false;
		}
		struct rebind r = {s, ev, true};
		struct ast_visitor v = {.expr_pre = rebind_to_args, .ctx = &r};
		ast_walk_stmt(&v, p->body);
		if (!r.ok)
			return false;
		out->kind = ATTACH_RAW_TRACEPOINT;
		out->tracepoint.name = ev->name;
		return true;
	}
	out->kind = ATTACH_TRACEPOINT;
	out->tracepoint.group = ev->group;
	out->tracepoint.name = ev->name;
	/* No field read: the raw tracepoint of the same name does as well.
	 * Not a system call's event: it has none of its own, and raw_syscalls
	 * would run the program on every system call of the machine (~300 ns
	 * more on each here, where the event's own filter costs ~100). */
	if (!p->target_kinds && strcmp(ev->group, "syscalls") != 0 && tp_event_has_raw(&s->arena, ev))
		out->tracepoint.fieldless = true;
	return true;
}

const struct provider provider_tracepoint = {
	.name = "kernel.trace",
	.kernel_context = true,
	.claims = tp_claims,
	.expand = tp_expand,
	.resolve_target = tp_resolve_target,
	.describe_vars = tp_describe_vars,
	.attach = tp_attach,
};
