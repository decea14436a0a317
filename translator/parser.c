/* Pass 1: declarations and statements (expressions are in parse_expr.c).
 *
 * Errors unwind with longjmp to a recovery point: each statement of a block
 * has one (skip to the end of the statement), and so has each top-level
 * declaration (skip to the next probe/function/global). All memory is in the
 * arena, so unwinding leaks nothing. */
#include "parser_internal.h"

#include <stdarg.h>
#include <string.h>

/* ---- tokens and errors ----------------------------------------------- */

struct token *parser_peek(struct parser *p, int n) { return ts_peek(p->ts, n); }

/* Every token is consumed here; open brackets are counted for recovery. */
struct token *parser_next(struct parser *p)
{
	struct token *t = ts_next(p->ts);
	if (t->kind == TOK_OP && (t->text[0] == '(' || t->text[0] == '[') && !t->text[1])
		p->open_brackets++;
	else if (t->kind == TOK_OP && (t->text[0] == ')' || t->text[0] == ']'))
		p->open_brackets--;
	return t;
}

bool parser_at_op(struct parser *p, const char *op) { return tok_is_op(parser_peek(p, 0), op); }

bool parser_accept_op(struct parser *p, const char *op)
{
	if (!parser_at_op(p, op))
		return false;
	parser_next(p);
	return true;
}

struct token *parser_expect_op(struct parser *p, const char *op)
{
	struct token *t = parser_peek(p, 0);
	if (!tok_is_op(t, op))
		parser_fail_expected(p, t, arena_printf(p->a, "'%s'", op));
	return parser_next(p);
}

struct token *parser_expect_ident(struct parser *p)
{
	struct token *t = parser_peek(p, 0);
	if (t->kind != TOK_IDENT || t->text[0] == '$' || t->text[0] == '@')
		parser_fail_expected(p, t, "identifier");
	return parser_next(p);
}

static bool same_loc(struct loc a, struct loc b)
{
	return a.file == b.file && a.line == b.line && a.col == b.col;
}

static void vreport(struct parser *p, struct loc at, const char *fmt, va_list ap)
{
	if (p->last_error.file && same_loc(p->last_error, at))
		return;
	p->last_error = at;
	struct strbuf b;
	sb_init(&b);
	sb_vprintf(&b, fmt, ap);
	diag_error(at, "%s", b.s ? b.s : "");
	sb_free(&b);
}

void parser_report(struct parser *p, struct loc at, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vreport(p, at, fmt, ap);
	va_end(ap);
}

void parser_fail(struct parser *p, const struct token *at, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vreport(p, at->loc, fmt, ap);
	va_end(ap);
	longjmp(*p->recover, 1);
}

void parser_fail_toplevel(struct parser *p, const struct token *at, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vreport(p, at->loc, fmt, ap);
	va_end(ap);
	longjmp(*p->top_recover, 1);
}

void parser_fail_expected(struct parser *p, const struct token *at, const char *what)
{
	parser_fail(p, at, "parse error: expected %s, found %s", what, tok_describe(p->a, at));
}

void parser_enter(struct parser *p, const struct token *at)
{
	if (++p->depth > PARSER_MAX_DEPTH)
		parser_fail(p, at, "parse error: expression nested too deeply");
}

void parser_leave(struct parser *p) { p->depth--; }

void parser_check_embedded(struct parser *p, const struct token *t, bool is_expr)
{
	if (p->privileged)
		return;
	parser_report(p, t->loc, "parse error: embedded %scode in unprivileged script; need btap -g",
		      is_expr ? "expression " : "");
}

static bool is_toplevel_kw(const struct token *t)
{
	return tok_is_kw(t, "probe") || tok_is_kw(t, "function") || tok_is_kw(t, "global") ||
	       tok_is_kw(t, "private");
}

/* ---- statements ------------------------------------------------------ */

static struct stmt *parse_statement(struct parser *p);

/* 'else' and 'catch' belong to the statement before them. */
static bool continues_statement(struct parser *p)
{
	struct token *n = parser_peek(p, 0);
	return tok_is_kw(n, "else") || tok_is_kw(n, "catch");
}

/* After an error: drop the rest of the statement. Stops after a ';' or a
 * closing '}' at its own level (unless 'else'/'catch' continues it), and
 * before the '}' of the enclosing block or a top-level keyword. `parens` is
 * the number of brackets the statement left open when it failed, so that
 * the ';' inside "for (a; b; c)" does not end it. */
static void skip_statement(struct parser *p, int parens)
{
	int braces = 0;
	if (parens < 0)
		parens = 0;
	for (;;) {
		struct token *t = parser_peek(p, 0);
		if (t->kind == TOK_EOF || is_toplevel_kw(t))
			return;
		if (braces == 0 && tok_is_op(t, "}"))
			return;
		parser_next(p);
		if (tok_is_op(t, "(") || tok_is_op(t, "[")) {
			parens++;
		} else if (tok_is_op(t, ")") || tok_is_op(t, "]")) {
			if (parens > 0)
				parens--;
		} else if (tok_is_op(t, "{")) {
			braces++;
		} else if (tok_is_op(t, "}")) {
			if (--braces == 0 && parens == 0 && !continues_statement(p))
				return;
		} else if (tok_is_op(t, ";") && parens == 0 && braces == 0 && !continues_statement(p)) {
			return;
		}
	}
}

/* '{' statements '}', each statement its own recovery point. */
static struct stmt *parse_block(struct parser *p)
{
	struct token *open = parser_expect_op(p, "{");
	struct stmt *b = stmt_new(p->a, S_BLOCK, open->loc);
	for (;;) {
		struct token *t = parser_peek(p, 0);
		if (tok_is_op(t, "}"))
			break;
		if (t->kind == TOK_EOF || is_toplevel_kw(t))
			parser_fail_toplevel(p, t, "parse error: expected '}', found %s",
					     tok_describe(p->a, t));
		jmp_buf here;
		jmp_buf *outer = p->recover;
		int depth = p->depth, brackets = p->open_brackets;
		p->recover = &here;
		if (setjmp(here) == 0) {
			vec_push(p->a, &b->stmts, parse_statement(p));
		} else {
			p->depth = depth;
			skip_statement(p, p->open_brackets - brackets);
			p->open_brackets = brackets;
		}
		p->recover = outer;
	}
	parser_next(p);
	return b;
}

static struct expr *parse_paren_expr(struct parser *p)
{
	parser_expect_op(p, "(");
	struct expr *e = parser_expression(p);
	parser_expect_op(p, ")");
	return e;
}

static struct stmt *parse_if(struct parser *p, struct token *kw)
{
	struct stmt *s = stmt_new(p->a, S_IF, kw->loc);
	s->cond = parse_paren_expr(p);
	s->then = parse_statement(p);
	if (tok_is_kw(parser_peek(p, 0), "else")) {
		parser_next(p);
		s->els = parse_statement(p);
	}
	return s;
}

static struct stmt *parse_while(struct parser *p, struct token *kw)
{
	struct stmt *s = stmt_new(p->a, S_WHILE, kw->loc);
	s->cond = parse_paren_expr(p);
	s->body = parse_statement(p);
	return s;
}

/* for (init; cond; incr): each part may be empty. */
static struct stmt *parse_for(struct parser *p, struct token *kw)
{
	struct stmt *s = stmt_new(p->a, S_FOR, kw->loc);
	parser_expect_op(p, "(");
	if (!parser_at_op(p, ";"))
		s->init = parser_expression(p);
	parser_expect_op(p, ";");
	if (!parser_at_op(p, ";"))
		s->cond = parser_expression(p);
	parser_expect_op(p, ";");
	if (!parser_at_op(p, ")"))
		s->incr = parser_expression(p);
	parser_expect_op(p, ")");
	s->body = parse_statement(p);
	return s;
}

/* A '+' or '-' sort marker; 0 when absent. */
static int parse_sort_marker(struct parser *p, struct stmt *s, int which)
{
	struct token *t = parser_peek(p, 0);
	int dir = tok_is_op(t, "+") ? 1 : tok_is_op(t, "-") ? -1 : 0;
	if (!dir)
		return 0;
	if (s->fe_sort_dir)
		parser_fail(p, t, "parse error: multiple sort directives");
	parser_next(p);
	s->fe_sort_key = which;
	s->fe_sort_dir = dir;
	return dir;
}

static struct expr *parse_var_name(struct parser *p)
{
	struct token *t = parser_expect_ident(p);
	struct expr *e = expr_new(p->a, E_VAR, t->loc);
	e->str = t->text;
	return e;
}

static void parse_foreach_key(struct parser *p, struct stmt *s)
{
	vec_push(p->a, &s->fe_keys, parse_var_name(p));
	parse_sort_marker(p, s, s->fe_keys.n);
}

/* foreach ([v[+-] =] (k[+-] | [k1[+-], ...]) in arr[[slice]] [@stat][+-] [limit N]) */
static struct stmt *parse_foreach(struct parser *p, struct token *kw)
{
	struct stmt *s = stmt_new(p->a, S_FOREACH, kw->loc);
	parser_expect_op(p, "(");
	struct token *t0 = parser_peek(p, 0), *t1 = parser_peek(p, 1);
	if (t0->kind == TOK_IDENT &&
	    (tok_is_op(t1, "=") ||
	     ((tok_is_op(t1, "+") || tok_is_op(t1, "-")) && tok_is_op(parser_peek(p, 2), "=")))) {
		s->fe_value = parse_var_name(p);
		parse_sort_marker(p, s, -1);
		parser_expect_op(p, "=");
	}
	if (parser_accept_op(p, "[")) {
		for (;;) {
			parse_foreach_key(p, s);
			if (parser_accept_op(p, "]"))
				break;
			struct token *t = parser_peek(p, 0);
			if (!parser_accept_op(p, ","))
				parser_fail_expected(p, t, "',' or ']'");
		}
	} else {
		parse_foreach_key(p, s);
	}
	struct token *t = parser_peek(p, 0);
	if (!tok_is_kw(t, "in"))
		parser_fail_expected(p, t, "'in'");
	parser_next(p);
	s->fe_array = parser_array_base(p);
	if (s->fe_array->kind == E_VAR && parser_at_op(p, "[")) {
		struct expr *slice = expr_new(p->a, E_INDEX, s->fe_array->loc);
		slice->operand = s->fe_array;
		parser_index_args(p, &slice->args);
		s->fe_array = slice;
	}
	t = parser_peek(p, 0);
	if (t->kind == TOK_IDENT && t->text[0] == '@') {
		if (!parser_is_stat_op(t->text + 1))
			parser_fail_expected(p, t, "statistical operation");
		parser_next(p);
		s->fe_sort_agg = t->text + 1;
		if (!parse_sort_marker(p, s, -1))
			parser_fail_expected(p, parser_peek(p, 0), "sort directive");
	} else {
		parse_sort_marker(p, s, -1);
	}
	if (tok_is_kw(parser_peek(p, 0), "limit")) {
		parser_next(p);
		s->fe_limit = parser_expression(p);
	}
	parser_expect_op(p, ")");
	s->body = parse_statement(p);
	return s;
}

static struct stmt *parse_try(struct parser *p, struct token *kw)
{
	struct stmt *s = stmt_new(p->a, S_TRY, kw->loc);
	s->body = parse_block(p);
	struct token *t = parser_peek(p, 0);
	if (!tok_is_kw(t, "catch"))
		parser_fail_expected(p, t, "'catch'");
	parser_next(p);
	if (parser_accept_op(p, "(")) {
		s->catch_var = parse_var_name(p);
		parser_expect_op(p, ")");
	}
	s->catch_body = parse_block(p);
	return s;
}

static bool starts_expression(const struct token *t)
{
	switch (t->kind) {
	case TOK_NUMBER:
	case TOK_STRING:
	case TOK_IDENT:
	case TOK_EMBEDDED:
		return true;
	case TOK_OP: {
		static const char *const ops[] = {"(", "[", "-", "+", "!", "~", "++", "--", "&", NULL};
		for (int i = 0; ops[i]; i++)
			if (strcmp(t->text, ops[i]) == 0)
				return true;
		return false;
	}
	default:
		return false;
	}
}

/* break, continue, next, return [e], delete e, e: a ';' may follow. */
static struct stmt *parse_simple(struct parser *p, struct token *t)
{
	struct stmt *s;
	if (t->kind == TOK_EMBEDDED) {
		/* like a block, an embedded statement takes no ';' */
		parser_next(p);
		parser_check_embedded(p, t, false);
		s = stmt_new(p->a, S_EMBEDDED, t->loc);
		s->code = t->text;
		return s;
	}
	if (tok_is_kw(t, "break") || tok_is_kw(t, "continue") || tok_is_kw(t, "next")) {
		parser_next(p);
		s = stmt_new(p->a, tok_is_kw(t, "break") ? S_BREAK
				   : tok_is_kw(t, "continue") ? S_CONTINUE : S_NEXT, t->loc);
	} else if (tok_is_kw(t, "return")) {
		parser_next(p);
		if (!p->in_function)
			parser_report(p, t->loc, "parse error: found 'return' not in function context");
		s = stmt_new(p->a, S_RETURN, t->loc);
		if (starts_expression(parser_peek(p, 0)))
			s->expr = parser_expression(p);
	} else if (tok_is_kw(t, "delete")) {
		parser_next(p);
		s = stmt_new(p->a, S_DELETE, t->loc);
		s->expr = parser_expression(p);
	} else if (starts_expression(t)) {
		s = stmt_new(p->a, S_EXPR, t->loc);
		s->expr = parser_expression(p);
	} else {
		parser_fail_expected(p, t, "statement");
	}
	parser_accept_op(p, ";");
	return s;
}

static struct stmt *parse_statement(struct parser *p)
{
	struct token *t = parser_peek(p, 0);
	if (p->depth >= PARSER_MAX_DEPTH)
		parser_fail(p, t, "parse error: statement nested too deeply");
	parser_enter(p, t);
	struct stmt *s;
	if (tok_is_op(t, ";")) {
		parser_next(p);
		s = stmt_new(p->a, S_NULL, t->loc);
	} else if (tok_is_op(t, "{")) {
		s = parse_block(p);
	} else if (t->kind == TOK_KEYWORD && (tok_is_kw(t, "if") || tok_is_kw(t, "while") ||
					      tok_is_kw(t, "for") || tok_is_kw(t, "foreach") ||
					      tok_is_kw(t, "try"))) {
		parser_next(p);
		if (tok_is_kw(t, "if"))
			s = parse_if(p, t);
		else if (tok_is_kw(t, "while"))
			s = parse_while(p, t);
		else if (tok_is_kw(t, "for"))
			s = parse_for(p, t);
		else if (tok_is_kw(t, "foreach"))
			s = parse_foreach(p, t);
		else
			s = parse_try(p, t);
	} else {
		s = parse_simple(p, t);
	}
	parser_leave(p);
	return s;
}

/* ---- probe points ---------------------------------------------------- */

static bool name_part(const struct token *t)
{
	return (t->kind == TOK_IDENT && t->text[0] != '@') || t->kind == TOK_KEYWORD ||
	       tok_is_op(t, "*");
}

/* Is b written right after a, with no space between? */
static bool adjacent(const struct token *a, const struct token *b)
{
	return a->loc.file == b->loc.file && a->loc.line == b->loc.line &&
	       b->loc.col == a->loc.col + (int)strlen(a->text) && !a->loc.expanded_from &&
	       !b->loc.expanded_from;
}

/* A component name: identifiers, keywords and '*' written without spaces,
 * as in sys*call or trace** (the lexer splits them). */
static const char *parse_component_name(struct parser *p)
{
	struct token *t = parser_peek(p, 0);
	if (!name_part(t))
		parser_fail_expected(p, t, "probe point component");
	struct strbuf b;
	sb_init(&b);
	struct token *prev = parser_next(p);
	sb_puts(&b, prev->text);
	for (;;) {
		t = parser_peek(p, 0);
		if (!adjacent(prev, t) || !(name_part(t) || t->kind == TOK_NUMBER))
			break;
		sb_puts(&b, t->text);
		prev = parser_next(p);
	}
	const char *name = arena_strdup(p->a, b.s);
	sb_free(&b);
	return name;
}

static void parse_point_list(struct parser *p, struct vec *points);

/* Is the '{' next a brace group of probe points, rather than a probe body
 * where a point was due (`probe timer. {`)? Looks ahead to its '}': names,
 * '.', ',', '?', '!', nested groups and `(literal)` arguments, with no
 * empty alternative, followed by what may follow a point. A condition
 * inside ends the look: that is a group. */
static bool at_brace_group(struct parser *p)
{
	int depth = 0;
	bool want_name = true; /* after '{' or ',' or '.' */
	for (int i = 0; i < 256; i++) {
		const struct token *t = parser_peek(p, i);
		if (t->kind == TOK_EOF)
			return false;
		if (tok_is_op(t, "{")) {
			if (!want_name)
				return false;
			depth++;
			continue;
		}
		if (tok_is_op(t, "}")) {
			if (want_name)
				return false;
			if (--depth > 0)
				continue;
			t = parser_peek(p, i + 1);
			return t->kind == TOK_EOF || tok_is_op(t, ".") || tok_is_op(t, ",") || tok_is_op(t, "?") ||
			       tok_is_op(t, "!") || tok_is_op(t, "{") || tok_is_op(t, "}") ||
			       tok_is_op(t, "=") || tok_is_op(t, "+=") || tok_is_kw(t, "if");
		}
		if (tok_is_kw(t, "if"))
			return !want_name;
		if (name_part(t) || (!want_name && t->kind == TOK_NUMBER)) {
			want_name = false;
		} else if (tok_is_op(t, "(") && !want_name) {
			const struct token *lit = parser_peek(p, i + 1);
			int skip = tok_is_op(lit, "-") ? 1 : 0;
			lit = parser_peek(p, i + 1 + skip);
			if ((lit->kind != TOK_NUMBER && lit->kind != TOK_STRING) ||
			    !tok_is_op(parser_peek(p, i + 2 + skip), ")"))
				return false;
			i += 2 + skip;
		} else if ((tok_is_op(t, ".") || tok_is_op(t, ",")) && !want_name) {
			want_name = true;
		} else if ((tok_is_op(t, "?") || tok_is_op(t, "!")) && !want_name) {
			continue;
		} else {
			return false;
		}
	}
	return true;
}

/* One component, or a brace group: the points a component position
 * stands for, each a fresh probe point. */
static void parse_component_alts(struct parser *p, struct vec *alts)
{
	if (parser_at_op(p, "{") && at_brace_group(p)) {
		parser_next(p);
		parse_point_list(p, alts);
		parser_expect_op(p, "}");
		return;
	}
	struct probe_point *pp = arena_alloc(p->a, sizeof(*pp));
	struct pp_component *c = arena_alloc(p->a, sizeof(*c));
	pp->loc = c->loc = parser_peek(p, 0)->loc;
	c->name = parse_component_name(p);
	if (parser_accept_op(p, "(")) {
		c->arg = parser_literal(p);
		parser_expect_op(p, ")");
	}
	vec_push(p->a, &pp->comps, c);
	vec_push(p->a, alts, pp);
}

static void append_comps(struct arena *a, struct probe_point *to, const struct probe_point *from)
{
	VEC_FOREACH(from->comps, i) {
		struct pp_component *c = arena_alloc(a, sizeof(*c));
		*c = *VEC_AT(from->comps, i, struct pp_component *);
		vec_push(a, &to->comps, c);
	}
}

/* Every prefix followed by every suffix: a.{b,c}.{d,e} is a.b.d, a.b.e,
 * a.c.d, a.c.e, in that order. A suffix's '?', '!' and condition carry
 * over; a prefix may not have them (they belong at the end). */
static void cross_points(struct parser *p, struct vec *pps, const struct vec *suffixes,
                         const struct token *at)
{
	if (!pps->n) {
		*pps = *suffixes;
		return;
	}
	struct vec product = {0};
	VEC_FOREACH(*pps, i) {
		const struct probe_point *pre = VEC_AT(*pps, i, struct probe_point *);
		if (pre->optional || pre->sufficient || pre->cond)
			parser_fail(p, at, "parse error: '?', '!' or a condition may only end a probe point");
		VEC_FOREACH(*suffixes, j) {
			const struct probe_point *suf = VEC_AT(*suffixes, j, struct probe_point *);
			struct probe_point *pp = arena_alloc(p->a, sizeof(*pp));
			*pp = *suf;
			pp->comps = (struct vec){0};
			pp->loc = pre->loc;
			append_comps(p->a, pp, pre);
			append_comps(p->a, pp, suf);
			vec_push(p->a, &product, pp);
		}
	}
	*pps = product;
}

/* A probe point, which brace groups make several: a dotted sequence of
 * components or {alternatives}, then '?' or '!', then `if (cond)`. */
static void parse_probe_point(struct parser *p, struct vec *out)
{
	struct vec pps = {0};
	do {
		struct token *at = parser_peek(p, 0);
		struct vec alts = {0};
		parse_component_alts(p, &alts);
		cross_points(p, &pps, &alts, at);
	} while (parser_accept_op(p, "."));
	struct token *t = parser_peek(p, 0);
	bool optional = tok_is_op(t, "?"), sufficient = tok_is_op(t, "!");
	if (optional || sufficient)
		parser_next(p);
	struct expr *cond = NULL;
	if (tok_is_kw(parser_peek(p, 0), "if")) {
		t = parser_next(p);
		cond = parse_paren_expr(p);
	}
	VEC_FOREACH(pps, i) {
		struct probe_point *pp = VEC_AT(pps, i, struct probe_point *);
		if ((optional || sufficient) && (pp->optional || pp->sufficient))
			parser_fail(p, t, "parse error: '?' or '!' given twice");
		if (cond && pp->cond)
			parser_fail(p, t, "parse error: the condition is given twice");
		pp->optional |= optional;
		pp->sufficient |= sufficient;
		if (cond)
			pp->cond = cond;
		vec_push(p->a, out, pp);
	}
}

static void parse_point_list(struct parser *p, struct vec *points)
{
	do
		parse_probe_point(p, points);
	while (parser_accept_op(p, ","));
}

/* ---- declarations ---------------------------------------------------- */

static void parse_probe(struct parser *p, struct stapfile *f, struct token *kw)
{
	struct vec points = {0};
	parse_point_list(p, &points);
	struct token *t = parser_peek(p, 0);
	if (tok_is_op(t, "=") || tok_is_op(t, "+=")) {
		VEC_FOREACH(points, i) {
			struct probe_point *pp = VEC_AT(points, i, struct probe_point *);
			if (pp->optional || pp->sufficient || pp->cond)
				parser_fail(p, t, "parse error: a probe alias name cannot be optional or conditional");
		}
		parser_next(p);
		struct probe_alias *al = arena_alloc(p->a, sizeof(*al));
		al->aliases = points;
		al->epilogue = tok_is_op(t, "+=");
		al->loc = kw->loc;
		al->file = p->src;
		parse_point_list(p, &al->points);
		al->body = parse_block(p);
		struct token *comma = parser_peek(p, 0);
		if (tok_is_op(comma, ",")) {
			if (al->epilogue)
				parser_fail(p, comma, "parse error: combined prologue and epilogue cannot be defined with '+='");
			parser_next(p);
			al->epilogue_body = parse_block(p);
		}
		vec_push(p->a, &f->aliases, al);
		return;
	}
	if (!tok_is_op(t, "{"))
		parser_fail_expected(p, t, "one of ', { = +='");
	struct probe *pr = arena_alloc(p->a, sizeof(*pr));
	pr->points = points;
	pr->loc = kw->loc;
	pr->file = p->src;
	pr->body = parse_block(p);
	vec_push(p->a, &f->probes, pr);
}

static void parse_global(struct parser *p, struct stapfile *f, bool is_private)
{
	do {
		struct token *name = parser_expect_ident(p);
		VEC_FOREACH(f->globals, i)
			if (strcmp(VEC_AT(f->globals, i, struct vardecl *)->name, name->text) == 0)
				parser_fail(p, name, "parse error: duplicate global name");
		struct vardecl *v = arena_alloc(p->a, sizeof(*v));
		v->name = name->text;
		v->loc = name->loc;
		v->is_global = true;
		v->is_private = is_private;
		v->file = p->src;
		v->arity = -1;
		v->wrap = parser_accept_op(p, "%");
		if (parser_accept_op(p, "[")) {
			struct token *t = parser_peek(p, 0);
			if (t->kind != TOK_NUMBER)
				parser_fail_expected(p, t, "array size");
			parser_next(p);
			if (t->num <= 0)
				parser_fail(p, t, "parse error: array size out of range");
			v->has_size = true;
			v->maxsize = t->num;
			parser_expect_op(p, "]");
		}
		struct token *eq = parser_peek(p, 0);
		if (tok_is_op(eq, "=")) {
			if (v->has_size || v->wrap)
				parser_fail(p, eq, "parse error: only scalar globals can be initialized");
			parser_next(p);
			v->init = parser_literal(p);
		}
		vec_push(p->a, &f->globals, v);
	} while (parser_accept_op(p, ","));
	parser_accept_op(p, ";");
}

static enum type parse_type_suffix(struct parser *p)
{
	if (!parser_accept_op(p, ":"))
		return TY_UNKNOWN;
	struct token *t = parser_peek(p, 0);
	if (tok_is_ident(t, "long") || tok_is_ident(t, "string")) {
		parser_next(p);
		return tok_is_ident(t, "long") ? TY_LONG : TY_STRING;
	}
	parser_fail_expected(p, t, "'string' or 'long'");
}

static void parse_function(struct parser *p, struct stapfile *f, bool is_private)
{
	struct token *name = parser_expect_ident(p);
	struct funcdecl *fn = arena_alloc(p->a, sizeof(*fn));
	fn->name = name->text;
	fn->loc = name->loc;
	fn->is_private = is_private;
	fn->file = p->src;
	fn->ret_decl = parse_type_suffix(p);
	parser_expect_op(p, "(");
	while (!parser_accept_op(p, ")")) {
		struct token *pn = parser_expect_ident(p);
		VEC_FOREACH(fn->params, i)
			if (strcmp(VEC_AT(fn->params, i, struct vardecl *)->name, pn->text) == 0)
				parser_fail(p, pn, "parse error: duplicate parameter names");
		struct vardecl *v = arena_alloc(p->a, sizeof(*v));
		v->name = pn->text;
		v->loc = pn->loc;
		v->is_param = true;
		v->arity = 0;
		v->file = p->src;
		v->type = parse_type_suffix(p);
		vec_push(p->a, &fn->params, v);
		struct token *t = parser_peek(p, 0);
		if (!tok_is_op(t, ")") && !parser_accept_op(p, ","))
			parser_fail_expected(p, t, "',' or ')'");
	}
	struct token *t = parser_peek(p, 0);
	if (t->kind == TOK_EMBEDDED) {
		parser_next(p);
		parser_check_embedded(p, t, false);
		fn->embedded = t->text;
	} else {
		p->in_function = true;
		fn->body = parse_block(p);
		p->in_function = false;
	}
	vec_push(p->a, &f->functions, fn);
}

static void parse_declaration(struct parser *p, struct stapfile *f)
{
	struct token *t = parser_next(p);
	if (t->kind == TOK_EMBEDDED) {
		parser_check_embedded(p, t, false);
		struct embedded_block *eb = arena_alloc(p->a, sizeof(*eb));
		eb->code = t->text;
		eb->loc = t->loc;
		eb->file = p->src;
		vec_push(p->a, &f->embeds, eb);
		return;
	}
	bool is_private = tok_is_kw(t, "private");
	if (is_private) {
		t = parser_peek(p, 0);
		if (t->kind == TOK_IDENT) {
			/* "private x" declares a private global */
			parse_global(p, f, true);
			return;
		}
		parser_next(p);
		if (!tok_is_kw(t, "function") && !tok_is_kw(t, "global"))
			parser_fail_expected(p, t, "'function', 'global' or identifier after 'private'");
	}
	if (tok_is_kw(t, "probe"))
		parse_probe(p, f, t);
	else if (tok_is_kw(t, "global"))
		parse_global(p, f, is_private);
	else if (tok_is_kw(t, "function"))
		parse_function(p, f, is_private);
	else
		parser_fail_expected(p, t, "'probe', 'global', 'private', 'function', or '%{'");
}

/* Skip to the next top-level keyword (or %{ between declarations),
 * always moving past the token the failed declaration started at. */
static void skip_declaration(struct parser *p, const struct token *start)
{
	int depth = 0;
	if (parser_peek(p, 0) == start)
		parser_next(p);
	for (;;) {
		struct token *t = parser_peek(p, 0);
		if (t->kind == TOK_EOF || is_toplevel_kw(t) || (depth == 0 && t->kind == TOK_EMBEDDED))
			return;
		parser_next(p);
		if (tok_is_op(t, "{"))
			depth++;
		else if (tok_is_op(t, "}") && depth > 0)
			depth--;
	}
}

struct stapfile *parse_file(struct arena *a, const struct src_file *src,
			    const struct pp_config *cfg, bool is_tapset)
{
	/* In the arena, not on the stack: its fields change between setjmp
	 * and longjmp. */
	struct parser *p = arena_alloc(a, sizeof(*p));
	p->a = a;
	p->ts = ts_new(a, src, cfg);
	p->cfg = cfg;
	p->src = src;
	p->is_tapset = is_tapset;
	p->privileged = is_tapset || (cfg && cfg->guru_mode);
	struct stapfile *f = arena_alloc(a, sizeof(*f));
	f->src = src;
	f->is_tapset = is_tapset;
	jmp_buf top;
	while (parser_peek(p, 0)->kind != TOK_EOF) {
		struct token *start = parser_peek(p, 0);
		p->recover = p->top_recover = &top;
		p->depth = 0;
		p->in_function = false;
		p->bare_hist_ok = NULL;
		if (setjmp(top) == 0)
			parse_declaration(p, f);
		else
			skip_declaration(p, start);
	}
	return f;
}

bool parse_point_pattern(struct arena *a, const struct src_file *src, const struct pp_config *cfg,
			 struct vec *out)
{
	struct parser *p = arena_alloc(a, sizeof(*p));
	p->a = a;
	p->ts = ts_new(a, src, cfg);
	p->cfg = cfg;
	p->src = src;
	jmp_buf top;
	p->recover = p->top_recover = &top;
	if (setjmp(top) != 0)
		return false;
	parse_point_list(p, out);
	struct token *t = parser_peek(p, 0);
	if (t->kind != TOK_EOF)
		parser_fail_expected(p, t, "',' or the end of the pattern");
	return true;
}
