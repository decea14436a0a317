/* Pass 3: expressions.
 *
 * em_expr emits the statements an expression needs (into f->out) and
 * returns a C expression for its value that has no side effects: a long
 * (int64_t) or a string (char * to a MAXSTRINGLEN buffer). Everything with
 * an effect (calls, map updates, checked arithmetic) becomes a statement
 * whose result lands in a temporary, followed by an error check that jumps
 * to the innermost catch or the body's exit. Evaluation is left to right:
 * an operand whose value a later operand could change is first copied. */
#include "emit_internal.h"

#include "translator/tracepoints.h"

#include <inttypes.h>
#include <string.h>

/* ---- temporaries and checks -------------------------------------------- */

const char *em_tmp_long(struct em_fn *f)
{
	int n = f->ntmp++;
	if (f->in_frame) {
		sb_printf(&f->frame, "\tint64_t t%d;\n", n);
		return arena_printf(f->em->a, "fr->t%d", n);
	}
	sb_printf(&f->decls, "\tint64_t t%d = 0;\n\t(void)t%d;\n", n, n);
	return arena_printf(f->em->a, "t%d", n);
}

const char *em_tmp_str(struct em_fn *f)
{
	int n = f->nstr++;
	if (f->nstr > f->nstr_max)
		f->nstr_max = f->nstr;
	return arena_printf(f->em->a, "fr->s%d", n);
}

const char *em_tmp_dbl(struct em_fn *f)
{
	int n = f->ndbl++;
	if (f->ndbl > f->ndbl_max)
		f->ndbl_max = f->ndbl;
	return arena_printf(f->em->a, "fr->d%d", n);
}

void em_err_check(struct em_fn *f, int site)
{
	em_line(f, "if (BTAP_ERR(c)) {");
	em_line(f, "\tbtap_site(c, %d);", site);
	em_line(f, "\tgoto %s;", f->errlabel);
	em_line(f, "}");
}

static bool is_stable(const char *v)
{
	if (!v)
		return true;
	if (v[0] == 't' && v[1] >= '0' && v[1] <= '9')
		return true;
	if (strncmp(v, "fr->t", 5) == 0 && v[5] >= '0' && v[5] <= '9')
		return true;
	if (strncmp(v, "fr->s", 5) == 0 || strncmp(v, "fr->d", 5) == 0)
		return !strchr(v, '.');
	return strncmp(v, "((int64_t)", 10) == 0 && !strchr(v + 10, '>') && !strchr(v + 10, '(');
}

static bool op_is(const struct expr *e, const char *op)
{
	return e->op && strcmp(e->op, op) == 0;
}

static bool call_is_pure(const struct expr *e)
{
	if (!e->func)
		return e->str && e->str[0] == 's' && strstr(e->str, "print") != NULL; /* sprint* */
	const char *code = e->func->embedded;
	if (!code)
		return false;
	while (*code == ' ' || *code == '\t' || *code == '\n')
		code++;
	return strncmp(code, "/* pure */", 10) == 0;
}

static enum ast_step effect_at(struct expr *e, void *ctx)
{
	bool *found = ctx;
	switch (e->kind) {
	case E_ASSIGN:
	case E_INCDEC:
	case E_STATS_ADD:
		*found = true;
		return AST_STOP;
	case E_CALL:
		if (!call_is_pure(e)) {
			*found = true;
			return AST_STOP;
		}
		return AST_DESCEND;
	default:
		return AST_DESCEND;
	}
}

bool em_has_effects(const struct expr *e)
{
	bool found = false;
	ast_walk_expr(&(struct ast_visitor){.expr_pre = effect_at, .ctx = &found}, (struct expr *)e);
	return found;
}

/* Copy v into a temporary unless it already is one. */
static const char *stabilize(struct em_fn *f, const char *v, enum type t)
{
	if (is_stable(v))
		return v;
	if (t == TY_STRING) {
		const char *s = em_tmp_str(f);
		em_line(f, "btap_str_copy(%s, %s);", s, v);
		return s;
	}
	const char *n = em_tmp_long(f);
	em_line(f, "%s = %s;", n, v);
	return n;
}

const char *em_expr_stable(struct em_fn *f, struct expr *e, bool later_effects)
{
	const char *v = em_expr(f, e);
	return later_effects ? stabilize(f, v, e->type) : v;
}

const char *em_to_long(struct em_fn *f, struct expr *e)
{
	return em_expr(f, e);
}

static bool later_effects(struct vec *args, int from)
{
	for (int i = from; i < args->n; i++)
		if (em_has_effects(VEC_AT(*args, i, struct expr *)))
			return true;
	return false;
}

/* ---- variables and array elements ---------------------------------------- */

struct expr *em_index_base(const struct expr *e)
{
	return e->left ? e->left : e->operand;
}

static const char *mapref(struct em_fn *f, struct em_map *m)
{
	return arena_printf(f->em->a, "BTAP_MAPREF(%s, %d)", m->sym, m->id);
}

static bool is_local(struct em_fn *f, const struct vardecl *v)
{
	VEC_FOREACH(f->locals, i)
		if (VEC_AT(f->locals, i, const struct vardecl *) == v)
			return true;
	return false;
}

/* The C lvalue of a scalar variable, or NULL (reported). */
static const char *var_lvalue(struct em_fn *f, struct expr *e)
{
	struct vardecl *v = e->var;
	if (!v) {
		diag_error(e->loc, "unresolved variable '%s'", e->str ? e->str : "?");
		return NULL;
	}
	if (!v->is_global) {
		if (!is_local(f, v)) {
			vec_push(f->em->a, &f->locals, v);
			if (v->type != TY_STRING && f->in_frame) {
				sb_printf(&f->decls, "\tfr->l_%s = 0;\n", v->name);
			} else if (v->type != TY_STRING) {
				sb_printf(&f->decls, "\tint64_t l_%s = 0;\n\t(void)l_%s;\n", v->name, v->name);
			}
		}
		/* longs are C locals where no callback needs them: the verifier
		 * follows their values; strings live in the frame */
		if (v->type != TY_STRING)
			return em_long_local(f, v->name);
		return arena_printf(f->em->a, "fr->l_%s", v->name);
	}
	struct em_global *g = em_global_of(f->em, v);
	if (!g || !g->cname) {
		diag_error(e->loc, "'%s' is an array or a statistic, not a scalar here", v->name);
		return NULL;
	}
	return arena_printf(f->em->a, "BG(c)->%s", g->cname);
}

/* Build the key struct of m from the index expressions (NULL: scalar
 * statistic). Returns "&fr->kN". */
const char *em_index_key(struct em_fn *f, struct em_map *m, struct vec *args, struct loc at)
{
	int nargs = args ? args->n : 0;
	if (nargs != m->nkeys) {
		diag_error(at, "'%s' takes %d index%s, not %d", m->v->name, m->nkeys, m->nkeys == 1 ? "" : "es",
			   nargs);
		return "0";
	}
	const char *vals[MAX_ARRAY_KEYS];
	for (int i = 0; i < nargs; i++) {
		struct expr *a = VEC_AT(*args, i, struct expr *);
		if (a->kind == E_STAR) {
			diag_error(a->loc, "'*' is only valid in foreach and delete slices");
			return "0";
		}
		vals[i] = em_expr_stable(f, a, later_effects(args, i + 1));
	}
	int k = f->nkey++;
	sb_printf(&f->frame, "\t%s k%d;\n", m->key_type, k);
	em_line(f, "btap_key_zero(&fr->k%d);", k);
	for (int i = 0; i < nargs; i++) {
		if (m->v->key_types[i] == TY_STRING)
			em_line(f, "btap_key_str(fr->k%d.k%d, %s);", k, i, vals[i]);
		else
			em_line(f, "fr->k%d.k%d = %s;", k, i, vals[i]);
	}
	return arena_printf(f->em->a, "&fr->k%d", k);
}

static struct em_map *array_of(struct em_fn *f, struct expr *base)
{
	if (!base || base->kind != E_VAR || !base->var || !base->var->is_global) {
		diag_error(base ? base->loc : (struct loc){0}, "array expected");
		return NULL;
	}
	struct em_global *g = em_global_of(f->em, base->var);
	if (!g || !g->map) {
		diag_error(base->loc, "'%s' is not an array", base->var->name);
		return NULL;
	}
	return g->map;
}

/* An assignable place, prepared (keys evaluated) once for read and write. */
struct lval {
	bool elem;
	bool global;           /* a global scalar (lvalue var) */
	enum type type;
	const char *var;       /* scalar: C lvalue */
	struct em_map *map;
	const char *key;
	int site;
	bool is_target;        /* a target variable (guru mode: em_target_place) */
	struct em_target_place target;
};

static bool lval_prepare(struct em_fn *f, struct expr *e, struct lval *lv)
{
	memset(lv, 0, sizeof(*lv));
	lv->type = e->type;
	if (e->kind == E_VAR) {
		lv->var = var_lvalue(f, e);
		lv->global = e->var && e->var->is_global;
		return lv->var != NULL;
	}
	if (e->kind == E_INDEX) {
		struct expr *base = em_index_base(e);
		lv->map = array_of(f, base);
		if (!lv->map)
			return false;
		if (lv->map->stats) {
			diag_error(e->loc, "statistics may only be added to with '<<<'");
			return false;
		}
		lv->elem = true;
		lv->type = lv->map->v->type;
		lv->key = em_index_key(f, lv->map, &e->args, e->loc);
		lv->site = em_site(f->em, base->loc, arena_printf(f->em->a, "identifier '%s'", base->var->name));
		return true;
	}
	if (e->kind == E_TARGET && (f->em->rt->target_writes || e->user_target)) {
		lv->is_target = true;
		return em_target_place(f, e, &lv->target);
	}
	if (e->kind == E_TARGET)
		diag_error(e->loc, "target variables cannot be written by the %s backend (a BPF program writes "
			   "neither kernel memory nor registers; --runtime=kmod -g can)", f->em->rt->name);
	else
		diag_error(e->loc, "this expression cannot be assigned to");
	return false;
}

static const char *lval_read(struct em_fn *f, struct lval *lv)
{
	if (lv->is_target) {
		const char *t = em_tmp_long(f);
		const struct em_target_place *tp = &lv->target;
		if (tp->slot) {
			em_line(f, "%s = btap_tp_read(c, %s, %d, %d);", t, tp->where, tp->size, tp->sgn ? 1 : 0);
		} else {
			em_line(f, "%s = %s(c, %s, %d, %d);", t, tp->user ? "btap_uread" : "btap_kread", tp->where,
				tp->size, tp->sgn ? 1 : 0);
			em_err_check(f, tp->site);
		}
		return t;
	}
	if (!lv->elem)
		return lv->var;
	if (lv->type == TY_STRING) {
		const char *s = em_tmp_str(f);
		em_line(f, "btap_map_get_str(c, %s, %s, %s);", mapref(f, lv->map), lv->key, s);
		return s;
	}
	const char *t = em_tmp_long(f);
	em_line(f, "%s = btap_map_get_long(c, %s, %s);", t, mapref(f, lv->map), lv->key);
	return t;
}

/* Store v; returns the place's value after the store. */
static const char *lval_write(struct em_fn *f, struct lval *lv, const char *v)
{
	if (lv->is_target) {
		const struct em_target_place *tp = &lv->target;
		if (tp->slot) {
			em_line(f, "btap_slot_write(c, %s, %d, %s);", tp->where, tp->argn, v);
			em_err_check(f, tp->site);
		} else {
			em_line(f, "%s(%s, %s, %d);", tp->user ? "btap_set_user" : "btap_set_kernel", tp->where, v,
				tp->size);
			em_err_check(f, tp->site);
		}
		return v;
	}
	if (!lv->elem) {
		if (lv->type == TY_STRING) {
			if (strcmp(lv->var, v) != 0)
				em_line(f, "btap_str_copy(%s, %s);", lv->var, v);
		} else {
			em_line(f, "%s = %s;", lv->var, v);
		}
		return lv->var;
	}
	if (lv->type == TY_STRING)
		em_line(f, "btap_map_set_str(c, %s, %s, %s, %d);", mapref(f, lv->map), lv->key, v, lv->site);
	else
		em_line(f, "btap_map_set_long(c, %s, %s, %s, %d);", mapref(f, lv->map), lv->key, v, lv->site);
	em_err_check(f, lv->site);
	return v;
}

/* ---- operators ------------------------------------------------------------ */

static const char *long_binop(struct em_fn *f, const char *op, const char *l, const char *r,
			      struct loc at)
{
	struct arena *a = f->em->a;
	if (!strcmp(op, "+"))
		return arena_printf(a, "btap_add(%s, %s)", l, r);
	if (!strcmp(op, "-"))
		return arena_printf(a, "btap_sub(%s, %s)", l, r);
	if (!strcmp(op, "*"))
		return arena_printf(a, "btap_mul(%s, %s)", l, r);
	if (!strcmp(op, "<<"))
		return arena_printf(a, "btap_shl(%s, %s)", l, r);
	if (!strcmp(op, ">>"))
		return arena_printf(a, "btap_shr(%s, %s)", l, r);
	if (!strcmp(op, ">>>"))
		return arena_printf(a, "((int64_t)((uint64_t)(%s) >> ((%s) & 63)))", l, r);
	if (!strcmp(op, "&") || !strcmp(op, "|") || !strcmp(op, "^"))
		return arena_printf(a, "((%s) %s (%s))", l, op, r);
	if (!strcmp(op, "/") || !strcmp(op, "%")) {
		int site = em_site(f->em, at, arena_printf(a, "operator '%s'", op));
		const char *t = em_tmp_long(f);
		em_line(f, "%s = %s(c, %s, %s, %d);", t, op[0] == '/' ? "btap_div" : "btap_mod", l, r, site);
		em_err_check(f, site);
		return t;
	}
	diag_error(at, "operator '%s' is not supported yet by the %s backend", op, f->em->rt->name);
	return "0";
}

/* A literal number, signs and all (-2 parses as '-' applied to 2). */
static bool literal_long(const struct expr *e, int64_t *v)
{
	if (e->kind == E_NUM) {
		*v = e->num;
		return true;
	}
	if (e->kind == E_UNARY && e->op && (!strcmp(e->op, "-") || !strcmp(e->op, "+")) && literal_long(e->operand, v)) {
		if (e->op[0] == '-')
			*v = (int64_t)(0 - (uint64_t)*v);
		return true;
	}
	return false;
}

static const char *ex_binary(struct em_fn *f, struct expr *e)
{
	/* stap folds a shift by a constant count of 0 or less into its left
	 * operand (x << -2 is x); a count known only at run time is masked
	 * (& 63) */
	int64_t count;
	if ((op_is(e, "<<") || op_is(e, ">>")) && literal_long(e->right, &count) && count <= 0)
		return em_expr(f, e->left);
	const char *l = em_expr_stable(f, e->left, em_has_effects(e->right));
	const char *r = em_expr(f, e->right);
	return long_binop(f, e->op, l, r, e->loc);
}

static const char *ex_compare(struct em_fn *f, struct expr *e)
{
	if (op_is(e, "=~") || op_is(e, "!~"))
		return em_regex_match(f, e);
	bool str = e->left->type == TY_STRING || e->right->type == TY_STRING;
	/* s == "" and s != "": the first byte (the tapset's flag decoders test
	 * this at every flag; no whole-string comparison is compiled for it) */
	bool lempty = e->left->kind == E_STR && e->left->str && !e->left->str[0];
	bool rempty = e->right->kind == E_STR && e->right->str && !e->right->str[0];
	/* the runner's probes name the tokens of what kernel probes stored
	 * (btap_user.h); in the kernel, elab_tokens.c rejects comparing them */
	bool runner = !em_in_kernel(f);
	if (str && (lempty || rempty) && (op_is(e, "==") || op_is(e, "!="))) {
		const char *v = em_expr(f, lempty ? e->right : e->left);
		if (runner)
			return arena_printf(f->em->a, "((int64_t)(btap_named_((const char *)(%s), 0)[0] %s 0))", v, e->op);
		return arena_printf(f->em->a, "((int64_t)(((const char *)(%s))[0] %s 0))", v, e->op);
	}
	const char *l = em_expr_stable(f, e->left, em_has_effects(e->right));
	const char *r = em_expr(f, e->right);
	if (str)
		return arena_printf(f->em->a, "((int64_t)(%s(%s, %s) %s 0))", runner ? "btap_str_cmp_named_" : "btap_str_cmp",
				    l, r, e->op);
	return arena_printf(f->em->a, "((int64_t)((%s) %s (%s)))", l, e->op, r);
}

/* Emit e into a fresh buffer: its statements and value. */
static const char *capture(struct em_fn *f, struct expr *e, struct strbuf *stmts)
{
	struct strbuf *saved = f->out;
	sb_init(stmts);
	f->out = stmts;
	const char *v = em_expr(f, e);
	f->out = saved;
	return v;
}

static void put_captured(struct em_fn *f, struct strbuf *stmts)
{
	if (stmts->len) {
		f->indent++;
		/* re-indent by one level */
		const char *p = stmts->s;
		while (*p) {
			const char *nl = strchr(p, '\n');
			size_t n = nl ? (size_t)(nl - p + 1) : strlen(p);
			if (*p != '#')
				sb_putc(f->out, '\t');
			sb_putn(f->out, p, n);
			p += n;
		}
		f->indent--;
	}
	sb_free(stmts);
}

static const char *ex_logical(struct em_fn *f, struct expr *e)
{
	bool is_and = op_is(e, "&&");
	const char *l = em_expr(f, e->left);
	struct strbuf rs;
	const char *r = capture(f, e->right, &rs);
	if (!rs.len) {
		sb_free(&rs);
		return arena_printf(f->em->a, "((int64_t)((%s) %s (%s)))", l, e->op, r);
	}
	const char *t = em_tmp_long(f);
	em_line(f, "%s = (%s) != 0;", t, l);
	em_line(f, "if (%s%s) {", is_and ? "" : "!", t);
	put_captured(f, &rs);
	em_line(f, "\t%s = (%s) != 0;", t, r);
	em_line(f, "}");
	return t;
}

static const char *ex_ternary(struct em_fn *f, struct expr *e)
{
	const char *cond = em_expr(f, e->cond);
	struct strbuf ls, rs;
	const char *l = capture(f, e->left, &ls);
	const char *r = capture(f, e->right, &rs);
	bool str = e->type == TY_STRING;
	if (!ls.len && !rs.len && !str) {
		sb_free(&ls);
		sb_free(&rs);
		return arena_printf(f->em->a, "((%s) ? (%s) : (%s))", cond, l, r);
	}
	const char *t = str ? em_tmp_str(f) : em_tmp_long(f);
	em_line(f, "if (%s) {", cond);
	put_captured(f, &ls);
	if (str)
		em_line(f, "\tbtap_str_copy(%s, %s);", t, l);
	else
		em_line(f, "\t%s = %s;", t, l);
	em_line(f, "} else {");
	put_captured(f, &rs);
	if (str)
		em_line(f, "\tbtap_str_copy(%s, %s);", t, r);
	else
		em_line(f, "\t%s = %s;", t, r);
	em_line(f, "}");
	return t;
}

static const char *ex_unary(struct em_fn *f, struct expr *e)
{
	const char *v = em_expr(f, e->operand);
	if (op_is(e, "-"))
		return arena_printf(f->em->a, "btap_neg(%s)", v);
	if (op_is(e, "!"))
		return arena_printf(f->em->a, "((int64_t)!(%s))", v);
	if (op_is(e, "~"))
		return arena_printf(f->em->a, "(~(%s))", v);
	if (op_is(e, "+"))
		return v;
	diag_error(e->loc, "unary operator '%s' is not supported by the %s backend", e->op ? e->op : "?",
		   f->em->rt->name);
	return "0";
}

static const char *ex_concat(struct em_fn *f, struct expr *e)
{
	const char *l = em_expr_stable(f, e->left, em_has_effects(e->right));
	const char *r = em_expr(f, e->right);
	const char *d = em_tmp_dbl(f);
	em_line(f, "btap_str_cat(%s, %s, %s);", d, l, r);
	return d;
}

static const char *ex_assign(struct em_fn *f, struct expr *e)
{
	struct lval lv;
	if (!lval_prepare(f, e->left, &lv))
		return "0";
	const char *op = e->op ? e->op : "=";
	if (!strcmp(op, "=")) {
		const char *v = em_expr(f, e->right);
		return lval_write(f, &lv, v);
	}
	if (!strcmp(op, ".=")) {
		const char *r = em_expr(f, e->right);
		const char *old = lval_read(f, &lv);
		const char *d = em_tmp_dbl(f);
		em_line(f, "btap_str_cat(%s, %s, %s);", d, old, r);
		return lval_write(f, &lv, d);
	}
	/* x op= y: y first (stap evaluates the right side, then the place). */
	const char *r = em_expr_stable(f, e->right, true);
	char binop[4] = {0};
	size_t n = strlen(op);
	if (n < 2 || n > 4) {
		diag_error(e->loc, "assignment operator '%s' is not supported", op);
		return "0";
	}
	memcpy(binop, op, n - 1);
	if (!lv.elem && lv.global && lv.type == TY_LONG && (!strcmp(binop, "+") || !strcmp(binop, "-"))) {
		/* g += v: one atomic add, wherever CPUs or the runner race */
		const char *t = em_tmp_long(f);
		em_line(f, "%s = btap_global_add(&%s, %s);", t, lv.var,
			!strcmp(binop, "+") ? r : arena_printf(f->em->a, "btap_neg(%s)", r));
		return t;
	}
	if (lv.elem && !strcmp(binop, "+") && em_in_kernel(f) && lv.type == TY_LONG) {
		/* a[k] += v: one atomic add in kernel context, where CPUs race. */
		const char *t = em_tmp_long(f);
		em_line(f, "%s = btap_map_add_long(c, %s, %s, %s, %d);", t, mapref(f, lv.map), lv.key, r, lv.site);
		em_err_check(f, lv.site);
		return t;
	}
	const char *old = lval_read(f, &lv);
	const char *v = long_binop(f, binop, old, r, e->loc);
	if (!lv.elem)
		return lval_write(f, &lv, v);
	const char *t = stabilize(f, v, TY_LONG);
	return lval_write(f, &lv, t);
}

static const char *ex_incdec(struct em_fn *f, struct expr *e)
{
	struct lval lv;
	if (!lval_prepare(f, e->operand, &lv))
		return "0";
	const char *delta = op_is(e, "++") ? "1" : "-1";
	if (lv.elem && em_in_kernel(f)) {
		const char *t = em_tmp_long(f);
		em_line(f, "%s = btap_map_add_long(c, %s, %s, %s, %d);", t, mapref(f, lv.map), lv.key, delta,
			lv.site);
		em_err_check(f, lv.site);
		if (!e->prefix)
			em_line(f, "%s = btap_sub(%s, %s);", t, t, delta);
		return t;
	}
	if (!lv.elem && lv.global) { /* g++: as g += 1 */
		const char *t = em_tmp_long(f);
		em_line(f, "%s = btap_global_add(&%s, %s);", t, lv.var, delta);
		if (!e->prefix)
			em_line(f, "%s = btap_sub(%s, %s);", t, t, delta);
		return t;
	}
	const char *old = stabilize(f, lval_read(f, &lv), TY_LONG);
	const char *nv = em_tmp_long(f);
	em_line(f, "%s = btap_add(%s, %s);", nv, old, delta);
	lval_write(f, &lv, nv);
	return e->prefix ? nv : old;
}

/* @hist_*(x)[i]: the count in bucket i, merged over the CPUs. */
static const char *ex_hist_bucket(struct em_fn *f, struct expr *e, struct expr *hist)
{
	if (e->args.n != 1) {
		diag_error(e->loc, "a histogram bucket takes one index");
		return "0";
	}
	const char *idx = em_expr_stable(f, VEC_AT(e->args, 0, struct expr *), true);
	const char *key = NULL;
	struct em_map *m = em_stats_map_of(f, hist->operand, &key);
	if (!m) {
		diag_error(hist->loc, "a histogram needs a statistic");
		return "0";
	}
	int site = em_site(f->em, e->loc, arena_printf(f->em->a, "operator '@%s'", hist->op ? hist->op : "hist"));
	const char *t = em_tmp_long(f);
	em_line(f, "%s = btap_stat_bucket(c, %s, %s, %s, %d, %d);", t, mapref(f, m), key, idx, m->nbuckets,
		site);
	em_err_check(f, site);
	return t;
}

static const char *ex_index(struct em_fn *f, struct expr *e)
{
	struct expr *base = em_index_base(e);
	if (base && base->kind == E_HIST)
		return ex_hist_bucket(f, e, base);
	struct em_map *m = array_of(f, base);
	if (!m)
		return "0";
	if (m->stats) {
		diag_error(e->loc, "a statistic is read with @count, @sum, @min, @max, @avg or @hist_*");
		return "0";
	}
	struct lval lv;
	if (!lval_prepare(f, e, &lv))
		return "0";
	return lval_read(f, &lv);
}

static const char *ex_in(struct em_fn *f, struct expr *e)
{
	struct expr *base = em_index_base(e);
	struct em_map *m = array_of(f, base);
	if (!m)
		return "0";
	if (em_is_slice(&e->args))
		return em_slice(f, m, &e->args, e->loc, false);
	const char *key = em_index_key(f, m, &e->args, e->loc);
	const char *t = em_tmp_long(f);
	em_line(f, "%s = btap_map_exists(c, %s, %s);", t, mapref(f, m), key);
	return t;
}

static const char *ex_stats_add(struct em_fn *f, struct expr *e)
{
	const char *key = NULL;
	struct em_map *m = NULL;
	const char *v;
	struct expr *target = e->left;
	struct expr *base = target && target->kind == E_INDEX ? em_index_base(target) : target;
	if (!base || base->kind != E_VAR || !base->var || !base->var->is_global ||
	    !em_global_of(f->em, base->var) || !em_global_of(f->em, base->var)->map ||
	    !em_global_of(f->em, base->var)->map->stats) {
		diag_error(e->loc, "'<<<' needs a global statistic");
		return "0";
	}
	if (target->kind == E_INDEX) {
		m = em_stats_map_of(f, target, &key);
		v = em_expr(f, e->right);
	} else {
		v = em_expr_stable(f, e->right, false);
		m = em_stats_map_of(f, target, &key);
	}
	int site = em_site(f->em, e->loc, "operator '<<<'");
	em_line(f, "btap_stat_add(c, %s, %s, %s, %d, %d, %" PRId64 ", %" PRId64 ", %d, %d, %d);",
		mapref(f, m), key, v, 7 * 8 + 8 * m->nbuckets, m->hist_kind, m->hist_start,
		m->hist_interval > 0 ? m->hist_interval : 1, m->nbuckets, m->bit_shift, site);
	em_err_check(f, site);
	return v;
}

/* ---- calls ------------------------------------------------------------------- */

static const char *ex_call(struct em_fn *f, struct expr *e)
{
	if (!e->func)
		return em_print_call(f, e);
	struct em_func *callee = em_func_of(f->em, e->func);
	if (!callee) {
		diag_error(e->loc, "function '%s' was not elaborated", e->str ? e->str : "?");
		return "0";
	}
	struct funcdecl *fd = e->func;
	if (e->args.n != fd->params.n) {
		diag_error(e->loc, "wrong number of arguments to '%s'", fd->name);
		return "0";
	}
	if ((f->where & EM_CTX_KERNEL) && !f->em->rt->kernel_stacks && fd->embedded &&
	    (strstr(fd->embedded, "btap_kstack(") || strstr(fd->embedded, "btap_ustack(")))
		em_unsupported_kernel(f, e->loc, arena_printf(f->em->a, "'%s' (a backtrace)", fd->name));
	struct strbuf call;
	sb_init(&call);
	enum type rt = fd->ret == TY_UNKNOWN ? (fd->embedded ? TY_VOID : TY_LONG) : fd->ret;
	const char *res = NULL;
	if (rt == TY_STRING) {
		res = em_tmp_str(f);
	}
	const char **vals = arena_alloc(f->em->a, sizeof(char *) * (size_t)(e->args.n + 1));
	VEC_FOREACH(e->args, i)
		vals[i] = em_expr_stable(f, VEC_AT(e->args, i, struct expr *), later_effects(&e->args, i + 1));
	sb_printf(&call, "%s(c, nsp", callee->cname);
	if (res)
		sb_printf(&call, ", %s", res);
	VEC_FOREACH(e->args, i)
		sb_printf(&call, ", %s", vals[i]);
	sb_puts(&call, ")");
	int site = em_site(f->em, e->loc, arena_printf(f->em->a, "identifier '%s'", fd->name));
	if (rt == TY_LONG) {
		res = em_tmp_long(f);
		em_line(f, "%s = %s;", res, call.s);
	} else {
		em_line(f, "%s;", call.s);
	}
	sb_free(&call);
	em_err_check(f, site);
	return res ? res : "0";
}

/* A guru-mode C expression: a long, or (marked string) a char pointer. */
static const char *ex_embedded(struct em_fn *f, struct expr *e)
{
	const char *code = e->str ? e->str : "0";
	if (e->kernel_c && !em_in_kernel(f)) {
		diag_error(e->loc, "@const(\"%s\") is the kernel's C, which code running in user space (timer and "
			   "procfs probes, and the functions only they call) cannot evaluate", code);
		return "0";
	}
	const char *t = e->type == TY_STRING ? em_tmp_str(f) : em_tmp_long(f);
	em_stap_args(f, code, true);
	em_linedir(f, e->loc);
	if (e->type == TY_STRING)
		em_line(f, "btap_str_copy(%s, (%s));", t, code);
	else
		em_line(f, "%s = (int64_t)(%s);", t, code);
	sb_puts(f->out, "#line __BTAP_LINE__\n");
	em_stap_args(f, code, false);
	return t;
}

/* ---- target variables (kernel.trace fields) -------------------------------- */

/* $$vars, $$parms, $$locals (with '$' suffixes), $$name, $$system. */
const char *em_str_literal(struct em_fn *f, const char *text)
{
	const char *s = em_tmp_str(f);
	struct strbuf b;
	sb_init(&b);
	sb_printf(&b, "btap_str_lit(%s, ", s);
	em_c_string(&b, text, strlen(text));
	sb_puts(&b, ");");
	em_line(f, "%s", b.s);
	sb_free(&b);
	return s;
}

static const char *ex_context_var(struct em_fn *f, struct expr *e)
{
	const char *name = e->op ? e->op : e->str ? e->str : "";
	while (*name == '$')
		name++;
	/* a function's arguments (kernel.function, kernel.lsm, netfilter) come
	 * bound to their own event (tp_bind_args_vars); a tracepoint's is the
	 * probe's */
	const struct tp_event *ev = attach_has_arg_slots(f->probe->at.kind) ? e->target_info
								      : tp_probe_event(f->em->s, f->probe->p);
	if (strcmp(name, "name") == 0 || strcmp(name, "system") == 0)
		return em_str_literal(f, !ev ? "" : strcmp(name, "name") == 0 ? ev->name : ev->group);
	return em_target_vars(f, e, ev);
}

static const char *ex_target(struct em_fn *f, struct expr *e)
{
	/* the record of a tracepoint, or the arguments of a raw one or of a
	 * kernel function */
	/* a process's, or a kernel statement's (a kprobe), located by DWARF */
	if (e->user_target && f->probe &&
	    (f->probe->at.kind == ATTACH_UPROBE || (f->probe->at.kind == ATTACH_KPROBE && f->probe->at.kprobe.regs_ctx)))
		return em_user_target(f, e);
	if (!f->probe || (f->probe->at.kind != ATTACH_TRACEPOINT && f->probe->at.kind != ATTACH_RAW_TRACEPOINT &&
			  !attach_has_arg_slots(f->probe->at.kind))) {
		diag_error(e->loc, "target variables are only available in kernel.trace probes here");
		return "0";
	}
	if (e->kind == E_TARGET_VARS || (e->str && e->str[0] == '$' && e->str[1] == '$'))
		return ex_context_var(f, e);
	if (e->operand) {
		em_unsupported(f, e->loc, "members of a computed value (autocast)");
		return "0";
	}
	if (e->components.n || e->addressof)
		return em_target_chain(f, e);
	const struct tp_field *fl = e->target_info;
	if (!fl) {
		diag_error(e->loc, "unresolved target variable");
		return "0";
	}
	switch (fl->kind) {
	case TP_FIELD_INT: {
		const char *t = em_tmp_long(f);
		int vs = fl->val_size > 0 ? fl->val_size : fl->size;
		em_line(f, "%s = btap_tp_int(c, %d, %d, %d, %d);", t, fl->offset, fl->size > 8 ? 8 : fl->size,
			vs, fl->val_signed ? 1 : 0);
		return t;
	}
	case TP_FIELD_POINTER: {
		const char *t = em_tmp_long(f);
		em_line(f, "%s = btap_tp_int(c, %d, 8, 8, 0);", t, fl->offset);
		return t;
	}
	case TP_FIELD_CHAR_ARRAY: {
		const char *s = em_tmp_str(f);
		int len = fl->array_len > 0 ? fl->array_len : fl->size;
		em_line(f, "btap_tp_chars(c, %s, %d, %d);", s, fl->offset, len);
		return s;
	}
	case TP_FIELD_DATA_LOC_STR:
	case TP_FIELD_REL_LOC_STR: {
		const char *s = em_tmp_str(f);
		em_line(f, "btap_tp_dataloc_str(c, %s, %d, %d);", s, fl->offset,
			fl->kind == TP_FIELD_REL_LOC_STR ? 1 : 0);
		return s;
	}
	default:
		diag_error(e->loc, "field '%s' (%s) cannot be read as a value yet", fl->name,
			   fl->ctype ? fl->ctype : "?");
		return "0";
	}
}

/* ---- literals ------------------------------------------------------------------ */

static const char *ex_string_literal(struct em_fn *f, struct expr *e)
{
	size_t n;
	char *txt = em_decode_str(f->em->a, e->str, &n);
	if (n > (size_t)f->em->msl - 1)
		n = (size_t)f->em->msl - 1;
	const char *s = em_tmp_str(f);
	struct strbuf b;
	sb_init(&b);
	sb_printf(&b, "btap_str_lit(%s, ", s);
	em_c_string(&b, txt, strnlen(txt, n));
	sb_puts(&b, ");");
	em_line(f, "%s", b.s);
	sb_free(&b);
	return s;
}

const char *em_expr(struct em_fn *f, struct expr *e)
{
	if (!e)
		return "0";
	switch (e->kind) {
	case E_NUM:
		return arena_printf(f->em->a, "((int64_t)%" PRIu64 "ull)", (uint64_t)e->num);
	case E_STR:
		return ex_string_literal(f, e);
	case E_VAR: {
		if (e->type == TY_STATS || (e->var && e->var->arity > 0)) {
			diag_error(e->loc, "'%s' cannot be used as a value", e->str ? e->str : "?");
			return "0";
		}
		const char *v = var_lvalue(f, e);
		return v ? v : "0";
	}
	case E_UNARY:
		return ex_unary(f, e);
	case E_BINARY:
		return ex_binary(f, e);
	case E_LOGICAL:
		return ex_logical(f, e);
	case E_COMPARE:
		return ex_compare(f, e);
	case E_CONCAT:
		return ex_concat(f, e);
	case E_TERNARY:
		return ex_ternary(f, e);
	case E_ASSIGN:
		return ex_assign(f, e);
	case E_INCDEC:
		return ex_incdec(f, e);
	case E_INDEX:
		return ex_index(f, e);
	case E_IN:
		return ex_in(f, e);
	case E_STATS_ADD:
		return ex_stats_add(f, e);
	case E_CALL:
		return ex_call(f, e);
	case E_STAT_OP:
		return em_stat_op(f, e);
	case E_TARGET:
	case E_TARGET_VARS:
		return ex_target(f, e);
	case E_HIST:
		diag_error(e->loc, "a histogram can only be printed");
		return "0";
	case E_CAST:
		return em_cast(f, e);
	case E_ATVAR:
		if (e->user_target && f->probe && f->probe->at.kind == ATTACH_UPROBE)
			return em_user_target(f, e);
		if (e->target_info && ((const struct tp_access *)e->target_info)->ksym)
			return em_kernel_atvar(f, e);
		em_unsupported(f, e->loc, "@var outside process(...) probes");
		return "0";
	case E_ENTRY:
		em_unsupported(f, e->loc, "@entry");
		return "0";
	case E_EMBEDDED:
		return ex_embedded(f, e);
	case E_DEFINED:
		return "((int64_t)0ull)";
	case E_STAR:
		diag_error(e->loc, "'*' is only valid in array slices");
		return "0";
	}
	return "0";
}
