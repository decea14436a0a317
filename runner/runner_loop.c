/* The event loop: one epoll over the kernel's output, a timerfd per
 * runner timer probe, a signalfd (SIGINT, SIGTERM, SIGHUP, SIGQUIT), the
 * target's pidfd, the -T timer and the metrics server's own epoll. */
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/signalfd.h>
#include <sys/timerfd.h>
#include <time.h>
#include <unistd.h>

#include "runner_internal.h"
#include "translator/session.h"
#include "translator/util.h"

/* How often the loop looks at exit_requested when nothing else wakes it
 * (an exit() whose BTAP_REC_EXIT record was lost). */
/* Kernel probes wake the runner only when the output buffer fills up
 * (btap_wakeup_flag): each turn of the loop drains it, so this bounds how
 * late a line can appear. */
#define RUNNER_POLL_MS 50

enum source_kind { SRC_RINGBUF, SRC_TIMER, SRC_SIGNAL, SRC_TARGET, SRC_TIMEOUT, SRC_METRICS, SRC_STDIN };

struct source {
	enum source_kind kind;
	int fd;
	const struct btap_probe_desc *probe; /* SRC_TIMER */
};

struct loop {
	int ep;
	struct source *src;
	int nsrc, cap;
	bool stdin_plain; /* input.* probes, and stdin is a file epoll refuses */
};

bool runner_exit_requested(struct runner *r)
{
	struct btap_globals_hdr *g = runner_globals(r);
	return g && __atomic_load_n(&g->exit_requested, __ATOMIC_RELAXED) != 0;
}

static bool add_source(struct loop *l, enum source_kind kind, int fd,
		       const struct btap_probe_desc *probe)
{
	if (fd < 0)
		return false;
	if (l->nsrc == l->cap) {
		l->cap = l->cap ? l->cap * 2 : 8;
		l->src = xrealloc(l->src, (size_t)l->cap * sizeof(*l->src));
	}
	l->src[l->nsrc] = (struct source){kind, fd, probe};
	struct epoll_event ev = {.events = EPOLLIN, .data.u32 = (uint32_t)l->nsrc};
	if (epoll_ctl(l->ep, EPOLL_CTL_ADD, fd, &ev) != 0)
		return false;
	l->nsrc++;
	return true;
}

static uint64_t random_below(uint64_t n)
{
	if (n == 0)
		return 0;
	uint64_t x = ((uint64_t)random() << 31) ^ (uint64_t)random();
	return x % n;
}

/* The next interval of a timer: period, +- the randomization. */
static uint64_t next_interval(const struct btap_probe_desc *p)
{
	uint64_t ns = p->period_ns ? p->period_ns : 1000000;
	if (p->randomize_ns) {
		uint64_t r = p->randomize_ns < ns ? p->randomize_ns : ns - 1;
		ns = ns - r + random_below(2 * r + 1);
	}
	return ns ? ns : 1;
}

static void arm_timer(int fd, uint64_t ns, uint64_t repeat_ns)
{
	struct itimerspec its = {
		.it_value = {(time_t)(ns / 1000000000u), (long)(ns % 1000000000u)},
		.it_interval = {(time_t)(repeat_ns / 1000000000u), (long)(repeat_ns % 1000000000u)},
	};
	timerfd_settime(fd, 0, &its, NULL);
}

static int make_timer(const struct btap_probe_desc *p)
{
	int fd = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC | TFD_NONBLOCK);
	if (fd >= 0) {
		/* Randomized timers are re-armed one interval at a time. */
		uint64_t first = next_interval(p);
		arm_timer(fd, first, p->randomize_ns ? 0 : first);
	}
	return fd;
}

void runner_stop_signals(sigset_t *set)
{
	sigemptyset(set);
	sigaddset(set, SIGINT);
	sigaddset(set, SIGTERM);
	sigaddset(set, SIGHUP);
	sigaddset(set, SIGQUIT);
}

/* The signals are blocked from the start of the run (runner_run), so one
 * arriving during begin probes waits here. */
static int make_signalfd(void)
{
	sigset_t set;
	runner_stop_signals(&set);
	return signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK);
}

static bool setup(struct runner *r, struct loop *l)
{
	l->ep = epoll_create1(EPOLL_CLOEXEC);
	if (l->ep < 0)
		return false;
	if (!add_source(l, SRC_SIGNAL, make_signalfd(), NULL))
		return false;
	if (r->rt->output_fd(r) >= 0 && !add_source(l, SRC_RINGBUF, r->rt->output_fd(r), NULL))
		return false;
	if (r->target_pidfd >= 0 && !add_source(l, SRC_TARGET, r->target_pidfd, NULL))
		return false;
	if (r->s->timeout_secs > 0) {
		int fd = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC | TFD_NONBLOCK);
		if (fd >= 0)
			arm_timer(fd, (uint64_t)r->s->timeout_secs * 1000000000u, 0);
		if (!add_source(l, SRC_TIMEOUT, fd, NULL))
			return false;
	}
	if (runner_metrics_fd(r) >= 0 && !add_source(l, SRC_METRICS, runner_metrics_fd(r), NULL))
		return false;
	for (uint32_t i = 0; i < r->prog->nprobes; i++) {
		const struct btap_probe_desc *p = &r->prog->probes[i];
		if (p->kind == BTAP_PROBE_TIMER && p->run &&
		    !add_source(l, SRC_TIMER, make_timer(p), p))
			return false;
	}
	/* input.char/.line: stdin, a character at a time (tapset/input.stp);
	 * a regular file or /dev/null, which epoll refuses, is read as it is */
	if (runner_procfs_has(r, RUNNER_STDIN_FILE, true) && !add_source(l, SRC_STDIN, STDIN_FILENO, NULL)) {
		if (errno != EPERM) /* add_source counts only what epoll took */
			return false;
		l->stdin_plain = true;
	}
	return true;
}

/* What stdin holds now, to the input probes; false at its end. */
static bool feed_stdin(struct runner *r)
{
	char buf[4096];
	ssize_t n;
	while ((n = read(STDIN_FILENO, buf, sizeof buf)) < 0 && errno == EINTR)
		;
	struct strbuf unused;
	sb_init(&unused);
	for (ssize_t i = 0; i < n && !r->stop; i++)
		runner_procfs_run(r, RUNNER_STDIN_FILE, true, buf + i, 1, &unused);
	sb_free(&unused);
	return n > 0 || (n < 0 && errno == EAGAIN);
}

static void on_stdin(struct runner *r, struct loop *l, struct source *s)
{
	if (!feed_stdin(r)) /* the end (or an error): no more input events */
		epoll_ctl(l->ep, EPOLL_CTL_DEL, s->fd, NULL);
}

static void teardown(struct loop *l)
{
	for (int i = 0; i < l->nsrc; i++) {
		/* the output's, the target's and the metrics' fds belong to others */
		enum source_kind k = l->src[i].kind;
		if (k != SRC_RINGBUF && k != SRC_TARGET && k != SRC_METRICS && k != SRC_STDIN)
			close(l->src[i].fd);
	}
	free(l->src);
	if (l->ep >= 0)
		close(l->ep);
}

static void on_timer(struct runner *r, struct source *s)
{
	uint64_t expirations;
	if (read(s->fd, &expirations, sizeof(expirations)) != (ssize_t)sizeof(expirations))
		return;
	if (s->probe->randomize_ns)
		arm_timer(s->fd, next_interval(s->probe), 0);
	/* A late wake-up runs the handler once, as a kernel timer would. */
	if (!r->stop)
		s->probe->run();
}

static void on_signal(struct runner *r, struct source *s)
{
	struct signalfd_siginfo si;
	while (read(s->fd, &si, sizeof(si)) == (ssize_t)sizeof(si))
		runner_request_stop(r, RUNNER_END_NORMAL);
}

static void dispatch(struct runner *r, struct loop *l, struct source *s)
{
	switch (s->kind) {
	case SRC_STDIN: on_stdin(r, l, s); break;
	case SRC_RINGBUF: runner_drain(r, false); break;
	case SRC_TIMER: on_timer(r, s); break;
	case SRC_SIGNAL: on_signal(r, s); break;
	case SRC_TARGET:
		r->target_exited = true;
		runner_request_stop(r, RUNNER_END_NORMAL);
		break;
	case SRC_TIMEOUT: runner_request_stop(r, RUNNER_END_NORMAL); break;
	case SRC_METRICS: runner_metrics_serve(r); break;
	}
}

bool runner_event_loop(struct runner *r)
{
	struct loop l = {.ep = -1};
	bool ok = setup(r, &l);
	if (!ok)
		runner_fail(r, "cannot set up the event loop: %s", strerror(errno));
	srandom((unsigned)time(NULL) ^ (unsigned)getpid());
	while (ok && !r->stop) {
		if (l.stdin_plain) { /* a file: all of it now, in order */
			while (!r->stop && feed_stdin(r))
				;
			l.stdin_plain = false;
		}
		if (runner_exit_requested(r)) {
			runner_request_stop(r, RUNNER_END_NORMAL);
			break;
		}
		struct epoll_event ev[16];
		int n = epoll_wait(l.ep, ev, 16, RUNNER_POLL_MS);
		if (n < 0 && errno != EINTR) {
			runner_fail(r, "event loop: %m");
			ok = false;
			break;
		}
		bool drained = false;
		for (int i = 0; i < n; i++) {
			drained |= l.src[ev[i].data.u32].kind == SRC_RINGBUF;
			dispatch(r, &l, &l.src[ev[i].data.u32]);
		}
		if (!drained)
			runner_drain(r, false);
		/* Interactive output appears as it is produced. */
		runner_flush(r);
	}
	teardown(&l);
	return ok;
}
