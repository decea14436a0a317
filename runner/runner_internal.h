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

struct runner_metrics;
struct strbuf;

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
	char name[64];          /* module_name(): -m NAME, else btap_<key>_<pid> (the module's name on kmod) */
	void *dl;
	const struct btap_program *prog;
	/* now_ms() when each phase ended, for -vv */
	double t_set_up, t_attached, t_detached, t_wound_down;

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
	int out_fnum;           /* which output file (-o with -S or switch_file()) */
	int64_t out_written;    /* bytes written into it */
	bool json;              /* --format=json: records as JSON lines */
	char *textbuf;          /* JSON: a record's text, formatted first */
	size_t textcap;
	struct runner_metrics *metrics; /* --metrics, or NULL */
	char tok[80];           /* a stack token split by a flush (runner_stacks.c: TOKEN_MAX) */
	size_t ntok;

	/* state */
	int64_t maxerrors;
	int64_t errors_seen;    /* error records and runner errors */
	bool stop;
	enum runner_end end;
	/* records the drain under way may still hand out (runner_drain) */
	int64_t drain_left;

	/* target process */
	pid_t child;            /* -c command, 0 if none */
	int child_go_fd;        /* write end: releases the child to exec */
	int target_pid;         /* -x PID or the child's pid */
	int target_pidfd;
	bool target_exited;

	struct btap_runner_ops ops;
};

extern struct runner *runner_current;

/* runner_stacks.c: write data through write, the stack and symbol
 * tokens in it expanded */
void runner_write_expanded(struct runner *r, const char *data, size_t len,
			   void (*write)(struct runner *r, const char *data, size_t len));
/* The same for one string (JSON output), appended to out. */
void runner_expand_string(struct runner *r, const char *s, size_t len, struct strbuf *out);
void runner_stacks_release(void);

/* runner_program.c */
bool runner_load_shared(struct runner *r);
void runner_run_probes(struct runner *r, enum btap_probe_kind kind);
/* The statistics layout (histogram kind and range) a map descriptor
 * declares; false if its linear histogram is invalid. */
bool runner_stat_desc(const struct btap_map_desc *d, struct rt_stat_desc *sd);

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
/* runner_kcore.c: kernel memory (/proc/kcore) and symbols for runner probes */
void runner_bind_kcore_ops(struct btap_runner_ops *ops);
int runner_kcore_read(void *dst, uint64_t addr, uint64_t len);
void runner_kcore_close(void);
/* runner_procfs.c: procfs probes, run for the metrics server's clients */
void runner_bind_procfs_ops(struct btap_runner_ops *ops);
bool runner_procfs_any(struct runner *r);
bool runner_procfs_has(struct runner *r, const char *name, bool write);
/* The procfs file whose write probes get btap's stdin (tapset/input.stp). */
#define RUNNER_STDIN_FILE "__stdin"
bool runner_procfs_run(struct runner *r, const char *name, bool write, const char *body, size_t bodylen,
		       struct strbuf *out);
void runner_procfs_release(void);
int runner_on_record(void *ctx, void *data, size_t size);
void runner_report_error(struct runner *r, uint32_t site, const char *msg, size_t msglen);
void runner_report_summary(struct runner *r);
/* "btap: error: ..." after flushing the script's output. */
void runner_fail(struct runner *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void runner_request_stop(struct runner *r, enum runner_end why);
/* Hand waiting output records to runner_on_record: at most a batch (the
 * event loop then has its turn: signals, timers, the end of a flood), or
 * all of them (after the probes are detached). */
void runner_drain(struct runner *r, bool all);

/* runner_values.c: the values of the script's globals, for the readers
 * the runner has of its own (the JSON dump, metrics). */
struct runner_value {
	const struct btap_global_desc *g;
	const struct btap_map_desc *d; /* arrays and statistics; NULL: a scalar */
	struct rt_stat_desc sd;     /* statistics: d's layout */
	const char *key;            /* an element's key (d's layout), or NULL */
	int64_t num;                /* BTAP_T_LONG */
	const char *str;            /* BTAP_T_STRING, NUL-terminated */
	struct rt_stat_result stat; /* BTAP_T_STATS */
	const int64_t *buckets;     /* statistics with a histogram, else NULL */
};
typedef void (*runner_value_fn)(struct runner *r, const struct runner_value *v, void *ctx);
/* Call fn for g's value (a scalar) or for each element of g (an array:
 * sorted as the text dump prints them when `sorted`). Returns the count. */
int64_t runner_each_value(struct runner *r, const struct btap_global_desc *g, bool sorted,
			  runner_value_fn fn, void *ctx);
/* Field i of an element's key. */
struct rt_arg runner_key_field(const struct btap_map_desc *d, const char *key, int i);

/* runner_json.c: --format=json records */
void runner_json_print(struct runner *r, const struct runner_format *f, const char *format,
		       const struct rt_arg *args, int nargs);
void runner_json_hist(struct runner *r, uint32_t map, const void *key,
		      const struct rt_stat_result *res, const int64_t *buckets);
void runner_json_message(struct runner *r, const char *type, const char *msg, size_t len,
			 const struct btap_error_site *site);
void runner_json_summary(struct runner *r, int64_t lost, int64_t errors, int64_t skipped);
void runner_json_dump_globals(struct runner *r);

/* runner_metrics.c: --metrics */
bool runner_metrics_start(struct runner *r);
int runner_metrics_fd(struct runner *r);     /* for the event loop, or -1 */
void runner_metrics_serve(struct runner *r); /* when runner_metrics_fd is ready */
void runner_metrics_stop(struct runner *r);
/* runner_prom.c: the Prometheus text format of every global */
void runner_prom_render(struct runner *r, struct strbuf *out);

/* runner_proc.c */
bool runner_start_target(struct runner *r);
void runner_release_child(struct runner *r);
void runner_finish_target(struct runner *r);
void runner_system(struct runner *r, const char *cmd, size_t len);
/* switch_file(): flush, then go on in the next output file (-o FILE only). */
void runner_switch_file(struct runner *r);
/* printk() and ftrace(): a line into the kernel's log (/dev/kmsg) at level
 * where (0-7), or (BTAP_LOG_FTRACE) into the ftrace buffer (trace_marker). */
void runner_log(struct runner *r, int where, const char *msg, size_t len);

/* runner_loop.c */
bool runner_event_loop(struct runner *r);
bool runner_target_namespaces(struct runner *r, struct btap_globals_hdr *g);
void runner_stop_signals(sigset_t *set); /* the signals that end a run */
bool runner_exit_requested(struct runner *r);

#endif
