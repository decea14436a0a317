/* --remote HOST[,HOST...]: compile here for each host's kernel, copy the
 * artifact over ssh, run it there with `btap --run`, and stream the output
 * back (prefixed "HOST: " when there are several hosts). See remote.h. */
#include "remote.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "session.h"
#include "util.h"

/* What the facts script prints on the host: its release and a digest of
 * its BTF, then (when asked) a tar of what passes 1-4 read about a kernel:
 * BTF, the tracefs catalog, notes, kallsyms and its config. */
static const char facts_probe[] =
	"uname -r; sha256sum </sys/kernel/btf/vmlinux 2>/dev/null | cut -d' ' -f1";
static const char facts_tar[] =
	"set -e; t=$(mktemp -d /tmp/btap-facts.XXXXXX); trap 'rm -rf \"$t\"' EXIT; "
	"mkdir -p \"$t/btf\" \"$t/tracing\" \"$t/boot\"; cp /sys/kernel/btf/* \"$t/btf/\"; "
	"tr=/sys/kernel/tracing; [ -d $tr/events ] || tr=/sys/kernel/debug/tracing; "
	"(cd $tr && for f in available_events available_filter_functions; do "
	"cp $f \"$t/tracing/\" 2>/dev/null || true; done; "
	"find events -name format -o -name id | xargs cp --parents -t \"$t/tracing\"); "
	"cp /sys/kernel/notes \"$t/notes\"; cp /proc/kallsyms \"$t/kallsyms\"; "
	"cp /boot/config-$(uname -r) \"$t/boot/\" 2>/dev/null || true; "
	"tar -C \"$t\" -cf - .";

struct host {
	char *name;       /* as given: [USER@]HOST, or ssh://[USER@]HOST[:PORT] */
	int index;        /* its place in the list: remote_id() there */
	char *ssh_dest;   /* what ssh gets */
	char *port;       /* NULL: ssh's default */
	char *release;
	char *artifact;   /* here */
	char *remote_dir; /* there */
	pid_t pid;        /* the running ssh */
	int in_fd;        /* its stdin: closing it stops the remote run */
	int out_fd, err_fd;
	struct strbuf out_line, err_line;
	bool failed;
};

static struct strbuf tmp_root; /* facts of every host, removed at the end */

static void host_error(struct host *h, const char *fmt, const char *detail)
{
	fprintf(stderr, "btap: %s: error: ", h->name);
	fprintf(stderr, fmt, detail);
	fputc('\n', stderr);
	h->failed = true;
}

static void sh_quote(struct strbuf *b, const char *s)
{
	sb_putc(b, '\'');
	for (; *s; s++) {
		if (*s == '\'')
			sb_puts(b, "'\\''");
		else
			sb_putc(b, *s);
	}
	sb_putc(b, '\'');
}

/* The ssh command line for a host: $BTAP_SSH (split by the shell; default
 * "ssh"), batch mode, the port, the destination, then the remote command. */
static void ssh_prefix(struct strbuf *b, const struct host *h)
{
	const char *ssh = getenv("BTAP_SSH");
	sb_printf(b, "%s -o BatchMode=yes", ssh && *ssh ? ssh : "ssh");
	if (h->port) {
		sb_puts(b, " -p ");
		sh_quote(b, h->port);
	}
	sb_putc(b, ' ');
	sh_quote(b, h->ssh_dest);
	sb_putc(b, ' ');
}

/* Runs `sh -c CMD`; its stdout into *out (when out is not NULL), its
 * stderr into *err. The exit status, or -1. */
static int run_capture(const char *cmd, struct strbuf *out, struct strbuf *err)
{
	int po[2], pe[2];
	if (pipe2(po, O_CLOEXEC) || pipe2(pe, O_CLOEXEC))
		return -1;
	pid_t pid = fork();
	if (pid < 0)
		return -1;
	if (pid == 0) {
		dup2(po[1], 1);
		dup2(pe[1], 2);
		int null = open("/dev/null", O_RDONLY);
		dup2(null, 0);
		execl("/bin/sh", "sh", "-c", cmd, (char *)NULL);
		_exit(127);
	}
	close(po[1]);
	close(pe[1]);
	struct pollfd p[2] = {{po[0], POLLIN, 0}, {pe[0], POLLIN, 0}};
	int open_fds = 2;
	char buf[65536];
	while (open_fds) {
		if (poll(p, 2, -1) < 0 && errno != EINTR)
			break;
		for (int i = 0; i < 2; i++) {
			if (p[i].fd < 0 || !(p[i].revents & (POLLIN | POLLHUP | POLLERR)))
				continue;
			ssize_t n = read(p[i].fd, buf, sizeof buf);
			if (n > 0) {
				struct strbuf *dst = i == 0 ? out : err;
				if (dst)
					sb_putn(dst, buf, (size_t)n);
			} else if (n == 0 || errno != EINTR) {
				close(p[i].fd);
				p[i].fd = -1;
				open_fds--;
			}
		}
	}
	int st;
	while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
		;
	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

static char *trimmed_last_line(struct strbuf *b)
{
	while (b->len && (b->s[b->len - 1] == '\n' || b->s[b->len - 1] == ' '))
		b->s[--b->len] = 0;
	const char *nl = b->len ? strrchr(b->s, '\n') : NULL;
	return xstrdup(nl ? nl + 1 : b->len ? b->s : "");
}

/* A local fact to compare with the host's: our BTF's digest. */
static char *local_btf_digest(void)
{
	struct strbuf out, err;
	sb_init(&out);
	sb_init(&err);
	char *d = NULL;
	if (run_capture("sha256sum </sys/kernel/btf/vmlinux 2>/dev/null | cut -d' ' -f1", &out, &err) == 0)
		d = trimmed_last_line(&out);
	sb_free(&out);
	sb_free(&err);
	return d;
}

/* The argument vector of `btap -p4` for this session's script. */
static void compile_argv(struct session *s, struct vec *v, const char *release)
{
	vec_push(&s->arena, v, "btap");
	vec_push(&s->arena, v, "-p4");
	for (int i = 0; i < s->verbose; i++)
		vec_push(&s->arena, v, "-v");
	VEC_FOREACH(s->include_dirs, i) {
		vec_push(&s->arena, v, "-I");
		vec_push(&s->arena, v, VEC_AT(s->include_dirs, i, char *));
	}
	VEC_FOREACH(s->defines, i) {
		vec_push(&s->arena, v, "-D");
		vec_push(&s->arena, v, VEC_AT(s->defines, i, char *));
	}
	if (s->guru)
		vec_push(&s->arena, v, "-g");
	if (s->suppress_warnings)
		vec_push(&s->arena, v, "-w");
	if (s->module_name) {
		vec_push(&s->arena, v, "-m");
		vec_push(&s->arena, v, (char *)s->module_name);
	}
	if (release) {
		vec_push(&s->arena, v, "-r");
		vec_push(&s->arena, v, (char *)release);
	}
	if (s->script_text) {
		vec_push(&s->arena, v, "-e");
		vec_push(&s->arena, v, (char *)s->script_text);
	} else {
		vec_push(&s->arena, v, (char *)s->script_path);
	}
	for (int i = 0; i < s->nargs; i++)
		vec_push(&s->arena, v, (char *)s->args[i]);
	vec_push(&s->arena, v, NULL);
}

/* In the child: the host's facts bound where btap reads the kernel's. */
static void bind_facts(const char *facts)
{
	static const char *const binds[][2] = {
		{"btf", "/sys/kernel/btf"},  {"tracing", "/sys/kernel/tracing"},
		{"notes", "/sys/kernel/notes"}, {"kallsyms", "/proc/kallsyms"},
		{"boot", "/boot"},
	};
	if (unshare(CLONE_NEWNS) != 0 || mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) != 0) {
		dprintf(2, "btap: cannot make a mount namespace for the host's kernel facts: %s\n",
			strerror(errno));
		_exit(1);
	}
	for (size_t i = 0; i < sizeof(binds) / sizeof(binds[0]); i++) {
		char src[4096];
		snprintf(src, sizeof src, "%s/%s", facts, binds[i][0]);
		if (access(src, F_OK) != 0)
			continue;
		if (mount(src, binds[i][1], NULL, MS_BIND, NULL) != 0) {
			dprintf(2, "btap: cannot bind %s on %s: %s\n", src, binds[i][1], strerror(errno));
			_exit(1);
		}
	}
}

/* Passes 1-4 for the host's kernel: this btap run as `btap -p4`, in a
 * mount namespace with the host's facts when its kernel is not ours. */
static bool compile_for(struct session *s, struct host *h, const char *facts)
{
	struct vec argv = {0};
	compile_argv(s, &argv, facts ? h->release : NULL);
	int po[2];
	if (pipe2(po, O_CLOEXEC) != 0)
		return false;
	fflush(NULL);
	pid_t pid = fork();
	if (pid == 0) {
		dup2(po[1], 1);
		if (facts)
			bind_facts(facts);
		execv("/proc/self/exe", (char **)argv.v);
		dprintf(2, "btap: cannot run itself: %s\n", strerror(errno));
		_exit(127);
	}
	close(po[1]);
	struct strbuf out;
	sb_init(&out);
	char buf[4096];
	ssize_t n;
	while ((n = read(po[0], buf, sizeof buf)) != 0)
		if (n > 0)
			sb_putn(&out, buf, (size_t)n);
		else if (errno != EINTR)
			break;
	close(po[0]);
	int st = 0;
	while (pid > 0 && waitpid(pid, &st, 0) < 0 && errno == EINTR)
		;
	bool ok = pid > 0 && WIFEXITED(st) && WEXITSTATUS(st) == 0 && out.len;
	if (ok)
		h->artifact = trimmed_last_line(&out);
	else
		host_error(h, "%s", "cannot compile the script for this host's kernel");
	sb_free(&out);
	return ok;
}

/* The host's release and BTF; its facts fetched when its kernel differs
 * from ours (or BTAP_REMOTE_FACTS=always). */
static bool prepare(struct session *s, struct host *h, int index, const char *local_digest)
{
	struct strbuf cmd, out, err;
	sb_init(&cmd);
	sb_init(&out);
	sb_init(&err);
	ssh_prefix(&cmd, h);
	sh_quote(&cmd, facts_probe);
	bool ok = run_capture(cmd.s, &out, &err) == 0;
	if (!ok) {
		char *why = trimmed_last_line(&err);
		host_error(h, "cannot reach it over ssh: %s", why);
		free(why);
		goto out;
	}
	/* line 1: the release; line 2: the BTF digest (empty: no BTF) */
	char *nl = out.s ? strchr(out.s, '\n') : NULL;
	if (nl)
		*nl = 0;
	h->release = xstrdup(out.s ? out.s : "");
	char *digest = xstrdup(nl ? nl + 1 : "");
	digest[strcspn(digest, "\n ")] = 0;
	const char *always = getenv("BTAP_REMOTE_FACTS");
	bool same = local_digest && *digest && strcmp(digest, local_digest) == 0 &&
		    !(always && strcmp(always, "always") == 0);
	free(digest);
	if (s->verbose)
		fprintf(stderr, "Remote %s: kernel %s, %s\n", h->name, h->release,
			same ? "the same BTF as here: compiled here as for this kernel"
			     : "another kernel: its facts fetched, compiled for it");
	char facts[4096] = "";
	if (!same) {
		if (!tmp_root.len) { /* made on first use: most hosts run our kernel */
			char tmpl[] = "/tmp/btap-facts-here.XXXXXX";
			sb_puts(&tmp_root, mkdtemp(tmpl) ? tmpl : "/tmp");
		}
		snprintf(facts, sizeof facts, "%s/host%d", tmp_root.s, index);
		mkdir(facts, 0700);
		sb_free(&cmd);
		sb_init(&cmd);
		ssh_prefix(&cmd, h);
		sh_quote(&cmd, facts_tar);
		sb_puts(&cmd, " | tar -x -C ");
		sh_quote(&cmd, facts);
		sb_free(&err);
		sb_init(&err);
		if (run_capture(cmd.s, NULL, &err) != 0) {
			char *why = trimmed_last_line(&err);
			host_error(h, "cannot read its kernel's facts (BTF, tracefs): %s", why);
			free(why);
			ok = false;
			goto out;
		}
	}
	ok = compile_for(s, h, same ? NULL : facts);
	if (!ok)
		goto out;
	/* ship the artifact: a fresh folder there, named back on stdout */
	sb_free(&cmd);
	sb_init(&cmd);
	sb_puts(&cmd, "tar -C ");
	sh_quote(&cmd, h->artifact);
	sb_puts(&cmd, " -cf - . | ");
	ssh_prefix(&cmd, h);
	sh_quote(&cmd, "d=$(mktemp -d /tmp/btap-remote.XXXXXX) && tar -xf - -C \"$d\" && echo \"$d\"");
	sb_free(&out);
	sb_init(&out);
	sb_free(&err);
	sb_init(&err);
	if (run_capture(cmd.s, &out, &err) != 0) {
		char *why = trimmed_last_line(&err);
		host_error(h, "cannot copy the compiled script there: %s", why);
		free(why);
		ok = false;
		goto out;
	}
	h->remote_dir = trimmed_last_line(&out);
out:
	sb_free(&cmd);
	sb_free(&out);
	sb_free(&err);
	return ok;
}

/* The remote command: btap --run with the run's options; it stops
 * (SIGTERM, so end probes run; a background job of a shell ignores
 * SIGINT) when our side of ssh closes its stdin, and
 * removes the artifact afterwards. */
static void remote_command(struct session *s, const struct host *h, struct strbuf *b)
{
	const char *rb = getenv("BTAP_REMOTE_BTAP");
	struct strbuf run;
	sb_init(&run);
	sh_quote(&run, rb && *rb ? rb : "btap");
	sb_puts(&run, " --run ");
	sh_quote(&run, h->remote_dir);
	sb_printf(&run, " --remote-id=%d --remote-uri=", h->index);
	sh_quote(&run, h->name);
	for (int i = 0; i < s->verbose; i++)
		sb_puts(&run, " -v");
	if (s->suppress_warnings)
		sb_puts(&run, " -w");
	if (s->bulk)
		sb_puts(&run, " -b");
	if (s->timeout_secs)
		sb_printf(&run, " -T %d", s->timeout_secs);
	if (s->bufsize_mb)
		sb_printf(&run, " -s %d", s->bufsize_mb);
	if (s->target_pid)
		sb_printf(&run, " -x %d", s->target_pid);
	if (s->command) {
		sb_puts(&run, " -c ");
		sh_quote(&run, s->command);
	}
	if (s->format == OUT_JSON)
		sb_puts(&run, " --format=json");
	if (s->suppress_handler_errors)
		sb_puts(&run, " --suppress-handler-errors");
	VEC_FOREACH(s->defines, i) {
		sb_puts(&run, " -D ");
		sh_quote(&run, VEC_AT(s->defines, i, char *));
	}
	VEC_FOREACH(s->global_sets, i) {
		sb_puts(&run, " -G ");
		sh_quote(&run, VEC_AT(s->global_sets, i, char *));
	}
	VEC_FOREACH(s->symbol_files, i) {
		sb_puts(&run, " -d ");
		sh_quote(&run, VEC_AT(s->symbol_files, i, char *));
	}
	for (int i = 0; i < s->nargs; i++) {
		sb_putc(&run, ' ');
		sh_quote(&run, s->args[i]);
	}
	struct strbuf rc;
	sb_init(&rc);
	/* a background job's stdin is /dev/null unless redirected: the
	 * watcher reads ssh's stdin through fd 3, with builtins only, so
	 * killing it leaves nothing behind */
	sb_printf(&rc, "cd /tmp; exec 3<&0; %s </dev/null & p=$!; "
		  "(while read -r _; do :; done; kill -TERM $p 2>/dev/null) <&3 >/dev/null 2>&1 & w=$!; "
		  "exec 3<&-; wait $p; rc=$?; kill $w 2>/dev/null; rm -rf ", run.s);
	sh_quote(&rc, h->remote_dir);
	sb_puts(&rc, "; exit $rc");
	ssh_prefix(b, h);
	sh_quote(b, rc.s);
	sb_free(&rc);
	sb_free(&run);
}

static bool start_run(struct session *s, struct host *h)
{
	struct strbuf cmd;
	sb_init(&cmd);
	remote_command(s, h, &cmd);
	int pi[2], po[2], pe[2];
	if (pipe2(pi, O_CLOEXEC) || pipe2(po, O_CLOEXEC) || pipe2(pe, O_CLOEXEC)) {
		sb_free(&cmd);
		return false;
	}
	fflush(NULL);
	h->pid = fork();
	if (h->pid == 0) {
		/* ssh ignores our SIGINT: the remote run stops through its stdin */
		signal(SIGINT, SIG_IGN);
		setpgid(0, 0);
		dup2(pi[0], 0);
		dup2(po[1], 1);
		dup2(pe[1], 2);
		execl("/bin/sh", "sh", "-c", cmd.s, (char *)NULL);
		_exit(127);
	}
	sb_free(&cmd);
	close(pi[0]);
	close(po[1]);
	close(pe[1]);
	h->in_fd = pi[1];
	h->out_fd = po[0];
	h->err_fd = pe[0];
	return h->pid > 0;
}

/* Copies the complete lines of `line` to `to`, each prefixed when there
 * are several hosts; at EOF the rest too. */
static void flush_lines(FILE *to, const char *prefix, struct strbuf *line, bool eof)
{
	size_t start = 0;
	for (size_t i = 0; i < line->len; i++) {
		if (line->s[i] != '\n')
			continue;
		fprintf(to, "%s%.*s\n", prefix, (int)(i - start), line->s + start);
		start = i + 1;
	}
	if (eof && start < line->len) {
		fprintf(to, "%s%.*s\n", prefix, (int)(line->len - start), line->s + start);
		start = line->len;
	}
	if (start)
		memmove(line->s, line->s + start, line->len - start);
	line->len -= start;
	if (line->len)
		line->s[line->len] = 0;
	fflush(to);
}

static volatile sig_atomic_t stop_requested;
static void on_stop(int sig)
{
	(void)sig;
	stop_requested = 1;
}

/* Streams every host's output until all have ended. */
static void stream(struct host **hosts, int n, bool prefixed, FILE *out)
{
	struct sigaction sa = {.sa_handler = on_stop};
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	struct pollfd *p = xcalloc((size_t)n * 2, sizeof(*p));
	bool stopping = false;
	for (;;) {
		int live = 0;
		for (int i = 0; i < n; i++) {
			p[2 * i] = (struct pollfd){hosts[i]->out_fd, POLLIN, 0};
			p[2 * i + 1] = (struct pollfd){hosts[i]->err_fd, POLLIN, 0};
			live += (hosts[i]->out_fd >= 0) + (hosts[i]->err_fd >= 0);
		}
		if (!live)
			break;
		if (stop_requested && !stopping) {
			stopping = true; /* closing stdin makes each remote btap stop */
			for (int i = 0; i < n; i++)
				if (hosts[i]->in_fd >= 0)
					close(hosts[i]->in_fd), hosts[i]->in_fd = -1;
		}
		if (poll(p, (nfds_t)n * 2, -1) < 0)
			continue; /* EINTR: a stop signal, handled above */
		char buf[65536];
		for (int k = 0; k < n * 2; k++) {
			if (p[k].fd < 0 || !(p[k].revents & (POLLIN | POLLHUP | POLLERR)))
				continue;
			struct host *h = hosts[k / 2];
			bool is_err = k % 2;
			struct strbuf *line = is_err ? &h->err_line : &h->out_line;
			char prefix[300] = "";
			if (prefixed)
				snprintf(prefix, sizeof prefix, "%s: ", h->name);
			ssize_t r = read(p[k].fd, buf, sizeof buf);
			if (r > 0) {
				sb_putn(line, buf, (size_t)r);
				flush_lines(is_err ? stderr : out, prefix, line, false);
			} else if (r == 0 || errno != EINTR) {
				flush_lines(is_err ? stderr : out, prefix, line, true);
				close(p[k].fd);
				if (is_err)
					h->err_fd = -1;
				else
					h->out_fd = -1;
			}
		}
	}
	free(p);
}

static void parse_host(struct host *h, int index, const char *spec)
{
	h->index = index;
	h->name = xstrdup(spec);
	const char *d = strncmp(spec, "ssh://", 6) == 0 ? spec + 6 : spec;
	h->ssh_dest = xstrdup(d);
	char *colon = strrchr(h->ssh_dest, ':');
	if (d != spec && colon && colon[1]) {
		*colon = 0;
		h->port = xstrdup(colon + 1);
	}
	h->in_fd = h->out_fd = h->err_fd = -1;
	sb_init(&h->out_line);
	sb_init(&h->err_line);
}

int remote_run(struct session *s)
{
	if (s->last_pass != 5 || s->list_pattern || s->run_artifact) {
		fprintf(stderr, "btap: --remote runs a script; it cannot be combined with -p, -l, -L or --run\n");
		return 1;
	}
	int n = 1;
	for (const char *c = s->remote_hosts; *c; c++)
		n += *c == ',';
	struct host *hosts = xcalloc((size_t)n, sizeof(*hosts));
	char *list = xstrdup(s->remote_hosts), *save = NULL;
	n = 0;
	for (char *t = strtok_r(list, ",", &save); t; t = strtok_r(NULL, ",", &save))
		parse_host(&hosts[n], n, t), n++;
	free(list);
	sb_init(&tmp_root);
	char *digest = local_btf_digest();
	/* prepare one host after the other (compiles share the cache), then
	 * run them all at once */
	int running = 0;
	for (int i = 0; i < n; i++)
		if (prepare(s, &hosts[i], i, digest) && start_run(s, &hosts[i]))
			running++;
	free(digest);
	FILE *out = stdout;
	if (s->output_file && !(out = fopen(s->output_file, "w"))) {
		fprintf(stderr, "btap: cannot write %s: %s\n", s->output_file, strerror(errno));
		out = stdout;
	}
	struct host **live = xcalloc((size_t)n, sizeof(*live));
	int nl = 0;
	for (int i = 0; i < n; i++)
		if (hosts[i].pid > 0)
			live[nl++] = &hosts[i];
	if (running)
		stream(live, nl, n > 1, out);
	int rc = 0;
	for (int i = 0; i < n; i++) {
		struct host *h = &hosts[i];
		if (h->pid > 0) {
			if (h->in_fd >= 0)
				close(h->in_fd);
			int st;
			while (waitpid(h->pid, &st, 0) < 0 && errno == EINTR)
				;
			int code = WIFEXITED(st) ? WEXITSTATUS(st) : 255;
			if (code != 0) {
				fprintf(stderr, "btap: %s: the run ended with status %d\n", h->name, code);
				h->failed = true;
			}
		}
		sb_free(&h->out_line);
		sb_free(&h->err_line);
		rc |= h->failed;
		free(h->name);
		free(h->ssh_dest);
		free(h->port);
		free(h->release);
		free(h->artifact);
		free(h->remote_dir);
	}
	if (out != stdout)
		fclose(out);
	if (tmp_root.len && strcmp(tmp_root.s, "/tmp") != 0) {
		struct strbuf rm;
		sb_init(&rm);
		sb_puts(&rm, "rm -rf ");
		sh_quote(&rm, tmp_root.s);
		run_capture(rm.s, NULL, NULL);
		sb_free(&rm);
	}
	sb_free(&tmp_root);
	free(live);
	free(hosts);
	return rc ? 1 : 0;
}
