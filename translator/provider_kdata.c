/* kernel.data(ADDRESS | "SYMBOL")[.length(N)].write | .rw: a hardware
 * breakpoint on kernel data (stap's watchpoints), a perf breakpoint
 * event on every CPU; the probe runs after the instruction that wrote (or
 * read) the bytes. A symbol's address is found when the script runs
 * (/proc/kallsyms: the kernel's addresses move at each boot). No target
 * variables: the registers are the context. */
#include "provider.h"

#include <string.h>

#define PERF_TYPE_BREAKPOINT_ 5 /* perf_event ABI */
#define HW_BREAKPOINT_W_ 2
#define HW_BREAKPOINT_RW_ 3

static bool kd_claims(const struct probe_point *pp)
{
	const char *n0 = pp_comp_name(pp, 0), *n1 = pp_comp_name(pp, 1);
	return n0 && n1 && strcmp(n0, "kernel") == 0 && strcmp(n1, "data") == 0;
}

static const struct pp_component *comp(const struct probe_point *pp, int i)
{
	return VEC_AT(pp->comps, i, const struct pp_component *);
}

static bool kd_expand(struct session *s, const struct probe_point *pp, struct vec *out)
{
	const struct pp_component *d = comp(pp, 1);
	if (!d->arg || (d->arg->kind != E_STR && d->arg->kind != E_NUM) ||
	    (d->arg->kind == E_NUM && d->arg->num == 0) || (d->arg->kind == E_STR && !d->arg->str[0])) {
		diag_error(pp->loc, "semantic error: kernel.data takes an address or a kernel symbol's name in quotes");
		return false;
	}
	int i = 2;
	if (i < pp->comps.n && strcmp(pp_comp_name(pp, i), "length") == 0) {
		const struct pp_component *l = comp(pp, i);
		int64_t n = l->arg && l->arg->kind == E_NUM ? l->arg->num : 0;
		if (n != 1 && n != 2 && n != 4 && n != 8) {
			diag_error(l->arg ? l->arg->loc : pp->loc,
				   "semantic error: kernel.data(...).length takes 1, 2, 4 or 8 (bytes a breakpoint watches)");
			return false;
		}
		i++;
	}
	const char *mode = i < pp->comps.n ? pp_comp_name(pp, i) : NULL;
	if (!mode || i != pp->comps.n - 1 || (strcmp(mode, "write") != 0 && strcmp(mode, "rw") != 0)) {
		diag_error(pp->loc, "semantic error: kernel.data(...) ends with .write or .rw (after an optional "
			   ".length(N))");
		return false;
	}
	struct probe_point *c = arena_alloc(&s->arena, sizeof *c);
	*c = *pp;
	vec_push(&s->arena, out, c);
	return true;
}

static bool kd_attach(struct session *s, struct probe *p, struct attach *out)
{
	(void)s;
	const struct probe_point *pp = p->resolved_point;
	const struct pp_component *d = comp(pp, 1);
	out->kind = ATTACH_PERF_EVENT;
	out->perf.type = PERF_TYPE_BREAKPOINT_;
	out->perf.period = 1;
	out->perf.bp_len = 1;
	if (pp->comps.n == 4)
		out->perf.bp_len = (uint32_t)comp(pp, 2)->arg->num;
	out->perf.bp_type = strcmp(pp_comp_name(pp, pp->comps.n - 1), "rw") == 0 ? HW_BREAKPOINT_RW_ : HW_BREAKPOINT_W_;
	if (d->arg->kind == E_NUM)
		out->perf.bp_addr = (uint64_t)d->arg->num;
	else
		out->perf.bp_symbol = d->arg->str;
	return true;
}

const struct provider provider_kdata = {
	.name = "kernel.data",
	.kernel_context = true,
	.claims = kd_claims,
	.expand = kd_expand,
	.resolve_target = provider_no_targets,
	.describe_vars = NULL,
	.attach = kd_attach,
};
