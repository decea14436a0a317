/* Aggregates with SystemTap's integer arithmetic; see stats.h. The
 * arithmetic itself is btap_stats_core.h, shared with kernel probes. */
#include "stats.h"

#ifndef __KERNEL__
#include <string.h>
#endif

int64_t rt_div64(int64_t x, int64_t y)
{
	return btap_sc_div(x, y);
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

void rt_stat_add(const struct rt_stat_desc *d, struct rt_stat *s, int64_t v)
{
	int b;

	btap_sc_add(s, v, d->bit_shift);
	b = rt_hist_bucket(&d->hist, v);
	if (b >= 0)
		rt_stat_buckets(s)[b]++;
}

static const struct rt_stat *part_at(const void *parts, size_t stride, int i)
{
	return (const struct rt_stat *)((const char *)parts + (size_t)i * stride);
}

/* The two passes of btap_stats_core.h over the partials. */
void rt_stat_merge(const struct rt_stat_desc *d, const void *parts,
		   size_t stride, int nparts, struct rt_stat_result *out,
		   int64_t *buckets)
{
	int nb = d->hist.nbuckets;
	int64_t acc = 0;

	memset(out, 0, sizeof(*out));
	if (buckets && nb > 0)
		memset(buckets, 0, (size_t)nb * sizeof(int64_t));
	for (int i = 0; i < nparts; i++) {
		const struct rt_stat *p = part_at(parts, stride, i);

		if (p->count == 0)
			continue;
		btap_sc_merge_part(out, p);
		for (int k = 0; buckets && k < nb; k++)
			buckets[k] += rt_stat_buckets_const(p)[k];
	}
	btap_sc_merge_avg(out, d->bit_shift);
	for (int i = 0; i < nparts; i++)
		btap_sc_variance_part(&acc, out, part_at(parts, stride, i));
	btap_sc_variance_done(out, acc, d->bit_shift);
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
