/* IEEE 754 doubles in integer arithmetic, for the tapset's fp_*()
 * functions (a script keeps a double's 64 bits in a long). Shared by every
 * runtime: BPF has no floating point, and a kernel module may not touch the
 * FPU in a probe. Results are what x86-64's SSE unit gives, bit for bit:
 * correctly rounded to nearest, ties to even; a NaN operand comes back
 * (quieted; the first one when both are), an invalid operation gives the
 * NaN 0x7ff8000000000000. The including runtime defines BTAP_INLINE,
 * uint64_t/int64_t and MAXSTRINGLEN, and may define BTAP_FP_API.
 *
 * Working form of a finite value: m * 2^(e - 1085), m < 2^64. Normalized,
 * m's leading 1 is bit 62 and its low ten bits are the rounding bits below
 * a double's last; e is then the double's biased exponent. */
#ifndef BTAP_SOFTFLOAT_H
#define BTAP_SOFTFLOAT_H

#define BTAP_FP_SIGN (1ULL << 63)
#define BTAP_FP_INF 0x7ff0000000000000ULL
#define BTAP_FP_NAN 0x7ff8000000000000ULL
#define BTAP_FP_QUIET (1ULL << 51)
#define BTAP_FP_FRAC ((1ULL << 52) - 1)

/* The operations' storage class. BPF makes them global functions (the
 * unit defines BTAP_NEED_FP when it calls one): the verifier then follows
 * each once, for any operands, instead of at every call with what it
 * knows of the operands there, which multiplied its paths past its limit. */
#ifndef BTAP_FP_API
#define BTAP_FP_API static BTAP_INLINE
#endif

/* Hides a value from the compiler (BPF: an empty asm). The operations
 * below avoid branches on their operands' bits on purpose, and the
 * compiler would turn "x >> 63" back into a comparison and a branch. */
#ifndef BTAP_FP_OPAQUE
#define BTAP_FP_OPAQUE(x) ((void)0)
#endif

/* x's top bit, 0 or 1, computed without a branch (hidden on both sides:
 * knowing the result is 0 or 1, the compiler makes a mask a select) */
static BTAP_INLINE uint64_t btap_fp_top_(uint64_t x)
{
	BTAP_FP_OPAQUE(x);
	x >>= 63;
	BTAP_FP_OPAQUE(x);
	return x;
}

/* 1 when x is not 0, without a branch */
static BTAP_INLINE uint64_t btap_fp_nz_(uint64_t x)
{
	return btap_fp_top_(x | (0 - x));
}

static BTAP_INLINE int btap_fp_isnan_(uint64_t a)
{
	return (a & ~BTAP_FP_SIGN) > BTAP_FP_INF;
}

/* leading zeros of a nonzero word. BPF has no instruction for it, and no
 * branch here: with one, the verifier would know the count on each of its
 * 64 paths, and so every exponent computed from it, and follow each path
 * to the end apart. (v - 1) >> 63 is 1 exactly when v (< 2^63) is 0. */
static BTAP_INLINE int btap_fp_clz_(uint64_t m)
{
	uint64_t n = 0, s;
	s = btap_fp_top_((m >> 32) - 1) << 5; n += s; m <<= s;
	s = btap_fp_top_((m >> 48) - 1) << 4; n += s; m <<= s;
	s = btap_fp_top_((m >> 56) - 1) << 3; n += s; m <<= s;
	s = btap_fp_top_((m >> 60) - 1) << 2; n += s; m <<= s;
	s = btap_fp_top_((m >> 62) - 1) << 1; n += s; m <<= s;
	n += 1 ^ btap_fp_top_(m);
	return (int)n;
}

/* m >> n, the lowest bit set when 1 bits fell off (they decide rounding) */
static BTAP_INLINE uint64_t btap_fp_jam_(uint64_t m, int64_t n)
{
	if (n <= 0)
		return m;
	if (n >= 63)
		return m != 0;
	return (m >> n) | ((m & ((1ULL << n) - 1)) != 0);
}

/* the 128-bit product of two words */
static BTAP_INLINE void btap_fp_mul128_(uint64_t a, uint64_t b, uint64_t *hi, uint64_t *lo)
{
	uint64_t a0 = a & 0xffffffff, a1 = a >> 32, b0 = b & 0xffffffff, b1 = b >> 32;
	uint64_t p00 = a0 * b0, p01 = a0 * b1, p10 = a1 * b0;
	uint64_t mid = (p00 >> 32) + (p01 & 0xffffffff) + (p10 & 0xffffffff);
	*lo = (mid << 32) | (p00 & 0xffffffff);
	*hi = a1 * b1 + (p01 >> 32) + (p10 >> 32) + (mid >> 32);
}

/* the double nearest m * 2^(e - 1085) (any m), with the sign bit given */
static BTAP_INLINE uint64_t btap_fp_round_(uint64_t sign, int64_t e, uint64_t m)
{
	sign = sign ? BTAP_FP_SIGN : 0;
	if (!m)
		return sign;
	if (m >> 63) {
		m = btap_fp_jam_(m, 1);
		e++;
	} else {
		int z = btap_fp_clz_(m) - 1;
		m <<= z;
		e -= z;
	}
	if (e >= 2047)
		return sign | BTAP_FP_INF;
	if (e <= 0) { /* subnormal: the exponent field 0 means 1 */
		m = btap_fp_jam_(m, 1 - e);
		e = 0;
	}
	uint64_t r = m & 0x3ff;
	m >>= 10;
	if (r > 0x200 || (r == 0x200 && (m & 1)))
		m++;
	if (!e) /* a carry to 2^52 lands in the exponent field: 1, as it must */
		return sign | m;
	if (m >> 53) {
		m >>= 1;
		if (++e >= 2047)
			return sign | BTAP_FP_INF;
	}
	return sign | ((uint64_t)e << 52) | (m & BTAP_FP_FRAC);
}

/* a finite nonzero double in the working form, normalized */
static BTAP_INLINE uint64_t btap_fp_unpack_(uint64_t a, int64_t *e)
{
	int64_t x = (a >> 52) & 0x7ff;
	uint64_t m = a & BTAP_FP_FRAC;
	if (x)
		m |= 1ULL << 52;
	else
		x = 1;
	m <<= 10;
	int z = btap_fp_clz_(m) - 1;
	*e = x - z;
	return m << z;
}

/* the result when a or b is a NaN: a signaling one comes back quiet */
static BTAP_INLINE uint64_t btap_fp_nan_(uint64_t a, uint64_t b)
{
	int a_nan = btap_fp_isnan_(a);
	int a_sig = a_nan && !(a & BTAP_FP_QUIET);
	int b_sig = btap_fp_isnan_(b) && !(b & BTAP_FP_QUIET);
	if (a_sig || b_sig)
		return (a_sig ? a : b) | BTAP_FP_QUIET;
	return a_nan ? a : b;
}

/* a + b, or a - b when negate */
static BTAP_INLINE uint64_t btap_fp_addsub_(uint64_t a, uint64_t b, int negate)
{
	uint64_t ma = a & ~BTAP_FP_SIGN, mb = b & ~BTAP_FP_SIGN;
	if (ma > BTAP_FP_INF || mb > BTAP_FP_INF)
		return btap_fp_nan_(a, b);
	if (negate)
		b ^= BTAP_FP_SIGN;
	uint64_t sa = a >> 63, sb = b >> 63;
	if (ma == BTAP_FP_INF)
		return mb == BTAP_FP_INF && sa != sb ? BTAP_FP_NAN : a;
	if (mb == BTAP_FP_INF)
		return b;
	if (!ma)
		return mb ? b : (sa & sb) << 63; /* -0 only from -0 + -0 */
	if (!mb)
		return a;
	int64_t ea, eb;
	uint64_t xa = btap_fp_unpack_(a, &ea), xb = btap_fp_unpack_(b, &eb);
	if (mb > ma) { /* the larger magnitude first */
		uint64_t t = xa; xa = xb; xb = t;
		int64_t te = ea; ea = eb; eb = te;
		t = sa; sa = sb; sb = t;
	}
	/* the jammed bit keeps a sum or difference on the right side of every
	 * rounding boundary: xa's low ten bits are 0 */
	xb = btap_fp_jam_(xb, ea - eb);
	if (sa == sb)
		return btap_fp_round_(sa, ea, xa + xb);
	if (xa == xb)
		return 0; /* x - x is +0 when rounding to nearest */
	return btap_fp_round_(sa, ea, xa - xb);
}

BTAP_FP_API uint64_t btap_fp_add_(uint64_t a, uint64_t b)
{
	return btap_fp_addsub_(a, b, 0);
}

BTAP_FP_API uint64_t btap_fp_sub_(uint64_t a, uint64_t b)
{
	return btap_fp_addsub_(a, b, 1);
}

static BTAP_INLINE uint64_t btap_fp_mul_in_(uint64_t a, uint64_t b)
{
	uint64_t ma = a & ~BTAP_FP_SIGN, mb = b & ~BTAP_FP_SIGN;
	uint64_t sign = (a ^ b) >> 63;
	if (ma > BTAP_FP_INF || mb > BTAP_FP_INF)
		return btap_fp_nan_(a, b);
	if (ma == BTAP_FP_INF || mb == BTAP_FP_INF)
		return !ma || !mb ? BTAP_FP_NAN : (sign << 63) | BTAP_FP_INF;
	if (!ma || !mb)
		return sign << 63;
	int64_t ea, eb;
	uint64_t xa = btap_fp_unpack_(a, &ea), xb = btap_fp_unpack_(b, &eb);
	uint64_t hi, lo;
	btap_fp_mul128_(xa, xb, &hi, &lo);
	return btap_fp_round_(sign, ea + eb - 1021, hi | (lo != 0));
}

BTAP_FP_API uint64_t btap_fp_mul_(uint64_t a, uint64_t b)
{
	return btap_fp_mul_in_(a, b);
}

static BTAP_INLINE uint64_t btap_fp_div_in_(uint64_t a, uint64_t b)
{
	uint64_t ma = a & ~BTAP_FP_SIGN, mb = b & ~BTAP_FP_SIGN;
	uint64_t sign = (a ^ b) >> 63;
	if (ma > BTAP_FP_INF || mb > BTAP_FP_INF)
		return btap_fp_nan_(a, b);
	if (ma == BTAP_FP_INF)
		return mb == BTAP_FP_INF ? BTAP_FP_NAN : (sign << 63) | BTAP_FP_INF;
	if (mb == BTAP_FP_INF)
		return sign << 63;
	if (!mb)
		return !ma ? BTAP_FP_NAN : (sign << 63) | BTAP_FP_INF;
	if (!ma)
		return sign << 63;
	int64_t ea, eb;
	uint64_t xa = btap_fp_unpack_(a, &ea), xb = btap_fp_unpack_(b, &eb);
	/* one quotient bit a step; r < 2 * xb < 2^64 throughout. Without a
	 * branch: on BPF each bit's two paths would be 2^64 paths to verify */
	uint64_t q = 0, r = xa;
	for (int i = 0; i < 64; i++) {
		uint64_t ge = 1 ^ btap_fp_top_(r - xb); /* r >= xb: both below 2^63 ... */
		r -= xb & (0 - ge);                 /* ... or r < 2 * xb */
		q = (q << 1) | ge;
		r <<= 1;
	}
	return btap_fp_round_(sign, ea - eb + 1022, q | (r != 0));
}

BTAP_FP_API uint64_t btap_fp_div_(uint64_t a, uint64_t b)
{
	return btap_fp_div_in_(a, b);
}

/* IEEE remainder: a - n * b, n the integer nearest a / b (ties: even) */
BTAP_FP_API uint64_t btap_fp_rem_(uint64_t a, uint64_t b)
{
	uint64_t ma = a & ~BTAP_FP_SIGN, mb = b & ~BTAP_FP_SIGN;
	uint64_t sign = a >> 63;
	if (ma > BTAP_FP_INF || mb > BTAP_FP_INF)
		return btap_fp_nan_(a, b);
	if (ma == BTAP_FP_INF || !mb)
		return BTAP_FP_NAN;
	if (mb == BTAP_FP_INF || !ma)
		return a;
	int64_t ea, eb;
	uint64_t xa = btap_fp_unpack_(a, &ea) >> 10, xb = btap_fp_unpack_(b, &eb) >> 10;
	if (ea < eb - 1)
		return a; /* |a| < |b| / 2 */
	uint64_t r, q;
	if (ea == eb - 1) { /* n is 0 or 1; r in units of a's exponent */
		if (xa <= xb)
			return a;
		return btap_fp_round_(!sign, ea, (2 * xb - xa) << 10);
	}
	/* (xa * 2^(ea - eb)) mod xb, eleven bits a step: r < xb < 2^53 */
	q = xa / xb;
	r = xa % xb;
	int64_t d = ea - eb;
	for (int i = 0; i < 200 && d > 0; i++) {
		int s = d < 11 ? (int)d : 11;
		q = (r << s) / xb;
		r = (r << s) % xb;
		d -= s;
	}
	if (2 * r > xb || (2 * r == xb && (q & 1))) {
		r = xb - r;
		sign ^= 1;
	}
	if (!r)
		return a & BTAP_FP_SIGN;
	return btap_fp_round_(sign, eb, r << 10);
}

BTAP_FP_API uint64_t btap_fp_sqrt_(uint64_t a)
{
	uint64_t ma = a & ~BTAP_FP_SIGN;
	if (ma > BTAP_FP_INF)
		return btap_fp_nan_(a, a);
	if (!ma)
		return a;
	if (a >> 63)
		return BTAP_FP_NAN;
	if (ma == BTAP_FP_INF)
		return a;
	int64_t e;
	uint64_t x = btap_fp_unpack_(a, &e);
	/* R = x * 2^s with the exponent e - 1085 - s even; sqrt(R) has 58-59
	 * bits, so the remainder (< 2 * root) stays below 2^61 */
	int64_t k = e - 1085;
	int odd = (int)(k & 1);
	uint64_t hi = odd ? x >> 11 : x >> 10;
	uint64_t lo = odd ? x << 53 : x << 54;
	int64_t half = (k - (odd ? 53 : 54)) >> 1; /* even: exact (BPF v3 has no signed division) */
	uint64_t root = 0, rem = 0;
	for (int i = 58; i >= 0; i--) {
		uint64_t pair = i >= 32 ? hi >> (2 * i - 64) : lo >> (2 * i);
		rem = (rem << 2) | (pair & 3);
		uint64_t t = (root << 2) | 1;
		uint64_t ge = 1 ^ btap_fp_top_(rem - t); /* both below 2^63; no branch */
		rem -= t & (0 - ge);
		root = (root << 1) | ge;
	}
	return btap_fp_round_(0, half - 1 + 1085, (root << 1) | (rem != 0));
}

BTAP_FP_API int64_t btap_fp_eq_(uint64_t a, uint64_t b)
{
	if (btap_fp_isnan_(a) || btap_fp_isnan_(b))
		return 0;
	return a == b || !((a | b) & ~BTAP_FP_SIGN);
}

BTAP_FP_API int64_t btap_fp_lt_(uint64_t a, uint64_t b)
{
	if (btap_fp_isnan_(a) || btap_fp_isnan_(b))
		return 0;
	uint64_t sa = a >> 63;
	if (sa != b >> 63)
		return sa && ((a | b) & ~BTAP_FP_SIGN);
	return a != b && (sa ^ (a < b));
}

BTAP_FP_API int64_t btap_fp_le_(uint64_t a, uint64_t b)
{
	if (btap_fp_isnan_(a) || btap_fp_isnan_(b))
		return 0;
	uint64_t sa = a >> 63;
	if (sa != b >> 63)
		return sa || !((a | b) & ~BTAP_FP_SIGN);
	return a == b || (sa ^ (a < b));
}

BTAP_FP_API uint64_t btap_fp_from_long_(int64_t v)
{
	uint64_t sign = v < 0;
	uint64_t u = sign ? 0 - (uint64_t)v : (uint64_t)v;
	return btap_fp_round_(sign, 1085, u);
}

/* a float's 32 bits (the low half of v) as a double: always exact */
BTAP_FP_API uint64_t btap_fp_from_fp32_(int64_t v)
{
	uint64_t f = (uint64_t)v & 0xffffffff;
	uint64_t sign = (f >> 31) << 63, x = (f >> 23) & 0xff, frac = f & 0x7fffff;
	if (x == 0xff)
		return sign | BTAP_FP_INF | (frac << 29) | (frac ? BTAP_FP_QUIET : 0);
	if (!x)
		return btap_fp_round_(sign, 1085 - 149, frac);
	return sign | ((x - 127 + 1023) << 52) | (frac << 29);
}

/* to an integer, rounded by mode (stap's numbering: 0 to nearest, ties
 * even; 1 toward zero; 2 down; 3 up; 4 to nearest, ties away from zero;
 * 6 to odd); out of range: the nearest of INT64_MIN and INT64_MAX; a NaN: 0 */
BTAP_FP_API int64_t btap_fp_to_long_(uint64_t a, int64_t mode)
{
	if (btap_fp_isnan_(a))
		return 0;
	uint64_t sign = a >> 63;
	int64_t x = (a >> 52) & 0x7ff;
	if (x >= 1023 + 63)
		return sign ? (int64_t)BTAP_FP_SIGN : (int64_t)(BTAP_FP_SIGN - 1);
	uint64_t m = a & BTAP_FP_FRAC, ip, f; /* f: the fraction, 64 bits */
	if (x)
		m |= 1ULL << 52;
	else
		x = 1;
	int64_t s = 1075 - x; /* fraction bits */
	if (s <= 0) {
		ip = m << -s;
		f = 0;
	} else if (s < 64) {
		ip = m >> s;
		f = (m & ((1ULL << s) - 1)) << (64 - s);
	} else {
		ip = 0;
		f = btap_fp_jam_(m, s - 64);
	}
	int up = 0;
	switch (mode) {
	case 0: up = f > BTAP_FP_SIGN || (f == BTAP_FP_SIGN && (ip & 1)); break;
	case 2: up = sign && f; break;
	case 3: up = !sign && f; break;
	case 4: up = f >= BTAP_FP_SIGN; break;
	case 6: if (f) ip |= 1; break;
	default: break;
	}
	ip += up;
	if (ip > BTAP_FP_SIGN - 1 + sign)
		return sign ? (int64_t)BTAP_FP_SIGN : (int64_t)(BTAP_FP_SIGN - 1);
	return sign ? (int64_t)(0 - ip) : (int64_t)ip;
}

/* the fraction hi:lo / 2^128 times ten: the integer part is the next
 * decimal digit, returned; the rest stays */
static BTAP_INLINE uint64_t btap_fp_digit_(uint64_t *hi, uint64_t *lo)
{
	uint64_t c1, d;
	btap_fp_mul128_(*lo, 10, &c1, lo);
	btap_fp_mul128_(*hi, 10, &d, hi);
	uint64_t sum = *hi + c1; /* the carry of the sum, without a branch */
	d += btap_fp_top_((*hi & c1) | ((*hi | c1) & ~sum));
	*hi = sum;
	return d;
}


/* dst[pos] = ch when put is 1 and pos is within the string, else a write
 * to the last byte, which the terminating NUL ends before (the loops then
 * have no branch of their own that the compiler could make their exit) */
static BTAP_INLINE void btap_fp_put_(char *dst, int64_t pos, uint64_t ch, uint64_t put)
{
	put &= btap_fp_top_((uint64_t)(pos - (MAXSTRINGLEN - 1))) & (1 ^ btap_fp_top_((uint64_t)pos));
	pos = (pos & (int64_t)(0 - put)) | ((MAXSTRINGLEN - 1) & (int64_t)(put - 1));
	/* one unsigned test of the final value: a 6.1 verifier knows nothing
	 * of an OR's result, and the compiler would drop a test it can prove */
	BTAP_FP_OPAQUE(pos);
	if ((uint64_t)pos < MAXSTRINGLEN)
		dst[pos] = (char)ch;
}

/* a MAXSTRINGLEN buffer, as a global BPF function's argument */
struct btap_fp_text {
	char s[MAXSTRINGLEN];
};

/* A finite a's magnitude as its integer part ip and its fraction
 * hi:lo / 2^128, sticky when bits below 2^-128 were cut; prec taken within
 * 0..64. Few branches: the verifier follows every path through the digit
 * loops after, and a branch that made prec a constant would double them. */
struct btap_fp_parts {
	uint64_t ip, hi, lo, sticky;
	int64_t prec;
};

static BTAP_INLINE void btap_fp_parts_(struct btap_fp_parts *v, uint64_t a, int64_t prec)
{
	prec &= (int64_t)btap_fp_top_((uint64_t)prec) - 1; /* below 0: 0 */
	int64_t over = 0 - (int64_t)btap_fp_top_((uint64_t)(64 - prec));
	v->prec = (prec & ~over) | (64 & over); /* above 64: 64 */
	uint64_t ma = a & ~BTAP_FP_SIGN;
	int64_t x = (ma >> 52) & 0x7ff;
	uint64_t norm = btap_fp_nz_((uint64_t)x);
	uint64_t m = (ma & BTAP_FP_FRAC) | (norm << 52);
	x += (int64_t)(norm ^ 1); /* a subnormal's exponent is that of 1 */
	int64_t s = 1075 - x; /* bits of the fraction */
	v->sticky = 0;
	if (s <= 0) {
		v->ip = -s > 11 ? 0 : m << -s;
		v->hi = v->lo = 0;
	} else if (s <= 64) {
		v->ip = s < 64 ? m >> s : 0;
		v->hi = s < 64 ? (m & ((1ULL << s) - 1)) << (64 - s) : m;
		v->lo = 0;
	} else if (s <= 128) {
		v->ip = 0;
		v->hi = s < 128 ? m >> (s - 64) : 0;
		v->lo = m << (128 - s);
	} else {
		v->ip = v->hi = 0;
		v->lo = s - 128 < 64 ? m >> (s - 128) : 0;
		v->sticky = s - 128 >= 64 || (m & ((1ULL << (s - 128)) - 1)) != 0;
	}
}

/* "%.*f" of a, first pass: how digit prec rounds. Returns 1 when it
 * rounds up (to nearest, ties to an even digit), plus 2 when the digits
 * before it are all nines (the carry reaches the integer part), plus 4
 * times one more than the position of the last digit before it that is not
 * a nine. A fixed 65 steps of arithmetic, no comparison: a branch would
 * let the verifier know each digit on each path, and follow 2^64 of them.
 * (The two passes are two functions: BPF's stack is 512 bytes for the
 * whole chain of calls, and one function holding both took 144.) */
BTAP_FP_API uint64_t btap_fp_round_at_(uint64_t a, int64_t prec_in)
{
	struct btap_fp_parts v;
	btap_fp_parts_(&v, a, prec_in);
	int64_t prec = v.prec;
	uint64_t h = v.hi, l = v.lo, last = v.ip % 10, up = 0, nines = 1;
	int64_t non9 = -1;
	for (int64_t i = 0; i <= 64; i++) {
		uint64_t at = 1 ^ btap_fp_nz_(i ^ prec); /* i == prec */
		uint64_t above = btap_fp_top_(h) & (btap_fp_nz_(h << 1) | btap_fp_nz_(l) | v.sticky | (last & 1));
		up |= at & above;
		uint64_t d = btap_fp_digit_(&h, &l);
		uint64_t before = btap_fp_top_((uint64_t)(i - prec)); /* i < prec */
		uint64_t is9 = 1 ^ btap_fp_nz_(d ^ 9), not9 = before & (is9 ^ 1);
		nines &= is9 | (before ^ 1);
		non9 = (non9 & (int64_t)(not9 - 1)) | (i & (int64_t)(0 - not9));
		last = (last & (before - 1)) | (d & (0 - before));
	}
	return up | (nines << 1) | ((uint64_t)(non9 + 1) << 2);
}

/* "%.*f" of a, second pass: the text into out, cut at MAXSTRINGLEN - 1
 * bytes, with the first pass's rounding. No branch that changes a
 * position either: a '-' is written, then kept or overwritten. */
BTAP_FP_API int btap_fp_write_(struct btap_fp_text *out, uint64_t a, int64_t prec_in, uint64_t rounding)
{
	if (!out)
		return 0;
	char *dst = out->s;
	int64_t p = (int64_t)(a >> 63);
	dst[0] = '-';
	uint64_t ma = a & ~BTAP_FP_SIGN;
	if (ma >= BTAP_FP_INF) {
		const char *w = ma > BTAP_FP_INF ? "nan" : "inf";
		for (int i = 0; i < 3; i++)
			dst[p + i] = w[i];
		dst[p + 3] = 0;
		return 0;
	}
	struct btap_fp_parts v;
	btap_fp_parts_(&v, a, prec_in);
	uint64_t up = rounding & 1, ip = v.ip + (up & (rounding >> 1)); /* < 2^64 - 2^11 with a fraction */
	int64_t non9 = (int64_t)(rounding >> 2) - 1;
	int64_t nd = 1; /* the integer's digits */
	uint64_t w = 1;
	for (int k = 1; k < 20; k++) {
		w *= 10;
		nd += 1 ^ btap_fp_top_((~ip & w) | (~(ip ^ w) & (ip - w))); /* ip >= w */
	}
	for (int64_t i = 0; i < 20; i++) {
		btap_fp_put_(dst, p + nd - 1 - i, '0' + ip % 10, btap_fp_top_((uint64_t)(i - nd)));
		ip /= 10;
	}
	int64_t q = p + nd;
	uint64_t point = btap_fp_nz_((uint64_t)v.prec);
	btap_fp_put_(dst, q, '.', point);
	q += (int64_t)point;
	uint64_t h = v.hi, l = v.lo;
	for (int64_t i = 0; i < 64; i++) {
		uint64_t d = btap_fp_digit_(&h, &l);
		/* rounding up: the last digit that is not a nine gets one more,
		 * the nines after it become zeros */
		uint64_t lt = btap_fp_top_((uint64_t)(i - non9)), eq = 1 ^ btap_fp_nz_(i ^ non9);
		uint64_t rounded = (d & (0 - lt)) | ((d + 1) & (0 - eq));
		d = (rounded & (0 - up)) | (d & (up - 1));
		btap_fp_put_(dst, q + i, '0' + d, btap_fp_top_((uint64_t)(i - v.prec)));
	}
	q += v.prec;
	if (q > MAXSTRINGLEN - 1)
		q = MAXSTRINGLEN - 1;
	if (q >= 0)
		dst[q] = 0;
	return 0;
}

/* "%.*f" of a, as C prints it (digits exact, the last one rounded to
 * nearest, ties even), into dst (MAXSTRINGLEN bytes). |a| must be below
 * 2^64 (the tapset checks); prec is taken within 0..64. Below 2^-75 only
 * the bits down to 2^-128 give digits (the rest decides rounding). "nan",
 * "inf", with the sign bit's "-". */
static BTAP_INLINE char *btap_fp_to_string_(char *dst, uint64_t a, int64_t prec)
{
	btap_fp_write_((struct btap_fp_text *)dst, a, prec, btap_fp_round_at_(a, prec));
	return dst;
}

/* 10^k, k at most 19; always 19 steps, without a branch: the verifier
 * would know 10^k on each way out of the loop and follow each apart */
static BTAP_INLINE uint64_t btap_fp_pow10_(int64_t k)
{
	uint64_t w = 1;
	for (int64_t i = 0; i < 19; i++)
		w *= 1 + 9 * btap_fp_top_((uint64_t)(i - k)); /* i < k */
	return w;
}

/* n * 10^dexp as a double, of the sign given; sticky: digits after n's
 * that were not 0 were dropped (string_to_fp() parses, in the tapset).
 * Correctly rounded when n is below 2^53, nothing was dropped and dexp is
 * within +-19; else the nearest or the next double (the power of ten is
 * kept to 64 bits). */
BTAP_FP_API uint64_t btap_fp_from_decimal_(int64_t neg, uint64_t n, int64_t dexp, int64_t sticky_in)
{
	uint64_t sign = neg != 0;
	int sticky = sticky_in != 0;
	if (!n)
		return sign << 63;
	if (dexp > 330)
		return (sign << 63) | BTAP_FP_INF;
	if (dexp < -345)
		return sign << 63;
	if (!sticky && n < (1ULL << 53) && dexp >= -19 && dexp <= 19) {
		uint64_t v = btap_fp_round_(0, 1085, n), w = btap_fp_round_(0, 1085, btap_fp_pow10_(dexp < 0 ? -dexp : dexp));
		v = dexp < 0 ? btap_fp_div_in_(v, w) : btap_fp_mul_in_(v, w);
		return v | (sign << 63);
	}
	int z = btap_fp_clz_(n);
	int64_t e = -z; /* the value is n * 2^e */
	n <<= z;
	/* 10^|dexp| (< 10^512) as pw * 2^(pe - 63), a product over the bits
	 * of |dexp| in nine fixed steps (a factor of 1 where the bit is 0):
	 * no branch, so the verifier follows one path */
	static const struct { uint64_t m; int64_t e; } pow2k[9] = {
		{0xa000000000000000ULL, 3}, /* 10^1 */
		{0xc800000000000000ULL, 6}, /* 10^2 */
		{0x9c40000000000000ULL, 13}, /* 10^4 */
		{0xbebc200000000000ULL, 26}, /* 10^8 */
		{0x8e1bc9bf04000000ULL, 53}, /* 10^16 */
		{0x9dc5ada82b70b59eULL, 106}, /* 10^32, rounded to 64 bits */
		{0xc2781f49ffcfa6d5ULL, 212}, /* 10^64, rounded */
		{0x93ba47c980e98ce0ULL, 425}, /* 10^128, rounded */
		{0xaa7eebfb9df9de8eULL, 850}, /* 10^256, rounded */
	};
	uint64_t k = (uint64_t)(dexp < 0 ? -dexp : dexp), pw = 1ULL << 63;
	int64_t pe = 0;
	for (int j = 0; j < 9; j++) {
		uint64_t take = 0 - ((k >> j) & 1), hi, lo;
		uint64_t m = (1ULL << 63) ^ (((1ULL << 63) ^ pow2k[j].m) & take);
		btap_fp_mul128_(pw, m, &hi, &lo);
		uint64_t low = 1 ^ btap_fp_top_(hi); /* the product's top bit is 63 or 62 */
		pw = (hi << low) | ((lo >> 63) & low);
		sticky |= (lo << low) != 0;
		pe += (pow2k[j].e & (int64_t)take) + 1 - (int64_t)low;
	}
	if (dexp > 0) {
		uint64_t hi, lo;
		btap_fp_mul128_(n, pw, &hi, &lo);
		int zz = btap_fp_clz_(hi);
		if (zz) {
			hi = (hi << zz) | (lo >> (64 - zz));
			lo <<= zz;
		}
		sticky |= lo != 0;
		/* n * 2^e * pw * 2^(pe - 63) = hi * 2^(e + pe - zz + 1) */
		return btap_fp_round_(sign, e + pe - zz + 1 + 1085, hi | sticky);
	}
	/* n / pw, a bit a step; r may reach 2^64 (carry) */
	uint64_t q = 0, r = n, carry = 0;
	for (int j = 0; j < 64; j++) {
		/* the borrow of r - pw, without a branch */
		uint64_t d = r - pw, borrow = btap_fp_top_((~r & pw) | (~(r ^ pw) & d));
		uint64_t ge = carry | (borrow ^ 1);
		r -= pw & (0 - ge);
		q = (q << 1) | ge;
		carry = btap_fp_top_(r);
		r <<= 1;
	}
	sticky |= r != 0;
	/* q = n / pw * 2^63: the value is q * 2^(e - pe) */
	return btap_fp_round_(sign, e - pe + 1085, q | sticky);
}

#endif
