/* Aggregates with SystemTap's integer arithmetic; see stats.h. Arithmetic
 * wraps on overflow as it does in the kernel (done on unsigned values here
 * so that it is defined C). */
#include "stats.h"

#ifndef __KERNEL__
#include <string.h>
#endif

static int64_t wrap_add(int64_t a, int64_t b)
{
	return (int64_t)((uint64_t)a + (uint64_t)b);
}

static int64_t wrap_sub(int64_t a, int64_t b)
{
	return (int64_t)((uint64_t)a - (uint64_t)b);
}

static int64_t wrap_mul(int64_t a, int64_t b)
{
	return (int64_t)((uint64_t)a * (uint64_t)b);
}

static int64_t scale_up(int64_t v, int shift)
{
	return (int64_t)((uint64_t)v << shift);
}

/* Arithmetic right shift, defined for negative values too. */
static int64_t scale_down(int64_t v, int shift)
{
	return v >= 0 ? v >> shift : ~(~v >> shift);
}

int64_t rt_div64(int64_t x, int64_t y)
{
	if (y == 0)
		return 0;
	if (y == -1)
		return (int64_t)(0 - (uint64_t)x);
	return x / y;
}

void rt_stat_desc_init(struct rt_stat_desc *d, int bit_shift)
{
	rt_hist_init_none(&d->hist);
	if (bit_shift < 0)
		bit_shift = 0;
	d->bit_shift = bit_shift > RT_STAT_MAX_SHIFT ? RT_STAT_MAX_SHIFT : bit_shift;
}

size_t rt_stat_size(const struct rt_stat_desc *d)
{
	size_t nb = d->hist.nbuckets > 0 ? (size_t)d->hist.nbuckets : 0;

	return sizeof(struct rt_stat) + nb * sizeof(int64_t);
}

void rt_stat_clear(const struct rt_stat_desc *d, struct rt_stat *s)
{
	memset(s, 0, rt_stat_size(d));
}

/* Welford's update exactly as stap performs it, including its 32-bit
 * delta, so that @variance prints the same digits. */
static void welford_update(struct rt_stat *s, int64_t scaled)
{
	int64_t delta = (int32_t)(uint32_t)(uint64_t)wrap_sub(scaled, s->avg_s);

	s->avg_s = wrap_add(s->avg_s, rt_div64(delta, s->count));
	s->m2 = wrap_add(s->m2, wrap_mul(delta, wrap_sub(scaled, s->avg_s)));
	s->variance_s = s->count < 2 ? -1 : rt_div64(s->m2, s->count - 1);
}

void rt_stat_add(const struct rt_stat_desc *d, struct rt_stat *s, int64_t v)
{
	int64_t scaled = scale_up(v, d->bit_shift);
	int b;

	if (s->count == 0) {
		s->count = 1;
		s->sum = s->min = s->max = v;
		s->avg_s = scaled;
		s->m2 = 0;
	} else {
		s->count++;
		s->sum = wrap_add(s->sum, v);
		if (v > s->max)
			s->max = v;
		if (v < s->min)
			s->min = v;
		welford_update(s, scaled);
	}
	b = rt_hist_bucket(&d->hist, v);
	if (b >= 0)
		rt_stat_buckets(s)[b]++;
}

static const struct rt_stat *part_at(const void *parts, size_t stride, int i)
{
	return (const struct rt_stat *)((const char *)parts + (size_t)i * stride);
}

/* Between-partial plus within-partial squared deviations, over count - 1. */
static void merge_variance(const struct rt_stat_desc *d, const void *parts,
			   size_t stride, int nparts, struct rt_stat_result *r)
{
	int64_t between = 0, within = 0;

	for (int i = 0; i < nparts; i++) {
		const struct rt_stat *p = part_at(parts, stride, i);
		int64_t dev;

		if (p->count == 0)
			continue;
		dev = wrap_sub(p->avg_s, r->avg_s);
		between = wrap_add(between, wrap_mul(p->count, wrap_mul(dev, dev)));
		within = wrap_add(within, wrap_mul(p->count - 1, p->variance_s));
	}
	r->variance_s = rt_div64(wrap_add(between, within), r->count - 1);
	r->variance = scale_down(r->variance_s, 2 * d->bit_shift);
}

void rt_stat_merge(const struct rt_stat_desc *d, const void *parts,
		   size_t stride, int nparts, struct rt_stat_result *out,
		   int64_t *buckets)
{
	int nb = d->hist.nbuckets;

	memset(out, 0, sizeof(*out));
	if (buckets && nb > 0)
		memset(buckets, 0, (size_t)nb * sizeof(int64_t));
	for (int i = 0; i < nparts; i++) {
		const struct rt_stat *p = part_at(parts, stride, i);

		if (p->count == 0)
			continue;
		if (out->count == 0) {
			out->min = p->min;
			out->max = p->max;
		}
		out->count = wrap_add(out->count, p->count);
		out->sum = wrap_add(out->sum, p->sum);
		if (p->max > out->max)
			out->max = p->max;
		if (p->min < out->min)
			out->min = p->min;
		for (int k = 0; buckets && k < nb; k++)
			buckets[k] += rt_stat_buckets_const(p)[k];
	}
	out->avg_s = rt_div64(scale_up(out->sum, d->bit_shift), out->count);
	merge_variance(d, parts, stride, nparts, out);
}

int rt_stat_value(const struct rt_stat_result *r, enum rt_stat_op op,
		  int64_t *value)
{
	*value = 0;
	switch (op) {
	case RT_STAT_COUNT:
		*value = r->count;
		return RT_STAT_OK;
	case RT_STAT_SUM:
		*value = r->sum;
		return RT_STAT_OK;
	default:
		break;
	}
	if (r->count == 0)
		return RT_STAT_EMPTY;
	switch (op) {
	case RT_STAT_MIN:
		*value = r->min;
		break;
	case RT_STAT_MAX:
		*value = r->max;
		break;
	case RT_STAT_AVG:
		*value = rt_div64(r->sum, r->count);
		break;
	case RT_STAT_VARIANCE:
		*value = r->variance;
		break;
	default:
		break;
	}
	return RT_STAT_OK;
}

int rt_stat_print_hist(struct rt_sink *s, const struct rt_stat_desc *d,
		       const struct rt_stat_result *r, const int64_t *buckets)
{
	if (r->count == 0)
		return RT_STAT_EMPTY;
	return rt_hist_print(s, &d->hist, buckets) == 0 ? RT_STAT_OK : RT_STAT_EMPTY;
}

const char *rt_stat_strerror(int err)
{
	switch (err) {
	case RT_STAT_OK:
		return "success";
	case RT_STAT_EMPTY:
		return "empty aggregate";
	default:
		return "unknown statistics error";
	}
}
