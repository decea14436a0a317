/* foreach order over a map's keys, for every runtime's map_keys: the keys
 * sorted by a key field or by value (ties by the keys in order, so every
 * run prints the same), limited. */
#ifndef BTAP_RUNNER_SORT_H
#define BTAP_RUNNER_SORT_H

#include <stdint.h>

#include "runtime/btap_program.h"
#include "runtime/stats.h"

struct runner_sort_item {
	const char *key;
	int64_t num;        /* long value, or the stats aggregate */
	const char *str;    /* string value */
};

/* Sort the n items (keys of key_size bytes) of map d (num or str filled when sort_by < 0: by value)
 * in direction dir, and copy the first `limit` keys (all when limit < 0)
 * into a malloc'd array *keys_out. Returns their count. */
int64_t runner_sort_keys(const struct btap_map_desc *d, uint32_t key_size, struct runner_sort_item *items,
			 int64_t n, int sort_by,
			 int dir, int64_t limit, void **keys_out);

/* The aggregate `agg` of a statistic sorts by: 'c'ount 's'um 'm'in 'M'ax 'a'vg. */
int64_t runner_stat_aggregate(const struct rt_stat_result *res, char agg);

#endif
