/* The token stream: conditionals, command line arguments and macros, checked
 * on the joined token texts and on the exact diagnostics. */
#include "check.h"
#include "translator/diag.h"
#include "translator/preproc.h"

#include <stdlib.h>
#include <string.h>

static struct arena arena;
static char *diags; /* what the last run() reported */
static int nsrc;

static const char *test_config(const char *name, void *ctx)
{
	(void)ctx;
	if (strcmp(name, "CONFIG_HZ") == 0)
		return "250";
	if (strcmp(name, "CONFIG_FOO") == 0)
		return "y";
	if (strcmp(name, "CONFIG_BAR") == 0)
		return "m";
	if (strcmp(name, "CONFIG_NR") == 0)
		return "0x10";
	return NULL;
}

static struct pp_config config(void)
{
	return (struct pp_config){
		.kernel_v = "6.18.44",
		.kernel_vr = "6.18.44-fc-v769",
		.arch = "x86_64",
		.runtime = "bpf",
		.systemtap_v = "4.8",
		.config_lookup = test_config,
	};
}

static const struct src_file *source(const char *name, const char *text)
{
	nsrc++;
	return src_register(name, text, strlen(text), false);
}

static void join(struct strbuf *b, const struct token *t)
{
	if (b->len)
		sb_putc(b, ' ');
	if (t->kind == TOK_STRING)
		sb_printf(b, "\"%s\"", t->text);
	else if (t->kind == TOK_EMBEDDED)
		sb_printf(b, "%%{%s%%}", t->text);
	else
		sb_puts(b, t->text);
}

/* All tokens of `text` joined by spaces; diagnostics land in `diags`. */
static char *run_cfg(const char *text, const struct pp_config *cfg)
{
	free(diags);
	diag_reset();
	diag_capture_begin();
	struct tokstream *ts = ts_new(&arena, source("t.stp", text), cfg);
	struct strbuf b;
	sb_init(&b);
	for (int i = 0; i < 5000000; i++) {
		struct token *t = ts_next(ts);
		if (t->kind == TOK_EOF)
			break;
		join(&b, t);
	}
	diags = diag_capture_take();
	if (!diags)
		diags = calloc(1, 1);
	diag_capture_end();
	char *s = arena_strdup(&arena, b.s ? b.s : "");
	sb_free(&b);
	return s;
}

static char *run(const char *text)
{
	struct pp_config c = config();
	return run_cfg(text, &c);
}

static char *run_args(const char *text, int nargs, const char *const *args)
{
	struct pp_config c = config();
	c.args = args;
	c.nargs = nargs;
	return run_cfg(text, &c);
}

/* The first line of the diagnostics, or "" when there were none. */
static const char *first_diag(void)
{
	char *nl = strchr(diags, '\n');
	return arena_strndup(&arena, diags, nl ? (size_t)(nl - diags) : strlen(diags));
}

static bool diag_has(const char *s) { return strstr(diags, s) != NULL; }

static int count_errors(void)
{
	int n = 0;
	for (const char *p = diags; (p = strstr(p, ": error: ")); p++)
		n++;
	return n;
}

static void test_conditionals(void)
{
	CHECK_STR(run("probe begin { print(1) }"), "probe begin { print ( 1 ) }");
	CHECK_STR(run("x = %( arch == \"x86_64\" %? 1 %: 2 %)"), "x = 1");
	CHECK_STR(run("x = %( arch == \"x86*\" %? 1 %: 2 %)"), "x = 1");
	CHECK_STR(run("x = %( arch != \"i?86\" %? 1 %: 2 %)"), "x = 1");
	CHECK_STR(run("x = %( arch == \"arm64\" %? 1 %)"), "x =");
	CHECK_STR(run("%( kernel_v >= \"2.6.32\" %? a %: b %)"), "a");
	CHECK_STR(run("%( kernel_v >= \"6.18.9\" %? a %: b %)"), "a"); /* version, not string, order */
	CHECK_STR(run("%( kernel_v < \"6.2\" %? a %: b %)"), "b");
	CHECK_STR(run("%( kernel_v == \"6.18\" %? a %: b %)"), "b");
	CHECK_STR(run("%( kernel_vr == \"6.18*\" %? a %: b %)"), "a");
	CHECK_STR(run("%( kernel_vr != \"6.18*\" %? a %: b %)"), "b");
	CHECK_STR(run("%( kernel_vr > \"6.18.44\" %? a %: b %)"), "a");
	CHECK_STR(run("%( systemtap_v >= \"4.0\" %? a %: b %)"), "a");
	CHECK_STR(run("%( systemtap_v < \"4.10\" %? a %: b %)"), "a");
	CHECK_STR(run("%( runtime == \"bpf\" %? a %: b %)"), "a");
	CHECK_STR(run("%( runtime == \"kernel\" %? a %: b %)"), "b");
	struct pp_config kmod = config();
	kmod.runtime = "kmod";
	CHECK_STR(run_cfg("%( runtime == \"kernel\" %? a %: b %)", &kmod), "a");
	CHECK_STR(run_cfg("%( runtime != \"bpf\" %? a %: b %)", &kmod), "a");
	CHECK_STR(run("%( systemtap_privilege == \"stapdev\" %? a %: b %)"), "a");
	CHECK_STR(run("%( systemtap_privilege != \"stapusr\" %? a %: b %)"), "a");
	CHECK_STR(run("%( guru_mode == 0 %? a %: b %)"), "a");
	CHECK_STR(run("%( guru_mode != 0 %? a %: b %)"), "b");
	struct pp_config guru = config();
	guru.guru_mode = true;
	CHECK_STR(run_cfg("%( guru_mode == 1 %? a %: b %)", &guru), "a");

	/* kernel configuration: unset is "" (and 0 as a number) */
	CHECK_STR(run("%( CONFIG_FOO == \"y\" %? a %: b %)"), "a");
	CHECK_STR(run("%( CONFIG_BAR == \"[ym]\" %? a %: b %)"), "a");
	CHECK_STR(run("%( CONFIG_NOPE == \"\" %? a %: b %)"), "a");
	CHECK_STR(run("%( CONFIG_NOPE == 0 %? a %: b %)"), "a");
	CHECK_STR(run("%( CONFIG_HZ >= 250 %? a %: b %)"), "a");
	CHECK_STR(run("%( CONFIG_HZ > 1000 %? a %: b %)"), "b");
	CHECK_STR(run("%( CONFIG_NR == 16 %? a %: b %)"), "a");
	CHECK_STR(run("%( CONFIG_HZ > CONFIG_NR %? a %: b %)"), "a");
	CHECK_STR(run("%( CONFIG_FOO > CONFIG_BAR %? a %: b %)"), "a"); /* "y" > "m" as strings */
	struct pp_config noconf = config();
	noconf.config_lookup = NULL;
	CHECK_STR(run_cfg("%( CONFIG_FOO == \"y\" %? a %: b %)", &noconf), "b");

	/* literals */
	CHECK_STR(run("%( \"abc\" < \"abd\" %? a %: b %)"), "a");
	CHECK_STR(run("%( \"a\" == \"a*\" %? a %: b %)"), "b"); /* no globs here */
	CHECK_STR(run("%( 2 > 10 %? a %: b %)"), "b");
	CHECK_STR(run("%( 0x10 == 16 %? a %: b %)"), "a");

	/* && binds tighter than || */
	CHECK_STR(run("%( 1 == 0 || 1 == 1 && 0 == 1 %? a %: b %)"), "b");
	CHECK_STR(run("%( 1 == 1 || 0 == 1 && 0 == 1 %? a %: b %)"), "a");
	CHECK_STR(run("%( guru_mode == 0 && arch == \"x*\" || 1 == 0 %? a %: b %)"), "a");
	CHECK_STR(run("%( 1 == 1 && 1 == 0 %? a %: b %)"), "b");

	/* nesting, anywhere in the stream */
	CHECK_STR(run("f(%( 1 == 1 %? %( 2 == 3 %? x %: y %) %: z %), w)"), "f ( y , w )");
	CHECK_STR(run("%( 1 == 0 %? %( 2 == 2 %? x %: y %) %: %( 1 == 1 %? p %) q %) r"), "p q r");
	CHECK_STR(run("%( 1 == 1 %? probe begin {} %) %( 1 == 0 %? garbage ( %)"), "probe begin { }");
	CHECK_STR(diags, "");
	/* the dropped branch is lexed, not parsed nor evaluated */
	CHECK_STR(run("%( 1 == 0 %? %( nonsense %? ) ] %: x %) %: ok %)"), "ok");
	CHECK_STR(diags, "");
}

static void test_conditional_errors(void)
{
	CHECK_STR(run("probe begin { %( 1 == 1 %? x }"), "probe begin { x }");
	CHECK_STR(first_diag(), "t.stp:1:15: error: parse error: conditional not closed: missing '%)' before end of file");
	CHECK(diag_has("    probe begin { %( 1 == 1 %? x }\n                  ^\n"));

	CHECK_STR(run("x = %(\n  foo == 1 %? a %: b %) y"), "x = y");
	CHECK(strncmp(first_diag(), "t.stp:2:3: error: parse error: expected a preprocessor condition", 62) == 0);
	CHECK(count_errors() == 1); /* the conditional is dropped, no cascade */

	run("%( kernel_v > \"2.6*\" %? a %: b %)");
	CHECK_STR(first_diag(), "t.stp:1:13: error: parse error: a wildcard version only compares with '==' or '!='");
	run("%( kernel_v == 5 %? a %)");
	CHECK_STR(first_diag(), "t.stp:1:16: error: parse error: expected a version string literal, not number");
	run("%( arch < \"y\" %? a %)");
	CHECK_STR(first_diag(), "t.stp:1:9: error: parse error: expected '==' or '!='");
	run("%( guru_mode == 2 %? a %)");
	CHECK_STR(first_diag(), "t.stp:1:17: error: parse error: guru_mode compares only with 0 or 1");
	run("%( 1 + 1 %? a %)");
	CHECK_STR(first_diag(), "t.stp:1:6: error: parse error: expected a comparison operator");
	run("%( \"a\" == 1 %? a %)");
	CHECK_STR(first_diag(), "t.stp:1:11: error: parse error: expected a string literal to compare with a string");
	CHECK_STR(run("%( 1 == 1 1 %? a %: b %) c"), "c");
	CHECK_STR(first_diag(), "t.stp:1:11: error: parse error: expected '%?', '&&' or '||' after the condition, not number '1'");
	CHECK(count_errors() == 1);
	run("%( 1 == %? a %)");
	CHECK_STR(first_diag(), "t.stp:1:9: error: parse error: incomplete condition before '%?'");
	CHECK(count_errors() == 1);
	run("x %( 1 ==");
	CHECK_STR(first_diag(), "t.stp:1:3: error: parse error: incomplete condition after '%('");
	CHECK(count_errors() == 1);

	CHECK_STR(run("a %) b"), "a b");
	CHECK_STR(first_diag(), "t.stp:1:3: error: parse error: '%)' without a matching '%('");
	run("a %: b");
	CHECK_STR(first_diag(), "t.stp:1:3: error: parse error: '%:' without a matching '%('");
	run("a %? b");
	CHECK_STR(first_diag(), "t.stp:1:3: error: parse error: '%?' without a matching '%('");
	CHECK_STR(run("%( 1 == 1 %? a %: b %: c %)"), "a");
	CHECK_STR(first_diag(), "t.stp:1:21: error: parse error: second '%:' in one conditional");
}

static void test_arguments(void)
{
	const char *const args[] = {"5", "a+b", "x\"y\\z\n"};
	CHECK_STR(run_args("print($1, @1, $#, @#)", 3, args), "print ( 5 , \"5\" , 3 , \"3\" )");
	CHECK_STR(run_args("f($2)", 3, args), "f ( a + b )");
	CHECK_STR(run_args("f(@3)", 3, args), "f ( \"x\\\"y\\\\z\\012\" )");
	CHECK_STR(diags, "");

	/* a number argument is a number token at the $N's place */
	struct pp_config c = config();
	c.args = args;
	c.nargs = 3;
	struct tokstream *ts = ts_new(&arena, source("n.stp", "x =\n  $1"), &c);
	ts_next(ts);
	ts_next(ts);
	struct token *t = ts_next(ts);
	CHECK(t->kind == TOK_NUMBER && t->num == 5);
	CHECK(t->loc.line == 2 && t->loc.col == 3 && t->loc.expanded_from == NULL);

	/* non-numeric text is lexed as written, pasted at the token start */
	const char *const words[] = {"foo bar", "execname()", ""};
	CHECK_STR(run_args("p($1)", 3, words), "p ( foo bar )");
	CHECK_STR(run_args("p($2)", 3, words), "p ( execname ( ) )");
	CHECK_STR(run_args("p($1x)", 3, words), "p ( foo barx )");
	CHECK_STR(run_args("p($3)", 3, words), "p ( )");
	CHECK_STR(run_args("%( $# > 1 %? many %: few %)", 3, words), "many");
	CHECK_STR(run_args("%( $# > 1 %? many %: few %)", 0, NULL), "few");
	CHECK_STR(run_args("%( @1 == \"foo bar\" %? yes %: no %)", 3, words), "yes");
	const char *const nums[] = {"10"};
	CHECK_STR(run_args("%( $1 >= 10 %? big %: small %)", 1, nums), "big");

	/* out of range: an error only where the token is used, and a placeholder
	 * (0, or "" for @N) so the parser does not report the hole again */
	CHECK_STR(run_args("print(\n   $4)", 3, args), "print ( 0 )");
	CHECK_STR(first_diag(), "t.stp:2:4: error: parse error: command line argument $4 is out of range [1-3]");
	run_args("print(@1)", 0, NULL);
	CHECK_STR(first_diag(), "t.stp:1:7: error: parse error: command line argument @1 is out of range (no arguments given)");
	run_args("print($0)", 1, args);
	CHECK_STR(first_diag(), "t.stp:1:7: error: parse error: command line argument $0 is out of range [1-1]");
	CHECK_STR(run_args("%( $# >= 2 %? $2 %: \"none\" %)", 1, args), "\"none\"");
	CHECK_STR(diags, "");
	run_args("%( $2 == 1 %? a %)", 1, args);
	CHECK_STR(first_diag(), "t.stp:1:4: error: parse error: command line argument $2 is out of range [1-1]");

	/* an argument's text is not substituted again */
	const char *const nested[] = {"$2", "x"};
	run_args("p($1)", 2, nested);
	CHECK_STR(first_diag(), "t.stp:1:3: error: parse error: '$2' inside a command line argument is not substituted again");
}

static void test_macros(void)
{
	CHECK_STR(run("@define two %( 2 %) x = @two * @two"), "x = 2 * 2");
	CHECK_STR(run("@define add(a, b) %( (@a + @b) %) x = @add(1, f(2, 3))"), "x = ( 1 + f ( 2 , 3 ) )");
	CHECK_STR(run("@define first(a, b) %( @a %) x = @first(m[1, 2], {3, 4})"), "x = m [ 1 , 2 ]");
	CHECK_STR(run("@define e(a) %( [@a] %) x = @e()"), "x = [ ]");
	/* macros using macros, arguments expanding where they were written */
	CHECK_STR(run("@define a(x, y) %( (@x * @y) %) @define b(z) %( @a(@z, 7) %) r = @b(3 + 4)"),
		  "r = ( 3 + 4 * 7 )");
	CHECK_STR(run("@define x %( outer %) @define m(x) %( @x %) @define n(y) %( @m(@y) %) r = @n(@x)"),
		  "r = outer");
	/* unknown @words pass through, also with parentheses */
	CHECK_STR(run("@cast(p, \"task_struct\")->pid @entry($x) @count(s) @nope"),
		  "@cast ( p , \"task_struct\" ) -> pid @entry ( $x ) @count ( s ) @nope");
	/* a parameterless macro leaves parentheses after it alone */
	CHECK_STR(run("@define f %( g %) @f(1)"), "g ( 1 )");
	/* visible only after the definition */
	CHECK_STR(run("@m @define m %( 1 %) @m"), "@m 1");
	/* command line arguments in a body are substituted where it is written */
	const char *const args[] = {"5"};
	CHECK_STR(run_args("@define m(x) %( $1 + @x %) p(@m(@1))", 1, args), "p ( 5 + \"5\" )");
	/* conditionals in a body are evaluated where it is used */
	CHECK_STR(run("@define m %( %( arch == \"x86_64\" %? yes %: no %) %) @m"), "yes");
	CHECK_STR(run("@define c %( arch == \"x86_64\" && kernel_v >= \"4.17\" %) %( @c %? yes %: no %)"), "yes");
	/* a definition in a dropped branch does not exist */
	CHECK_STR(run("%( 1 == 0 %? @define foo %( 42 %) %) @foo"), "@foo");
	CHECK_STR(run("%( 1 == 1 %? @define foo %( 42 %) %) @foo"), "42");
	CHECK_STR(diags, "");

	/* expanded tokens point back at the use */
	struct pp_config c = config();
	struct tokstream *ts = ts_new(&arena, source("m.stp", "@define inner %( 1 %)\n@define out %( @inner %)\nx = @out"), &c);
	ts_next(ts);
	ts_next(ts);
	struct token *t = ts_next(ts);
	CHECK_STR(t->text, "1");
	CHECK(t->loc.line == 1 && t->loc.col == 18);
	CHECK(t->loc.expanded_from && t->loc.expanded_from->line == 2 && t->loc.expanded_from->col == 16);
	CHECK(t->loc.expanded_from && t->loc.expanded_from->expanded_from &&
	      t->loc.expanded_from->expanded_from->line == 3 && t->loc.expanded_from->expanded_from->col == 5);
}

static void test_macro_errors(void)
{
	CHECK_STR(run("@define a(x) %( @x %) p(@a(1,2)) q"), "p ( ) q");
	CHECK_STR(first_diag(), "t.stp:1:29: error: parse error: too many arguments for macro '@a' (it takes 1)");
	run("@define a(x,y) %( @x %) p(@a(1))");
	CHECK_STR(first_diag(), "t.stp:1:31: error: parse error: too few arguments for macro '@a' (it takes 2)");
	CHECK_STR(run("@define a(x) %( @x %) p(@a)"), "p ( )");
	CHECK_STR(first_diag(), "t.stp:1:27: error: parse error: expected '(' after '@a', a macro taking 1 parameter");
	run("@define a(x, y) %( @x %) p(@a(1, 2");
	CHECK_STR(first_diag(), "t.stp:1:28: error: parse error: unterminated argument list of macro '@a'");
	CHECK_STR(run("@define a %( 1 %) @define a %( 2 %) @a"), "1");
	CHECK_STR(first_diag(), "t.stp:1:27: error: parse error: macro '@a' is already defined in this file");
	CHECK(diag_has("t.stp:1:9: note: '@a' was first defined here"));
	CHECK_STR(run("@define a %( @define b %( 1 %) %) @a"), "b");
	CHECK_STR(first_diag(), "t.stp:1:14: error: parse error: '@define' is not allowed inside a macro body");
	CHECK(diag_has("t.stp:1:35: note: expanded from here"));
	CHECK_STR(run("@define m %( 1 probe begin {}"), "");
	CHECK_STR(first_diag(), "t.stp:1:9: error: parse error: macro '@m' is not closed: missing '%)'");
	CHECK_STR(run("@define 5 %( 1 %) probe begin {}"), "probe begin { }");
	CHECK_STR(first_diag(), "t.stp:1:9: error: parse error: expected a macro name after '@define', not number '5'");
	CHECK_STR(run("@define m(a b) %( 1 %) probe begin {}"), "probe begin { }");
	CHECK_STR(first_diag(), "t.stp:1:13: error: parse error: expected ',' or ')' in the parameters of '@m'");
	CHECK_STR(run("@define m x probe begin {}"), "probe begin { }");
	CHECK_STR(first_diag(), "t.stp:1:11: error: parse error: expected '(' or '%(' after macro name '@m'");
	CHECK_STR(run("@define cast %( 1 %) @cast"), "1");
	CHECK(strstr(first_diag(), "t.stp:1:9: warning: macro '@cast' hides the built-in operator") != NULL);

	/* runaway expansion ends with one error */
	run("@define a %( x @a %) p(@a) q");
	CHECK(strstr(first_diag(), "t.stp:1:16: error: parse error: macro expansion nested more than") != NULL);
	CHECK(count_errors() == 1);
	run("@define a %( @a @a %) @a");
	CHECK(count_errors() == 1);
	run("@define a %( 1 2 3 4 %) @define b %( @a @a @a @a %) @define c %( @b @b @b @b %)"
	    "@define d %( @c @c @c @c %) @define e %( @d @d @d @d %) @define f %( @e @e @e @e %)"
	    "@define g %( @f @f @f @f %) @define h %( @g @g @g @g %) @define i %( @h @h @h @h %)"
	    "@define j %( @i @i @i @i %) @define k %( @j @j @j @j %) @k");
	CHECK(strstr(first_diag(), "error: parse error: macro expansion produces more than") != NULL);
	CHECK(count_errors() == 1);
	run("@define d(x) %( @x @x %) @d(@d(@d(@d(@d(@d(@d(@d(@d(@d(@d(@d(@d(@d(@d(@d(@d(@d(@d(@d(@d(@d(1))))))))))))))))))))))");
	CHECK(count_errors() == 1);
}

static void test_library_macros(void)
{
	struct pp_config c = config();
	struct pp_macros *lib = pp_macros_new(&arena);
	diag_capture_begin();
	CHECK(pp_macros_load(&arena, lib, source("lib.stpm",
		"@define lib_sq(x) %( (@x * @x) %)\n"
		"@define lib_cond %( arch == \"x86_64\" || arch == \"arm64\" %)\n"
		"@define lib_local %( @only_local %)\n"
		"%( 1 == 1 %? @define lib_yes %( yes %) %)\n"), &c));
	CHECK(!pp_macros_load(&arena, lib, source("bad.stpm", "@define ok %( 1 %)\nprobe begin {}\n"), &c));
	char *d = diag_capture_take();
	CHECK(d && strncmp(d, "bad.stpm:2:1: error: parse error: a macro library file may contain only @define's", 80) == 0);
	free(d);
	CHECK(!pp_macros_load(&arena, lib, source("dup.stpm", "@define lib_sq %( 1 %)\n"), &c));
	d = diag_capture_take();
	CHECK(d && strstr(d, "dup.stpm:1:9: error: parse error: library macro '@lib_sq' is defined twice") != NULL);
	CHECK(d && strstr(d, "lib.stpm:1:9: note: '@lib_sq' was first defined here") != NULL);
	free(d);
	diag_capture_end();

	c.global_macros = lib;
	CHECK_STR(run_cfg("x = @lib_sq(2) @ok", &c), "x = ( 2 * 2 ) @ok");
	CHECK_STR(run_cfg("%( @lib_cond %? yes %: no %) @lib_yes", &c), "yes yes");
	/* a local macro shadows a library one, but library bodies only see the library */
	CHECK_STR(run_cfg("@define lib_sq(x) %( local %) @define only_local %( L %) @lib_sq(1) @lib_local", &c),
		  "local @only_local");
	CHECK_STR(diags, "");
}

static void test_lookahead(void)
{
	struct pp_config c = config();
	struct tokstream *ts = ts_new(&arena, source("p.stp", "@define m %( b c %) a @m d"), &c);
	CHECK_STR(ts_peek(ts, 3)->text, "d");
	CHECK_STR(ts_peek(ts, 0)->text, "a");
	CHECK_STR(ts_next(ts)->text, "a");
	CHECK_STR(ts_peek(ts, 1)->text, "c");
	CHECK_STR(ts_next(ts)->text, "b");
	ts_next(ts);
	ts_next(ts);
	CHECK(ts_next(ts)->kind == TOK_EOF);
	CHECK(ts_peek(ts, 5)->kind == TOK_EOF);
}

int main(void)
{
	arena_init(&arena);
	test_conditionals();
	test_conditional_errors();
	test_arguments();
	test_macros();
	test_macro_errors();
	test_library_macros();
	test_lookahead();
	free(diags);
	arena_free(&arena);
	src_reset();
	return CHECK_DONE();
}
