/* $return in LSM probes is the hook's verdict, not a value the kernel
 * gives: `$return = X` sets it (0 allows, a negative errno denies) and a
 * read gives what it is so far. Both become calls of the tapset's
 * __btap_lsm_verdict_set/__btap_lsm_verdict (tapset/lsm.stp) before the
 * body is resolved. Setting it changes what the kernel does, so it needs
 * guru mode (-g), as in stap. */
#include "elab_internal.h"

#include <string.h>

static bool is_verdict(const struct expr *e)
{
	return elab_is_bare_target(e, "return");
}

static enum ast_step rewrite_expr(struct expr *e, void *ctx)
{
	struct elab *x = ctx;
	if (e->kind == E_ASSIGN && is_verdict(e->left)) {
		if (strcmp(e->op, "=") != 0)
			elab_error(x, e->loc, "semantic error: an LSM hook's $return takes '=' only");
		else if (!x->s->guru)
			elab_error(x, e->loc, "semantic error: setting an LSM hook's verdict ($return) decides what "
					      "the kernel allows: it needs guru mode (-g)");
		elab_make_call(x, e, "__btap_lsm_verdict_set", e->right);
		return AST_DESCEND;
	}
	if ((e->kind == E_INCDEC && is_verdict(e->operand)) ||
	    (e->kind == E_UNARY && e->op && !strcmp(e->op, "&") && is_verdict(e->operand))) {
		elab_error(x, e->loc, "semantic error: an LSM hook's $return takes '=' only");
		return AST_PRUNE;
	}
	if (is_verdict(e))
		elab_make_call(x, e, "__btap_lsm_verdict", NULL);
	return AST_DESCEND;
}

void elab_lsm_rewrite(struct elab *x, struct probe *d)
{
	if (!d->provider || strcmp(d->provider->name, "kernel.lsm") != 0)
		return;
	struct ast_visitor v = {.expr_pre = rewrite_expr, .ctx = x};
	ast_walk_stmt(&v, d->body);
}
