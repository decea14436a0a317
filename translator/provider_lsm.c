/* kernel.lsm("HOOK") and lsm.HOOK: BPF LSM programs on the kernel's
 * security hooks. The hooks are the kernel's bpf_lsm_HOOK functions in BTF
 * (present when it was built with CONFIG_BPF_LSM); their parameters are
 * the target variables, read from the argument array as at fentry, and
 * $ctx is the first of them (stap's spelling: @cast($ctx, "linux_binprm")).
 * The program's result is the hook's verdict: 0 allows, a negative errno
 * denies; `$return = -EPERM` sets it (guru mode, elab_verdict.c). tapset/lsm.stp
 * names the usual hooks with convenience variables; any other hook is
 * lsm.HOOK through this provider. */
#include "provider.h"
#include "tracepoints.h"
#include "types.h"

#include <bpf/btf.h>
#include <fnmatch.h>
#include <stdio.h>
#include <string.h>

#define LSM_PREFIX "bpf_lsm_"

struct lsm_hook {
	const char *name;
	struct tp_field *fields;
	int nfields;
};

static bool comp_is(const struct probe_point *pp, int i, const char *name)
{
	const char *n = pp_comp_name(pp, i);
	return n && strcmp(n, name) == 0;
}

/* kernel.lsm("HOOK") or lsm.HOOK (what no tapset alias names) */
static bool lsm_claims(const struct probe_point *pp)
{
	if (comp_is(pp, 0, "kernel") && comp_is(pp, 1, "lsm"))
		return true;
	/* a literal hook only: lsm.* is the tapset's aliases, as in stap
	 * (kernel.lsm("*") is every hook) */
	return comp_is(pp, 0, "lsm") && pp->comps.n == 2 &&
	       !VEC_AT(pp->comps, 1, const struct pp_component *)->arg && !strpbrk(pp_comp_name(pp, 1), "*?[");
}

/* The hook a point names (a pattern before expansion). */
static const struct expr *hook_arg(const struct probe_point *pp)
{
	return VEC_AT(pp->comps, 1, const struct pp_component *)->arg;
}

static const char *hook_pattern(const struct probe_point *pp)
{
	const struct expr *a = hook_arg(pp);
	return comp_is(pp, 0, "lsm") ? pp_comp_name(pp, 1) : a && a->kind == E_STR ? a->str : NULL;
}

static bool lsm_expand(struct session *s, const struct probe_point *pp, struct vec *out)
{
	const char *pattern = hook_pattern(pp);
	if (!pattern) {
		diag_error(pp->loc, "semantic error: kernel.lsm takes a security hook's name in quotes");
		return false;
	}
	if (pp->comps.n > 2) {
		diag_error(pp->loc, "semantic error: LSM hooks take no suffix (.%s)", pp_comp_name(pp, 2));
		return false;
	}
	const struct btf *btf = kernel_btf();
	if (!btf) {
		diag_error(pp->loc, "semantic error: LSM hooks need the kernel's BTF (/sys/kernel/btf/vmlinux)");
		return false;
	}
	bool glob = strpbrk(pattern, "*?[") != NULL;
	if (!glob) {
		char fn[256];
		snprintf(fn, sizeof fn, LSM_PREFIX "%s", pattern);
		if (tsrc_find(type_source_kernel(), TYPE_FUNC, fn) <= 0)
			return true; /* no match: the caller says so */
		vec_push(&s->arena, out, (void *)pp);
		return true;
	}
	for (__u32 id = 1, n = btf__type_cnt(btf); id < n; id++) {
		const struct btf_type *t = btf__type_by_id(btf, id);
		if (!btf_is_func(t))
			continue;
		const char *name = btf__name_by_offset(btf, t->name_off);
		if (!name || strncmp(name, LSM_PREFIX, strlen(LSM_PREFIX)) != 0 ||
		    fnmatch(pattern, name + strlen(LSM_PREFIX), 0) != 0)
			continue;
		struct probe_point *c = arena_alloc(&s->arena, sizeof *c);
		*c = *pp;
		c->comps = (struct vec){0};
		vec_push(&s->arena, &c->comps, pp_comp_new(&s->arena, "kernel", NULL, pp->loc));
		struct expr *arg = expr_new(&s->arena, E_STR, pp->loc);
		arg->str = name + strlen(LSM_PREFIX);
		vec_push(&s->arena, &c->comps, pp_comp_new(&s->arena, "lsm", arg, pp->loc));
		vec_push(&s->arena, out, c);
	}
	return true;
}

static struct lsm_hook *hook_of(struct session *s, struct probe *p)
{
	if (p->provider_data || !p->resolved_point)
		return p->provider_data;
	const char *name = hook_pattern(p->resolved_point);
	char fn[256];
	snprintf(fn, sizeof fn, LSM_PREFIX "%s", name ? name : "");
	int id = (int)tsrc_find(type_source_kernel(), TYPE_FUNC, fn);
	if (id <= 0)
		return NULL;
	struct lsm_hook *h = arena_alloc(&s->arena, sizeof *h);
	h->name = name;
	const struct btf_type *t = btf__type_by_id(kernel_btf(), (__u32)id);
	h->nfields = tp_btf_proto_fields(&s->arena, (int)t->type, 0, false, &h->fields);
	p->provider_data = h;
	return h;
}

static bool lsm_resolve_target(struct session *s, struct probe *p, struct expr *e)
{
	struct lsm_hook *h = hook_of(s, p);
	return h && tp_bind_args(s, h->fields, h->nfields, e, true);
}

static void lsm_describe_vars(struct session *s, const struct probe_point *pp, struct strbuf *out)
{
	struct probe p = {.resolved_point = (struct probe_point *)pp};
	struct lsm_hook *h = hook_of(s, &p);
	for (int i = 0; h && i < h->nfields; i++)
		sb_printf(out, "%s$%s:%s", i ? " " : "", h->fields[i].name,
			  tp_field_is_string(&h->fields[i]) ? "string" : h->fields[i].ctype);
	if (h)
		sb_puts(out, h->nfields ? " $return:int" : "$return:int");
}

static bool lsm_attach(struct session *s, struct probe *p, struct attach *out)
{
	struct lsm_hook *h = hook_of(s, p);
	if (!h) {
		diag_error(p->resolved_point->loc, "semantic error: this kernel has no such LSM hook");
		return false;
	}
	out->kind = ATTACH_KPROBE;
	out->kprobe.function = h->name;
	out->kprobe.lsm = true;
	out->kprobe.nslots = kfunc_slots(h->fields, h->nfields);
	return true;
}

const struct provider provider_lsm = {
	.name = "kernel.lsm",
	.kernel_context = true,
	.claims = lsm_claims,
	.expand = lsm_expand,
	.resolve_target = lsm_resolve_target,
	.describe_vars = lsm_describe_vars,
	.attach = lsm_attach,
};
