/* A hook's verdict as a target variable: $return in LSM probes, $verdict
 * in netfilter probes. It is not a value the kernel gives but the
 * program's result: `$return = X` / `$verdict = X` sets it and a read
 * gives what it is so far. Both become calls of the tapset's functions
 * (tapset/lsm.stp, tapset/netfilter.stp, which check the value) before
 * the body is resolved. Setting it changes what the kernel does, so it
 * needs guru mode (-g), as in stap. */
#include "elab_internal.h"

#include <string.h>

struct verdict_kind {
	const char *provider; /* the family whose probes have it */
	const char *target;   /* its name, without '$' */
	const char *what;     /* for messages */
	const char *get, *set;
};

static const struct verdict_kind kinds[] = {
	{"kernel.lsm", "return", "an LSM hook's verdict ($return)", "__btap_lsm_verdict", "__btap_lsm_verdict_set"},
	{"netfilter", "verdict", "a netfilter hook's verdict ($verdict)", "__btap_nf_verdict",
	 "__btap_nf_verdict_set"},
};

struct rewrite {
	struct elab *x;
	const struct verdict_kind *k;
};

static enum ast_step rewrite_expr(struct expr *e, void *ctx)
{
	struct rewrite *r = ctx;
	struct elab *x = r->x;
	if (e->kind == E_ASSIGN && elab_is_bare_target(e->left, r->k->target)) {
		if (strcmp(e->op, "=") != 0)
			elab_error(x, e->loc, "semantic error: %s takes '=' only", r->k->what);
		else if (!x->s->guru)
			elab_error(x, e->loc, "semantic error: setting %s decides what the kernel allows: it needs "
					      "guru mode (-g)", r->k->what);
		elab_make_call(x, e, r->k->set, e->right);
		return AST_DESCEND;
	}
	if ((e->kind == E_INCDEC && elab_is_bare_target(e->operand, r->k->target)) ||
	    (e->kind == E_UNARY && e->op && !strcmp(e->op, "&") && elab_is_bare_target(e->operand, r->k->target))) {
		elab_error(x, e->loc, "semantic error: %s takes '=' only", r->k->what);
		return AST_PRUNE;
	}
	if (elab_is_bare_target(e, r->k->target))
		elab_make_call(x, e, r->k->get, NULL);
	return AST_DESCEND;
}

void elab_verdict_rewrite(struct elab *x, struct probe *d)
{
	for (size_t i = 0; d->provider && i < sizeof kinds / sizeof kinds[0]; i++) {
		if (strcmp(d->provider->name, kinds[i].provider) != 0)
			continue;
		struct rewrite r = {x, &kinds[i]};
		struct ast_visitor v = {.expr_pre = rewrite_expr, .ctx = &r};
		ast_walk_stmt(&v, d->body);
	}
}
