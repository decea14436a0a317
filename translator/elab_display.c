/* A global of the script that is written but whose value is never used
 * is printed when the script ends, as stap does: each gets a synthesized
 * `end` probe, ordinary AST located at the global's declaration, so that
 * every backend runs it like any other probe.
 *
 *   scalar          name=%d             (a string: name="%#s"; a global
 *                                        given a pointer-typed target
 *                                        value: name=%#x)
 *   array           foreach (__val = [__idx0, ..] in name-)
 *                       name[%#d,"%#s"]=%d (or =%#x, as for scalars)
 *   statistics      name @count=%#d @min=%#d @max=%#d @sum=%#d @avg=%#d
 *                   (an empty scalar one: name @count=0x0)
 *
 * Whether a global's value is used is decided on the program as it stands
 * after dead stores are gone: `x++`, `x += 1` and `delete x` as whole
 * statements do not use x's value; reading it anywhere else does. Globals
 * of the tapset are never printed. */
#include "elab_internal.h"

#include <string.h>

struct var_use {
	struct elab *x;
	struct vec read;    /* struct vardecl* whose value is used */
	struct vec written; /* struct vardecl* given a value */
};

static bool listed(const struct vec *v, const struct vardecl *d)
{
	VEC_FOREACH(*v, i)
		if (v->v[i] == d)
			return true;
	return false;
}

static void add_to(struct var_use *u, struct vec *v, struct vardecl *d)
{
	if (d && d->is_global && !listed(v, d))
		vec_push(u->x->a, v, d);
}

static void use_expr(struct var_use *u, struct expr *e, bool value_used);

static void use_args(struct var_use *u, struct vec *args)
{
	VEC_FOREACH(*args, i)
		use_expr(u, VEC_AT(*args, i, struct expr *), true);
}

/* The target of an assignment: written; read too when a read-modify-write
 * (x++, x += 1) hands its value on. */
static void use_target(struct var_use *u, struct expr *t, bool rmw, bool value_used)
{
	if (!t)
		return;
	if (t->kind != E_VAR && t->kind != E_INDEX) {
		use_expr(u, t, true);
		return;
	}
	struct expr *b = t->kind == E_INDEX ? elab_index_base(t) : NULL;
	if (b && b->kind != E_VAR) {
		use_expr(u, t, true);
		return;
	}
	add_to(u, &u->written, t->var);
	if (rmw && value_used)
		add_to(u, &u->read, t->var);
	if (t->kind == E_INDEX)
		use_args(u, &t->args);
}

/* Writes: their targets are not read (unless value_used says the written
 * value is); true when e was one. */
static bool use_write(struct var_use *u, struct expr *e, bool value_used)
{
	switch (e->kind) {
	case E_ASSIGN:
		use_expr(u, e->right, true);
		use_target(u, e->left, !e->op || strcmp(e->op, "=") != 0, value_used);
		/* as stap: a global given a pointer is shown in hex */
		if (e->right && e->right->is_pointer && (!e->op || strcmp(e->op, "=") == 0) &&
		    e->left && e->left->var && e->left->var->is_global)
			e->left->var->holds_pointer = true;
		return true;
	case E_INCDEC:
		use_target(u, e->operand, true, value_used);
		return true;
	case E_STATS_ADD:
		use_expr(u, e->right, true);
		use_target(u, e->left, false, false);
		return true;
	default:
		return false;
	}
}

static enum ast_step use_expr_at(struct expr *e, void *ctx)
{
	struct var_use *u = ctx;
	if (use_write(u, e, true))
		return AST_PRUNE;
	if (e->kind == E_VAR || e->kind == E_INDEX || e->kind == E_IN)
		add_to(u, &u->read, e->var);
	return AST_DESCEND;
}

static void use_stmt(struct var_use *u, struct stmt *s);

static enum ast_step use_stmt_at(struct stmt *s, void *ctx)
{
	struct var_use *u = ctx;
	switch (s->kind) {
	case S_DELETE:
		if (!s->expr)
			return AST_DESCEND;
		/* As in stap: deleting counts as using the value too. */
		add_to(u, &u->read, s->expr->var);
		add_to(u, &u->written, s->expr->var);
		use_args(u, &s->expr->args);
		return AST_PRUNE;
	case S_EXPR:
		/* a whole statement's value is not used: x++; */
		use_expr(u, s->expr, false);
		return AST_PRUNE;
	case S_FOR:
		use_expr(u, s->init, false);
		use_expr(u, s->cond, true);
		use_expr(u, s->incr, false);
		use_stmt(u, s->body);
		return AST_PRUNE;
	case S_FOREACH:
		/* the key and value variables are set, not used */
		use_expr(u, s->fe_array, true);
		use_expr(u, s->fe_limit, true);
		use_stmt(u, s->body);
		return AST_PRUNE;
	case S_TRY:
		/* so is the catch variable */
		use_stmt(u, s->body);
		use_stmt(u, s->catch_body);
		return AST_PRUNE;
	default:
		return AST_DESCEND;
	}
}

static void use_expr(struct var_use *u, struct expr *e, bool value_used)
{
	if (!e || (!value_used && use_write(u, e, false)))
		return;
	ast_walk_expr(&(struct ast_visitor){.expr_pre = use_expr_at, .ctx = u}, e);
}

static void use_stmt(struct var_use *u, struct stmt *s)
{
	ast_walk_stmt(&(struct ast_visitor){.stmt_pre = use_stmt_at, .expr_pre = use_expr_at, .ctx = u}, s);
}

static void collect_uses(struct var_use *u, struct vec *probes)
{
	VEC_FOREACH(*probes, i) {
		struct probe *d = VEC_AT(*probes, i, struct probe *);
		if (d->resolved_point)
			use_expr(u, d->resolved_point->cond, true);
		use_stmt(u, d->body);
	}
	VEC_FOREACH(u->x->used_funcs, i)
		use_stmt(u, VEC_AT(u->x->used_funcs, i, struct funcdecl *)->body);
}

/* ---- building the end probe ----------------------------------------- */

struct builder {
	struct arena *a;
	struct loc at;
};

static struct expr *mk_var(struct builder *b, const char *name)
{
	struct expr *e = expr_new(b->a, E_VAR, b->at);
	e->str = name;
	return e;
}

/* str is the literal's raw text, escapes as written. */
static struct expr *mk_str(struct builder *b, const char *raw)
{
	struct expr *e = expr_new(b->a, E_STR, b->at);
	e->str = raw;
	return e;
}

static struct expr *mk_num(struct builder *b, int64_t n)
{
	struct expr *e = expr_new(b->a, E_NUM, b->at);
	e->num = n;
	return e;
}

static const char *idx_name(struct builder *b, int i)
{
	return arena_printf(b->a, "__idx%d", i);
}

/* name, or name[__idx0, ..] for an array. */
static struct expr *mk_element(struct builder *b, const struct vardecl *v)
{
	if (v->arity <= 0)
		return mk_var(b, v->name);
	struct expr *e = expr_new(b->a, E_INDEX, b->at);
	e->operand = mk_var(b, v->name);
	for (int i = 0; i < v->arity; i++)
		vec_push(b->a, &e->args, mk_var(b, idx_name(b, i)));
	return e;
}

static struct expr *mk_stat(struct builder *b, const char *op, const struct vardecl *v)
{
	struct expr *e = expr_new(b->a, E_STAT_OP, b->at);
	e->op = op;
	e->operand = mk_element(b, v);
	return e;
}

static struct stmt *mk_printf(struct builder *b, const char *fmt, struct vec *args)
{
	struct expr *call = expr_new(b->a, E_CALL, b->at);
	call->str = "printf";
	vec_push(b->a, &call->args, mk_str(b, fmt));
	if (args)
		VEC_FOREACH(*args, i)
			vec_push(b->a, &call->args, args->v[i]);
	struct stmt *s = stmt_new(b->a, S_EXPR, b->at);
	s->expr = call;
	return s;
}

static const char *const stat_ops[] = {"count", "min", "max", "sum", "avg", NULL};

/* The format: name, [keys], then the value part. */
static const char *display_format(struct builder *b, const struct vardecl *v)
{
	struct strbuf f;
	sb_init(&f);
	sb_puts(&f, v->name);
	if (v->arity > 0) {
		sb_putc(&f, '[');
		for (int i = 0; i < v->arity; i++)
			sb_puts(&f, v->key_types[i] == TY_STRING ? (i ? ",\\\"%#s\\\"" : "\\\"%#s\\\"")
								  : (i ? ",%#d" : "%#d"));
		sb_putc(&f, ']');
	}
	if (v->type == TY_STATS)
		for (int i = 0; stat_ops[i]; i++)
			sb_printf(&f, " @%s=%%#d", stat_ops[i]);
	else if (v->type == TY_STRING)
		sb_puts(&f, "=\\\"%#s\\\"");
	else
		sb_puts(&f, v->holds_pointer ? "=%#x" : "=%d");
	sb_puts(&f, "\\n");
	const char *s = arena_strdup(b->a, f.s);
	sb_free(&f);
	return s;
}

static struct stmt *display_printf(struct builder *b, const struct vardecl *v, bool via_value)
{
	struct vec args = {0};
	for (int i = 0; i < v->arity; i++)
		vec_push(b->a, &args, mk_var(b, idx_name(b, i)));
	if (v->type == TY_STATS)
		for (int i = 0; stat_ops[i]; i++)
			vec_push(b->a, &args, mk_stat(b, stat_ops[i], v));
	else
		vec_push(b->a, &args, via_value ? mk_var(b, "__val") : mk_element(b, v));
	return mk_printf(b, display_format(b, v), &args);
}

/* foreach ([__val =] [__idx0, ..] in name-) printf(..): largest values first. */
static struct stmt *display_array(struct builder *b, const struct vardecl *v)
{
	struct stmt *fe = stmt_new(b->a, S_FOREACH, b->at);
	for (int i = 0; i < v->arity; i++)
		vec_push(b->a, &fe->fe_keys, mk_var(b, idx_name(b, i)));
	bool with_value = v->type != TY_STATS;
	if (with_value)
		fe->fe_value = mk_var(b, "__val");
	fe->fe_array = mk_var(b, v->name);
	fe->fe_sort_key = -1;
	fe->fe_sort_dir = -1;
	fe->body = display_printf(b, v, with_value);
	return fe;
}

/* if (@count(name) == 0) printf("name @count=0x0\n") else printf(..) */
static struct stmt *display_scalar_stats(struct builder *b, const struct vardecl *v)
{
	struct stmt *s = stmt_new(b->a, S_IF, b->at);
	struct expr *empty = expr_new(b->a, E_COMPARE, b->at);
	empty->op = "==";
	empty->left = mk_stat(b, "count", v);
	empty->right = mk_num(b, 0);
	s->cond = empty;
	s->then = mk_printf(b, arena_printf(b->a, "%s @count=0x0\\n", v->name), NULL);
	s->els = display_printf(b, v, false);
	return s;
}

static struct stmt *display_stmt(struct builder *b, const struct vardecl *v)
{
	if (v->arity > 0)
		return display_array(b, v);
	if (v->type == TY_STATS)
		return display_scalar_stats(b, v);
	return display_printf(b, v, false);
}

static struct probe *display_probe(struct elab *x, const struct vardecl *v)
{
	struct builder b = {.a = x->a, .at = v->loc};
	struct probe *p = arena_alloc(x->a, sizeof(*p));
	p->loc = v->loc;
	p->file = v->file;
	struct probe_point *pp = arena_alloc(x->a, sizeof(*pp));
	struct pp_component *c = arena_alloc(x->a, sizeof(*c));
	c->name = "end";
	c->loc = v->loc;
	vec_push(x->a, &pp->comps, c);
	pp->loc = v->loc;
	vec_push(x->a, &p->points, pp);
	struct stmt *body = stmt_new(x->a, S_BLOCK, v->loc);
	vec_push(x->a, &body->stmts, display_stmt(&b, v));
	p->body = body;
	p->displays = v;
	return p;
}

static bool displayable(const struct var_use *u, const struct vardecl *v)
{
	return v->used && !v->generated && v->type != TY_UNKNOWN && v->arity >= 0 && listed(&u->written, v) &&
	       !listed(&u->read, v);
}

void elab_display_unread_globals(struct elab *x, struct vec *derived)
{
	struct stapfile *uf = x->s->user_file;
	if (!uf)
		return;
	struct var_use u = {.x = x};
	collect_uses(&u, derived);
	struct vec added = {0}, no_funcs = {0};
	VEC_FOREACH(uf->globals, i) {
		struct vardecl *v = VEC_AT(uf->globals, i, struct vardecl *);
		if (!displayable(&u, v))
			continue;
		struct vec out = {0};
		elab_derive_probe(x, display_probe(x, v), &out);
		VEC_FOREACH(out, j) {
			struct probe *d = VEC_AT(out, j, struct probe *);
			elab_resolve_probe(x, d);
			vec_push(x->a, &added, d);
		}
		v->read = true;
		v->displayed = true;
	}
	if (!added.n)
		return;
	elab_infer_types(x, &added, &no_funcs);
	VEC_FOREACH(added, i)
		vec_push(x->a, derived, added.v[i]);
}
