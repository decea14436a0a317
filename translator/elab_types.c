/* Type inference: long, string and statistics for every expression,
 * variable, array key and value, function parameter and return value.
 *
 * Every body is walked repeatedly, each walk pushing known types into the
 * unknown ones (both ways across assignments, comparisons, calls), until
 * nothing changes. A last walk then reports conflicts, and whatever is
 * still unknown is an error. Each function body is walked once per round,
 * not once per call, so recursion costs nothing. */
#include "elab_internal.h"
#include "runtime/format.h"

#include <stdlib.h>
#include <string.h>

#define MAX_ROUNDS 64

struct tctx {
	struct elab *x;
	struct funcdecl *func;   /* the function being walked, or NULL */
};

static enum type ty_expr(struct tctx *t, struct expr *e, enum type want);

static bool reporting(const struct tctx *t)
{
	return t->x->reporting;
}

static void changed(struct tctx *t)
{
	t->x->types_changed = true;
}

static void remember_origin(struct tctx *t, const void *what, struct loc at)
{
	struct type_origin *o = arena_alloc(t->x->a, sizeof(*o));
	o->what = what;
	o->loc = at;
	vec_push(t->x->a, &t->x->type_origins, o);
}

static const struct loc *origin_of(struct tctx *t, const void *what)
{
	VEC_FOREACH(t->x->type_origins, i) {
		struct type_origin *o = VEC_AT(t->x->type_origins, i, struct type_origin *);
		if (o->what == what)
			return &o->loc;
	}
	return NULL;
}

static void note_origin(struct tctx *t, const void *what, const char *name, enum type was)
{
	const struct loc *o = origin_of(t, what);
	if (o && o->file)
		elab_note(t->x, *o, "'%s' was first inferred as %s here", name, type_name(was));
}

/* Give slot (a variable, a key, a return) type ty if it has none; report
 * a conflict at `at` otherwise. */
static void unify_slot(struct tctx *t, enum type *slot, const void *what, const char *name,
		       enum type ty, struct loc at)
{
	if (ty == TY_UNKNOWN || ty == TY_VOID)
		return;
	if (*slot == TY_UNKNOWN) {
		*slot = ty;
		remember_origin(t, what, at);
		changed(t);
		return;
	}
	if (*slot != ty && reporting(t)) {
		elab_error(t->x, at, "semantic error: type mismatch for '%s': %s vs %s", name,
			   type_name(ty), type_name(*slot));
		note_origin(t, what, name, *slot);
	}
}

/* The expression's own type is `got`; the context wants `want`. */
static enum type settle(struct tctx *t, struct expr *e, enum type got, enum type want)
{
	if (got != TY_UNKNOWN && e->type != got) {
		if (e->type == TY_UNKNOWN)
			changed(t);
		e->type = got;
	}
	if (reporting(t) && got && want && got != want) {
		if (got == TY_VOID)
			elab_error(t->x, e->loc, "semantic error: type mismatch: expected %s but '%s' returns no value",
				   type_name(want), e->str ? e->str : "this call");
		else
			elab_error(t->x, e->loc, "semantic error: type mismatch: expected %s but found %s",
				   type_name(want), type_name(got));
	}
	return got;
}

/* A plain value (not statistics, not nothing) where one is read. */
static enum type ty_value(struct tctx *t, struct expr *e, enum type want)
{
	if (!e)
		return TY_UNKNOWN;
	enum type got = ty_expr(t, e, want);
	if (!want && reporting(t)) {
		if (got == TY_STATS)
			elab_error(t->x, e->loc,
				   "semantic error: type mismatch: statistics may only be read with @count, @sum, @min, @max, @avg, @variance or @hist_*");
		else if (got == TY_VOID && e->kind != E_HIST)
			elab_error(t->x, e->loc, "semantic error: '%s' returns no value", e->str ? e->str : "this call");
	}
	return got;
}

static void arity_of(struct tctx *t, struct vardecl *v, int n, struct loc at)
{
	if (!v)
		return;
	if (v->arity < 0) {
		v->arity = n;
		changed(t);
		return;
	}
	if (v->arity != n && reporting(t)) {
		if (n == 0 || v->arity == 0)
			elab_error(t->x, at, "semantic error: '%s' is used both as %s", v->name,
				   "a scalar and an array");
		else
			elab_error(t->x, at, "semantic error: inconsistent arity for '%s' (%d vs %d)", v->name, n,
				   v->arity);
		elab_note(t->x, v->loc, "'%s' is declared here", v->name);
	}
}

static enum type ty_var(struct tctx *t, struct expr *e, enum type want)
{
	struct vardecl *v = e->var;
	if (!v)
		return settle(t, e, TY_UNKNOWN, want);
	if (v->arity > 0 && reporting(t)) {
		elab_error(t->x, e->loc, "semantic error: array '%s' used without an index", v->name);
		return TY_UNKNOWN;
	}
	if (v->arity < 0 && v->has_size == false)
		arity_of(t, v, 0, e->loc);
	if (v->type == TY_UNKNOWN) {
		unify_slot(t, &v->type, v, v->name, want, e->loc);
	} else if (want && want != v->type && reporting(t)) {
		elab_error(t->x, e->loc, "semantic error: type mismatch for '%s': expected %s but it is %s",
			   v->name, type_name(want), type_name(v->type));
		note_origin(t, v, v->name, v->type);
		return v->type;
	}
	e->type = v->type;
	return v->type;
}

/* Keys of a[k1, ...] (also `in` and foreach slices): unify with the array's
 * key types. */
static void ty_keys(struct tctx *t, struct vardecl *v, struct vec *keys, struct loc at)
{
	if (!v)
		return;
	if (keys->n > MAX_ARRAY_KEYS) {
		if (reporting(t))
			elab_error(t->x, at, "semantic error: arrays may have at most %d keys", MAX_ARRAY_KEYS);
		return;
	}
	arity_of(t, v, keys->n, at);
	if (v->arity != keys->n)
		return;
	VEC_FOREACH(*keys, i) {
		struct expr *k = VEC_AT(*keys, i, struct expr *);
		if (!k || k->kind == E_STAR)
			continue;
		enum type kt = ty_value(t, k, v->key_types[i]);
		if (kt == TY_STATS)
			continue;
		if (v->key_types[i] == TY_UNKNOWN)
			unify_slot(t, &v->key_types[i], &v->key_types[i], v->name, kt, k->loc);
	}
}

static enum type ty_index(struct tctx *t, struct expr *e, enum type want)
{
	struct vardecl *v = e->var;
	struct expr *b = elab_index_base(e);
	if (b && b->kind == E_HIST) {
		ty_expr(t, b, TY_UNKNOWN);
		VEC_FOREACH(e->args, i)
			ty_value(t, VEC_AT(e->args, i, struct expr *), TY_LONG);
		return settle(t, e, TY_LONG, want);
	}
	if (b && b->kind == E_INDEX)
		ty_index(t, b, TY_UNKNOWN);
	if (!v)
		return TY_UNKNOWN;
	if (!(b && b->kind == E_INDEX))
		ty_keys(t, v, &e->args, e->loc);
	if (v->type == TY_UNKNOWN)
		unify_slot(t, &v->type, v, v->name, want, e->loc);
	return settle(t, e, v->type, want);
}

/* ---- printf-family format strings ----------------------------------- */

/* Expected argument types of a format, or -1 (error reported at at). The
 * runtime's own format parser decides, so pass 2 and the printing agree. */
static int format_types(struct tctx *t, const char *fmt, struct loc at, enum type *out, int max)
{
	int nspecs = rt_format_parse(fmt, NULL, 0);
	if (nspecs < 0) {
		if (reporting(t))
			elab_error(t->x, at, "semantic error: %s in format string", rt_format_check(fmt, NULL));
		return -1;
	}
	struct rt_fmt_spec *specs = xcalloc((size_t)nspecs + 1, sizeof(*specs));
	rt_format_parse(fmt, specs, nspecs);
	int kinds[64];
	int cap = max < 64 ? max : 64;
	int n = rt_format_arg_kinds(specs, nspecs, kinds, cap);
	for (int i = 0; i < n && i < cap; i++)
		out[i] = kinds[i] == RT_ARG_STR ? TY_STRING : TY_LONG;
	free(specs);
	return n;
}

#define MAX_FORMAT_ARGS 64

static void ty_printf(struct tctx *t, struct expr *e)
{
	struct expr *fmt = e->args.n ? VEC_AT(e->args, 0, struct expr *) : NULL;
	if (!fmt || fmt->kind != E_STR) {
		if (reporting(t))
			elab_error(t->x, fmt ? fmt->loc : e->loc,
				   "semantic error: the format of %s must be a literal string", e->str);
		for (int i = 0; i < e->args.n; i++)
			ty_value(t, VEC_AT(e->args, i, struct expr *), TY_UNKNOWN);
		return;
	}
	fmt->type = TY_STRING;
	enum type want[MAX_FORMAT_ARGS];
	int n = format_types(t, fmt->str ? fmt->str : "", fmt->loc, want, MAX_FORMAT_ARGS);
	int given = e->args.n - 1;
	if (n >= 0 && n != given && reporting(t))
		elab_error(t->x, e->loc, "semantic error: the format of %s takes %d argument%s but %d %s given",
			   e->str, n, n == 1 ? "" : "s", given, given == 1 ? "is" : "are");
	for (int i = 0; i < given; i++) {
		struct expr *a = VEC_AT(e->args, i + 1, struct expr *);
		enum type w = (n >= 0 && i < n && i < MAX_FORMAT_ARGS) ? want[i] : TY_UNKNOWN;
		ty_value(t, a, w);
	}
}

static void ty_print_args(struct tctx *t, struct expr *e, int first)
{
	for (int i = first; i < e->args.n; i++) {
		struct expr *a = VEC_AT(e->args, i, struct expr *);
		if (a && a->kind == E_HIST) {
			ty_expr(t, a, TY_UNKNOWN);
			continue;
		}
		ty_value(t, a, TY_UNKNOWN);
	}
}

static enum type ty_builtin(struct tctx *t, struct expr *e, enum type want)
{
	const char *n = e->str;
	bool is_s = n[0] == 's';
	const char *base = is_s ? n + 1 : n;
	if (strcmp(base, "printf") == 0) {
		ty_printf(t, e);
	} else if (strcmp(base, "printd") == 0 || strcmp(base, "printdln") == 0) {
		struct expr *d = e->args.n ? VEC_AT(e->args, 0, struct expr *) : NULL;
		if ((!d || d->kind != E_STR) && reporting(t))
			elab_error(t->x, d ? d->loc : e->loc,
				   "semantic error: the delimiter of %s must be a literal string", n);
		if (d)
			ty_value(t, d, TY_STRING);
		ty_print_args(t, e, 1);
	} else {
		ty_print_args(t, e, 0);
	}
	/* As in stap, the printing forms yield a long (0): `return printf(..)`
	 * is a value, which is how `return` followed by a printf on the next
	 * line parses. */
	return settle(t, e, is_s ? TY_STRING : TY_LONG, want);
}

static enum type ty_call(struct tctx *t, struct expr *e, enum type want)
{
	if (elab_is_print_builtin(e->str))
		return ty_builtin(t, e, want);
	struct funcdecl *f = e->func;
	/* kernel_string(v) where v holds a string already (v = a char array
	 * member, as stap scripts take its address): v itself */
	struct expr *a0 = e->args.n == 1 ? VEC_AT(e->args, 0, struct expr *) : NULL;
	if (a0 && a0->kind == E_VAR && a0->var && a0->var->type == TY_STRING && elab_is_string_reader(e->str)) {
		struct loc at = e->loc;
		*e = *a0;
		e->loc = at;
		return ty_var(t, e, want);
	}
	if (!f) {
		VEC_FOREACH(e->args, i)
			ty_value(t, VEC_AT(e->args, i, struct expr *), TY_UNKNOWN);
		return TY_UNKNOWN;
	}
	VEC_FOREACH(e->args, i) {
		struct expr *a = VEC_AT(e->args, i, struct expr *);
		struct vardecl *p = i < f->params.n ? VEC_AT(f->params, i, struct vardecl *) : NULL;
		enum type at = ty_value(t, a, p ? p->type : TY_UNKNOWN);
		if (p && p->type == TY_UNKNOWN && at != TY_STATS)
			unify_slot(t, &p->type, p, p->name, at, a->loc);
	}
	if (f->ret == TY_UNKNOWN)
		unify_slot(t, &f->ret, f, f->name, want, e->loc);
	/* as stap: a function that returns no value, used as one, takes the
	 * type its use wants and returns 0 or "" (count && exit()) */
	if (f->ret == TY_VOID && f->ret_decl == TY_UNKNOWN && (want == TY_LONG || want == TY_STRING)) {
		f->ret = want;
		changed(t);
	}
	return settle(t, e, f->ret, want);
}

static bool op_is(const struct expr *e, const char *op)
{
	return e->op && strcmp(e->op, op) == 0;
}

/* Two operands that must agree: each side's type flows to the other. */
static enum type ty_pair(struct tctx *t, struct expr *l, struct expr *r, enum type want)
{
	enum type lt = ty_value(t, l, want);
	if (lt == TY_VOID)
		lt = TY_UNKNOWN; /* a call that may yet take the other side's type */
	enum type rt = ty_value(t, r, lt ? lt : want);
	if (!lt && rt && !reporting(t))
		lt = ty_value(t, l, rt);
	return lt ? lt : rt;
}

static enum type ty_assign(struct tctx *t, struct expr *e, enum type want)
{
	if (op_is(e, "=")) {
		enum type lt = e->left ? ty_expr(t, e->left, TY_UNKNOWN) : TY_UNKNOWN;
		if (lt == TY_STATS && reporting(t)) {
			elab_error(t->x, e->loc, "semantic error: statistics may only be added to with '<<<'");
			return TY_STATS;
		}
		struct vardecl *v = e->left && e->left->kind == E_VAR ? e->left->var : NULL;
		if (reporting(t) && v && lt && e->right) {
			/* Name the variable: "type mismatch for 'x'". */
			enum type rt = ty_expr(t, e->right, TY_UNKNOWN);
			if (rt && rt != lt && rt != TY_VOID)
				unify_slot(t, &v->type, v, v->name, rt, e->right->loc);
			else
				ty_value(t, e->right, lt);
			return settle(t, e, lt, want);
		}
		enum type rt = ty_value(t, e->right, lt);
		if (!lt && rt && e->left)
			lt = ty_expr(t, e->left, rt);
		return settle(t, e, lt ? lt : rt, want);
	}
	enum type ty = op_is(e, ".=") ? TY_STRING : TY_LONG;
	if (e->left)
		ty_value(t, e->left, ty);
	ty_value(t, e->right, ty);
	return settle(t, e, ty, want);
}

static enum type ty_expr(struct tctx *t, struct expr *e, enum type want)
{
	if (!e)
		return TY_UNKNOWN;
	switch (e->kind) {
	case E_NUM:
		return settle(t, e, TY_LONG, want);
	case E_STR:
		return settle(t, e, TY_STRING, want);
	case E_STAR:
		return TY_UNKNOWN;
	case E_VAR:
		return ty_var(t, e, want);
	case E_TARGET:
	case E_TARGET_VARS:
	case E_CAST:
	case E_ATVAR:
		VEC_FOREACH(e->components, i) {
			struct component *c = VEC_AT(e->components, i, struct component *);
			if (c->index)
				ty_value(t, c->index, TY_LONG);
		}
		if (e->operand)
			ty_value(t, e->operand, TY_UNKNOWN);
		return settle(t, e, e->type, want);
	case E_DEFINED:
		return settle(t, e, TY_LONG, want);
	case E_ENTRY:
		return settle(t, e, ty_value(t, e->operand, want), want);
	case E_UNARY:
	case E_INCDEC:
		ty_value(t, e->operand, TY_LONG);
		return settle(t, e, TY_LONG, want);
	case E_BINARY:
	case E_LOGICAL:
		ty_value(t, e->left, TY_LONG);
		ty_value(t, e->right, TY_LONG);
		return settle(t, e, TY_LONG, want);
	case E_COMPARE:
		if (op_is(e, "=~") || op_is(e, "!~")) {
			ty_value(t, e->left, TY_STRING);
			ty_value(t, e->right, TY_STRING);
		} else {
			ty_pair(t, e->left, e->right, TY_UNKNOWN);
		}
		return settle(t, e, TY_LONG, want);
	case E_CONCAT:
		ty_value(t, e->left, TY_STRING);
		ty_value(t, e->right, TY_STRING);
		return settle(t, e, TY_STRING, want);
	case E_TERNARY:
		ty_value(t, e->cond, TY_LONG);
		return settle(t, e, ty_pair(t, e->left, e->right, want), want);
	case E_ASSIGN:
		return ty_assign(t, e, want);
	case E_STATS_ADD: {
		struct expr *l = e->left;
		if (l && l->kind == E_VAR && l->var) {
			arity_of(t, l->var, 0, l->loc);
			ty_var(t, l, TY_STATS);
		} else if (l && l->kind == E_INDEX) {
			ty_index(t, l, TY_STATS);
		}
		ty_value(t, e->right, TY_LONG);
		return settle(t, e, TY_LONG, want);
	}
	case E_INDEX:
		return ty_index(t, e, want);
	case E_IN: {
		struct expr *b = elab_index_base(e);
		if (b && b->kind == E_INDEX)
			ty_index(t, b, TY_UNKNOWN);
		else
			ty_keys(t, e->var, &e->args, e->loc);
		return settle(t, e, TY_LONG, want);
	}
	case E_CALL:
		return ty_call(t, e, want);
	case E_STAT_OP:
		ty_expr(t, e->operand, TY_STATS);
		return settle(t, e, TY_LONG, want);
	case E_HIST:
		ty_expr(t, e->operand, TY_STATS);
		VEC_FOREACH(e->args, i)
			ty_value(t, VEC_AT(e->args, i, struct expr *), TY_LONG);
		return settle(t, e, TY_VOID, want);
	case E_EMBEDDED:
		return settle(t, e, e->str && strstr(e->str, "/* string */") ? TY_STRING : TY_LONG, want);
	}
	return TY_UNKNOWN;
}

/* ---- statements ----------------------------------------------------- */

static void ty_stmt(struct tctx *t, struct stmt *s);

/* Buckets of a histogram: the key is the bucket number, the value its
 * count, both long. */
static void ty_hist_foreach(struct tctx *t, struct stmt *s)
{
	ty_expr(t, s->fe_array, TY_UNKNOWN);
	VEC_FOREACH(s->fe_keys, i)
		ty_value(t, VEC_AT(s->fe_keys, i, struct expr *), TY_LONG);
	if (s->fe_value)
		ty_value(t, s->fe_value, TY_LONG);
}

static void ty_foreach(struct tctx *t, struct stmt *s)
{
	struct expr *arr = s->fe_array;
	struct vardecl *v = arr ? arr->var : NULL;
	if (arr && arr->kind == E_HIST)
		ty_hist_foreach(t, s);
	else if (arr && arr->kind == E_INDEX)
		ty_index(t, arr, TY_UNKNOWN);
	if (v) {
		arity_of(t, v, s->fe_keys.n, s->loc);
		if (v->arity == s->fe_keys.n)
			VEC_FOREACH(s->fe_keys, i) {
				struct expr *k = VEC_AT(s->fe_keys, i, struct expr *);
				enum type kt = ty_expr(t, k, v->key_types[i]);
				if (v->key_types[i] == TY_UNKNOWN)
					unify_slot(t, &v->key_types[i], &v->key_types[i], v->name, kt, k->loc);
			}
		if (s->fe_value) {
			if (v->type == TY_STATS && reporting(t))
				elab_error(t->x, s->fe_value->loc,
					   "semantic error: the value of a statistics array cannot be assigned to a variable");
			else if (v->type != TY_STATS) {
				enum type vt = ty_expr(t, s->fe_value, v->type);
				if (v->type == TY_UNKNOWN)
					unify_slot(t, &v->type, v, v->name, vt, s->fe_value->loc);
			}
		}
	}
	if (s->fe_limit)
		ty_value(t, s->fe_limit, TY_LONG);
	ty_stmt(t, s->body);
}

static void ty_stmt(struct tctx *t, struct stmt *s)
{
	if (!s)
		return;
	switch (s->kind) {
	case S_BLOCK:
		VEC_FOREACH(s->stmts, i)
			ty_stmt(t, VEC_AT(s->stmts, i, struct stmt *));
		break;
	case S_EXPR:
		/* A statement's value is dropped: a call without one is fine. */
		ty_expr(t, s->expr, TY_UNKNOWN);
		break;
	case S_IF:
		ty_value(t, s->cond, TY_LONG);
		ty_stmt(t, s->then);
		ty_stmt(t, s->els);
		break;
	case S_WHILE:
	case S_FOR:
		if (s->init)
			ty_expr(t, s->init, TY_UNKNOWN);
		if (s->cond)
			ty_value(t, s->cond, TY_LONG);
		if (s->incr)
			ty_expr(t, s->incr, TY_UNKNOWN);
		ty_stmt(t, s->body);
		break;
	case S_FOREACH:
		ty_foreach(t, s);
		break;
	case S_RETURN:
		if (s->expr && t->func) {
			struct funcdecl *f = t->func;
			enum type rt = ty_value(t, s->expr, f->ret == TY_VOID ? TY_UNKNOWN : f->ret);
			if (f->ret == TY_UNKNOWN)
				unify_slot(t, &f->ret, f, f->name, rt, s->expr->loc);
		}
		break;
	case S_DELETE:
		if (s->expr && s->expr->kind == E_INDEX)
			ty_index(t, s->expr, TY_UNKNOWN);
		break;
	case S_TRY:
		ty_stmt(t, s->body);
		if (s->catch_var)
			ty_expr(t, s->catch_var, TY_STRING);
		ty_stmt(t, s->catch_body);
		break;
	case S_BREAK:
	case S_CONTINUE:
	case S_NEXT:
	case S_EMBEDDED:
	case S_NULL:
		break;
	}
}

static void walk_all(struct elab *x, struct vec *probes, struct vec *funcs)
{
	struct tctx t = {.x = x};
	VEC_FOREACH(*probes, i) {
		struct probe *d = VEC_AT(*probes, i, struct probe *);
		if (d->resolved_point && d->resolved_point->cond)
			ty_value(&t, d->resolved_point->cond, TY_LONG);
		ty_stmt(&t, d->body);
	}
	VEC_FOREACH(*funcs, i) {
		struct funcdecl *f = VEC_AT(*funcs, i, struct funcdecl *);
		t.func = f;
		ty_stmt(&t, f->body);
	}
}

/* ---- what stays unknown --------------------------------------------- */

static void check_var_resolved(struct elab *x, struct vardecl *v)
{
	/* Also a global only ever used whole (delete g): nothing gives it a type. */
	if (v->type == TY_UNKNOWN)
		elab_error(x, v->loc, "semantic error: unresolved type for %s '%s'",
			   v->is_global ? "global" : v->is_param ? "parameter" : "variable", v->name);
	for (int k = 0; k < v->arity && k < MAX_ARRAY_KEYS; k++)
		if (v->key_types[k] == TY_UNKNOWN)
			elab_error(x, v->loc, "semantic error: unresolved type for key %d of array '%s'", k + 1,
				   v->name);
}

static void check_stats_locals(struct elab *x, struct vec *locals)
{
	VEC_FOREACH(*locals, i) {
		struct vardecl *v = VEC_AT(*locals, i, struct vardecl *);
		if (v->type == TY_STATS)
			elab_error(x, v->loc, "semantic error: statistics variable '%s' must be a global", v->name);
		else
			check_var_resolved(x, v);
	}
}

static void check_unresolved(struct elab *x, struct vec *probes, struct vec *funcs)
{
	VEC_FOREACH(*probes, i)
		check_stats_locals(x, &VEC_AT(*probes, i, struct probe *)->locals);
	VEC_FOREACH(*funcs, i) {
		struct funcdecl *f = VEC_AT(*funcs, i, struct funcdecl *);
		check_stats_locals(x, &f->params);
		check_stats_locals(x, &f->locals);
		if (f->ret == TY_UNKNOWN)
			elab_error(x, f->loc, "semantic error: unresolved return type of function '%s'", f->name);
		if (f->ret == TY_STATS)
			elab_error(x, f->loc, "semantic error: function '%s' may not return statistics", f->name);
	}
	struct session *s = x->s;
	for (int fi = -1; fi < s->tapset_files.n; fi++) {
		struct stapfile *file = fi < 0 ? s->user_file : VEC_AT(s->tapset_files, fi, struct stapfile *);
		if (!file)
			continue;
		VEC_FOREACH(file->globals, j) {
			struct vardecl *v = VEC_AT(file->globals, j, struct vardecl *);
			if (v->used)
				check_var_resolved(x, v);
		}
	}
}

void elab_infer_types(struct elab *x, struct vec *probes, struct vec *funcs)
{
	/* Declared parameter and return types are known from the start. */
	VEC_FOREACH(*funcs, i) {
		struct funcdecl *f = VEC_AT(*funcs, i, struct funcdecl *);
		if (f->ret_decl && !f->ret)
			f->ret = f->ret_decl;
	}
	x->reporting = false;
	for (int round = 0; round < MAX_ROUNDS; round++) {
		x->types_changed = false;
		walk_all(x, probes, funcs);
		if (!x->types_changed)
			break;
	}
	int before = x->nerrors;
	x->reporting = true;
	walk_all(x, probes, funcs);
	x->reporting = false;
	if (x->nerrors == before)
		check_unresolved(x, probes, funcs);
}
