/* Statistics as the runner reads, adds to and prints them, written once
 * for every runtime. A runtime hands over a statistic's raw value, its
 * partials (one per CPU in BPF's per-CPU maps, one in the kernel
 * module's arrays), through struct runner_stat_map; merging them, the
 * runner's own `<<<` and the printing of histograms happen here. */
#ifndef BTAP_RUNNER_STATS_H
#define BTAP_RUNNER_STATS_H

#include <stdbool.h>
#include <stdint.h>

#include "runtime/stats.h"

struct runner;

struct runner_stat_map {
	const struct rt_stat_desc *desc;
	uint32_t stride; /* bytes from one partial to the next */
	int parts;       /* partials in a value */
	/* The raw value at key (parts * stride bytes) into buf: 0, -ENOENT
	 * for no such key, or another -errno. */
	int (*get)(int map, const void *key, void *buf);
	/* Store a raw value at key: 0 or -errno. */
	int (*put)(int map, const void *key, const void *buf);
};

/* The runner's statistic operations (btap_runner_ops: stat_add,
 * stat_read, print_hist, stat_hist) over a runtime's statistics, which
 * map_of describes by map index (false: not a statistic). */
struct btap_runner_ops;
void runner_stat_bind_ops(struct btap_runner_ops *ops, bool (*map_of)(int map, struct runner_stat_map *sm));
/* The runtime's stat_read (runner_runtime.h) through the bound map_of:
 * the histogram into buckets when the statistic has one. */
int runner_stat_read_bound(int map, const void *key, struct rt_stat_result *res, int64_t *buckets);

/* The merged statistic at key (a missing key is an empty aggregate), and
 * its histogram into buckets unless NULL. */
int runner_stat_read(const struct runner_stat_map *sm, int map, const void *key, struct rt_stat_result *res,
		     int64_t *buckets);
/* key <<< v from the runner: added into the first partial. */
int runner_stat_add(const struct runner_stat_map *sm, int map, const void *key, int64_t v);
/* print(@hist_*(s[key])) from the runner (text or JSON). */
void runner_stat_print(struct runner *r, const struct runner_stat_map *sm, int map, const void *key);
/* The buckets of the histogram at key; *nbuckets how many. */
int runner_stat_hist(const struct runner_stat_map *sm, int map, const void *key, int64_t *buckets,
		     int *nbuckets);
/* A BTAP_REC_HIST record a kernel probe sent (count, then the buckets
 * merged there), printed as runner_stat_print prints. */
void runner_stat_print_record(struct runner *r, const struct rt_stat_desc *desc, uint32_t map, const char *p,
			      const char *end);

#endif
