/* begin / end / error (with an optional numeric priority: begin(-1)) and
 * never. They run in the runner, not in the kernel, and have no target
 * variables. */
#include "provider.h"

#include <string.h>

static const char *const basic_names[] = {"begin", "end", "error", NULL};

static const struct pp_component *comp0(const struct probe_point *pp)
{
	return VEC_AT(pp->comps, 0, struct pp_component *);
}

static bool matches_any(const char *pattern, const char *const *names)
{
	for (int i = 0; names[i]; i++)
		if (pp_glob_match(pattern, names[i]))
			return true;
	return false;
}

static bool basic_claims(const struct probe_point *pp)
{
	return pp->comps.n == 1 && comp0(pp)->name && matches_any(comp0(pp)->name, basic_names);
}

/* A literal priority: 5, -1 (a unary minus over a number) or absent. */
static bool priority_value(const struct expr *arg, int64_t *out)
{
	if (arg->kind == E_NUM) {
		*out = arg->num;
		return true;
	}
	if (arg->kind == E_UNARY && arg->op && arg->operand && arg->operand->kind == E_NUM &&
	    (strcmp(arg->op, "-") == 0 || strcmp(arg->op, "+") == 0)) {
		*out = arg->op[0] == '-' ? -arg->operand->num : arg->operand->num;
		return true;
	}
	return false;
}

static struct probe_point *simple_point(struct arena *a, const struct probe_point *pp,
					const char *name, struct expr *arg)
{
	struct probe_point *n = arena_alloc(a, sizeof(*n));
	struct pp_component *c = arena_alloc(a, sizeof(*c));
	c->name = name;
	c->arg = arg;
	c->loc = comp0(pp)->loc;
	vec_push(a, &n->comps, c);
	n->loc = pp->loc;
	n->optional = pp->optional;
	n->sufficient = pp->sufficient;
	return n;
}

static bool basic_expand(struct session *s, const struct probe_point *pp, struct vec *out)
{
	const struct pp_component *c = comp0(pp);
	struct expr *prio = NULL;
	if (c->arg) {
		int64_t v;
		if (!priority_value(c->arg, &v)) {
			diag_error(c->arg->loc, "semantic error: the priority of '%s' must be a number",
				   c->name);
			return false;
		}
		prio = expr_new(&s->arena, E_NUM, c->arg->loc);
		prio->num = v;
		prio->type = TY_LONG;
	}
	for (int i = 0; basic_names[i]; i++)
		if (pp_glob_match(c->name, basic_names[i]))
			vec_push(&s->arena, out, simple_point(&s->arena, pp, basic_names[i], prio));
	return true;
}

static bool basic_attach(struct session *s, struct probe *p, struct attach *out)
{
	const char *n0 = pp_comp_name(p->resolved_point, 0);
	out->kind = ATTACH_RUNNER;
	out->runner.event = !strcmp(n0, "begin") ? ATTACH_BEGIN : !strcmp(n0, "end") ? ATTACH_END : ATTACH_ERROR;
	out->runner.priority = pp_comp_num(p->resolved_point, 0);
	return true;
}

const struct provider provider_basic = {
	.name = "begin",
	.kernel_context = false,
	.claims = basic_claims,
	.expand = basic_expand,
	.resolve_target = provider_no_targets,
	.describe_vars = NULL,
	.attach = basic_attach,
};

/* `never`: a probe that never fires (its body is still checked). */
static bool never_claims(const struct probe_point *pp)
{
	return pp->comps.n == 1 && comp0(pp)->name && pp_glob_match(comp0(pp)->name, "never");
}

static bool never_expand(struct session *s, const struct probe_point *pp, struct vec *out)
{
	const struct pp_component *c = comp0(pp);
	if (c->arg) {
		diag_error(c->arg->loc, "semantic error: 'never' takes no argument");
		return false;
	}
	vec_push(&s->arena, out, simple_point(&s->arena, pp, "never", NULL));
	return true;
}

static bool never_attach(struct session *s, struct probe *p, struct attach *out)
{
	out->kind = ATTACH_NONE;
	return true;
}

const struct provider provider_never = {
	.name = "never",
	.kernel_context = false,
	.claims = never_claims,
	.expand = never_expand,
	.resolve_target = provider_no_targets,
	.describe_vars = NULL,
	.attach = never_attach,
};
