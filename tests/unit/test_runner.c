/* Pass 4 (compile + cache) and pass 5 (the runner) on the hand-written
 * program tests/live/runner/fixture.c: output and records, foreach order,
 * statistics, -c, -x, -T, signals, exit(), runtime errors, lost records,
 * no BPF program left after SIGKILL, the not-root message, verifier and
 * compiler errors located in the script. Needs root, BTF and clang for
 * the runs; prints SKIP otherwise.
 *
 * With arguments it is the test's target command instead:
 *     test_runner --getpgid N     N getpgid(777777) calls, then exit */
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <grp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "translator/cache.h"
#include "check.h"
#include "bpf-backend/compile.h"
#include "translator/diag.h"
#include "runner/runner.h"
#include "bpf-backend/runner_bpf.h"
#include "translator/session.h"
#include "translator/util.h"

#define MAGIC 777777

static char tmpdir[] = "/tmp/btap-runner-test-XXXXXX";
static char self[4096];
static char artifact[4200];

static void sleep_ms(int ms)
{
	struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000L};
	nanosleep(&ts, NULL);
}

static char *slurp(const char *path)
{
	size_t n;
	char *t = read_file(path, &n);
	return t ? t : xstrdup("");
}

/* ---- sha-256 ------------------------------------------------------------ */

static void test_sha256(void)
{
	struct cache_hash c;
	char hex[65];
	cache_hash_init(&c);
	cache_hash_put(&c, "abc", 3);
	cache_hash_hex(&c, hex);
	CHECK_STR(hex, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
	cache_hash_init(&c);
	const char *m = "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq";
	for (const char *p = m; *p; p++)
		cache_hash_put(&c, p, 1);
	cache_hash_hex(&c, hex);
	CHECK_STR(hex, "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
	cache_hash_init(&c);
	cache_hash_hex(&c, hex);
	CHECK_STR(hex, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
	CHECK(strchr(cache_kernel_identity(), ':') != NULL);
}

/* ---- sessions ------------------------------------------------------------ */

static void fresh_session(struct session *s)
{
	session_init(s);
	s->tapset_dir = BTAP_TAPSET_DIR;
}

/* Register `name` with `text` as the session's user script. */
static void set_script(struct session *s, const char *name, const char *text)
{
	s->user_file = arena_alloc(&s->arena, sizeof(*s->user_file));
	s->user_file->src = src_register(name, text, strlen(text), false);
}

static bool compile_fixture(void)
{
	struct session s;
	fresh_session(&s);
	size_t len;
	char *text = read_file("tests/live/runner/fixture.c", &len);
	CHECK(text != NULL);
	if (!text)
		return false;
	/* a fresh cache for this test, so the first compile is a miss */
	char cache[4200];
	snprintf(cache, sizeof(cache), "%s/cache", tmpdir);
	setenv("XDG_CACHE_HOME", cache, 1);
	double t0 = now_ms();
	bool ok = compile_program(&s, text, len, true, artifact, sizeof(artifact));
	double t1 = now_ms();
	CHECK(ok);
	CHECK(!compile_was_cached());
	printf("  compile (miss): %.1f ms -> %s\n", t1 - t0, artifact);
	char again[4200];
	ok = ok && compile_program(&s, text, len, true, again, sizeof(again));
	double t2 = now_ms();
	CHECK(ok && compile_was_cached());
	CHECK_STR(again, artifact);
	printf("  compile (hit): %.2f ms\n", t2 - t1);
	CHECK(t2 - t1 < 50);
	CHECK(cache_has_file(artifact, "prog.c") && cache_has_file(artifact, "prog.so") &&
	      cache_has_file(artifact, "prog.bpf.o"));
	CHECK(strncmp(artifact, cache, strlen(cache)) == 0);
	free(text);
	session_free(&s);
	return ok;
}

static void test_compile_error_located(void)
{
	struct session s;
	fresh_session(&s);
	set_script(&s, "bad.stp", "probe begin {\n  x = 1\n  y = nosuch(x)\n}\n");
	const char *c = "#line 3 \"bad.stp\"\nint f(void) { return nosuch_function_x(1) + undeclared_y; }\n"
			"const int btap_program = 0;\n";
	char out[4200];
	diag_capture_begin();
	bool ok = compile_program(&s, c, strlen(c), true, out, sizeof(out));
	char *msg = diag_capture_take();
	diag_capture_end();
	CHECK(!ok);
	CHECK(msg && strstr(msg, "bad.stp:3:3: error: "));
	CHECK(msg && strstr(msg, "undeclared_y"));
	CHECK(msg && strstr(msg, "  y = nosuch(x)"));
	CHECK(msg && strstr(msg, "^"));
	if (msg && !strstr(msg, "bad.stp:3:3"))
		printf("%s\n", msg);
	free(msg);
	diag_reset();
	session_free(&s);
}

/* The .so is linked without libc: a symbol nothing provides must fail
 * pass 4 (and leave no artifact), not the run. */
static void test_missing_symbol_fails_compile(void)
{
	struct session s;
	fresh_session(&s);
	const char *c = "extern int btap_no_such_symbol(void);\n"
			"int f(void) { return btap_no_such_symbol(); }\n"
			"const int btap_program = 0;\n";
	char out[4200];
	diag_capture_begin();
	bool ok = compile_program(&s, c, strlen(c), false, out, sizeof(out));
	char *msg = diag_capture_take();
	diag_capture_end();
	CHECK(!ok);
	CHECK(msg && strstr(msg, "does not load"));
	CHECK(msg && strstr(msg, "btap_no_such_symbol"));
	if (msg && !strstr(msg, "btap_no_such_symbol"))
		printf("%s\n", msg);
	free(msg);
	diag_reset();
	session_free(&s);
}

/* ---- running the fixture in a child process ---------------------------- */

struct run_opts {
	const char *mode;      /* first script argument */
	const char *command;   /* -c */
	int target_pid;        /* -x */
	int timeout;           /* -T */
	int bufsize;           /* -s */
	const char *output;    /* -o (default: tmpdir/out) */
	const char *art;       /* artifact (default: the fixture's) */
	const char *script;    /* registered as the user script */
	bool nobody;           /* drop root first */
	int signal_after_ms;   /* send `sig` this long after start */
	int sig;
	int limit_ms;          /* kill the run after this long */
};

struct run_result {
	int rc;                /* exit status, 128+N for a signal, -1 timeout */
	char *out, *err;
	double ms;
};

static void child_run(const struct run_opts *o, const char *out, const char *err)
{
	int efd = open(err, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	int ofd = open(o->output ? "/dev/null" : out, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	dup2(ofd, 1);
	dup2(efd, 2);
	if (o->nobody) {
		gid_t none[1] = {65534};
		if (setgroups(1, none) || setresgid(65534, 65534, 65534) ||
		    setresuid(65534, 65534, 65534))
			_exit(99);
	}
	struct session s;
	fresh_session(&s);
	const char *args[] = {o->mode ? o->mode : "", NULL};
	s.args = args;
	s.nargs = 1;
	s.command = o->command;
	s.target_pid = o->target_pid;
	s.timeout_secs = o->timeout;
	s.bufsize_mb = o->bufsize;
	s.output_file = o->output;
	if (o->script)
		set_script(&s, o->script, "probe begin {\n  x = 1\n  y = 2 / 0\n}\n");
	int rc = runner_run(&s, &runner_runtime_bpf, o->art ? o->art : artifact);
	fflush(NULL);
	_exit(rc);
}

static struct run_result run_fixture(const struct run_opts *o)
{
	char out[4200], err[4200];
	snprintf(out, sizeof(out), "%s/out", tmpdir);
	snprintf(err, sizeof(err), "%s/err", tmpdir);
	double t0 = now_ms();
	fflush(NULL);
	pid_t pid = fork();
	if (pid == 0)
		child_run(o, out, err);
	struct run_result res = {-1, NULL, NULL, 0};
	int limit = o->limit_ms ? o->limit_ms : 20000, status = 0;
	bool signalled = false;
	for (;;) {
		pid_t w = waitpid(pid, &status, WNOHANG);
		if (w == pid)
			break;
		double el = now_ms() - t0;
		if (o->sig && !signalled && el >= o->signal_after_ms) {
			kill(pid, o->sig);
			signalled = true;
		}
		if (el > limit) {
			kill(pid, SIGKILL);
			waitpid(pid, &status, 0);
			res.rc = -1;
			goto done;
		}
		sleep_ms(5);
	}
	res.rc = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
done:
	res.ms = now_ms() - t0;
	/* A FIFO as -o was drained by its own reader (reading it here would wait
	 * for a writer forever). */
	struct stat ost;
	bool fifo = o->output && stat(o->output, &ost) == 0 && S_ISFIFO(ost.st_mode);
	res.out = fifo ? xstrdup("") : slurp(o->output ? o->output : out);
	res.err = slurp(err);
	return res;
}

static void free_result(struct run_result *r)
{
	free(r->out);
	free(r->err);
}

static void show(const char *name, const struct run_result *r)
{
	printf("  %s: rc %d in %.0f ms\n", name, r->rc, r->ms);
}

static char *getpgid_cmd(int n)
{
	struct strbuf b;
	sb_init(&b);
	sb_printf(&b, "exec '%s' --getpgid %d", self, n);
	return sb_steal(&b);
}

static const char *end_text(int n)
{
	static char buf[256];
	snprintf(buf, sizeof(buf), "c=3\nb=2\na=1\ncount=%d @count=%d @sum=%d @max=%d\n", n, n,
		 n * (n + 1) / 2, n);
	return buf;
}

static void test_command_run(void)
{
	char *cmd = getpgid_cmd(5);
	struct run_result r = run_fixture(&(struct run_opts){.command = cmd});
	show("-c command", &r);
	CHECK(r.rc == 0);
	const char *want_head = "begin hello 42\nhit 1 x\nhit 2 x\nhit 3 x\nhit 4 x\nhit 5 x\n";
	CHECK(strncmp(r.out, want_head, strlen(want_head)) == 0);
	CHECK(strstr(r.out, end_text(5)) != NULL);
	CHECK(strstr(r.out, "value |----------") && strstr(r.out, "    4 |@@ "));
	if (!strstr(r.out, "value |"))
		printf("%s", r.out);
	CHECK_STR(r.err, "");
	if (r.rc)
		printf("%s\n%s\n", r.out, r.err);
	free_result(&r);
	free(cmd);
}

static void test_exit_from_bpf(void)
{
	char *cmd = getpgid_cmd(6);
	struct run_result r = run_fixture(&(struct run_opts){.mode = "exit-bpf", .command = cmd});
	show("exit() in a kernel probe", &r);
	CHECK(r.rc == 0);
	CHECK(strstr(r.out, "hit 2 x\n") && !strstr(r.out, "hit 3"));
	CHECK(strstr(r.out, end_text(2)) != NULL);
	free_result(&r);
	free(cmd);
}

static void test_exit_from_timer(void)
{
	struct run_result r = run_fixture(&(struct run_opts){.mode = "exit-timer"});
	show("exit() in a timer probe", &r);
	CHECK(r.rc == 0);
	CHECK(strstr(r.out, "begin hello 42\ntick exit\nc=3\nb=2\na=1\ncount=0 @count=0") != NULL);
	CHECK(r.ms < 5000);
	free_result(&r);
}

static void test_error_from_bpf(void)
{
	char *cmd = getpgid_cmd(5);
	struct run_result r = run_fixture(&(struct run_opts){.mode = "error-bpf", .command = cmd});
	show("runtime error in a kernel probe", &r);
	CHECK(r.rc == 1);
	CHECK(strstr(r.err, "ERROR: division by zero near operator '/' at fixture.stp:6:30\n"));
	CHECK(strstr(r.err, "WARNING: Number of errors: 1, skipped probes: 0\n"));
	/* hits after the error may still print: they ran before the detach */
	size_t olen = strlen(r.out);
	CHECK(strstr(r.out, "hit 2 x\n") && olen > 12 && strcmp(r.out + olen - 12, "error probe\n") == 0);
	CHECK(!strstr(r.out, "count="));  /* end probes are skipped after an error */
	free_result(&r);
	free(cmd);
}

static void test_error_in_begin(void)
{
	struct run_result r = run_fixture(&(struct run_opts){.mode = "error-begin"});
	show("runtime error in begin", &r);
	CHECK(r.rc == 1);
	CHECK_STR(r.out, "begin hello 42\nerror probe\n");
	CHECK(strstr(r.err, "ERROR: division by zero near operator '/' at fixture.stp:3:20\n"));
	free_result(&r);
}

static void test_timeout(void)
{
	struct run_result r = run_fixture(&(struct run_opts){.mode = "hang", .timeout = 1});
	show("-T 1", &r);
	CHECK(r.rc == 0);
	CHECK(r.ms >= 900 && r.ms < 4000);
	CHECK(strstr(r.out, end_text(0)) != NULL);
	CHECK(strstr(r.out, "perf samples: 1\n") != NULL); /* perf events on every CPU */
	free_result(&r);
}

static void test_sigint(void)
{
	struct run_result r = run_fixture(
		&(struct run_opts){.mode = "hang", .sig = SIGINT, .signal_after_ms = 700});
	show("SIGINT", &r);
	CHECK(r.rc == 0);
	CHECK(strstr(r.out, "begin hello 42\n") && strstr(r.out, end_text(0)));
	free_result(&r);
}

static void test_target_pid(void)
{
	pid_t sleeper = fork();
	if (sleeper == 0) {
		sleep_ms(800);
		_exit(0);
	}
	/* the sleeper is our child: reap it meanwhile so its pidfd fires */
	struct run_result r;
	pid_t runner_pid = fork();
	if (runner_pid == 0) {
		waitpid(sleeper, NULL, 0);
		_exit(0);
	}
	r = run_fixture(&(struct run_opts){.mode = "hang", .target_pid = sleeper});
	waitpid(runner_pid, NULL, 0);
	show("-x PID", &r);
	CHECK(r.rc == 0);
	CHECK(r.ms < 4000);
	CHECK(strstr(r.out, end_text(0)) != NULL);
	free_result(&r);
	/* as stap: a process that does not exist is a warning, and the run
	 * goes on by itself (here until -T) */
	r = run_fixture(&(struct run_opts){.mode = "hang", .target_pid = 999999999, .timeout = 1});
	CHECK(r.rc == 0 && strstr(r.err, "warning: process 999999999 does not exist"));
	free_result(&r);
}

static void test_lost_records(void)
{
	/* Output goes to a FIFO whose reader waits before draining it: the
	 * runner then blocks on write while the flood fills the 1 MB ring, so
	 * records are really lost however fast this machine is. */
	char out[4200];
	snprintf(out, sizeof(out), "%s/flood", tmpdir);
	unlink(out);
	CHECK(mkfifo(out, 0600) == 0);
	pid_t reader = fork();
	if (reader == 0) {
		int fd = open(out, O_RDONLY);
		sleep(2);
		char buf[65536];
		while (fd >= 0 && read(fd, buf, sizeof buf) > 0)
			;
		_exit(0);
	}
	char *cmd = getpgid_cmd(300000);
	struct run_result r = run_fixture(&(struct run_opts){
		.mode = "flood", .command = cmd, .bufsize = 1, .output = out, .limit_ms = 60000});
	waitpid(reader, NULL, 0);
	show("flood into -s 1", &r);
	CHECK(r.rc == 0);
	CHECK(strstr(r.err, " output records lost\n") != NULL);
	printf("  %s\n", r.err);
	free_result(&r);
	free(cmd);
	unlink(out);
}

static void test_not_root(void)
{
	struct run_result r = run_fixture(&(struct run_opts){.nobody = true});
	show("not root", &r);
	CHECK(r.rc == 1);
	CHECK(strstr(r.err, "CAP_BPF") && strstr(r.err, "root"));
	CHECK(strchr(r.err, '\n') == r.err + strlen(r.err) - 1); /* one line */
	free_result(&r);
}

/* Does a loaded BPF program have this (kernel, 15-char) name? */
static int count_progs_named(const char *name)
{
	int n = 0;
	__u32 id = 0;
	while (bpf_prog_get_next_id(id, &id) == 0) {
		int fd = bpf_prog_get_fd_by_id(id);
		if (fd < 0)
			continue;
		struct bpf_prog_info info = {0};
		__u32 len = sizeof(info);
		if (bpf_obj_get_info_by_fd(fd, &info, &len) == 0 && strcmp(info.name, name) == 0)
			n++;
		close(fd);
	}
	return n;
}

static void test_sigkill_leaves_nothing(void)
{
	const char *name = "fx_probe_getpgi";
	int before = count_progs_named(name);
	char out[4200], err[4200];
	snprintf(out, sizeof(out), "%s/out", tmpdir);
	snprintf(err, sizeof(err), "%s/err", tmpdir);
	struct run_opts o = {.mode = "hang"};
	pid_t pid = fork();
	if (pid == 0)
		child_run(&o, out, err);
	int during = 0;
	for (int i = 0; i < 400 && during <= before; i++) {
		sleep_ms(10);
		during = count_progs_named(name);
	}
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
	int after = during;
	for (int i = 0; i < 300 && after > before; i++) {
		sleep_ms(10);
		after = count_progs_named(name);
	}
	printf("  SIGKILL: programs named %s before %d, running %d, after %d\n", name, before, during,
	       after);
	CHECK(during > before);
	CHECK(after == before);
}

static void test_verifier_error_located(void)
{
	struct session s;
	fresh_session(&s);
	size_t len;
	char *text = read_file("tests/live/runner/bad_verifier.c", &len);
	CHECK(text != NULL);
	char art[4200];
	bool ok = text && compile_program(&s, text, len, true, art, sizeof(art));
	CHECK(ok);
	free(text);
	session_free(&s);
	if (!ok)
		return;
	struct run_result r = run_fixture(&(struct run_opts){.art = art, .script = "badv.stp"});
	show("verifier rejection", &r);
	CHECK(r.rc == 1);
	CHECK(strstr(r.err, "badv.stp:3:3: error: the BPF verifier rejected this probe: "));
	CHECK(strstr(r.err, "  y = 2 / 0\n"));
	if (!strstr(r.err, "badv.stp:3:3"))
		printf("%s\n", r.err);
	free_result(&r);
}

static bool can_run_bpf(void)
{
	if (geteuid() != 0) {
		printf("SKIP: runner tests need root\n");
		return false;
	}
	if (access("/sys/kernel/btf/vmlinux", R_OK) != 0) {
		printf("SKIP: runner tests need kernel BTF\n");
		return false;
	}
	return true;
}

static int remove_entry(const char *path, const struct stat *st, int flag, struct FTW *f)
{
	return remove(path);
}

static int target_main(int argc, char **argv)
{
	long n = argc > 2 ? atol(argv[2]) : 1;
	for (long i = 0; i < n; i++)
		syscall(SYS_getpgid, MAGIC);
	return 0;
}

int main(int argc, char **argv)
{
	if (argc > 1 && strcmp(argv[1], "--getpgid") == 0)
		return target_main(argc, argv);
	if (!realpath("/proc/self/exe", self))
		snprintf(self, sizeof(self), "%s", argv[0]);
	if (!mkdtemp(tmpdir))
		return 1;
	test_sha256();
	if (can_run_bpf() && compile_fixture()) {
		test_compile_error_located();
		test_missing_symbol_fails_compile();
		test_command_run();
		test_exit_from_bpf();
		test_exit_from_timer();
		test_error_from_bpf();
		test_error_in_begin();
		test_timeout();
		test_sigint();
		test_target_pid();
		test_not_root();
		test_sigkill_leaves_nothing();
		test_verifier_error_located();
		test_lost_records();
	}
	nftw(tmpdir, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
	return CHECK_DONE();
}
