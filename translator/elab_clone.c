/* Deep copies of AST pieces, and rewriting one in place. Every derived
 * probe gets its own copy of the alias and user bodies: target variables,
 * @defined and locals resolve differently at each concrete point. */
#include "elab_internal.h"

#include <string.h>

static void clone_expr_vec(struct arena *a, struct vec *dst, const struct vec *src)
{
	struct vec out = {0};
	VEC_FOREACH(*src, i)
		vec_push(a, &out, elab_clone_expr(a, VEC_AT(*src, i, struct expr *)));
	*dst = out;
}

static void clone_components(struct arena *a, struct vec *dst, const struct vec *src)
{
	struct vec out = {0};
	VEC_FOREACH(*src, i) {
		const struct component *c = VEC_AT(*src, i, struct component *);
		struct component *n = arena_alloc(a, sizeof(*n));
		*n = *c;
		n->index = elab_clone_expr(a, c->index);
		vec_push(a, &out, n);
	}
	*dst = out;
}

struct expr *elab_clone_expr(struct arena *a, const struct expr *e)
{
	if (!e)
		return NULL;
	struct expr *n = arena_alloc(a, sizeof(*n));
	*n = *e;
	n->left = elab_clone_expr(a, e->left);
	n->right = elab_clone_expr(a, e->right);
	n->cond = elab_clone_expr(a, e->cond);
	n->operand = elab_clone_expr(a, e->operand);
	clone_expr_vec(a, &n->args, &e->args);
	clone_components(a, &n->components, &e->components);
	return n;
}

struct stmt *elab_clone_stmt(struct arena *a, const struct stmt *s)
{
	if (!s)
		return NULL;
	struct stmt *n = arena_alloc(a, sizeof(*n));
	*n = *s;
	struct vec stmts = {0};
	VEC_FOREACH(s->stmts, i)
		vec_push(a, &stmts, elab_clone_stmt(a, VEC_AT(s->stmts, i, struct stmt *)));
	n->stmts = stmts;
	n->expr = elab_clone_expr(a, s->expr);
	n->cond = elab_clone_expr(a, s->cond);
	n->then = elab_clone_stmt(a, s->then);
	n->els = elab_clone_stmt(a, s->els);
	n->body = elab_clone_stmt(a, s->body);
	n->init = elab_clone_expr(a, s->init);
	n->incr = elab_clone_expr(a, s->incr);
	clone_expr_vec(a, &n->fe_keys, &s->fe_keys);
	n->fe_value = elab_clone_expr(a, s->fe_value);
	n->fe_array = elab_clone_expr(a, s->fe_array);
	n->fe_limit = elab_clone_expr(a, s->fe_limit);
	n->catch_var = elab_clone_expr(a, s->catch_var);
	n->catch_body = elab_clone_stmt(a, s->catch_body);
	return n;
}

struct probe_point *elab_clone_point(struct arena *a, const struct probe_point *pp)
{
	struct probe_point *n = arena_alloc(a, sizeof(*n));
	*n = *pp;
	struct vec comps = {0};
	VEC_FOREACH(pp->comps, i) {
		const struct pp_component *c = VEC_AT(pp->comps, i, struct pp_component *);
		struct pp_component *nc = arena_alloc(a, sizeof(*nc));
		*nc = *c;
		nc->arg = elab_clone_expr(a, c->arg);
		vec_push(a, &comps, nc);
	}
	n->comps = comps;
	n->cond = elab_clone_expr(a, pp->cond);
	return n;
}

/* ---- rewriting in place --------------------------------------------------- */

bool elab_is_bare_target(const struct expr *e, const char *name)
{
	return e && e->kind == E_TARGET && e->str && strcmp(e->str, name) == 0 && e->components.n == 0 &&
	       !e->addressof;
}

void elab_make_call(struct elab *x, struct expr *e, const char *fn, struct expr *arg)
{
	struct loc at = e->loc;
	memset(e, 0, sizeof *e);
	e->kind = E_CALL;
	e->loc = at;
	e->str = fn;
	if (arg)
		vec_push(x->a, &e->args, arg);
}
