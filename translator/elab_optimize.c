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

static void scan_expr(struct readers *r, const struct expr *e);

static void scan_vec(struct readers *r, const struct vec *v)
{
	VEC_FOREACH(*v, i)
		scan_expr(r, VEC_AT(*v, i, struct expr *));
}

static void scan_expr(struct readers *r, const struct expr *e)
{
	if (!e)
		return;
	if (e->var)
		note_read(r, e->var);
	scan_expr(r, e->left);
	scan_expr(r, e->right);
	scan_expr(r, e->cond);
	scan_expr(r, e->operand);
	scan_vec(r, &e->args);
	VEC_FOREACH(e->components, i)
		scan_expr(r, VEC_AT(e->components, i, struct component *)->index);
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

static void scan_stmt(struct readers *r, const struct stmt *s)
{
	if (!s)
		return;
	struct expr *store = r->count_stores ? NULL : dead_store_candidate(s);
	if (store) {
		scan_expr(r, store->right);
		return;
	}
	VEC_FOREACH(s->stmts, i)
		scan_stmt(r, VEC_AT(s->stmts, i, struct stmt *));
	scan_expr(r, s->expr);
	scan_expr(r, s->cond);
	scan_stmt(r, s->then);
	scan_stmt(r, s->els);
	scan_stmt(r, s->body);
	scan_expr(r, s->init);
	scan_expr(r, s->incr);
	scan_vec(r, &s->fe_keys);
	scan_expr(r, s->fe_value);
	scan_expr(r, s->fe_array);
	scan_expr(r, s->fe_limit);
	scan_expr(r, s->catch_var);
	scan_stmt(r, s->catch_body);
}

/* ---- purity: may a call be dropped when its value is unused? -------- */

static bool side_effect_free(struct elab *x, const struct expr *e, int depth);

static bool pure_stmt(struct elab *x, const struct stmt *s, int depth)
{
	if (!s)
		return true;
	switch (s->kind) {
	case S_EMBEDDED:
	case S_NEXT:
		return false;
	case S_DELETE:
		if (s->expr && s->expr->var && s->expr->var->is_global)
			return false;
		break;
	default:
		break;
	}
	VEC_FOREACH(s->stmts, i)
		if (!pure_stmt(x, VEC_AT(s->stmts, i, struct stmt *), depth))
			return false;
	if (!side_effect_free(x, s->expr, depth) || !side_effect_free(x, s->cond, depth) ||
	    !side_effect_free(x, s->init, depth) || !side_effect_free(x, s->incr, depth) ||
	    !side_effect_free(x, s->fe_limit, depth))
		return false;
	return pure_stmt(x, s->then, depth) && pure_stmt(x, s->els, depth) &&
	       pure_stmt(x, s->body, depth) && pure_stmt(x, s->catch_body, depth);
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
	return pure_stmt(x, f->body, depth + 1);
}

static bool writes_global(const struct expr *target)
{
	if (!target)
		return false;
	if (target->var && target->var->is_global)
		return true;
	return target->kind != E_VAR && target->kind != E_INDEX;
}

static bool side_effect_free(struct elab *x, const struct expr *e, int depth)
{
	if (!e)
		return true;
	switch (e->kind) {
	case E_ASSIGN:
		if (writes_global(e->left))
			return false;
		break;
	case E_INCDEC:
		if (writes_global(e->operand))
			return false;
		break;
	case E_STATS_ADD:
	case E_EMBEDDED:
		return false;
	case E_CALL:
		if (elab_is_print_builtin(e->str)) {
			if (e->str[0] != 's')
				return false;
		} else if (!e->func || !pure_function(x, e->func, depth)) {
			return false;
		}
		break;
	default:
		break;
	}
	VEC_FOREACH(e->args, i)
		if (!side_effect_free(x, VEC_AT(e->args, i, struct expr *), depth))
			return false;
	VEC_FOREACH(e->components, i)
		if (!side_effect_free(x, VEC_AT(e->components, i, struct component *)->index, depth))
			return false;
	return side_effect_free(x, e->left, depth) && side_effect_free(x, e->right, depth) &&
	       side_effect_free(x, e->cond, depth) && side_effect_free(x, e->operand, depth);
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

static bool elide_in(struct elab *x, struct stmt *s, const struct readers *r)
{
	if (!s)
		return false;
	struct expr *store = dead_store_candidate(s);
	if (store) {
		struct vardecl *v = store->left->var;
		if (was_read(r, v))
			return false;
		if (v->loc.file && !v->loc.file->is_tapset && store->loc.file && !store->loc.file->is_tapset)
			elab_warning(x, store->loc, "eliding assignment to unused variable '%s'", v->name);
		if (side_effect_free(x, store->right, 0)) {
			struct loc at = s->loc;
			memset(s, 0, sizeof(*s));
			s->kind = S_NULL;
			s->loc = at;
		} else {
			s->expr = store->right;
		}
		return true;
	}
	bool changed = false;
	VEC_FOREACH(s->stmts, i)
		changed |= elide_in(x, VEC_AT(s->stmts, i, struct stmt *), r);
	if (s->kind == S_BLOCK)
		compact_block(s);
	changed |= elide_in(x, s->then, r);
	changed |= elide_in(x, s->els, r);
	changed |= elide_in(x, s->body, r);
	changed |= elide_in(x, s->catch_body, r);
	if (s->kind == S_IF && is_empty(s->then) && is_empty(s->els) && side_effect_free(x, s->cond, 0)) {
		struct loc at = s->loc;
		memset(s, 0, sizeof(*s));
		s->kind = S_NULL;
		s->loc = at;
		changed = true;
	}
	return changed;
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

static void mark_stmt(struct marker *m, const struct stmt *s);

static void mark_expr(struct marker *m, const struct expr *e)
{
	if (!e)
		return;
	if (e->var && e->var->is_global)
		e->var->used = true;
	if (e->func && !e->func->used) {
		e->func->used = true;
		vec_push(m->x->a, &m->x->used_funcs, e->func);
		vec_push(m->x->a, &m->pending, e->func);
	}
	mark_expr(m, e->left);
	mark_expr(m, e->right);
	mark_expr(m, e->cond);
	mark_expr(m, e->operand);
	VEC_FOREACH(e->args, i)
		mark_expr(m, VEC_AT(e->args, i, struct expr *));
	VEC_FOREACH(e->components, i)
		mark_expr(m, VEC_AT(e->components, i, struct component *)->index);
}

static void mark_stmt(struct marker *m, const struct stmt *s)
{
	if (!s)
		return;
	VEC_FOREACH(s->stmts, i)
		mark_stmt(m, VEC_AT(s->stmts, i, struct stmt *));
	mark_expr(m, s->expr);
	mark_expr(m, s->cond);
	mark_stmt(m, s->then);
	mark_stmt(m, s->els);
	mark_stmt(m, s->body);
	mark_expr(m, s->init);
	mark_expr(m, s->incr);
	VEC_FOREACH(s->fe_keys, i)
		mark_expr(m, VEC_AT(s->fe_keys, i, struct expr *));
	mark_expr(m, s->fe_value);
	mark_expr(m, s->fe_array);
	mark_expr(m, s->fe_limit);
	mark_expr(m, s->catch_var);
	mark_stmt(m, s->catch_body);
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
