/* The BPF runtime's operations for the runner (runner/runner_runtime.h):
 * runner_runtime_bpf, and the state they share across runner_bpf.c
 * (the table, privileges, output), runner_maps.c (maps and their
 * operations) and runner_load.c (loading the object, verifier failures,
 * attaching). */
#ifndef BTAP_RUNNER_BPF_H
#define BTAP_RUNNER_BPF_H

#include "runner/runner_internal.h"

extern const struct runner_runtime runner_runtime_bpf;

struct bpfl_obj;

struct runner_map {
	const struct btap_map_desc *d;
	int fd;
	uint32_t key_size;      /* as created (a 0-key scalar uses 4 bytes) */
	uint32_t value_size;
	uint32_t stride;        /* per-CPU value spacing (multiple of 8) */
	uint32_t max_entries;
	bool percpu;
	bool is_array;          /* ARRAY / PERCPU_ARRAY: no deletes */
	int type;               /* enum bpf_map_type */
	struct rt_stat_desc stat; /* stats maps */
};

/* The run's BPF side, at runner->kernel. */
struct bpf_run {
	struct runner_map *maps;
	int nmaps;
	int ncpus;              /* possible CPUs, for per-CPU values */
	int globals_fd;
	size_t globals_len;     /* bytes mapped at runner->globals */
	uint32_t ringbuf_size;
	struct bpfl_obj *obj;   /* NULL: no kernel half, or not loaded yet */
};

static inline struct bpf_run *bpf_run_of(struct runner *r)
{
	return r->kernel;
}

/* runner_kread.c: kernel memory for runner probes through a BPF program */
void runner_bind_kread_ops(struct btap_runner_ops *ops);
void runner_kread_close(void);

/* runner_maps.c */
bool bpf_run_create_maps(struct runner *r);
void bpf_run_close_maps(struct runner *r);
void bpf_run_bind_map_ops(struct btap_runner_ops *ops);
void bpf_run_print_hist_record(struct runner *r, uint32_t map, const char *p, const char *end);
int bpf_run_stat_read(struct runner *r, int map, const void *key, struct rt_stat_result *res,
		      int64_t *buckets);

/* runner_load.c */
bool bpf_run_load(struct runner *r);
bool bpf_run_attach(struct runner *r);

#endif
