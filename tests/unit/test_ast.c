/* The default AST walk (ast_walk_stmt / ast_walk_expr): the order in
 * which it reports statements and expressions, pre and post, pruning,
 * stopping, and that a walk without expression callbacks stays among
 * statements. Trees come from the parser. */
#include "check.h"
#include "translator/parser.h"

#include <stdlib.h>
#include <string.h>

static struct arena arena;

static struct stmt *body_of(const char *text)
{
	static struct pp_config cfg = { .kernel_v = "6.18.0", .kernel_vr = "6.18.0", .arch = "x86_64",
	                                .runtime = "bpf", .systemtap_v = "4.8" };
	diag_reset();
	diag_capture_begin();
	const struct src_file *f = src_register("t.stp", text, strlen(text), false);
	struct stapfile *sf = parse_file(&arena, f, &cfg, false);
	free(diag_capture_take());
	diag_capture_end();
	CHECK(diag_error_count() == 0);
	if (diag_error_count())
		fprintf(stderr, "  does not parse: %s\n", text);
	return sf && sf->probes.n ? VEC_AT(sf->probes, 0, struct probe *)->body : NULL;
}

static const char *const stmt_names[] = {
	[S_BLOCK] = "block", [S_EXPR] = "expr",         [S_IF] = "if",       [S_WHILE] = "while",
	[S_FOR] = "for",     [S_FOREACH] = "foreach",   [S_BREAK] = "break", [S_CONTINUE] = "continue",
	[S_NEXT] = "next",   [S_RETURN] = "return",     [S_DELETE] = "delete", [S_TRY] = "try",
	[S_EMBEDDED] = "embedded", [S_NULL] = "null",
};

/* An expression by what it shows: a name, a number, an operator. */
static void name_expr(struct strbuf *b, const struct expr *e)
{
	if (e->kind == E_NUM)
		sb_printf(b, "%lld", (long long)e->num);
	else if (e->kind == E_VAR || e->kind == E_CALL || e->kind == E_TARGET)
		sb_puts(b, e->str);
	else if (e->kind == E_TERNARY)
		sb_puts(b, "?:");
	else if (e->kind == E_INDEX)
		sb_puts(b, "[]");
	else if (e->kind == E_IN)
		sb_puts(b, "in");
	else if (e->kind == E_STR)
		sb_puts(b, "\"\"");
	else
		sb_puts(b, e->op ? e->op : "?");
}

struct trace {
	struct strbuf out;
	const char *prune_stmt; /* a statement kind to prune */
	const char *prune_expr; /* an expression name to prune */
	const char *stop_at;    /* an expression name to stop at */
	bool posts;
};

static enum ast_step stmt_pre(struct stmt *s, void *ctx)
{
	struct trace *t = ctx;
	sb_printf(&t->out, "%s ", stmt_names[s->kind]);
	return t->prune_stmt && strcmp(t->prune_stmt, stmt_names[s->kind]) == 0 ? AST_PRUNE : AST_DESCEND;
}

static enum ast_step stmt_post(struct stmt *s, void *ctx)
{
	struct trace *t = ctx;
	sb_printf(&t->out, "/%s ", stmt_names[s->kind]);
	return AST_DESCEND;
}

static enum ast_step expr_pre(struct expr *e, void *ctx)
{
	struct trace *t = ctx;
	size_t at = t->out.len;
	name_expr(&t->out, e);
	const char *name = t->out.s + at;
	enum ast_step step = t->stop_at && strcmp(name, t->stop_at) == 0 ? AST_STOP
	                   : t->prune_expr && strcmp(name, t->prune_expr) == 0 ? AST_PRUNE : AST_DESCEND;
	sb_putc(&t->out, ' ');
	return step;
}

static enum ast_step expr_post(struct expr *e, void *ctx)
{
	struct trace *t = ctx;
	sb_putc(&t->out, '/');
	name_expr(&t->out, e);
	sb_putc(&t->out, ' ');
	return AST_DESCEND;
}

/* The walk of the probe body of text, as a line of names. */
static const char *walk(const char *text, struct trace *t, bool *completed)
{
	sb_init(&t->out);
	struct ast_visitor v = { .stmt_pre = stmt_pre, .expr_pre = expr_pre, .ctx = t };
	if (t->posts) {
		v.stmt_post = stmt_post;
		v.expr_post = expr_post;
	}
	bool done = ast_walk_stmt(&v, body_of(text));
	if (completed)
		*completed = done;
	if (t->out.len)
		t->out.s[--t->out.len] = 0; /* the last space */
	const char *r = arena_strdup(&arena, t->out.s ? t->out.s : "");
	sb_free(&t->out);
	return r;
}

static const char *order(const char *text)
{
	struct trace t = { 0 };
	return walk(text, &t, NULL);
}

static void test_order(void)
{
	/* statements: own statements, then expr, cond, then, els */
	CHECK_STR(order("probe begin { if (a) b = 1; else c++ }"),
	          "block if a expr = b 1 expr ++ c");
	/* a for's body comes before its init and incr (field order) */
	CHECK_STR(order("probe begin { for (i = 0; i < 3; i++) x += i }"),
	          "block for < i 3 expr += x i = i 0 ++ i");
	CHECK_STR(order("probe begin { while (n) { next } }"), "block while n block next");
	/* foreach: body, keys, value, array, limit */
	CHECK_STR(order("probe begin { foreach (v = [k] in arr[1, *] limit 5) print(k) }"),
	          "block foreach expr print k k v [] arr 1 ? 5");
	CHECK_STR(order("probe begin { try { error(\"e\") } catch (m) { print(m) } }"),
	          "block try block expr error \"\" m block expr print m");
	CHECK_STR(order("probe begin { delete a[1]; next }"), "block delete [] a 1 next");
	/* expressions: pre-order; left, right, cond, operand, args, components */
	CHECK_STR(order("probe begin { x = c ? y : z }"), "block expr = x ?: y z c");
	CHECK_STR(order("probe begin { x = [1, 2] in a }"), "block expr = x in a 1 2");
	CHECK_STR(order("probe begin { x = f(1, g(2)) + $p->q[i + 1] }"),
	          "block expr = x + f 1 g 2 p + i 1");
	CHECK_STR(order("probe begin { s <<< @count(t[1]) }"), "block expr <<< s count [] t 1");
	/* post callbacks come after the children */
	struct trace t = { .posts = true };
	CHECK_STR(walk("probe begin { if (a) b++ }", &t, NULL),
	          "block if a /a expr ++ b /b /++ /expr /if /block");
}

static void test_prune_stop(void)
{
	struct trace t = { .prune_stmt = "if" };
	CHECK_STR(walk("probe begin { if (a) b = 1; c = 2 }", &t, NULL), "block if expr = c 2");
	t = (struct trace){ .prune_expr = "+", .posts = true };
	CHECK_STR(walk("probe begin { x = (a + b) * c }", &t, NULL),
	          "block expr = x /x * + /+ c /c /* /= /expr /block");
	bool completed = true;
	t = (struct trace){ .stop_at = "b" };
	CHECK_STR(walk("probe begin { a = 1; b = 2; c = 3 }", &t, &completed), "block expr = a 1 expr = b");
	CHECK(!completed);
	t = (struct trace){ 0 };
	walk("probe begin { a = 1 }", &t, &completed);
	CHECK(completed);
	/* NULL nodes are nothing to walk */
	CHECK(ast_walk_stmt(&(struct ast_visitor){ 0 }, NULL));
	CHECK(ast_walk_expr(&(struct ast_visitor){ 0 }, NULL));
}

static int exprs_seen, stmts_seen;

static enum ast_step count_expr(struct expr *e, void *ctx)
{
	(void)e, (void)ctx;
	exprs_seen++;
	return AST_DESCEND;
}

static enum ast_step count_stmt(struct stmt *s, void *ctx)
{
	(void)s, (void)ctx;
	stmts_seen++;
	return AST_DESCEND;
}

static enum ast_step stop_after(struct stmt *s, void *ctx)
{
	(void)ctx;
	return s->kind == S_EXPR ? AST_STOP : AST_DESCEND;
}

static void test_statements_only(void)
{
	struct stmt *body = body_of("probe begin { if (f(x)) { y = 1 } else while (z) z-- }");
	stmts_seen = exprs_seen = 0;
	ast_walk_stmt(&(struct ast_visitor){ .stmt_pre = count_stmt }, body);
	CHECK(stmts_seen == 6 && exprs_seen == 0);
	ast_walk_stmt(&(struct ast_visitor){ .stmt_pre = count_stmt, .expr_post = count_expr }, body);
	CHECK(stmts_seen == 12 && exprs_seen == 8);
	/* a post callback that stops */
	stmts_seen = 0;
	CHECK(!ast_walk_stmt(&(struct ast_visitor){ .stmt_pre = count_stmt, .stmt_post = stop_after }, body));
	CHECK(stmts_seen == 4); /* block, if, block, expr: then nothing more */
}

int main(void)
{
	arena_init(&arena);
	test_order();
	test_prune_stop();
	test_statements_only();
	arena_free(&arena);
	src_reset();
	return CHECK_DONE();
}
