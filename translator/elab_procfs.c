/* $value in procfs probes. The runner keeps a read probe's answer and a
 * write probe's input as text of any length (a Prometheus dump of a large
 * array does not fit a string), so `$value = X`, `$value .= X` and a read
 * of `$value` become calls of the tapset's __btap_procfs_set/_append/_get
 * (tapset/procfs.stp) before the body is resolved. */
#include "elab_internal.h"

#include <string.h>

static bool is_value(const struct expr *e)
{
	return elab_is_bare_target(e, "value");
}

struct rewrite {
	struct elab *x;
	bool write;
};

static enum ast_step rewrite_expr(struct expr *e, void *ctx)
{
	struct rewrite *r = ctx;
	if (e->kind == E_ASSIGN && is_value(e->left)) {
		bool set = strcmp(e->op, "=") == 0, append = strcmp(e->op, ".=") == 0;
		if (r->write) {
			elab_error(r->x, e->loc, "semantic error: $value of a procfs write probe is what was written: "
						 "it cannot be assigned");
			elab_make_call(r->x, e, "__btap_procfs_set", e->right); /* said once */
			return AST_DESCEND;
		}
		if (!set && !append) {
			elab_error(r->x, e->loc, "semantic error: $value takes '=' and '.=' only");
			elab_make_call(r->x, e, "__btap_procfs_set", e->right);
			return AST_DESCEND;
		}
		elab_make_call(r->x, e, set ? "__btap_procfs_set" : "__btap_procfs_append", e->right);
		return AST_DESCEND;
	}
	if ((e->kind == E_INCDEC && is_value(e->operand)) ||
	    (e->kind == E_UNARY && e->op && !strcmp(e->op, "&") && is_value(e->operand))) {
		elab_error(r->x, e->loc, "semantic error: $value is a string");
		return AST_PRUNE;
	}
	if (is_value(e))
		elab_make_call(r->x, e, "__btap_procfs_get", NULL);
	return AST_DESCEND;
}

void elab_procfs_rewrite(struct elab *x, struct probe *d)
{
	if (!d->provider || strcmp(d->provider->name, "procfs") != 0 || !d->resolved_point)
		return;
	struct rewrite r = {x, strcmp(pp_comp_name(d->resolved_point, 1), "write") == 0};
	struct ast_visitor v = {.expr_pre = rewrite_expr, .ctx = &r};
	ast_walk_stmt(&v, d->body);
}
