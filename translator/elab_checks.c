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

static bool stmt_changes(const struct stmt *s, const struct vardecl *v);

static bool target_is(const struct expr *target, const struct vardecl *v, bool whole_ok)
{
	if (!target)
		return false;
	if (target->kind == E_INDEX || (whole_ok && target->kind == E_VAR))
		return named_var(target) == v;
	return false;
}

static bool expr_changes(const struct expr *e, const struct vardecl *v)
{
	if (!e)
		return false;
	if ((e->kind == E_ASSIGN && target_is(e->left, v, false)) ||
	    (e->kind == E_INCDEC && target_is(e->operand, v, false)) ||
	    (e->kind == E_STATS_ADD && target_is(e->left, v, true)))
		return true;
	if (expr_changes(e->left, v) || expr_changes(e->right, v) || expr_changes(e->cond, v) ||
	    expr_changes(e->operand, v))
		return true;
	VEC_FOREACH(e->args, i)
		if (expr_changes(VEC_AT(e->args, i, struct expr *), v))
			return true;
	VEC_FOREACH(e->components, i)
		if (expr_changes(VEC_AT(e->components, i, struct component *)->index, v))
			return true;
	return false;
}

static bool stmt_changes(const struct stmt *s, const struct vardecl *v)
{
	if (!s)
		return false;
	if (s->kind == S_DELETE && target_is(s->expr, v, false))
		return true;
	VEC_FOREACH(s->stmts, i)
		if (stmt_changes(VEC_AT(s->stmts, i, struct stmt *), v))
			return true;
	return expr_changes(s->expr, v) || expr_changes(s->cond, v) || expr_changes(s->init, v) ||
	       expr_changes(s->incr, v) || expr_changes(s->fe_limit, v) || stmt_changes(s->then, v) ||
	       stmt_changes(s->els, v) || stmt_changes(s->body, v) || stmt_changes(s->catch_body, v);
}

static void call_made(struct iter_check *c, const struct expr *call)
{
	const struct funcdecl *f = call->func;
	if (!f || !f->body)
		return;
	VEC_FOREACH(c->loops, i) {
		struct stmt *fe = VEC_AT(c->loops, i, struct stmt *);
		struct vardecl *v = iterated_var(fe);
		if (v && stmt_changes(f->body, v)) {
			elab_error(c->x, call->loc,
				   "semantic error: function call modifies var '%s' during 'foreach' iteration", v->name);
			note_loop(c, fe, v);
		}
	}
}

/* ---- the walk ------------------------------------------------------- */

static void check_exprs(struct iter_check *c, struct vec *v)
{
	VEC_FOREACH(*v, i)
		check_expr(c, VEC_AT(*v, i, struct expr *));
}

static void check_expr(struct iter_check *c, struct expr *e)
{
	if (!e)
		return;
	if (c->loops.n) {
		if (e->kind == E_ASSIGN || e->kind == E_STATS_ADD)
			element_written(c, e->left);
		else if (e->kind == E_INCDEC)
			element_written(c, e->operand);
		else if (e->kind == E_CALL)
			call_made(c, e);
	}
	check_expr(c, e->left);
	check_expr(c, e->right);
	check_expr(c, e->cond);
	check_expr(c, e->operand);
	check_exprs(c, &e->args);
	VEC_FOREACH(e->components, i)
		check_expr(c, VEC_AT(e->components, i, struct component *)->index);
}

static void check_foreach(struct iter_check *c, struct stmt *s)
{
	check_expr(c, s->fe_array);
	check_expr(c, s->fe_limit);
	vec_push(c->x->a, &c->loops, s);
	check_stmt(c, s->body);
	c->loops.n--;
}

static void check_stmt(struct iter_check *c, struct stmt *s)
{
	if (!s)
		return;
	if (s->kind == S_FOREACH) {
		check_foreach(c, s);
		return;
	}
	if (s->kind == S_DELETE && c->loops.n)
		element_written(c, s->expr);
	VEC_FOREACH(s->stmts, i)
		check_stmt(c, VEC_AT(s->stmts, i, struct stmt *));
	check_expr(c, s->expr);
	check_expr(c, s->cond);
	check_expr(c, s->init);
	check_expr(c, s->incr);
	check_stmt(c, s->then);
	check_stmt(c, s->els);
	check_stmt(c, s->body);
	check_expr(c, s->catch_var);
	check_stmt(c, s->catch_body);
}

void elab_check_foreach_writes(struct elab *x, struct vec *probes, struct vec *funcs)
{
	struct iter_check c = {.x = x};
	VEC_FOREACH(*probes, i)
		check_stmt(&c, VEC_AT(*probes, i, struct probe *)->body);
	VEC_FOREACH(*funcs, i)
		check_stmt(&c, VEC_AT(*funcs, i, struct funcdecl *)->body);
}
