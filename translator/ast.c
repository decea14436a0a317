/* AST helpers every pass shares: type names, node constructors, and the
 * default walk over a body (ast_walk_stmt / ast_walk_expr). */
#include "ast.h"

const char *type_name(enum type t)
{
	switch (t) {
	case TY_LONG: return "long";
	case TY_STRING: return "string";
	case TY_STATS: return "stats";
	case TY_VOID: return "void";
	case TY_UNKNOWN: break;
	}
	return "unknown";
}

struct expr *expr_new(struct arena *a, enum expr_kind k, struct loc loc)
{
	struct expr *e = arena_alloc(a, sizeof(*e));
	e->kind = k;
	e->loc = loc;
	return e;
}

struct stmt *stmt_new(struct arena *a, enum stmt_kind k, struct loc loc)
{
	struct stmt *s = arena_alloc(a, sizeof(*s));
	s->kind = k;
	s->loc = loc;
	return s;
}

bool ast_walk_expr(const struct ast_visitor *v, struct expr *e)
{
	if (!e || (!v->expr_pre && !v->expr_post))
		return true;
	enum ast_step step = v->expr_pre ? v->expr_pre(e, v->ctx) : AST_DESCEND;
	if (step == AST_STOP)
		return false;
	if (step == AST_DESCEND) {
		if (!ast_walk_expr(v, e->left) || !ast_walk_expr(v, e->right) || !ast_walk_expr(v, e->cond) ||
		    !ast_walk_expr(v, e->operand))
			return false;
		VEC_FOREACH(e->args, i)
			if (!ast_walk_expr(v, VEC_AT(e->args, i, struct expr *)))
				return false;
		VEC_FOREACH(e->components, i)
			if (!ast_walk_expr(v, VEC_AT(e->components, i, struct component *)->index))
				return false;
	}
	return !v->expr_post || v->expr_post(e, v->ctx) != AST_STOP;
}

static bool walk_exprs(const struct ast_visitor *v, struct vec *exprs)
{
	VEC_FOREACH(*exprs, i)
		if (!ast_walk_expr(v, VEC_AT(*exprs, i, struct expr *)))
			return false;
	return true;
}

static bool walk_children(const struct ast_visitor *v, struct stmt *s)
{
	VEC_FOREACH(s->stmts, i)
		if (!ast_walk_stmt(v, VEC_AT(s->stmts, i, struct stmt *)))
			return false;
	return ast_walk_expr(v, s->expr) && ast_walk_expr(v, s->cond) && ast_walk_stmt(v, s->then) &&
	       ast_walk_stmt(v, s->els) && ast_walk_stmt(v, s->body) && ast_walk_expr(v, s->init) &&
	       ast_walk_expr(v, s->incr) && walk_exprs(v, &s->fe_keys) && ast_walk_expr(v, s->fe_value) &&
	       ast_walk_expr(v, s->fe_array) && ast_walk_expr(v, s->fe_limit) && ast_walk_expr(v, s->catch_var) &&
	       ast_walk_stmt(v, s->catch_body);
}

bool ast_walk_stmt(const struct ast_visitor *v, struct stmt *s)
{
	if (!s)
		return true;
	enum ast_step step = v->stmt_pre ? v->stmt_pre(s, v->ctx) : AST_DESCEND;
	if (step == AST_STOP)
		return false;
	if (step == AST_DESCEND && !walk_children(v, s))
		return false;
	return !v->stmt_post || v->stmt_post(s, v->ctx) != AST_STOP;
}
