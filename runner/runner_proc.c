/* The target process: the -c command (forked early and held until the
 * probes are attached, so target() is known from the start and the
 * command's first instructions are traced) or the -x PID. Either one
 * ending ends the run: a pidfd makes that an epoll event.
 *
 * As with stap, the command is split into words by wordexp(3) and run
 * directly, so target() is the command's own pid; only a command with
 * shell syntax wordexp refuses (| ; & < > ( ) { } and newlines), or one
 * that starts with a shell builtin such as `exec` or `cd`, runs through
 * `sh -c` (where `exec CMD` still makes target() CMD's pid). */
#include <errno.h>
#include <stdio.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <wordexp.h>

#include "runner_internal.h"
#include "translator/tracepoints.h"
#include "translator/session.h"

static int pidfd_open_compat(pid_t pid)
{
#ifdef SYS_pidfd_open
	return (int)syscall(SYS_pidfd_open, pid, 0);
#else
	errno = ENOSYS;
	return -1;
#endif
}

/* Words only the shell understands as the first word of a command. */
static bool shell_builtin(const char *word)
{
	static const char *const builtins[] = {
		"exec", "cd", "export", "unset", "set", "ulimit", "umask", "eval", ".", "source",
		"if", "for", "while", "until", "case", "!", "trap", "wait", "command", NULL,
	};
	for (const char *const *b = builtins; *b; b++)
		if (strcmp(word, *b) == 0)
			return true;
	return strchr(word, '=') != NULL; /* VAR=value cmd */
}

/* The argument vector of the -c command: wordexp's words, or sh -c for
 * shell syntax. False, with the reason reported, when it cannot run. */
static bool command_argv(struct runner *r, wordexp_t *w, bool *words, char **sh_argv)
{
	const char *cmd = r->s->command;
	int rc = wordexp(cmd, w, WRDE_NOCMD | WRDE_UNDEF);
	*words = rc == 0;
	if (rc == 0 && w->we_wordc > 0 && shell_builtin(w->we_wordv[0])) {
		wordfree(w);
		*words = false;
		rc = WRDE_BADCHAR;
	}
	switch (rc) {
	case 0:
		if (w->we_wordc > 0)
			return true;
		wordfree(w);
		*words = false;
		runner_fail(r, "-c: the command is empty");
		return false;
	case WRDE_BADCHAR:
		sh_argv[0] = "sh";
		sh_argv[1] = "-c";
		sh_argv[2] = (char *)cmd;
		sh_argv[3] = NULL;
		return true;
	case WRDE_SYNTAX:
		runner_fail(r, "-c: syntax error in the command (unmatched quotes?): %s", cmd);
		return false;
	case WRDE_CMDSUB:
		runner_fail(r, "-c: the command contains a command substitution: %s", cmd);
		return false;
	case WRDE_BADVAL:
		runner_fail(r, "-c: the command uses an undefined shell variable: %s", cmd);
		return false;
	default:
		runner_fail(r, "-c: cannot split the command into words: %s", cmd);
		return false;
	}
}

/* In the child: wait for the go byte, then become the command. */
static void child_main(int go_fd, const char *file, char **argv)
{
	sigset_t none;
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	char c;
	ssize_t n;
	while ((n = read(go_fd, &c, 1)) < 0 && errno == EINTR)
		;
	if (n != 1)
		_exit(127); /* the run failed before attaching */
	close(go_fd);
	execv(file, argv);
	dprintf(2, "btap: cannot run '%s': %s\n", file, strerror(errno));
	_exit(126);
}

static bool start_child(struct runner *r)
{
	wordexp_t w;
	bool words;
	char *sh_argv[4];
	if (!command_argv(r, &w, &words, sh_argv))
		return false;
	char **argv = words ? w.we_wordv : sh_argv;
	/* searched before the fork, so the traced child makes one execve, not
	 * one per PATH entry */
	char *file = path_find_program(argv[0]);
	int go[2] = {-1, -1};
	if (!file)
		runner_fail(r, "-c: cannot run '%s': %m", argv[0]);
	else if (pipe2(go, O_CLOEXEC) != 0)
		runner_fail(r, "cannot start the command: %m");
	if (!file || go[0] < 0) {
		free(file);
		if (words)
			wordfree(&w);
		return false;
	}
	fflush(NULL);
	pid_t pid = fork();
	if (pid == 0) {
		close(go[1]);
		child_main(go[0], file, argv);
	}
	int err = errno;
	free(file);
	if (words)
		wordfree(&w);
	if (pid < 0) {
		errno = err;
		runner_fail(r, "cannot start the command: %m");
		close(go[0]);
		close(go[1]);
		return false;
	}
	close(go[0]);
	r->child = pid;
	r->child_go_fd = go[1];
	r->target_pid = pid;
	r->target_pidfd = pidfd_open_compat(pid);
	return true;
}

bool runner_start_target(struct runner *r)
{
	r->child_go_fd = r->target_pidfd = -1;
	if (r->s->command)
		return start_child(r);
	if (r->s->target_pid > 0) {
		r->target_pid = r->s->target_pid;
		r->target_pidfd = pidfd_open_compat(r->target_pid);
		/* as stap: target() is PID whether or not it runs; the run
		 * ends with the process only when there is one to watch */
		if (r->target_pidfd < 0 && errno == ESRCH && !r->s->suppress_warnings)
			fprintf(stderr, "btap: warning: process %d does not exist (-x); target() is %d all the same\n",
				r->target_pid, r->target_pid);
	}
	return true;
}

void runner_release_child(struct runner *r)
{
	if (r->child_go_fd < 0)
		return;
	ssize_t n;
	while ((n = write(r->child_go_fd, "g", 1)) < 0 && errno == EINTR)
		;
	close(r->child_go_fd);
	r->child_go_fd = -1;
}

/* Wait up to ms for the child; true once it is reaped. */
static bool reap_within(pid_t pid, int ms)
{
	for (int waited = 0;; waited += 10) {
		pid_t w = waitpid(pid, NULL, WNOHANG);
		if (w == pid || (w < 0 && errno != EINTR))
			return true;
		if (waited >= ms)
			return false;
		struct timespec ts = {0, 10 * 1000 * 1000};
		nanosleep(&ts, NULL);
	}
}

/* At the end: a command still running is asked to stop, then killed. A
 * command never released (setup failed) just exits on the closed pipe. */
void runner_finish_target(struct runner *r)
{
	if (r->child_go_fd >= 0) {
		close(r->child_go_fd);
		r->child_go_fd = -1;
	}
	if (r->child > 0) {
		if (!reap_within(r->child, 0)) {
			kill(r->child, SIGTERM);
			if (!reap_within(r->child, 1000)) {
				kill(r->child, SIGKILL);
				reap_within(r->child, 5000);
			}
		}
		r->child = 0;
	}
	if (r->target_pidfd >= 0)
		close(r->target_pidfd);
	r->target_pidfd = -1;
}

/* Effective capabilities from /proc/self/status; all of them if unknown. */
unsigned long long runner_effective_caps(void)
{
	FILE *f = fopen("/proc/self/status", "r");
	unsigned long long caps = ~0ull;
	char line[256];
	while (f && fgets(line, sizeof(line), f))
		if (sscanf(line, "CapEff: %llx", &caps) == 1)
			break;
	if (f)
		fclose(f);
	return caps;
}

/* system(cmd): /bin/sh -c cmd in the background, writing into the
 * script's output after what is already printed, as stap's stapio does.
 * Two forks, so the command is no child of the runner's to reap and the
 * runner does not wait for it. */
void runner_log(struct runner *r, int where, const char *msg, size_t len)
{
	static bool warned[2];
	bool ftrace = where == BTAP_LOG_FTRACE;
	const char *dir = ftrace ? tp_tracefs_dir() : NULL;
	char path[4200], line[8192];
	snprintf(path, sizeof path, "%s", ftrace ? (dir ? dir : "/sys/kernel/tracing") : "/dev/kmsg");
	if (ftrace)
		strncat(path, "/trace_marker", sizeof path - strlen(path) - 1);
	int n = ftrace ? snprintf(line, sizeof line, "%.*s\n", (int)len, msg)
		       : snprintf(line, sizeof line, "<%d>%.*s\n", where < 0 ? 0 : where > 7 ? 7 : where, (int)len, msg);
	int fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0 || write(fd, line, (size_t)n) != n) {
		if (!warned[ftrace]) /* once: a script may log on every event */
			fprintf(stderr, "WARNING: %s(): cannot write %s: %s\n", ftrace ? "ftrace" : "printk", path,
				strerror(errno));
		warned[ftrace] = true;
	}
	if (fd >= 0)
		close(fd);
	(void)r;
}

void runner_system(struct runner *r, const char *cmd, size_t len)
{
	char *text = strndup(cmd, len);
	if (!text)
		return;
	runner_flush(r);
	int out = r->out ? fileno(r->out) : STDOUT_FILENO;
	pid_t pid = fork();
	if (pid == 0) {
		if (fork() == 0) {
			sigset_t none; /* the runner blocks the signals its signalfd takes */
			sigemptyset(&none);
			sigprocmask(SIG_SETMASK, &none, NULL);
			if (out != STDOUT_FILENO)
				dup2(out, STDOUT_FILENO);
			execl("/bin/sh", "sh", "-c", text, (char *)NULL);
			_exit(127);
		}
		_exit(0);
	}
	if (pid > 0)
		waitpid(pid, NULL, 0);
	else
		fprintf(stderr, "WARNING: system(\"%s\"): cannot start it: %s\n", text, strerror(errno));
	free(text);
}
