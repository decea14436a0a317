/* The arithmetic of statistics, shared by the runner (runtime/stats.c) and
 * kernel probes (runtime/bpf/btap_bpf.h), so that `x <<< v`, the merge of
 * per-CPU partials and the histogram bucket of a value are one piece of
 * code and give the same digits wherever they run.
 *
 * Header-only and free of library calls: it also compiles for BPF, which
 * has no signed division and no count-leading-zeros instruction (there
 * the includer defines the fixed-width integer types). Arithmetic wraps
 * as in the kernel (done on unsigned values so that it is defined C). */
#ifndef BTAP_STATS_CORE_H
#define BTAP_STATS_CORE_H

#if !defined(__bpf__) && !defined(__KERNEL__)
#include <stdint.h>
#endif

#define BTAP_SC_INLINE static inline __attribute__((always_inline))

/* One partial aggregate; its histogram's int64_t counters follow it. */
struct rt_stat {
	int64_t count;
	int64_t sum;
	int64_t min;
	int64_t max;
	int64_t avg_s;      /* running average, scaled by 2^bit_shift */
	int64_t m2;         /* Welford's sum of squared deltas, scaled */
	int64_t variance_s; /* m2 / (count - 1), scaled; -1 before 2 values */
};

/* The merged view of all partials. */
struct rt_stat_result {
	int64_t count;
	int64_t sum;
	int64_t min;
	int64_t max;
	int64_t avg_s;
	int64_t variance_s;
	int64_t variance;
};

enum rt_stat_op {
	RT_STAT_COUNT,
	RT_STAT_SUM,
	RT_STAT_MIN,
	RT_STAT_MAX,
	RT_STAT_AVG,
	RT_STAT_VARIANCE,
};

/* Histogram kinds as the descriptor (btap_map_desc.hist_kind) numbers them. */
#define BTAP_SC_HIST_LOG 1
#define BTAP_SC_HIST_LINEAR 2
#define BTAP_SC_LOG_ZERO 64 /* log bucket of the value 0 */

BTAP_SC_INLINE int64_t btap_sc_wadd(int64_t a, int64_t b)
{
	return (int64_t)((uint64_t)a + (uint64_t)b);
}

BTAP_SC_INLINE int64_t btap_sc_wsub(int64_t a, int64_t b)
{
	return (int64_t)((uint64_t)a - (uint64_t)b);
}

BTAP_SC_INLINE int64_t btap_sc_wmul(int64_t a, int64_t b)
{
	return (int64_t)((uint64_t)a * (uint64_t)b);
}

/* stap's division: x / 0 is 0 (the caller reports any error), x / -1
 * negates without trapping, otherwise truncation toward zero. Done on
 * magnitudes: BPF divides unsigned only. */
BTAP_SC_INLINE int64_t btap_sc_div(int64_t x, int64_t y)
{
	uint64_t ux = x < 0 ? 0 - (uint64_t)x : (uint64_t)x;
	uint64_t uy = y < 0 ? 0 - (uint64_t)y : (uint64_t)y;
	uint64_t q;

	if (y == 0)
		return 0;
	q = ux / uy;
	return (x < 0) != (y < 0) ? (int64_t)(0 - q) : (int64_t)q;
}

BTAP_SC_INLINE int64_t btap_sc_scale_up(int64_t v, int shift)
{
	return (int64_t)((uint64_t)v << shift);
}

/* Arithmetic right shift, defined for negative values too. */
BTAP_SC_INLINE int64_t btap_sc_scale_down(int64_t v, int shift)
{
	return v >= 0 ? v >> shift : ~(~v >> shift);
}

/* floor(log2(v)) for v > 0, by halving (no clz on BPF). */
BTAP_SC_INLINE int btap_sc_log2(uint64_t v)
{
	int r = 0;

	if (v >> 32) { v >>= 32; r += 32; }
	if (v >> 16) { v >>= 16; r += 16; }
	if (v >> 8) { v >>= 8; r += 8; }
	if (v >> 4) { v >>= 4; r += 4; }
	if (v >> 2) { v >>= 2; r += 2; }
	if (v >> 1) { r += 1; }
	return r;
}

/* Log bucket (of 128): 64 holds 0, v > 0 goes to 65 + floor(log2 v),
 * v < 0 mirrors below 64. */
BTAP_SC_INLINE int btap_sc_log_bucket(int64_t v)
{
	uint64_t mag;
	int b;

	if (v == 0)
		return BTAP_SC_LOG_ZERO;
	mag = v < 0 ? 0 - (uint64_t)v : (uint64_t)v;
	b = BTAP_SC_LOG_ZERO + 1 + btap_sc_log2(mag);
	return v < 0 ? 128 - b : b;
}

/* The bucket of v, or -1 without a histogram. Linear: 0 is the underflow,
 * nbuckets - 1 the overflow. */
BTAP_SC_INLINE int btap_sc_hist_bucket(int64_t v, int kind, int64_t start, int64_t interval,
				       int nbuckets)
{
	if (kind == BTAP_SC_HIST_LOG) {
		int b = btap_sc_log_bucket(v);
		return b >= nbuckets ? nbuckets - 1 : b;
	}
	if (kind == BTAP_SC_HIST_LINEAR) {
		int64_t off = (int64_t)((uint64_t)v - (uint64_t)start);
		uint64_t idx;
		if (off < 0)
			return 0;
		idx = (uint64_t)off / (uint64_t)interval + 1;
		if (idx >= (uint64_t)(nbuckets - 1))
			return nbuckets - 1;
		return (int)idx;
	}
	return -1;
}

/* x <<< v on one partial (not its histogram): Welford's update exactly as
 * stap performs it, on values scaled by 2^shift, with its delta truncated
 * to 32 bits, so that @variance prints the same digits. */
BTAP_SC_INLINE void btap_sc_add(struct rt_stat *s, int64_t v, int shift)
{
	int64_t scaled = btap_sc_scale_up(v, shift);
	int64_t delta;

	if (s->count == 0) {
		s->count = 1;
		s->sum = s->min = s->max = v;
		s->avg_s = scaled;
		s->m2 = 0;
		return;
	}
	s->count++;
	s->sum = btap_sc_wadd(s->sum, v);
	if (v > s->max)
		s->max = v;
	if (v < s->min)
		s->min = v;
	delta = (int32_t)(uint32_t)(uint64_t)btap_sc_wsub(scaled, s->avg_s);
	s->avg_s = btap_sc_wadd(s->avg_s, btap_sc_div(delta, s->count));
	s->m2 = btap_sc_wadd(s->m2, btap_sc_wmul(delta, btap_sc_wsub(scaled, s->avg_s)));
	s->variance_s = s->count < 2 ? -1 : btap_sc_div(s->m2, s->count - 1);
}

/* ---- merging partials: first pass, then (for @variance) a second ---- */

/* Count, sum, min and max of one more partial into r (zeroed first). */
BTAP_SC_INLINE void btap_sc_merge_part(struct rt_stat_result *r, const struct rt_stat *p)
{
	if (p->count == 0)
		return;
	if (r->count == 0 || p->min < r->min)
		r->min = p->min;
	if (r->count == 0 || p->max > r->max)
		r->max = p->max;
	r->count = btap_sc_wadd(r->count, p->count);
	r->sum = btap_sc_wadd(r->sum, p->sum);
}

/* After the first pass: the merged average, scaled. */
BTAP_SC_INLINE void btap_sc_merge_avg(struct rt_stat_result *r, int shift)
{
	r->avg_s = btap_sc_div(btap_sc_scale_up(r->sum, shift), r->count);
}

/* Second pass: one partial's squared deviations, between (from the merged
 * average) plus within, added to *acc. */
BTAP_SC_INLINE void btap_sc_variance_part(int64_t *acc, const struct rt_stat_result *r,
					  const struct rt_stat *p)
{
	int64_t dev;

	if (p->count == 0)
		return;
	dev = btap_sc_wsub(p->avg_s, r->avg_s);
	*acc = btap_sc_wadd(*acc, btap_sc_wmul(p->count, btap_sc_wmul(dev, dev)));
	*acc = btap_sc_wadd(*acc, btap_sc_wmul(p->count - 1, p->variance_s));
}

/* Aggregate op (enum rt_stat_op) of the first pass's result into *v: 0,
 * or 1 for an empty aggregate (@count and @sum of nothing are 0, the
 * others an error), or 2 for @variance, which needs a second pass over
 * the partials (the average is then merged into r). */
BTAP_SC_INLINE int btap_sc_pick(struct rt_stat_result *r, int op, int shift, int64_t *v)
{
	*v = 0;
	if (op == RT_STAT_COUNT || op == RT_STAT_SUM) {
		*v = op == RT_STAT_COUNT ? r->count : r->sum;
		return 0;
	}
	if (r->count == 0)
		return 1;
	if (op == RT_STAT_VARIANCE) {
		btap_sc_merge_avg(r, shift);
		return 2;
	}
	*v = op == RT_STAT_MIN ? r->min : op == RT_STAT_MAX ? r->max : btap_sc_div(r->sum, r->count);
	return 0;
}

/* The total over count - 1, scaled back by 2^(2*shift). */
BTAP_SC_INLINE void btap_sc_variance_done(struct rt_stat_result *r, int64_t acc, int shift)
{
	r->variance_s = btap_sc_div(acc, r->count - 1);
	r->variance = btap_sc_scale_down(r->variance_s, 2 * shift);
}

#endif
