/* The tapset's integer doubles (runtime/btap_softfloat.h) against this
 * machine's floating point unit: every operation bit for bit on special
 * values and on a few hundred thousand random operands, fp_to_string()
 * against printf's "%.*f", string_to_fp()'s conversion against strtod. */
#include <inttypes.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"

#define BTAP_INLINE inline
#define MAXSTRINGLEN 128
#include "runtime/btap_softfloat.h"

static uint64_t bits(double d)
{
	uint64_t u;
	memcpy(&u, &d, 8);
	return u;
}

static double dbl(uint64_t u)
{
	double d;
	memcpy(&d, &u, 8);
	return d;
}

static uint64_t rng = 0x9e3779b97f4a7c15ULL;
static uint64_t next(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

static const uint64_t specials[] = {
	0, BTAP_FP_SIGN, 0x3ff0000000000000ULL /* 1 */, 0xbff0000000000000ULL,
	BTAP_FP_INF, BTAP_FP_INF | BTAP_FP_SIGN, BTAP_FP_NAN, 0x7ff0000000000001ULL /* sNaN */,
	1 /* smallest subnormal */, 0x000fffffffffffffULL, 0x0010000000000000ULL,
	0x7fefffffffffffffULL, 0x3fe0000000000000ULL /* 0.5 */, 0x4000000000000000ULL,
	0x3ff0000000000001ULL, 0x3fefffffffffffffULL, 0x4330000000000000ULL /* 2^52 */,
	0x43e0000000000000ULL /* 2^63 */, 0xc3e0000000000000ULL,
};
#define NSPECIAL (sizeof(specials) / sizeof(specials[0]))

/* an operand: a special, a random pattern, or a small number */
static uint64_t operand(void)
{
	uint64_t r = next();
	switch (r % 8) {
	case 0: return specials[(r >> 8) % NSPECIAL];
	case 1: return bits((double)(int64_t)(next() % 2001) - 1000);
	case 2: return bits((double)(int64_t)(next() % 100000) / 64.0);
	case 3: return bits(ldexp((double)(next() >> 11), -(int)(next() % 200)));
	default: return next();
	}
}

/* near another: the same exponent, or a step or two away (cancellation) */
static uint64_t near(uint64_t a)
{
	uint64_t r = next();
	return (a & ~0xfffffULL) + (r & 0xfffff) + ((r >> 40) % 3) * (1ULL << 52) - (1ULL << 52);
}

static int same(uint64_t got, double want, int n_nan_in, uint64_t a, uint64_t b)
{
	if (isnan(want)) {
		if (!btap_fp_isnan_(got))
			return 0;
		if (n_nan_in == 1) /* the NaN operand, quieted */
			return got == ((btap_fp_isnan_(a) ? a : b) | BTAP_FP_QUIET);
		return 1;
	}
	return got == bits(want);
}

static int failures_shown;
static void binop_check(const char *op, uint64_t a, uint64_t b)
{
	double x = dbl(a), y = dbl(b), want = 0;
	uint64_t got = 0;
	switch (op[0]) {
	case '+': want = x + y; got = btap_fp_add_(a, b); break;
	case '-': want = x - y; got = btap_fp_sub_(a, b); break;
	case '*': want = x * y; got = btap_fp_mul_(a, b); break;
	case '/': want = x / y; got = btap_fp_div_(a, b); break;
	case '%': /* a zero remainder has x's sign (IEEE 754 5.3.1; glibc
		   * loses it when y is the smallest subnormal) */
		want = remainder(x, y);
		if (want == 0)
			want = copysign(0.0, x);
		got = btap_fp_rem_(a, b);
		break;
	}
	int nans = btap_fp_isnan_(a) + btap_fp_isnan_(b);
	int ok = same(got, want, nans, a, b);
	CHECK(ok);
	if (!ok && failures_shown++ < 10)
		fprintf(stderr, "  %016" PRIx64 " %s %016" PRIx64 ": got %016" PRIx64 " want %016" PRIx64 "\n",
			a, op, b, got, bits(want));
	CHECK(btap_fp_eq_(a, b) == (x == y));
	CHECK(btap_fp_lt_(a, b) == (x < y));
	CHECK(btap_fp_le_(a, b) == (x <= y));
}

static void binops(void)
{
	const char *ops[] = {"+", "-", "*", "/", "%"};
	for (unsigned i = 0; i < NSPECIAL; i++)
		for (unsigned j = 0; j < NSPECIAL; j++)
			for (int k = 0; k < 5; k++)
				binop_check(ops[k], specials[i], specials[j]);
	for (int n = 0; n < 60000; n++) {
		uint64_t a = operand(), b = n & 1 ? near(a) : operand();
		for (int k = 0; k < 5; k++)
			binop_check(ops[k], a, b);
	}
}

static void unary(void)
{
	for (int n = 0; n < 100000; n++) {
		uint64_t a = n < (int)NSPECIAL ? specials[n] : operand();
		double x = dbl(a), w = sqrt(x);
		uint64_t got = btap_fp_sqrt_(a);
		int ok = same(got, w, btap_fp_isnan_(a), a, a);
		CHECK(ok);
		if (!ok && failures_shown++ < 10)
			fprintf(stderr, "  sqrt %016" PRIx64 ": got %016" PRIx64 " want %016" PRIx64 "\n", a, got, bits(w));

		int64_t v = (int64_t)next() >> (next() % 64);
		CHECK(btap_fp_from_long_(v) == bits((double)v));

		uint32_t f32 = (uint32_t)next();
		float f;
		memcpy(&f, &f32, 4);
		if (!isnan(f))
			CHECK(btap_fp_from_fp32_(f32) == bits((double)f));
		else
			CHECK(btap_fp_isnan_(btap_fp_from_fp32_(f32)));
	}
}

/* fp_to_long against C's rounding functions, inside int64's range */
static void to_long(void)
{
	for (int n = 0; n < 100000; n++) {
		uint64_t a = operand();
		double x = dbl(a);
		if (isnan(x) || fabs(x) >= 9.2e18) {
			CHECK(btap_fp_to_long_(a, 0) == (isnan(x) ? 0 : x < 0 ? INT64_MIN : INT64_MAX));
			continue;
		}
		CHECK(btap_fp_to_long_(a, 0) == (int64_t)nearbyint(x)); /* ties even */
		CHECK(btap_fp_to_long_(a, 1) == (int64_t)trunc(x));
		CHECK(btap_fp_to_long_(a, 2) == (int64_t)floor(x));
		CHECK(btap_fp_to_long_(a, 3) == (int64_t)ceil(x));
		CHECK(btap_fp_to_long_(a, 4) == (int64_t)round(x));
		int64_t t = (int64_t)trunc(x), odd = x < 0 ? -(-t | 1) : t | 1; /* magnitude odd */
		CHECK(btap_fp_to_long_(a, 6) == (trunc(x) == x ? t : odd));
	}
	CHECK(btap_fp_to_long_(bits(-9223372036854775808.0), 0) == INT64_MIN);
	CHECK(btap_fp_to_long_(bits(2.5), 0) == 2);
	CHECK(btap_fp_to_long_(bits(-2.5), 4) == -3);
}

static void to_string(void)
{
	char got[MAXSTRINGLEN], want[MAXSTRINGLEN + 64];
	int shown = 0;
	for (int n = 0; n < 200000; n++) {
		uint64_t a = operand();
		double x = dbl(a);
		if (fabs(x) >= 18446744073709551616.0 && !isinf(x))
			continue;
		int prec = (int)(next() % 25);
		if (n % 50 == 0)
			prec = 60;
		btap_fp_to_string_(got, a, prec);
		snprintf(want, sizeof want, "%.*f", prec, x);
		if (isnan(x)) /* printf's NaN sign is the bit's, as ours */
			snprintf(want, sizeof want, "%snan", a >> 63 ? "-" : "");
		int ok = !strcmp(got, want);
		if (fabs(x) < 0x1p-75 && prec > 22) /* bits below 2^-128 are cut */
			ok = 1;
		CHECK(ok);
		if (!ok && shown++ < 10)
			fprintf(stderr, "  %%.%df of %016" PRIx64 ": got %s want %s\n", prec, a, got, want);
	}
	CHECK_STR(btap_fp_to_string_(got, bits(0.5), 0), "0");
	CHECK_STR(btap_fp_to_string_(got, bits(1.5), 0), "2");
	CHECK_STR(btap_fp_to_string_(got, bits(9.995), 2), "9.99"); /* 9.99499999... */
	CHECK_STR(btap_fp_to_string_(got, bits(99.96), 1), "100.0");
	CHECK_STR(btap_fp_to_string_(got, bits(-0.0), 3), "-0.000");
	CHECK_STR(btap_fp_to_string_(got, BTAP_FP_INF | BTAP_FP_SIGN, 3), "-inf");
	CHECK_STR(btap_fp_to_string_(got, bits(3.14159), 4), "3.1416");
}

/* string_to_fp()'s conversion, once the tapset has parsed the digits */
static void from_decimal(void)
{
	static const struct { uint64_t n; int64_t e; int sticky; const char *s; } fixed[] = {
		{0, 0, 0, "0"}, {314, -2, 0, "3.14"}, {25, 9, 0, "2.5e10"}, {1, -5, 0, "1e-5"},
		{1234567890123456789ULL, 11, 1, "123456789012345678901234567890"},
		{17976931348623157ULL, 292, 0, "1.7976931348623157e308"},
		{22250738585072014ULL, -324, 0, "2.2250738585072014e-308"}, {49, -325, 0, "4.9e-324"},
		{1, 400, 0, "1e400"}, {1, -400, 0, "1e-400"}, {9007199254740993ULL, 0, 0, "9007199254740993"},
		{12345678901234567890ULL, -30, 0, "12345678901234567890e-30"},
	};
	for (unsigned i = 0; i < sizeof fixed / sizeof fixed[0]; i++)
		CHECK(btap_fp_from_decimal_(0, fixed[i].n, fixed[i].e, fixed[i].sticky) == bits(strtod(fixed[i].s, NULL)));
	CHECK(btap_fp_from_decimal_(1, 25, -1, 0) == bits(-2.5));
	CHECK(btap_fp_from_decimal_(1, 0, 0, 0) == BTAP_FP_SIGN);

	/* random: exact in the fast range, within one unit in the last place
	 * elsewhere (and counted: almost all are exact) */
	char s[64];
	int fast_bad = 0, slow_far = 0, slow_inexact = 0, slow = 0;
	for (int n = 0; n < 100000; n++) {
		int fast = n & 1, neg = (int)(next() & 1);
		uint64_t mant = fast ? next() % (1ULL << 53) : next() % 10000000000000000000ULL;
		int exp10 = fast ? (int)(next() % 39) - 19 : (int)(next() % 600) - 320;
		snprintf(s, sizeof s, "%s%" PRIu64 "e%d", neg ? "-" : "", mant, exp10);
		uint64_t got = btap_fp_from_decimal_(neg, mant, exp10, 0), want = bits(strtod(s, NULL));
		if (fast) {
			fast_bad += got != want;
			continue;
		}
		slow++;
		int64_t d = (int64_t)(got - want);
		slow_far += d > 1 || d < -1;
		slow_inexact += d != 0;
	}
	CHECK(fast_bad == 0);
	CHECK(slow_far == 0);
	CHECK(slow_inexact * 100 < slow); /* under 1% a unit off */
	printf("string_to_fp: %d of %d outside the exact range one unit off\n", slow_inexact, slow);
}

int main(void)
{
	binops();
	unary();
	to_long();
	to_string();
	from_decimal();
	return CHECK_DONE();
}
