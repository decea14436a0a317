/* A probe alias's prologue sets its locals (name, argstr, ...) before the
 * script's body runs, and a typical body opens with a guard:
 *
 *     probe syscall.openat { if (pid() == target()) printf("%s\n", argstr) }
 *     probe syscall.read { if (execname() != "dd") next; ... }
 *
 * Formatting argstr costs ~600 ns per event; a guard that rejects most
 * events makes nearly all of that waste. Where the prologue changes
 * nothing but locals (elab_pure_stmt) and the guard is pure and reads none
 * of the prologue's variables, the prologue moves past the guard: into
 * the `if`'s branch, or after an `if (...) next`. What the script can see
 * is unchanged, except that a run-time error inside a prologue (a kernel
 * read fault, say) is no longer raised for an event the guard rejects.
 * Only tapset code moves: a script's own statements stay where written. */
#include "elab_internal.h"

struct mentions {
	struct vec vars; /* struct vardecl*: the locals the prologue names */
	struct arena *a;
	bool hit;        /* when testing: one of them was named */
};

static enum ast_step collect_at(struct expr *e, void *ctx)
{
	struct mentions *m = ctx;
	if (e->var && !e->var->is_global) {
		VEC_FOREACH(m->vars, i)
			if (m->vars.v[i] == e->var)
				return AST_DESCEND;
		vec_push(m->a, &m->vars, e->var);
	}
	return AST_DESCEND;
}

static enum ast_step test_at(struct expr *e, void *ctx)
{
	struct mentions *m = ctx;
	VEC_FOREACH(m->vars, i)
		if (e->var && m->vars.v[i] == e->var) {
			m->hit = true;
			return AST_STOP;
		}
	return AST_DESCEND;
}

static bool names_any_expr(struct mentions *m, struct expr *e)
{
	m->hit = false;
	ast_walk_expr(&(struct ast_visitor){.expr_pre = test_at, .ctx = m}, e);
	return m->hit;
}

static bool names_any_stmt(struct mentions *m, struct stmt *s)
{
	m->hit = false;
	ast_walk_stmt(&(struct ast_visitor){.expr_pre = test_at, .ctx = m}, s);
	return m->hit;
}

/* A guard the prologue may follow: pure, and blind to the prologue. */
static bool guard_ok(struct elab *x, struct mentions *m, struct expr *cond)
{
	return cond && elab_side_effect_free(x, cond) && !names_any_expr(m, cond);
}

static bool is_next(const struct stmt *s)
{
	while (s && s->kind == S_BLOCK && s->stmts.n == 1)
		s = s->stmts.v[0];
	return s && s->kind == S_NEXT;
}

/* Put p at index at of block's statements (the vector grows by one). */
static void insert_at(struct elab *x, struct stmt *block, int at, struct stmt *p)
{
	vec_push(x->a, &block->stmts, p);
	for (int k = (int)block->stmts.n - 1; k > at; k--)
		block->stmts.v[k] = block->stmts.v[k - 1];
	block->stmts.v[at] = p;
}

static void remove_at(struct stmt *block, int at)
{
	for (int k = at; k + 1 < (int)block->stmts.n; k++)
		block->stmts.v[k] = block->stmts.v[k + 1];
	block->stmts.n--;
}

/* Move prologue p (statement i of block) past the guard that opens the
 * statement after it; true when it moved. */
static bool sink_one(struct elab *x, struct stmt *block, int i)
{
	struct stmt *p = block->stmts.v[i];
	if (!p->loc.file || !p->loc.file->is_tapset || !elab_pure_stmt(x, p))
		return false;
	struct mentions m = {.a = x->a};
	ast_walk_stmt(&(struct ast_visitor){.expr_pre = collect_at, .ctx = &m}, p);

	/* the first statement to run after p, the block holding it, and
	 * whether it is all that runs after p */
	struct stmt *holder = block, *first = block->stmts.v[i + 1];
	int at = i + 1;
	bool only = i + 2 == (int)block->stmts.n;
	while (first->kind == S_BLOCK && first->stmts.n > 0) {
		only = only && first->stmts.n == 1;
		holder = first;
		at = 0;
		first = first->stmts.v[0];
	}
	if (first->kind != S_IF || !guard_ok(x, &m, first->cond))
		return false;
	if (is_next(first->then) && !first->els) {
		/* if (C) next; ...: p runs right after the guard */
		insert_at(x, holder, at + 1, p);
	} else if (only && (!first->els || !names_any_stmt(&m, first->els))) {
		/* if (C) S [else E], and nothing else: p runs first in S */
		first->then = elab_block_of(x, first->then->loc, p, first->then);
	} else {
		return false;
	}
	remove_at(block, i);
	return true;
}

static enum ast_step sink_after(struct stmt *s, void *ctx)
{
	struct elab *x = ctx;
	if (s->kind != S_BLOCK)
		return AST_DESCEND;
	for (int i = (int)s->stmts.n - 2; i >= 0; i--)
		sink_one(x, s, i);
	return AST_DESCEND;
}

void elab_sink_prologues(struct elab *x, struct probe *d)
{
	ast_walk_stmt(&(struct ast_visitor){.stmt_post = sink_after, .ctx = x}, d->body);
}
