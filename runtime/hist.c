/* Histogram bucketing and printing with SystemTap's exact layout. */
#include "hist.h"
#include "btap_stats_core.h"

#define RT_INT64_MIN (-9223372036854775807LL - 1)

/* start + k * interval, wrapping like the kernel's arithmetic. */
static int64_t linear_point(const struct rt_hist_desc *h, int64_t k)
{
	return (int64_t)((uint64_t)h->start + (uint64_t)k * (uint64_t)h->interval);
}

void rt_hist_init_none(struct rt_hist_desc *h)
{
	h->type = RT_HIST_NONE;
	h->start = h->stop = h->interval = 0;
	h->nbuckets = 0;
}

void rt_hist_init_log(struct rt_hist_desc *h)
{
	rt_hist_init_none(h);
	h->type = RT_HIST_LOG;
	h->nbuckets = RT_HIST_LOG_BUCKETS;
}

/* Bucket count as stap computes it: (stop - start) / interval regular
 * buckets plus underflow, overflow and the one the division truncates. */
int rt_hist_init_linear(struct rt_hist_desc *h, int64_t start, int64_t stop,
			int64_t interval, const char **msg)
{
	const int max_regular = RT_HIST_MAX_BUCKETS - 2;
	uint64_t span, q;

	rt_hist_init_none(h);
	if (interval <= 0) {
		if (msg)
			*msg = interval == 0 ? "histogram: interval cannot be zero"
					     : "histogram: interval must be positive";
		return -1;
	}
	if (stop >= start) {
		span = (uint64_t)stop - (uint64_t)start;
		q = span / (uint64_t)interval;
	} else {
		span = (uint64_t)start - (uint64_t)stop;
		q = span / (uint64_t)interval;
		if (q > 0) /* negative bucket count */
			q = (uint64_t)max_regular + 1;
	}
	if (q > (uint64_t)max_regular - 1) {
		if (msg)
			*msg = "histogram: number of buckets, (stop - start) / interval, "
			       "must be between 1 and 126";
		return -1;
	}
	h->type = RT_HIST_LINEAR;
	h->start = start;
	h->stop = stop;
	h->interval = interval;
	h->nbuckets = (int)q + 3;
	return 0;
}

int rt_hist_log_bucket(int64_t v)
{
	return btap_sc_log_bucket(v);
}

int64_t rt_hist_log_value(int bucket)
{
	if (bucket == RT_HIST_LOG_ZERO)
		return 0;
	if (bucket > RT_HIST_LOG_ZERO)
		return (int64_t)(1ULL << (bucket - RT_HIST_LOG_ZERO - 1));
	if (bucket <= 0)
		return RT_INT64_MIN;
	return -(int64_t)(1ULL << (63 - bucket));
}

int rt_hist_bucket(const struct rt_hist_desc *h, int64_t v)
{
	return btap_sc_hist_bucket(v, h->type, h->start, h->interval, h->nbuckets);
}

int rt_hist_bucket_range(const struct rt_hist_desc *h, int b, int64_t *lo, int64_t *hi)
{
	const int64_t max = 9223372036854775807LL;
	*lo = RT_INT64_MIN;
	*hi = max;
	if (h->type == RT_HIST_LOG) {
		if (b == RT_HIST_LOG_ZERO) {
			*lo = *hi = 0;
		} else if (b > RT_HIST_LOG_ZERO) {
			/* 2^k .. 2^(k+1) - 1; the last bucket ends at INT64_MAX */
			int k = b - RT_HIST_LOG_ZERO - 1;
			*lo = (int64_t)(1ULL << k);
			*hi = k >= 62 ? max : (int64_t)((1ULL << (k + 1)) - 1);
		} else if (b > 0) {
			/* the mirror: -(2^(k+1) - 1) .. -2^k; bucket 0 is INT64_MIN */
			int k = RT_HIST_LOG_ZERO - 1 - b;
			*hi = -(int64_t)(1ULL << k);
			*lo = k >= 62 ? -max : -(int64_t)((1ULL << (k + 1)) - 1);
		} else {
			*hi = RT_INT64_MIN;
		}
		return RT_HIST_LOW | RT_HIST_HIGH;
	}
	if (h->type != RT_HIST_LINEAR)
		return 0;
	if (b <= 0) {
		*hi = linear_point(h, 0) - 1;
		return RT_HIST_HIGH;
	}
	*lo = linear_point(h, b - 1);
	if (b >= h->nbuckets - 1)
		return RT_HIST_LOW;
	*hi = linear_point(h, b) - 1;
	return RT_HIST_LOW | RT_HIST_HIGH;
}

/* ---- printing ------------------------------------------------------------ */

/* Characters of v in decimal, sign included. */
static int decimal_width(int64_t v)
{
	uint64_t mag = v < 0 ? 0 - (uint64_t)v : (uint64_t)v;
	int n = v < 0 ? 1 : 0;

	do {
		n++;
		mag /= 10;
	} while (mag != 0);
	return n;
}

struct hist_layout {
	int low, high;   /* printed bucket range */
	int under, over; /* linear: underflow/overflow rows shown */
	int64_t valmax;
	int64_t scale;   /* counts per '@' */
	int val_space, cnt_space;
};

/* Range of non-empty buckets; returns 0 when all are empty. */
static int find_data(const struct rt_hist_desc *h, const int64_t *b,
		     struct hist_layout *L)
{
	L->low = -1;
	L->high = 0;
	L->valmax = 0;
	for (int i = 0; i < h->nbuckets; i++) {
		if (b[i] > 0) {
			if (L->low < 0)
				L->low = i;
			L->high = i;
		}
		if (b[i] > L->valmax)
			L->valmax = b[i];
	}
	return L->low >= 0;
}

/* Show up to two empty rows on each side of the data; a log histogram only
 * reaches below the 0 bucket when there are negative values, a linear one
 * shows its underflow/overflow rows only when they count something. */
static void widen_range(const struct rt_hist_desc *h, const int64_t *b,
			struct hist_layout *L)
{
	for (int i = 0; i < RT_HIST_ELISION; i++) {
		if (h->type == RT_HIST_LOG) {
			if (L->low != RT_HIST_LOG_ZERO && L->low > 0)
				L->low--;
		} else if (L->low > 0) {
			L->low--;
		}
		if (L->high < h->nbuckets - 1)
			L->high++;
	}
	L->under = L->over = 0;
	if (h->type != RT_HIST_LINEAR)
		return;
	if (L->low == 0 && b[0] == 0)
		L->low++;
	if (L->high == h->nbuckets - 1 && b[L->high] == 0)
		L->high--;
	L->under = L->low == 0;
	L->over = L->high == h->nbuckets - 1;
}

static int max_int(int a, int b)
{
	return a > b ? a : b;
}

/* Width of the value column. For linear histograms stap sizes it from
 * start + interval * high (one interval more than the last label). */
static void size_columns(const struct rt_hist_desc *h, struct hist_layout *L)
{
	L->scale = L->valmax <= RT_HIST_WIDTH
			   ? 1
			   : (L->valmax + RT_HIST_WIDTH - 1) / RT_HIST_WIDTH;
	L->cnt_space = decimal_width(L->valmax);
	if (h->type == RT_HIST_LINEAR)
		L->val_space = max_int(decimal_width(h->start) + L->under,
				       decimal_width(linear_point(h, L->high)) +
					       L->over);
	else
		L->val_space = max_int(decimal_width(rt_hist_log_value(L->high)),
				       decimal_width(rt_hist_log_value(L->low)));
	L->val_space = max_int(L->val_space, 5 /* "value" */);
}

static void put_spaces(struct rt_sink *s, int n)
{
	if (n > 0)
		rt_sink_fill(s, ' ', (size_t)n);
}

static void put_header(struct rt_sink *s, const struct hist_layout *L)
{
	put_spaces(s, L->val_space - 5);
	rt_sink_put(s, "value |", 7);
	rt_sink_fill(s, '-', RT_HIST_WIDTH);
	rt_sink_put(s, " count\n", 7);
}

/* A row is elided when it and its neighbours within RT_HIST_ELISION rows
 * (inside the printed range) are all empty. */
static int row_elided(const struct rt_hist_desc *h, const int64_t *b,
		      const struct hist_layout *L, int i)
{
	int reach = RT_HIST_ELISION < h->nbuckets ? RT_HIST_ELISION : h->nbuckets;
	int from = i - reach > L->low ? i - reach : L->low;
	int to = i + reach < L->high ? i + reach : L->high;

	for (int k = from; k <= to; k++)
		if (b[k] != 0)
			return 0;
	return 1;
}

static void put_label(struct rt_sink *s, const struct rt_hist_desc *h,
		      const struct hist_layout *L, int i)
{
	const char *prefix = "";
	int64_t val;

	if (h->type == RT_HIST_LINEAR) {
		if (i == 0) {
			val = h->start;
			prefix = "<";
		} else if (i == h->nbuckets - 1) {
			val = linear_point(h, i - 2);
			prefix = ">";
		} else {
			val = linear_point(h, i - 1);
		}
	} else {
		val = rt_hist_log_value(i);
	}
	put_spaces(s, L->val_space - decimal_width(val) - (*prefix ? 1 : 0));
	if (*prefix)
		rt_sink_put(s, prefix, 1);
	rt_sink_number(s, RT_FMT_SIGNED, 0, RT_FMT_UNSET, RT_FMT_UNSET, val);
	rt_sink_put(s, " |", 2);
}

static void put_row(struct rt_sink *s, const struct rt_hist_desc *h,
		    const int64_t *b, const struct hist_layout *L, int i)
{
	int64_t bar = b[i] / L->scale;

	put_label(s, h, L, i);
	if (bar > 0)
		rt_sink_fill(s, '@', (size_t)bar);
	rt_sink_number(s, RT_FMT_SIGNED, 0,
		       (int)(RT_HIST_WIDTH - bar + 1 + L->cnt_space), RT_FMT_UNSET,
		       b[i]);
	rt_sink_put(s, "\n", 1);
}

int rt_hist_print(struct rt_sink *s, const struct rt_hist_desc *h,
		  const int64_t *buckets)
{
	struct hist_layout L;
	int eliding = 0;

	if (h->type == RT_HIST_NONE || h->nbuckets <= 0 ||
	    !find_data(h, buckets, &L))
		return -1;
	widen_range(h, buckets, &L);
	size_columns(h, &L);
	put_header(s, &L);
	for (int i = L.low; i <= L.high; i++) {
		if (row_elided(h, buckets, &L, i)) {
			eliding = 1;
			continue;
		}
		if (eliding) {
			put_spaces(s, L.val_space);
			rt_sink_put(s, " ~\n", 3);
			eliding = 0;
		}
		put_row(s, h, buckets, &L, i);
	}
	rt_sink_put(s, "\n", 1);
	return 0;
}

size_t rt_hist_format(char *buf, size_t bufsz, const struct rt_hist_desc *h,
		      const int64_t *buckets)
{
	struct rt_sink s;

	rt_sink_init_buf(&s, buf, bufsz > 0 ? bufsz - 1 : 0);
	rt_hist_print(&s, h, buckets);
	if (buf && bufsz > 0)
		buf[s.pos] = '\0';
	return s.total;
}
