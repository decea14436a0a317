/* State shared by the runner's parts (runner*.c) and a runtime's
 * operations for it (runner_runtime.h). One run at a time per process: the
 * operations handed to generated code carry no context, so they reach the
 * run through runner_current. */
#ifndef BTAP_RUNNER_INTERNAL_H
#define BTAP_RUNNER_INTERNAL_H

#include <stdbool.h>
#include <stdint.h>
#include <signal.h>
#include <stdio.h>
#include <sys/types.h>

#include "runtime/btap_program.h"
#include "runtime/format.h"
#include "runtime/stats.h"

#include "runner_runtime.h"

struct session;

struct runner_format {
	struct rt_fmt_spec *specs;
	int nspecs;
	int nargs;
};

enum runner_end { RUNNER_END_NORMAL, RUNNER_END_ERROR, RUNNER_END_ABORT };

struct runner {
	struct session *s;
	const char *dir;
	void *dl;
	const struct btap_program *prog;

	/* the runtime: the kernel half, the maps */
	const struct runner_runtime *rt;
	void *kernel;           /* the runtime's state */
	void *globals;          /* the mapped btap_globals */

	/* output */
	struct runner_format *formats;
	FILE *out;
	struct rt_sink sink;
	char *sinkbuf;
	bool out_failed;

	/* state */
	int64_t maxerrors;
	int64_t errors_seen;    /* error records and runner errors */
	bool stop;
	enum runner_end end;

	/* target process */
	pid_t child;            /* -c command, 0 if none */
	int child_go_fd;        /* write end: releases the child to exec */
	int target_pid;         /* -x PID or the child's pid */
	int target_pidfd;
	bool target_exited;

	struct btap_runner_ops ops;
};

extern struct runner *runner_current;

/* runner_program.c */
bool runner_load_shared(struct runner *r);
void runner_run_probes(struct runner *r, enum btap_probe_kind kind);

/* runner.c */
struct btap_globals_hdr *runner_globals(struct runner *r);

/* runner_output.c */
bool runner_open_output(struct runner *r);
void runner_close_output(struct runner *r);
void runner_flush(struct runner *r);
bool runner_parse_formats(struct runner *r);
void runner_free_formats(struct runner *r);
void runner_bind_output_ops(struct btap_runner_ops *ops);
/* runner_regex.c */
void runner_bind_regex_ops(struct btap_runner_ops *ops);
int runner_on_record(void *ctx, void *data, size_t size);
void runner_report_error(struct runner *r, uint32_t site, const char *msg, size_t msglen);
void runner_report_summary(struct runner *r);
/* "btap: error: ..." after flushing the script's output. */
void runner_fail(struct runner *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void runner_request_stop(struct runner *r, enum runner_end why);

/* runner_proc.c */
bool runner_start_target(struct runner *r);
void runner_release_child(struct runner *r);
void runner_finish_target(struct runner *r);

/* runner_loop.c */
bool runner_event_loop(struct runner *r);
void runner_stop_signals(sigset_t *set); /* the signals that end a run */
bool runner_exit_requested(struct runner *r);

#endif
