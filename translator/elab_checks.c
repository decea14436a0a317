/* Rules checked once symbols and types are known.
 *
 * No element of an array may be changed (assigned, incremented, deleted,
 * added to with <<<) inside a foreach over that array, nor by a function
 * called there, as in stap: the walk would see a changing set of keys.
 * Reading the array, and deleting it whole, stay allowed. A function
 * counts when its own body changes the array (calls it makes are not
 * followed, as in stap). A foreach over a histogram iterates its
 * statistic. */
#include "elab_internal.h"

struct iter_check {
	struct elab *x;
	struct vec loops; /* struct stmt*: the enclosing foreach statements */
};

static void check_stmt(struct iter_check *c, struct stmt *s);
static void check_expr(struct iter_check *c, struct expr *e);

/* The variable an E_VAR / E_INDEX (also a slice) names. */
static struct vardecl *named_var(const struct expr *e)
{
	if (!e)
		return NULL;
	if (e->var)
		return e->var;
	struct expr *b = e->kind == E_INDEX ? elab_index_base(e) : NULL;
	return b ? named_var(b) : NULL;
}

/* What a foreach walks: the array, or the statistic of a histogram. */
static struct vardecl *iterated_var(const struct stmt *fe)
{
	const struct expr *arr = fe->fe_array;
	if (arr && arr->kind == E_HIST)
		return named_var(arr->operand);
	return named_var(arr);
}

/* The foreach walking v, innermost first, or NULL. */
static struct stmt *loop_over(struct iter_check *c, const struct vardecl *v)
{
	for (int i = c->loops.n - 1; v && i >= 0; i--) {
		struct stmt *fe = VEC_AT(c->loops, i, struct stmt *);
		if (iterated_var(fe) == v)
			return fe;
	}
	return NULL;
}

static void note_loop(struct iter_check *c, const struct stmt *fe, const struct vardecl *v)
{
	elab_note(c->x, fe->loc, "the foreach over '%s' is here", v->name);
}

/* An element of an array is written: a[k] = .., a[k]++, delete a[k], a[k] <<< v. */
static void element_written(struct iter_check *c, const struct expr *target)
{
	if (!target || target->kind != E_INDEX)
		return;
	struct vardecl *v = named_var(target);
	struct stmt *fe = loop_over(c, v);
	if (!fe)
		return;
	const struct expr *b = elab_index_base(target);
	elab_error(c->x, b ? b->loc : target->loc,
		   "semantic error: variable '%s' modified during 'foreach' iteration", v->name);
	note_loop(c, fe, v);
}

/* ---- what a function's own body changes ----------------------------- */

static bool target_is(const struct expr *target, const struct vardecl *v, bool whole_ok)
{
	if (!target)
		return false;
	if (target->kind == E_INDEX || (whole_ok && target->kind == E_VAR))
		return named_var(target) == v;
	return false;
}

struct change_search {
	const struct vardecl *v;
	bool found;
};

static enum ast_step expr_changes(struct expr *e, void *ctx)
{
	struct change_search *cs = ctx;
	cs->found = (e->kind == E_ASSIGN && target_is(e->left, cs->v, false)) ||
	            (e->kind == E_INCDEC && target_is(e->operand, cs->v, false)) ||
	            (e->kind == E_STATS_ADD && target_is(e->left, cs->v, true));
	return cs->found ? AST_STOP : AST_DESCEND;
}

static enum ast_step stmt_changes(struct stmt *s, void *ctx)
{
	struct change_search *cs = ctx;
	cs->found = s->kind == S_DELETE && target_is(s->expr, cs->v, false);
	return cs->found ? AST_STOP : AST_DESCEND;
}

/* Does the body change an element of v (or add to v, a statistic)? */
static bool body_changes(struct stmt *body, const struct vardecl *v)
{
	struct change_search cs = {.v = v};
	ast_walk_stmt(&(struct ast_visitor){.stmt_pre = stmt_changes, .expr_pre = expr_changes, .ctx = &cs}, body);
	return cs.found;
}

static void call_made(struct iter_check *c, const struct expr *call)
{
	const struct funcdecl *f = call->func;
	if (!f || !f->body)
		return;
	VEC_FOREACH(c->loops, i) {
		struct stmt *fe = VEC_AT(c->loops, i, struct stmt *);
		struct vardecl *v = iterated_var(fe);
		if (v && body_changes(f->body, v)) {
			elab_error(c->x, call->loc,
				   "semantic error: function call modifies var '%s' during 'foreach' iteration", v->name);
			note_loop(c, fe, v);
		}
	}
}

/* ---- the walk ------------------------------------------------------- */

static enum ast_step check_expr_at(struct expr *e, void *ctx)
{
	struct iter_check *c = ctx;
	if (c->loops.n) {
		if (e->kind == E_ASSIGN || e->kind == E_STATS_ADD)
			element_written(c, e->left);
		else if (e->kind == E_INCDEC)
			element_written(c, e->operand);
		else if (e->kind == E_CALL)
			call_made(c, e);
	}
	return AST_DESCEND;
}

static enum ast_step check_stmt_at(struct stmt *s, void *ctx)
{
	struct iter_check *c = ctx;
	switch (s->kind) {
	case S_FOREACH:
		/* the array and the limit are outside the loop, the body inside */
		check_expr(c, s->fe_array);
		check_expr(c, s->fe_limit);
		vec_push(c->x->a, &c->loops, s);
		check_stmt(c, s->body);
		c->loops.n--;
		return AST_PRUNE;
	case S_FOR:
		/* errors are reported for the condition, init and increment
		 * before the body */
		check_expr(c, s->cond);
		check_expr(c, s->init);
		check_expr(c, s->incr);
		check_stmt(c, s->body);
		return AST_PRUNE;
	case S_DELETE:
		if (c->loops.n)
			element_written(c, s->expr);
		return AST_DESCEND;
	default:
		return AST_DESCEND;
	}
}

static void check_stmt(struct iter_check *c, struct stmt *s)
{
	ast_walk_stmt(&(struct ast_visitor){.stmt_pre = check_stmt_at, .expr_pre = check_expr_at, .ctx = c}, s);
}

static void check_expr(struct iter_check *c, struct expr *e)
{
	ast_walk_expr(&(struct ast_visitor){.expr_pre = check_expr_at, .ctx = c}, e);
}

void elab_check_foreach_writes(struct elab *x, struct vec *probes, struct vec *funcs)
{
	struct iter_check c = {.x = x};
	VEC_FOREACH(*probes, i)
		check_stmt(&c, VEC_AT(*probes, i, struct probe *)->body);
	VEC_FOREACH(*funcs, i)
		check_stmt(&c, VEC_AT(*funcs, i, struct funcdecl *)->body);
}
