/* The runtime interface of generated code, BPF build (-DBTAP_TARGET_BPF).
 *
 * Included after the minimal kernel-type header, before the generated
 * code. Generated code is written once against this interface and the
 * user-space one (runtime/user/btap_user.h); see emit/emit.h for
 * the layout of the unit. What lives where on BPF:
 *   - scalar globals: the mmapable array map BTAP_GLOBALS_MAP (declared by
 *     the generated code, whose struct starts with btap_globals_hdr);
 *   - locals and string temporaries: a per-CPU array map per probe whose
 *     one value is laid out as [error message][native scratch][zero
 *     area][probe frame][called functions' frames...] (the BPF stack is
 *     512 bytes);
 *     tracepoint and perf_event programs never nest on a CPU;
 *   - output: records in the BTAP_EVENTS_MAP ring buffer. */
#ifndef BTAP_BPF_H
#define BTAP_BPF_H

typedef __s8 int8_t;
typedef __s16 int16_t;
typedef __s32 int32_t;
typedef __s64 int64_t;
typedef __u8 uint8_t;
typedef __u16 uint16_t;
typedef __u32 uint32_t;
typedef __u64 uint64_t;

#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>

#include "../btap_program.h"
#include "../btap_stats_core.h"

#include "../btap_limits.h"
/* The smallest 2^n - 1 not below MAXSTRINGLEN + 8 (the generated code
 * defines it for its MAXSTRINGLEN). */
#ifndef BTAP_STRMASK
#define BTAP_STRMASK 255
#endif
/* Bytes of the scratch area new statistics are inserted from (the
 * generated code sets it to its largest statistic). */
#ifndef BTAP_ZERO_SIZE
#define BTAP_ZERO_SIZE 8
#endif

#define BTAP_INLINE __always_inline
/* The string and text helpers carry no debug info of their own: inlined,
 * their code takes the line of the statement that called them, and clang
 * spends ~10% less time on a unit that formats text. They are checked by
 * the verifier with the runtime; a rejection in a memory reader still
 * names the reader's line. */
#define BTAP_TEXT_INLINE __always_inline __attribute__((nodebug))
/* The interface takes what every build needs; each uses a part. */
#pragma GCC diagnostic ignored "-Wunused-parameter"
#define BTAP_FUNC static __always_inline
#define BTAP_FUNC_CALL static __attribute__((noinline))
/* A tapset function inlined: without debug info of its own, its code takes
 * the line of the script statement that called it, which is what a
 * verifier rejection should name; -g's cost drops by most of its ~40 ms
 * for a syscall alias. (A subprogram keeps its own: BTF needs its
 * func_info.) */
#define BTAP_LIB_FUNC static __always_inline __attribute__((nodebug))
#define BTAP_MIN(a, b) ((a) < (b) ? (a) : (b))
#define BTAP_UNUSED_LABEL(l) l: __attribute__((unused));
#include "../btap_ctx.h"

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, BTAP_EVENTS_DEFAULT_SIZE);
} btap_events SEC(".maps");

char LICENSE[] SEC("license") = "GPL";

/* The generated code declares the globals map with its value struct. */
#define BTAP_DECLARE_GLOBALS(vtype)                                              \
	struct {                                                                \
		__uint(type, BPF_MAP_TYPE_ARRAY);                               \
		__uint(max_entries, 1);                                         \
		__uint(map_flags, BPF_F_MMAPABLE);                              \
		__type(key, __u32);                                             \
		__type(value, vtype);                                            \
	} btap_globals SEC(".maps")

/* A probe's scratch map, `size` bytes per CPU. */
#define BTAP_DECLARE_SCRATCH(name, size)                                        \
	struct name##_value { char b[size]; };                                  \
	struct {                                                                \
		__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);                        \
		__uint(max_entries, 1);                                         \
		__type(key, __u32);                                             \
		__type(value, struct name##_value);                             \
	} name SEC(".maps")

static __always_inline void btap_lost(struct btap_ctx *c)
{
	__sync_fetch_and_add(&BTAP_HDR(c)->lost_records[bpf_get_smp_processor_id() & 255], 1);
}

/* ---- errors ------------------------------------------------------------- */

/* Messages are copied with a helper: the source may be any string. */
#define BTAP_ERR_COPY(dst, src)                                                 \
	do {                                                                    \
		if (bpf_probe_read_kernel_str((dst), MAXSTRINGLEN, (src)) < 0)  \
			(dst)[0] = 0;                                           \
	} while (0)
#define BTAP_ACTIONS(c) (*(c)->actions)
#define btap_raise_lit(c, st, lit)                                              \
	do {                                                                    \
		if (!(c)->err) {                                                \
			(c)->err = 1;                                           \
			(c)->site = (st);                                       \
			__builtin_memcpy((c)->errbuf, lit, BTAP_MIN(sizeof(lit), MAXSTRINGLEN)); \
			(c)->errbuf[MAXSTRINGLEN - 1] = 0;                      \
		}                                                               \
	} while (0)
#include "../btap_error.h"

/* ---- loops: bpf_loop and bpf_for_each_map_elem callbacks -------------- */

#include "../btap_loop.h"

#define btap_loop(c, cb, lp, site)                                              \
	do {                                                                    \
		bpf_loop(BTAP_LOOP_MAX, (cb), (lp), 0);                         \
		if (!(lp)->st) {                                                \
			if (BTAP_LOOP_MAX > MAXACTION)                          \
				btap_raise_lit((c), (site), "MAXACTION exceeded"); \
			else                                                    \
				btap_raise_lit((c), (site), "loop bound exceeded (8388608 iterations: the kernel's bpf_loop limit)"); \
			(lp)->st = BTAP_LOOP_ERR;                               \
		}                                                               \
	} while (0)

/* foreach: every element once, in the map's order. */
#define btap_map_each(c, cb, lp, m, key_size) bpf_for_each_map_elem((m), (cb), (lp), 0)

/* ---- arithmetic (BPF has no signed division before v4) --------------- */


/* on magnitudes, as the statistics core already divides */
static __always_inline int64_t btap_sdiv(int64_t x, int64_t y)
{
	return btap_sc_div(x, y);
}

static __always_inline int64_t btap_smod(int64_t x, int64_t y)
{
	uint64_t ux = x < 0 ? 0 - (uint64_t)x : (uint64_t)x;
	uint64_t uy = y < 0 ? 0 - (uint64_t)y : (uint64_t)y;
	uint64_t r;
	if (y == 0)
		return 0;
	r = ux % uy;
	return x < 0 ? (int64_t)(0 - r) : (int64_t)r;
}

#include "../btap_arith.h"

/* ---- strings -------------------------------------------------------------
 * Every string value is a MAXSTRINGLEN buffer in a map value (scratch,
 * globals, array values); a literal is copied into one first. */

/* Embedded C in scripts (guru mode): stap's strlcpy, through the helper. */
#define strlcpy(dst, src, n) bpf_probe_read_kernel_str((dst), (n), (src))

#define btap_str_lit(dst, lit) ((char *)__builtin_memcpy((dst), lit, sizeof(lit)))

static BTAP_TEXT_INLINE char *btap_str_copy(char *dst, const char *src)
{
	if (bpf_probe_read_kernel_str(dst, MAXSTRINGLEN, src) < 0)
		dst[0] = 0;
	return dst;
}

/* Into a string key field, which is as wide as the strings the script
 * uses as that key (pass 3 works it out): the bound is the field's size. */
static BTAP_TEXT_INLINE void btap_str_copy_n(char *dst, const char *src, __u32 n)
{
	if (bpf_probe_read_kernel_str(dst, n, src) < 0)
		dst[0] = 0;
}

/* A short string into n bytes (a multiple of 8, at most 64), zero-padded
 * after its NUL, a word at a time: no helper call, which matters on every
 * event for a key like execname(). Both sides are MAXSTRINGLEN-or-wider
 * buffers or key fields of n bytes in map memory. */
typedef __u64 __attribute__((may_alias)) btap_word;
static BTAP_TEXT_INLINE void btap_str_words(char *dst, const char *src, int n)
{
	btap_word w, low, seen = 0;
#pragma unroll
	for (int i = 0; i < 8; i++) {
		if (i * 8 >= n)
			break;
		w = seen ? 0 : *(const btap_word *)(src + 8 * i);
		/* the lowest byte that is zero, if any (bytes above it may
		 * look zero too: only the lowest flag is exact) */
		low = (w - 0x0101010101010101ull) & ~w & 0x8080808080808080ull;
		low &= -low;
		if (low && !seen) {
			w &= (low << 1) - 1;
			seen = 1;
		}
		*(btap_word *)(dst + 8 * i) = w;
	}
	dst[n - 1] = 0;
}

#define btap_key_str(dst, src)                                                  \
	do {                                                                    \
		if (sizeof(dst) % 8 == 0 && sizeof(dst) <= 64 && sizeof(dst) <= MAXSTRINGLEN) \
			btap_str_words((dst), (src), sizeof(dst));              \
		else                                                            \
			btap_str_copy_n((dst), (src), sizeof(dst));             \
	} while (0)

/* dst = a . b; dst has 2 * MAXSTRINGLEN bytes so the second copy can start
 * anywhere in the first half (the verifier checks the worst case). */
static BTAP_TEXT_INLINE char *btap_str_cat(char *dst, const char *a, const char *b)
{
	long n = bpf_probe_read_kernel_str(dst, MAXSTRINGLEN, a);
	if (n <= 0) {
		dst[0] = 0;
		n = 1;
	}
	n -= 1;
	if (n >= 0 && n < MAXSTRINGLEN - 1 &&
	    bpf_probe_read_kernel_str(dst + n, MAXSTRINGLEN, b) < 0)
		dst[n] = 0;
	dst[MAXSTRINGLEN - 1] = 0;
	return dst;
}

/* strlen through the helper: a loop would leave the verifier one state
 * per possible length, and lengths flow into later bounds. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, char[MAXSTRINGLEN]);
} btap_lenbuf SEC(".maps");

static BTAP_TEXT_INLINE int64_t btap_str_len(const char *s)
{
	__u32 zero = 0;
	char *buf = bpf_map_lookup_elem(&btap_lenbuf, &zero);
	long n;
	if (!buf)
		return 0;
	n = bpf_probe_read_kernel_str(buf, MAXSTRINGLEN, s);
	return n > 0 ? n - 1 : 0;
}

#define BTAP_CUSTOM_STRLEN 1
#define BTAP_CUSTOM_STRCMP 1
#define BTAP_CUSTOM_STRPOS 1
#define BTAP_CUSTOM_MATCH_AT 1
#define BTAP_CUSTOM_TEXT_STR 1
#define BTAP_CUSTOM_SUBSTR 1
#define BTAP_CUSTOM_BITNAMES 1
#define BTAP_CUSTOM_STR_HEX 1
#define BTAP_CUSTOM_FAULT_MSG 1

/* A fault message through the helper: every read of a target expression
 * has one, and inlined by hand (a prefix copy, digits by halving) each
 * was a hundred instructions and a dozen branches to the verifier; a
 * $$parms$ of 13 member reads exceeded 6.1's million with clang 19. */
static BTAP_TEXT_INLINE char *btap_fault_msg(char *dst, const char *prefix, uint64_t addr)
{
	/* the kernel wants a %s followed by space, punctuation or the end */
	static const char fmt[] = "%s%s%llx";
	static const char hex[] = "0x";
	__u64 a[3] = {(__u64)(unsigned long)prefix, (__u64)(unsigned long)hex, addr};
	if (bpf_snprintf(dst, MAXSTRINGLEN, fmt, a, sizeof a) < 0)
		dst[0] = 0;
	return dst;
}

/* hex through the helper: a dozen instructions rather than a hundred */
static BTAP_TEXT_INLINE char *btap_str_hex_(char *dst, uint64_t v)
{
	static const char fmt[] = "0x%llx";
	__u64 a[1] = {v};
	if (bpf_snprintf(dst, MAXSTRINGLEN, fmt, a, sizeof a) < 0)
		dst[0] = 0;
	return dst;
}

/* substr through the helper: with start and len unknown (a loop's
 * variables live in map memory) an indexed copy does not verify. */
static BTAP_TEXT_INLINE char *btap_substr_(char *dst, const char *s, int64_t start, int64_t len)
{
	int64_t n = btap_str_len(s);
	__u32 size;
	__u64 off;
	dst[0] = 0;
	if (start < 0 || start >= n || len <= 0)
		return dst;
	size = len < MAXSTRINGLEN - 1 ? (__u32)len + 1 : MAXSTRINGLEN;
	/* the bounds are checked on the registers the helper gets (the
	 * compiler may otherwise test a copy the verifier does not link) */
	asm volatile("" : "+r"(size));
	if (size > MAXSTRINGLEN)
		size = MAXSTRINGLEN;
	off = (__u64)start;
	asm volatile("" : "+r"(off));
	if (off >= MAXSTRINGLEN)
		return dst;
	if (bpf_probe_read_kernel_str(dst, size, s + off) < 0)
		dst[0] = 0;
	return dst;
}

/* strcmp a word at a time: a byte loop of MAXSTRINGLEN steps, walked by
 * the verifier inside nested loop callbacks, made real scripts too big to
 * verify. Bytes after a word's first NUL are cleared, and the byte-swapped
 * words (first byte most significant) order as the strings do. */
static BTAP_TEXT_INLINE __u64 btap_upto_nul(__u64 w, int *ended)
{
	__u64 low = (w - 0x0101010101010101ull) & ~w & 0x8080808080808080ull;
	low &= -low;
	if (low) {
		*ended = 1;
		return w & ((low << 1) - 1);
	}
	return w;
}

static BTAP_TEXT_INLINE int btap_str_ncmp_(const char *a, const char *b, int n)
{
	int i = 0;
#pragma unroll
	for (int k = 0; k < MAXSTRINGLEN / 8; k++) {
		if (8 * k + 8 > n)
			break;
		int ea = 0, eb = 0;
		__u64 x = btap_upto_nul(*(const btap_word *)(a + 8 * k), &ea);
		__u64 y = btap_upto_nul(*(const btap_word *)(b + 8 * k), &eb);
		if (x != y)
			return __builtin_bswap64(x) < __builtin_bswap64(y) ? -1 : 1;
		if (ea)
			return 0;
		i = 8 * k + 8;
	}
	/* the last few bytes of an odd width */
	for (int k = 0; k < 7; k++, i++) {
		if (i >= n || i >= MAXSTRINGLEN)
			break;
		unsigned char x = (unsigned char)a[i], y = (unsigned char)b[i];
		if (x != y)
			return x < y ? -1 : 1;
		if (!x)
			break;
	}
	return 0;
}

/* Whole strings compare in a global function: the verifier checks it once,
 * not at every call in every state of every enclosing loop. Only in a unit
 * that compares strings (BTAP_NEED_STRCMP): a global function is compiled
 * whether called or not. */
#ifdef BTAP_NEED_STRCMP
struct btap_strbuf {
	char s[MAXSTRINGLEN];
};

__attribute__((noinline)) int btap_strcmp_global(const struct btap_strbuf *a, const struct btap_strbuf *b)
{
	if (!a || !b)
		return 0;
	return btap_str_ncmp_(a->s, b->s, MAXSTRINGLEN);
}

static BTAP_TEXT_INLINE int btap_str_ncmp(const char *a, const char *b, int n)
{
	if (n >= MAXSTRINGLEN)
		return btap_strcmp_global((const struct btap_strbuf *)a, (const struct btap_strbuf *)b);
	return btap_str_ncmp_(a, b, n);
}
#else
static BTAP_TEXT_INLINE int btap_str_ncmp(const char *a, const char *b, int n)
{
	return btap_str_ncmp_(a, b, n);
}
#endif

#include "../btap_strings.h"

/* text_str: one pass over the input as a bpf_loop callback. The verifier
 * iterates a callback until its states converge, which they do not while
 * the positions advance by exactly known steps: the positions live in map
 * memory, whose contents it does not track, so each iteration starts from
 * the same bounded unknowns. The escapes are written up to the budget; the
 * offset where a cut one would end ("..." after the quote) is kept on the
 * way, and used when the input turns out not to fit. */
struct btap_text_vars {
	int64_t i, o, cut, trunc;
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct btap_text_vars);
} btap_textvars SEC(".maps");

struct btap_text_ctx {
	const char *s;
	char *dst;
	struct btap_text_vars *v;
	int64_t budget, cut_budget, q;
	int64_t len; /* the input's bytes, NULs too; < 0: up to its NUL */
};

static long btap_text_put_step(__u32 k, void *data)
{
	struct btap_text_ctx *x = data;
	int64_t i = x->v->i, o = x->v->o;
	int e, n;
	if (i < 0 || i >= MAXSTRINGLEN - 1 || (x->len < 0 ? !x->s[i] : i >= x->len))
		return 1;
	e = btap_escape_len(x->s, i);
	n = e & 0xff;
	/* o itself compared (unsigned: both ends at once), not only o + n:
	 * Linux 6.1's verifier learns no bound of o from a bound of o + n */
	if ((uint64_t)o > MAXSTRINGLEN - 2 || (o - x->q) + n > x->budget || o + n >= MAXSTRINGLEN - 1) {
		x->v->trunc = 1;
		return 1;
	}
	btap_escape_put(x->dst, o, x->s, i, n);
	o += n;
	x->v->o = o;
	x->v->i = i + (e >> 8);
	if (o - x->q <= x->cut_budget)
		x->v->cut = o;
	return 0;
}

static BTAP_TEXT_INLINE char *btap_text_buf_(char *dst, const char *s, int64_t len, int64_t outlen, int64_t quoted)
{
	__u32 zero = 0;
	struct btap_text_vars *v = bpf_map_lookup_elem(&btap_textvars, &zero);
	int64_t budget = (outlen <= 0 || outlen > MAXSTRINGLEN - 1) ? MAXSTRINGLEN - 1 : outlen;
	struct btap_text_ctx x = {s, dst, v, 0, 0, quoted ? 1 : 0, len};
	dst[0] = 0;
	if (!v)
		return dst;
	if (quoted)
		budget = budget > 3 ? budget - 2 : 1;
	x.budget = budget;
	x.cut_budget = quoted ? (budget > 4 ? budget - 3 : 1) : budget;
	v->i = 0;
	v->o = v->cut = x.q;
	v->trunc = 0;
	if (quoted)
		dst[0] = '"';
	bpf_loop(MAXSTRINGLEN, btap_text_put_step, &x, 0);
	return btap_text_close(dst, v->trunc ? v->cut : v->o, quoted, (int)v->trunc);
}
#define btap_text_str_(dst, s, outlen, quoted) btap_text_buf_((dst), (s), -1, (outlen), (quoted))

/* bitnames: one table entry a bpf_loop step, the write position in map
 * memory: the verifier checks the step once, however long the table (an
 * unrolled or bounded loop had it walk every entry on every path: 22 000
 * instructions processed for open's flags, ~15 ms of each load). Names are
 * copied by the helper, a fixed BTAP_BITNAME_LEN at most. */
struct btap_bitnames_ctx {
	uint64_t v;
	const struct btap_bitname *t;
	char *dst;
	struct btap_text_vars *x;
	int n;
};

static long btap_bitnames_step(__u32 k, void *data)
{
	struct btap_bitnames_ctx *b = data;
	const struct btap_bitname *e;
	int64_t o = b->x->o;
	long r;
	if (k >= (__u32)b->n || k >= BTAP_BITNAMES_MAX)
		return 1;
	e = &b->t[k];
	if ((b->v & e->mask) != e->value)
		return 0;
	/* (never true: the bound is for the verifier) */
	if (o < 0 || o > BTAP_BITNAMES_LAST + BTAP_BITNAME_LEN)
		return 1;
	if (o + (o ? 1 : 0) > BTAP_BITNAMES_LAST) {
		if (o)
			b->dst[o++] = '|';
		b->dst[o] = '.';
		b->dst[o + 1] = '.';
		b->dst[o + 2] = '.';
		b->dst[o + 3] = 0;
		return 1;
	}
	if (o)
		b->dst[o++] = '|';
	r = bpf_probe_read_kernel_str(b->dst + o, BTAP_BITNAME_LEN, e->name);
	b->x->o = r > 0 ? o + r - 1 : o;
	return 0;
}

static BTAP_TEXT_INLINE char *btap_bitnames_(char *dst, uint64_t v, const struct btap_bitname *t, int n)
{
	__u32 zero = 0;
	struct btap_text_vars *x = bpf_map_lookup_elem(&btap_textvars, &zero);
	struct btap_bitnames_ctx b = {v, t, dst, x, n};
	dst[0] = 0;
	if (!x)
		return dst;
	x->o = 0;
	bpf_loop(BTAP_BITNAMES_MAX, btap_bitnames_step, &b, 0);
	return dst;
}

/* An address as a plain number: a kernel symbol's (@var), which the
 * verifier would otherwise keep as a pointer and refuse arithmetic on. */
static __always_inline int64_t btap_addr_of(const void *p)
{
	int64_t v = 0;
	bpf_probe_read_kernel(&v, sizeof v, &p);
	return v;
}
/* @var of the kernel: the unit declares sym an extern __ksym (libbpf
 * finds it at load); a per-CPU one is typed, for this CPU's copy. */
#define BTAP_KSYM(sym, i) btap_addr_of(&(sym))
#define BTAP_KSYM_PERCPU(sym, i) btap_addr_of(bpf_this_cpu_ptr(&(sym)))

/* A result a bpf_loop callback left on the stack, read so that the
 * verifier knows nothing of it: kernels before 6.8 check a callback as if
 * it ran once, so a result that only a later iteration sets can look like
 * the constant it started as, and the branches testing it get pruned
 * (a regex match in an `if` never taken on 6.1). */
static __always_inline int64_t btap_loop_result(const int64_t *p)
{
	int64_t v = 0;
	bpf_probe_read_kernel(&v, sizeof v, p);
	return v;
}

/* Does needle occur in hay at offset at? A bpf_loop over the needle's
 * bytes: its index is unknown to the verifier, so the comparison is
 * checked once, not once per byte (inside strpos's callback, and so inside
 * a script loop's, a plain loop here is too long a path). */
struct btap_match_ctx {
	const char *hay, *needle;
	int64_t at;
	int64_t matched;
};

static long btap_match_step(__u32 k, void *data)
{
	struct btap_match_ctx *x = data;
	int64_t j = x->at + k;
	if (k >= MAXSTRINGLEN - 1 || !x->needle[k])
		return 1;
	if (j < 0 || j >= MAXSTRINGLEN || x->hay[j] != x->needle[k]) {
		x->matched = 0;
		return 1;
	}
	return 0;
}

static __always_inline int btap_str_match_at(const char *hay, const char *needle, int64_t at)
{
	struct btap_match_ctx x = {hay, needle, at, 1};
	bpf_loop(MAXSTRINGLEN - 1, btap_match_step, &x, 0);
	return (int)btap_loop_result(&x.matched);
}

/* strpos: one bpf_loop over the start positions, so the verifier checks
 * the inner comparison once instead of for every start. */
struct btap_strpos_ctx {
	const char *hay, *needle;
	int64_t n, m, found;
};

static long btap_strpos_step(__u32 i, void *data)
{
	struct btap_strpos_ctx *x = data;
	int64_t at = i;
	if (at >= MAXSTRINGLEN - 1 || at + x->m > x->n)
		return 1;
	if (btap_str_match_at(x->hay, x->needle, at)) {
		x->found = at;
		return 1;
	}
	return 0;
}

static __always_inline int64_t btap_strpos_(const char *hay, const char *needle)
{
	struct btap_strpos_ctx x = {hay, needle, btap_str_len(hay), btap_str_len(needle), -1};
	if (x.m == 0)
		return 0;
	bpf_loop(MAXSTRINGLEN, btap_strpos_step, &x, 0);
	return btap_loop_result(&x.found);
}

/* ---- maps ---------------------------------------------------------------- */

#define BTAP_MAPREF(sym, id) ((void *)&(sym))

/* clang expands memset inline only up to a size (and named read-only
 * data upsets the BTF of clang 14). Beyond, a probe read of address 0:
 * it fails, and a failed probe read zeroes its destination. */
#define btap_zero_mem(p, n)                                                     \
	do {                                                                    \
		if ((n) <= 256)                                                 \
			__builtin_memset((p), 0, (n));                          \
		else                                                            \
			bpf_probe_read_kernel((p), (n), (const void *)0);       \
	} while (0)
#define btap_key_zero(k) btap_zero_mem((k), sizeof(*(k)))

static __always_inline int64_t btap_map_get_long(struct btap_ctx *c, void *m, const void *k)
{
	int64_t *v = bpf_map_lookup_elem(m, k);
	return v ? *v : 0;
}

static __always_inline char *btap_map_get_str(struct btap_ctx *c, void *m, const void *k, char *dst)
{
	char *v = bpf_map_lookup_elem(m, k);
	if (v)
		return btap_str_copy(dst, v);
	dst[0] = 0;
	return dst;
}

static __always_inline void btap_map_set(struct btap_ctx *c, void *m, const void *k, const void *v,
					 int site)
{
	if (bpf_map_update_elem(m, k, v, BPF_ANY))
		btap_raise_lit(c, site, "Array overflow, check MAXMAPENTRIES");
}

static __always_inline void btap_map_set_long(struct btap_ctx *c, void *m, const void *k, int64_t v,
					      int site)
{
	btap_map_set(c, m, k, &v, site);
}

#define btap_map_set_str btap_map_set

static __always_inline int64_t btap_map_exists(struct btap_ctx *c, void *m, const void *k)
{
	return bpf_map_lookup_elem(m, k) != 0;
}

static __always_inline void btap_map_delete(struct btap_ctx *c, void *m, const void *k)
{
	bpf_map_delete_elem(m, k);
}

/* delete arr: each element in turn (deleting the element a for-each
 * callback is on is allowed for hash maps; a per-CPU element goes on
 * every CPU at once). */
static long btap_clear_step(void *map, const void *key, void *val, void *data)
{
	bpf_map_delete_elem(map, key);
	return 0;
}

#define btap_map_clear(c, m) bpf_for_each_map_elem((m), btap_clear_step, 0, 0)

/* g += v on a global scalar: the globals map is shared by every CPU. */
static __always_inline int64_t btap_global_add(int64_t *g, int64_t v)
{
	return btap_add(__sync_fetch_and_add(g, v), v);
}

/* a[k] += v as one atomic update where the element exists. */
static __always_inline int64_t btap_map_add_long(struct btap_ctx *c, void *m, const void *k, int64_t v,
						 int site)
{
	int64_t *p = bpf_map_lookup_elem(m, k);
	if (p)
		return btap_add(__sync_fetch_and_add(p, v), v);
	btap_map_set_long(c, m, k, v, site);
	p = bpf_map_lookup_elem(m, k);
	return p ? *p : v;
}

/* ---- statistics: btap_stats_core.h, shared with runtime/stats.c ------- */

static __always_inline int64_t *btap_stat_buckets(struct rt_stat *s)
{
	return (int64_t *)(s + 1);
}

static __always_inline void btap_stat_add(struct btap_ctx *c, void *m, const void *k, int64_t v,
					  unsigned vsize, int kind, int64_t start, int64_t interval,
					  int nbuckets, int shift, int site)
{
	struct rt_stat *s = bpf_map_lookup_elem(m, k);
	int b;
	if (!s) {
		btap_zero_mem(c->zero, BTAP_ZERO_SIZE);
		bpf_map_update_elem(m, k, c->zero, BPF_NOEXIST);
		s = bpf_map_lookup_elem(m, k);
		if (!s) {
			btap_raise_lit(c, site, "Array overflow, check MAXMAPENTRIES");
			return;
		}
	}
	btap_sc_add(s, v, shift);
	b = btap_sc_hist_bucket(v, kind, start, interval, nbuckets);
	/* clang knows b is in range, the verifier does not (it loses the
	 * bounds at the linear division): keep the check for it */
	if (kind)
		asm volatile("" : "+r"(b));
	if (b >= 0 && b < nbuckets && b < 128)
		btap_stat_buckets(s)[b]++;
}

/* Reading a statistic in a kernel probe: the partials of every CPU
 * merged as the runner merges them. */
#ifndef BTAP_MAX_CPUS
#define BTAP_MAX_CPUS 256
#endif

static __always_inline int64_t btap_stat_get(struct btap_ctx *c, void *m, const void *k, int op,
					     int shift, int site)
{
	struct rt_stat_result r = {};
	int64_t acc = 0;
	for (__u32 cpu = 0; cpu < BTAP_MAX_CPUS; cpu++) {
		struct rt_stat *s = bpf_map_lookup_percpu_elem(m, k, cpu);
		if (!s)
			break;
		btap_sc_merge_part(&r, s);
	}
	int64_t v;
	int how = btap_sc_pick(&r, op, shift, &v);
	if (how == 1)
		btap_raise_lit(c, site, "empty aggregate");
	if (how != 2)
		return v;
	for (__u32 cpu = 0; cpu < BTAP_MAX_CPUS; cpu++) {
		struct rt_stat *s = bpf_map_lookup_percpu_elem(m, k, cpu);
		if (!s)
			break;
		btap_sc_variance_part(&acc, &r, s);
	}
	btap_sc_variance_done(&r, acc, shift);
	return r.variance;
}

/* print(@hist_*(x)) in a kernel probe: the buckets of every CPU summed
 * into the zero area, laid out as the BTAP_REC_HIST record (header,
 * count, buckets), which the runner prints. bpf_loop keeps the CPU loop
 * to one verification of its body. */
struct btap_hist_merge {
	void *m;
	const void *k;
	int64_t *acc; /* count, then nbuckets counters */
	int nbuckets;
};

static long btap_hist_merge_cpu(__u32 cpu, void *data)
{
	struct btap_hist_merge *h = data;
	struct rt_stat *s = bpf_map_lookup_percpu_elem(h->m, h->k, cpu);
	int64_t *b;
	if (!s)
		return 1;
	h->acc[0] += s->count;
	b = btap_stat_buckets(s);
	for (int i = 0; i < 128 && i < h->nbuckets; i++)
		h->acc[1 + i] += b[i];
	return 0;
}

static __always_inline void btap_print_hist(struct btap_ctx *c, void *m, const void *k, int nbuckets,
					    int map, int site)
{
	struct btap_rec_hdr *hdr = (struct btap_rec_hdr *)c->zero;
	struct btap_hist_merge h = {m, k, (int64_t *)(c->zero + sizeof(*hdr)), nbuckets};
	const int size = sizeof(*hdr) + 8 + 8 * nbuckets;
	btap_zero_mem(c->zero, size);
	hdr->type = BTAP_REC_HIST;
	hdr->id = map;
	bpf_loop(BTAP_MAX_CPUS, btap_hist_merge_cpu, &h, 0);
	if (h.acc[0] == 0) /* as the runner: an empty histogram prints nothing */
		return;
	if (bpf_ringbuf_output(&btap_events, c->zero, size, 0))
		btap_lost(c);
}

/* @hist_*(x)[i]: bucket i's count over every CPU. */
static __always_inline int64_t btap_stat_bucket(struct btap_ctx *c, void *m, const void *k, int64_t i,
						int nbuckets, int site)
{
	int64_t n = 0;
	uint64_t u = (uint64_t)i;
	if (i < 0 || i >= nbuckets || i >= 128) {
		btap_raise_lit(c, site, "histogram index out of range");
		return 0;
	}
	for (__u32 cpu = 0; cpu < BTAP_MAX_CPUS; cpu++) {
		struct rt_stat *s = bpf_map_lookup_percpu_elem(m, k, cpu);
		if (!s)
			break;
		/* checked again where the verifier sees it, on the register used */
		asm volatile("" : "+r"(u));
		if (u < (uint64_t)nbuckets)
			n = btap_add(n, btap_stat_buckets(s)[u]);
	}
	return n;
}

/* ---- output records ------------------------------------------------------- */

static __always_inline void btap_rec_str(char *dst, const char *s)
{
	if (bpf_probe_read_kernel_str(dst, MAXSTRINGLEN, s) < 0)
		dst[0] = 0;
}

static __always_inline void btap_rec_long(char *dst, int64_t v)
{
	__builtin_memcpy(dst, &v, 8);
}

/* Waking the runner for every record costs the traced task an interrupt
 * per event; the runner polls the buffer every few milliseconds anyway, so
 * it is woken only once the buffer is a quarter full. */
static __always_inline __u64 btap_wakeup_flag(void)
{
	__u64 used = bpf_ringbuf_query(&btap_events, BPF_RB_AVAIL_DATA);
	__u64 size = bpf_ringbuf_query(&btap_events, BPF_RB_RING_SIZE);
	return used * 4 >= size ? BPF_RB_FORCE_WAKEUP : BPF_RB_NO_WAKEUP;
}

/* Arguments are evaluated before BEGIN: nothing jumps out of a record. */
#define BTAP_PRINT_BEGIN(c, fmt, nargs, size)                                   \
	{                                                                       \
		char *btap_rec = bpf_ringbuf_reserve(&btap_events, (size), 0); \
		if (btap_rec) {                                                 \
			((struct btap_rec_hdr *)btap_rec)->type = BTAP_REC_PRINTF; \
			((struct btap_rec_hdr *)btap_rec)->id = (fmt);
#define BTAP_PRINT_LONG(c, i, off, v) btap_rec_long(btap_rec + (off), (v));
#define BTAP_PRINT_STR(c, i, off, s) btap_rec_str(btap_rec + (off), (s));
#define BTAP_PRINT_END(c)                                                       \
			bpf_ringbuf_submit(btap_rec, btap_wakeup_flag());       \
		} else {                                                        \
			btap_lost(c);                                           \
		}                                                               \
	}

/* sprintf in the kernel printf's dialect (runtime/btap_kprintf.h)
 * through bpf_snprintf; the format is a string literal, which the helper
 * wants in read-only map memory, where clang puts literals. */
#define BTAP_SPRINTF_SLOTS(nargs) ((nargs) > 0 ? (nargs) : 1)
#define BTAP_KSNPRINTF(dst, fmt, args, nargs) bpf_snprintf((dst), MAXSTRINGLEN, (fmt), (args), (nargs) * 8)
/* one byte of a field a bpf_loop step: verified once however many fields */
#define BTAP_FIELD_STEPS(n, step, data) bpf_loop((n), (step), (data), 0)
#include "../btap_kprintf.h"

static __always_inline void btap_send_simple(struct btap_ctx *c, uint32_t type, uint32_t id,
					     const char *msg)
{
	char *rec = bpf_ringbuf_reserve(&btap_events, sizeof(struct btap_rec_hdr) + MAXSTRINGLEN, 0);
	if (!rec) {
		btap_lost(c);
		return;
	}
	((struct btap_rec_hdr *)rec)->type = type;
	((struct btap_rec_hdr *)rec)->id = id;
	if (msg)
		btap_rec_str(rec + sizeof(struct btap_rec_hdr), msg);
	else
		rec[sizeof(struct btap_rec_hdr)] = 0;
	bpf_ringbuf_submit(rec, 0);
}

/* ---- entering and leaving a probe ------------------------------------ */

/* Fill c and return the probe's frame, or NULL to skip the probe. */
static __always_inline char *btap_bpf_enter(struct btap_ctx *c, void *ctx, int probe,
					    void *globals_map, void *scratch_map)
{
	__u32 zero = 0;
	char *sp;
	__builtin_memset(c, 0, sizeof(*c));
	c->ctx = c->args = ctx;
	c->probe = probe;
	c->site = -1;
	c->globals = bpf_map_lookup_elem(globals_map, &zero);
	if (!c->globals || BTAP_HDR(c)->exit_requested)
		return 0;
	sp = bpf_map_lookup_elem(scratch_map, &zero);
	if (!sp)
		return 0;
	return btap_ctx_scratch(c, sp);
}

static __always_inline void btap_bpf_leave(struct btap_ctx *c)
{
	if (c->err == 1)
		btap_send_simple(c, BTAP_REC_ERROR, (uint32_t)c->site, c->errbuf);
}

/* ---- the natives of tapset/RUNTIME-INTERFACE.md ------------------------ */

static __always_inline void btap_exit_(struct btap_ctx *c)
{
	if (!BTAP_HDR(c)->exit_requested) {
		BTAP_HDR(c)->exit_requested = 1;
		btap_send_simple(c, BTAP_REC_EXIT, 0, 0);
	}
}

static __always_inline void btap_abort_(struct btap_ctx *c)
{
	btap_exit_(c);
	if (!c->err)
		c->err = 2;
}

static __always_inline void btap_warn_(struct btap_ctx *c, const char *msg)
{
	btap_send_simple(c, BTAP_REC_WARN, BTAP_NO_SITE, msg);
}

static __always_inline char *btap_execname_current_(struct btap_ctx *c)
{
	__builtin_memset(c->tmp, 0, 16);
	bpf_get_current_comm(c->tmp, BTAP_MIN(16, MAXSTRINGLEN));
	c->tmp[BTAP_MIN(16, MAXSTRINGLEN) - 1] = 0;
	return c->tmp;
}

#define BTAP_MEM_READ(dst, addr, size, user)                                    \
	((user) ? bpf_probe_read_user((dst), (size), (const void *)(addr))      \
		: bpf_probe_read_kernel((dst), (size), (const void *)(addr)))
/* set_user_*() (guru mode): the kernel warns once in its log that a
 * program writes user memory */
#define BTAP_MEM_WRITE_USER(addr, src, size) bpf_probe_write_user((void *)(addr), (src), (size))
#include "../btap_memory.h"

#ifndef BTAP_TASK_OVERRIDE
#define btap_pid() ((int64_t)(bpf_get_current_pid_tgid() >> 32))
#define btap_tid() ((int64_t)(__u32)bpf_get_current_pid_tgid())
#define btap_uid() ((int64_t)(__u32)bpf_get_current_uid_gid())
#define btap_gid() ((int64_t)(bpf_get_current_uid_gid() >> 32))
#define btap_execname() btap_execname_current_(c)
#endif
#define btap_cpu() ((int64_t)bpf_get_smp_processor_id())
#define btap_random() ((int64_t)bpf_get_prandom_u32())
#define btap_target() (BTAP_HDR(c)->target_pid)
#define btap_stp_pid() (BTAP_HDR(c)->runner_pid)
#define btap_pp() btap_pp_(c)
#define btap_pn() btap_pn_(c)
#define btap_probe_type() btap_probe_type_(c)
#define btap_walltime_ns() ((int64_t)bpf_ktime_get_ns() + BTAP_HDR(c)->walltime_offset_ns)
#define btap_ktime_ns() ((int64_t)bpf_ktime_get_ns())
#define btap_jiffies() ((int64_t)bpf_jiffies64())
#define btap_hz() (BTAP_HDR(c)->hz)
#define btap_cycles() ((int64_t)bpf_ktime_get_ns())
#define btap_exit() btap_exit_(c)
#define btap_abort() btap_abort_(c)
#define btap_error(msg) btap_raise_str(c, -1, (msg))
#define btap_warn(msg) btap_warn_(c, (msg))
#define btap_system(cmd) btap_send_simple(c, BTAP_REC_SYSTEM, 0, (cmd))
#define btap_switch_file() btap_send_simple(c, BTAP_REC_SWITCH_FILE, 0, 0)
#define btap_log(where, msg) btap_send_simple(c, BTAP_REC_LOG, (uint32_t)(where), (msg))

/* ---- stacks: collected here, symbolised by the runner (btap_stacks.h) -- */
#include "../btap_stacks.h"

/* A stack id no map holds: the runner prints that the stack was lost. */
#define BTAP_STACK_LOST 0xffffffffu
/* The kernel ABI's flags and frame layout (linux/bpf.h), under names of
 * our own: the generated header may or may not declare the originals. */
#define BTAP_F_USER_STACK (1ULL << 8)
#define BTAP_F_STACK_BUILD_ID (1U << 5)
struct btap_stack_build_id {
	__s32 status;
	unsigned char build_id[20];
	__u64 offset; /* or the ip, when status says there is no build-id */
};

#ifdef BTAP_NEED_KSTACK
struct {
	__uint(type, BPF_MAP_TYPE_STACK_TRACE);
	__uint(max_entries, BTAP_STACK_ENTRIES);
	__uint(key_size, sizeof(__u32));
	__uint(value_size, 8 * BTAP_STACK_DEPTH);
} btap_kstacks SEC(".maps");

static __always_inline char *btap_kstack_(struct btap_ctx *c, int kind)
{
	long id = bpf_get_stackid(c->ctx, &btap_kstacks, 0);
	return btap_token_(c->tmp, kind, id == -14 /* EFAULT: no frame */ ? BTAP_STACK_EMPTY
				      : id < 0 ? BTAP_STACK_LOST : (uint64_t)id, -1);
}
#define btap_kstack(kind) btap_kstack_(c, (kind))
#else
#define btap_kstack(kind) (c->tmp[0] = 0, c->tmp)
#endif

#ifdef BTAP_NEED_USTACK
/* Frames as build-id and file offset: the runner symbolises them after
 * the process has gone. */
struct {
	__uint(type, BPF_MAP_TYPE_STACK_TRACE);
	__uint(max_entries, BTAP_STACK_ENTRIES);
	__uint(map_flags, BTAP_F_STACK_BUILD_ID);
	__uint(key_size, sizeof(__u32));
	__uint(value_size, sizeof(struct btap_stack_build_id) * BTAP_STACK_DEPTH);
} btap_ustacks SEC(".maps");

static __always_inline char *btap_ustack_(struct btap_ctx *c, int kind)
{
	long id = bpf_get_stackid(c->ctx, &btap_ustacks, BTAP_F_USER_STACK);
	return btap_token_(c->tmp, kind, id == -14 /* EFAULT: no frame */ ? BTAP_STACK_EMPTY
				      : id < 0 ? BTAP_STACK_LOST : (uint64_t)id, btap_pid());
}
#define btap_ustack(kind) btap_ustack_(c, (kind))
#else
#define btap_ustack(kind) (c->tmp[0] = 0, c->tmp)
#endif

/* stack_used(): how far down its kernel stack (THREAD_SIZE, 16 KiB on
 * x86-64, aligned to its size) the probe runs: the address of a local,
 * as a number (btap_addr_of). */
#define BTAP_THREAD_SIZE 16384
static __always_inline int64_t btap_stack_used_(void)
{
	char here = 0;
	return BTAP_THREAD_SIZE - (btap_addr_of(&here) & (BTAP_THREAD_SIZE - 1));
}
#define btap_stack_size() ((int64_t)BTAP_THREAD_SIZE)
#define btap_stack_used() btap_stack_used_()

#ifdef BTAP_NEED_LOADAVG
/* The kernel's load averages (fixed point, 11 bits of fraction), found
 * in kallsyms by libbpf (untyped: BTF has no such variable); weak: a
 * kallsyms without data symbols leaves the address 0, which faults. */
extern const void avenrun __ksym __weak;
static __always_inline int64_t btap_loadavg_(struct btap_ctx *c, int64_t i)
{
	uint64_t v = 0;
	int64_t a = btap_addr_of(&avenrun);
	if (i < 0 || i > 2 || !a || bpf_probe_read_kernel(&v, 8, (const void *)(unsigned long)(a + 8 * i))) {
		btap_raise_str(c, -1, "the load averages need the kernel's avenrun in kallsyms (CONFIG_KALLSYMS_ALL)");
		return 0;
	}
	return (int64_t)v;
}
#define btap_loadavg(i) btap_loadavg_(c, (i))
#endif

#ifdef BTAP_PERF_COUNTERS
/* The script's perf counters (@perf, tapset/perf_counters.stp): counter
 * k of CPU n at index n * BTAP_PERF_COUNTERS + k, opened and put there by
 * the runner, which sizes the array for the possible CPUs. */
struct {
	__uint(type, BPF_MAP_TYPE_PERF_EVENT_ARRAY);
	__uint(max_entries, BTAP_PERF_COUNTERS);
	__type(key, __u32);
	__type(value, __u32);
} btap_perfc SEC(".maps");

/* This CPU's count of counter k, or -1 when it cannot be read. */
static __always_inline int64_t btap_perf_counter(int64_t k)
{
	struct bpf_perf_event_value v = {};
	if (k < 0 || k >= BTAP_PERF_COUNTERS)
		return -1;
	__u64 index = (__u64)bpf_get_smp_processor_id() * BTAP_PERF_COUNTERS + (__u64)k;
	if (bpf_perf_event_read_value(&btap_perfc, index, &v, sizeof(v)) != 0)
		return -1;
	return (int64_t)v.counter;
}
#define btap_perf_counters() ((int64_t)BTAP_PERF_COUNTERS)
#endif

#ifdef BTAP_NEED_FRAMES
/* stack(n), ustack(n): one frame of the stack, read in the probe (a
 * stack map's entries cannot be read there); per CPU, as a probe runs
 * alone on its CPU. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u64[BTAP_STACK_DEPTH]);
} btap_frames SEC(".maps");

/* the first frame in the function, among the first eight (a bpf_loop:
 * the verifier checks the step once, whatever calls it) */
struct btap_frame_top {
	__u64 *f;
	__u64 func_ip;
	long len, top;
};
static long btap_frame_top_step(__u32 i, void *data)
{
	struct btap_frame_top *t = data;
	if (i >= t->len || i >= BTAP_STACK_DEPTH)
		return 1;
	if (t->f[i] < t->func_ip || t->f[i] >= t->func_ip + 16)
		return 0;
	t->top = i;
	return 1;
}
/* Frame n (0: where the probe hit) of the kernel or user stack, 0 when
 * the stack has no such frame. At a kernel function on fentry/fexit the
 * walk starts in the program and its trampoline: frame 0 is then the
 * first in the function (func_ip, its address, up to the call of the
 * trampoline), as backtrace() prints it. */
static __noinline int64_t btap_stack_frame_(void *ctx, int64_t n, __u64 flags, int64_t func_ip)
{
	__u32 zero = 0;
	__u64 *f = bpf_map_lookup_elem(&btap_frames, &zero);
	long len, top = 0;
	if (!f || n < 0 || n >= BTAP_STACK_DEPTH)
		return 0;
	len = bpf_get_stack(ctx, f, 8 * BTAP_STACK_DEPTH, flags);
	if (len <= 0)
		return 0;
	len /= 8;
	if (func_ip && !flags) {
		struct btap_frame_top t = {f, (__u64)func_ip, len, 0};
		bpf_loop(8, btap_frame_top_step, &t, 0);
		top = t.top;
	}
	if (n + top >= len)
		return 0;
	return (int64_t)f[(n + top) & (BTAP_STACK_DEPTH - 1)];
}
#define btap_kstack_frame(n) btap_stack_frame_(c->ctx, (n), 0, c->kregs ? 0 : c->func_ip)
#define btap_ustack_frame(n) btap_stack_frame_(c->ctx, (n), BTAP_F_USER_STACK, 0)
#else
#define btap_kstack_frame(n) ((void)(n), (int64_t)0)
#define btap_ustack_frame(n) ((void)(n), (int64_t)0)
#endif

#ifdef BTAP_HAVE_FIND_VMA
/* usymname() and friends: the mapping at the address, found now (the
 * kernel's bpf_find_vma, Linux 5.17), so that the runner names the symbol
 * by file and offset even after the process has exited. Without it the
 * runner reads the process's maps when it writes the text. */
struct btap_vma_hit {
	__u64 addr, ino, off, start;
};

static long btap_vma_hit_(struct task_struct *task, struct vm_area_struct *vma, void *data)
{
	struct btap_vma_hit *h = data;
	struct file *f = BPF_CORE_READ(vma, vm_file);
	h->start = BPF_CORE_READ(vma, vm_start);
	if (f) {
		h->ino = BPF_CORE_READ(f, f_inode, i_ino);
		h->off = h->addr - BPF_CORE_READ(vma, vm_start) + (BPF_CORE_READ(vma, vm_pgoff) << 12);
	}
	return 0;
}

static __always_inline char *btap_usym_token_(struct btap_ctx *c, int kind, __u64 addr)
{
	/* bpf_snprintf (5.13) rather than btap_token_at_: four numbers of
	 * variable width written digit by digit are too many paths for the
	 * verifier */
	static const char fmt[] = "..%llx.%llx:%llx:%llx."; /* printable only */
	struct btap_vma_hit h = {addr, 0, 0, 0};
	bpf_find_vma(bpf_get_current_task_btf(), addr, btap_vma_hit_, &h, 0);
	if (!h.ino)
		return btap_token_(c->tmp, kind, addr, btap_pid());
	__u64 args[4] = {addr, (__u64)btap_pid(), h.ino, h.off};
	long n = bpf_snprintf(c->tmp, MAXSTRINGLEN, fmt, args, sizeof(args));
	if (n < 4 || n > MAXSTRINGLEN) /* (a string too short for it) */
		return btap_token_(c->tmp, kind, addr, btap_pid());
	c->tmp[0] = BTAP_TOKEN_START;
	c->tmp[1] = (char)kind;
	c->tmp[n - 2] = BTAP_TOKEN_END;
	return c->tmp;
}
#define btap_usym_token(kind, addr) btap_usym_token_(c, (kind), (addr))
/* umodaddr(): addr's offset in the mapping that holds it, -1 for none */
static __always_inline int64_t btap_umodaddr_(__u64 addr)
{
	struct btap_vma_hit h = {addr, 0, 0, 0};
	if (bpf_find_vma(bpf_get_current_task_btf(), addr, btap_vma_hit_, &h, 0))
		return -1;
	return (int64_t)(addr - h.start);
}
#define btap_umodaddr(addr) btap_umodaddr_((__u64)(addr))
#else
#define btap_umodaddr(addr) ((void)(addr), (int64_t)-1)
#endif

/* a user string's length with its NUL (MAXSTRINGLEN when cut short) */
#define BTAP_USER_STR(dst, addr) ((int64_t)bpf_probe_read_user_str((dst), MAXSTRINGLEN, (const void *)(addr)))
/* syscall_num()'s search: one row a bpf_loop step */
#include "../btap_syscall_names.h"
#define BTAP_CUSTOM_SYSCALL_FIND 1 /* below, after btap_natives.h */
#ifdef BTAP_HAVE_SNPRINTF
/* symname() and symdata() as text, named in the probe by the kernel's
 * own "%ps" and "%pS" (its kallsyms), so that a script can compare them,
 * key maps by them and take them apart, as in stap; the other kinds stay
 * tokens the runner expands. A kernel symbol gets stap's " [kernel]". */
static __always_inline char *btap_ksym_text_(char *dst, int kind, __u64 addr)
{
	__u64 arg[1] = {addr};
	long n;
	if (kind == BTAP_TOK_KSYM)
		n = bpf_snprintf(dst, MAXSTRINGLEN, "%ps", arg, sizeof(arg));
	else if (kind == BTAP_TOK_KSYMDATA)
		n = bpf_snprintf(dst, MAXSTRINGLEN, "%pS", arg, sizeof(arg));
	else
		return btap_token_(dst, kind, addr, -1);
	if (n <= 1)
		return btap_token_(dst, kind, addr, -1);
	n--; /* the text's length */
	if (kind == BTAP_TOK_KSYMDATA && n >= 2 && n < MAXSTRINGLEN - 10 && dst[n - 1] != ']' && dst[0] != '0') {
		const char tag[] = " [kernel]";
		for (int i = 0; i < (int)sizeof(tag); i++)
			if (n + i >= 0 && n + i < MAXSTRINGLEN)
				dst[n + i] = tag[i];
	}
	return dst;
}
#define btap_ksym_token(kind, addr) btap_ksym_text_(c->tmp, (kind), (__u64)(addr))
#endif

#ifdef BTAP_NEED_FP /* btap_softfloat.h's operations: global functions */
#define BTAP_FP_API __attribute__((noinline))
#endif
#define BTAP_FP_OPAQUE(x) asm volatile("" : "+r"(x))
#include "../btap_natives.h"
/* syscall_num()'s search: a bpf_loop over the rows (the verifier checks
 * the step once; a plain loop was a million steps) */
struct btap_sysnum_ctx {
	uint64_t want[3];
	int64_t found;
};
static long btap_sysnum_step(__u32 nr, void *data)
{
	struct btap_sysnum_ctx *x = data;
	if (nr >= BTAP_NSYSCALL_NAMES)
		return 1;
	if (!btap_syscall_row_is_(nr, x->want))
		return 0;
	x->found = nr;
	return 1;
}
static __always_inline int64_t btap_syscall_find_(const uint64_t *want)
{
	struct btap_sysnum_ctx x = {{want[0], want[1], want[2]}, -1};
	bpf_loop(BTAP_NSYSCALL_NAMES > 0 ? BTAP_NSYSCALL_NAMES : 1, btap_sysnum_step, &x, 0);
	return x.found;
}

/* The natives that need the current task's struct (the generated unit
 * defines BTAP_NEED_TASK and requests task_struct in its header). */
#ifdef BTAP_NEED_TASK
static __always_inline struct task_struct *btap_task_of(struct btap_ctx *c)
{
#ifdef BTAP_TASK_OVERRIDE
	if (c->task)
		return (struct task_struct *)c->task;
#endif
	return (struct task_struct *)bpf_get_current_task();
}
#define btap_task() btap_task_of(c)

#ifdef BTAP_TASK_OVERRIDE
/* Some probe of the unit describes a task that is not running (the child
 * in process.begin): the identity natives read c->task when it is set, and
 * use the cheaper current-task helpers otherwise. Units without such
 * probes compile the helpers alone. (A function call keeps the read of
 * c->task itself out of BPF_CORE_READ's relocations.) */
#define btap_task_field(current, ...)                                          \
	(c->task ? (int64_t)BPF_CORE_READ(btap_task_of(c), __VA_ARGS__) : (int64_t)(current))
#define btap_pid() btap_task_field(bpf_get_current_pid_tgid() >> 32, tgid)
#define btap_tid() btap_task_field((__u32)bpf_get_current_pid_tgid(), pid)
#define btap_uid() btap_task_field((__u32)bpf_get_current_uid_gid(), cred, uid.val)
#define btap_gid() btap_task_field(bpf_get_current_uid_gid() >> 32, cred, gid.val)
static __always_inline char *btap_execname_(struct btap_ctx *c)
{
	if (!c->task)
		return btap_execname_current_(c);
	__builtin_memset(c->tmp, 0, 16);
	bpf_probe_read_kernel_str(c->tmp, BTAP_MIN(16, MAXSTRINGLEN), btap_task_of(c)->comm);
	return c->tmp;
}
#define btap_execname() btap_execname_(c)

/* process.begin: raw tracepoint sched_process_fork(parent, child) runs in
 * the parent; the child is a new process unless it joined the parent's
 * thread group (CLONE_THREAD). The body describes the child. */
static __always_inline void *btap_proc_begin_task(void *ctx)
{
	struct task_struct *child = (struct task_struct *)((__u64 *)ctx)[1];
	return BPF_CORE_READ(child, pid) == BPF_CORE_READ(child, tgid) ? child : 0;
}

/* process("PATH").begin: raw tracepoint sched_process_exec runs in the
 * task that has just exec'd. */
static __always_inline void *btap_proc_exec_task(void *ctx)
{
	return (void *)bpf_get_current_task();
}

#ifdef BTAP_NEED_EXE
/* The executable each filtering probe wants, by probe index: its inode
 * number and file name, found and written by the runner before it
 * attaches. Not the device: under overlayfs (containers, the VM tier)
 * the running file is the layer's, on another device than stat says. */
#define BTAP_EXE_NAME 32
struct btap_exe {
	__u64 ino;
	char name[BTAP_EXE_NAME];
};
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, BTAP_NEED_EXE);
	__type(key, __u32);
	__type(value, struct btap_exe);
} btap_exes SEC(".maps");

/* task, when it runs the executable probe `probe` wants. */
static __always_inline void *btap_task_runs(void *task, __u32 probe)
{
	struct btap_exe *want = bpf_map_lookup_elem(&btap_exes, &probe);
	if (!task || !want || !want->ino)
		return 0;
	struct file *f = BPF_CORE_READ((struct task_struct *)task, mm, exe_file);
	char name[BTAP_EXE_NAME] = {};
	int len = BTAP_EXE_NAME;
	if (f) {
		if (BPF_CORE_READ(f, f_inode, i_ino) != want->ino)
			return 0;
		bpf_probe_read_kernel_str(name, sizeof(name), BPF_CORE_READ(f, f_path.dentry, d_name.name));
	} else {
		/* an exiting task whose memory is already gone (the exit
		 * tracepoint comes after exit_mm() before Linux 6.16): the
		 * name it was exec'd as, as far as comm keeps it */
		bpf_probe_read_kernel_str(name, 16, ((struct task_struct *)task)->comm);
		len = 15;
	}
	for (int k = 0; k < len; k++) {
		if (name[k] != want->name[k])
			return 0;
		if (!name[k])
			break;
	}
	return task;
}
#endif

#ifdef BTAP_NEED_RUNNING
/* Begin probes for the processes already running at the start: the runner
 * lists them by probe index and process id, and counts them per probe.
 * Each fires once, in its own context: the first of its threads that
 * leaves a CPU (raw tracepoint sched_switch runs in the task switched
 * away from). Deleting the entry decides which thread that is. */
struct btap_running_key {
	__u32 probe, tgid;
};
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__uint(max_entries, 65536);
	__type(key, struct btap_running_key);
	__type(value, __u8);
} btap_running SEC(".maps");
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, BTAP_NEED_RUNNING);
	__type(key, __u32);
	__type(value, __u64);
} btap_running_left SEC(".maps");

static __always_inline void *btap_proc_running_task(void *ctx, __u32 probe)
{
	__u64 *left = bpf_map_lookup_elem(&btap_running_left, &probe);
	if (!left || !*left) /* all seen: one array lookup per switch */
		return 0;
	struct btap_running_key k = {probe, bpf_get_current_pid_tgid() >> 32};
	if (bpf_map_delete_elem(&btap_running, &k) != 0)
		return 0;
	__sync_fetch_and_add(left, -1);
	return (void *)bpf_get_current_task();
}
#endif

/* process.end: raw tracepoint sched_process_exit runs in the exiting
 * thread; the process ends with its thread-group leader. */
static __always_inline void *btap_proc_end_task(void *ctx)
{
#ifdef BTAP_EXIT_GROUP_DEAD
	/* the kernel says when the group's last thread goes (a leader killed
	 * by another thread's exec, or exiting first, is not the end) */
	return ((__u64 *)ctx)[1] & 0xff ? (void *)bpf_get_current_task() : 0;
#else
	__u64 id = bpf_get_current_pid_tgid();
	return (__u32)id == (__u32)(id >> 32) ? (void *)bpf_get_current_task() : 0;
#endif
}

/* task, when it belongs to process pid (process(PID).end). */
static __always_inline void *btap_task_is(void *task, __s64 pid)
{
	return task && BPF_CORE_READ((struct task_struct *)task, tgid) == pid ? task : 0;
}

/* process.thread.begin: sched_process_fork of a thread that joins its
 * parent's thread group; the body describes the new thread. */
static __always_inline void *btap_thread_begin_task(void *ctx)
{
	struct task_struct *child = (struct task_struct *)((__u64 *)ctx)[1];
	return BPF_CORE_READ(child, pid) != BPF_CORE_READ(child, tgid) ? child : 0;
}

/* process.thread.end: an exiting thread that does not end its process. */
static __always_inline void *btap_thread_end_task(void *ctx)
{
	return btap_proc_end_task(ctx) ? 0 : (void *)bpf_get_current_task();
}
#endif

#define btap_ppid() ((int64_t)BPF_CORE_READ(btap_task(), real_parent, tgid))
#define btap_euid() ((int64_t)BPF_CORE_READ(btap_task(), cred, euid.val))
#define btap_egid() ((int64_t)BPF_CORE_READ(btap_task(), cred, egid.val))
static __always_inline char *btap_pexecname_(struct btap_ctx *c)
{
	struct task_struct *parent = BPF_CORE_READ(btap_task(), real_parent);
	__builtin_memset(c->tmp, 0, 16);
	bpf_probe_read_kernel_str(c->tmp, BTAP_MIN(16, MAXSTRINGLEN), &parent->comm);
	return c->tmp;
}
#define btap_pexecname() btap_pexecname_(c)

/* Any task, by address: BPF_CORE_READ reads with bpf_probe_read_kernel,
 * so a bad address reads as 0. */
#define btap_task_at(t) ((struct task_struct *)(unsigned long)(t))
#define btap_task_current() ((int64_t)(unsigned long)btap_task())
/* pid2task: the kernel's bpf_task_from_pid (Linux 6.2 and later; callable
 * from tracepoint and tracing programs, not from kprobe ones); the task is
 * not kept, only its address, which the task_* readers read as any other. */
#ifdef BTAP_HAVE_TASK_FROM_PID
extern struct task_struct *bpf_task_from_pid(int pid) __ksym;
extern void bpf_task_release(struct task_struct *p) __ksym;
static __always_inline int64_t btap_pid2task_(struct btap_ctx *c, int64_t pid)
{
	struct task_struct *t = bpf_task_from_pid((int)pid);
	int64_t addr = 0;
	if (t) {
		addr = (int64_t)(unsigned long)t;
		bpf_task_release(t);
	}
	return addr;
}
#else
static __always_inline int64_t btap_pid2task_(struct btap_ctx *c, int64_t pid)
{
	btap_raise_lit(c, -1, "pid2task() needs the kernel's bpf_task_from_pid (Linux 6.2 and later); --runtime=kmod has it");
	return 0;
}
#endif
#define btap_pid2task(pid) btap_pid2task_(c, (pid))
#define btap_task_parent(t) ((int64_t)(unsigned long)BPF_CORE_READ(btap_task_at(t), real_parent))
#define btap_task_pid(t) ((int64_t)BPF_CORE_READ(btap_task_at(t), tgid))
#define btap_task_tid(t) ((int64_t)BPF_CORE_READ(btap_task_at(t), pid))
#define btap_task_uid(t) ((int64_t)BPF_CORE_READ(btap_task_at(t), cred, uid.val))
#define btap_task_euid(t) ((int64_t)BPF_CORE_READ(btap_task_at(t), cred, euid.val))
#define btap_task_gid(t) ((int64_t)BPF_CORE_READ(btap_task_at(t), cred, gid.val))
#define btap_task_egid(t) ((int64_t)BPF_CORE_READ(btap_task_at(t), cred, egid.val))
#define btap_task_prio(t) ((int64_t)BPF_CORE_READ(btap_task_at(t), prio) - 100)
#define btap_task_nice(t) ((int64_t)BPF_CORE_READ(btap_task_at(t), static_prio) - 120)
#define btap_task_start_time(t) ((int64_t)BPF_CORE_READ(btap_task_at(t), start_time))
#define btap_task_utime(t) ((int64_t)BPF_CORE_READ(btap_task_at(t), utime))
#define btap_task_stime(t) ((int64_t)BPF_CORE_READ(btap_task_at(t), stime))
/* Fields kernels spell differently (CO-RE picks what this one has):
 * state became __state in 5.14; the CPU is thread_info.cpu except from
 * 4.9 to 5.15, where it was the task's own cpu. */
struct task_struct___btap_new {
	unsigned int __state;
	struct {
		unsigned int cpu;
	} thread_info;
} __attribute__((preserve_access_index));
struct task_struct___btap_old {
	long state;
	unsigned int cpu;
} __attribute__((preserve_access_index));
static __always_inline int64_t btap_task_state(int64_t t)
{
	struct task_struct___btap_new *n = (void *)btap_task_at(t);
	if (bpf_core_field_exists(n->__state))
		return (int64_t)BPF_CORE_READ(n, __state);
	return (int64_t)BPF_CORE_READ((struct task_struct___btap_old *)n, state);
}
static __always_inline int64_t btap_task_cpu(int64_t t)
{
	struct task_struct___btap_new *n = (void *)btap_task_at(t);
	if (bpf_core_field_exists(n->thread_info.cpu))
		return (int64_t)BPF_CORE_READ(n, thread_info.cpu);
	return (int64_t)BPF_CORE_READ((struct task_struct___btap_old *)n, cpu);
}
static __always_inline char *btap_task_execname_(struct btap_ctx *c, int64_t t)
{
	__builtin_memset(c->tmp, 0, 16);
	if (t)
		bpf_probe_read_kernel_str(c->tmp, BTAP_MIN(16, MAXSTRINGLEN), &btap_task_at(t)->comm);
	return c->tmp;
}
#define btap_task_execname(t) btap_task_execname_(c, (t))
#endif

/* Tracepoint fields, argument slots, target memory, registers: shared
 * with the kmod runtime (runtime/btap_kernel_reads.h). */
#define BTAP_MEM_READ_STR(dst, addr, size, user)                                \
	((user) ? bpf_probe_read_user_str((dst), (size), (const void *)(addr)) \
		: bpf_probe_read_kernel_str((dst), (size), (const void *)(addr)))
/* The code segment the current task's user registers hold (saved on
 * entering the kernel; bpf_task_pt_regs, Linux 5.15), for
 * probing_32bit_app(). */
static __always_inline uint64_t btap_task_user_cs(void)
{
	uint64_t cs = 0;
	void *regs = (void *)bpf_task_pt_regs(bpf_get_current_task_btf());
	if (regs)
		bpf_probe_read_kernel(&cs, sizeof(cs), (char *)regs + 136);
	return cs;
}
/* System call argument n (1-6) in the current task's saved user
 * registers: rdi, rsi, rdx, r10, r8, r9 of x86-64's struct pt_regs. */
static __always_inline uint64_t btap_task_user_sysarg(int n)
{
	int off = n == 1 ? 112 : n == 2 ? 104 : n == 3 ? 96 : n == 4 ? 56 : n == 5 ? 72 : 64;
	uint64_t v = 0;
	void *regs = (void *)bpf_task_pt_regs(bpf_get_current_task_btf());
	if (regs)
		bpf_probe_read_kernel(&v, sizeof(v), (char *)regs + off);
	return v;
}
/* A perf event program's context is the kernel's struct
 * bpf_perf_event_data_kern, whose regs member points at the sample's
 * registers: those are what addr() and user_mode() read (c->args). */
struct bpf_perf_event_data_kern___btap {
	void *regs;
} __attribute__((preserve_access_index));
static __always_inline void *btap_perf_regs(void *ctx)
{
	return BPF_CORE_READ((struct bpf_perf_event_data_kern___btap *)ctx, regs);
}
#include "../btap_kernel_reads.h"

#ifdef BTAP_NEED_CMDLINE
/* cmdline_str(): the current process's arguments, from its memory (the
 * unit asks for task_struct and mm_struct then). */
static __always_inline int64_t btap_cmdline_read_(struct btap_ctx *c)
{
	struct task_struct *t = (struct task_struct *)bpf_get_current_task();
	struct mm_struct *mm = BPF_CORE_READ(t, mm);
	c->tmp[0] = 0;
	if (!mm)
		return 0;
	unsigned long start = BPF_CORE_READ(mm, arg_start), end = BPF_CORE_READ(mm, arg_end);
	int64_t n = end > start ? (int64_t)(end - start) : 0;
	if (n > MAXSTRINGLEN - 1)
		n = MAXSTRINGLEN - 1;
	if (n <= 0 || bpf_probe_read_user(c->tmp, n, (const void *)start) != 0) {
		c->tmp[0] = 0;
		return 0;
	}
	return n;
}
#define btap_cmdline() btap_cmdline_join_(c->tmp, btap_cmdline_read_(c))
/* cmdline_arg(k), and how many there are: walked string by string */
static __always_inline int64_t btap_cmdline_walk_current_(struct btap_ctx *c, int64_t k)
{
	struct task_struct *t = (struct task_struct *)bpf_get_current_task();
	struct mm_struct *mm = BPF_CORE_READ(t, mm);
	c->tmp[0] = 0;
	if (!mm)
		return 0;
	return btap_cmdline_walk_(c->tmp, BPF_CORE_READ(mm, arg_start), BPF_CORE_READ(mm, arg_end), k);
}
#define btap_cmdline_arg(k) ((k) < 0 ? (c->tmp[0] = 0, c->tmp) : (btap_cmdline_walk_current_(c, (k)), c->tmp))
#define btap_cmdline_argc() btap_cmdline_walk_current_(c, -1)
#endif

/* A netfilter program's context (struct bpf_nf_ctx, Linux 6.4: the hook's
 * state, then the packet), copied into the slots its target variables
 * read: $hooknum $skb $in $out $okfn. The state's layout by CO-RE. */
struct nf_hook_state___btap {
	__u8 hook;
	void *in, *out;
	void *okfn;
} __attribute__((preserve_access_index));

static __always_inline void btap_nf_slots(void *ctx, uint64_t *slots)
{
	const struct nf_hook_state___btap *st = ((void *const *)ctx)[0];
	__u8 hook = 0;
	slots[1] = (uint64_t)((void *const *)ctx)[1];
	slots[2] = slots[3] = slots[4] = 0;
	bpf_core_read(&hook, sizeof(hook), &st->hook);
	bpf_core_read(&slots[2], 8, &st->in);
	bpf_core_read(&slots[3], 8, &st->out);
	bpf_core_read(&slots[4], 8, &st->okfn);
	slots[0] = hook;
}

/* An LSM or netfilter program's result (emit_bpf.c returns c->verdict from it). */
#define btap_verdict() (c->verdict)
#define btap_set_verdict(v) ((void)(c->verdict = (v)))
/* raise(): the kernel signals the current task on the way out of the
 * program (bpf_send_signal, Linux 5.3) */
#define btap_send_signal(sig) ((void)bpf_send_signal((__u32)(sig)))


#endif
