/* Expressions, with the script language's precedence (loosest first):
 *
 *   assignment  = += -= *= /= %= <<= >>= &= |= ^= .= <<<   (right assoc.)
 *   ternary     c ? e : t                                 (right assoc.)
 *   ||  &&  |  ^  &                                       (left assoc.)
 *   in          [k, ...] in arr,  k in arr                (not chained)
 *   < > <= >= == != =~ !~  << >> >>>  .  + -  * / %      (left assoc.)
 *   unary       - + ! ~
 *   ++/--       prefix (on a value) or postfix
 *   value       &value, primary followed by ->f [i] $ $$
 */
#include "parser_internal.h"

#include "runtime/format.h"

#include <string.h>

enum level {
	LVL_OR,
	LVL_AND,
	LVL_BOR,
	LVL_BXOR,
	LVL_BAND,
	LVL_IN,
	LVL_CMP,
	LVL_SHIFT,
	LVL_CONCAT,
	LVL_ADD,
	LVL_MUL,
	LVL_UNARY,
};

struct binary_level {
	const char *ops[9];
	enum expr_kind kind;
};

static const struct binary_level binary_levels[] = {
	[LVL_OR] = {{"||"}, E_LOGICAL},
	[LVL_AND] = {{"&&"}, E_LOGICAL},
	[LVL_BOR] = {{"|"}, E_BINARY},
	[LVL_BXOR] = {{"^"}, E_BINARY},
	[LVL_BAND] = {{"&"}, E_BINARY},
	[LVL_IN] = {{NULL}, E_IN},
	[LVL_CMP] = {{"<", ">", "<=", ">=", "==", "!=", "=~", "!~"}, E_COMPARE},
	[LVL_SHIFT] = {{"<<", ">>", ">>>"}, E_BINARY},
	[LVL_CONCAT] = {{"."}, E_CONCAT},
	[LVL_ADD] = {{"+", "-"}, E_BINARY},
	[LVL_MUL] = {{"*", "/", "%"}, E_BINARY},
};

static const char *const assign_ops[] = {
	"=", "+=", "-=", "*=", "/=", "%=", "<<=", ">>=", "&=", "|=", "^=", ".=", "<<<", NULL,
};

static bool op_in(const struct token *t, const char *const *ops, int n)
{
	if (t->kind != TOK_OP)
		return false;
	for (int i = 0; (n < 0 || i < n) && ops[i]; i++)
		if (strcmp(t->text, ops[i]) == 0)
			return true;
	return false;
}

static struct expr *parse_level(struct parser *p, enum level lvl);
static struct expr *parse_literal_string(struct parser *p);
static struct expr *parse_unary(struct parser *p);
static struct expr *parse_value(struct parser *p);

static struct expr *new_binary(struct parser *p, enum expr_kind k, const struct token *op,
			       struct expr *l, struct expr *r)
{
	struct expr *e = expr_new(p->a, k, op->loc);
	e->op = op->text;
	e->left = l;
	e->right = r;
	return e;
}

static struct expr *parse_ternary(struct parser *p)
{
	struct expr *c = parse_level(p, LVL_OR);
	if (!parser_at_op(p, "?"))
		return c;
	struct token *q = parser_next(p);
	struct expr *e = expr_new(p->a, E_TERNARY, q->loc);
	e->cond = c;
	e->left = parser_expression(p);
	parser_expect_op(p, ":");
	parser_enter(p, q);
	e->right = parse_ternary(p);
	parser_leave(p);
	return e;
}

struct expr *parser_expression(struct parser *p)
{
	struct token *first = parser_peek(p, 0);
	parser_enter(p, first);
	struct expr *l = parse_ternary(p);
	struct token *t = parser_peek(p, 0);
	if (op_in(t, assign_ops, -1)) {
		parser_next(p);
		struct expr *r = parser_expression(p);
		l = new_binary(p, strcmp(t->text, "<<<") == 0 ? E_STATS_ADD : E_ASSIGN, t, l, r);
	}
	parser_leave(p);
	return l;
}

static struct expr *parse_star(struct parser *p)
{
	struct token *t = parser_next(p);
	return expr_new(p->a, E_STAR, t->loc);
}

/* [k1, k2] in arr  |  k in arr  |  comparison */
static struct expr *parse_array_in(struct parser *p)
{
	struct vec keys = {0};
	if (parser_at_op(p, "[")) {
		parser_next(p);
		for (;;) {
			struct token *t = parser_peek(p, 0);
			vec_push(p->a, &keys, tok_is_op(t, "*") ? parse_star(p) : parse_level(p, LVL_CMP));
			if (parser_accept_op(p, "]"))
				break;
			t = parser_peek(p, 0);
			if (!parser_accept_op(p, ","))
				parser_fail_expected(p, t, "',' or ']'");
		}
		struct token *t = parser_peek(p, 0);
		if (!tok_is_kw(t, "in"))
			parser_fail_expected(p, t, "'in'");
	} else {
		struct expr *k = parse_level(p, LVL_CMP);
		if (!tok_is_kw(parser_peek(p, 0), "in"))
			return k;
		vec_push(p->a, &keys, k);
	}
	struct token *in = parser_next(p);
	struct expr *e = expr_new(p->a, E_IN, in->loc);
	e->op = "in";
	e->args = keys;
	e->operand = parser_array_base(p);
	return e;
}

/* ">>>" (unsigned shift right) reaches us as ">>" then ">" written right
 * after it. */
static struct token *take_unsigned_shift(struct parser *p, struct token *op)
{
	struct token *next = parser_peek(p, 0);
	if (!tok_is_op(op, ">>") || !tok_is_op(next, ">") || next->loc.line != op->loc.line ||
	    next->loc.col != op->loc.col + 2 || next->loc.file != op->loc.file)
		return op;
	parser_next(p);
	struct token *t = arena_alloc(p->a, sizeof(*t));
	*t = *op;
	t->text = ">>>";
	return t;
}

static struct expr *parse_level(struct parser *p, enum level lvl)
{
	if (lvl == LVL_UNARY)
		return parse_unary(p);
	if (lvl == LVL_IN)
		return parse_array_in(p);
	const struct binary_level *bl = &binary_levels[lvl];
	struct expr *e = parse_level(p, lvl + 1);
	int links = 0;
	/* Each link deepens the (left-leaning) tree: count it like nesting. */
	while (op_in(parser_peek(p, 0), bl->ops, 9)) {
		struct token *op = parser_next(p);
		if (lvl == LVL_SHIFT)
			op = take_unsigned_shift(p, op);
		parser_enter(p, op);
		links++;
		/* a regular expression is a literal string, never computed */
		bool regex = tok_is_op(op, "=~") || tok_is_op(op, "!~");
		e = new_binary(p, bl->kind, op, e,
			       regex ? parse_literal_string(p) : parse_level(p, lvl + 1));
	}
	while (links--)
		parser_leave(p);
	return e;
}

static struct expr *parse_crement(struct parser *p)
{
	struct token *t = parser_peek(p, 0);
	if (tok_is_op(t, "++") || tok_is_op(t, "--")) {
		parser_next(p);
		struct expr *e = expr_new(p->a, E_INCDEC, t->loc);
		e->op = t->text;
		e->prefix = true;
		e->operand = parse_value(p);
		return e;
	}
	struct expr *v = parse_value(p);
	t = parser_peek(p, 0);
	if (tok_is_op(t, "++") || tok_is_op(t, "--")) {
		parser_next(p);
		struct expr *e = expr_new(p->a, E_INCDEC, t->loc);
		e->op = t->text;
		e->operand = v;
		return e;
	}
	return v;
}

static struct expr *parse_unary(struct parser *p)
{
	struct token *t = parser_peek(p, 0);
	if (tok_is_op(t, "-") || tok_is_op(t, "+") || tok_is_op(t, "!") || tok_is_op(t, "~")) {
		parser_next(p);
		parser_enter(p, t);
		struct expr *e = expr_new(p->a, E_UNARY, t->loc);
		e->op = t->text;
		e->operand = parse_unary(p);
		parser_leave(p);
		return e;
	}
	return parse_crement(p);
}

/* ---- literals -------------------------------------------------------- */

/* A string token whose text ends in a lone '\' (cut short by a NUL byte in
 * the source) would swallow its closing quote when printed. */
static void check_string_end(struct parser *p, const struct token *t)
{
	size_t n = strlen(t->text), backslashes = 0;
	while (backslashes < n && t->text[n - 1 - backslashes] == '\\')
		backslashes++;
	if (backslashes % 2)
		parser_report(p, t->loc, "parse error: malformed string literal");
}

struct expr *parser_string(struct parser *p)
{
	struct token *t = parser_peek(p, 0);
	if (t->kind != TOK_STRING)
		parser_fail_expected(p, t, "string");
	parser_next(p);
	check_string_end(p, t);
	struct expr *e = expr_new(p->a, E_STR, t->loc);
	e->str = t->text;
	if (parser_peek(p, 0)->kind != TOK_STRING)
		return e;
	struct strbuf b;
	sb_init(&b);
	sb_puts(&b, t->text);
	while (parser_peek(p, 0)->kind == TOK_STRING) {
		check_string_end(p, parser_peek(p, 0));
		sb_puts(&b, parser_next(p)->text);
	}
	e->str = arena_strdup(p->a, b.s);
	sb_free(&b);
	return e;
}

struct expr *parser_signed_number(struct parser *p)
{
	struct token *first = parser_peek(p, 0);
	bool neg = parser_accept_op(p, "-");
	struct token *t = parser_peek(p, 0);
	if (t->kind != TOK_NUMBER)
		parser_fail_expected(p, t, "number");
	parser_next(p);
	struct expr *e = expr_new(p->a, E_NUM, first->loc);
	/* unsigned negation: -9223372036854775808 folds without overflow */
	e->num = neg ? (int64_t)(0 - (uint64_t)t->num) : t->num;
	e->is_hex = t->is_hex;
	return e;
}

struct expr *parser_literal(struct parser *p)
{
	struct token *t = parser_peek(p, 0);
	if (t->kind == TOK_STRING)
		return parser_string(p);
	if (t->kind == TOK_NUMBER || tok_is_op(t, "-"))
		return parser_signed_number(p);
	parser_fail_expected(p, t, "literal string or number");
}

/* ---- @-operators ----------------------------------------------------- */

bool parser_is_stat_op(const char *name)
{
	static const char *const ops[] = {"count", "sum", "min", "max", "avg", "variance", NULL};
	for (int i = 0; ops[i]; i++)
		if (strcmp(name, ops[i]) == 0)
			return true;
	return false;
}

static bool is_hist_op(const struct token *t)
{
	return t->kind == TOK_IDENT &&
	       (strcmp(t->text, "@hist_log") == 0 || strcmp(t->text, "@hist_linear") == 0);
}

static struct expr *parse_hist(struct parser *p)
{
	struct token *t = parser_next(p);
	struct expr *e = expr_new(p->a, E_HIST, t->loc);
	e->op = t->text + 1;
	parser_expect_op(p, "(");
	e->operand = parser_expression(p);
	if (strcmp(e->op, "hist_linear") == 0) {
		for (int i = 0; i < 3; i++) {
			parser_expect_op(p, ",");
			vec_push(p->a, &e->args, parser_signed_number(p));
		}
	}
	parser_expect_op(p, ")");
	return e;
}

struct expr *parser_array_base(struct parser *p)
{
	struct token *t = parser_peek(p, 0);
	if (is_hist_op(t))
		return parse_hist(p);
	if (t->kind != TOK_IDENT || t->text[0] == '$' || t->text[0] == '@')
		parser_fail_expected(p, t, "array name");
	parser_next(p);
	struct expr *e = expr_new(p->a, E_VAR, t->loc);
	e->str = t->text;
	return e;
}

static struct expr *parse_stat_op(struct parser *p, struct token *t)
{
	struct expr *e = expr_new(p->a, E_STAT_OP, t->loc);
	e->op = t->text + 1;
	parser_expect_op(p, "(");
	e->operand = parser_expression(p);
	if (strcmp(e->op, "variance") == 0 && parser_accept_op(p, ","))
		vec_push(p->a, &e->args, parser_signed_number(p));
	parser_expect_op(p, ")");
	return e;
}

/* @cast(ptr, "type"[, "module"]) and @var("name"[, "module"]) */
static struct expr *parse_cast_or_var(struct parser *p, struct token *t, enum expr_kind k)
{
	struct expr *e = expr_new(p->a, k, t->loc);
	e->op = t->text + 1;
	parser_expect_op(p, "(");
	if (k == E_CAST) {
		e->operand = parser_expression(p);
		parser_expect_op(p, ",");
	}
	e->str = parser_string(p)->str;
	if (parser_accept_op(p, ","))
		e->module = parser_string(p)->str;
	parser_expect_op(p, ")");
	return e;
}

static struct expr *parse_wrapping_op(struct parser *p, struct token *t, enum expr_kind k)
{
	struct expr *e = expr_new(p->a, k, t->loc);
	e->op = t->text + 1;
	parser_expect_op(p, "(");
	e->operand = parser_expression(p);
	parser_expect_op(p, ")");
	return e;
}

/* @perf("name"), @probewrite(var), @uregister(n), @uderef(size, addr)
 * and the guru-only @const("NAME"), @kregister(n) and @kderef(size, addr)
 * are calls to built-ins spelled with '@' (E_CALL named with its '@'). */
static bool is_at_call(const char *name)
{
	static const char *const calls[] = {"perf",	 "probewrite", "uregister", "uderef",
					    "const",	 "kregister",  "kderef",    NULL};
	for (int i = 0; calls[i]; i++)
		if (strcmp(name, calls[i]) == 0)
			return true;
	return false;
}

static struct expr *parse_at_call(struct parser *p, struct token *t)
{
	if ((strcmp(t->text, "@const") == 0 || strcmp(t->text, "@kregister") == 0 ||
	     strcmp(t->text, "@kderef") == 0) && !p->privileged)
		parser_report(p, t->loc, "parse error: using %s operator not permitted; need btap -g",
			      t->text);
	struct expr *e = expr_new(p->a, E_CALL, t->loc);
	e->str = t->text;
	parser_expect_op(p, "(");
	vec_push(p->a, &e->args, parser_expression(p));
	if (strcmp(t->text + 2, "deref") == 0) { /* @kderef, @uderef: (size, address) */
		parser_expect_op(p, ",");
		vec_push(p->a, &e->args, parser_expression(p));
	}
	parser_expect_op(p, ")");
	return e;
}

static struct expr *parse_at_operator(struct parser *p)
{
	struct token *t = parser_peek(p, 0);
	const char *name = t->text + 1;
	if (is_hist_op(t)) {
		struct expr *e = parse_hist(p);
		/* A histogram is a value only when indexed, or printed whole. */
		if (!parser_at_op(p, "[") && !(t == p->bare_hist_ok && parser_at_op(p, ")")))
			parser_fail(p, t, "parse error: base histogram operator where expression expected");
		return e;
	}
	parser_next(p);
	if (parser_is_stat_op(name))
		return parse_stat_op(p, t);
	if (strcmp(name, "cast") == 0)
		return parse_cast_or_var(p, t, E_CAST);
	if (strcmp(name, "var") == 0)
		return parse_cast_or_var(p, t, E_ATVAR);
	if (strcmp(name, "defined") == 0)
		return parse_wrapping_op(p, t, E_DEFINED);
	if (strcmp(name, "entry") == 0)
		return parse_wrapping_op(p, t, E_ENTRY);
	if (is_at_call(name))
		return parse_at_call(p, t);
	parser_fail(p, t, "parse error: unknown operator '%s'", t->text);
}

/* ---- values ---------------------------------------------------------- */

static bool is_print_family(const char *name)
{
	return strcmp(name, "print") == 0 || strcmp(name, "println") == 0 ||
	       strcmp(name, "sprint") == 0 || strcmp(name, "sprintln") == 0;
}

static bool is_format_call(const char *name)
{
	return strcmp(name, "printf") == 0 || strcmp(name, "sprintf") == 0;
}

static bool is_delimited_call(const char *name)
{
	return strcmp(name, "printd") == 0 || strcmp(name, "printdln") == 0 ||
	       strcmp(name, "sprintd") == 0 || strcmp(name, "sprintdln") == 0;
}

/* The literal format of printf/sprintf, checked here as stap's parser does
 * (the caret points into the string when it can). */
static struct expr *parse_literal_string(struct parser *p)
{
	struct token *t = parser_peek(p, 0);
	if (t->kind != TOK_STRING)
		parser_fail_expected(p, t, "literal string");
	return parser_string(p);
}

static struct expr *parse_format(struct parser *p)
{
	struct token *t = parser_peek(p, 0);
	struct expr *fmt = parse_literal_string(p);
	int offset = 0;
	const char *msg = rt_format_check(fmt->str, &offset);
	if (msg) {
		struct loc at = t->loc;
		if (offset >= 0 && (size_t)offset < strlen(t->text))
			at.col += 1 + offset;
		parser_report(p, at, "parse error: %s", msg);
	}
	return fmt;
}

static struct expr *parse_call(struct parser *p, struct token *name)
{
	struct expr *e = expr_new(p->a, E_CALL, name->loc);
	e->str = name->text;
	parser_expect_op(p, "(");
	bool literal_first = is_format_call(name->text) || is_delimited_call(name->text);
	struct token *close = parser_peek(p, 0);
	if (!literal_first && parser_accept_op(p, ")")) {
		if (!strcmp(name->text, "print") || !strcmp(name->text, "sprint"))
			parser_report(p, close->loc, "parse error: %s takes at least one value", name->text);
		return e;
	}
	const struct token *saved_hist = p->bare_hist_ok;
	if (is_print_family(name->text))
		p->bare_hist_ok = parser_peek(p, 0);
	for (;;) {
		struct expr *arg;
		if (literal_first && e->args.n == 0)
			arg = is_format_call(name->text) ? parse_format(p) : parse_literal_string(p);
		else
			arg = parser_expression(p);
		vec_push(p->a, &e->args, arg);
		p->bare_hist_ok = saved_hist;
		struct token *end = parser_peek(p, 0);
		if (parser_accept_op(p, ")")) {
			/* as stap: the delimiter is used at least once */
			if (is_delimited_call(name->text) && e->args.n < 3)
				parser_report(p, end->loc, "parse error: %s takes a delimiter and at least two values",
					      name->text);
			break;
		}
		struct token *t = parser_peek(p, 0);
		if (!parser_accept_op(p, ","))
			parser_fail_expected(p, t, "',' or ')'");
	}
	return e;
}

/* Split a trailing "$" or "$$" (pretty printing) off an identifier. */
static const char *strip_pretty(struct parser *p, const char *text, size_t skip, int *pretty)
{
	size_t n = strlen(text);
	*pretty = 0;
	while (n > skip + 1 && text[n - 1] == '$' && *pretty < 2) {
		n--;
		++*pretty;
	}
	return arena_strndup(p->a, text + skip, n - skip);
}

static struct component *new_component(struct parser *p, enum component_kind k, struct loc loc)
{
	struct component *c = arena_alloc(p->a, sizeof(*c));
	c->kind = k;
	c->loc = loc;
	return c;
}

static void push_pretty(struct parser *p, struct expr *e, int pretty, struct loc loc)
{
	if (!pretty)
		return;
	struct component *c = new_component(p, COMP_PRETTY, loc);
	c->pretty = pretty;
	vec_push(p->a, &e->components, c);
}

static struct expr *parse_dollar(struct parser *p, struct token *t)
{
	int pretty;
	if (t->text[1] == '$') {
		/* $$vars $$parms $$locals $$return, and $$name/$$provider of
		 * markers: pass 2 knows which exist where */
		struct expr *e = expr_new(p->a, E_TARGET_VARS, t->loc);
		e->op = strip_pretty(p, t->text, 2, &pretty);
		e->pretty = pretty;
		return e;
	}
	struct expr *e = expr_new(p->a, E_TARGET, t->loc);
	e->str = strip_pretty(p, t->text, 1, &pretty);
	push_pretty(p, e, pretty, t->loc);
	return e;
}

/* "$" or "$$" on its own (the lexer's token for a suffix after ']' or ')'). */
static bool is_pretty_suffix(const struct token *t)
{
	return t->kind == TOK_IDENT && (strcmp(t->text, "$") == 0 || strcmp(t->text, "$$") == 0);
}

static struct expr *parse_primary(struct parser *p, bool *parenthesized)
{
	struct token *t = parser_peek(p, 0);
	*parenthesized = false;
	switch (t->kind) {
	case TOK_NUMBER: {
		parser_next(p);
		struct expr *e = expr_new(p->a, E_NUM, t->loc);
		e->num = t->num;
		e->is_hex = t->is_hex;
		return e;
	}
	case TOK_STRING:
		return parser_string(p);
	case TOK_EMBEDDED: {
		parser_next(p);
		parser_check_embedded(p, t, true);
		struct expr *e = expr_new(p->a, E_EMBEDDED, t->loc);
		e->str = t->text;
		return e;
	}
	case TOK_OP:
		if (tok_is_op(t, "(")) {
			parser_next(p);
			struct expr *e = parser_expression(p);
			parser_expect_op(p, ")");
			*parenthesized = true;
			return e;
		}
		break;
	case TOK_IDENT:
		if (t->text[0] == '@')
			return parse_at_operator(p);
		if (is_pretty_suffix(t))
			parser_fail(p, t, "parse error: a pretty-printing suffix ('$' or '$$') follows a target value, "
				    "@cast or @var");
		parser_next(p);
		if (t->text[0] == '$')
			return parse_dollar(p, t);
		if (parser_at_op(p, "("))
			return parse_call(p, t);
		struct expr *e = expr_new(p->a, E_VAR, t->loc);
		e->str = t->text;
		return e;
	default:
		break;
	}
	parser_fail_expected(p, t, "expression");
}

static bool carries_components(const struct expr *e)
{
	return e->kind == E_TARGET || e->kind == E_CAST || e->kind == E_ATVAR;
}

/* '->' field or '[' index (one expression) after a target value. */
static void parse_component(struct parser *p, struct expr *e)
{
	struct token *t = parser_next(p);
	if (tok_is_op(t, "[")) {
		struct component *c = new_component(p, COMP_INDEX, t->loc);
		c->index = parser_expression(p);
		parser_expect_op(p, "]");
		vec_push(p->a, &e->components, c);
		return;
	}
	struct token *f = parser_peek(p, 0);
	if (f->kind != TOK_KEYWORD && (f->kind != TOK_IDENT || f->text[0] == '$' || f->text[0] == '@'))
		parser_fail_expected(p, f, "field name");
	parser_next(p);
	struct component *c = new_component(p, COMP_FIELD, f->loc);
	int pretty;
	c->field = strip_pretty(p, f->text, 0, &pretty);
	vec_push(p->a, &e->components, c);
	push_pretty(p, e, pretty, f->loc);
}

/* primary, then any number of ->field / [index]. An array name directly
 * followed by '[' is an element; '[' or '->' after anything else that is not
 * a target value dereferences that value as a pointer (autocast), kept as
 * an E_TARGET whose operand is the value. */
static struct expr *parse_postfix(struct parser *p)
{
	bool parens;
	struct expr *e = parse_primary(p, &parens);
	bool may_index = !parens && (e->kind == E_VAR || e->kind == E_HIST);
	for (;;) {
		struct token *t = parser_peek(p, 0);
		if (is_pretty_suffix(t) && carries_components(e) && !parens) {
			/* @cast(p, "T")$, $a[1]$$: pretty-print the value */
			parser_next(p);
			push_pretty(p, e, (int)strlen(t->text), t->loc);
			return e;
		}
		if (!tok_is_op(t, "[") && !tok_is_op(t, "->"))
			return e;
		if (may_index && tok_is_op(t, "[")) {
			struct expr *ix = expr_new(p->a, E_INDEX, e->loc);
			ix->operand = e;
			parser_index_args(p, &ix->args);
			e = ix;
			may_index = false;
			continue;
		}
		may_index = false;
		/* (&$x)->f reads through the address: not the same as &$x->f */
		if (!carries_components(e) || (parens && e->addressof)) {
			struct expr *cast = expr_new(p->a, E_TARGET, t->loc);
			cast->operand = e;
			e = cast;
		}
		parse_component(p, e);
	}
}

void parser_index_args(struct parser *p, struct vec *args)
{
	parser_expect_op(p, "[");
	for (;;) {
		struct token *t = parser_peek(p, 0);
		vec_push(p->a, args, tok_is_op(t, "*") ? parse_star(p) : parser_expression(p));
		if (parser_accept_op(p, "]"))
			return;
		t = parser_peek(p, 0);
		if (!parser_accept_op(p, ","))
			parser_fail_expected(p, t, "',' or ']'");
	}
}

static struct expr *parse_value(struct parser *p)
{
	struct token *t = parser_peek(p, 0);
	if (!tok_is_op(t, "&"))
		return parse_postfix(p);
	parser_next(p);
	struct expr *e = parse_postfix(p);
	if (carries_components(e)) {
		e->addressof = true;
		return e;
	}
	/* &(a ? $x : $y) and the like: pass 2 decides what it means */
	struct expr *u = expr_new(p->a, E_UNARY, t->loc);
	u->op = t->text;
	u->operand = e;
	return u;
}
