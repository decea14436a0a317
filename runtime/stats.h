/* Statistics (aggregates) with SystemTap's semantics.
 *
 * `x <<< v` updates one partial aggregate, normally the current CPU's;
 * reading @count/@sum/@min/@max/@avg/@variance or printing a histogram
 * merges every partial first. A partial is a struct rt_stat followed in
 * memory by the histogram's counters, so a per-CPU map value (as libbpf
 * returns it: one record per CPU, `rt_stat_size()` bytes apart) merges in
 * place.
 *
 * Integer arithmetic is stap's, bit for bit:
 *   @avg       sum / count, truncated toward zero
 *   @variance  per partial, Welford's update on values scaled by
 *              2^bit_shift (the delta is truncated to 32 bits, the running
 *              average advances by a truncated delta / count); partials are
 *              combined with the total-variance formula; the result is
 *              scaled back by 2^(2*bit_shift). A single value gives 0.
 *   @min, @max, @avg, @variance and histogram printing fail with
 *   RT_STAT_EMPTY ("empty aggregate") when nothing was added; @count and
 *   @sum read 0. */
#ifndef BTAP_RUNTIME_STATS_H
#define BTAP_RUNTIME_STATS_H

#include "hist.h"
#include "btap_stats_core.h" /* struct rt_stat, rt_stat_result, rt_stat_op */

#define RT_STAT_OK    0
#define RT_STAT_EMPTY (-1)

#define RT_STAT_MAX_SHIFT 62

struct rt_stat_desc {
	struct rt_hist_desc hist; /* RT_HIST_NONE when no histogram is used */
	int bit_shift;            /* @variance(x, N): 0..RT_STAT_MAX_SHIFT */
};

static inline int64_t *rt_stat_buckets(struct rt_stat *s)
{
	return (int64_t *)(s + 1);
}

static inline const int64_t *rt_stat_buckets_const(const struct rt_stat *s)
{
	return (const int64_t *)(s + 1);
}

/* stap's division: x / 0 is 0 (the caller reports the error), x / -1
 * negates without trapping, otherwise C's truncating division. */
int64_t rt_div64(int64_t x, int64_t y);

void rt_stat_desc_init(struct rt_stat_desc *d, int bit_shift); /* no histogram */

/* Bytes of one partial, histogram included (a multiple of 8). */
size_t rt_stat_size(const struct rt_stat_desc *d);

/* Empty a partial and its histogram. */
void rt_stat_clear(const struct rt_stat_desc *d, struct rt_stat *s);

/* x <<< v on one partial. */
void rt_stat_add(const struct rt_stat_desc *d, struct rt_stat *s, int64_t v);

/* Merge nparts partials laid out stride bytes apart into *out, and their
 * histograms into buckets (d->hist.nbuckets counters) unless it is NULL. */
void rt_stat_merge(const struct rt_stat_desc *d, const void *parts,
		   size_t stride, int nparts, struct rt_stat_result *out,
		   int64_t *buckets);

/* Read one operator from a merged aggregate: RT_STAT_OK or RT_STAT_EMPTY. */
int rt_stat_value(const struct rt_stat_result *r, enum rt_stat_op op,
		  int64_t *value);

/* print(@hist_*(x)): RT_STAT_OK, or RT_STAT_EMPTY with nothing printed. */
int rt_stat_print_hist(struct rt_sink *s, const struct rt_stat_desc *d,
		       const struct rt_stat_result *r, const int64_t *buckets);

/* Message for an error code, as stap words it. */
const char *rt_stat_strerror(int err);

#endif
