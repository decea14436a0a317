/* Dead locals: an assignment `x = expr` to a probe local that nothing
 * reads is dropped (or reduced to `expr` when that has side effects), as
 * stap does. Probe aliases set many locals that a given script never
 * reads (name, argstr, ...); eliding them keeps the emitted programs small
 * and their types out of the way. The user is warned about their own. */
#include "elab_internal.h"

#include <string.h>

#define MAX_ELIDE_ROUNDS 16

struct readers {
	struct vec seen; /* struct vardecl* read (or referenced otherwise) */
	struct arena *a;
	bool count_stores; /* also count `x = ...` as a mention of x */
};

static void note_read(struct readers *r, struct vardecl *v)
{
	if (!v)
		return;
	VEC_FOREACH(r->seen, i)
		if (r->seen.v[i] == v)
			return;
	vec_push(r->a, &r->seen, v);
}

static bool was_read(const struct readers *r, const struct vardecl *v)
{
	VEC_FOREACH(r->seen, i)
		if (r->seen.v[i] == v)
			return true;
	return false;
}

static enum ast_step scan_expr_at(struct expr *e, void *ctx)
{
	if (e->var)
		note_read(ctx, e->var);
	return AST_DESCEND;
}

static void scan_expr(struct readers *r, struct expr *e)
{
	ast_walk_expr(&(struct ast_visitor){.expr_pre = scan_expr_at, .ctx = r}, e);
}

/* `x = rhs` as a whole statement, x a local: the only use that is not a read. */
static struct expr *dead_store_candidate(const struct stmt *s)
{
	if (s->kind != S_EXPR || !s->expr || s->expr->kind != E_ASSIGN)
		return NULL;
	const struct expr *e = s->expr;
	if (!e->op || strcmp(e->op, "=") != 0 || !e->left || e->left->kind != E_VAR)
		return NULL;
	const struct vardecl *v = e->left->var;
	if (!v || v->is_global || v->is_param)
		return NULL;
	return s->expr;
}

static enum ast_step scan_stmt_at(struct stmt *s, void *ctx)
{
	struct readers *r = ctx;
	struct expr *store = r->count_stores ? NULL : dead_store_candidate(s);
	if (!store)
		return AST_DESCEND;
	scan_expr(r, store->right);
	return AST_PRUNE;
}

static void scan_stmt(struct readers *r, struct stmt *s)
{
	ast_walk_stmt(&(struct ast_visitor){.stmt_pre = scan_stmt_at, .expr_pre = scan_expr_at, .ctx = r}, s);
}

/* ---- purity: may a call be dropped when its value is unused? -------- */

struct purity {
	struct elab *x;
	int depth; /* of calls followed so far */
	bool pure;
};

static bool pure_function(struct elab *x, const struct funcdecl *f, int depth);

static enum ast_step impure(struct purity *p)
{
	p->pure = false;
	return AST_STOP;
}

static enum ast_step pure_stmt_at(struct stmt *s, void *ctx)
{
	switch (s->kind) {
	case S_EMBEDDED:
	case S_NEXT:
		return impure(ctx);
	case S_DELETE:
		if (s->expr && s->expr->var && s->expr->var->is_global)
			return impure(ctx);
		return AST_DESCEND;
	default:
		return AST_DESCEND;
	}
}

static bool writes_global(const struct expr *target)
{
	if (!target)
		return false;
	if (target->var && target->var->is_global)
		return true;
	return target->kind != E_VAR && target->kind != E_INDEX;
}

static enum ast_step pure_expr_at(struct expr *e, void *ctx)
{
	struct purity *p = ctx;
	switch (e->kind) {
	case E_ASSIGN:
		return writes_global(e->left) ? impure(p) : AST_DESCEND;
	case E_INCDEC:
		return writes_global(e->operand) ? impure(p) : AST_DESCEND;
	case E_STATS_ADD:
	case E_EMBEDDED:
		return impure(p);
	case E_CALL:
		if (elab_is_print_builtin(e->str))
			return e->str[0] != 's' ? impure(p) : AST_DESCEND;
		return !e->func || !pure_function(p->x, e->func, p->depth) ? impure(p) : AST_DESCEND;
	default:
		return AST_DESCEND;
	}
}

static bool side_effect_free(struct elab *x, struct expr *e, int depth)
{
	struct purity p = {x, depth, true};
	ast_walk_expr(&(struct ast_visitor){.expr_pre = pure_expr_at, .ctx = &p}, e);
	return p.pure;
}

/* A function is pure when its embedded body says so, or when its script
 * body changes no global and calls only pure functions. Deep or recursive
 * call chains count as impure. */
static bool pure_function(struct elab *x, const struct funcdecl *f, int depth)
{
	if (f->embedded)
		return strstr(f->embedded, "/* pure */") != NULL;
	if (depth > 8)
		return false;
	struct purity p = {x, depth + 1, true};
	ast_walk_stmt(&(struct ast_visitor){.stmt_pre = pure_stmt_at, .expr_pre = pure_expr_at, .ctx = &p}, f->body);
	return p.pure;
}

bool elab_side_effect_free(struct elab *x, struct expr *e)
{
	return side_effect_free(x, e, 0);
}

bool elab_pure_stmt(struct elab *x, struct stmt *s)
{
	struct purity p = {x, 0, true};
	ast_walk_stmt(&(struct ast_visitor){.stmt_pre = pure_stmt_at, .expr_pre = pure_expr_at, .ctx = &p}, s);
	return p.pure;
}

/* Drop the empty statements elision leaves in blocks. */
static void compact_block(struct stmt *s)
{
	int n = 0;
	VEC_FOREACH(s->stmts, i) {
		struct stmt *c = VEC_AT(s->stmts, i, struct stmt *);
		if (c && c->kind != S_NULL)
			s->stmts.v[n++] = c;
	}
	s->stmts.n = n;
}

static bool is_empty(const struct stmt *s)
{
	return !s || s->kind == S_NULL || (s->kind == S_BLOCK && s->stmts.n == 0);
}

static void make_null(struct stmt *s)
{
	struct loc at = s->loc;
	memset(s, 0, sizeof(*s));
	s->kind = S_NULL;
	s->loc = at;
}

struct elision {
	struct elab *x;
	const struct readers *r;
	bool changed;
};

static enum ast_step elide_at(struct stmt *s, void *ctx)
{
	struct elision *el = ctx;
	struct expr *store = dead_store_candidate(s);
	if (!store)
		return AST_DESCEND;
	struct vardecl *v = store->left->var;
	if (was_read(el->r, v))
		return AST_PRUNE;
	/* the user's own stores only: not the library's, nor btap's (@entry's
	 * saving, named __btap_*), nor those of a variable the script does
	 * read where the read folded away (@defined(x->member)) */
	if (v->loc.file && !v->loc.file->is_tapset && store->loc.file && !store->loc.file->is_tapset &&
	    strncmp(v->name, "__btap_", 7) != 0 && !v->read)
		elab_warning(el->x, store->loc, "eliding assignment to unused variable '%s'", v->name);
	if (side_effect_free(el->x, store->right, 0))
		make_null(s);
	else
		s->expr = store->right;
	el->changed = true;
	return AST_PRUNE;
}

/* After the statements inside: drop what elision emptied. */
static enum ast_step elide_after(struct stmt *s, void *ctx)
{
	struct elision *el = ctx;
	if (s->kind == S_BLOCK)
		compact_block(s);
	if (s->kind == S_IF && is_empty(s->then) && is_empty(s->els) && side_effect_free(el->x, s->cond, 0)) {
		make_null(s);
		el->changed = true;
	}
	return AST_DESCEND;
}

static bool elide_in(struct elab *x, struct stmt *s, const struct readers *r)
{
	struct elision el = {x, r, false};
	ast_walk_stmt(&(struct ast_visitor){.stmt_pre = elide_at, .stmt_post = elide_after, .ctx = &el}, s);
	return el.changed;
}

void elab_elide_unread_locals(struct elab *x, struct probe *d)
{
	struct readers r = {.a = x->a};
	for (int round = 0; round < MAX_ELIDE_ROUNDS; round++) {
		r.seen.n = 0;
		if (d->resolved_point)
			scan_expr(&r, d->resolved_point->cond);
		scan_stmt(&r, d->body);
		if (!elide_in(x, d->body, &r))
			break;
	}
	/* Keep the locals still mentioned anywhere, stores included. */
	struct readers refs = {.a = x->a, .count_stores = true};
	scan_stmt(&refs, d->body);
	struct vec kept = {0};
	VEC_FOREACH(d->locals, i) {
		struct vardecl *v = VEC_AT(d->locals, i, struct vardecl *);
		if (was_read(&refs, v))
			vec_push(x->a, &kept, v);
	}
	d->locals = kept;
}

/* ---- what is still used after elision ------------------------------- */

struct marker {
	struct elab *x;
	struct vec pending; /* struct funcdecl* whose bodies are to be walked */
};

static enum ast_step mark_expr_at(struct expr *e, void *ctx)
{
	struct marker *m = ctx;
	if (e->var && e->var->is_global)
		e->var->used = true;
	if (e->func && !e->func->used) {
		e->func->used = true;
		vec_push(m->x->a, &m->x->used_funcs, e->func);
		vec_push(m->x->a, &m->pending, e->func);
	}
	return AST_DESCEND;
}

static void mark_expr(struct marker *m, struct expr *e)
{
	ast_walk_expr(&(struct ast_visitor){.expr_pre = mark_expr_at, .ctx = m}, e);
}

static void mark_stmt(struct marker *m, struct stmt *s)
{
	ast_walk_stmt(&(struct ast_visitor){.expr_pre = mark_expr_at, .ctx = m}, s);
}

void elab_mark_used(struct elab *x, struct vec *derived)
{
	VEC_FOREACH(x->files, i) {
		struct stapfile *f = VEC_AT(x->files, i, struct stapfile *);
		VEC_FOREACH(f->functions, j)
			VEC_AT(f->functions, j, struct funcdecl *)->used = false;
		VEC_FOREACH(f->globals, j)
			VEC_AT(f->globals, j, struct vardecl *)->used = false;
	}
	x->used_funcs.n = 0;
	struct marker m = {.x = x};
	VEC_FOREACH(*derived, i) {
		struct probe *d = VEC_AT(*derived, i, struct probe *);
		if (d->resolved_point)
			mark_expr(&m, d->resolved_point->cond);
		mark_stmt(&m, d->body);
	}
	for (int i = 0; i < m.pending.n; i++)
		mark_stmt(&m, VEC_AT(m.pending, i, struct funcdecl *)->body);
}
