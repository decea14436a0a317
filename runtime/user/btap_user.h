/* The runtime interface of generated code, user build (-DBTAP_TARGET_USER).
 *
 * The same generated C as in the BPF build (runtime/bpf/btap_bpf.h), here
 * run by the runner: begin/end/error and timer probes, the functions they
 * call and the btap_program descriptor, in a shared object. Everything
 * the runner owns (maps, statistics, output, errors) is reached through
 * the btap_runner_ops the runner hands to bind(). Locals live in frames on
 * the C stack, the globals in the runner's mapping of the globals map. */
#ifndef BTAP_USER_H
#define BTAP_USER_H

/* The few libc functions used here are declared, not included: the system
 * headers are ~4500 lines the host compiler would parse for every script,
 * ~25 ms of each cold start. The prototypes are glibc's (and POSIX's); the
 * unit includes no other header, so nothing can disagree with them. A
 * function used but not declared is an error (-Werror=implicit-function-
 * declaration), and one libc lacks fails pass 4's dlopen check. */
#include <stddef.h>
#include <string.h>
#include <stdint.h>
#include <asm/unistd.h> /* __NR_gettid */

typedef int pid_t;
typedef int clockid_t;
typedef __PTRDIFF_TYPE__ ssize_t;
typedef struct _IO_FILE FILE;
struct timespec {
	long tv_sec;
	long tv_nsec;
};
struct iovec {
	void *iov_base;
	size_t iov_len;
};
#define CLOCK_REALTIME 0
#define CLOCK_MONOTONIC 1
#define PR_GET_NAME 16

void *memcpy(void *restrict, const void *restrict, size_t);
void *memmove(void *, const void *, size_t);
void *memset(void *, int, size_t);
size_t strnlen(const char *, size_t);
size_t strcspn(const char *, const char *);
int snprintf(char *restrict, size_t, const char *restrict, ...);
FILE *fopen(const char *restrict, const char *restrict);
char *fgets(char *restrict, int, FILE *restrict);
int fclose(FILE *);
size_t fread(void *restrict, size_t, size_t, FILE *restrict);
void free(void *);
int prctl(int, ...);
int clock_gettime(clockid_t, struct timespec *);
ssize_t process_vm_readv(pid_t, const struct iovec *, unsigned long, const struct iovec *,
			 unsigned long, unsigned long);
long syscall(long, ...);
pid_t getpid(void);
pid_t getppid(void);
unsigned getuid(void);
unsigned geteuid(void);
unsigned getgid(void);
unsigned getegid(void);
int sched_getcpu(void);

#include "../btap_program.h"
#include "../format.h"
#include "../stats.h"

/* The runner's loops are not bounded by a verifier's budget: a larger
 * default MAXACTION, set before the shared defaults. */
#ifndef MAXACTION
#define MAXACTION 100000000
#endif
#include "../btap_limits.h"
#ifndef MAXNESTING
#define MAXNESTING 100
#endif

#define BTAP_INLINE inline
#define BTAP_TEXT_INLINE inline
/* The interface takes what every build needs; each uses a part. */
#pragma GCC diagnostic ignored "-Wunused-parameter"
#define BTAP_FUNC static
#define BTAP_FUNC_CALL static
#define BTAP_LIB_FUNC static
#define BTAP_MIN(a, b) ((a) < (b) ? (a) : (b))
#define BTAP_UNUSED_LABEL(l) l: __attribute__((unused));
#define BTAP_EXPORT __attribute__((visibility("default")))

static const struct btap_runner_ops *btap_ops;

/* A body's frame: on the C stack (recursion is allowed, up to MAXNESTING). */
#define BTAP_FRAME(type)                                                        \
	type fr_storage;                                                        \
	type *fr = &fr_storage;                                                 \
	char *nsp = 0;                                                          \
	(void)fr;                                                               \
	(void)nsp;                                                              \
	(void)sp;

struct btap_ctx {
	void *globals;
	int64_t actions;
	int err;   /* 0, 1 a (catchable) error, 2 abort */
	int site;  /* error site, -1 unknown */
	int probe;
	int depth; /* function nesting (MAXNESTING) */
	char errbuf[MAXSTRINGLEN];
	char tmp[MAXSTRINGLEN];
	/* the last =~ of the probe: pattern (NULL: none yet), result, subject */
	const char *re_pattern;
	int re_matched;
	char re_subject[MAXSTRINGLEN];
};

#define BTAP_HDR(c) ((struct btap_globals_hdr *)(c)->globals)

/* A begin, end or error probe ("interruptible": it runs in btap's task,
 * as stap's run in a process) may take MAXACTION_INTERRUPTIBLE actions,
 * the others MAXACTION. */
static inline void btap_user_enter(struct btap_ctx *c, int probe, int interruptible)
{
	c->globals = btap_ops->globals;
	c->actions = interruptible ? (int64_t)MAXACTION - (int64_t)MAXACTION_INTERRUPTIBLE : 0;
	c->err = 0;
	c->site = -1;
	c->probe = probe;
	c->depth = 0;
	c->errbuf[0] = 0;
	c->tmp[0] = 0;
	c->re_pattern = 0;
	c->re_matched = 0;
}

static inline void btap_user_leave(struct btap_ctx *c)
{
	if (c->err == 1)
		btap_ops->error(c->site < 0 ? BTAP_NO_SITE : (uint32_t)c->site, c->errbuf);
}

/* A begin, end or error probe the kernel half holds (embedded C on the
 * kmod runtime): the runtime runs it there, now, and prints its output. */
static inline void btap_run_in_kernel(uint32_t kpoint)
{
	btap_ops->run_kernel_probe(kpoint);
}

/* ---- errors ------------------------------------------------------------- */

#define BTAP_ERR_COPY(dst, src) snprintf((dst), MAXSTRINGLEN, "%s", (src))
#define BTAP_ACTIONS(c) ((c)->actions)
#define btap_raise_lit(c, st, lit) btap_raise_str((c), (st), (lit))
#define BTAP_NESTING 1 /* functions recurse, up to MAXNESTING */
#include "../btap_error.h"


/* ---- arithmetic ------------------------------------------------------- */


static inline int64_t btap_sdiv(int64_t x, int64_t y)
{
	if (y == 0)
		return 0;
	if (y == -1)
		return (int64_t)(0 - (uint64_t)x);
	return x / y;
}

static inline int64_t btap_smod(int64_t x, int64_t y)
{
	if (y == 0 || y == -1)
		return 0;
	return x % y;
}

#include "../btap_arith.h"

/* ---- strings ------------------------------------------------------------ */

/* Embedded C in scripts (guru mode) fills string results the way stap's
 * runtime lets it: strlcpy(STAP_RETVALUE, s, MAXSTRINGLEN). */
static inline size_t btap_strlcpy(char *dst, const char *src, size_t n)
{
	size_t len = strnlen(src, (size_t)-1 / 2);
	if (n) {
		size_t k = len < n - 1 ? len : n - 1;
		memmove(dst, src, k);
		dst[k] = 0;
	}
	return len;
}
#define strlcpy btap_strlcpy

#define btap_str_lit(dst, lit) ((char *)memcpy((dst), lit, sizeof(lit)))

/* Into a string key field, as wide as the strings used as that key. */
#define btap_key_str(dst, src) btap_str_copy_n((dst), (src), sizeof(dst))
/* A string of fewer than n bytes, zero-padded to n (the BPF build copies
 * these a word at a time). */
static inline void btap_str_words(char *dst, const char *src, int n)
{
	size_t len = strnlen(src, (size_t)n - 1);
	memmove(dst, src, len);
	memset(dst + len, 0, (size_t)n - len);
}
static inline void btap_str_copy_n(char *dst, const char *src, size_t n)
{
	size_t len = strnlen(src, n - 1);
	memmove(dst, src, len);
	dst[len] = 0;
}

static inline char *btap_str_copy(char *dst, const char *src)
{
	if (dst != src) {
		size_t n = strnlen(src, MAXSTRINGLEN - 1);
		memmove(dst, src, n);
		dst[n] = 0;
	}
	return dst;
}

static inline char *btap_str_cat(char *dst, const char *a, const char *b)
{
	size_t n = strnlen(a, MAXSTRINGLEN - 1), m = strnlen(b, MAXSTRINGLEN - 1);
	if (n + m > MAXSTRINGLEN - 1)
		m = MAXSTRINGLEN - 1 - n;
	if (dst != a)
		memmove(dst, a, n);
	memmove(dst + n, b, m);
	dst[n + m] = 0;
	return dst;
}

#include "../btap_strings.h"

/* ---- maps ---------------------------------------------------------------- */

#define BTAP_MAPREF(sym, id) (id)
#define btap_key_zero(k) memset((k), 0, sizeof(*(k)))

static inline int64_t btap_map_get_long(struct btap_ctx *c, int m, const void *k)
{
	int64_t v = 0;
	if (btap_ops->map_lookup(m, k, &v) != 0)
		v = 0;
	return v;
}

static inline char *btap_map_get_str(struct btap_ctx *c, int m, const void *k, char *dst)
{
	if (btap_ops->map_lookup(m, k, dst) != 0)
		dst[0] = 0;
	dst[MAXSTRINGLEN - 1] = 0;
	return dst;
}

static inline void btap_map_set(struct btap_ctx *c, int m, const void *k, const void *v, int site)
{
	if (btap_ops->map_update(m, k, v) < 0)
		btap_raise_lit(c, site, "Array overflow, check MAXMAPENTRIES");
}

static inline void btap_map_set_long(struct btap_ctx *c, int m, const void *k, int64_t v, int site)
{
	btap_map_set(c, m, k, &v, site);
}

/* String values are MAXSTRINGLEN bytes: copy so the runner reads no more
 * than the string's own buffer holds. */
static inline void btap_map_set_str(struct btap_ctx *c, int m, const void *k, const char *s, int site)
{
	char v[MAXSTRINGLEN];
	memset(v, 0, sizeof v);
	btap_str_copy(v, s);
	btap_map_set(c, m, k, v, site);
}

static inline int64_t btap_map_exists(struct btap_ctx *c, int m, const void *k)
{
	return btap_ops->map_lookup(m, k, NULL) == 0;
}

static inline void btap_map_delete(struct btap_ctx *c, int m, const void *k)
{
	btap_ops->map_delete(m, k);
}

static inline void btap_map_clear(struct btap_ctx *c, int m)
{
	btap_ops->map_clear(m);
}

/* g += v on a global scalar: the globals are mapped from the kernel half,
 * whose probes add to them meanwhile. tcc has no atomic builtins. */
static inline int64_t btap_global_add(int64_t *g, int64_t v)
{
#if defined(__TINYC__) && defined(__x86_64__)
	int64_t old = v;
	__asm__ __volatile__("lock; xaddq %0, %1" : "+r"(old), "+m"(*g) : : "memory");
	return btap_add(old, v);
#elif defined(__TINYC__)
	return *g = btap_add(*g, v);
#else
	return btap_add(__atomic_fetch_add(g, v, __ATOMIC_SEQ_CST), v);
#endif
}

static inline int64_t btap_map_add_long(struct btap_ctx *c, int m, const void *k, int64_t v, int site)
{
	int64_t n = btap_add(btap_map_get_long(c, m, k), v);
	btap_map_set_long(c, m, k, n, site);
	return n;
}

/* foreach: the keys in order, a malloc'd array the loop frees. */
#define btap_foreach_keys(c, m, sort_by, dir, agg, limit, keysp)               \
	btap_ops->map_keys((m), (sort_by), (dir), (agg), (limit), (keysp))
#define btap_foreach_free(p)                                                    \
	do {                                                                    \
		free(p);                                                        \
		(p) = 0;                                                        \
	} while (0)

/* Loops as callbacks (functions the BPF build compiles too): plain C. */
#include "../btap_loop.h"

static inline void btap_loop(struct btap_ctx *c, long (*cb)(uint32_t, void *), struct btap_loop *lp, int site)
{
	/* no bound of its own: MAXACTION, counted by the body, ends it */
	for (uint32_t i = 0; !lp->st; i++)
		if (cb(i, lp))
			return;
}

/* foreach unordered: a snapshot of the keys, key_size bytes each. */
static inline void btap_map_each(struct btap_ctx *c, long (*cb)(void *, const void *, void *, void *),
				 struct btap_loop *lp, int m, size_t key_size)
{
	void *keys = 0;
	int64_t n = btap_foreach_keys(c, m, 0, 1, 'c', -1, &keys);
	for (int64_t i = 0; i < n; i++)
		if (cb(0, (char *)keys + i * key_size, 0, lp))
			break;
	btap_foreach_free(keys);
}

/* ---- statistics ----------------------------------------------------------- */

static inline void btap_stat_add(struct btap_ctx *c, int m, const void *k, int64_t v, unsigned vsize,
				 int kind, int64_t start, int64_t interval, int nbuckets, int shift,
				 int site)
{
	if (btap_ops->stat_add(m, k, v) < 0)
		btap_raise_lit(c, site, "Array overflow, check MAXMAPENTRIES");
}

/* op: RT_STAT_COUNT ... RT_STAT_VARIANCE; the runner knows the shift */
static inline int64_t btap_stat_get(struct btap_ctx *c, int m, const void *k, int op, int shift,
				    int site)
{
	struct rt_stat_result r;
	memset(&r, 0, sizeof r);
	if (btap_ops->stat_read(m, k, &r) < 0)
		memset(&r, 0, sizeof r);
	switch (op) {
	case RT_STAT_COUNT:
		return r.count;
	case RT_STAT_SUM:
		return r.sum;
	default:
		break;
	}
	if (r.count == 0) {
		btap_raise_lit(c, site, "empty aggregate");
		return 0;
	}
	switch (op) {
	case RT_STAT_MIN:
		return r.min;
	case RT_STAT_MAX:
		return r.max;
	case RT_STAT_AVG:
		return btap_sdiv(r.sum, r.count);
	default:
		return r.variance;
	}
}

static inline void btap_print_hist(struct btap_ctx *c, int m, const void *k, int nbuckets, int map,
				   int site)
{
	btap_ops->print_hist(m, k);
}

/* @hist_*(x)[i]: the merged count of bucket i (0 for an empty aggregate). */
static inline int64_t btap_stat_bucket(struct btap_ctx *c, int m, const void *k, int64_t i, int nbuckets,
				       int site)
{
	int64_t buckets[128];
	int nb = 0;
	if (btap_ops->stat_hist(m, k, buckets, &nb) < 0 || i < 0 || i >= nb) {
		btap_raise_lit(c, site, "histogram index out of range");
		return 0;
	}
	return buckets[i];
}

/* ---- output ----------------------------------------------------------- */

#define BTAP_PRINT_BEGIN(c, fmt, nargs, size)                                   \
	{                                                                       \
		struct rt_arg btap_args[(nargs) > 0 ? (nargs) : 1];             \
		const uint32_t btap_fmt = (fmt);                                \
		const int btap_nargs = (nargs);
#define BTAP_PRINT_LONG(c, i, off, v)                                           \
	btap_args[i].kind = RT_ARG_LONG;                                        \
	btap_args[i].l = (v);                                                   \
	btap_args[i].s = 0;                                                     \
	btap_args[i].slen = 0;
#define BTAP_PRINT_STR(c, i, off, str)                                          \
	btap_args[i].kind = RT_ARG_STR;                                         \
	btap_args[i].l = 0;                                                     \
	btap_args[i].s = (str);                                                 \
	btap_args[i].slen = strnlen(btap_args[i].s, MAXSTRINGLEN);
#define BTAP_PRINT_END(c)                                                       \
		btap_ops->print(btap_fmt, btap_args, btap_nargs);               \
	}

#define BTAP_SPRINTF_BEGIN(c, fmt, nargs, bpf_fmt) BTAP_PRINT_BEGIN(c, fmt, nargs, 0)
#define BTAP_SPRINTF_LONG(i, v) BTAP_PRINT_LONG(c, i, 0, v)
#define BTAP_SPRINTF_STR(i, s) BTAP_PRINT_STR(c, i, 0, s)
#define BTAP_SPRINTF_OCT(i, v, special, tmp) BTAP_PRINT_LONG(c, i, 0, v)
#define BTAP_SPRINTF_STRN(i, s, prec, tmp) BTAP_PRINT_STR(c, i, 0, s)
#define BTAP_SPRINTF_NONE(i, v) BTAP_PRINT_LONG(c, i, 0, v)
#define BTAP_SPRINTF_SUFFIX(i, suffix, tmp) /* the runner formats the script's own format */
#define BTAP_SPRINTF_FIELD_STR(i, s, w, p, mode, tmp) BTAP_PRINT_STR(c, i, 0, s)
#define BTAP_SPRINTF_FIELD_LONG(i, v, inner, w, p, mode, prefix, tmp1, tmp2) BTAP_PRINT_LONG(c, i, 0, v)
#define BTAP_SPRINTF_END(c, dst)                                                \
		btap_ops->format(btap_fmt, btap_args, btap_nargs, (dst), MAXSTRINGLEN); \
	}

/* ---- the natives of tapset/RUNTIME-INTERFACE.md ------------------------ */

static inline int64_t btap_clock_ns(clockid_t id)
{
	struct timespec ts;
	clock_gettime(id, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static inline int64_t btap_hz_(struct btap_ctx *c)
{
	return BTAP_HDR(c)->hz > 0 ? BTAP_HDR(c)->hz : 250;
}

/* Split so the product stays in 64 bits (no 128-bit division from libgcc,
 * which the runner does not load). */
static inline int64_t btap_jiffies_(struct btap_ctx *c)
{
	int64_t ns = btap_clock_ns(CLOCK_MONOTONIC), hz = btap_hz_(c);
	return ns / 1000000000 * hz + ns % 1000000000 * hz / 1000000000;
}

static inline char *btap_comm_of(char *dst, pid_t pid)
{
	char path[64];
	FILE *f;
	dst[0] = 0;
	snprintf(path, sizeof path, "/proc/%d/comm", (int)pid);
	f = fopen(path, "r");
	if (f) {
		if (fgets(dst, BTAP_MIN(MAXSTRINGLEN, 16), f))
			dst[strcspn(dst, "\n")] = 0;
		fclose(f);
	}
	return dst;
}

static inline char *btap_execname_(struct btap_ctx *c)
{
	char name[17];
	memset(name, 0, sizeof name);
	prctl(PR_GET_NAME, name, 0, 0, 0);
	snprintf(c->tmp, BTAP_MIN(MAXSTRINGLEN, 16), "%s", name);
	return c->tmp;
}

static inline void btap_exit_(struct btap_ctx *c)
{
	BTAP_HDR(c)->exit_requested = 1;
	btap_ops->exit();
}

static inline void btap_abort_(struct btap_ctx *c)
{
	btap_exit_(c);
	if (!c->err)
		c->err = 2;
}

/* User memory is the runner's own, read without faulting through
 * process_vm_readv; the kernel's through the runner (/proc/kcore). */
static inline int btap_read_self(void *dst, uint64_t addr, size_t n)
{
	struct iovec local = {dst, n}, remote = {(void *)(uintptr_t)addr, n};
	return process_vm_readv(getpid(), &local, 1, &remote, 1, 0) == (ssize_t)n ? 0 : -1;
}
static inline int btap_read_kernel(void *dst, uint64_t addr, size_t n)
{
	return btap_ops->kernel_read(dst, addr, n) == 0 ? 0 : -1;
}
#define BTAP_MEM_READ(dst, addr, size, user)                                    \
	((user) ? btap_read_self((dst), (uint64_t)(addr), (size_t)(size))       \
		: btap_read_kernel((dst), (uint64_t)(addr), (size_t)(size)))
/* @var in the probes btap runs: the symbol's address from kallsyms */
#define BTAP_KSYM(sym, i) ((int64_t)btap_ops->kernel_symbol(#sym))
/* a traced process's memory is written by kernel probes only */
static inline int btap_write_user_none_(void) { return -1; }
#define BTAP_MEM_WRITE_USER(addr, src, size) ((void)(addr), (void)(src), (void)(size), btap_write_user_none_())
#include "../btap_memory.h"

/* The string at addr into dst (MAXSTRINGLEN): its length, or -1 when it
 * cannot be read (kernel memory never can, here). */
static inline long btap_read_self_str(char *dst, int64_t addr, int user)
{
	int64_t i;
	dst[0] = 0;
	if (!user) { /* a page at a time: never past the page the string ends in */
		for (i = 0; i < MAXSTRINGLEN - 1;) {
			uint64_t at = (uint64_t)addr + (uint64_t)i, room = 4096 - (at & 4095);
			size_t n = (size_t)(room < (uint64_t)(MAXSTRINGLEN - 1 - i) ? room : (uint64_t)(MAXSTRINGLEN - 1 - i));
			char *nul;
			if (btap_read_kernel(dst + i, at, n)) {
				dst[0] = 0;
				return -1;
			}
			nul = memchr(dst + i, 0, n);
			if (nul)
				return nul - dst;
			i += (int64_t)n;
		}
		dst[i] = 0;
		return i;
	}
	for (i = 0; i < MAXSTRINGLEN - 1; i++) {
		if (btap_read_self(dst + i, (uint64_t)addr + (uint64_t)i, 1)) {
			dst[0] = 0;
			return -1;
		}
		if (!dst[i])
			return i;
	}
	dst[i] = 0;
	return i;
}
#define BTAP_MEM_READ_STR(dst, addr, size, user) btap_read_self_str((dst), (addr), (user))
#include "../btap_target_reads.h" /* @cast and @var in runner probes */

static inline char *btap_mem_string_(struct btap_ctx *c, int64_t addr, int64_t maxlen, int user)
{
	char *dst = c->tmp;
	dst[0] = 0;
	if (maxlen <= 0)
		return dst;
	if (BTAP_MEM_READ_STR(dst, addr, MAXSTRINGLEN, user) < 0) {
		btap_fault(c, user ? "user string copy fault at " : "kernel string copy fault at ", (uint64_t)addr);
		return dst;
	}
	if (maxlen < MAXSTRINGLEN - 1)
		dst[maxlen] = 0;
	return dst;
}

static inline int64_t btap_cycles_(void)
{
#if defined(__x86_64__) || defined(__i386__)
	return (int64_t)__builtin_ia32_rdtsc();
#else
	return btap_clock_ns(CLOCK_MONOTONIC);
#endif
}

/* ---- regular expressions: the last match, for matched() and ngroups() ---- */

static inline int64_t btap_regex_note(struct btap_ctx *c, const char *pattern, const char *s,
				      int64_t m)
{
	int64_t n = btap_str_len(s);
	memcpy(c->re_subject, s, (size_t)n);
	c->re_subject[n] = 0;
	c->re_pattern = pattern;
	c->re_matched = (int)m;
	return m;
}

/* The groups of the last match: its count (with group 0), group n into
 * c->tmp; a run-time error after a failed match or for a missing group. */
static inline int64_t btap_regex_groups_(struct btap_ctx *c, int64_t n)
{
	c->tmp[0] = 0;
	if (!c->re_pattern || !c->re_matched) {
		btap_raise_lit(c, -1, "no capture groups: the last regular expression match failed");
		return 0;
	}
	int64_t count = btap_ops->regex_group(c->re_pattern, c->re_subject, n, c->tmp, MAXSTRINGLEN);
	if (count < 0) {
		btap_raise_lit(c, -1, "no capture groups: libc cannot re-run the last regular expression");
		return 0;
	}
	if (n >= count) {
		char msg[MAXSTRINGLEN];
		snprintf(msg, sizeof(msg), "no subexpression %lld in the last regular expression",
			 (long long)n);
		btap_raise_str(c, -1, msg);
	}
	return count;
}

static inline const char *btap_matched_(struct btap_ctx *c, int64_t n)
{
	if (n < 0) {
		c->tmp[0] = 0;
		btap_raise_lit(c, -1, "matched(): negative subexpression number");
		return c->tmp;
	}
	btap_regex_groups_(c, n);
	return c->tmp;
}

#define btap_pid() ((int64_t)getpid())
#define btap_tid() ((int64_t)syscall(__NR_gettid))
#define btap_ppid() ((int64_t)getppid())
#define btap_uid() ((int64_t)getuid())
#define btap_euid() ((int64_t)geteuid())
#define btap_gid() ((int64_t)getgid())
#define btap_egid() ((int64_t)getegid())
#define btap_cpu() ((int64_t)sched_getcpu())
static inline int64_t btap_random_(void)
{
	uint32_t v = 0;
	syscall(__NR_getrandom, &v, sizeof(v), 0);
	return v;
}
#define btap_random() btap_random_()
#define btap_execname() btap_execname_(c)
#define btap_pexecname() btap_comm_of(c->tmp, getppid())
/* Tasks in the runner's probes: task_current() is btap's own task (the
 * runner asks the kernel for its address), and the task_*() natives read
 * a task's fields by address at the offsets the emitter takes from the
 * kernel's BTF (emit/emit_task_layout.c). The definition below is
 * tentative: the emitted one replaces it; without one (no BTF) the layout
 * is unknown and reading a task is an error that says why. */
struct btap_task_field {
	int off, size;
};
struct btap_task_layout {
	int known;
	struct btap_task_field tgid, pid, real_parent, comm, cred, state, cpu, prio, static_prio, start_time,
		utime, stime, uid, euid, gid, egid;
};
static const struct btap_task_layout btap_task_layout;
static inline int64_t btap_no_task_(struct btap_ctx *c)
{
	btap_raise_lit(c, -1, "task_*() functions in begin, end and timer probes need the kernel's BTF to read a task");
	return 0;
}
static inline int64_t btap_task_read_(struct btap_ctx *c, int64_t t, struct btap_task_field f)
{
	if (!btap_task_layout.known)
		return btap_no_task_(c);
	/* 4-byte fields read signed (pids, priorities), 8-byte ones as they are (times, pointers) */
	return btap_kread(c, t + f.off, f.size, f.size == 8 ? 0 : 1);
}
static inline int64_t btap_task_cred_(struct btap_ctx *c, int64_t t, struct btap_task_field f)
{
	int64_t cred = btap_task_read_(c, t, btap_task_layout.cred);
	return c->err ? 0 : btap_kread(c, cred + f.off, f.size, 0);
}
static inline const char *btap_task_execname_(struct btap_ctx *c, int64_t t)
{
	c->tmp[0] = 0;
	if (!btap_task_layout.known) {
		btap_no_task_(c);
		return c->tmp;
	}
	return btap_kchars(c, c->tmp, t + btap_task_layout.comm.off, BTAP_MIN(btap_task_layout.comm.size, 16));
}
static inline int64_t btap_pid2task_(struct btap_ctx *c, int64_t pid)
{
	uint64_t t = 0;
	if (!btap_ops->pid_task || btap_ops->pid_task(pid, &t) != 0)
		btap_raise_lit(c, -1, "pid2task() in begin, end and timer probes needs the kernel's bpf_task_from_pid "
				      "(Linux 6.2 and later); --runtime=kmod has it");
	return (int64_t)t;
}
#define btap_task_current() (btap_ops->current_task ? (int64_t)btap_ops->current_task() : (int64_t)0)
#define btap_pid2task(pid) btap_pid2task_(c, (pid))
#define btap_task_parent(t) btap_task_read_(c, (t), btap_task_layout.real_parent)
#define btap_task_pid(t) btap_task_read_(c, (t), btap_task_layout.tgid)
#define btap_task_tid(t) btap_task_read_(c, (t), btap_task_layout.pid)
#define btap_task_uid(t) btap_task_cred_(c, (t), btap_task_layout.uid)
#define btap_task_euid(t) btap_task_cred_(c, (t), btap_task_layout.euid)
#define btap_task_gid(t) btap_task_cred_(c, (t), btap_task_layout.gid)
#define btap_task_egid(t) btap_task_cred_(c, (t), btap_task_layout.egid)
#define btap_task_execname(t) btap_task_execname_(c, (t))
#define btap_task_state(t) btap_task_read_(c, (t), btap_task_layout.state)
#define btap_task_cpu(t) btap_task_read_(c, (t), btap_task_layout.cpu)
#define btap_task_prio(t) (btap_task_read_(c, (t), btap_task_layout.prio) - 100)
#define btap_task_nice(t) (btap_task_read_(c, (t), btap_task_layout.static_prio) - 120)
#define btap_task_start_time(t) btap_task_read_(c, (t), btap_task_layout.start_time)
#define btap_task_utime(t) btap_task_read_(c, (t), btap_task_layout.utime)
#define btap_task_stime(t) btap_task_read_(c, (t), btap_task_layout.stime)
#define btap_target() (btap_ops->target ? btap_ops->target() : BTAP_HDR(c)->target_pid)
#define btap_stp_pid() ((int64_t)getpid())
#define btap_pp() btap_pp_(c)
#define btap_pn() btap_pn_(c)
#define btap_probe_type() btap_probe_type_(c)
#define btap_walltime_ns() btap_clock_ns(CLOCK_REALTIME)
#define btap_ktime_ns() btap_clock_ns(CLOCK_MONOTONIC)
#define btap_jiffies() btap_jiffies_(c)
#define btap_hz() btap_hz_(c)
#define btap_cycles() btap_cycles_()
#define btap_exit() btap_exit_(c)
#define btap_abort() btap_abort_(c)
#define btap_error(msg) btap_raise_str(c, -1, (msg))
#define btap_warn(msg) btap_ops->warn(BTAP_NO_SITE, (msg))
#define btap_system(cmd) btap_ops->system(cmd)
#define btap_switch_file() btap_ops->switch_file()
#define btap_log(where, msg) btap_ops->log((int)(where), (msg))
#define btap_procfs_set(s) btap_ops->procfs_put((s), 0)
#define btap_procfs_append(s) btap_ops->procfs_put((s), 1)
#define btap_procfs_get() btap_ops->procfs_value()
#define btap_user_mode() ((int64_t)0)
/* the runner is a 64-bit process */
#define btap_probing_32bit_app() ((int64_t)0)
#define btap_uarg_reg(n) \
	((void)(n), btap_raise_str(c, -1, "registers and arguments by position are not available at this probe point"), (int64_t)0)
/* no system call's entry here: int_arg() raises as above */
#define btap_sysargs() ((int64_t)0)
#define btap_sysarg(n) btap_uarg_reg(n)
#define btap_addr() ((int64_t)0)
#define btap_returnval() \
	(btap_raise_str(c, -1, "returnval() needs the return of a function: a .return probe of kernel.function or process"), (int64_t)0)
/* LSM and netfilter hooks are BPF programs only: no verdict here. */
#define btap_verdict() ((int64_t)0)
#define btap_set_verdict(v) ((void)(v), btap_raise_str(c, -1, "a verdict needs a kernel.lsm or netfilter probe"))
#define btap_send_signal(sig) \
	((void)(sig), btap_raise_str(c, -1, "raise() signals the task a kernel probe runs in; this probe has none"))
#define btap_matched(n) btap_matched_(c, (n))
#define btap_ngroups() btap_regex_groups_(c, 0)
/* Stacks are collected by kernel probes only: elsewhere they are empty. */
#include "../btap_stacks.h"
#define btap_kstack(kind) ((void)(kind), c->tmp[0] = 0, c->tmp)
#define btap_ustack(kind) ((void)(kind), c->tmp[0] = 0, c->tmp)
#define btap_kstack_frame(n) ((void)(n), (int64_t)0)
#define btap_ustack_frame(n) ((void)(n), (int64_t)0)
#define btap_have_regs() ((int64_t)0)
/* the load averages of /proc/loadavg ("0.52 0.58 0.59 ..."), in the
 * kernel's fixed point (11 bits of fraction; the hundredths survive the
 * round trip through sprint_loadavg()) */
/* @perf reads the counters of the thread a probe runs in: the runner's
 * probes have none. */
#define btap_perf_counter(k)                                                                           \
	((void)(k), btap_raise_str(c, -1, "@perf reads the running thread's perf counters: not in begin, " \
					  "end, error, timer or procfs probes"),                             \
	 (int64_t)-1)
#ifdef BTAP_PERF_COUNTERS
#define btap_perf_counters() ((int64_t)BTAP_PERF_COUNTERS)
#else
#define btap_perf_counters() ((int64_t)0)
#endif

static inline int64_t btap_loadavg_(struct btap_ctx *c, int64_t i)
{
	char line[64];
	const char *p = line;
	int64_t whole = 0, hundredths = 0;
	FILE *f = fopen("/proc/loadavg", "r");
	int ok = f && fgets(line, sizeof(line), f) && i >= 0 && i <= 2;
	if (f)
		fclose(f);
	for (int k = 0; ok && k < i; k++) /* to the i-th field */
		for (p += strcspn(p, " "); *p == ' '; p++)
			;
	for (whole = 0; ok && *p >= '0' && *p <= '9'; p++)
		whole = whole * 10 + (*p - '0');
	if (ok && p[0] == '.' && p[1] >= '0' && p[1] <= '9' && p[2] >= '0' && p[2] <= '9')
		hundredths = (p[1] - '0') * 10 + (p[2] - '0');
	else
		ok = 0;
	if (!ok) {
		btap_raise_str(c, -1, "cannot read the load averages in /proc/loadavg");
		return 0;
	}
	return whole * 2048 + hundredths * 2048 / 100;
}
#define btap_loadavg(i) btap_loadavg_(c, (i))
/* Symbols named at once, not as tokens for the output: the runner is
 * here, and the script may compare or take the names apart. */
static inline char *btap_named_token_(char *dst, int kind, uint64_t v, int64_t pid)
{
	char token[MAXSTRINGLEN];
	btap_token_(token, kind, v, pid);
	btap_ops->expand(token, dst, MAXSTRINGLEN);
	return dst;
}
#define btap_ksym_token(kind, addr) btap_named_token_(c->tmp, (kind), (uint64_t)(addr), -1)
#define btap_usym_token(kind, addr) btap_named_token_(c->tmp, (kind), (uint64_t)(addr), btap_pid())
/* the runner's probes have no traced process */
#define btap_umodaddr(addr) ((void)(addr), (int64_t)-1)
/* the runner's probes run on no kernel stack */
#define btap_stack_size() ((int64_t)16384)
#define btap_stack_used() ((int64_t)0)
#include "../btap_natives.h"
/* A string a kernel probe stored (an array's key or value) reaches the
 * runner's probes as the kernel wrote it: a stack or symbol in it is
 * still a token. The string natives and comparisons name its tokens first,
 * so that lengths, positions and order are the name's. Two buffers: a
 * comparison names both sides (the runner runs its probes on one thread). */
static char btap_named_buf_[2][MAXSTRINGLEN];
static inline const char *btap_named_(const char *s, int which)
{
	int i = 0;
	while (s && i < MAXSTRINGLEN && s[i] && s[i] != BTAP_TOKEN_START)
		i++;
	if (!s || i == MAXSTRINGLEN || s[i] != BTAP_TOKEN_START)
		return s;
	btap_ops->expand(s, btap_named_buf_[which], MAXSTRINGLEN);
	return btap_named_buf_[which];
}
static inline int btap_str_cmp_named_(const char *a, const char *b)
{
	return btap_str_cmp(btap_named_(a, 0), btap_named_(b, 1));
}
#undef btap_strlen
#undef btap_substr
#undef btap_byte_at
#undef btap_strpos
#undef btap_strtol
#undef btap_text_str
#define btap_strlen(s) btap_str_len(btap_named_((s), 0))
#define btap_substr(s, start, len) btap_substr_(c->tmp, btap_named_((s), 0), (start), (len))
#define btap_byte_at(s, pos) btap_byte_at_(btap_named_((s), 0), (pos))
#define btap_strpos(h, n) btap_strpos_(btap_named_((h), 0), btap_named_((n), 1))
#define btap_strtol(s, base) btap_strtol_(btap_named_((s), 0), (base))
#define btap_text_str(s, outlen, quoted) btap_text_str_(c->tmp, btap_named_((s), 0), (outlen), (quoted))
/* the runner's own arguments (a runner probe runs in btap) */
static inline int64_t btap_cmdline_read_(struct btap_ctx *c)
{
	FILE *f = fopen("/proc/self/cmdline", "r");
	int64_t n = f ? (int64_t)fread(c->tmp, 1, MAXSTRINGLEN - 1, f) : 0;
	if (f)
		fclose(f);
	return n;
}
#define btap_cmdline() btap_cmdline_join_(c->tmp, btap_cmdline_read_(c))
#define btap_cmdline_arg(k) btap_cmdline_pick_(c->tmp, btap_cmdline_read_(c), (k))
#define btap_cmdline_argc() btap_cmdline_count_(c->tmp, btap_cmdline_read_(c))

#endif
