/* The target process: the -c command (forked early and held until the
 * probes are attached, so target() is known from the start and the
 * command's first instructions are traced) or the -x PID. Either one
 * ending ends the run: a pidfd makes that an epoll event. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "runner_internal.h"
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

/* In the child: wait for the go byte, then become the command. Only
 * async-signal-safe calls here. */
static void child_main(int go_fd, const char *command)
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
	execl("/bin/sh", "sh", "-c", command, (char *)NULL);
	_exit(127);
}

static bool start_child(struct runner *r)
{
	int go[2];
	if (pipe2(go, O_CLOEXEC) != 0) {
		runner_fail(r, "cannot start the command: %m");
		return false;
	}
	fflush(NULL);
	pid_t pid = fork();
	if (pid < 0) {
		runner_fail(r, "cannot start the command: %m");
		close(go[0]);
		close(go[1]);
		return false;
	}
	if (pid == 0) {
		close(go[1]);
		child_main(go[0], r->s->command);
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
		if (r->target_pidfd < 0 && errno == ESRCH) {
			runner_fail(r, "process %d does not exist (-x)", r->target_pid);
			return false;
		}
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
