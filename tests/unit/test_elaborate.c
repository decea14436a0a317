/* Pass 2: probe resolution (aliases, wildcards, providers), symbol
 * resolution, pulling in only the used tapset pieces, type inference, the
 * diagnostics with their locations, and the -p2 / -l / -L output. Scripts
 * run against the small tapset in tests/unit/tapset-fixture. */
#include "check.h"

#include "translator/elab_print.h"
#include "translator/elaborate.h"
#include "translator/parser.h"
#include "translator/provider.h"
#include "translator/session.h"
#include "translator/tapset_load.h"

#include <stdlib.h>
#include <string.h>

#define FIXTURE_DIR BTAP_TAPSET_DIR "/../tests/unit/tapset-fixture"

struct run {
	struct session s;
	bool ok;
	char *diags;
};

static void run_start(struct run *r, const char *script, bool guru, bool no_warnings)
{
	session_init(&r->s);
	r->s.tapset_dir = FIXTURE_DIR;
	r->s.guru = guru;
	session_setup_pp(&r->s);
	diag_set_suppress_warnings(no_warnings);
	diag_capture_begin();
	bool ok = tapset_load_all(&r->s);
	if (script) {
		struct src_file *f = src_register("<test>", script, strlen(script), false);
		r->s.user_file = parse_file(&r->s.arena, f, &r->s.pp, false);
		ok = ok && diag_error_count() == 0 && elaborate(&r->s);
	}
	r->ok = ok && diag_error_count() == 0;
	r->diags = diag_capture_take();
	diag_capture_end();
	diag_set_suppress_warnings(false);
}

static void run_end(struct run *r)
{
	free(r->diags);
	session_free(&r->s);
}

/* Elaborate and return the -p2 text ("" on failure); *diags gets the
 * diagnostics when not NULL. */
static char *p2_of(const char *script, bool bodies, char **diags)
{
	struct run r;
	run_start(&r, script, false, false);
	struct strbuf out;
	sb_init(&out);
	if (r.ok)
		elab_print_program_ex(&out, &r.s, bodies);
	if (diags)
		*diags = xstrdup(r.diags);
	else if (!r.ok)
		fprintf(stderr, "unexpected diagnostics:\n%s", r.diags);
	run_end(&r);
	return sb_steal(&out);
}

static void check_p2(const char *script, const char *want)
{
	char *got = p2_of(script, false, NULL);
	CHECK_STR(got, want);
	free(got);
}

/* The script fails and the diagnostics contain `want`. */
static void check_error(const char *script, const char *want)
{
	struct run r;
	run_start(&r, script, false, false);
	CHECK(!r.ok);
	bool found = strstr(r.diags, want) != NULL;
	CHECK(found);
	if (!found)
		fprintf(stderr, "script: %s\nwant: %s\ngot:\n%s\n", script, want, r.diags);
	run_end(&r);
}

/* The script elaborates, with `want` among the diagnostics (NULL: none). */
static void check_ok_diag(const char *script, const char *want)
{
	struct run r;
	run_start(&r, script, false, false);
	CHECK(r.ok);
	if (want) {
		bool found = strstr(r.diags, want) != NULL;
		CHECK(found);
		if (!found)
			fprintf(stderr, "script: %s\nwant: %s\ngot:\n%s\n", script, want, r.diags);
	} else if (r.diags[0]) {
		CHECK_STR(r.diags, "");
	}
	run_end(&r);
}

static void test_types(void)
{
	check_p2("global a, s\n"
		 "function f(n, str) { return str . sprint(n) }\n"
		 "probe begin { x = 1; a[\"k\", x] = f(x, \"v\"); s <<< x; println(a[\"k\", 1], @count(s)) }\n",
		 "# globals\n"
		 "a:string [string, long]\n"
		 "s:stats\n"
		 "# functions\n"
		 "f:string (n:long, str:string)\n"
		 "# probes\n"
		 "begin /* <- begin */\n"
		 "  # locals\n"
		 "  x:long\n");
	/* Types flow backwards too: from the later use to the earlier one. */
	check_p2("global g\nprobe begin { y = g; z = y; println(strlen(z)) }\nprobe end { g = \"s\" }\n",
		 "# globals\n"
		 "g:string\n"
		 "# functions\n"
		 "strlen:long (s:string)\n"
		 "# probes\n"
		 "begin /* <- begin */\n"
		 "  # locals\n"
		 "  y:string\n"
		 "  z:string\n"
		 "end /* <- end */\n");
	/* foreach keys and values take the array's types; recursion is fine. */
	check_p2("global a\n"
		 "function fact(n) { if (n <= 1) return 1; return n * fact(n - 1) }\n"
		 "probe begin { a[\"x\", 2] = fact(3); foreach (v = [k1, k2] in a- limit 2) printf(\"%s %d %d\\n\", k1, k2, v) }\n",
		 "# globals\n"
		 "a:long [string, long]\n"
		 "# functions\n"
		 "fact:long (n:long)\n"
		 "# probes\n"
		 "begin /* <- begin */\n"
		 "  # locals\n"
		 "  k1:string\n"
		 "  k2:long\n"
		 "  v:long\n");
	/* Overloading by arity; a function without a value prints as unknown. */
	check_p2("function f(a) { return a } function f(a, b) { return a . b }\n"
		 "function say(m) { println(m) }\n"
		 "probe begin { println(f(1) + 1); say(f(\"a\", \"b\")) }\n",
		 "# functions\n"
		 "f:long (a:long)\n"
		 "f:string (a:string, b:string)\n"
		 "say:unknown (m:string)\n"
		 "# probes\n"
		 "begin /* <- begin */\n");
}

static void test_type_errors(void)
{
	check_error("probe begin { n = 4; println(@uderef(n, 0)) }",
		    "<test>:1:38: error: semantic error: @uderef takes a size of 1, 2, 4 or 8 bytes, as a number");
	check_error("probe begin { println(@uderef(3, 0)) }",
		    "<test>:1:31: error: semantic error: @uderef takes a size of 1, 2, 4 or 8 bytes, as a number");
	check_error("probe begin { x = 1; x = \"s\"; println(x) }",
		    "<test>:1:26: error: semantic error: type mismatch for 'x': string vs long");
	check_error("probe begin { x = 1; x = \"s\"; println(x) }",
		    "<test>:1:15: note: 'x' was first inferred as long here");
	check_error("global s\nprobe begin { s <<< 1; println(s + 1) }",
		    "<test>:2:32: error: semantic error: type mismatch for 's': expected long but it is stats");
	check_error("probe begin { printf(\"%d\\n\", \"s\") }",
		    "<test>:1:30: error: semantic error: type mismatch: expected long but found string");
	check_error("probe begin { printf(\"%s %d\\n\", \"s\") }",
		    "<test>:1:15: error: semantic error: the format of printf takes 2 arguments but 1 is given");
	check_error("probe begin { f = \"%d\"; printf(f, 1) }",
		    "<test>:1:32: error: parse error: expected literal string, found identifier 'f'");
	check_error("probe begin { printf(\"%q\", 1) }",
		    "<test>:1:24: error: parse error: invalid or missing conversion specifier");
	check_error("probe begin { println(y) }",
		    "<test>:1:23: error: semantic error: unresolved type for variable 'y'");
	check_error("global a\nprobe begin { a[1] = 1; a[1, 2] = 3 }",
		    "<test>:2:25: error: semantic error: inconsistent arity for 'a' (2 vs 1)");
	check_error("probe begin { s <<< 1 }",
		    "<test>:1:15: error: semantic error: statistics variable 's' must be a global");
	check_error("probe begin { x = \"a\" + 1; println(x) }",
		    "<test>:1:19: error: semantic error: type mismatch: expected long but found string");
	/* as stap: a function with no value, used as one, takes the type its
	 * use wants (f:long here) */
	check_ok_diag("function f() { println(1) }\nprobe begin { x = f() + 1; println(x) }", NULL);
}

static void test_symbol_errors(void)
{
	check_error("probe begin { foo() }", "<test>:1:15: error: semantic error: unresolved function 'foo'");
	check_error("function f(a) { return a }\nprobe begin { println(f(1, 2)) }",
		    "<test>:2:23: error: semantic error: function 'f' takes 1 argument, called with 2");
	check_error("probe begin { a[1] = 1 }",
		    "<test>:1:15: error: semantic error: array 'a' must be a global (missing global declaration?)");
	check_error("probe begin { break }", "<test>:1:15: error: semantic error: 'break' outside of a loop");
	check_error("probe begin { if (1) continue }",
		    "<test>:1:22: error: semantic error: 'continue' outside of a loop");
	check_error("probe begin { println($foo) }",
		    "<test>:1:23: error: semantic error: unable to find target variable '$foo'");
	check_error("probe begin { $foo = 1 }",
		    "<test>:1:15: error: semantic error: writing to target variable '$foo' requires guru mode (-g)");
	check_error("probe end { println(@entry(1)) }",
		    "<test>:1:21: error: semantic error: @entry may only be used in a .return probe");
	check_error("probe begin if (x > 0) { println(1) }",
		    "<test>:1:17: error: semantic error: probe condition may only use global variables, 'x' is not one");
	/* A private tapset function is invisible outside its file... */
	check_error("probe begin { println(hidden_f()) }",
		    "<test>:1:23: error: semantic error: unresolved function 'hidden_f'");
	/* ...but its file's public functions may use it. */
	check_ok_diag("probe begin { println(uses_hidden()) }", NULL);
}

static void test_defined(void)
{
	/* The dead branch is not checked for target variables. */
	check_p2("probe begin { if (@defined($foo)) println($foo) else println(\"none\") }",
		 "# probes\nbegin /* <- begin */\n");
	check_p2("probe begin { x = @defined($foo) ? $foo : 5; println(x) }",
		 "# probes\nbegin /* <- begin */\n  # locals\n  x:long\n");
}

static void test_probe_points(void)
{
	check_error("probe nosuch { }",
		    "<test>:1:7: error: semantic error: while resolving probe point: no match for probe point nosuch");
	check_error("probe fixture.nosuch { }",
		    "<test>:1:7: error: semantic error: while resolving probe point: no match for probe point fixture.nosuch");
	check_error("probe nosuch ? { }", "error: semantic error: no probes found");
	check_p2("probe nosuch ?, end { println(1) }", "# probes\nend /* <- nosuch?,end */\n");
	check_p2("probe begin!, end { println(1) }", "# probes\nbegin! /* <- begin!,end */\n");
	check_p2("probe nosuch!, end { println(1) }", "# probes\nend /* <- nosuch!,end */\n");
	check_p2("probe begin(-1), end(5) { println(1) }",
		 "# probes\nbegin(-1) /* <- begin(-1),end(5) */\nend(5) /* <- begin(-1),end(5) */\n");
	check_p2("probe never { println(1) }", "# probes\nnever /* <- never */\n");
	check_error("probe begin(\"x\") { }",
		    "<test>:1:13: error: semantic error: the priority of 'begin' must be a number");
	check_error("probe foo = foo { } probe foo { }",
		    "<test>:1:13: error: semantic error: recursive loop in alias expansion of 'foo'");
	check_error("probe a = b { } probe b = a { } probe a { }",
		    "error: semantic error: recursive loop in alias expansion of 'a'");
	/* A required point under an alias is reported where the alias says it. */
	check_error("probe a = nosuch { } probe a { }",
		    "<test>:1:11: error: semantic error: while resolving probe point: no match for probe point nosuch");
}

static void test_timers(void)
{
	check_p2("probe timer.ms(100), timer.s(1).randomize(1), timer.hz(100), timer.profile { println(1) }",
		 "# probes\n"
		 "timer.ms(100) /* <- timer.ms(100),timer.s(1).randomize(1),timer.hz(100),timer.profile */\n"
		 "timer.s(1).randomize(1) /* <- timer.ms(100),timer.s(1).randomize(1),timer.hz(100),timer.profile */\n"
		 "timer.hz(100) /* <- timer.ms(100),timer.s(1).randomize(1),timer.hz(100),timer.profile */\n"
		 "timer.profile /* <- timer.ms(100),timer.s(1).randomize(1),timer.hz(100),timer.profile */\n");
	/* timer.profile.tick is the full name of timer.profile. */
	check_p2("probe timer.profile.tick { println(1) }", "# probes\ntimer.profile.tick /* <- timer.profile.tick */\n");
	check_p2("probe timer.profile.* { println(1) }", "# probes\ntimer.profile.tick /* <- timer.profile.* */\n");
	check_error("probe timer.profile.tick(1) { }", "<test>:1:26: error: semantic error: timer.profile takes no argument");
	check_error("probe timer.profile.tock { }", "no match for probe point timer.profile.tock");
}

static void test_perf_process(void)
{
	check_p2("probe perf.sw.cpu_clock.sample(7), perf.hw.*cycles.hz(10) { }",
		 "# probes\n"
		 "perf.sw.cpu_clock.sample(7) /* <- perf.sw.cpu_clock.sample(7),perf.hw.*cycles.hz(10) */\n"
		 "perf.hw.cpu_cycles.hz(10) /* <- perf.sw.cpu_clock.sample(7),perf.hw.*cycles.hz(10) */\n"
		 "perf.hw.bus_cycles.hz(10) /* <- perf.sw.cpu_clock.sample(7),perf.hw.*cycles.hz(10) */\n"
		 "perf.hw.ref_cpu_cycles.hz(10) /* <- perf.sw.cpu_clock.sample(7),perf.hw.*cycles.hz(10) */\n");
	check_p2("probe process.* { }", "# probes\nprocess.begin /* <- process.* */\n"
		 "process.begin /* the processes already running <- process.* */\nprocess.end /* <- process.* */\n");
	check_error("probe perf.sw.page_faults.sample(-3) { }", "<test>:1:34: error: semantic error: invalid perf sample period");
	check_error("probe perf.hw.cpu_cycles.hz(0) { }", "<test>:1:29: error: semantic error: invalid perf frequency 0");
	check_error("probe perf.sw.nope { }", "<test>:1:15: error: semantic error: unknown perf event 'perf.sw.nope'");
	check_error("probe perf.sw.cpu_clock(1) { }", "<test>:1:25: error: semantic error: unexpected argument");
	check_error("probe perf.sw.* .sample(0) { }", "invalid perf sample period 0");
	check_error("probe perf.sw.nope* { }", "no match for probe point perf.sw.nope*");
	check_p2("probe process(1).begin { }",
		 "# probes\nprocess(1).begin /* the processes already running <- process(1).begin */\n");
	check_error("probe process(0).begin { }", "<test>:1:15: error: semantic error: invalid process id");
	check_error("probe process(1).thread.begin { }",
		    "<test>:1:15: error: semantic error: process(PID).thread.begin is not supported yet");
	check_error("probe process(\"no-such-program\").end { }",
		    "<test>:1:15: error: semantic error: cannot find process(\"no-such-program\"): no such command in $PATH or the current directory");
	check_error("probe process.begin(2) { }", "<test>:1:21: error: semantic error: process.begin takes no argument");
	check_error("probe timer.ms(0) { }",
		    "<test>:1:16: error: semantic error: timer.ms interval 0 out of range (1, 86400000)");
	check_error("probe timer.s(-1) { }",
		    "<test>:1:15: error: semantic error: timer.s interval -1 out of range (1, 86400)");
	check_error("probe timer.us(10) { }",
		    "<test>:1:16: error: semantic error: timer.us interval 10 out of range (100, 86400000000)");
	check_error("probe timer.hz(0) { }",
		    "<test>:1:16: error: semantic error: timer.hz frequency must be greater than 0");
	check_error("probe timer.jiffies(1000001) { }",
		    "<test>:1:21: error: semantic error: timer.jiffies interval 1000001 out of range (1, 1000000)");
	check_error("probe timer.ms(10).randomize(20) { }",
		    "<test>:1:30: error: semantic error: randomization value 20 out of range (0, 10)");
	check_error("probe timer.ms { }",
		    "<test>:1:13: error: semantic error: timer.ms requires a numeric interval");
	check_error("probe timer.ms(\"a\") { }",
		    "<test>:1:16: error: semantic error: timer.ms requires a numeric interval");
	check_error("probe timer.s(1).foo { }",
		    "<test>:1:18: error: semantic error: invalid suffix 'foo' for timer.s");
	/* A wildcard unit skips the units whose range rejects the interval. */
	char *got = p2_of("probe timer.*(1) { println(1) }", false, NULL);
	CHECK(strstr(got, "timer.ms(1) ") && strstr(got, "timer.hz(1) ") && !strstr(got, "timer.us(1)"));
	free(got);
}

static int count_lines_with(const char *text, const char *needle)
{
	int n = 0;
	for (const char *p = text; (p = strstr(p, needle)); p++)
		n++;
	return n;
}

static void test_aliases(void)
{
	check_p2("probe fixture.one { println(name, value) }",
		 "# probes\n"
		 "begin /* <- fixture.one = begin <- fixture.one */\n"
		 "  # locals\n"
		 "  name:string\n"
		 "  value:long\n");
	/* Nested aliases: the chain is printed from the innermost alias out. */
	char *got = p2_of("probe fixture.both { println(both, value) }", false, NULL);
	CHECK(strstr(got, "begin /* <- fixture.one = begin <- fixture.both = fixture.one,fixture.two <- fixture.both */\n") != NULL);
	CHECK(strstr(got, "end /* <- fixture.two = end <- fixture.both = fixture.one,fixture.two <- fixture.both */\n") != NULL);
	free(got);
	/* Wildcards: '*' stays within one component, '**' crosses them. */
	got = p2_of("probe fixture.* { println(1) }", false, NULL);
	CHECK(count_lines_with(got, " <- fixture.* */") == 5);
	CHECK(strstr(got, "fixture.two.return") == NULL);
	free(got);
	got = p2_of("probe fixture.** { println(1) }", false, NULL);
	CHECK(count_lines_with(got, " <- fixture.** */") == 6);
	free(got);
	got = p2_of("probe f*.two.* { println(1) }", false, NULL);
	CHECK_STR(got, "# probes\nerror /* <- fixture.two.return = error <- f*.two.* */\n");
	free(got);
	/* An alias with a suffix passes it on to its points. */
	check_p2("probe ticker = timer.s(1) { } probe ticker.randomize(1) { println(1) }",
		 "# probes\ntimer.s(1).randomize(1) /* <- ticker = timer.s(1) <- ticker.randomize(1) */\n");
	/* An alias whose optional points match nothing gives no probe. */
	check_error("probe fixture.maybe { }",
		    "<test>:1:7: error: semantic error: while resolving probe point: no match for probe point fixture.maybe");
}

static void test_alias_bodies(void)
{
	struct run r;
	run_start(&r, "probe fixture.one { println(value) }\nprobe fixture.late { println(2) }", false, false);
	CHECK(r.ok);
	CHECK(r.s.prog.probes.n == 2);
	if (r.ok && r.s.prog.probes.n == 2) {
		/* Prologue: the alias body, then the script's. */
		struct probe *d = r.s.prog.probes.v[0];
		CHECK(d->body->kind == S_BLOCK && d->body->stmts.n == 2);
		struct stmt *first = d->body->stmts.v[0];
		CHECK(first->loc.file && first->loc.file->is_tapset);
		CHECK(d->alias_chain.n == 1);
		CHECK(d->origin && d->origin->file == r.s.user_file->src);
		CHECK(d->provider && strcmp(d->provider->name, "begin") == 0);
		/* The alias and the script share the local. */
		CHECK(d->locals.n == 1 && strcmp(((struct vardecl *)d->locals.v[0])->name, "value") == 0);
		/* Epilogue (+=): the script's body first. */
		struct probe *e = r.s.prog.probes.v[1];
		CHECK(e->body->kind == S_BLOCK && e->body->stmts.n == 2);
		struct stmt *second = e->body->stmts.v[1];
		CHECK(second->loc.file && second->loc.file->is_tapset);
		/* The epilogue's function came along. */
		CHECK(r.s.prog.functions.n == 1 &&
		      strcmp(((struct funcdecl *)r.s.prog.functions.v[0])->name, "value_of_late") == 0);
	}
	run_end(&r);
}

static void test_used_pieces(void)
{
	struct run r;
	run_start(&r, "probe begin { println(fixture_count()) }", false, false);
	CHECK(r.ok);
	/* counter.stp is used, so its own end probe runs too; unused.stp's
	 * begin probe does not. */
	CHECK(r.s.prog.probes.n == 2);
	CHECK(r.s.prog.globals.n == 1 &&
	      strcmp(((struct vardecl *)r.s.prog.globals.v[0])->name, "fixture_counter") == 0);
	int fns = r.s.prog.functions.n;
	CHECK(fns == 2);
	for (int i = 0; i < fns; i++) {
		const char *n = ((struct funcdecl *)r.s.prog.functions.v[i])->name;
		CHECK(strcmp(n, "fixture_count") == 0 || strcmp(n, "exit") == 0);
	}
	run_end(&r);

	/* A script function shadows the tapset's of the same arity. */
	check_p2("function execname() { return 5 } probe begin { println(execname()) }",
		 "# functions\nexecname:long ()\n# probes\nbegin /* <- begin */\n");
	/* Macros from .stpm files are visible to the script. */
	check_p2("probe begin { x = @FIXTURE_ANSWER; println(x) }",
		 "# probes\nbegin /* <- begin */\n  # locals\n  x:long\n");
}

static void test_warnings(void)
{
	check_ok_diag("global g\nprobe begin { println(1) }",
		      "<test>:1:8: warning: eliding unused variable 'g'");
	check_ok_diag("probe begin { x = 1; println(2) }",
		      "<test>:1:17: warning: eliding assignment to unused variable 'x'");
	check_error("probe begin { println(y) }", "<test>:1:23: warning: never-assigned local variable 'y'");
	/* -w: counted, not printed. */
	struct run r;
	run_start(&r, "global g\nprobe begin { println(1) }", false, true);
	CHECK(r.ok);
	CHECK_STR(r.diags, "");
	run_end(&r);
	/* Dead stores are gone from the program; side effects stay (and n,
	 * no longer read, is printed at the end as stap does). */
	char *got = p2_of("global n\nprobe begin { x = execname(); y = n++; println(1) }", false, NULL);
	CHECK_STR(got, "# globals\nn:long\n# probes\nbegin /* <- begin */\nend /* <- end */\n");
	free(got);
}

static void test_guru(void)
{
	check_error("probe begin { %{ /* c */ %} }", "embedded code");
	struct run r;
	run_start(&r, "function f:long () %{ STAP_RETURN(1); %}\nprobe begin { println(f()) }", true, false);
	CHECK(r.ok);
	run_end(&r);
	/* The parser may already refuse it; either way it is an error. */
	check_error("function f:long () %{ STAP_RETURN(1); %}\nprobe begin { println(f()) }",
		    "embedded code");
}

static char *listing(const char *pattern, bool vars)
{
	struct run r;
	run_start(&r, NULL, false, false);
	struct strbuf out;
	sb_init(&out);
	diag_capture_begin();
	list_probe_points(&r.s, pattern, vars, &out);
	char *d = diag_capture_take();
	diag_capture_end();
	if (d[0])
		sb_printf(&out, "DIAG: %s", d);
	free(d);
	run_end(&r);
	return sb_steal(&out);
}

static void test_listing(void)
{
	char *got = listing("fixture.*", false);
	CHECK_STR(got, "fixture.both\nfixture.late\nfixture.one\nfixture.two\n");
	free(got);
	got = listing("fixture.**", false);
	CHECK_STR(got, "fixture.both\nfixture.late\nfixture.one\nfixture.two\nfixture.two.return\n");
	free(got);
	got = listing("fixture.one", true);
	CHECK_STR(got, "fixture.one name:string value:long\n");
	free(got);
	got = listing("fixture.late", true);
	CHECK_STR(got, "fixture.late after:long\n");
	free(got);
	got = listing("*", false);
	CHECK_STR(got, "begin\nend\nerror\nnever\n");
	free(got);
	got = listing("timer.*", false);
	CHECK_STR(got, "timer.profile\n");
	free(got);
	got = listing("timer.ms(5)", false);
	CHECK_STR(got, "timer.ms(5)\n");
	free(got);
	got = listing("perf.sw.page_fault*", false);
	CHECK_STR(got, "perf.sw.page_faults\nperf.sw.page_faults_maj\nperf.sw.page_faults_min\n");
	free(got);
	got = listing("perf.**", true);
	CHECK(got && strstr(got, "perf.hw.ref_cpu_cycles\n") && strstr(got, "perf.sw.emulation_faults\n"));
	free(got);
	got = listing("process.*", false);
	CHECK_STR(got, "process.begin\nprocess.end\n");
	free(got);
	/* brace groups, as in a script's probe points */
	got = listing("fixture.{one,two.return}", false);
	CHECK_STR(got, "fixture.one\nfixture.two.return\n");
	free(got);
	got = listing("fixture.{one,late},begin", false);
	CHECK_STR(got, "begin\nfixture.late\nfixture.one\n");
	free(got);
	got = listing("fixture.(", false);
	CHECK(strstr(got, "invalid probe point pattern 'fixture.('") != NULL);
	free(got);
}

static void test_p2_bodies(void)
{
	char *got = p2_of("global g = 5\nprobe begin { g = g + 1 }", true, NULL);
	CHECK(strstr(got, "# globals\ng:long = 5\n# probes\nbegin /* <- begin */\n{") != NULL);
	CHECK(strstr(got, "g = g + 1") != NULL || strstr(got, "g = (g + 1)") != NULL);
	free(got);
}

/* Odd but parseable inputs must not crash. */
static void test_robustness(void)
{
	static const char *const scripts[] = {
		"probe begin { a[1] <<< 2; foreach ([k] in a) println(@count(a[k])) }",
		"global a; probe begin { delete a; delete a[1]; println(1 in a) }",
		"global a; probe begin { foreach ([x, y] in a) println(x); a[1] = 1 }",
		"probe begin { x = y = z = 1; println(x, y, z) }",
		"global s; probe begin { s <<< 1; print(@hist_log(s)); println(@hist_log(s)[2]) }",
		"global s; probe begin { s <<< 1; x = s; println(x) }",
		"probe begin { try { error(\"x\") } catch (msg) { println(msg) } }",
		"function f(a) { return f(a) } probe begin { println(f(1)) }",
		"function f(a) { return g(a) } function g(b) { return f(b) } probe begin { f(1) }",
		"probe begin { println(\"a\" == 1, 1 < \"b\") }",
		"probe begin { println($$vars, $$parms) }",
		"probe begin { println(@cast(0, \"task_struct\")->pid) }",
		"probe fixture.* ?, fixture.** ! { next }",
		"probe **, * { }",
		"global a; probe begin { a[1,2,3,4,5,6,7,8,9,10] = 1 }",
		"probe begin { while (1) { for (i = 0; i < 2; i++) break; continue } }",
	};
	for (size_t i = 0; i < sizeof scripts / sizeof *scripts; i++) {
		struct run r;
		run_start(&r, scripts[i], false, false);
		run_end(&r);
		CHECK(1);
	}
}


/* print and printf yield a long (0), as in stap: `return` with a printf on
 * the next line parses as `return printf(..)`. A call without a value is
 * still fine as a statement. */
static void test_print_value(void)
{
	check_p2("function show(x) {\n\tif (x < 0) return\n\tprintf(\"%d\\n\", x)\n}\nprobe begin { show(1) }",
		 "# functions\nshow:long (x:long)\n# probes\nbegin /* <- begin */\n");
	check_p2("probe begin { x = printf(\"a\"); println(x) }",
		 "# probes\nbegin /* <- begin */\n  # locals\n  x:long\n");
	check_ok_diag("function f() { println(1) } function g() { if (1) return; f() } probe begin { g(); f() }",
		      NULL);
	check_error("function f() { println(1) }\nprobe begin { println(f()) }", "'f' returns no value");
}

/* foreach over a histogram's buckets: one long key, a long value. */
static void test_hist_foreach(void)
{
	check_p2("global h\nprobe begin { h <<< 1; foreach (v = b in @hist_log(h)-) printf(\"%d %d %d\\n\", b, v, @hist_log(h)[b]) }",
		 "# globals\nh:stats\n# probes\nbegin /* <- begin */\n  # locals\n  b:long\n  v:long\n");
	check_p2("global s\nprobe begin { s[\"a\"] <<< 1; foreach (b+ in @hist_linear(s[\"a\"], 0, 10, 2) limit 3) println(b) }",
		 "# globals\ns:stats [string]\n# probes\nbegin /* <- begin */\n  # locals\n  b:long\n");
	check_error("global h\nprobe begin { h <<< 1; foreach ([a, b] in @hist_log(h)) println(a) }",
		    "<test>:2:24: error: semantic error: foreach over a histogram takes exactly one key (the bucket), not 2");
	check_error("global h\nprobe begin { h <<< 1; foreach (b in @hist_log(h)) println(b . \"\") }",
		    "type mismatch for 'b': expected string but it is long");
	/* After pass 2: the foreach's array is the E_HIST itself. */
	struct run r;
	run_start(&r, "global h\nprobe begin { h <<< 1; foreach (b in @hist_log(h)) println(b) }", false, false);
	CHECK(r.ok);
	if (r.ok) {
		struct probe *d = r.s.prog.probes.v[0];
		struct stmt *fe = d->body->stmts.v[1];
		CHECK(fe->kind == S_FOREACH && fe->fe_array->kind == E_HIST && fe->fe_array->operand->var &&
		      fe->fe_array->operand->var->type == TY_STATS && fe->fe_array->var == NULL);
		struct expr *k = fe->fe_keys.v[0];
		CHECK(k->var && !k->var->is_global && k->var->type == TY_LONG);
	}
	run_end(&r);
}

/* No element of an array changes while a foreach walks it. */
static void test_foreach_writes(void)
{
	static const char *const decls =
		"global a, b, s, t\n"
		"function f() { a[1] = 5 }\nfunction g() { f() }\nfunction h() { t <<< 2 }\n"
		"probe begin { a[1] = 1; b[1] = 1; s[1] <<< 1; t <<< 1 }\n";
	static const struct {
		const char *body, *want;
	} cases[] = {
		{"foreach (k in a) a[k + 1] = 1", "<test>:6:30: error: semantic error: variable 'a' modified during 'foreach' iteration"},
		{"foreach (k in a) delete a[k]", "<test>:6:37: error: semantic error: variable 'a' modified during 'foreach' iteration"},
		{"foreach (k in a) a[k]++", "variable 'a' modified during 'foreach' iteration"},
		{"foreach (k in a) a[k] += 1", "variable 'a' modified during 'foreach' iteration"},
		{"foreach (k in s) s[k] <<< 1", "variable 's' modified during 'foreach' iteration"},
		{"foreach (k in a) { foreach (j in b) a[j] = 2 }", "variable 'a' modified during 'foreach' iteration"},
		{"foreach ([k] in a[*]) a[k] = 2", "variable 'a' modified during 'foreach' iteration"},
		{"foreach (k in a) f()", "<test>:6:30: error: semantic error: function call modifies var 'a' during 'foreach' iteration"},
		{"foreach (k in @hist_log(t)) h()", "function call modifies var 't' during 'foreach' iteration"},
		{"foreach (k in a) a[k] = 1", "<test>:6:13: note: the foreach over 'a' is here"},
	};
	for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
		char *script = NULL;
		if (asprintf(&script, "%sprobe end { %s }", decls, cases[i].body) < 0)
			continue;
		check_error(script, cases[i].want);
		free(script);
	}
	/* Reading, deleting it whole, other arrays, and functions that only
	 * reach a change through further calls are fine (as in stap). */
	static const char *const fine[] = {
		"foreach (k in a) println(a[k])",
		"foreach (k in a) delete a",
		"foreach (k in a) b[k] = a[k]",
		"foreach (k in a) g()",
		"foreach (k in @hist_log(t)) t <<< 1",
	};
	for (size_t i = 0; i < sizeof fine / sizeof *fine; i++) {
		char *script = NULL;
		if (asprintf(&script, "%sprobe end { %s; println(@count(t), b[1], @count(s[1])) }", decls, fine[i]) < 0)
			continue;
		struct run r;
		run_start(&r, script, false, false);
		CHECK(r.ok);
		if (!r.ok)
			fprintf(stderr, "script: %s\n%s", script, r.diags);
		run_end(&r);
		free(script);
	}
}

static void test_unresolved_global(void)
{
	check_error("global nothing\nprobe begin { delete nothing; exit() }",
		    "<test>:1:8: error: semantic error: unresolved type for global 'nothing'");
	check_error("global a\nprobe begin { delete a }", "<test>:1:8: error: semantic error: unresolved type for global 'a'");
	/* `next` in a function is accepted, as by stap. */
	check_ok_diag("function skip() { next }\nprobe begin { skip(); exit() }", NULL);
}

/* probe x = point { prologue }, { epilogue }: the user's body between. */
static void test_alias_epilogue_body(void)
{
	struct run r;
	run_start(&r, "probe foo = begin { a = 1 }, { printf(\"%d %d\\n\", a, b) }\nprobe foo { b = 2 }", false, false);
	CHECK(r.ok);
	CHECK(r.s.prog.probes.n == 1);
	if (r.ok && r.s.prog.probes.n == 1) {
		struct probe *d = r.s.prog.probes.v[0];
		CHECK(d->body->kind == S_BLOCK && d->body->stmts.n == 3);
		if (d->body->stmts.n == 3) {
			struct stmt *pro = d->body->stmts.v[0], *user = d->body->stmts.v[1], *epi = d->body->stmts.v[2];
			CHECK(pro->loc.line == 1 && pro->loc.col == 19);
			CHECK(user->loc.line == 2);
			CHECK(epi->loc.line == 1 && epi->loc.col == 30);
		}
		CHECK(d->locals.n == 2);
	}
	run_end(&r);
}

/* Globals written but never read are printed at the end, in stap's form. */
static void test_display_unread(void)
{
	char *got = p2_of("global c\nprobe begin { c = 5; exit() }", true, NULL);
	CHECK(strstr(got, "end /* <- end */\n{\n    printf(\"c=%d\\n\", c);\n}\n") != NULL);
	free(got);
	got = p2_of("global s\nprobe begin { s = \"x\" }", true, NULL);
	CHECK(strstr(got, "printf(\"s=\\\"%#s\\\"\\n\", s);") != NULL);
	free(got);
	got = p2_of("global a\nprobe begin { a[\"foo\", 1] = 3 }", true, NULL);
	CHECK(strstr(got, "end /* <- end */\n  # locals\n  __idx0:string\n  __idx1:long\n  __val:long\n") != NULL);
	CHECK(strstr(got, "foreach (__val = [__idx0, __idx1] in a-)\n"
			  "        printf(\"a[\\\"%#s\\\",%#d]=%d\\n\", __idx0, __idx1, __val);") != NULL);
	free(got);
	/* a global given a pointer-typed target value is shown in hex, as stap does */
	got = p2_of("global f, n\nprobe kernel.trace(\"syscalls:sys_enter_openat\") { f = $filename; n = $flags }", true, NULL);
	CHECK(strstr(got, "printf(\"f=%#x\\n\", f);") != NULL);
	CHECK(strstr(got, "printf(\"n=%d\\n\", n);") != NULL);
	free(got);
	got = p2_of("global st\nprobe begin { st <<< 1 }", true, NULL);
	CHECK(strstr(got, "if (@count(st) == 0)\n        printf(\"st @count=0x0\\n\");\n    else\n"
			  "        printf(\"st @count=%#d @min=%#d @max=%#d @sum=%#d @avg=%#d\\n\", @count(st), @min(st), @max(st), @sum(st), @avg(st));") != NULL);
	free(got);
	got = p2_of("global sa\nprobe begin { sa[2] <<< 4 }", true, NULL);
	CHECK(strstr(got, "foreach (__idx0 in sa-)\n        printf(\"sa[%#d] @count=%#d @min=%#d @max=%#d @sum=%#d @avg=%#d\\n\", "
			  "__idx0, @count(sa[__idx0]), @min(sa[__idx0]), @max(sa[__idx0]), @sum(sa[__idx0]), @avg(sa[__idx0]));") != NULL);
	free(got);
	/* Updating a global in place is not reading it; using the result is. */
	check_p2("global c\nprobe begin { c++; c += 2 }", "# globals\nc:long\n# probes\nbegin /* <- begin */\nend /* <- end */\n");
	check_p2("global c\nprobe begin { println(c++) }", "# globals\nc:long\n# probes\nbegin /* <- begin */\n");
	/* Deleting counts as a use; so do foreach, `in` and @count. */
	check_p2("global a\nprobe begin { a[1] = 1; delete a }", "# globals\na:long [long]\n# probes\nbegin /* <- begin */\n");
	check_p2("global a\nprobe begin { a[1] = 1; println([1] in a) }",
		 "# globals\na:long [long]\n# probes\nbegin /* <- begin */\n");
	/* The synthesized probe is located at the global's declaration. */
	struct run r;
	run_start(&r, "global x,\n  c\nprobe begin { c = 1; x = c }", false, false);
	CHECK(r.ok && r.s.prog.probes.n == 2);
	if (r.ok && r.s.prog.probes.n == 2) {
		struct probe *e = r.s.prog.probes.v[1];
		CHECK(e->loc.line == 1 && e->loc.col == 8);
		CHECK(e->provider && strcmp(e->provider->name, "begin") == 0);
	}
	run_end(&r);
	/* Tapset globals are never printed, and no warning is given. */
	check_ok_diag("global c\nprobe begin { c = 5; println(fixture_count()) }", NULL);
}

int main(void)
{
	test_types();
	test_type_errors();
	test_symbol_errors();
	test_defined();
	test_probe_points();
	test_timers();
	test_aliases();
	test_alias_bodies();
	test_used_pieces();
	test_warnings();
	test_guru();
	test_listing();
	test_perf_process();
	test_p2_bodies();
	test_robustness();
	test_print_value();
	test_hist_foreach();
	test_foreach_writes();
	test_unresolved_global();
	test_alias_epilogue_body();
	test_display_unread();
	return CHECK_DONE();
}
