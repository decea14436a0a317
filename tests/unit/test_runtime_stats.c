/* Statistics and histograms: stap's integer aggregate arithmetic, bucketing,
 * and the exact ASCII layout of printed histograms. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "translator/util.h"
#include "runtime/stats.h"

/* ---- expected histogram text --------------------------------------------- */

/* SystemTap Language Reference, "@hist_linear": 1650 network reads of 0 to
 * 200 bytes, 8 of 200 to 400 and 1 of 1400 to 1600, with
 * print(@hist_linear(reads, 0, 10240, 200)). The manual's rendering lost the
 * leading spaces of the value column; they are restored here. */
static const char expect_langref_linear[] =
	"value |-------------------------------------------------- count\n"
	"    0 |@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@ 1650\n"
	"  200 |                                                      8\n"
	"  400 |                                                      0\n"
	"  600 |                                                      0\n"
	"      ~\n"
	" 1000 |                                                      0\n"
	" 1200 |                                                      0\n"
	" 1400 |                                                      1\n"
	" 1600 |                                                      0\n"
	" 1800 |                                                      0\n"
	"\n";

/* stap output of print(@hist_log(histogram)) over packet lengths, as
 * published with the nethist.stp example (IBM developerWorks, "Linux
 * introspection and SystemTap"), verbatim. */
static const char expect_nethist_log[] =
	"value |-------------------------------------------------- count\n"
	"    8 |                                                      0\n"
	"   16 |                                                      0\n"
	"   32 |@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@            1601\n"
	"   64 |@                                                    52\n"
	"  128 |@                                                    46\n"
	"  256 |@@@@                                                164\n"
	"  512 |@@@                                                 140\n"
	" 1024 |@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@  2033\n"
	" 2048 |                                                      0\n"
	" 4096 |                                                      0\n"
	"\n";

static const char expect_zero_only[] =
	"value |-------------------------------------------------- count\n"
	"    0 |@                                                  1\n"
	"    1 |                                                   0\n"
	"    2 |                                                   0\n"
	"\n";

static const char expect_negatives[] =
	"value |-------------------------------------------------- count\n"
	"  -16 |                                                   0\n"
	"   -8 |                                                   0\n"
	"   -4 |@@                                                 2\n"
	"   -2 |                                                   0\n"
	"   -1 |@                                                  1\n"
	"    0 |                                                   0\n"
	"    1 |                                                   0\n"
	"    2 |@                                                  1\n"
	"    4 |                                                   0\n"
	"    8 |                                                   0\n"
	"\n";

static const char expect_linear_under_over[] =
	"value |-------------------------------------------------- count\n"
	"   <0 |@                                                  1\n"
	"    0 |@                                                  1\n"
	"   10 |                                                   0\n"
	"   20 |                                                   0\n"
	"   30 |                                                   0\n"
	"   40 |                                                   0\n"
	"   50 |@                                                  1\n"
	"   60 |                                                   0\n"
	"   70 |                                                   0\n"
	"   80 |                                                   0\n"
	"   90 |                                                   0\n"
	"  100 |@@                                                 2\n"
	" >100 |@@                                                 2\n"
	"\n";

static const char expect_linear_elided[] =
	"value |-------------------------------------------------- count\n"
	"    0 |@                                                  1\n"
	"   10 |                                                   0\n"
	"   20 |                                                   0\n"
	"      ~\n"
	"  970 |                                                   0\n"
	"  980 |                                                   0\n"
	"  990 |@                                                  1\n"
	" 1000 |                                                   0\n"
	"\n";

static const char expect_linear_negative[] =
	"value |-------------------------------------------------- count\n"
	" <-20 |@@                                                 2\n"
	"  -20 |                                                   0\n"
	"  -15 |                                                   0\n"
	"  -10 |                                                   0\n"
	"   -5 |@                                                  1\n"
	"    0 |                                                   0\n"
	"    5 |@                                                  1\n"
	"   10 |                                                   0\n"
	"   15 |@                                                  1\n"
	"   20 |                                                   0\n"
	"\n";

static const char expect_log_wide[] =
	"      value |-------------------------------------------------- count\n"
	"  536870912 |                                                         0\n"
	" 1073741824 |                                                         0\n"
	" 2147483648 |                                                        10\n"
	" 4294967296 |@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@  1234567\n"
	" 8589934592 |                                                         0\n"
	"17179869184 |                                                         0\n"
	"\n";

static const char expect_log_min[] =
	"               value |-------------------------------------------------- count\n"
	"-9223372036854775808 |@                                                  1\n"
	"-4611686018427387904 |                                                   0\n"
	"-2305843009213693952 |                                                   0\n"
	"\n";

/* ---- helpers ---------------------------------------------------------------- */

#define NCPU 4

/* NCPU partials laid out as a per-CPU map value array. */
struct percpu {
	struct rt_stat_desc desc;
	size_t stride;
	char *mem;
};

static void percpu_init(struct percpu *p, const struct rt_stat_desc *d)
{
	p->desc = *d;
	p->stride = rt_stat_size(d);
	p->mem = calloc(NCPU, p->stride);
	for (int i = 0; i < NCPU; i++)
		rt_stat_clear(d, (struct rt_stat *)(p->mem + i * p->stride));
}

static void percpu_add(struct percpu *p, int cpu, int64_t v)
{
	rt_stat_add(&p->desc, (struct rt_stat *)(p->mem + cpu * p->stride), v);
}

static void percpu_merge(struct percpu *p, struct rt_stat_result *r, int64_t *buckets)
{
	rt_stat_merge(&p->desc, p->mem, p->stride, NCPU, r, buckets);
}

static void percpu_free(struct percpu *p)
{
	free(p->mem);
}

static int64_t stat_value(const struct rt_stat_result *r, enum rt_stat_op op)
{
	int64_t v = -12345;
	CHECK(rt_stat_value(r, op, &v) == RT_STAT_OK);
	return v;
}

/* A single partial holding vals. */
static void stat_of(const int64_t *vals, int n, int shift, struct rt_stat_result *r)
{
	struct rt_stat_desc d;
	struct rt_stat s;

	rt_stat_desc_init(&d, shift);
	rt_stat_clear(&d, &s);
	for (int i = 0; i < n; i++)
		rt_stat_add(&d, &s, vals[i]);
	rt_stat_merge(&d, &s, sizeof(s), 1, r, NULL);
}

static void sb_write(void *ctx, const char *data, size_t len)
{
	sb_putn(ctx, data, len);
}

/* Print a histogram through a write callback into a growable buffer. */
static char *print_hist(const struct rt_hist_desc *h, const int64_t *buckets, int *rc)
{
	struct strbuf sb;
	char scratch[64];
	struct rt_sink s;

	sb_init(&sb);
	rt_sink_init_fn(&s, scratch, sizeof(scratch), sb_write, &sb);
	*rc = rt_hist_print(&s, h, buckets);
	rt_sink_flush(&s);
	return sb_steal(&sb);
}

static void check_hist(const struct rt_hist_desc *h, const int64_t *buckets,
		       const char *want)
{
	int rc;
	char *got = print_hist(h, buckets, &rc);

	CHECK(rc == 0);
	CHECK_STR(got, want);
	/* the fixed-buffer form agrees and reports the full length */
	{
		size_t len = strlen(want);
		char *buf = malloc(len + 1);
		CHECK(rt_hist_format(buf, len + 1, h, buckets) == len);
		CHECK_STR(buf, want);
		CHECK(rt_hist_format(buf, 8, h, buckets) == len);
		CHECK(strlen(buf) == 7 && memcmp(buf, want, 7) == 0);
		free(buf);
	}
	free(got);
}

/* ---- statistics ----------------------------------------------------------- */

static void test_div64(void)
{
	CHECK(rt_div64(7, 2) == 3);
	CHECK(rt_div64(-7, 2) == -3); /* truncation toward zero */
	CHECK(rt_div64(7, 0) == 0);
	CHECK(rt_div64(INT64_MIN, -1) == INT64_MIN);
	CHECK(rt_div64(5, -1) == -5);
}

static void test_empty(void)
{
	struct rt_stat_result r;
	int64_t v = 99;
	struct rt_stat_desc d;
	struct percpu p;
	int64_t buckets[RT_HIST_LOG_BUCKETS];
	struct rt_sink s;
	char buf[16];

	stat_of(NULL, 0, 0, &r);
	CHECK(rt_stat_value(&r, RT_STAT_COUNT, &v) == RT_STAT_OK && v == 0);
	CHECK(rt_stat_value(&r, RT_STAT_SUM, &v) == RT_STAT_OK && v == 0);
	CHECK(rt_stat_value(&r, RT_STAT_MIN, &v) == RT_STAT_EMPTY);
	CHECK(rt_stat_value(&r, RT_STAT_MAX, &v) == RT_STAT_EMPTY);
	CHECK(rt_stat_value(&r, RT_STAT_AVG, &v) == RT_STAT_EMPTY);
	CHECK(rt_stat_value(&r, RT_STAT_VARIANCE, &v) == RT_STAT_EMPTY);
	CHECK_STR(rt_stat_strerror(RT_STAT_EMPTY), "empty aggregate");

	rt_stat_desc_init(&d, 0);
	rt_hist_init_log(&d.hist);
	percpu_init(&p, &d);
	percpu_merge(&p, &r, buckets);
	rt_sink_init_buf(&s, buf, sizeof(buf));
	CHECK(rt_stat_print_hist(&s, &d, &r, buckets) == RT_STAT_EMPTY);
	CHECK(s.total == 0);
	CHECK(rt_hist_print(&s, &d.hist, buckets) == -1);
	CHECK(rt_hist_format(buf, sizeof(buf), &d.hist, buckets) == 0 && buf[0] == 0);
	percpu_free(&p);
}

static void test_single_values(void)
{
	struct rt_stat_result r;
	int64_t one = 42, neg = -7;

	stat_of(&one, 1, 0, &r);
	CHECK(stat_value(&r, RT_STAT_COUNT) == 1);
	CHECK(stat_value(&r, RT_STAT_SUM) == 42);
	CHECK(stat_value(&r, RT_STAT_MIN) == 42);
	CHECK(stat_value(&r, RT_STAT_MAX) == 42);
	CHECK(stat_value(&r, RT_STAT_AVG) == 42);
	CHECK(stat_value(&r, RT_STAT_VARIANCE) == 0);
	stat_of(&neg, 1, 3, &r);
	CHECK(stat_value(&r, RT_STAT_AVG) == -7);
	CHECK(stat_value(&r, RT_STAT_MIN) == -7 && stat_value(&r, RT_STAT_MAX) == -7);
	CHECK(stat_value(&r, RT_STAT_VARIANCE) == 0);
}

/* Expected variances worked by hand from stap's update and merge rules. */
static void test_variance(void)
{
	static const int64_t one_to_five[] = {1, 2, 3, 4, 5};
	static const int64_t pm10[] = {-10, 10};
	static const int64_t big_jump[] = {0, 5000000000LL};
	struct rt_stat_result r;

	/* Without scaling the running average never moves off 1 (2/2, 3/3,
	 * 4/4 truncate to 0): m2 = 1+4+9+16 = 30, partial variance 30/4 = 7,
	 * merged (5*(1-3)^2 + 4*7) / 4 = 12. */
	stat_of(one_to_five, 5, 0, &r);
	CHECK(stat_value(&r, RT_STAT_SUM) == 15);
	CHECK(stat_value(&r, RT_STAT_AVG) == 3);
	CHECK(stat_value(&r, RT_STAT_VARIANCE) == 12);
	/* Scaled by 16 the average tracks exactly: variance_s 2560/4 = 640,
	 * and 640 >> 8 = 2. */
	stat_of(one_to_five, 5, 4, &r);
	CHECK(r.variance_s == 640);
	CHECK(stat_value(&r, RT_STAT_VARIANCE) == 2);
	CHECK(stat_value(&r, RT_STAT_AVG) == 3);
	/* negative numbers */
	stat_of(pm10, 2, 0, &r);
	CHECK(stat_value(&r, RT_STAT_SUM) == 0);
	CHECK(stat_value(&r, RT_STAT_AVG) == 0);
	CHECK(stat_value(&r, RT_STAT_MIN) == -10);
	CHECK(stat_value(&r, RT_STAT_MAX) == 10);
	CHECK(stat_value(&r, RT_STAT_VARIANCE) == 200);
	/* stap truncates Welford's delta to 32 bits and wraps: this is the
	 * number it prints for these two values. */
	stat_of(big_jump, 2, 0, &r);
	CHECK(stat_value(&r, RT_STAT_AVG) == 2500000000LL);
	CHECK(stat_value(&r, RT_STAT_VARIANCE) == -5946744073709551616LL);
}

static void test_avg_truncates(void)
{
	static const int64_t neg[] = {-1, -2};
	static const int64_t pos[] = {1, 2};
	static const int64_t mixed[] = {-9, 2};
	struct rt_stat_result r;

	stat_of(neg, 2, 0, &r);
	CHECK(stat_value(&r, RT_STAT_AVG) == -1);
	stat_of(pos, 2, 0, &r);
	CHECK(stat_value(&r, RT_STAT_AVG) == 1);
	stat_of(mixed, 2, 0, &r);
	CHECK(stat_value(&r, RT_STAT_AVG) == -3);
}

/* Partials {1,2,3}, {10}, {}, {4,6}: avg_s 1, 10, -, 5 and variance_s 2, 0,
 * -, 2. Merged: avg_s 26/6 = 4, between = 3*9 + 36 + 2*1 = 65, within =
 * 2*2 + 1*2 = 6, variance (65+6)/5 = 14. */
static void test_percpu_merge(void)
{
	struct rt_stat_desc d;
	struct percpu p;
	struct rt_stat_result r;
	int64_t buckets[RT_HIST_LOG_BUCKETS];

	rt_stat_desc_init(&d, 0);
	rt_hist_init_log(&d.hist);
	CHECK(rt_stat_size(&d) == sizeof(struct rt_stat) + 128 * 8);
	percpu_init(&p, &d);
	percpu_add(&p, 0, 1);
	percpu_add(&p, 0, 2);
	percpu_add(&p, 0, 3);
	percpu_add(&p, 1, 10);
	percpu_add(&p, 3, 4);
	percpu_add(&p, 3, 6);
	percpu_merge(&p, &r, buckets);
	CHECK(stat_value(&r, RT_STAT_COUNT) == 6);
	CHECK(stat_value(&r, RT_STAT_SUM) == 26);
	CHECK(stat_value(&r, RT_STAT_MIN) == 1);
	CHECK(stat_value(&r, RT_STAT_MAX) == 10);
	CHECK(stat_value(&r, RT_STAT_AVG) == 4);
	CHECK(stat_value(&r, RT_STAT_VARIANCE) == 14);
	/* histogram: 1 -> bucket 65, 2 3 -> 66, 4 6 -> 67, 10 -> 68 */
	CHECK(buckets[65] == 1 && buckets[66] == 2 && buckets[67] == 2 && buckets[68] == 1);
	CHECK(buckets[64] == 0 && buckets[69] == 0);
	/* the partial records themselves */
	{
		const struct rt_stat *cpu0 = (const struct rt_stat *)p.mem;
		CHECK(cpu0->count == 3 && cpu0->avg_s == 1 && cpu0->variance_s == 2);
		CHECK(rt_stat_buckets_const(cpu0)[66] == 2);
	}
	/* merging with NULL buckets is allowed */
	percpu_merge(&p, &r, NULL);
	CHECK(r.count == 6);
	/* a cleared partial contributes nothing */
	rt_stat_clear(&d, (struct rt_stat *)p.mem);
	percpu_merge(&p, &r, buckets);
	CHECK(r.count == 3 && r.min == 4 && r.max == 10 && buckets[66] == 0);
	percpu_free(&p);
}

static void test_min_max_negative(void)
{
	static const int64_t vals[] = {-5, INT64_MIN, 3, INT64_MAX, -1};
	struct rt_stat_result r;

	stat_of(vals, 5, 0, &r);
	CHECK(stat_value(&r, RT_STAT_MIN) == INT64_MIN);
	CHECK(stat_value(&r, RT_STAT_MAX) == INT64_MAX);
	CHECK(stat_value(&r, RT_STAT_COUNT) == 5);
	CHECK(stat_value(&r, RT_STAT_SUM) == -4); /* wraps like stap */
}

/* ---- bucketing -------------------------------------------------------------- */

static void test_log_buckets(void)
{
	struct rt_hist_desc h;

	rt_hist_init_log(&h);
	CHECK(h.nbuckets == 128);
	CHECK(rt_hist_bucket(&h, 0) == 64);
	CHECK(rt_hist_bucket(&h, 1) == 65);
	CHECK(rt_hist_bucket(&h, 2) == 66 && rt_hist_bucket(&h, 3) == 66);
	CHECK(rt_hist_bucket(&h, 4) == 67 && rt_hist_bucket(&h, 7) == 67);
	CHECK(rt_hist_bucket(&h, 1024) == 75 && rt_hist_bucket(&h, 2047) == 75);
	CHECK(rt_hist_bucket(&h, INT64_MAX) == 127);
	CHECK(rt_hist_bucket(&h, -1) == 63);
	CHECK(rt_hist_bucket(&h, -2) == 62 && rt_hist_bucket(&h, -3) == 62);
	CHECK(rt_hist_bucket(&h, -4) == 61);
	CHECK(rt_hist_bucket(&h, -INT64_MAX) == 1);
	CHECK(rt_hist_bucket(&h, INT64_MIN) == 0);
	CHECK(rt_hist_log_value(64) == 0);
	CHECK(rt_hist_log_value(65) == 1);
	CHECK(rt_hist_log_value(75) == 1024);
	CHECK(rt_hist_log_value(127) == (int64_t)1 << 62);
	CHECK(rt_hist_log_value(63) == -1);
	CHECK(rt_hist_log_value(61) == -4);
	CHECK(rt_hist_log_value(1) == -((int64_t)1 << 62));
	CHECK(rt_hist_log_value(0) == INT64_MIN);
}

static void test_linear_buckets(void)
{
	struct rt_hist_desc h;
	const char *msg = NULL;

	CHECK(rt_hist_init_linear(&h, 0, 100, 10, &msg) == 0);
	CHECK(h.nbuckets == 13);
	CHECK(rt_hist_bucket(&h, -1) == 0);
	CHECK(rt_hist_bucket(&h, INT64_MIN) == 0);
	CHECK(rt_hist_bucket(&h, 0) == 1 && rt_hist_bucket(&h, 9) == 1);
	CHECK(rt_hist_bucket(&h, 10) == 2);
	CHECK(rt_hist_bucket(&h, 99) == 10);
	CHECK(rt_hist_bucket(&h, 100) == 11 && rt_hist_bucket(&h, 109) == 11);
	CHECK(rt_hist_bucket(&h, 110) == 12);
	CHECK(rt_hist_bucket(&h, INT64_MAX) == 12);
	/* a stop that is not a multiple of the interval */
	CHECK(rt_hist_init_linear(&h, 0, 10, 3, NULL) == 0);
	CHECK(h.nbuckets == 6);
	CHECK(rt_hist_bucket(&h, 11) == 4 && rt_hist_bucket(&h, 12) == 5);
	/* negative range */
	CHECK(rt_hist_init_linear(&h, -20, 20, 5, NULL) == 0);
	CHECK(rt_hist_bucket(&h, -21) == 0 && rt_hist_bucket(&h, -20) == 1);
	CHECK(rt_hist_bucket(&h, -1) == 4 && rt_hist_bucket(&h, 0) == 5);
	/* descriptor validation */
	CHECK(rt_hist_init_linear(&h, 0, 10, 0, &msg) == -1);
	CHECK_STR(msg, "histogram: interval cannot be zero");
	CHECK(rt_hist_init_linear(&h, 0, 10, -1, &msg) == -1);
	CHECK(rt_hist_init_linear(&h, 0, 1000, 1, &msg) == -1);
	CHECK(msg && strstr(msg, "between 1 and 126") != NULL);
	CHECK(rt_hist_init_linear(&h, 0, 125, 1, NULL) == 0 && h.nbuckets == 128);
	CHECK(rt_hist_init_linear(&h, 0, 126, 1, NULL) == -1);
	CHECK(rt_hist_init_linear(&h, 10, 0, 1, NULL) == -1);
	CHECK(rt_hist_init_linear(&h, 0, 10, 20, NULL) == 0 && h.nbuckets == 3);
	CHECK(rt_hist_init_linear(&h, 5, 5, 1, NULL) == 0 && h.nbuckets == 3);
	CHECK(rt_hist_init_linear(&h, INT64_MIN, INT64_MAX, 1, NULL) == -1);
}

/* ---- printing ---------------------------------------------------------------- */

static void test_print_langref_linear(void)
{
	struct rt_stat_desc d;
	struct percpu p;
	struct rt_stat_result r;
	int64_t buckets[64];
	int i, rc;

	rt_stat_desc_init(&d, 0);
	CHECK(rt_hist_init_linear(&d.hist, 0, 10240, 200, NULL) == 0);
	CHECK(d.hist.nbuckets == 54);
	percpu_init(&p, &d);
	for (i = 0; i < 1650; i++)
		percpu_add(&p, i % NCPU, i % 200);
	for (i = 0; i < 8; i++)
		percpu_add(&p, i % NCPU, 200 + 20 * i);
	percpu_add(&p, 2, 1500);
	percpu_merge(&p, &r, buckets);
	check_hist(&d.hist, buckets, expect_langref_linear);
	{
		struct strbuf sb;
		char scratch[16];
		struct rt_sink s;

		sb_init(&sb);
		rt_sink_init_fn(&s, scratch, sizeof(scratch), sb_write, &sb);
		rc = rt_stat_print_hist(&s, &d, &r, buckets);
		rt_sink_flush(&s);
		sb_putn(&sb, "", 0);
		CHECK(rc == RT_STAT_OK);
		CHECK_STR(sb.s, expect_langref_linear);
		sb_free(&sb);
	}
	percpu_free(&p);
}

static void test_print_nethist_log(void)
{
	static const struct {
		int64_t len;
		int n;
	} packets[] = {{32, 1601}, {64, 52}, {128, 46}, {256, 164}, {512, 140}, {1024, 2033}};
	struct rt_stat_desc d;
	struct percpu p;
	struct rt_stat_result r;
	int64_t buckets[RT_HIST_LOG_BUCKETS];
	int cpu = 0;

	rt_stat_desc_init(&d, 0);
	rt_hist_init_log(&d.hist);
	percpu_init(&p, &d);
	for (size_t k = 0; k < sizeof(packets) / sizeof(packets[0]); k++)
		for (int i = 0; i < packets[k].n; i++)
			percpu_add(&p, cpu++ % NCPU, packets[k].len + i % packets[k].len);
	percpu_merge(&p, &r, buckets);
	check_hist(&d.hist, buckets, expect_nethist_log);
	percpu_free(&p);
}

static void hist_of_log(const int64_t *vals, int n, int64_t *buckets)
{
	struct rt_hist_desc h;

	rt_hist_init_log(&h);
	memset(buckets, 0, RT_HIST_LOG_BUCKETS * sizeof(int64_t));
	for (int i = 0; i < n; i++)
		buckets[rt_hist_bucket(&h, vals[i])]++;
}

static void test_print_log_cases(void)
{
	static const int64_t zero[] = {0};
	static const int64_t negatives[] = {-1, -5, -5, 3};
	static const int64_t min[] = {INT64_MIN};
	struct rt_hist_desc h;
	int64_t b[RT_HIST_LOG_BUCKETS];

	rt_hist_init_log(&h);
	hist_of_log(zero, 1, b);
	check_hist(&h, b, expect_zero_only);
	hist_of_log(negatives, 4, b);
	check_hist(&h, b, expect_negatives);
	hist_of_log(min, 1, b);
	check_hist(&h, b, expect_log_min);
	/* large counts: the bar scales to 50 columns, the columns widen */
	memset(b, 0, sizeof(b));
	b[97] = 1234567;
	b[96] = 10;
	check_hist(&h, b, expect_log_wide);
}

static void linear_hist(int64_t start, int64_t stop, int64_t interval,
			const int64_t *vals, int n, const char *want)
{
	struct rt_hist_desc h;
	int64_t b[RT_HIST_MAX_BUCKETS];

	CHECK(rt_hist_init_linear(&h, start, stop, interval, NULL) == 0);
	memset(b, 0, sizeof(b));
	for (int i = 0; i < n; i++)
		b[rt_hist_bucket(&h, vals[i])]++;
	check_hist(&h, b, want);
}

static void test_print_linear_cases(void)
{
	static const int64_t under_over[] = {-5, 0, 55, 100, 105, 110, 1000};
	static const int64_t elided[] = {5, 995};
	static const int64_t negative[] = {-25, -25, -3, 7, 19};

	linear_hist(0, 100, 10, under_over, 7, expect_linear_under_over);
	linear_hist(0, 1000, 10, elided, 2, expect_linear_elided);
	linear_hist(-20, 20, 5, negative, 5, expect_linear_negative);
}

/* ---- the shared core (btap_stats_core.h), as kernel probes use it -------- */

/* A kernel probe's read: merge_part over the partials, then the variance
 * pass, exactly as btap_stat_get in runtime/bpf/btap_bpf.h runs them. */
static void core_read(const struct percpu *p, int shift, struct rt_stat_result *r)
{
	int64_t acc = 0;

	memset(r, 0, sizeof(*r));
	for (int i = 0; i < NCPU; i++)
		btap_sc_merge_part(r, (const struct rt_stat *)(p->mem + (size_t)i * p->stride));
	btap_sc_merge_avg(r, shift);
	for (int i = 0; i < NCPU; i++)
		btap_sc_variance_part(&acc, r, (const struct rt_stat *)(p->mem + (size_t)i * p->stride));
	btap_sc_variance_done(r, acc, shift);
}

static void test_core_div_and_buckets(void)
{
	CHECK(btap_sc_div(7, 2) == 3 && btap_sc_div(-7, 2) == -3 && btap_sc_div(7, -2) == -3);
	CHECK(btap_sc_div(-7, -2) == 3 && btap_sc_div(5, 0) == 0);
	CHECK(btap_sc_div(INT64_MIN, -1) == INT64_MIN);
	CHECK(btap_sc_div(INT64_MIN, 1) == INT64_MIN && btap_sc_div(INT64_MIN, 2) == INT64_MIN / 2);
	/* the halving log2 against the compiler's clz, over every bit width */
	for (int b = 0; b < 64; b++) {
		uint64_t v = 1ULL << b;
		CHECK(btap_sc_log2(v) == b);
		CHECK(btap_sc_log2(v | (v - 1)) == b);
		CHECK(btap_sc_log_bucket((int64_t)v) == rt_hist_log_bucket((int64_t)v));
	}
	CHECK(btap_sc_log_bucket(0) == 64 && btap_sc_log_bucket(1) == 65 && btap_sc_log_bucket(-1) == 63);
	CHECK(btap_sc_log_bucket(INT64_MIN) == 0 && btap_sc_log_bucket(INT64_MAX) == 127);
	/* linear(0, 100, 10): 13 buckets */
	CHECK(btap_sc_hist_bucket(-1, BTAP_SC_HIST_LINEAR, 0, 10, 13) == 0);
	CHECK(btap_sc_hist_bucket(0, BTAP_SC_HIST_LINEAR, 0, 10, 13) == 1);
	CHECK(btap_sc_hist_bucket(99, BTAP_SC_HIST_LINEAR, 0, 10, 13) == 10);
	CHECK(btap_sc_hist_bucket(100, BTAP_SC_HIST_LINEAR, 0, 10, 13) == 11);
	CHECK(btap_sc_hist_bucket(110, BTAP_SC_HIST_LINEAR, 0, 10, 13) == 12);
	CHECK(btap_sc_hist_bucket(INT64_MAX, BTAP_SC_HIST_LINEAR, 0, 10, 13) == 12);
	CHECK(btap_sc_hist_bucket(5, 0, 0, 0, 0) == -1);
}

/* The core's update is what rt_stat_add does, and its two-pass read gives
 * the runner's merge, for every shift and a spread over partials. */
static void test_core_matches_runner(void)
{
	static const int64_t vals[] = {3, 1, 4, 1, 5, 9, 2, 6, 5, 3, 5, 8, 9, 7, 9, 200, 0, -17, 1 << 30, -3};
	const int n = (int)(sizeof vals / sizeof vals[0]);

	for (int shift = 0; shift <= 8; shift += 4) {
		struct rt_stat_desc d;
		struct percpu p;
		struct rt_stat_result want, got;
		struct rt_stat one;

		rt_stat_desc_init(&d, shift);
		percpu_init(&p, &d);
		memset(&one, 0, sizeof one);
		for (int i = 0; i < n; i++) {
			percpu_add(&p, (i * 7) % 4, vals[i]);
			btap_sc_add(&one, vals[i], shift);
		}
		percpu_merge(&p, &want, NULL);
		core_read(&p, shift, &got);
		CHECK(memcmp(&want, &got, sizeof want) == 0);
		CHECK(got.count == n && got.min == -17 && got.max == 1 << 30);
		/* one partial fed through the core alone */
		rt_stat_clear(&d, (struct rt_stat *)p.mem);
		for (int c = 1; c < NCPU; c++)
			rt_stat_clear(&d, (struct rt_stat *)(p.mem + (size_t)c * p.stride));
		for (int i = 0; i < n; i++)
			percpu_add(&p, 0, vals[i]);
		CHECK(memcmp(p.mem, &one, sizeof one) == 0);
		percpu_free(&p);
	}
}

int main(void)
{
	test_div64();
	test_empty();
	test_single_values();
	test_variance();
	test_avg_truncates();
	test_percpu_merge();
	test_min_max_negative();
	test_log_buckets();
	test_linear_buckets();
	test_print_langref_linear();
	test_print_nethist_log();
	test_print_log_cases();
	test_print_linear_cases();
	test_core_div_and_buckets();
	test_core_matches_runner();
	return CHECK_DONE();
}
