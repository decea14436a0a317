/* How the runner reaches the kernel half of a program: the operations a
 * runtime implements for it (the BPF one is bpf-backend/runner_bpf.c,
 * runner_runtime_bpf). The runner itself (runner*.c) needs no runtime's
 * library: it loads the runner half (prog.so), runs begin/end/error and
 * timer probes, formats output records and drives the event loop; it
 * reaches maps, the kernel probes and their output only through these. */
#ifndef BTAP_RUNNER_RUNTIME_H
#define BTAP_RUNNER_RUNTIME_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct runner;
struct btap_runner_ops;
struct rt_stat_result;

struct runner_runtime {
	const char *name;
	/* May this process load and attach probes? Else say what it lacks. */
	bool (*can_run)(void);
	/* Create every map the descriptor declares and the globals, mapped
	 * at r->globals (the runtime's state goes in r->kernel). */
	bool (*create_maps)(struct runner *r);
	/* The map and statistics operations runner-side code calls. */
	void (*bind_map_ops)(struct btap_runner_ops *ops);
	/* Statistic `map` at key merged over every CPU into *res (and its
	 * histogram into buckets, if not NULL): 0 or -errno. */
	int (*stat_read)(struct runner *r, int map, const void *key, struct rt_stat_result *res,
			 int64_t *buckets);
	/* A BTAP_REC_HIST record of map (its merged count and buckets in
	 * [p, end)): print the histogram. */
	void (*print_hist_record)(struct runner *r, uint32_t map, const char *p, const char *end);
	/* Load the kernel half, if the program has one. */
	bool (*load)(struct runner *r);
	/* Attach the kernel probes (after the begin probes ran). */
	bool (*attach)(struct runner *r);
	/* A file descriptor that becomes readable when kernel output waits
	 * (for the event loop), or -1. */
	int (*output_fd)(struct runner *r);
	/* Hand waiting output records to runner_on_record, until none waits
	 * or r->drain_left reaches 0 (runner_on_record counts it down). */
	void (*drain)(struct runner *r);
	/* Stop the kernel probes; what they wrote can still be drained. */
	void (*detach)(struct runner *r);
	/* The frames of stack id of the kernel (user: false) or user stack
	 * map into buf (size bytes: u64 addresses, or struct
	 * bpf_stack_build_id for user stacks): 0, or -errno when the id is
	 * unknown. NULL when the runtime collects no stacks. */
	int (*stack_frames)(struct runner *r, bool user, uint32_t id, void *buf, size_t size);
	/* Unload the kernel half and free the maps (also after a failed
	 * set-up; r->globals is unmapped). */
	void (*release)(struct runner *r);
};

/* The process's effective capabilities (bit n: capability n; all of them
 * when unknown), for a runtime's can_run (runner_proc.c). */
unsigned long long runner_effective_caps(void);

#endif
