/* Pass 4: compile the generated C into a cached artifact. See compile.h. */
#include "compile.h"

#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "translator/cache.h"
#include "clang_driver.h"
#include "tcc_build.h"
#include "translator/diag.h"
#include "translator/paths.h"
#include "translator/session.h"
#include "translator/util.h"

#ifndef BTAP_VERSION
#define BTAP_VERSION "0"
#endif
#ifndef BTAP_GITREV
#define BTAP_GITREV "unknown"
#endif

extern char **environ;

/* Bumped whenever the artifact layout or the compile flags change. */
#define COMPILE_LAYOUT "btap-artifact-3"
/* The user half compiles with `cc -c` and links with `ld -shared` run
 * directly: the compiler driver's link (collect2, crt files, libc's symbol
 * table) costs more than compiling. The .so is dlopened into btap, which
 * provides libc; nothing in it needs crt startup code. Both lists are
 * part of the cache key. */
#define HOST_CC_FLAGS                                                            \
	"-std=gnu11", "-O1", "-g", "-fPIC", "-pipe", "-DBTAP_TARGET_USER",       \
		"-Werror=implicit-function-declaration", "-fdiagnostics-color=never", "-c"
#define HOST_LD_FLAGS "-shared"

static bool last_was_cached;

bool compile_was_cached(void)
{
	return last_was_cached;
}

/* ---- sources ------------------------------------------------------- */

const struct src_file *compile_find_source(struct session *s, const char *name)
{
	if (!name || !*name)
		return NULL;
	if (s->user_file && s->user_file->src && strcmp(s->user_file->src->name, name) == 0)
		return s->user_file->src;
	VEC_FOREACH(s->tapset_files, i) {
		const struct stapfile *f = VEC_AT(s->tapset_files, i, const struct stapfile *);
		if (f->src && strcmp(f->src->name, name) == 0)
			return f->src;
	}
	/* --run parses nothing: read a script from disk when it is there. */
	size_t nlen = strlen(name), len;
	if (nlen < 4 || strcmp(name + nlen - 4, ".stp") != 0)
		return NULL;
	char *text = read_file(name, &len);
	if (!text)
		return NULL;
	char *kept = arena_strndup(&s->arena, text, len);
	free(text);
	const struct src_file *f = src_register(name, kept, len, false);
	/* Remember it so the next lookup does not register it again. */
	if (!s->user_file) {
		s->user_file = arena_alloc(&s->arena, sizeof(*s->user_file));
		s->user_file->src = f;
	}
	return f;
}

const char *compile_runtime_dir(struct session *s)
{
	(void)s;
	return paths_runtime_dir();
}

/* ---- diagnostics --------------------------------------------------- */

/* "file:LINE:COL: level: message" (or "file:LINE: level: message") -> its
 * parts; false for other lines. */
static bool parse_diag_line(const char *line, size_t len, char *file, size_t fsz, int *lno,
			    int *col, const char **level, const char **msg)
{
	for (size_t i = 0; i < len; i++) {
		if (line[i] != ':' || i == 0)
			continue;
		char *end;
		long l = strtol(line + i + 1, &end, 10);
		if (end == line + i + 1 || *end != ':')
			continue;
		/* "file:LINE:COL: " from cc and clang, "file:LINE: " from tcc */
		long c = 0;
		if (end[1] != ' ')
			c = strtol(end + 1, &end, 10);
		if (*end != ':' || end[1] != ' ')
			continue;
		if (i >= fsz)
			return false;
		memcpy(file, line, i);
		file[i] = '\0';
		*lno = (int)l;
		*col = (int)c;
		*level = end + 2;
		*msg = strchr(*level, ':');
		if (!*msg)
			return false;
		*msg += 1;
		while (**msg == ' ')
			(*msg)++;
		return true;
	}
	return false;
}

/* The column of the first non-blank character of a script line: the
 * compiler's own column counts in the generated C, not in the script. */
static int first_text_column(const struct src_file *f, int line)
{
	char buf[512];
	src_line_text(f, line, buf, sizeof(buf));
	int col = 1;
	while (buf[col - 1] == ' ' || buf[col - 1] == '\t')
		col++;
	return buf[col - 1] ? col : 1;
}

int compile_report_diagnostics(struct session *s, const char *text)
{
	int located = 0;
	bool told_undeclared = false;
	struct strbuf unlocated;
	sb_init(&unlocated);
	for (const char *p = text; p && *p;) {
		const char *nl = strchr(p, '\n');
		size_t len = nl ? (size_t)(nl - p) : strlen(p);
		char line[2048], file[1024];
		int lno, col;
		const char *level, *msg;
		snprintf(line, sizeof(line), "%.*s", (int)len, p);
		bool is_error = parse_diag_line(line, strlen(line), file, sizeof(file), &lno, &col,
						&level, &msg) &&
				(strncmp(level, "error", 5) == 0 || strncmp(level, "fatal error", 11) == 0);
		const struct src_file *f = is_error ? compile_find_source(s, file) : NULL;
		if (f && lno > 0) {
			struct loc at = {f, lno, first_text_column(f, lno), NULL};
			diag_error(at, "%s", msg);
			located++;
			/* embedded C that calls the kernel's library: not there in BPF */
			if (!told_undeclared && strstr(msg, "call to undeclared")) {
				diag_note(at, "embedded C is BPF C on this runtime: the kernel's functions "
					      "(strlen, strlcpy, min ...) are not there; --runtime=kmod builds it "
					      "as kernel C");
				told_undeclared = true;
			}
		} else if (is_error && unlocated.len < 8192) {
			sb_printf(&unlocated, "%s\n", line);
		}
		p = nl ? nl + 1 : NULL;
	}
	if (unlocated.len) {
		diag_plain_error("the generated C does not compile (a bug in btap):\n%s", unlocated.s);
		located++;
	}
	sb_free(&unlocated);
	return located;
}

/* ---- running the host compiler -------------------------------------- */

/* The host C compiler: $BTAP_HOST_CC, else cc (cached). */
static const char *host_cc(void)
{
	static char *cc;
	if (!cc) {
		const char *env = getenv("BTAP_HOST_CC");
		cc = path_find_program(env && *env ? env : "cc");
	}
	return cc;
}

/* The linker: $BTAP_HOST_LD, else ld (cached). */
static const char *host_ld(void)
{
	static char *ld;
	if (!ld) {
		const char *env = getenv("BTAP_HOST_LD");
		ld = path_find_program(env && *env ? env : "ld");
	}
	return ld;
}

/* ---- one compile ----------------------------------------------------- */


struct compile_job {
	/* inputs */
	const char *text;
	size_t len;
	const char *dir;        /* where the outputs go */
	const char *src_name;   /* the final prog.c path (debug info) */
	const char *runtime_dir;
	const char *kernel_release; /* -r, or NULL: the running kernel */
	/* outputs */
	int rc;
	char *diag;
	const char *compiler;   /* what built it, for -v */
	char *fallback_why;     /* tcc's messages when cc took over */
	double ms;
};

/* clang's options for the BPF half; the early start uses the same. */
struct bpf_half_opts {
	const char *incs[1];
	const char *defs[1];
	struct clang_opts o;
};

static void bpf_half_opts(struct bpf_half_opts *h, const char *runtime_dir, const char *src_name,
			  const char *kernel_release)
{
	h->incs[0] = runtime_dir;
	h->defs[0] = "BTAP_TARGET_BPF";
	h->o = (struct clang_opts){
		.src_name = src_name,
		.include_dirs = h->incs,
		.n_include_dirs = 1,
		.defines = h->defs,
		.n_defines = 1,
		.kernel_release = kernel_release,
	};
}

static void *compile_bpf_half(void *arg)
{
	struct compile_job *j = arg;
	struct bpf_half_opts h;
	bpf_half_opts(&h, j->runtime_dir, j->src_name, j->kernel_release);
	char out[4200];
	snprintf(out, sizeof(out), "%s/prog.bpf.o", j->dir);
	double t0 = now_ms();
	j->rc = clang_compile(&h.o, j->text, j->len, out, &j->diag);
	j->compiler = "clang";
	j->ms = now_ms() - t0;
	return NULL;
}

/* The temporary artifact directory of an early clang (compile_start_early). */
static char early_tmpdir[4200];

void compile_start_early(struct session *s)
{
	if (early_tmpdir[0] || !clang_find() || !cache_root())
		return;
	if (!cache_make_tmpdir(early_tmpdir, sizeof(early_tmpdir))) {
		early_tmpdir[0] = '\0';
		return;
	}
	struct bpf_half_opts h;
	bpf_half_opts(&h, compile_runtime_dir(s), NULL, s->kernel_release);
	char out[4300];
	snprintf(out, sizeof(out), "%s/prog.bpf.o", early_tmpdir);
	if (!clang_start_early(&h.o, out)) {
		cache_remove_dir(early_tmpdir);
		early_tmpdir[0] = '\0';
	}
}

void compile_cancel_early(void)
{
	clang_cancel_early();
	if (early_tmpdir[0]) {
		cache_remove_dir(early_tmpdir);
		early_tmpdir[0] = '\0';
	}
}

static int run_host_tool(const char *const argv[], char **diag)
{
	return clang_run_captured((char *const *)argv, -1, diag) == 0 ? 0 : -1;
}

/* What -z defs checked when the compiler driver linked against libc: every
 * symbol the .so needs must resolve, here against btap itself, exactly as
 * the runner's dlopen will. */
static int check_loads(const char *so, char **diag)
{
	void *h = dlopen(so, RTLD_NOW | RTLD_LOCAL);
	if (h) {
		dlclose(h);
		return 0;
	}
	struct strbuf b;
	sb_init(&b);
	sb_printf(&b, "the compiled program does not load (a bug in btap): %s\n", dlerror());
	*diag = sb_steal(&b);
	return -1;
}

/* The host compiler named by $BTAP_HOST_CC is used as asked; otherwise
 * libtcc builds the runner half in process. */
static bool use_tcc(void)
{
	const char *env = getenv("BTAP_HOST_CC");
	return !env || !*env;
}

/* cc -c, then ld -shared. */
static void compile_user_half_cc(struct compile_job *j, const char *out)
{
	const char *cc = host_cc(), *ld = host_ld();
	if (!cc || !ld) {
		j->rc = -1;
		j->diag = xstrdup(!cc ? "no host C compiler found (cc, or $BTAP_HOST_CC)\n"
				      : "no linker found (ld, or $BTAP_HOST_LD)\n");
		return;
	}
	char inc[4200], src[4200], obj[4200];
	snprintf(inc, sizeof(inc), "-I%s", j->runtime_dir);
	snprintf(src, sizeof(src), "%s/prog.c", j->dir);
	snprintf(obj, sizeof(obj), "%s/prog.o", j->dir);
	const char *cc_argv[] = {cc, HOST_CC_FLAGS, inc, "-o", obj, src, NULL};
	const char *ld_argv[] = {ld, HOST_LD_FLAGS, "-o", out, obj, NULL};
	/* On success j->diag keeps the compiler's warnings (-vvv prints them). */
	char *why = NULL;
	j->rc = run_host_tool(cc_argv, &j->diag);
	if (j->rc == 0)
		j->rc = run_host_tool(ld_argv, &why);
	if (j->rc == 0)
		j->rc = check_loads(out, &why);
	if (j->rc != 0 && why) {
		free(j->diag);
		j->diag = why;
	} else {
		free(why);
	}
	unlink(obj);
}

/* libtcc in process; where it cannot build the unit, cc (and where there
 * is no cc, tcc's own errors). */
static void compile_user_half(struct compile_job *j)
{
	double t0 = now_ms();
	char out[4200];
	snprintf(out, sizeof(out), "%s/prog.so", j->dir);
	if (use_tcc()) {
		char *why = NULL;
		j->rc = tcc_build_shared(j->text, j->len, j->src_name, j->runtime_dir, out, &why);
		if (j->rc == 0)
			j->rc = check_loads(out, &why);
		j->compiler = "tcc";
		j->diag = why;
		if (j->rc == 0 || !host_cc() || !host_ld()) {
			j->ms = now_ms() - t0;
			return;
		}
		j->fallback_why = j->diag;
		j->diag = NULL;
		unlink(out);
	}
	j->compiler = "cc";
	compile_user_half_cc(j, out);
	j->ms = now_ms() - t0;
}

/* ---- the cache key -------------------------------------------------- */

/* The runtime headers the generated code includes: editing them changes
 * the result without changing the C text. */
static void hash_runtime_headers(struct cache_hash *c, const char *dir)
{
	static const char *const headers[] = {".h", NULL};
	cache_hash_tree(c, dir, headers, 2);
}

/* The compilers pass 4 runs (by path, size and mtime: no exec) and their
 * fixed flags: a new compiler makes a new artifact. */
static void hash_compilers(struct cache_hash *c, bool has_bpf)
{
	if (has_bpf) {
		const char *clang = clang_find();
		cache_hash_str(c, clang ? clang_cache_key(clang) : "no-clang");
	}
	/* tcc builds the runner half, or cc where tcc cannot: both count. */
	if (use_tcc())
		tcc_build_hash_identity(c);
	const char *cc = host_cc();
	cache_hash_str(c, cc ? clang_cache_key(cc) : "no-cc");
	const char *const cc_flags[] = {HOST_CC_FLAGS, HOST_LD_FLAGS};
	for (size_t i = 0; i < sizeof(cc_flags) / sizeof(cc_flags[0]); i++)
		cache_hash_str(c, cc_flags[i]);
	const char *ld = host_ld();
	cache_hash_str(c, ld ? clang_cache_key(ld) : "no-ld");
}

void compile_hash_runtime_identity(struct session *s, struct cache_hash *c)
{
	const char *runtime_dir = compile_runtime_dir(s);
	hash_runtime_headers(c, runtime_dir);
	hash_compilers(c, true);
}

static void artifact_name(struct session *s, const char *text, size_t len, bool has_bpf,
			  const char *runtime_dir, char out[65])
{
	struct cache_hash c;
	cache_hash_init(&c);
	cache_hash_str(&c, COMPILE_LAYOUT);
	cache_hash_str(&c, BTAP_VERSION);
	cache_hash_str(&c, BTAP_GITREV);
	cache_hash_put(&c, &len, sizeof(len));
	cache_hash_put(&c, text, len);
	cache_hash_str(&c, has_bpf ? "bpf" : "user-only");
	hash_compilers(&c, has_bpf);
	if (has_bpf) {
		const char *clang = clang_find();
		cache_hash_str(&c, clang ? clang_best_mcpu(clang, s->kernel_release) : "");
	}
	cache_hash_str(&c, s->kernel_release ? s->kernel_release : cache_kernel_identity());
	cache_hash_str(&c, runtime_dir);
	hash_runtime_headers(&c, runtime_dir);
	cache_hash_hex(&c, out);
}

/* A published artifact is complete by construction; compare the C text
 * as well so a hash collision can never run the wrong program. */
static bool artifact_matches(const char *dir, const char *text, size_t len, bool has_bpf)
{
	if (!cache_has_file(dir, "prog.so") || (has_bpf && !cache_has_file(dir, "prog.bpf.o")))
		return false;
	char path[4200];
	snprintf(path, sizeof(path), "%s/prog.c", dir);
	size_t have;
	char *old = read_file(path, &have);
	bool same = old && have == len && memcmp(old, text, len) == 0;
	free(old);
	return same;
}

/* Compile both halves into tmpdir, in parallel. */
static bool build_artifact(struct session *s, const char *text, size_t len, bool has_bpf,
			   const char *tmpdir, const char *final_dir, const char *runtime_dir)
{
	char src_name[4200];
	snprintf(src_name, sizeof(src_name), "%s/prog.c", final_dir);
	struct compile_job bpf = {
		.text = text, .len = len, .dir = tmpdir, .src_name = src_name, .runtime_dir = runtime_dir,
		.kernel_release = s->kernel_release};
	struct compile_job user = bpf;
	pthread_t th;
	bool threaded = false;
	double t0 = now_ms();
	if (has_bpf) {
		clang_find(); /* fill its cache before a second thread can race */
		threaded = pthread_create(&th, NULL, compile_bpf_half, &bpf) == 0;
		if (!threaded)
			compile_bpf_half(&bpf);
	}
	compile_user_half(&user);
	if (threaded)
		pthread_join(th, NULL);
	if (s->verbose && user.fallback_why) {
		const char *why = user.fallback_why;
		fprintf(stderr, "Pass 4: tcc cannot build the runner half, so cc does: %.*s\n",
			(int)strcspn(why, "\n"), why);
	}
	if (s->verbose >= 2) {
		fprintf(stderr, "Pass 4: compiled in %.1f ms: ", now_ms() - t0);
		if (has_bpf)
			fprintf(stderr, "prog.bpf.o (%s) %.1f ms, ", bpf.compiler, bpf.ms);
		fprintf(stderr, "prog.so (%s) %.1f ms\n", user.compiler, user.ms);
	}
	bool ok = bpf.rc == 0 && user.rc == 0;
	if (!ok) {
		/* The same script error usually shows in both halves: report
		 * the BPF side's (it names kernel constraints) else the host's. */
		int n = 0;
		if (bpf.rc != 0 && bpf.diag)
			n = compile_report_diagnostics(s, bpf.diag);
		if (!n && user.rc != 0 && user.diag)
			n = compile_report_diagnostics(s, user.diag);
		if (!n)
			diag_plain_error("compilation failed:\n%s%s", bpf.diag ? bpf.diag : "",
					 user.diag ? user.diag : "");
	} else if (s->verbose >= 3) {
		if (bpf.diag)
			fputs(bpf.diag, stderr);
		if (user.diag)
			fputs(user.diag, stderr);
	}
	free(bpf.diag);
	free(user.diag);
	free(user.fallback_why);
	return ok;
}

bool compile_program(struct session *s, const char *c_text, size_t len, bool has_bpf,
		     char *artifact_dir_out, size_t n)
{
	last_was_cached = false;
	const char *root = cache_root();
	if (!root) {
		diag_plain_error("no usable cache directory ($XDG_CACHE_HOME/btap, ~/.cache/btap or /tmp)");
		return false;
	}
	if (has_bpf && !clang_find()) {
		diag_plain_error("no clang found in PATH (clang-19 .. clang-14, clang): it compiles the BPF probes");
		return false;
	}
	const char *runtime_dir = compile_runtime_dir(s);
	char name[65], final_dir[4200];
	artifact_name(s, c_text, len, has_bpf, runtime_dir, name);
	snprintf(final_dir, sizeof(final_dir), "%s/%s", root, name);
	if (artifact_matches(final_dir, c_text, len, has_bpf)) {
		compile_cancel_early();
		last_was_cached = true;
		snprintf(artifact_dir_out, n, "%s", final_dir);
		return true;
	}
	/* An early clang writes into the directory it was started with. */
	char tmpdir[4200];
	bool made = false;
	if (early_tmpdir[0] && has_bpf) {
		snprintf(tmpdir, sizeof(tmpdir), "%s", early_tmpdir);
		early_tmpdir[0] = '\0';
		made = true;
	} else {
		compile_cancel_early();
		made = cache_make_tmpdir(tmpdir, sizeof(tmpdir));
	}
	if (!made || !cache_write_file(tmpdir, "prog.c", c_text, len)) {
		diag_plain_error("cannot write in the cache directory %s: %m", root);
		return false;
	}
	bool built = build_artifact(s, c_text, len, has_bpf, tmpdir, final_dir, runtime_dir);
	clang_cancel_early(); /* started for another command line: unused */
	if (!built) {
		if (s->keep_tmp)
			fprintf(stderr, "Keeping temporary directory \"%s\"\n", tmpdir);
		else
			cache_remove_dir(tmpdir);
		return false;
	}
	/* An older artifact under this name failed the check: replace it. */
	if (access(final_dir, F_OK) == 0)
		cache_remove_dir(final_dir);
	if (!cache_publish(tmpdir, name, artifact_dir_out, n)) {
		diag_plain_error("cannot store the compiled program in %s: %m", root);
		cache_remove_dir(tmpdir);
		return false;
	}
	return true;
}
