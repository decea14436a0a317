/* JSON text (runtime/json.c) and histogram bucket ranges (the buckets of
 * --format=json and --metrics), against what a value actually lands in. */
#include <stdint.h>
#include <string.h>

#include "check.h"
#include "runtime/json.h"
#include "runtime/hist.h"

static const char *json_of(const char *bytes, size_t n)
{
	static char buf[256];
	struct rt_sink s;
	rt_sink_init_buf(&s, buf, sizeof(buf) - 1);
	rt_json_string(&s, bytes, n);
	buf[s.pos] = '\0';
	return buf;
}

#define JSON_LIT(lit) json_of(lit, sizeof(lit) - 1)

static void test_strings(void)
{
	CHECK_STR(JSON_LIT(""), "\"\"");
	CHECK_STR(JSON_LIT("plain text 123"), "\"plain text 123\"");
	CHECK_STR(JSON_LIT("q\"b\\s/"), "\"q\\\"b\\\\s/\"");
	CHECK_STR(JSON_LIT("a\nb\tc\rd"), "\"a\\nb\\tc\\rd\"");
	CHECK_STR(JSON_LIT("\x01\x1f\x7f"), "\"\\u0001\\u001f\x7f\"");
	CHECK_STR(JSON_LIT("nul\0in"), "\"nul\\u0000in\"");
	/* valid UTF-8 is kept: 2, 3 and 4 bytes */
	CHECK_STR(JSON_LIT("caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80"),
		  "\"caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80\"");
	/* invalid bytes become their Latin-1 reading */
	CHECK_STR(JSON_LIT("\xff"), "\"\\u00ff\"");
	CHECK_STR(JSON_LIT("a\xc3"), "\"a\\u00c3\"");             /* cut sequence */
	CHECK_STR(JSON_LIT("\xc0\xaf"), "\"\\u00c0\\u00af\"");     /* overlong */
	CHECK_STR(JSON_LIT("\xed\xa0\x80"), "\"\\u00ed\\u00a0\\u0080\""); /* surrogate */
	CHECK_STR(JSON_LIT("\xf4\x90\x80\x80"), "\"\\u00f4\\u0090\\u0080\\u0080\""); /* > U+10FFFF */
	CHECK_STR(JSON_LIT("\xe2\x82"), "\"\\u00e2\\u0082\"");
}

static void test_numbers(void)
{
	char buf[64];
	struct rt_sink s;
	rt_sink_init_buf(&s, buf, sizeof(buf) - 1);
	rt_json_long(&s, -9223372036854775807LL - 1);
	rt_sink_put(&s, " ", 1);
	rt_json_long(&s, 0);
	rt_sink_put(&s, " ", 1);
	rt_json_cstring(&s, NULL);
	rt_sink_put(&s, " ", 1);
	rt_json_member(&s, "k");
	buf[s.pos] = '\0';
	CHECK_STR(buf, "-9223372036854775808 0 null \"k\":");
}

/* Every bucket's bounds land in it, and the values just outside do not
 * (an unbounded end is not a value: the bucketer's arithmetic wraps). */
static void check_ranges(const struct rt_hist_desc *h)
{
	int bad = 0;
	for (int b = 0; b < h->nbuckets; b++) {
		int64_t lo, hi;
		int ends = rt_hist_bucket_range(h, b, &lo, &hi);
		if (lo > hi || ((ends & RT_HIST_LOW) && rt_hist_bucket(h, lo) != b) ||
		    ((ends & RT_HIST_HIGH) && rt_hist_bucket(h, hi) != b))
			bad++;
		if ((ends & RT_HIST_LOW) && lo > INT64_MIN && rt_hist_bucket(h, lo - 1) == b)
			bad++;
		if ((ends & RT_HIST_HIGH) && hi < INT64_MAX && rt_hist_bucket(h, hi + 1) == b)
			bad++;
	}
	CHECK(bad == 0);
}

static void test_bucket_ranges(void)
{
	struct rt_hist_desc h;
	int64_t lo, hi;
	rt_hist_init_log(&h);
	check_ranges(&h);
	CHECK(rt_hist_bucket_range(&h, RT_HIST_LOG_ZERO, &lo, &hi) == (RT_HIST_LOW | RT_HIST_HIGH));
	CHECK(lo == 0 && hi == 0);
	rt_hist_bucket_range(&h, RT_HIST_LOG_ZERO + 3, &lo, &hi);
	CHECK(lo == 4 && hi == 7);
	rt_hist_bucket_range(&h, RT_HIST_LOG_ZERO - 3, &lo, &hi);
	CHECK(lo == -7 && hi == -4);
	rt_hist_bucket_range(&h, 127, &lo, &hi);
	CHECK(hi == INT64_MAX);
	rt_hist_bucket_range(&h, 0, &lo, &hi);
	CHECK(lo == INT64_MIN && hi == INT64_MIN);

	CHECK(rt_hist_init_linear(&h, 0, 10, 2, NULL) == 0);
	check_ranges(&h);
	CHECK(rt_hist_bucket_range(&h, 0, &lo, &hi) == RT_HIST_HIGH && hi == -1);
	CHECK(rt_hist_bucket_range(&h, 1, &lo, &hi) == (RT_HIST_LOW | RT_HIST_HIGH));
	CHECK(lo == 0 && hi == 1);
	CHECK(rt_hist_bucket_range(&h, h.nbuckets - 1, &lo, &hi) == RT_HIST_LOW && lo == 12);
	CHECK(rt_hist_init_linear(&h, -100, 250, 7, NULL) == 0);
	check_ranges(&h);
}

int main(void)
{
	test_strings();
	test_numbers();
	test_bucket_ranges();
	return CHECK_DONE();
}
