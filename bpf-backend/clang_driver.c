/* Compile generated C to a BPF object with clang: see clang_driver.h. */
#include "clang_driver.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "translator/util.h"

extern char **environ;

#if defined(__x86_64__) || defined(__i386__)
#define CLANG_TARGET_ARCH "x86"
#elif defined(__aarch64__)
#define CLANG_TARGET_ARCH "arm64"
#elif defined(__s390x__)
#define CLANG_TARGET_ARCH "s390"
#elif defined(__powerpc64__)
#define CLANG_TARGET_ARCH "powerpc"
#elif defined(__riscv)
#define CLANG_TARGET_ARCH "riscv"
#elif defined(__loongarch__)
#define CLANG_TARGET_ARCH "loongarch"
#else
#define CLANG_TARGET_ARCH "unknown"
#endif

const char *clang_find(void)
{
	static char *found;
	static bool searched;
	if (searched)
		return found;
	searched = true;
	char name[24];
	for (int v = 19; v >= 14 && !found; v--) {
		snprintf(name, sizeof(name), "clang-%d", v);
		found = path_find_program(name);
	}
	if (!found)
		found = path_find_program("clang");
	return found;
}

/* A memfd holding `len` bytes, positioned at the start; -1 on error. */
static int memfd_with(const char *name, const char *data, size_t len)
{
	int fd = memfd_create(name, MFD_CLOEXEC);
	if (fd < 0)
		return -1;
	for (size_t off = 0; off < len;) {
		ssize_t w = write(fd, data + off, len - off);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0) {
			close(fd);
			return -1;
		}
		off += (size_t)w;
	}
	lseek(fd, 0, SEEK_SET);
	return fd;
}

static char *read_fd_text(int fd)
{
	struct strbuf b;
	sb_init(&b);
	char buf[8192];
	lseek(fd, 0, SEEK_SET);
	for (;;) {
		ssize_t r = read(fd, buf, sizeof(buf));
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		sb_putn(&b, buf, (size_t)r);
	}
	return b.len ? sb_steal(&b) : (sb_free(&b), NULL);
}

/* Start argv[0] with stdin from in_fd (or /dev/null when -1) and stdout and
 * stderr into out_fd; its pid, or -1 with a message in *out. */
static pid_t spawn_captured(char *const argv[], int in_fd, int out_fd, char **out)
{
	int null_fd = in_fd < 0 ? open("/dev/null", O_RDONLY | O_CLOEXEC) : -1;
	if (in_fd < 0 && null_fd < 0) {
		*out = xstrdup("cannot open /dev/null\n");
		return -1;
	}
	posix_spawn_file_actions_t fa;
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_adddup2(&fa, in_fd >= 0 ? in_fd : null_fd, 0);
	posix_spawn_file_actions_adddup2(&fa, out_fd, 1);
	posix_spawn_file_actions_adddup2(&fa, out_fd, 2);
	pid_t pid;
	int err = posix_spawn(&pid, argv[0], &fa, NULL, argv, environ);
	posix_spawn_file_actions_destroy(&fa);
	if (null_fd >= 0)
		close(null_fd);
	if (err) {
		struct strbuf b;
		sb_init(&b);
		sb_printf(&b, "cannot run %s: %s\n", argv[0], strerror(err));
		*out = sb_steal(&b);
		return -1;
	}
	return pid;
}

/* Wait for pid and read what it wrote into out_fd; its exit status. */
static int wait_captured(pid_t pid, int out_fd, char **out)
{
	int ws = 0, status;
	pid_t r;
	while ((r = waitpid(pid, &ws, 0)) < 0 && errno == EINTR)
		;
	/* ECHILD when the caller ignores SIGCHLD: no status to read, so
	 * judge by whether clang wrote errors. */
	if (r < 0)
		status = -2;
	else
		status = WIFEXITED(ws) ? WEXITSTATUS(ws) : 128 + WTERMSIG(ws);
	*out = read_fd_text(out_fd);
	if (status == -2)
		status = *out && strstr(*out, "error") ? 1 : 0;
	return status;
}

int clang_run_captured(char *const argv[], int in_fd, char **out)
{
	*out = NULL;
	int out_fd = memfd_create("btap-clang-out", MFD_CLOEXEC);
	if (out_fd < 0) {
		*out = xstrdup("cannot create a capture file for clang\n");
		return -1;
	}
	pid_t pid = spawn_captured(argv, in_fd, out_fd, out);
	int status = pid < 0 ? -1 : wait_captured(pid, out_fd, out);
	close(out_fd);
	return status;
}

/* Versions of the clangs asked about so far (usually one). */
static struct {
	char *path, *version;
} version_cache[8];

const char *clang_version(const char *clang)
{
	if (!clang)
		return NULL;
	size_t i;
	for (i = 0; i < sizeof(version_cache) / sizeof(version_cache[0]); i++) {
		if (!version_cache[i].path)
			break;
		if (strcmp(version_cache[i].path, clang) == 0)
			return version_cache[i].version;
	}
	char *argv[] = {(char *)clang, "--version", NULL};
	char *out;
	char *version = NULL;
	if (clang_run_captured(argv, -1, &out) == 0 && out) {
		out[strcspn(out, "\n")] = '\0';
		version = xstrdup(out);
	}
	free(out);
	if (i < sizeof(version_cache) / sizeof(version_cache[0])) {
		version_cache[i].path = xstrdup(clang);
		version_cache[i].version = version;
	}
	return version;
}

/* Packaged clangs live in .../llvm-N/bin or are named clang-N: reading the
 * version from the path saves starting clang, which costs ~0.1 s. */
static int major_from_path(const char *clang)
{
	char *real = realpath(clang, NULL);
	const char *paths[] = {real, clang};
	int major = -1;
	for (int i = 0; i < 2 && major < 0; i++) {
		const char *p = paths[i];
		const char *hit = p ? strstr(p, "/llvm-") : NULL;
		if (hit)
			major = atoi(hit + 6);
		else if (p && (hit = strrchr(p, '/')) && strncmp(hit, "/clang-", 7) == 0)
			major = atoi(hit + 7);
		if (major <= 0)
			major = -1;
	}
	free(real);
	return major;
}

int clang_major(const char *clang)
{
	if (!clang)
		return -1;
	int major = major_from_path(clang);
	if (major > 0)
		return major;
	const char *v = clang_version(clang);
	const char *p = v ? strstr(v, "version ") : NULL;
	return p ? atoi(p + 8) : -1;
}

const char *clang_cache_key(const char *clang)
{
	static char key[4200];
	char *real = clang ? realpath(clang, NULL) : NULL;
	struct stat st;
	if (!real || stat(real, &st) != 0) {
		free(real);
		return NULL;
	}
	snprintf(key, sizeof(key), "%s:%lld:%lld", real, (long long)st.st_size,
		 (long long)st.st_mtime);
	free(real);
	return key;
}

/* A kernel's version as major*1000+minor (6.18 -> 6018), or 0; NULL: the
 * running kernel's. */
static int kernel_version(const char *release)
{
	struct utsname u;
	int major = 0, minor = 0;
	if (!release) {
		if (uname(&u) != 0)
			return 0;
		release = u.release;
	}
	if (sscanf(release, "%d.%d", &major, &minor) != 2)
		return 0;
	return major * 1000 + minor;
}

const char *clang_best_mcpu(const char *clang, const char *release)
{
	int kv = kernel_version(release);
	if (clang_major(clang) >= 18 && kv >= 6006)
		return "v4";
	if (kv >= 5001 || kv == 0)
		return "v3";
	return "v2";
}

struct argbuf {
	char **v;
	int n, cap;
	char *owned[4]; /* strings built here, freed afterwards */
	int n_owned;
};

static void arg_push(struct argbuf *a, const char *s)
{
	if (a->n + 1 >= a->cap) {
		a->cap = a->cap ? a->cap * 2 : 32;
		a->v = xrealloc(a->v, (size_t)a->cap * sizeof(*a->v));
	}
	a->v[a->n++] = (char *)s;
	a->v[a->n] = NULL;
}

static void arg_push_owned(struct argbuf *a, char *s)
{
	a->owned[a->n_owned++] = s;
	arg_push(a, s);
}

static void arg_push_list(struct argbuf *a, const char *flag, const char *const *list, int n)
{
	for (int i = 0; i < n; i++) {
		if (flag)
			arg_push(a, flag);
		arg_push(a, list[i]);
	}
}

static char *str_concat(const char *a, const char *b)
{
	struct strbuf s;
	sb_init(&s);
	sb_puts(&s, a);
	sb_puts(&s, b);
	return sb_steal(&s);
}

/* ---- a clang started before its source exists ---------------------------
 * Starting clang costs ~70 ms (mapping LLVM's libraries and running their
 * initialisers; the dynamic loader's relocations are ~5 ms of it) before
 * it reads a byte. Started while btap parses and
 * elaborates the script, that time passes on the other CPU; clang then
 * waits on a pipe for the source. It is used only by a compile whose
 * command line is the one it was started with. */
struct clang_early {
	pid_t pid;
	int in_w;     /* the write end of clang's stdin */
	int out_fd;   /* clang's messages */
	char *args;   /* its command line, NUL-separated */
	size_t args_len;
};

static struct clang_early *early_pending;

static struct clang_early *early_take(const struct argbuf *a);
static int early_finish(struct clang_early *e, const struct clang_opts *o, const char *src, size_t len,
			char **diag);

/* The source as clang reads it: a leading line marker names it in messages
 * and debug info without shifting its line numbers. */
static void source_text(struct strbuf *text, const struct clang_opts *o, const char *src, size_t len)
{
	sb_init(text);
	sb_puts(text, "#line 1 \"");
	for (const char *c = o->src_name ? o->src_name : "<btap>"; *c; c++) {
		if (*c == '"' || *c == '\\')
			sb_putc(text, '\\');
		sb_putc(text, *c);
	}
	sb_puts(text, "\"\n");
	sb_putn(text, src, len);
}

/* The command line of one compile, reading the source from stdin; the
 * source name is not on it (source_text puts it in the text). */
static void compile_args(struct argbuf *a, const struct clang_opts *o, const char *clang,
			 const char *out_obj_path)
{
	arg_push(a, clang);
	arg_push(a, "-target");
	arg_push(a, "bpf");
	arg_push(a, "-O2");
	arg_push(a, "-g");
	arg_push_owned(a, str_concat("-mcpu=", o->mcpu ? o->mcpu : clang_best_mcpu(clang, o->kernel_release)));
	arg_push(a, "-D__TARGET_ARCH_" CLANG_TARGET_ARCH);
	arg_push(a, "-fno-color-diagnostics");
	/* -g's assignment tracking (clang 17 on) keeps variable locations
	 * through the optimiser: ~10 ms of a syscall alias's compile, for
	 * debug info that BTF does not carry */
	if (clang_major(clang) >= 17) {
		arg_push(a, "-Xclang");
		arg_push(a, "-fexperimental-assignment-tracking=disabled");
	}
	arg_push_list(a, "-I", o->include_dirs, o->n_include_dirs);
	arg_push_list(a, "-D", o->defines, o->n_defines);
	arg_push_list(a, NULL, o->extra_args, o->n_extra_args);
	arg_push(a, "-c");
	arg_push(a, "-x");
	arg_push(a, "c");
	arg_push(a, "-");
	arg_push(a, "-o");
	arg_push(a, out_obj_path);
}

static void args_free(struct argbuf *a)
{
	for (int i = 0; i < a->n_owned; i++)
		free(a->owned[i]);
	free(a->v);
}

static char *args_joined(const struct argbuf *a)
{
	struct strbuf b;
	sb_init(&b);
	for (int i = 0; i < a->n; i++)
		sb_printf(&b, "%s%c", a->v[i], 0);
	return sb_steal(&b);
}

int clang_compile(const struct clang_opts *o, const char *src, size_t len,
		  const char *out_obj_path, char **diag_out)
{
	static const struct clang_opts defaults;
	if (!o)
		o = &defaults;
	if (diag_out)
		*diag_out = NULL;
	const char *clang = o->clang ? o->clang : clang_find();
	if (!clang) {
		if (diag_out)
			*diag_out = xstrdup("no clang found in PATH (clang-19 .. clang-14, clang)\n");
		return -1;
	}
	struct argbuf a = {0};
	compile_args(&a, o, clang, out_obj_path);
	char *diag = NULL;
	int status;
	struct clang_early *e = early_take(&a);
	if (e) {
		status = early_finish(e, o, src, len, &diag);
	} else {
		struct strbuf text;
		source_text(&text, o, src, len);
		int in_fd = memfd_with("btap-src", text.s, text.len);
		sb_free(&text);
		if (in_fd < 0) {
			args_free(&a);
			if (diag_out)
				*diag_out = xstrdup("cannot create a source file for clang\n");
			return -1;
		}
		status = clang_run_captured(a.v, in_fd, &diag);
		close(in_fd);
	}
	args_free(&a);
	if (diag_out)
		*diag_out = diag;
	else
		free(diag);
	return status == 0 ? 0 : -1;
}

static size_t joined_len(const char *j, int n)
{
	size_t len = 0;
	for (int i = 0; i < n; i++)
		len += strlen(j + len) + 1;
	return len;
}

bool clang_start_early(const struct clang_opts *o, const char *out_obj_path)
{
	static const struct clang_opts defaults;
	if (!o)
		o = &defaults;
	const char *clang = o->clang ? o->clang : clang_find();
	if (early_pending || !clang)
		return false;
	int p[2];
	if (pipe2(p, O_CLOEXEC) != 0)
		return false;
	int out_fd = memfd_create("btap-clang-out", MFD_CLOEXEC);
	if (out_fd < 0) {
		close(p[0]);
		close(p[1]);
		return false;
	}
	struct argbuf a = {0};
	compile_args(&a, o, clang, out_obj_path);
	char *err = NULL;
	pid_t pid = spawn_captured(a.v, p[0], out_fd, &err);
	close(p[0]);
	free(err);
	if (pid < 0) {
		args_free(&a);
		close(p[1]);
		close(out_fd);
		return false;
	}
	struct clang_early *e = xcalloc(1, sizeof(*e));
	e->pid = pid;
	e->in_w = p[1];
	e->out_fd = out_fd;
	e->args = args_joined(&a);
	e->args_len = joined_len(e->args, a.n);
	args_free(&a);
	early_pending = e;
	return true;
}

static void early_free(struct clang_early *e)
{
	if (e->in_w >= 0)
		close(e->in_w);
	close(e->out_fd);
	free(e->args);
	free(e);
}

/* The early clang, if it was started with exactly these arguments. */
static struct clang_early *early_take(const struct argbuf *a)
{
	struct clang_early *e = early_pending;
	if (!e)
		return NULL;
	char *want = args_joined(a);
	bool same = joined_len(want, a->n) == e->args_len && memcmp(want, e->args, e->args_len) == 0;
	free(want);
	if (!same)
		return NULL;
	early_pending = NULL;
	return e;
}

/* Write all of buf to fd; false when the reader is gone. SIGPIPE is held
 * off in this thread meanwhile (a clang that died must not end btap). */
static bool write_all_nosigpipe(int fd, const char *buf, size_t len)
{
	sigset_t pipe_set, old;
	sigemptyset(&pipe_set);
	sigaddset(&pipe_set, SIGPIPE);
	pthread_sigmask(SIG_BLOCK, &pipe_set, &old);
	bool ok = true;
	for (size_t off = 0; off < len;) {
		ssize_t w = write(fd, buf + off, len - off);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0) {
			ok = false;
			break;
		}
		off += (size_t)w;
	}
	if (!ok && errno == EPIPE) {
		struct timespec zero = {0, 0};
		while (sigtimedwait(&pipe_set, NULL, &zero) == SIGPIPE)
			;
	}
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	return ok;
}

static int early_finish(struct clang_early *e, const struct clang_opts *o, const char *src, size_t len,
			char **diag)
{
	struct strbuf text;
	source_text(&text, o, src, len);
	write_all_nosigpipe(e->in_w, text.s, text.len);
	sb_free(&text);
	close(e->in_w);
	e->in_w = -1;
	/* A clang that could not read the source says why in its messages. */
	int status = wait_captured(e->pid, e->out_fd, diag);
	early_free(e);
	return status;
}

void clang_cancel_early(void)
{
	struct clang_early *e = early_pending;
	if (!e)
		return;
	early_pending = NULL;
	kill(e->pid, SIGKILL);
	while (waitpid(e->pid, NULL, 0) < 0 && errno == EINTR)
		;
	early_free(e);
}
