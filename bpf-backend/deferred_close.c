/* The last closes of tracing links, made by a helper process: see deferred_close.h. */
#include "deferred_close.h"
#include "parallel_each.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <unistd.h>

#include "translator/util.h"

static int cmp_int(const void *a, const void *b)
{
	int x = *(const int *)a, y = *(const int *)b;
	return (x > y) - (x < y);
}

static char *fd_arg(int fd)
{
	char buf[16];
	snprintf(buf, sizeof buf, "%d", fd);
	return xstrdup(buf);
}

/* argv of the helper: "btap-detach" "--deferred-close" DONE LINK... */
static char **helper_argv(int done, const int *links, int n)
{
	char **argv = xcalloc((size_t)n + 4, sizeof *argv);
	argv[0] = xstrdup("btap-detach");
	argv[1] = xstrdup("--deferred-close");
	argv[2] = fd_arg(done);
	for (int i = 0; i < n; i++)
		argv[3 + i] = fd_arg(links[i]);
	return argv;
}

/* vfork: no copy of the address space, and btap goes on as soon as the
 * helper has its own copy of the descriptor table and has exec'd; in
 * between, system calls only. Signals stay blocked meanwhile: a handler
 * must not run on the borrowed stack. */
static pid_t __attribute__((noinline)) spawn_helper(char **argv, const int *keep, int n_keep)
{
	sigset_t all, old;
	sigfillset(&all);
	sigprocmask(SIG_SETMASK, &all, &old);
	pid_t pid = vfork();
	if (pid == 0) {
		for (int i = 0; i < n_keep; i++)
			fcntl(keep[i], F_SETFD, 0);
		execve("/proc/self/exe", argv, environ);
		_exit(127);
	}
	sigprocmask(SIG_SETMASK, &old, NULL);
	return pid;
}

static bool helper_available;

void deferred_close_enable(void)
{
	helper_available = true;
}

int deferred_close_handoff(const int *links, int n, int *done_fd)
{
	*done_fd = -1;
	if (n == 0 || !helper_available)
		return 0;
	int done[2];
	if (pipe2(done, O_CLOEXEC) < 0)
		return 0;
	char **argv = helper_argv(done[0], links, n);
	int *keep = xcalloc((size_t)n + 1, sizeof *keep);
	memcpy(keep, links, (size_t)n * sizeof *links);
	keep[n] = done[0];
	pid_t pid = spawn_helper(argv, keep, n + 1);
	close(done[0]);
	free(keep);
	for (char **a = argv; *a; a++)
		free(*a);
	free(argv);
	if (pid < 0) {
		close(done[1]);
		return 0;
	}
	*done_fd = done[1];
	return n;
}

/* Close every descriptor but the n sorted ones in keep. */
static void close_all_but(const int *keep, int n)
{
	unsigned lo = 0;
	for (int i = 0; i < n; i++) {
		if ((unsigned)keep[i] > lo)
			close_range(lo, (unsigned)keep[i] - 1, 0);
		if ((unsigned)keep[i] + 1 > lo)
			lo = (unsigned)keep[i] + 1;
	}
	close_range(lo, ~0u, 0);
}

/* Each close waits for grace periods; on several threads the waits that
 * the kernel does not serialise overlap. */
#define CLOSE_THREADS 16

static void close_one(int i, void *fds)
{
	close(((const int *)fds)[i]);
}

int deferred_close_main(int argc, char **argv)
{
	if (argc < 1)
		return 2;
	int n = argc, *fds = xcalloc((size_t)n, sizeof *fds), *keep = xcalloc((size_t)n, sizeof *keep);
	for (int i = 0; i < n; i++)
		keep[i] = fds[i] = atoi(argv[i]);
	qsort(keep, (size_t)n, sizeof *keep, cmp_int);
	/* nothing of btap's but these: a reader of its output sees EOF when
	 * btap exits; a Ctrl-C meant for btap does not cut the closes short
	 * (a signal that kills this process closes them all the same) */
	close_all_but(keep, n);
	prctl(PR_SET_NAME, "btap-detach"); /* `ps` says what it is, not "exe" */
	sigset_t none;
	sigemptyset(&none);
	signal(SIGINT, SIG_IGN);
	signal(SIGHUP, SIG_IGN);
	sigprocmask(SIG_SETMASK, &none, NULL);
	/* wait until btap has closed its copies: then these closes are the last */
	char c;
	for (;;) {
		ssize_t r = read(fds[0], &c, 1);
		if (r == 0 || (r < 0 && errno != EINTR))
			break;
	}
	close(fds[0]);
	parallel_each(n - 1, CLOSE_THREADS, close_one, fds + 1);
	free(keep);
	free(fds);
	return 0;
}
