/* Parser and -p1 printer: precedence (checked against stap -p1), every
 * statement and declaration form, target-variable chains, foreach, located
 * diagnostics, error recovery, the nesting guard and the print/parse round
 * trip. */
#include "check.h"
#include "translator/parser.h"
#include "translator/printer.h"

#include <stdlib.h>
#include <string.h>

static struct arena tp_arena;
static char *tp_diags; /* diagnostics of the last parse (heap) */
static int tp_errors;

static struct stapfile *tp_parse_as(const char *text, bool guru, bool tapset)
{
	static struct pp_config cfg;
	cfg.guru_mode = guru;
	cfg.kernel_v = "6.18.0";
	cfg.kernel_vr = "6.18.0-test";
	cfg.arch = "x86_64";
	cfg.runtime = "bpf";
	cfg.systemtap_v = "4.8";
	free(tp_diags);
	diag_reset();
	diag_capture_begin();
	const struct src_file *f = src_register("t.stp", text, strlen(text), tapset);
	struct stapfile *sf = parse_file(&tp_arena, f, &cfg, tapset);
	tp_errors = diag_error_count();
	tp_diags = diag_capture_take();
	if (!tp_diags)
		tp_diags = calloc(1, 1);
	diag_capture_end();
	return sf;
}

static struct stapfile *tp_parse(const char *text) { return tp_parse_as(text, false, false); }

/* The printed file, in the arena. */
static const char *tp_print(const struct stapfile *f)
{
	struct strbuf b;
	sb_init(&b);
	print_file(&b, f);
	const char *s = arena_strdup(&tp_arena, b.s ? b.s : "");
	sb_free(&b);
	return s;
}

static const char *tp_p1(const char *text) { return tp_print(tp_parse(text)); }

static struct stmt *tp_first_stmt(const struct stapfile *f)
{
	if (!f->probes.n)
		return NULL;
	struct stmt *body = VEC_AT(f->probes, 0, struct probe *)->body;
	return body->stmts.n ? VEC_AT(body->stmts, 0, struct stmt *) : NULL;
}

/* The first statement of `probe begin { STMT }`, printed canonically. */
static const char *tp_stmt(const char *stmt_text)
{
	char *text = arena_printf(&tp_arena, "probe begin { %s }", stmt_text);
	struct stmt *s = tp_first_stmt(tp_parse(text));
	if (!s)
		return "(none)";
	struct strbuf b;
	sb_init(&b);
	print_stmt(&b, s, 0);
	const char *r = arena_strdup(&tp_arena, b.s);
	sb_free(&b);
	return r;
}

static struct expr *tp_expr(const char *expr_text)
{
	char *text = arena_printf(&tp_arena, "probe begin { %s }", expr_text);
	struct stmt *s = tp_first_stmt(tp_parse(text));
	return s && s->kind == S_EXPR ? s->expr : NULL;
}

/* ---- stap -p1 style dump: every operand parenthesized ------------------ */

static void tp_stap(struct strbuf *o, const struct expr *e);

static void tp_stap_wrap(struct strbuf *o, const struct expr *e)
{
	sb_putc(o, '(');
	tp_stap(o, e);
	sb_putc(o, ')');
}

static void tp_stap_args(struct strbuf *o, const struct vec *v)
{
	VEC_FOREACH(*v, i) {
		if (i)
			sb_puts(o, ", ");
		tp_stap(o, VEC_AT(*v, i, const struct expr *));
	}
}

static void tp_stap_components(struct strbuf *o, const struct expr *e)
{
	VEC_FOREACH(e->components, i) {
		const struct component *c = VEC_AT(e->components, i, const struct component *);
		if (c->kind == COMP_FIELD) {
			sb_printf(o, "->%s", c->field);
		} else if (c->kind == COMP_INDEX) {
			sb_putc(o, '[');
			tp_stap(o, c->index);
			sb_putc(o, ']');
		} else {
			sb_puts(o, c->pretty == 2 ? "->$$" : "->$");
		}
	}
}

static void tp_stap(struct strbuf *o, const struct expr *e)
{
	switch (e->kind) {
	case E_NUM: sb_printf(o, "%lld", (long long)e->num); break;
	case E_STR: sb_printf(o, "\"%s\"", e->str); break;
	case E_VAR: sb_puts(o, e->str); break;
	case E_STAR: sb_putc(o, '*'); break;
	case E_COMPARE:
		tp_stap_wrap(o, e->left);
		sb_printf(o, " %s ", e->op);
		if (e->op[1] == '~')
			tp_stap(o, e->right);
		else
			tp_stap_wrap(o, e->right);
		break;
	case E_ASSIGN: case E_STATS_ADD: case E_BINARY: case E_LOGICAL: case E_CONCAT:
		tp_stap_wrap(o, e->left);
		sb_printf(o, " %s ", e->op);
		tp_stap_wrap(o, e->right);
		break;
	case E_TERNARY:
		tp_stap_wrap(o, e->cond);
		sb_putc(o, '?');
		tp_stap_wrap(o, e->left);
		sb_putc(o, ':');
		tp_stap_wrap(o, e->right);
		break;
	case E_UNARY:
		sb_puts(o, e->op);
		tp_stap_wrap(o, e->operand);
		break;
	case E_INCDEC:
		if (e->prefix)
			sb_puts(o, e->op);
		tp_stap_wrap(o, e->operand);
		if (!e->prefix)
			sb_puts(o, e->op);
		break;
	case E_IN:
		sb_putc(o, '[');
		tp_stap_args(o, &e->args);
		sb_puts(o, "] in ");
		tp_stap(o, e->operand);
		break;
	case E_INDEX:
		tp_stap(o, e->operand);
		sb_putc(o, '[');
		tp_stap_args(o, &e->args);
		sb_putc(o, ']');
		break;
	case E_CALL:
		sb_printf(o, "%s(", e->str);
		tp_stap_args(o, &e->args);
		sb_putc(o, ')');
		break;
	case E_TARGET:
		if (e->addressof)
			sb_putc(o, '&');
		if (e->operand)
			tp_stap_wrap(o, e->operand);
		else
			sb_printf(o, "$%s", e->str);
		tp_stap_components(o, e);
		break;
	case E_TARGET_VARS:
		sb_printf(o, "$$%s%s", e->op, e->pretty == 2 ? "->$$" : e->pretty ? "->$" : "");
		break;
	case E_CAST:
	case E_ATVAR:
		if (e->addressof)
			sb_putc(o, '&');
		sb_puts(o, e->kind == E_CAST ? "@cast(" : "@var(");
		if (e->operand) {
			tp_stap(o, e->operand);
			sb_puts(o, ", ");
		}
		sb_printf(o, "\"%s\"", e->str);
		if (e->module)
			sb_printf(o, ", \"%s\"", e->module);
		sb_putc(o, ')');
		tp_stap_components(o, e);
		break;
	case E_DEFINED:
	case E_ENTRY:
		sb_puts(o, e->kind == E_DEFINED ? "@defined(" : "@entry(");
		tp_stap(o, e->operand);
		sb_putc(o, ')');
		break;
	case E_STAT_OP:
	case E_HIST:
		sb_printf(o, "@%s(", e->op);
		tp_stap(o, e->operand);
		VEC_FOREACH(e->args, i)
			sb_printf(o, ", %lld", (long long)VEC_AT(e->args, i, struct expr *)->num);
		sb_putc(o, ')');
		break;
	default:
		print_expr(o, e);
		break;
	}
}

static const char *tp_stap_form(const char *stmt_text)
{
	struct expr *e = tp_expr(stmt_text);
	if (!e)
		return "(no expression)";
	struct strbuf b;
	sb_init(&b);
	tp_stap(&b, e);
	sb_putc(&b, ';');
	const char *r = arena_strdup(&tp_arena, b.s);
	sb_free(&b);
	return r;
}

/* Inputs and what `stap -p1` 4.8 printed for them. */
static const struct { const char *in, *stap; } tp_precedence[] = {
	{"x = a . b + c << 2 in d",
	 "(x) = ([((a) . ((b) + (c))) << (2)] in d);"},
	{"y = a ? b : c ? d : e",
	 "(y) = ((a)?(b):((c)?(d):(e)));"},
	{"z = a || b && c | d ^ e & f == g < h",
	 "(z) = ((a) || ((b) && ((c) | ((d) ^ ((e) & (((f) == (g)) < (h)))))));"},
	{"w = -a * b ++",
	 "(w) = ((-(a)) * ((b)++));"},
	{"v = !a < b",
	 "(v) = ((!(a)) < (b));"},
	{"x <<< 3",
	 "(x) <<< (3);"},
	{"x .= \"a\" \"b\"",
	 "(x) .= (\"ab\");"},
	{"x = a = b",
	 "(x) = ((a) = (b));"},
	{"q = a < b < c",
	 "(q) = (((a) < (b)) < (c));"},
	{"r = a =~ \"x\"",
	 "(r) = ((a) =~ \"x\");"},
	{"s = ~a + +b",
	 "(s) = ((~(a)) + (+(b)));"},
	{"t = [a,b] in c",
	 "(t) = ([a, b] in c);"},
	{"u = a - b - c",
	 "(u) = (((a) - (b)) - (c));"},
	{"x = -5",
	 "(x) = (-(5));"},
	{"z = -9223372036854775808",
	 "(z) = (-(-9223372036854775808));"},
	{"e = !-~a",
	 "(e) = (!(-(~(a))));"},
	{"f = ++a",
	 "(f) = (++(a));"},
	{"g = -a++",
	 "(g) = (-((a)++));"},
	{"h = a++ + ++b",
	 "(h) = (((a)++) + (++(b)));"},
	{"i = a * b / c % d",
	 "(i) = ((((a) * (b)) / (c)) % (d));"},
	{"j = a < b == c",
	 "(j) = (((a) < (b)) == (c));"},
	{"k = \"a\" . \"b\" \"c\"",
	 "(k) = ((\"a\") . (\"bc\"));"},
	{"m = a ? b : c = d",
	 "(m) = (((a)?(b):(c)) = (d));"},
	{"n = a?b=1:c",
	 "(n) = ((a)?((b) = (1)):(c));"},
	{"o = a ? b ? c : d : e",
	 "(o) = ((a)?((b)?(c):(d)):(e));"},
	{"x = a <= b >= c != d",
	 "(x) = ((((a) <= (b)) >= (c)) != (d));"},
	{"x = a >> b << c",
	 "(x) = (((a) >> (b)) << (c));"},
	{"x = a | b | c",
	 "(x) = (((a) | (b)) | (c));"},
	{"x = a & b & c ^ d",
	 "(x) = ((((a) & (b)) & (c)) ^ (d));"},
	{"x = a ^ b | c & d",
	 "(x) = (((a) ^ (b)) | ((c) & (d)));"},
	{"x = a && b || c && d",
	 "(x) = (((a) && (b)) || ((c) && (d)));"},
	{"x = a || b ? c : d",
	 "(x) = (((a) || (b))?(c):(d));"},
	{"x = a ? b || c : d || e",
	 "(x) = ((a)?((b) || (c)):((d) || (e)));"},
	{"x = a ? b = c : d = e",
	 "(x) = (((a)?((b) = (c)):(d)) = (e));"},
	{"x = a . -b",
	 "(x) = ((a) . (-(b)));"},
	{"x = ~a++",
	 "(x) = (~((a)++));"},
	{"x = a-- - --b",
	 "(x) = (((a)--) - (--(b)));"},
	{"x = a+++b",
	 "(x) = (((a)++) + (b));"},
	{"x = a < b in c",
	 "(x) = ([(a) < (b)] in c);"},
	{"x = !a in b",
	 "(x) = ([!(a)] in b);"},
	{"x = a in b ? 1 : 2",
	 "(x) = (([a] in b)?(1):(2));"},
	{"x = a & b in c",
	 "(x) = ((a) & ([b] in c));"},
	{"x = a in b & c",
	 "(x) = (([a] in b) & (c));"},
	{"x = [a, b < c] in d",
	 "(x) = ([a, (b) < (c)] in d);"},
	{"x = [*] in b",
	 "(x) = ([*] in b);"},
	{"x = [*, 1] in a",
	 "(x) = ([*, 1] in a);"},
	{"x <<< 1 <<< 2",
	 "(x) <<< ((1) <<< (2));"},
	{"x = y <<< 2",
	 "(x) = ((y) <<< (2));"},
	{"a <<< 1 + 2",
	 "(a) <<< ((1) + (2));"},
	{"x = a <<= 1",
	 "(x) = ((a) <<= (1));"},
	{"x = - -a",
	 "(x) = (-(-(a)));"},
	{"x = !!a",
	 "(x) = (!(!(a)));"},
	{"x += y -= z",
	 "(x) += ((y) -= (z));"},
	{"x = a % b * c",
	 "(x) = (((a) % (b)) * (c));"},
	{"x = a * (b + c)",
	 "(x) = ((a) * ((b) + (c)));"},
	{"x = (a + b) * c",
	 "(x) = (((a) + (b)) * (c));"},
	{"x = (a = b) + 1",
	 "(x) = (((a) = (b)) + (1));"},
	{"x = a - (b - c)",
	 "(x) = ((a) - ((b) - (c)));"},
	{"x = (a ? b : c) ? d : e",
	 "(x) = (((a)?(b):(c))?(d):(e));"},
	{"x = a . (b . c)",
	 "(x) = ((a) . ((b) . (c)));"},
	{"x = f(a, b + 1, c = 2)",
	 "(x) = (f(a, (b) + (1), (c) = (2)));"},
	{"x = a[b, c + 1] + d[e]",
	 "(x) = ((a[b, (c) + (1)]) + (d[e]));"},
	{"x = a ? b : c <<< 3",
	 "(x) = (((a)?(b):(c)) <<< (3));"},
	{"x <<< 1 = 2",
	 "(x) <<< ((1) = (2));"},
	{"x = -a--",
	 "(x) = (-((a)--));"},
	{"x = a . b = c",
	 "(x) = (((a) . (b)) = (c));"},
	{"x = 1 - -1",
	 "(x) = ((1) - (-(1)));"},
	{"x = a == b . c",
	 "(x) = ((a) == ((b) . (c)));"},
	{"x = a << b . c",
	 "(x) = ((a) << ((b) . (c)));"},
	{"x = a + b . c + d",
	 "(x) = (((a) + (b)) . ((c) + (d)));"},
	{"x = a . b << c . d",
	 "(x) = (((a) . (b)) << ((c) . (d)));"},
	{"x ^= a |= b &= c",
	 "(x) ^= ((a) |= ((b) &= (c)));"},
	{"x %= a /= b *= c",
	 "(x) %= ((a) /= ((b) *= (c)));"},
	{"x <<= a >>= b",
	 "(x) <<= ((a) >>= (b));"},
	{"x = (a < b) < c",
	 "(x) = (((a) < (b)) < (c));"},
	{"x = a < (b < c)",
	 "(x) = ((a) < ((b) < (c)));"},
	{"x = !(a && b)",
	 "(x) = (!((a) && (b)));"},
	{"x = -(a + b)",
	 "(x) = (-((a) + (b)));"},
	{"x = (-a) * b",
	 "(x) = ((-(a)) * (b));"},
	{"x = (a++) + 1",
	 "(x) = (((a)++) + (1));"},
	{"x = ++(a[1])",
	 "(x) = (++(a[1]));"},
	{"x = (a in b) + 1",
	 "(x) = (([a] in b) + (1));"},
	{"x = (a in b) in c",
	 "(x) = ([[a] in b] in c);"},
	{"x = a[1]++",
	 "(x) = ((a[1])++);"},
	{"x = --a[1]",
	 "(x) = (--(a[1]));"},
	{"x = !a[1] + -f(x)",
	 "(x) = ((!(a[1])) + (-(f(x))));"},
	{"x = a ? b : (c = d)",
	 "(x) = ((a)?(b):((c) = (d)));"},
	{"x = (a ? b : c) = d",
	 "(x) = (((a)?(b):(c)) = (d));"},
	{"x = a || (b || c)",
	 "(x) = ((a) || ((b) || (c)));"},
	{"x = (a || b) || c",
	 "(x) = (((a) || (b)) || (c));"},
};

static const struct { const char *in, *stap; } tp_values[] = {
	{"x = $x",
	 "(x) = ($x);"},
	{"x = $x->a->b",
	 "(x) = ($x->a->b);"},
	{"x = $x[i]",
	 "(x) = ($x[i]);"},
	{"x = $x->a[2]->b",
	 "(x) = ($x->a[2]->b);"},
	{"x = $$vars",
	 "(x) = ($$vars);"},
	{"x = $$return",
	 "(x) = ($$return);"},
	{"x = &$x",
	 "(x) = (&$x);"},
	{"x = &$x->a",
	 "(x) = (&$x->a);"},
	{"x = &$x[1]",
	 "(x) = (&$x[1]);"},
	{"x = @cast(p, \"task_struct\")->f->g",
	 "(x) = (@cast(p, \"task_struct\")->f->g);"},
	{"x = @cast(p, \"task_struct\", \"kernel\")->pid",
	 "(x) = (@cast(p, \"task_struct\", \"kernel\")->pid);"},
	{"x = @cast(a = 1, \"t\")",
	 "(x) = (@cast((a) = (1), \"t\"));"},
	{"x = @cast(p, \"t\" \"u\")",
	 "(x) = (@cast(p, \"tu\"));"},
	{"x = @defined($x) ? 1 : 2",
	 "(x) = ((@defined($x))?(1):(2));"},
	{"x = @entry($x)",
	 "(x) = (@entry($x));"},
	{"x = @var(\"name@file.c\")->f",
	 "(x) = (@var(\"name@file.c\")->f);"},
	{"x = @var(\"n\", \"mod\")",
	 "(x) = (@var(\"n\", \"mod\"));"},
	{"x = @var(\"a\")[2]",
	 "(x) = (@var(\"a\")[2]);"},
	{"x = @perf(\"name\")",
	 "(x) = (@perf(\"name\"));"},
	{"x = a[1][2]",
	 "(x) = ((a[1])[2]);"},
	{"x = f(x)[1]",
	 "(x) = ((f(x))[1]);"},
	{"x = f()->x",
	 "(x) = ((f())->x);"},
	{"x = @entry($x)->y",
	 "(x) = ((@entry($x))->y);"},
	{"x = &f(x)->y",
	 "(x) = (&(f(x))->y);"},
	{"x = &a++",
	 "(x) = ((&(a))++);"},
	{"x = -&$x",
	 "(x) = (-(&$x));"},
	{"x = &1",
	 "(x) = (&(1));"},
	{"x = (a)[1]",
	 "(x) = ((a)[1]);"},
	{"x = a->b",
	 "(x) = ((a)->b);"},
	{"x = @count(a)",
	 "(x) = (@count(a));"},
	{"x = @sum(a[1,2])",
	 "(x) = (@sum(a[1, 2]));"},
	{"x = @count(a+1)",
	 "(x) = (@count((a) + (1)));"},
	{"x = @variance(a, 3)",
	 "(x) = (@variance(a, 3));"},
	{"x = @variance(a, -1)",
	 "(x) = (@variance(a, -1));"},
	{"x = @avg(a) + 1",
	 "(x) = ((@avg(a)) + (1));"},
	{"x = @hist_log(a)[3]",
	 "(x) = (@hist_log(a)[3]);"},
	{"x = @hist_log(a)[3,4]",
	 "(x) = (@hist_log(a)[3, 4]);"},
	{"print(@hist_log(a[1]))",
	 "print(@hist_log(a[1]));"},
	{"println(@hist_linear(a, -10, 10, 1))",
	 "println(@hist_linear(a, -10, 10, 1));"},
	{"s = sprint(@hist_log(a))",
	 "(s) = (sprint(@hist_log(a)));"},
	{"x = [3] in @hist_log(a)",
	 "(x) = ([3] in @hist_log(a));"},
	{"x = a[*]",
	 "(x) = (a[*]);"},
	{"x = [*, 1] in a",
	 "(x) = ([*, 1] in a);"},
	{"x = @cast(p, \"t\")[1]",
	 "(x) = (@cast(p, \"t\")[1]);"},
	{"x = &@cast(p,\"t\")->x",
	 "(x) = (&@cast(p, \"t\")->x);"},
	{"x = $x->y->z[1][2]->w",
	 "(x) = ($x->y->z[1][2]->w);"},
	{"x = @defined($x->y) ? 1 : 0",
	 "(x) = ((@defined($x->y))?(1):(0));"},
	{"x = @defined(a)",
	 "(x) = (@defined(a));"},
	{"x = @entry(a + 1)",
	 "(x) = (@entry((a) + (1)));"},
	{"x = $x[a = 1]",
	 "(x) = ($x[(a) = (1)]);"},
	{"x = @probewrite(a)",
	 "(x) = (@probewrite(a));"},
	{"x = @uregister(1)",
	 "(x) = (@uregister(1));"},
	{"x = $$name",
	 "(x) = ($$name);"},
};

static void test_against_stap(void)
{
	for (size_t i = 0; i < sizeof tp_precedence / sizeof *tp_precedence; i++) {
		CHECK_STR(tp_stap_form(tp_precedence[i].in), tp_precedence[i].stap);
		CHECK(tp_errors == 0);
	}
	for (size_t i = 0; i < sizeof tp_values / sizeof *tp_values; i++) {
		CHECK_STR(tp_stap_form(tp_values[i].in), tp_values[i].stap);
		CHECK(tp_errors == 0);
	}
}

/* ---- canonical printing of expressions -------------------------------- */

static void test_expr_printing(void)
{
	CHECK_STR(tp_stmt("x = (a + b) * c"), "x = (a + b) * c;\n");
	CHECK_STR(tp_stmt("x = ((a * b)) + (c)"), "x = a * b + c;\n");
	CHECK_STR(tp_stmt("x = a - (b - c)"), "x = a - (b - c);\n");
	CHECK_STR(tp_stmt("x = - -a"), "x = - -a;\n");
	CHECK_STR(tp_stmt("x = -(-a)"), "x = - -a;\n");
	CHECK_STR(tp_stmt("x = +(+a)"), "x = + +a;\n");
	CHECK_STR(tp_stmt("x = -(--a)"), "x = - --a;\n");
	CHECK_STR(tp_stmt("x = !(~a)"), "x = ! ~a;\n");
	CHECK_STR(tp_stmt("x = (++a)++"), "x = (++a)++;\n");
	CHECK_STR(tp_stmt("x = (a ? b : c) ? d : e"), "x = (a ? b : c) ? d : e;\n");
	CHECK_STR(tp_stmt("x = a ? b : (c = d)"), "x = a ? b : (c = d);\n");
	CHECK_STR(tp_stmt("(a ? b : c) = d"), "a ? b : c = d;\n");
	CHECK_STR(tp_stmt("x = (a in b) in c"), "x = (a in b) in c;\n");
	CHECK_STR(tp_stmt("x = [(a || b), c] in d"), "x = [(a || b), c] in d;\n");
	CHECK_STR(tp_stmt("x = [a] in b"), "x = a in b;\n");
	CHECK_STR(tp_stmt("x = [*] in b"), "x = [*] in b;\n");
	CHECK_STR(tp_stmt("x = a[*, 2]"), "x = a[*, 2];\n");
	CHECK_STR(tp_stmt("x = \"a\" \"b\\n\" . c"), "x = \"ab\\n\" . c;\n");
	CHECK_STR(tp_stmt("x = 0x1F + 010"), "x = 0x1f + 8;\n");
	CHECK_STR(tp_stmt("x = 9223372036854775808"), "x = 9223372036854775808;\n");
	CHECK_STR(tp_stmt("x = -9223372036854775808"), "x = -9223372036854775808;\n");
	CHECK_STR(tp_stmt("x = 18446744073709551615"), "x = 18446744073709551615;\n");
	CHECK_STR(tp_stmt("(a)[1] = 2"), "(a)[1] = 2;\n");
	CHECK_STR(tp_stmt("x = (a[1])[2]"), "x = a[1][2];\n");
	CHECK_STR(tp_stmt("x = (f(x))->y"), "x = f(x)->y;\n");
	CHECK_STR(tp_stmt("x = (&$x)->y"), "x = (&$x)->y;\n");
	CHECK_STR(tp_stmt("x = &(a ? $x : $y)"), "x = &(a ? $x : $y);\n");
	CHECK_STR(tp_stmt("x = &$x++"), "x = &$x++;\n");
	CHECK_STR(tp_stmt("x = a =~ \"^x\" \"y\""), "x = a =~ \"^xy\";\n");
	CHECK_STR(tp_stmt("print(@hist_linear(a, -10, 0x10, 1))"),
		  "print(@hist_linear(a, -10, 0x10, 1));\n");
	CHECK_STR(tp_stmt("x = @variance(a[1], -1)"), "x = @variance(a[1], -1);\n");
	CHECK_STR(tp_stmt("foo <<< 1 + 2"), "foo <<< 1 + 2;\n");
	/* stap -p1: (x) = (((a) >>> (b)) << (c)); and (x) = ((a) < ((b) >>> (c))); */
	CHECK_STR(tp_stap_form("x = a >>> b << c"), "(x) = (((a) >>> (b)) << (c));");
	CHECK_STR(tp_stap_form("x = a < b >>> c"), "(x) = ((a) < ((b) >>> (c)));");
	CHECK_STR(tp_stmt("x = -16 >>> 60"), "x = -16 >>> 60;\n");
	tp_stmt("x = a >> > b");
	CHECK(tp_errors == 1);
	CHECK_STR(tp_stmt("x = $$parms"), "x = $$parms;\n");
	CHECK_STR(tp_stmt("x = @cast(p, \"task_struct\", \"kernel<linux/sched.h>\")->pid"),
		  "x = @cast(p, \"task_struct\", \"kernel<linux/sched.h>\")->pid;\n");
}

/* ---- expression trees -------------------------------------------------- */

static void test_expr_trees(void)
{
	struct expr *e = tp_expr("x = a");
	CHECK(e && e->kind == E_ASSIGN && strcmp(e->op, "=") == 0);
	CHECK(e && e->loc.line == 1 && e->loc.col == 17); /* at the operator */

	e = tp_expr("x <<< 5");
	CHECK(e && e->kind == E_STATS_ADD);

	e = tp_expr("$x->a[2]->b");
	CHECK(e && e->kind == E_TARGET && strcmp(e->str, "x") == 0 && !e->operand);
	CHECK(e && e->components.n == 3);
	if (e && e->components.n == 3) {
		struct component *c0 = VEC_AT(e->components, 0, struct component *);
		struct component *c1 = VEC_AT(e->components, 1, struct component *);
		struct component *c2 = VEC_AT(e->components, 2, struct component *);
		CHECK(c0->kind == COMP_FIELD && strcmp(c0->field, "a") == 0);
		CHECK(c1->kind == COMP_INDEX && c1->index->kind == E_NUM && c1->index->num == 2);
		CHECK(c2->kind == COMP_FIELD && strcmp(c2->field, "b") == 0);
		CHECK(c0->loc.col == 19);
	}

	e = tp_expr("&$x->next");
	CHECK(e && e->kind == E_TARGET && e->addressof && e->components.n == 1);

	e = tp_expr("$$locals");
	CHECK(e && e->kind == E_TARGET_VARS && strcmp(e->op, "locals") == 0 && e->pretty == 0);

	e = tp_expr("@cast(p, \"task_struct\", \"kernel\")->pid");
	CHECK(e && e->kind == E_CAST && e->operand && e->operand->kind == E_VAR);
	CHECK(e && strcmp(e->str, "task_struct") == 0 && e->module && strcmp(e->module, "kernel") == 0);
	CHECK(e && e->components.n == 1);

	e = tp_expr("@var(\"jiffies@kernel/time.c\")");
	CHECK(e && e->kind == E_ATVAR && strcmp(e->str, "jiffies@kernel/time.c") == 0 && !e->module);

	e = tp_expr("f(x)->y");
	CHECK(e && e->kind == E_TARGET && !e->str && e->operand && e->operand->kind == E_CALL);

	e = tp_expr("a[1, \"s\", *]");
	CHECK(e && e->kind == E_INDEX && e->operand->kind == E_VAR && e->args.n == 3);
	CHECK(e && e->args.n == 3 && VEC_AT(e->args, 2, struct expr *)->kind == E_STAR);

	e = tp_expr("[a, b] in arr");
	CHECK(e && e->kind == E_IN && e->args.n == 2 && e->operand->kind == E_VAR);

	e = tp_expr("@hist_log(h)[3]");
	CHECK(e && e->kind == E_INDEX && e->operand->kind == E_HIST && strcmp(e->operand->op, "hist_log") == 0);

	e = tp_expr("print(@hist_linear(h, 0, 100, 10))");
	CHECK(e && e->kind == E_CALL && e->args.n == 1);
	if (e && e->args.n == 1) {
		struct expr *h = VEC_AT(e->args, 0, struct expr *);
		CHECK(h->kind == E_HIST && strcmp(h->op, "hist_linear") == 0 && h->args.n == 3);
	}

	e = tp_expr("@count(a[1])");
	CHECK(e && e->kind == E_STAT_OP && strcmp(e->op, "count") == 0 && e->operand->kind == E_INDEX);

	e = tp_expr("@perf(\"cycles\")");
	CHECK(e && e->kind == E_CALL && strcmp(e->str, "@perf") == 0 && e->args.n == 1);

	e = tp_expr("@defined($x) ? @entry($x) : 0");
	CHECK(e && e->kind == E_TERNARY && e->cond->kind == E_DEFINED && e->left->kind == E_ENTRY);

	e = tp_expr("x++");
	CHECK(e && e->kind == E_INCDEC && !e->prefix && strcmp(e->op, "++") == 0);
	e = tp_expr("--x");
	CHECK(e && e->kind == E_INCDEC && e->prefix && strcmp(e->op, "--") == 0);

	e = tp_expr("0x10");
	CHECK(e && e->kind == E_NUM && e->num == 16 && e->is_hex);
	e = tp_expr("-9223372036854775808");
	CHECK(e && e->kind == E_UNARY && e->operand->num == INT64_MIN);

	e = tp_expr("\"a\\\"b\" \"c\"");
	CHECK(e && e->kind == E_STR && strcmp(e->str, "a\\\"bc") == 0);

	/* $x$ and $x->f$$ (pretty printing) when the lexer keeps '$' in names */
	e = tp_expr("$x$");
	if (e && tp_errors == 0) {
		CHECK(e->kind == E_TARGET && strcmp(e->str, "x") == 0 && e->components.n == 1);
		CHECK_STR(tp_stmt("x = $x->a$$"), "x = $x->a$$;\n");
		CHECK_STR(tp_stmt("x = $$parms$"), "x = $$parms$;\n");
	}
}

/* ---- statements -------------------------------------------------------- */

static void test_statements(void)
{
	CHECK_STR(tp_stmt("if (a) b else c"), "if (a)\n    b;\nelse\n    c;\n");
	CHECK_STR(tp_stmt("if (a) { b } else if (c) d; else { e }"),
		  "if (a) {\n    b;\n} else if (c)\n    d;\nelse {\n    e;\n}\n");
	CHECK_STR(tp_stmt("if (a) if (b) c; else d"), "if (a)\n    if (b)\n        c;\n    else\n        d;\n");
	CHECK_STR(tp_stmt("while (x < 3) { x++; continue }"), "while (x < 3) {\n    x++;\n    continue;\n}\n");
	CHECK_STR(tp_stmt("for (;;) break"), "for (;;)\n    break;\n");
	CHECK_STR(tp_stmt("for (i = 0; i < 3; i++) x"), "for (i = 0; i < 3; i++)\n    x;\n");
	CHECK_STR(tp_stmt("for (; i < 3;) x"), "for (; i < 3;)\n    x;\n");
	CHECK_STR(tp_stmt("try { x = 1 } catch { y }"), "try {\n    x = 1;\n} catch {\n    y;\n}\n");
	CHECK_STR(tp_stmt("try { } catch (msg) { println(msg) }"),
		  "try {\n} catch (msg) {\n    println(msg);\n}\n");
	CHECK_STR(tp_stmt("next"), "next;\n");
	CHECK_STR(tp_stmt("delete a[1, *]"), "delete a[1, *];\n");
	CHECK_STR(tp_stmt("delete a"), "delete a;\n");
	CHECK_STR(tp_stmt(";"), ";\n");
	CHECK_STR(tp_stmt("{ }"), "{\n}\n");

	/* statements need no ';' between them, one ';' may follow */
	struct stapfile *f = tp_parse("probe begin { a = 1 b = 2; ; c = -1 }");
	CHECK(tp_errors == 0);
	struct stmt *body = VEC_AT(f->probes, 0, struct probe *)->body;
	CHECK(body->stmts.n == 4);
	if (body->stmts.n == 4) {
		CHECK(VEC_AT(body->stmts, 2, struct stmt *)->kind == S_NULL);
		CHECK(VEC_AT(body->stmts, 3, struct stmt *)->expr->kind == E_ASSIGN);
	}
	/* an expression continues across lines: "a = 1\n-1" is a = 1 - 1 */
	f = tp_parse("probe begin { a = 1\n-1 }");
	body = VEC_AT(f->probes, 0, struct probe *)->body;
	CHECK(body->stmts.n == 1);

	/* return only in functions; its value is optional */
	f = tp_parse("function f() { return } function g() { return 1; }");
	CHECK(tp_errors == 0);
	struct funcdecl *fn = VEC_AT(f->functions, 0, struct funcdecl *);
	CHECK(VEC_AT(fn->body->stmts, 0, struct stmt *)->kind == S_RETURN);
	CHECK(VEC_AT(fn->body->stmts, 0, struct stmt *)->expr == NULL);

	/* embedded code as statement and expression, guru mode */
	f = tp_parse_as("probe begin { %{ foo(); %} x = %{ 1 %} }", true, false);
	CHECK(tp_errors == 0);
	body = VEC_AT(f->probes, 0, struct probe *)->body;
	CHECK(body->stmts.n == 2);
	if (body->stmts.n == 2) {
		CHECK(VEC_AT(body->stmts, 0, struct stmt *)->kind == S_EMBEDDED);
		CHECK_STR(VEC_AT(body->stmts, 0, struct stmt *)->code, " foo(); ");
		CHECK(VEC_AT(body->stmts, 1, struct stmt *)->expr->right->kind == E_EMBEDDED);
	}
}

static struct stmt *tp_foreach(const char *text)
{
	struct stmt *s = tp_first_stmt(tp_parse(arena_printf(&tp_arena, "probe begin { %s }", text)));
	return s && s->kind == S_FOREACH ? s : NULL;
}

static void test_foreach(void)
{
	struct stmt *s = tp_foreach("foreach (k in a) x");
	CHECK(s && s->fe_keys.n == 1 && !s->fe_value && s->fe_array->kind == E_VAR && !s->fe_sort_dir);
	s = tp_foreach("foreach ([a, b-] in arr limit 5) x");
	CHECK(s && s->fe_keys.n == 2 && s->fe_sort_key == 2 && s->fe_sort_dir == -1 && s->fe_limit);
	s = tp_foreach("foreach (v = [a, b] in arr+) x");
	CHECK(s && s->fe_value && s->fe_sort_key == -1 && s->fe_sort_dir == 1);
	s = tp_foreach("foreach (v- = k in arr) x");
	CHECK(s && s->fe_value && s->fe_keys.n == 1 && s->fe_sort_key == -1 && s->fe_sort_dir == -1);
	s = tp_foreach("foreach ([a, b] in arr[*, 5]) x");
	CHECK(s && s->fe_array->kind == E_INDEX && s->fe_array->args.n == 2);
	s = tp_foreach("foreach (v = [a, b] in arr[*, 5] @count- limit 3) x");
	CHECK(s && s->fe_sort_agg && strcmp(s->fe_sort_agg, "count") == 0 && s->fe_sort_dir == -1);
	s = tp_foreach("foreach (b in @hist_log(a)) x");
	CHECK(s && s->fe_array->kind == E_HIST);

	CHECK_STR(tp_stmt("foreach (k in a) x"), "foreach (k in a)\n    x;\n");
	CHECK_STR(tp_stmt("foreach ([k] in a) { x }"), "foreach (k in a) {\n    x;\n}\n");
	CHECK_STR(tp_stmt("foreach ([a,b+] in arr limit n + 1) x"),
		  "foreach ([a, b+] in arr limit n + 1)\n    x;\n");
	CHECK_STR(tp_stmt("foreach (v- = [a,b] in arr) x"), "foreach (v = [a, b] in arr-)\n    x;\n");
	CHECK_STR(tp_stmt("foreach (v = k in arr[*, 5] @sum + limit 3) x"),
		  "foreach (v = k in arr[*, 5] @sum+ limit 3)\n    x;\n");
	CHECK_STR(tp_stmt("foreach (b in @hist_log(a[1])) x"), "foreach (b in @hist_log(a[1]))\n    x;\n");
}

/* ---- declarations ------------------------------------------------------ */

static void test_declarations(void)
{
	struct stapfile *f = tp_parse(
		"global a, b = 5, c[100], d%, e%[100], f = -5, g = \"s\" \"t\", h = -0x10;\n"
		"private global j\n"
		"private k\n");
	CHECK(tp_errors == 0);
	CHECK(f->globals.n == 10);
	if (f->globals.n == 10) {
		struct vardecl *b = VEC_AT(f->globals, 1, struct vardecl *);
		struct vardecl *c = VEC_AT(f->globals, 2, struct vardecl *);
		struct vardecl *d = VEC_AT(f->globals, 3, struct vardecl *);
		struct vardecl *e = VEC_AT(f->globals, 4, struct vardecl *);
		struct vardecl *fv = VEC_AT(f->globals, 5, struct vardecl *);
		CHECK(b->init && b->init->kind == E_NUM && b->init->num == 5);
		CHECK(c->has_size && c->maxsize == 100 && !c->wrap);
		CHECK(d->wrap && !d->has_size);
		CHECK(e->wrap && e->has_size && e->maxsize == 100);
		CHECK(fv->init->kind == E_NUM && fv->init->num == -5);
		CHECK(VEC_AT(f->globals, 8, struct vardecl *)->is_private);
		CHECK(VEC_AT(f->globals, 9, struct vardecl *)->is_private);
		CHECK(b->is_global && b->loc.line == 1 && b->loc.col == 11);
	}
	CHECK_STR(tp_print(f),
		  "global a\nglobal b = 5\nglobal c[100]\nglobal d%\nglobal e%[100]\nglobal f = -5\n"
		  "global g = \"st\"\nglobal h = -0x10\nprivate global j\nprivate global k\n");

	f = tp_parse("probe begin(-1), end(5), kernel.trace(\"sched:*\").x ?, syscall.*!, "
		     "a.b**.c if (x > 1), sys*call.read { }");
	CHECK(tp_errors == 0);
	struct probe *p = f->probes.n ? VEC_AT(f->probes, 0, struct probe *) : NULL;
	CHECK(p && p->points.n == 6);
	if (p && p->points.n == 6) {
		struct probe_point *p0 = VEC_AT(p->points, 0, struct probe_point *);
		struct pp_component *c0 = VEC_AT(p0->comps, 0, struct pp_component *);
		CHECK(strcmp(c0->name, "begin") == 0 && c0->arg->kind == E_NUM && c0->arg->num == -1);
		struct probe_point *p2 = VEC_AT(p->points, 2, struct probe_point *);
		CHECK(p2->optional && p2->comps.n == 3);
		CHECK_STR(VEC_AT(p2->comps, 1, struct pp_component *)->arg->str, "sched:*");
		struct probe_point *p3 = VEC_AT(p->points, 3, struct probe_point *);
		CHECK(p3->sufficient && strcmp(VEC_AT(p3->comps, 1, struct pp_component *)->name, "*") == 0);
		struct probe_point *p4 = VEC_AT(p->points, 4, struct probe_point *);
		CHECK(p4->cond && strcmp(VEC_AT(p4->comps, 1, struct pp_component *)->name, "b**") == 0);
		struct probe_point *p5 = VEC_AT(p->points, 5, struct probe_point *);
		CHECK_STR(VEC_AT(p5->comps, 0, struct pp_component *)->name, "sys*call");
	}
	CHECK_STR(tp_print(f), "probe begin(-1), end(5), kernel.trace(\"sched:*\").x?, syscall.*!, "
			       "a.b**.c if (x > 1), sys*call.read {\n}\n");
	/* a space ends a component name */
	tp_parse("probe sys *.x { }");
	CHECK(tp_errors == 1);

	f = tp_parse("probe x.y = begin, end { a = 1 }\nprobe x.z += begin { b = 1 }\n"
		     "probe w = timer.s(1) { pro = 1 }, { epi = 1 }");
	CHECK(tp_errors == 0 && f->aliases.n == 3 && f->probes.n == 0);
	if (f->aliases.n == 3) {
		struct probe_alias *a0 = VEC_AT(f->aliases, 0, struct probe_alias *);
		struct probe_alias *a1 = VEC_AT(f->aliases, 1, struct probe_alias *);
		struct probe_alias *a2 = VEC_AT(f->aliases, 2, struct probe_alias *);
		CHECK(!a0->epilogue && a0->aliases.n == 1 && a0->points.n == 2);
		CHECK(a1->epilogue);
		CHECK(!a2->epilogue && a2->epilogue_body && a2->body);
	}
	CHECK_STR(tp_print(f), "probe x.y = begin, end {\n    a = 1;\n}\n\n"
			       "probe x.z += begin {\n    b = 1;\n}\n\n"
			       "probe w = timer.s(1) {\n    pro = 1;\n}, {\n    epi = 1;\n}\n");

	f = tp_parse("function f:long (p1:string, p2) { return p1 }\n"
		     "private function g(x,) { }\nfunction h:string() { }");
	CHECK(tp_errors == 0 && f->functions.n == 3);
	if (f->functions.n == 3) {
		struct funcdecl *fn = VEC_AT(f->functions, 0, struct funcdecl *);
		CHECK(fn->ret_decl == TY_LONG && fn->params.n == 2);
		CHECK(VEC_AT(fn->params, 0, struct vardecl *)->type == TY_STRING);
		CHECK(VEC_AT(fn->params, 1, struct vardecl *)->type == TY_UNKNOWN);
		CHECK(VEC_AT(fn->params, 1, struct vardecl *)->is_param);
		CHECK(fn->loc.line == 1 && fn->loc.col == 10);
		CHECK(VEC_AT(f->functions, 1, struct funcdecl *)->is_private);
	}
	CHECK_STR(tp_print(f), "function f:long (p1:string, p2) {\n    return p1;\n}\n\n"
			       "private function g (x) {\n}\n\n"
			       "function h:string () {\n}\n");

	f = tp_parse_as("%{ #include <x.h> %}\nfunction g(x) %{ /* pure */ STAP_RETURN(0); %}", true, false);
	CHECK(tp_errors == 0 && f->embeds.n == 1 && f->functions.n == 1);
	CHECK_STR(tp_print(f), "%{ #include <x.h> %}\n\nfunction g (x) %{ /* pure */ STAP_RETURN(0); %}\n");
	/* the tapset library may embed C without -g */
	tp_parse_as("%{ x %} function g() %{ y %}", false, true);
	CHECK(tp_errors == 0);
}

/* ---- diagnostics ------------------------------------------------------- */

static void test_errors(void)
{
	tp_parse("probe begin { x = }");
	CHECK_STR(tp_diags, "t.stp:1:19: error: parse error: expected expression, found operator '}'\n"
			    "    probe begin { x = }\n"
			    "                      ^\n");
	tp_parse("probe begin {\n\tfor (i = 0 i < 3; i++) x\n}");
	CHECK_STR(tp_diags, "t.stp:2:13: error: parse error: expected ';', found identifier 'i'\n"
			    "    \tfor (i = 0 i < 3; i++) x\n"
			    "    \t           ^\n");
	tp_parse("probe {");
	CHECK_STR(tp_diags, "t.stp:1:7: error: parse error: expected probe point component, found operator '{'\n"
			    "    probe {\n"
			    "          ^\n");
	tp_parse("function f() %{ x %}");
	CHECK_STR(tp_diags, "t.stp:1:14: error: parse error: embedded code in unprivileged script; need btap -g\n"
			    "    function f() %{ x %}\n"
			    "                 ^\n");
	tp_parse("probe begin { x = %{ 1 %} }");
	CHECK(strstr(tp_diags, "1:19: error: parse error: embedded expression code in unprivileged script; need btap -g"));
	CHECK(tp_errors == 1);
	tp_parse("probe begin { return 1 }");
	CHECK(strstr(tp_diags, "1:15: error: parse error: found 'return' not in function context"));
	tp_parse("probe begin { foreach ([a+, b-] in x) y }");
	CHECK(strstr(tp_diags, "1:30: error: parse error: multiple sort directives"));
	tp_parse("probe begin { foreach (a in x @sum) y }");
	CHECK(strstr(tp_diags, "1:35: error: parse error: expected sort directive, found operator ')'"));
	tp_parse("probe begin { foreach (a in x @foo+) y }");
	CHECK(strstr(tp_diags, "expected statistical operation, found identifier '@foo'"));
	tp_parse("global x[2] = 3");
	CHECK(strstr(tp_diags, "1:13: error: parse error: only scalar globals can be initialized"));
	tp_parse("global x = y");
	CHECK(strstr(tp_diags, "1:12: error: parse error: expected literal string or number, found identifier 'y'"));
	tp_parse("function f:stats() { }");
	CHECK(strstr(tp_diags, "1:12: error: parse error: expected 'string' or 'long', found identifier 'stats'"));
	tp_parse("probe begin { x = @hist_log(a) + 1 }");
	CHECK(strstr(tp_diags, "1:19: error: parse error: base histogram operator where expression expected"));
	tp_parse("probe begin { printf(\"%d\", @hist_log(a)) }");
	CHECK(tp_errors == 1);
	tp_parse("probe begin { x = @foo(1) }");
	CHECK(strstr(tp_diags, "parse error: unknown operator '@foo'"));
	/* more than nine keys is pass 2's to report, as in stap */
	tp_parse("probe begin { x = a[1,2,3,4,5,6,7,8,9,10] }");
	CHECK(tp_errors == 0);
	tp_parse("global x\nprivate global y, x");
	CHECK(strstr(tp_diags, "2:19: error: parse error: duplicate global name"));
	tp_parse("probe a.b? = c { }");
	CHECK(strstr(tp_diags, "parse error: a probe alias name cannot be optional or conditional"));
	tp_parse("probe a += b { }, { }");
	CHECK(strstr(tp_diags, "combined prologue and epilogue cannot be defined with '+='"));
	tp_parse("private probe begin { }");
	CHECK(strstr(tp_diags, "1:9: error: parse error: expected 'function', 'global' or identifier after 'private'"));
	tp_parse("probe begin { x = a in b in c }");
	CHECK(strstr(tp_diags, "1:26: error: parse error: expected statement, found keyword 'in'"));
	tp_parse("probe begin { x = @const(\"X\") }");
	CHECK(strstr(tp_diags, "using @const operator not permitted; need btap -g"));
	tp_parse("probe begin { printd(\", \", 1) }");
	CHECK(strstr(tp_diags, "1:29: error: parse error: printd takes a delimiter and at least two values"));
	tp_parse("probe begin { print() }");
	CHECK(strstr(tp_diags, "1:21: error: parse error: print takes at least one value"));
	tp_parse("probe begin { println(); sprintdln(\"-\", 1, \"a\") }");
	CHECK(tp_diags[0] == 0);
	tp_parse("probe begin { x = @kderef(4, 0) }");
	CHECK(strstr(tp_diags, "1:19: error: parse error: using @kderef operator not permitted; need btap -g"));
	tp_parse("probe begin { x = @uderef(4 0) }");
	CHECK(strstr(tp_diags, "error: parse error: expected ','"));
	tp_parse("probe begin { x = a =~ re }");
	CHECK(strstr(tp_diags, "1:24: error: parse error: expected literal string, found identifier 're'"));
	tp_parse("function f(a, b, a) { }");
	CHECK(strstr(tp_diags, "1:18: error: parse error: duplicate parameter names"));
	tp_parse("probe begin { printf(\"%d %q\\n\", 1) }");
	CHECK_STR(tp_diags, "t.stp:1:27: error: parse error: invalid or missing conversion specifier\n"
			    "    probe begin { printf(\"%d %q\\n\", 1) }\n"
			    "                              ^\n");
	tp_parse("probe begin { printf(\"%lld\", 1) }");
	CHECK(tp_errors == 1);
	tp_parse("probe begin { fmt = \"%d\" printf(fmt, 1) }");
	CHECK(strstr(tp_diags, "1:33: error: parse error: expected literal string, found identifier 'fmt'"));
	tp_parse("probe begin { printdln(x, 1) }");
	CHECK(strstr(tp_diags, "expected literal string, found identifier 'x'"));
	tp_parse("probe begin { printf(\"%d\" \"%s\\n\", 1, \"a\") printd(\",\", 1, 2) printf(\"100%%\") }");
	CHECK(tp_errors == 0);
	tp_parse("probe begin { x = 1");
	CHECK(strstr(tp_diags, "1:20: error: parse error: expected '}', found end of input"));
}

static void test_recovery(void)
{
	struct stapfile *f = tp_parse("probe begin {\n"
				      "  x = ;\n"
				      "  y = 2\n"
				      "  if (x +) { z = 1 } else { w = 1 }\n"
				      "  v = 3\n"
				      "}\n"
				      "probe end { a = (1 + }\n"
				      "global 5\n"
				      "function f(a b) { return a }\n"
				      "global ok\n"
				      "probe x { if (a) {\n"
				      "probe y { }\n");
	CHECK(tp_errors == 6);
	CHECK(strstr(tp_diags, "t.stp:2:7: error: parse error: expected expression, found operator ';'"));
	CHECK(strstr(tp_diags, "t.stp:4:10: error: parse error: expected expression, found operator ')'"));
	CHECK(strstr(tp_diags, "t.stp:7:22: error:"));
	CHECK(strstr(tp_diags, "t.stp:8:8: error: parse error: expected identifier, found number '5'"));
	CHECK(strstr(tp_diags, "t.stp:9:14: error: parse error: expected ',' or ')', found identifier 'b'"));
	CHECK(strstr(tp_diags, "t.stp:12:1: error: parse error: expected '}', found keyword 'probe'"));
	/* what survived: begin (y, v), end, global ok, probe y */
	CHECK(f->probes.n == 3 && f->globals.n == 1 && f->functions.n == 0);
	if (f->probes.n == 3) {
		struct stmt *body = VEC_AT(f->probes, 0, struct probe *)->body;
		CHECK(body->stmts.n == 2);
	}

	/* one error per statement, however broken */
	tp_parse("probe begin { x = ) ) ) ] ] ; y = 1 }");
	CHECK(tp_errors == 1);
	/* many statements, each reported */
	tp_parse("probe begin { a = ; b = ; c = ; }");
	CHECK(tp_errors == 3);
}

static void test_nesting_guard(void)
{
	enum { N = 20000 };
	char *text = arena_alloc(&tp_arena, 3 * N + 64);
	strcpy(text, "probe begin { x = ");
	size_t n = strlen(text);
	for (int i = 0; i < N; i++)
		text[n++] = '(';
	text[n++] = '1';
	for (int i = 0; i < N; i++)
		text[n++] = ')';
	strcpy(text + n, " }");
	tp_parse(text);
	CHECK(tp_errors == 1 && strstr(tp_diags, "parse error: expression nested too deeply"));

	/* a long flat chain is fine up to the bound, and bounded beyond it */
	struct strbuf b;
	sb_init(&b);
	sb_puts(&b, "probe begin { x = a");
	for (int i = 0; i < 300; i++)
		sb_puts(&b, " + a");
	sb_puts(&b, " }");
	tp_parse(b.s);
	CHECK(tp_errors == 0);
	for (int i = 0; i < N; i++)
		sb_puts(&b, " + a");
	tp_parse(b.s);
	CHECK(tp_errors == 1);
	sb_free(&b);

	sb_init(&b);
	sb_puts(&b, "probe begin ");
	for (int i = 0; i < N; i++)
		sb_putc(&b, '{');
	for (int i = 0; i < N; i++)
		sb_putc(&b, '}');
	tp_parse(b.s);
	CHECK(tp_errors >= 1);
	sb_free(&b);
}

/* ---- round trip -------------------------------------------------------- */

static const char *const tp_scripts[] = {
	"global count%[1000], total = 0, name = \"x\\n\" \"y\", neg = -9223372036854775808\n"
	"probe kernel.trace(\"sched:sched_switch\") if (pid() > 0), timer.ms(100)? {\n"
	"  count[execname(), pid()] <<< $prev->pid; total += 1\n"
	"  if (total % 100 == 0) printf(\"%d %s\\n\", total, name) else { next }\n"
	"}\n"
	"probe end { foreach ([e, p] in count @count- limit 10) printf(\"%s %d %d\\n\", e, p, @count(count[e, p]))\n"
	"  print(@hist_log(count[\"a\", 1])) delete count; }\n",

	"function fib:long (n:long) { if (n < 2) return n; return fib(n - 1) + fib(n - 2) }\n"
	"probe begin { for (i = 0; i < 10; i++) { x .= sprint(fib(i)) . \" \" } println(x); exit() }\n",

	"probe syscall.* = kernel.trace(\"syscalls:sys_enter_*\") { name = ppfunc() }\n"
	"probe syscall.*.return += kernel.trace(\"syscalls:sys_exit_*\") { retval = $ret }\n"
	"probe process(\"/bin/ls\").function(\"main\").return, process(\"/bin/ls\").statement(0x400000)! {\n"
	"  try { x = $argv[0]->c; y = &$argc; z = @cast(x, \"struct foo\")->bar[2]->baz } catch (e) { warn(e) }\n"
	"  while (1) { if (a++ > 3) break; else continue; }\n"
	"  v = @defined($x) ? @entry($x) : [1, 2] in arr; w = ! ~a + -(-b) - +c * ~d\n"
	"  foreach (v = [a, b+] in arr[*, 3]) ; foreach (k- in arr) { }\n"
	"}\n",

	"private global p1; private function helper:string (s:string, n) { return substr(s, 0, n) . \"...\" }\n"
	"probe begin(-1), end(0x10) { x = a ? b ? c : d : e ? f : g; y = (a = b) + (c ? d : e); z = a . b . (c . d) }\n"
	"probe timer.profile { s <<< 1; if (@count(s) > 10 && @avg(s) != @min(s) || @variance(s, 2)) println(@max(s)) }\n",

	"probe begin { a = 1; ; ;\n {} { x } -1; ++a; a--; (a); \"s\"; [*] in b; 3 }\n",
};

static void test_round_trip(void)
{
	for (size_t i = 0; i < sizeof tp_scripts / sizeof *tp_scripts; i++) {
		const char *p1 = tp_print(tp_parse_as(tp_scripts[i], true, false));
		CHECK(tp_errors == 0);
		if (tp_errors)
			fprintf(stderr, "%s", tp_diags);
		const char *p2 = tp_print(tp_parse_as(p1, true, false));
		CHECK(tp_errors == 0);
		CHECK_STR(p2, p1);
	}
	/* the canonical layout of a small script */
	CHECK_STR(tp_p1("probe begin{if(x)y=1 else{z=2}}"),
		  "probe begin {\n    if (x)\n        y = 1;\n    else {\n        z = 2;\n    }\n}\n");
}

int main(void)
{
	arena_init(&tp_arena);
	test_against_stap();
	test_expr_printing();
	test_expr_trees();
	test_statements();
	test_foreach();
	test_declarations();
	test_errors();
	test_recovery();
	test_nesting_guard();
	test_round_trip();
	free(tp_diags);
	arena_free(&tp_arena);
	src_reset();
	return CHECK_DONE();
}
