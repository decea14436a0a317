/* The kernel-module runtime: what generated C uses (runtime/btap_runtime.h)
 * when the kernel half is a module built by kbuild (-DBTAP_TARGET_KMOD).
 *
 * Everything the module needs is allocated when it loads: the globals, the
 * arrays (bounded open-addressing hash tables, one spinlock each), the
 * per-CPU probe frames and the output buffer. A handler runs with
 * preemption off on its CPU's frame; a handler that interrupts another on
 * the same CPU (re-entry) is skipped and counted. Output records have the
 * layout of the BPF runtime's (btap_program.h), so the runner prints both
 * runtimes' output through one path.
 *
 * The module's file, /proc/<module name>: read hands out output records,
 * write arms and disarms the probes, mmap maps the globals, an ioctl
 * (btap_kmod_abi.h) does the runner's array operations.
 *
 * Kernel probes (btap_kpoints, written by kmod-backend/emit_kmod.c):
 * tracepoint callbacks (prototype arguments), perf events (a tracepoint's
 * record, software events), kprobes and kretprobes, uprobes. */
#ifndef BTAP_KMOD_H
#define BTAP_KMOD_H

#include <linux/module.h>
#include <linux/kernel.h>
#include <linux/slab.h>
#include <linux/vmalloc.h>
#include <linux/percpu.h>
#include <linux/spinlock.h>
#include <linux/string.h>
#include <linux/sched.h>
#include <linux/sched/prio.h>
#include <linux/version.h>
#include <linux/cred.h>
#include <linux/jiffies.h>
#include <linux/timekeeping.h>
#include <linux/tracepoint.h>
#include <linux/uaccess.h>
#include <linux/proc_fs.h>
#include <linux/mm.h>
#include <linux/kprobes.h>
#include <linux/kallsyms.h>
#include <linux/netfilter.h>
#include <linux/nsproxy.h>
#include <net/net_namespace.h>
#include <linux/perf_event.h>
#include <linux/trace_events.h>
#include <linux/sort.h>
#include <linux/bitmap.h>
#include <linux/fs.h>
#include <linux/dcache.h>
#include <linux/rcupdate.h>
#include <linux/irq_work.h>
#include <linux/sched/signal.h>
#include <linux/sched/task.h>
#ifdef BTAP_KMOD_UPROBES
#include <linux/uprobes.h>
#include <linux/namei.h>
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 13, 0)
#error "btap: the kmod runtime's uprobes know the uprobe API of Linux 6.1 to 6.12"
#endif
/* 6.12: uprobe_register() returns the uprobe, which unregistering names */
#define BTAP_UPROBE_HANDLE (LINUX_VERSION_CODE >= KERNEL_VERSION(6, 12, 0))
#endif

#include "../btap_program.h"
#include "btap_kmod_abi.h"

#include "../btap_limits.h"
#ifndef BTAP_ZERO_SIZE
#define BTAP_ZERO_SIZE 8
#endif
#ifndef BTAP_KMOD_OUTPUT_SIZE
#define BTAP_KMOD_OUTPUT_SIZE (1u << 20)
#endif

#define BTAP_INLINE inline
#define BTAP_TEXT_INLINE inline
#define BTAP_FUNC static
#define BTAP_FUNC_CALL static
#define BTAP_LIB_FUNC static
#define BTAP_MIN(a, b) ((a) < (b) ? (a) : (b))
#define BTAP_UNUSED_LABEL(l) l: __attribute__((unused));
/* Functions may recurse: each call's frame follows its caller's in the
 * per-CPU scratch space, whose recursive part is sized for MAXNESTING
 * calls (em_frame_sizes). The C stack holds little per call (locals live
 * in the frame), but a handler may run on an interrupt stack or deep in a
 * syscall: stap's order of depth, not the runner's 100. The unit defines
 * it as stap does (em_kernel_nesting: the code's deepest chain of calls,
 * plus 10 where functions recurse); 10 otherwise. */
#define BTAP_NESTING 1
#ifndef MAXNESTING
#define MAXNESTING 10
#endif
#include "../btap_ctx.h"

/* ---- module data ---------------------------------------------------------- */

/* Tentative here, defined by the unit (which knows their types). The
 * globals are allocated at load, where the runner can map them. */
static void *btap_globals;
static size_t btap_globals_size;
static size_t btap_scratch_size;
#define BTAP_DECLARE_GLOBALS(vtype) static size_t btap_globals_size = sizeof(vtype)
#define BTAP_DECLARE_SCRATCH(size) static size_t btap_scratch_size = (size)

static char __percpu *btap_scratch;
static int __percpu *btap_busy;

/* A lock the runner's side takes (process context): this CPU's handlers
 * are kept out meanwhile (busy, their hits counted as skipped), since a
 * handler in NMI-like context (a breakpoint's, in the debug exception)
 * would spin forever on a lock the code it interrupted holds. The
 * handlers' own holds are covered by the same per-CPU guard. */
#define btap_runner_lock(l, fl)                                                 \
	do {                                                                    \
		local_irq_save(fl);                                             \
		this_cpu_inc(*btap_busy);                                       \
		spin_lock(l);                                                   \
	} while (0)
#define btap_runner_unlock(l, fl)                                               \
	do {                                                                    \
		spin_unlock(l);                                                 \
		this_cpu_dec(*btap_busy);                                       \
		local_irq_restore(fl);                                          \
	} while (0)


/* An array: cap slots (a power of two, at least twice max_entries), each
 * a state word, the key and the value, 8-byte aligned. */
struct btap_kmap {
	const char *name;
	uint32_t key_size, val_size, max_entries, cap, slot, count;
	int wrap;
	spinlock_t lock;
	char *slots;
};

#define BTAP_DECLARE_MAP(sym, ksize, vsize, max, wrap_)                          \
	static struct btap_kmap sym = {#sym, (ksize), (vsize), (max), 0, 0, 0, (wrap_)}

enum { BTAP_SLOT_FREE, BTAP_SLOT_USED, BTAP_SLOT_GONE };

static int btap_kmap_alloc(struct btap_kmap *m)
{
	uint32_t cap = 16;
	while (cap < 2 * m->max_entries)
		cap <<= 1;
	m->cap = cap;
	m->slot = 8 + BTAP_ALIGN8(m->key_size) + BTAP_ALIGN8(m->val_size);
	spin_lock_init(&m->lock);
	m->slots = vzalloc((size_t)cap * m->slot);
	return m->slots ? 0 : -ENOMEM;
}

static uint64_t btap_hash(const void *k, uint32_t n)
{
	const unsigned char *p = k;
	uint64_t h = 1469598103934665603ull;
	while (n--)
		h = (h ^ *p++) * 1099511628211ull;
	return h;
}

/* The slot holding key k, or (insert) the slot it goes in; NULL when the
 * key is absent (lookup) or the array is full (insert). Lock held. */
static char *btap_kmap_slot(struct btap_kmap *m, const void *k, int insert)
{
	uint32_t i = (uint32_t)btap_hash(k, m->key_size) & (m->cap - 1), n;
	char *gone = NULL;
	for (n = 0; n < m->cap; n++, i = (i + 1) & (m->cap - 1)) {
		char *s = m->slots + (size_t)i * m->slot;
		uint64_t st = *(uint64_t *)s;
		if (st == BTAP_SLOT_USED && !memcmp(s + 8, k, m->key_size))
			return s;
		if (st == BTAP_SLOT_GONE && !gone)
			gone = s;
		if (st == BTAP_SLOT_FREE) {
			if (!gone)
				gone = s;
			break;
		}
	}
	if (insert && m->wrap && (!gone || m->count >= m->max_entries)) {
		/* global a%[N], full: an element makes room (the one after the
		 * key's hash position: BPF's LRU maps drop the least recently
		 * used instead, which a probe's order cannot tell apart) */
		for (n = 0; n < m->cap; n++, i = (i + 1) & (m->cap - 1)) {
			char *s = m->slots + (size_t)i * m->slot;
			if (*(uint64_t *)s == BTAP_SLOT_USED) {
				*(uint64_t *)s = BTAP_SLOT_GONE;
				m->count--;
				gone = gone ? gone : s;
				break;
			}
		}
	}
	if (!insert || !gone || m->count >= m->max_entries)
		return NULL;
	memcpy(gone + 8, k, m->key_size);
	memset(gone + 8 + BTAP_ALIGN8(m->key_size), 0, m->val_size);
	/* foreach walks without the lock: the key is there before the state */
	smp_store_release((uint64_t *)gone, BTAP_SLOT_USED);
	m->count++;
	return gone;
}

#define BTAP_KVAL(m, s) ((s) + 8 + BTAP_ALIGN8((m)->key_size))
#define BTAP_MAPREF(sym, id) (&(sym))

/* ---- errors ---------------------------------------------------------------- */

#define BTAP_ERR_COPY(dst, src) strscpy((dst), (src), MAXSTRINGLEN)
#define BTAP_ACTIONS(c) (*(c)->actions)
#define btap_raise_lit(c, st, lit) btap_raise_str((c), (st), (lit))
#include "../btap_error.h"

/* ---- loops ------------------------------------------------------------------- */

#include "../btap_loop.h"

/* A loop body is a callback (as on BPF): called with the iteration until
 * it returns nonzero, having set the loop's state. Each iteration counts
 * against the probe's actions first; the bound is a backstop, as large as
 * a begin or end probe's budget (btap_kmod_enter_invoked). */
#define BTAP_KMOD_LOOP_MAX ((uint32_t)MAXACTION_INTERRUPTIBLE + 1)
#define btap_loop(c, cb, lp, site)                                              \
	do {                                                                    \
		uint32_t btap_i_;                                               \
		for (btap_i_ = 0; btap_i_ < BTAP_KMOD_LOOP_MAX; btap_i_++)      \
			if ((cb)(btap_i_, (lp)))                                \
				break;                                          \
		if (!(lp)->st) {                                                \
			btap_raise_lit((c), (site), "MAXACTION exceeded");      \
			(lp)->st = BTAP_LOOP_ERR;                               \
		}                                                               \
	} while (0)

static inline int64_t btap_sdiv(int64_t x, int64_t y)
{
	return (x == S64_MIN && y == -1) ? x : div64_s64(x, y);
}

static inline int64_t btap_smod(int64_t x, int64_t y)
{
	return (x == S64_MIN && y == -1) ? 0 : x - div64_s64(x, y) * y;
}

#include "../btap_arith.h"

/* ---- strings ------------------------------------------------------------------ */

#define btap_str_lit(dst, lit) ((char *)memcpy((dst), lit, sizeof(lit)))

static inline char *btap_str_copy(char *dst, const char *src)
{
	strscpy(dst, src, MAXSTRINGLEN);
	return dst;
}

static inline void btap_str_copy_n(char *dst, const char *src, uint32_t n)
{
	strscpy(dst, src, BTAP_MIN(n + 1, MAXSTRINGLEN));
}

static inline void btap_str_words(char *dst, const char *src, int n)
{
	memcpy(dst, src, n);
}

#define btap_key_str(dst, src) strscpy((dst), (src), sizeof(dst))

static inline char *btap_str_cat(char *dst, const char *a, const char *b)
{
	char t[MAXSTRINGLEN];
	size_t n = strscpy(t, a, MAXSTRINGLEN);
	if ((ssize_t)n >= 0)
		strscpy(t + n, b, MAXSTRINGLEN - n);
	memcpy(dst, t, MAXSTRINGLEN);
	return dst;
}

#include "../btap_strings.h"

/* ---- arrays --------------------------------------------------------------------- */

#define btap_key_zero(k) memset((k), 0, sizeof(*(k)))

static inline int64_t btap_map_get_long(struct btap_ctx *c, struct btap_kmap *m, const void *k)
{
	unsigned long fl;
	int64_t v = 0;
	char *s;
	spin_lock_irqsave(&m->lock, fl);
	s = btap_kmap_slot(m, k, 0);
	if (s)
		v = *(int64_t *)BTAP_KVAL(m, s);
	spin_unlock_irqrestore(&m->lock, fl);
	return v;
}

static inline char *btap_map_get_str(struct btap_ctx *c, struct btap_kmap *m, const void *k, char *dst)
{
	unsigned long fl;
	char *s;
	dst[0] = 0;
	spin_lock_irqsave(&m->lock, fl);
	s = btap_kmap_slot(m, k, 0);
	if (s)
		btap_str_copy(dst, BTAP_KVAL(m, s));
	spin_unlock_irqrestore(&m->lock, fl);
	return dst;
}

static inline void btap_map_set_str(struct btap_ctx *c, struct btap_kmap *m, const void *k, const void *v,
				    int site)
{
	unsigned long fl;
	char *s;
	spin_lock_irqsave(&m->lock, fl);
	s = btap_kmap_slot(m, k, 1);
	if (s)
		memcpy(BTAP_KVAL(m, s), v, m->val_size);
	spin_unlock_irqrestore(&m->lock, fl);
	if (!s)
		btap_raise_lit(c, site, "Array overflow, check MAXMAPENTRIES");
}

static inline void btap_map_set_long(struct btap_ctx *c, struct btap_kmap *m, const void *k, int64_t v,
				     int site)
{
	btap_map_set_str(c, m, k, &v, site);
}

static inline int64_t btap_map_exists(struct btap_ctx *c, struct btap_kmap *m, const void *k)
{
	unsigned long fl;
	char *s;
	spin_lock_irqsave(&m->lock, fl);
	s = btap_kmap_slot(m, k, 0);
	spin_unlock_irqrestore(&m->lock, fl);
	return s != NULL;
}

static inline void btap_map_delete(struct btap_ctx *c, struct btap_kmap *m, const void *k)
{
	unsigned long fl;
	char *s;
	spin_lock_irqsave(&m->lock, fl);
	s = btap_kmap_slot(m, k, 0);
	if (s) {
		*(uint64_t *)s = BTAP_SLOT_GONE;
		m->count--;
	}
	spin_unlock_irqrestore(&m->lock, fl);
}

static inline void btap_map_clear(struct btap_ctx *c, struct btap_kmap *m)
{
	unsigned long fl;
	spin_lock_irqsave(&m->lock, fl);
	memset(m->slots, 0, (size_t)m->cap * m->slot);
	m->count = 0;
	spin_unlock_irqrestore(&m->lock, fl);
}

/* g += v on a global scalar: probes on other CPUs and the runner (which
 * maps the globals) update it too. */
static inline int64_t btap_global_add(int64_t *g, int64_t v)
{
	return btap_add(__sync_fetch_and_add(g, v), v);
}

/* a[k] += v; the new value. */
static inline int64_t btap_map_add_long(struct btap_ctx *c, struct btap_kmap *m, const void *k, int64_t v,
					int site)
{
	unsigned long fl;
	int64_t r = 0;
	char *s;
	spin_lock_irqsave(&m->lock, fl);
	s = btap_kmap_slot(m, k, 1);
	if (s)
		r = *(int64_t *)BTAP_KVAL(m, s) = btap_add(*(int64_t *)BTAP_KVAL(m, s), v);
	spin_unlock_irqrestore(&m->lock, fl);
	if (!s)
		btap_raise_lit(c, site, "Array overflow, check MAXMAPENTRIES");
	return r;
}

/* foreach: every element once, in slot order. The walk takes no lock (the
 * body's own array operations do); an element inserted meanwhile may or
 * may not be seen, as on BPF. */
static inline void btap_kmap_each(struct btap_kmap *m, long (*cb)(void *, const void *, void *, void *),
				  void *data)
{
	uint32_t i;
	for (i = 0; i < m->cap; i++) {
		char *s = m->slots + (size_t)i * m->slot;
		if (smp_load_acquire((uint64_t *)s) == BTAP_SLOT_USED && cb(m, s + 8, BTAP_KVAL(m, s), data))
			break;
	}
}

#define btap_map_each(c, cb, lp, m, key_size) btap_kmap_each((m), (cb), (lp))

/* ---- statistics: btap_stats_core.h, one partial per key ----------------------- */

/* A statistic's value is one struct rt_stat and its buckets (as one CPU's
 * partial on BPF), updated under the array's lock; the runner merges it
 * with the same code (runner/runner_stats.c). */
#include "../btap_stats_core.h"
#define btap_stat_buckets(s) ((int64_t *)((struct rt_stat *)(s) + 1))

static inline void btap_stat_add(struct btap_ctx *c, struct btap_kmap *m, const void *k, int64_t v,
				 unsigned vsize, int kind, int64_t start, int64_t interval, int nbuckets,
				 int shift, int site)
{
	unsigned long fl;
	char *s;
	int b;
	spin_lock_irqsave(&m->lock, fl);
	s = btap_kmap_slot(m, k, 1);
	if (s) {
		struct rt_stat *st = (struct rt_stat *)BTAP_KVAL(m, s);
		btap_sc_add(st, v, shift);
		b = btap_sc_hist_bucket(v, kind, start, interval, nbuckets);
		if (b >= 0 && b < nbuckets)
			btap_stat_buckets(st)[b]++;
	}
	spin_unlock_irqrestore(&m->lock, fl);
	if (!s)
		btap_raise_lit(c, site, "Array overflow, check MAXMAPENTRIES");
}

/* A copy of the statistic at k (count 0 when absent). */
static inline void btap_stat_copy(struct btap_kmap *m, const void *k, struct rt_stat *st, int64_t *buckets,
				  int nbuckets)
{
	unsigned long fl;
	char *s;
	memset(st, 0, sizeof(*st));
	spin_lock_irqsave(&m->lock, fl);
	s = btap_kmap_slot(m, k, 0);
	if (s) {
		memcpy(st, BTAP_KVAL(m, s), sizeof(*st));
		if (buckets)
			memcpy(buckets, btap_stat_buckets(BTAP_KVAL(m, s)), sizeof(int64_t) * nbuckets);
	}
	spin_unlock_irqrestore(&m->lock, fl);
}

static inline int64_t btap_stat_get(struct btap_ctx *c, struct btap_kmap *m, const void *k, int op, int shift,
				    int site)
{
	struct rt_stat st;
	struct rt_stat_result r = {0};
	int64_t acc = 0;
	btap_stat_copy(m, k, &st, NULL, 0);
	if (st.count)
		btap_sc_merge_part(&r, &st);
	int64_t v;
	int how = btap_sc_pick(&r, op, shift, &v);
	if (how == 1)
		btap_raise_lit(c, site, "empty aggregate");
	if (how != 2)
		return v;
	btap_sc_variance_part(&acc, &r, &st);
	btap_sc_variance_done(&r, acc, shift);
	return r.variance;
}

/* @hist_*(x)[i]. */
static inline int64_t btap_stat_bucket(struct btap_ctx *c, struct btap_kmap *m, const void *k, int64_t i,
				       int nbuckets, int site)
{
	unsigned long fl;
	int64_t n = 0;
	char *s;
	if (i < 0 || i >= nbuckets) {
		btap_raise_lit(c, site, "histogram index out of range");
		return 0;
	}
	spin_lock_irqsave(&m->lock, fl);
	s = btap_kmap_slot(m, k, 0);
	if (s)
		n = btap_stat_buckets(BTAP_KVAL(m, s))[i];
	spin_unlock_irqrestore(&m->lock, fl);
	return n;
}

/* ---- output: records as btap_program.h lays them out ----------------------- */

/* One buffer for every CPU: [u32 length][record], 8-byte aligned; the
 * runner reads it through the module's file. */
static char *btap_out;
static uint32_t btap_out_head, btap_out_tail;
static DEFINE_SPINLOCK(btap_out_lock);

static inline void btap_lost(struct btap_ctx *c)
{
	BTAP_HDR(c)->lost_records[smp_processor_id() & 255]++;
}

static inline char *btap_out_reserve(struct btap_ctx *c, uint32_t size, unsigned long *fl)
{
	uint32_t need = BTAP_ALIGN8(size + 8);
	spin_lock_irqsave(&btap_out_lock, *fl);
	if (btap_out_head - btap_out_tail + need > BTAP_KMOD_OUTPUT_SIZE ||
	    (btap_out_head % BTAP_KMOD_OUTPUT_SIZE) + need > BTAP_KMOD_OUTPUT_SIZE) {
		spin_unlock_irqrestore(&btap_out_lock, *fl);
		btap_lost(c);
		return NULL;
	}
	*(uint32_t *)(btap_out + btap_out_head % BTAP_KMOD_OUTPUT_SIZE) = size;
	return btap_out + btap_out_head % BTAP_KMOD_OUTPUT_SIZE + 8;
}

static inline void btap_out_commit(char *rec, unsigned long fl)
{
	btap_out_head += BTAP_ALIGN8(*(uint32_t *)(rec - 8) + 8);
	spin_unlock_irqrestore(&btap_out_lock, fl);
}

#define BTAP_PRINT_BEGIN(c, fmt, nargs, size)                                   \
	{                                                                       \
		unsigned long btap_fl;                                          \
		char *btap_rec = btap_out_reserve((c), (size), &btap_fl);       \
		if (btap_rec) {                                                 \
			((struct btap_rec_hdr *)btap_rec)->type = BTAP_REC_PRINTF; \
			((struct btap_rec_hdr *)btap_rec)->id = (fmt);
#define BTAP_PRINT_LONG(c, i, off, v) { int64_t btap_v = (v); memcpy(btap_rec + (off), &btap_v, 8); }
#define BTAP_PRINT_STR(c, i, off, s) strscpy(btap_rec + (off), (s), MAXSTRINGLEN);
#define BTAP_PRINT_END(c)                                                       \
			btap_out_commit(btap_rec, btap_fl);                     \
		}                                                               \
	}

static inline void btap_send_simple(struct btap_ctx *c, uint32_t type, uint32_t id, const char *msg)
{
	unsigned long fl;
	char *rec = btap_out_reserve(c, sizeof(struct btap_rec_hdr) + MAXSTRINGLEN, &fl);
	if (!rec)
		return;
	((struct btap_rec_hdr *)rec)->type = type;
	((struct btap_rec_hdr *)rec)->id = id;
	strscpy(rec + sizeof(struct btap_rec_hdr), msg ? msg : "", MAXSTRINGLEN);
	btap_out_commit(rec, fl);
}

/* print(@hist_*(x)) in a kernel probe: the BTAP_REC_HIST record (header,
 * count, buckets), which the runner prints; an empty one prints nothing. */
static inline void btap_print_hist(struct btap_ctx *c, struct btap_kmap *m, const void *k, int nbuckets,
				   int map, int site)
{
	struct btap_rec_hdr *hdr = (struct btap_rec_hdr *)c->zero;
	int64_t *vals = (int64_t *)(c->zero + sizeof(*hdr));
	uint32_t size = sizeof(*hdr) + 8 + 8 * nbuckets;
	unsigned long fl;
	struct rt_stat st;
	char *rec;
	memset(c->zero, 0, size);
	btap_stat_copy(m, k, &st, vals + 1, nbuckets);
	if (!st.count)
		return;
	hdr->type = BTAP_REC_HIST;
	hdr->id = map;
	vals[0] = st.count;
	rec = btap_out_reserve(c, size, &fl);
	if (!rec)
		return;
	memcpy(rec, c->zero, size);
	btap_out_commit(rec, fl);
}

/* ---- entering and leaving a probe --------------------------------------------- */

/* Set by the runner (writing "1" to the module's file) once the begin
 * probes ran, cleared before the end probes run. */
static int btap_armed;

/* The CPU's frame, or NULL (exit requested, or re-entered on this CPU:
 * counted as skipped). Preemption stays off until btap_kmod_leave. */
static inline char *btap_kmod_enter(struct btap_ctx *c, void *ctx, int probe)
{
	preempt_disable_notrace();
	memset(c, 0, sizeof(*c));
	c->ctx = c->args = ctx;
	c->probe = probe;
	c->site = -1;
	c->globals = btap_globals;
	if (!READ_ONCE(btap_armed) || BTAP_HDR(c)->exit_requested)
		goto skip;
	if (this_cpu_inc_return(*btap_busy) != 1) {
		this_cpu_dec(*btap_busy);
		BTAP_HDR(c)->skipped++;
		goto skip;
	}
	return btap_ctx_scratch(c, this_cpu_ptr(btap_scratch));
skip:
	preempt_enable_notrace();
	return NULL;
}

/* A begin, end or error probe the runner calls through the file's ioctl,
 * in its own task, at the probe's turn: before the probes are armed and
 * after exit() (an end probe's reason to run), under the same guard, with
 * MAXACTION_INTERRUPTIBLE actions. */
static inline char *btap_kmod_enter_invoked(struct btap_ctx *c, int probe)
{
	char *sp;
	preempt_disable_notrace();
	memset(c, 0, sizeof(*c));
	c->probe = probe;
	c->site = -1;
	c->globals = btap_globals;
	if (this_cpu_inc_return(*btap_busy) != 1) {
		this_cpu_dec(*btap_busy);
		BTAP_HDR(c)->skipped++;
		preempt_enable_notrace();
		return NULL;
	}
	sp = btap_ctx_scratch(c, this_cpu_ptr(btap_scratch));
	*c->actions = (int64_t)MAXACTION - (int64_t)MAXACTION_INTERRUPTIBLE;
	return sp;
}

static inline void btap_kmod_leave(struct btap_ctx *c)
{
	if (c->err == 1)
		btap_send_simple(c, BTAP_REC_ERROR, (uint32_t)c->site, c->errbuf);
	this_cpu_dec(*btap_busy);
	preempt_enable_notrace();
}

/* ---- natives --------------------------------------------------------------------- */

static inline void btap_exit_(struct btap_ctx *c)
{
	if (!BTAP_HDR(c)->exit_requested) {
		BTAP_HDR(c)->exit_requested = 1;
		btap_send_simple(c, BTAP_REC_EXIT, 0, NULL);
	}
}

static inline void btap_abort_(struct btap_ctx *c)
{
	btap_exit_(c);
	if (!c->err)
		c->err = 2;
}

static inline char *btap_execname_(struct btap_ctx *c)
{
	__get_task_comm(c->tmp, BTAP_MIN(TASK_COMM_LEN, MAXSTRINGLEN), current);
	return c->tmp;
}

/* The task a probe describes: the current one, or (process.end, a new
 * thread ...) the one its task guard chose. */
#define btap_cur() ((struct task_struct *)(c->task ? c->task : current))
#define btap_pid() ((int64_t)task_tgid_nr(btap_cur()))
#define btap_tid() ((int64_t)task_pid_nr(btap_cur()))
#define btap_ppid() ((int64_t)task_tgid_nr(btap_kpeek(struct task_struct *, &btap_cur()->real_parent)))
#define btap_uid() btap_task_uid((int64_t)(unsigned long)btap_cur())
#define btap_gid() btap_task_gid((int64_t)(unsigned long)btap_cur())
#define btap_euid() btap_task_euid((int64_t)(unsigned long)btap_cur())
#define btap_egid() btap_task_egid((int64_t)(unsigned long)btap_cur())
#define btap_execname() (c->task ? btap_task_execname((int64_t)(unsigned long)c->task) : btap_execname_(c))
#define btap_pexecname() btap_task_execname(btap_task_parent((int64_t)(unsigned long)btap_cur()))
#define btap_cpu() ((int64_t)smp_processor_id())
#define btap_random() ((int64_t)get_random_u32())
#define btap_target() (BTAP_HDR(c)->target_pid)
#define btap_stp_pid() (BTAP_HDR(c)->runner_pid)
#define btap_pp() btap_pp_(c)
#define btap_pn() btap_pn_(c)
#define btap_probe_type() btap_probe_type_(c)
#define btap_walltime_ns() ((int64_t)ktime_get_real_ns())
#define btap_ktime_ns() ((int64_t)ktime_get_ns())
#define btap_jiffies() ((int64_t)get_jiffies_64())
#define btap_hz() ((int64_t)HZ)
#define btap_cycles() ((int64_t)get_cycles())
#define btap_exit() btap_exit_(c)
#define btap_abort() btap_abort_(c)
#define btap_error(msg) btap_raise_str(c, -1, (msg))
#define btap_warn(msg) btap_send_simple(c, BTAP_REC_WARN, BTAP_NO_SITE, (msg))
#define btap_system(cmd) btap_send_simple(c, BTAP_REC_SYSTEM, 0, (cmd))
#define btap_switch_file() btap_send_simple(c, BTAP_REC_SWITCH_FILE, 0, 0)
#define btap_log(where, msg) btap_send_simple(c, BTAP_REC_LOG, (uint32_t)(where), (msg))

/* Tasks by address (tapset/task.stp): read without faulting, 0 when the
 * address does not hold a task, as on BPF. */
#define btap_task_at(t) ((struct task_struct *)(unsigned long)(t))
#define btap_kpeek(type, ptr)                                                   \
	({                                                                      \
		type btap_v_;                                                   \
		if (copy_from_kernel_nofault(&btap_v_, (ptr), sizeof(btap_v_))) \
			memset(&btap_v_, 0, sizeof(btap_v_));                   \
		btap_v_;                                                        \
	})
#define btap_task_cred(t) btap_kpeek(const struct cred *, &btap_task_at(t)->cred)
#define btap_task_current() ((int64_t)(unsigned long)btap_cur())
/* The task of a pid, in the initial pid namespace; its address only. */
static inline int64_t btap_pid2task(int64_t pid)
{
	struct task_struct *t;
	rcu_read_lock();
	t = pid_task(find_pid_ns((pid_t)pid, &init_pid_ns), PIDTYPE_PID);
	rcu_read_unlock();
	return (int64_t)(unsigned long)t;
}
#define btap_task_parent(t) ((int64_t)(unsigned long)btap_kpeek(struct task_struct *, &btap_task_at(t)->real_parent))
#define btap_task_pid(t) ((int64_t)btap_kpeek(pid_t, &btap_task_at(t)->tgid))
#define btap_task_tid(t) ((int64_t)btap_kpeek(pid_t, &btap_task_at(t)->pid))
#define btap_task_uid(t) ((int64_t)btap_kpeek(kuid_t, &btap_task_cred(t)->uid).val)
#define btap_task_euid(t) ((int64_t)btap_kpeek(kuid_t, &btap_task_cred(t)->euid).val)

#define btap_task_gid(t) ((int64_t)btap_kpeek(kgid_t, &btap_task_cred(t)->gid).val)
#define btap_task_egid(t) ((int64_t)btap_kpeek(kgid_t, &btap_task_cred(t)->egid).val)
#define btap_task_prio(t) ((int64_t)btap_kpeek(int, &btap_task_at(t)->prio) - MAX_RT_PRIO)
#define btap_task_nice(t) ((int64_t)btap_kpeek(int, &btap_task_at(t)->static_prio) - DEFAULT_PRIO)
#define btap_task_start_time(t) ((int64_t)btap_kpeek(u64, &btap_task_at(t)->start_time))
#define btap_task_utime(t) ((int64_t)btap_kpeek(u64, &btap_task_at(t)->utime))
#define btap_task_stime(t) ((int64_t)btap_kpeek(u64, &btap_task_at(t)->stime))
#if LINUX_VERSION_CODE >= KERNEL_VERSION(5, 14, 0)
#define btap_task_state(t) ((int64_t)btap_kpeek(unsigned int, &btap_task_at(t)->__state))
#else
#define btap_task_state(t) ((int64_t)btap_kpeek(long, &btap_task_at(t)->state))
#endif
/* the CPU: the task's own field from 4.9 to 5.15, thread_info's since */
#if defined(CONFIG_SMP) && defined(CONFIG_THREAD_INFO_IN_TASK) && LINUX_VERSION_CODE >= KERNEL_VERSION(5, 16, 0)
#define btap_task_cpu(t) ((int64_t)btap_kpeek(unsigned int, &btap_task_at(t)->thread_info.cpu))
#elif defined(CONFIG_SMP) && defined(CONFIG_THREAD_INFO_IN_TASK)
#define btap_task_cpu(t) ((int64_t)btap_kpeek(unsigned int, &btap_task_at(t)->cpu))
#else
#define btap_task_cpu(t) ((int64_t)task_cpu(btap_task_at(t)))
#endif
static inline char *btap_task_execname_(struct btap_ctx *c, int64_t t)
{
	if (copy_from_kernel_nofault(c->tmp, btap_task_at(t)->comm, BTAP_MIN(TASK_COMM_LEN, MAXSTRINGLEN)))
		c->tmp[0] = 0;
	c->tmp[BTAP_MIN(TASK_COMM_LEN, MAXSTRINGLEN) - 1] = 0;
	return c->tmp;
}
#define btap_task_execname(t) btap_task_execname_(c, (t))

/* Events sifted by task (emit.c's em_task_guard), from a scheduler
 * tracepoint's arguments (ctx: their slots): the task the body describes,
 * or NULL to skip the event. As on BPF. */
/* process.begin: sched_process_fork(parent, child), the child a new process */
#define btap_proc_begin_task(ctx) btap_new_task((ctx), 1)
/* process.thread.begin: the child a new thread of its parent's process */
#define btap_thread_begin_task(ctx) btap_new_task((ctx), 0)
static inline void *btap_new_task(void *ctx, int process)
{
	struct task_struct *child = (struct task_struct *)(unsigned long)((uint64_t *)ctx)[1];
	return (task_pid_nr(child) == task_tgid_nr(child)) == process ? child : NULL;
}
/* the task that has just exec'd, or any current task */
#define btap_proc_exec_task(ctx) ((void *)current)
/* process.end: sched_process_exit in the exiting thread; the process ends
 * with its thread-group leader (as BPF does where the tracepoint does not
 * say whether the group is dead) */
#define btap_proc_end_task(ctx) (task_pid_nr(current) == task_tgid_nr(current) ? (void *)current : NULL)
#define btap_thread_end_task(ctx) (task_pid_nr(current) != task_tgid_nr(current) ? (void *)current : NULL)
/* task, when it belongs to process pid */
#define btap_task_is(task, pid) \
	((task) && task_tgid_nr((struct task_struct *)(task)) == (pid) ? (void *)(task) : NULL)

#ifdef BTAP_KMOD_TASKS
/* The executable each filtering probe wants (by probe index), as the
 * runner found it: its inode number and file name, compared as on BPF
 * (under overlayfs the running file is the layer's, on another device). */
static struct btap_kmod_exe btap_exes[BTAP_KMOD_TASKS];

/* task, when it runs the executable probe `probe` wants. */
static inline void *btap_task_runs(void *task, uint32_t probe)
{
	struct task_struct *t = task;
	const struct btap_kmod_exe *want = &btap_exes[probe];
	char name[sizeof(want->name)] = "";
	int len = sizeof(name), same = 1;
	struct mm_struct *mm;
	struct file *f = NULL;
	if (!t || !want->ino)
		return NULL;
	mm = READ_ONCE(t->mm);
	rcu_read_lock();
	if (mm)
		f = rcu_dereference(mm->exe_file);
	if (f) {
		same = file_inode(f)->i_ino == want->ino;
		if (same)
			strscpy(name, f->f_path.dentry->d_name.name, sizeof(name));
	}
	rcu_read_unlock();
	if (!same)
		return NULL;
	if (!f) {
		/* an exiting task whose memory is gone: the name it was
		 * exec'd as, as far as comm keeps it */
		memcpy(name, t->comm, TASK_COMM_LEN);
		len = TASK_COMM_LEN - 1;
	}
	return strncmp(name, want->name, len) ? NULL : t;
}

/* Begin probes for the processes running at the start: the runner lists
 * them per probe (sorted here); each fires once, in its own context, when
 * the first of its threads leaves a CPU (sched_switch runs in the task
 * switched away from). The seen bit decides which thread that is; left
 * becomes the count when the probes arm, so none is used up before. */
struct btap_running {
	uint32_t *tgids;
	unsigned long *seen;
	uint32_t n;
	atomic_t left;
};
static struct btap_running btap_running[BTAP_KMOD_TASKS];

static inline void *btap_proc_running_task(void *ctx, uint32_t probe)
{
	struct btap_running *s = &btap_running[probe];
	uint32_t tgid, lo = 0, hi = s->n;
	if (!atomic_read_acquire(&s->left)) /* all seen: one read per switch */
		return NULL;
	tgid = task_tgid_nr(current);
	while (lo < hi) {
		uint32_t mid = lo + (hi - lo) / 2;
		if (s->tgids[mid] < tgid)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo == s->n || s->tgids[lo] != tgid || test_and_set_bit(lo, s->seen))
		return NULL;
	atomic_dec(&s->left);
	return current;
}

static int btap_u32_cmp(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
	return x < y ? -1 : x > y;
}

/* The runner's list for probe (n ids at user address ids). */
static long btap_running_set(uint32_t probe, const void __user *ids, uint64_t n)
{
	struct btap_running *s = &btap_running[probe];
	if (n > (1u << 22))
		return -E2BIG;
	kvfree(s->tgids);
	bitmap_free(s->seen);
	s->tgids = kvmalloc_array(n ? n : 1, sizeof(*s->tgids), GFP_KERNEL);
	s->seen = bitmap_zalloc(n ? n : 1, GFP_KERNEL);
	s->n = 0;
	if (!s->tgids || !s->seen)
		return -ENOMEM;
	if (copy_from_user(s->tgids, ids, n * sizeof(*s->tgids)))
		return -EFAULT;
	sort(s->tgids, n, sizeof(*s->tgids), btap_u32_cmp, NULL);
	s->n = n;
	return 0;
}

/* After arming: from now on the listed processes are looked for. */
static void btap_running_arm(void)
{
	int i;
	for (i = 0; i < BTAP_KMOD_TASKS; i++)
		atomic_set_release(&btap_running[i].left, btap_running[i].n);
}

static void btap_running_free(void)
{
	int i;
	for (i = 0; i < BTAP_KMOD_TASKS; i++) {
		kvfree(btap_running[i].tgids);
		bitmap_free(btap_running[i].seen);
	}
}

/* The tasks' ioctl ops (not an array's). */
static long btap_tasks_ioctl(struct btap_kmod_req *q)
{
	if (q->map >= BTAP_KMOD_TASKS || READ_ONCE(btap_armed))
		return -EINVAL;
	if (q->op == BTAP_KOP_EXE)
		return copy_from_user(&btap_exes[q->map], u64_to_user_ptr(q->value), sizeof(btap_exes[0])) ? -EFAULT
														 : 0;
	return btap_running_set(q->map, u64_to_user_ptr(q->value), q->pos);
}
#else
#define btap_running_arm() ((void)0)
#define btap_running_free() ((void)0)
#define btap_tasks_ioctl(q) ((void)(q), -EINVAL)
#endif

/* Fault-tolerant reads: a bad pointer is an error, not an oops. */
#define BTAP_MEM_READ(dst, addr, size, user)                                    \
	((user) ? (copy_from_user_nofault((dst), (const void __user *)(unsigned long)(addr), (size)) ? -EFAULT : 0) \
		: (copy_from_kernel_nofault((dst), (const void *)(unsigned long)(addr), (size)) ? -EFAULT : 0))
#define BTAP_MEM_WRITE_USER(addr, src, size)                                   \
	(copy_to_user_nofault((void __user *)(unsigned long)(addr), (src), (size)) ? -EFAULT : 0)
#include "../btap_memory.h"
/* A string without faulting (modules get neither strncpy_from_user_nofault
 * nor strncpy_from_kernel_nofault): a page at a time, never past the page
 * the string ends in. The length copied, or -EFAULT. */
static inline long btap_str_nofault(char *dst, uint64_t addr, long size, int user)
{
	long n = 0;
	while (n < size) {
		long chunk = BTAP_MIN(size - n, (long)(PAGE_SIZE - ((addr + n) & ~PAGE_MASK)));
		char *nul;
		if (BTAP_MEM_READ(dst + n, addr + n, chunk, user))
			return -EFAULT;
		nul = memchr(dst + n, 0, chunk);
		if (nul)
			return nul - dst;
		n += chunk;
	}
	if (size > 0)
		dst[size - 1] = 0;
	return size;
}
#define BTAP_MEM_READ_STR(dst, addr, size, user) btap_str_nofault((dst), (uint64_t)(addr), (size), (user))
/* The code segment of the current task's saved user registers, for
 * probing_32bit_app(). */
#define btap_task_user_cs() ((uint64_t)task_pt_regs(current)->cs)
/* System call argument n (1-6) in the current task's saved user registers. */
static inline uint64_t btap_task_user_sysarg(int n)
{
	struct pt_regs *r = task_pt_regs(current);
	switch (n) {
	case 1: return r->di;
	case 2: return r->si;
	case 3: return r->dx;
	case 4: return r->r10;
	case 5: return r->r8;
	default: return r->r9;
	}
}
#include "../btap_kernel_reads.h"
/* sprintf: the kernel's own snprintf takes the dialect of
 * emit/emit_kprintf.c; slots beyond the format's are ignored. */
#define BTAP_MAX(a, b) ((a) > (b) ? (a) : (b))
static inline int btap_ksnprintf(char *dst, const char *fmt, const uint64_t *args, int n)
{
	uint64_t v[12] = {0};
	memcpy(v, args, sizeof(v[0]) * BTAP_MIN(BTAP_MAX(n, 0), 12));
	return snprintf(dst, MAXSTRINGLEN, fmt, v[0], v[1], v[2], v[3], v[4], v[5], v[6], v[7], v[8], v[9],
			v[10], v[11]);
}
#define BTAP_SPRINTF_SLOTS(nargs) ((nargs) > 0 ? (nargs) : 1)
#define BTAP_KSNPRINTF(dst, fmt, args, nargs) btap_ksnprintf((dst), (fmt), (args), (nargs))
#define BTAP_FIELD_STEPS(n, step, data)                                         \
	do {                                                                    \
		uint32_t btap_k_;                                               \
		for (btap_k_ = 0; btap_k_ < (uint32_t)(n); btap_k_++)           \
			if ((step)(btap_k_, (data)))                            \
				break;                                          \
	} while (0)
#include "../btap_kprintf.h"
/* ---- kernel symbols (@var): their addresses, which the runner finds ---- */

/* Modules cannot look symbols up (kallsyms_lookup_name is not exported):
 * the runner reads /proc/kallsyms and hands each address over before it
 * arms the probes. A per-CPU symbol's is its offset in the per-CPU area. */
struct btap_ksym {
	const char *name;
	unsigned long addr;
};
static struct btap_ksym *btap_ksyms_all;
#define BTAP_KSYM(sym, i) ((int64_t)btap_ksyms_all[i].addr)
#define BTAP_KSYM_PERCPU(sym, i) \
	((int64_t)(unsigned long)per_cpu_ptr((void __percpu *)btap_ksyms_all[i].addr, smp_processor_id()))

static long btap_ksym_ioctl(struct btap_kmod_req *q)
{
	uint64_t i;
	for (i = 0; btap_ksyms_all && btap_ksyms_all[i].name && i < q->pos; i++)
		;
	if (!btap_ksyms_all || !btap_ksyms_all[i].name || i != q->pos)
		return -ENOENT;
	if (q->op == BTAP_KOP_KSYM_SET) {
		if (READ_ONCE(btap_armed))
			return -EBUSY;
		btap_ksyms_all[i].addr = (unsigned long)q->key;
		return 0;
	}
	return copy_to_user(u64_to_user_ptr(q->value), btap_ksyms_all[i].name,
			    min_t(size_t, strlen(btap_ksyms_all[i].name) + 1, BTAP_KSYM_NAME_MAX)) ? -EFAULT : 0;
}

/* ---- stacks: collected here, symbolised by the runner (btap_stacks.h) -- */
#include "../btap_stacks.h"
/* A stack id no table holds: the runner prints that the stack was lost. */
#define BTAP_STACK_LOST 0xffffffffu

/* The registers of the event the running handler serves, where it has
 * them (kprobes, perf samples, uprobes, tracepoint records): where its
 * stacks start. */
struct btap_kregs {
	struct pt_regs *regs;
};
static DEFINE_PER_CPU(struct btap_kregs, btap_kregs);
#define btap_kmod_regs(r) __this_cpu_write(btap_kregs.regs, (r))

#if defined(BTAP_KMOD_KSTACKS) || defined(BTAP_KMOD_USTACKS)
#include <linux/stacktrace.h>
#include <linux/mmap_lock.h>
#include <asm/unwind.h>
/* A user frame as BPF's build-id stack maps lay it out (the runner reads
 * both alike): here BTAP_FRAME_FILE (inode, address; file offset) or the
 * address alone. */
struct btap_uframe {
	int32_t status;
	unsigned char build_id[20];
	uint64_t offset;
};
#define BTAP_UFRAME_IP 2

/* Distinct stacks, BTAP_STACK_ENTRIES of them: equal stacks get one id
 * (a backtrace can be an array key), as in BPF's stack maps; filled under
 * the lock and never emptied. */
struct btap_stack_table {
	char *frames;     /* BTAP_STACK_ENTRIES stacks of size bytes */
	uint32_t *hashes; /* 0: a free entry */
	uint32_t size;
	spinlock_t lock;
};
static struct btap_stack_table btap_stack_tables[2] = {
	{.size = 8 * BTAP_STACK_DEPTH, .lock = __SPIN_LOCK_UNLOCKED(btap_stack_tables[0].lock)},
	{.size = sizeof(struct btap_uframe) * BTAP_STACK_DEPTH,
	 .lock = __SPIN_LOCK_UNLOCKED(btap_stack_tables[1].lock)},
};

/* What a CPU builds a stack in (too big for the kernel's stack). */
struct btap_stack_work {
	unsigned long raw[BTAP_STACK_DEPTH + 64];
	uint64_t frames[BTAP_STACK_DEPTH];
	struct btap_uframe uframes[BTAP_STACK_DEPTH];
};
static struct btap_stack_work __percpu *btap_stack_work;

static int btap_stacks_alloc(void)
{
	int i;
	btap_stack_work = alloc_percpu(struct btap_stack_work);
	if (!btap_stack_work)
		return -ENOMEM;
	for (i = 0; i < 2; i++) {
#ifndef BTAP_KMOD_KSTACKS
		if (i == 0)
			continue;
#endif
#ifndef BTAP_KMOD_USTACKS
		if (i == 1)
			continue;
#endif
		btap_stack_tables[i].frames = vzalloc((size_t)BTAP_STACK_ENTRIES * btap_stack_tables[i].size);
		btap_stack_tables[i].hashes = vzalloc(BTAP_STACK_ENTRIES * sizeof(uint32_t));
		if (!btap_stack_tables[i].frames || !btap_stack_tables[i].hashes)
			return -ENOMEM;
	}
	return 0;
}

static void btap_stacks_free(void)
{
	int i;
	for (i = 0; i < 2; i++) {
		vfree(btap_stack_tables[i].frames);
		vfree(btap_stack_tables[i].hashes);
	}
	free_percpu(btap_stack_work);
}

/* The id of the stack at frames (BTAP_STACK_LOST: the table is full
 * around its place). */
static uint32_t btap_stack_intern(struct btap_stack_table *t, const void *frames)
{
	uint32_t h = (uint32_t)btap_hash(frames, t->size) | 1, i, id = BTAP_STACK_LOST;
	unsigned long fl;
	if (!t->frames)
		return BTAP_STACK_LOST;
	spin_lock_irqsave(&t->lock, fl);
	for (i = 0; i < 16; i++) {
		uint32_t slot = (h + i) % BTAP_STACK_ENTRIES;
		char *f = t->frames + (size_t)slot * t->size;
		if (!t->hashes[slot]) {
			t->hashes[slot] = h;
			memcpy(f, frames, t->size);
		} else if (t->hashes[slot] != h || memcmp(f, frames, t->size))
			continue;
		id = slot;
		break;
	}
	spin_unlock_irqrestore(&t->lock, fl);
	return id;
}

/* The runner's copy of stack id (user: of the user table). */
static long btap_stack_read(struct btap_kmod_req *q)
{
	struct btap_stack_table *t = &btap_stack_tables[q->map ? 1 : 0];
	unsigned long fl;
	char *bounce;
	long rc = 0;
	if (!t->frames || q->pos >= BTAP_STACK_ENTRIES)
		return -ENOENT;
	bounce = kmalloc(t->size, GFP_KERNEL);
	if (!bounce)
		return -ENOMEM;
	btap_runner_lock(&t->lock, fl);
	if (t->hashes[q->pos])
		memcpy(bounce, t->frames + (size_t)q->pos * t->size, t->size);
	else
		rc = -ENOENT;
	btap_runner_unlock(&t->lock, fl);
	if (!rc && copy_to_user(u64_to_user_ptr(q->value), bounce, t->size))
		rc = -EFAULT;
	kfree(bounce);
	return rc;
}
#else
#define btap_stacks_alloc() 0
#define btap_stacks_free() ((void)0)
#define btap_stack_read(q) ((void)(q), -ENOENT)
#endif

#ifdef BTAP_KMOD_KSTACKS
/* The kernel stack at the event into w->frames, as perf takes it from
 * the event's registers: their instruction first, then its callers (the
 * handler's and the probe machinery's own frames are never walked).
 * Without registers (a tracepoint's callback): from the code that hit
 * it. The number of frames; 0 when the event was in user space. */
static inline unsigned int btap_kframes_(struct btap_stack_work *w)
{
	struct pt_regs *regs = __this_cpu_read(btap_kregs.regs);
	unsigned int n, i, start, k = 0;
	memset(w->frames, 0, sizeof(w->frames));
	if (regs && user_mode(regs)) /* caught in user space: no kernel frame */
		return 0;
	if (regs) {
		/* the unwinder from the registers when they are an
		 * exception's or a kprobe's, else from the frame at their stack
		 * pointer (a tracepoint record's: the caller's registers) */
		struct unwind_state st;
		w->frames[k++] = regs->ip;
		if (regs->flags & X86_EFLAGS_FIXED)
			unwind_start(&st, current, regs, NULL);
		else
			unwind_start(&st, current, NULL, (unsigned long *)regs->sp);
		for (; !unwind_done(&st) && k < BTAP_STACK_DEPTH; unwind_next_frame(&st)) {
			unsigned long a = unwind_get_return_address(&st);
			if (!a)
				break;
			if (k == 1 && a == regs->ip) /* the unwinder starts at the instruction too */
				continue;
			w->frames[k++] = a;
		}
		return k;
	}
	/* a tracepoint's callback: from the code that hit it, the module's
	 * own frames and the tracepoint's iterator dropped */
	n = stack_trace_save(w->raw, ARRAY_SIZE(w->raw), 0);
	for (start = 0; start < n && within_module(w->raw[start], THIS_MODULE); start++)
		;
	for (i = start; i < n && k < BTAP_STACK_DEPTH; i++)
		w->frames[k++] = w->raw[i];
	return k;
}

static inline char *btap_kstack_(struct btap_ctx *c, int kind)
{
	struct btap_stack_work *w = this_cpu_ptr(btap_stack_work);
	if (!btap_kframes_(w))
		return btap_token_(c->tmp, kind, BTAP_STACK_EMPTY, -1);
	return btap_token_(c->tmp, kind, btap_stack_intern(&btap_stack_tables[0], w->frames), -1);
}
/* stack(n): frame n, 0 when the stack has none */
static inline int64_t btap_kstack_frame_(int64_t n)
{
	struct btap_stack_work *w = this_cpu_ptr(btap_stack_work);
	unsigned int k = btap_kframes_(w);
	return n >= 0 && n < k ? (int64_t)w->frames[n] : 0;
}
#define btap_kstack_frame(n) btap_kstack_frame_(n)
#define btap_kstack(kind) btap_kstack_(c, (kind))
#else
#define btap_kstack(kind) ((void)(kind), c->tmp[0] = 0, c->tmp)
#define btap_kstack_frame(n) ((void)(n), (int64_t)0)
#endif

#ifdef BTAP_KMOD_USTACKS
/* The user stack of the current task, as perf takes it: the user
 * registers' instruction, then the return addresses along the frame
 * pointers. Each frame with the file mapped there, where the mappings can
 * be read without waiting (not with interrupts off: unlocking could wake
 * a writer from inside the scheduler), so that the runner names it after
 * the process has gone; else the address alone. */
static inline int btap_uframes_(struct btap_stack_work *w)
{
	struct pt_regs *regs = __this_cpu_read(btap_kregs.regs);
	struct mm_struct *mm = current->mm;
	uint64_t ip, bp;
	int k = 0, locked;
	memset(w->uframes, 0, sizeof(w->uframes));
	if (!regs || !user_mode(regs))
		regs = mm && !(current->flags & PF_KTHREAD) ? task_pt_regs(current) : NULL;
	if (!regs)
		return 0;
	ip = regs->ip;
	bp = regs->bp;
	locked = !irqs_disabled() && mmap_read_trylock(mm);
	while (k < BTAP_STACK_DEPTH) {
		struct vm_area_struct *vma = locked ? find_vma(mm, ip) : NULL;
		struct btap_uframe *f = &w->uframes[k++];
		uint64_t fr[2];
		if (vma && vma->vm_file && ip >= vma->vm_start) {
			uint64_t ino = file_inode(vma->vm_file)->i_ino;
			f->status = BTAP_FRAME_FILE;
			memcpy(f->build_id, &ino, 8);
			memcpy(f->build_id + 8, &ip, 8);
			f->offset = ip - vma->vm_start + ((uint64_t)vma->vm_pgoff << PAGE_SHIFT);
		} else {
			f->status = BTAP_UFRAME_IP;
			f->offset = ip;
		}
		if (!bp || copy_from_user_nofault(fr, (const void __user *)(unsigned long)bp, sizeof(fr)) || !fr[1])
			break;
		ip = fr[1];
		bp = fr[0] > bp ? fr[0] : 0; /* frames go up the stack */
	}
	if (locked)
		mmap_read_unlock(mm);
	return k;
}

static inline char *btap_ustack_(struct btap_ctx *c, int kind)
{
	struct btap_stack_work *w = this_cpu_ptr(btap_stack_work);
	if (!btap_uframes_(w))
		return btap_token_(c->tmp, kind, BTAP_STACK_EMPTY, btap_pid());
	return btap_token_(c->tmp, kind, btap_stack_intern(&btap_stack_tables[1], w->uframes), btap_pid());
}
/* ustack(n): the address of frame n, 0 when the stack has none */
static inline int64_t btap_ustack_frame_(int64_t n)
{
	struct btap_stack_work *w = this_cpu_ptr(btap_stack_work);
	const struct btap_uframe *f;
	uint64_t ip;
	if (n < 0 || n >= btap_uframes_(w))
		return 0;
	f = &w->uframes[n];
	if (f->status != BTAP_FRAME_FILE)
		return (int64_t)f->offset;
	memcpy(&ip, f->build_id + 8, 8);
	return (int64_t)ip;
}
#define btap_ustack_frame(n) btap_ustack_frame_(n)
#define btap_ustack(kind) btap_ustack_(c, (kind))
#else
#define btap_ustack(kind) ((void)(kind), c->tmp[0] = 0, c->tmp)
#define btap_ustack_frame(n) ((void)(n), (int64_t)0)
#endif
/* a user string's length with its NUL (MAXSTRINGLEN when cut short) */
static inline int64_t btap_user_str_(char *dst, uint64_t addr)
{
	long r = btap_str_nofault(dst, addr, MAXSTRINGLEN, 1);
	return r < 0 ? r : r < MAXSTRINGLEN ? r + 1 : MAXSTRINGLEN;
}
#define BTAP_USER_STR(dst, addr) btap_user_str_((dst), (addr))
/* set_kernel_*() (guru mode): size bytes of val written at a kernel
 * address, or a string with its NUL (at most n bytes before it); a fault
 * is a run-time error, never an oops. As the kernel's
 * copy_to_kernel_nofault, which it does not export to modules: user and
 * non-canonical addresses refused, the stores through the exception
 * table with page faults off. */
static inline int btap_write_kernel_(unsigned long dst, const char *src, size_t size)
{
	if (dst < TASK_SIZE_MAX + PAGE_SIZE || !__is_canonical_address(dst, boot_cpu_data.x86_virt_bits) ||
	    dst + size < dst)
		return -ERANGE;
	pagefault_disable();
	for (; size >= 8; dst += 8, src += 8, size -= 8)
		__put_kernel_nofault((void *)dst, src, u64, fault);
	for (; size >= 4; dst += 4, src += 4, size -= 4)
		__put_kernel_nofault((void *)dst, src, u32, fault);
	for (; size >= 2; dst += 2, src += 2, size -= 2)
		__put_kernel_nofault((void *)dst, src, u16, fault);
	for (; size >= 1; dst += 1, src += 1, size -= 1)
		__put_kernel_nofault((void *)dst, src, u8, fault);
	pagefault_enable();
	return 0;
fault:
	pagefault_enable();
	return -EFAULT;
}
static inline void btap_set_kernel_(struct btap_ctx *c, int64_t addr, int64_t val, int size)
{
	/* little-endian: the low bytes first */
	if (btap_write_kernel_((unsigned long)addr, (const char *)&val, size))
		btap_fault(c, "kernel write fault at ", (uint64_t)addr);
}
#define btap_set_kernel(addr, val, size) btap_set_kernel_(c, (addr), (val), (size))
static inline void btap_set_kernel_string_(struct btap_ctx *c, int64_t addr, const char *s, int64_t n)
{
	size_t len = strnlen(s, MAXSTRINGLEN - 1);
	if (n >= 0 && (size_t)n < len)
		len = (size_t)n;
	if (btap_write_kernel_((unsigned long)addr, s, len) || btap_write_kernel_((unsigned long)addr + len, "", 1))
		btap_fault(c, "kernel string copy fault at ", (uint64_t)addr);
}
#define btap_set_kernel_string(addr, s, n) btap_set_kernel_string_(c, (addr), (s), (n))
/* umodaddr(): addr's offset in the current process's mapping that holds
 * it, -1 for none (or when the mappings cannot be read without waiting) */
static inline int64_t btap_umodaddr_(uint64_t addr)
{
	struct mm_struct *mm = current->mm;
	struct vm_area_struct *vma;
	int64_t r = -1;
	if (!mm || (current->flags & PF_KTHREAD) || irqs_disabled() || !mmap_read_trylock(mm))
		return -1;
	vma = find_vma(mm, addr);
	if (vma && addr >= vma->vm_start)
		r = (int64_t)(addr - vma->vm_start);
	mmap_read_unlock(mm);
	return r;
}
#define btap_umodaddr(addr) btap_umodaddr_((uint64_t)(addr))
/* the kernel's load averages, fixed point (exported to modules) */
#include <linux/sched/loadavg.h>
#define btap_loadavg(i) ((int64_t)((i) >= 0 && (i) <= 2 ? READ_ONCE(avenrun[(i)]) : 0))
/* stack_used(): how far down its kernel stack the handler runs */
static noinline int64_t btap_stack_used_(void)
{
	char here = 0;
	return THREAD_SIZE - ((unsigned long)&here & (THREAD_SIZE - 1));
}
#define btap_stack_size() ((int64_t)THREAD_SIZE)
#define btap_stack_used() btap_stack_used_()
/* set_*_arg(), set_returnval() (guru mode): the probe's saved registers
 * changed in place, which the probed code resumes with (a kprobe's, a
 * uprobe's); argument n past the sixth in the caller's stack frame. */
static inline char *btap_probe_regs_(struct btap_ctx *c)
{
	if (c->regs == 1 || c->regs == 2)
		return c->args;
	return c->kregs ? c->ctx : NULL;
}
static inline void btap_set_arg_(struct btap_ctx *c, int64_t n, int64_t v, int size)
{
	static const int arg_regs[6] = {5, 4, 1, 2, 8, 9}; /* rdi rsi rdx rcx r8 r9 */
	char *regs = btap_probe_regs_(c);
	unsigned long sp;
	if (!regs) {
		btap_raise_str(c, -1, "registers are not available at this probe point");
		return;
	}
	if (size == 4)
		v = (int64_t)(uint32_t)v;
	if (n == 0) { /* the return value */
		((struct pt_regs *)regs)->ax = (unsigned long)v;
		return;
	}
	if (n < 0) {
		btap_raise_str(c, -1, "invalid argument number");
		return;
	}
	if (n <= 6) {
		*(uint64_t *)(regs + btap_dwreg_offset(arg_regs[n - 1])) = (uint64_t)v;
		return;
	}
	sp = ((struct pt_regs *)regs)->sp + 8 * (unsigned long)(n - 6);
	if (user_mode((struct pt_regs *)regs) ? BTAP_MEM_WRITE_USER(sp, &v, 8) : btap_write_kernel_(sp, (const char *)&v, 8))
		btap_fault(c, "argument write fault at ", (uint64_t)sp);
}
#define btap_set_arg(n, v, size) btap_set_arg_(c, (n), (v), (size))
/* $param = v, $return = v (guru mode): argument n (0: the return value)
 * written as set_*_arg() writes it, and the probe's slot at off, which
 * the body's later reads take ($p->member = v: btap_set_kernel). */
static inline void btap_slot_write(struct btap_ctx *c, int64_t off, int64_t n, int64_t v)
{
	btap_set_arg_(c, n, v, 8);
	if (!c->err)
		*(int64_t *)((char *)c->args + off) = v;
}
/* dump_stack(): the kernel's own, into its log */
#define btap_dump_stack() dump_stack()
/* mdelay(), udelay() (guru mode): n units of unit_us microseconds,
 * at most a second, in 1 ms steps */
static inline void btap_kdelay(int64_t n, int64_t unit_us)
{
	int64_t us = n <= 0 ? 0 : n > 1000000 / unit_us ? 1000000 : n * unit_us;
	for (; us >= 1000; us -= 1000)
		udelay(1000);
	if (us > 0)
		udelay((unsigned long)us);
}
/* symname() and symdata() as text, named in the probe by the kernel's
 * kallsyms, so that a script can compare them, key maps by them and take
 * them apart, as in stap (BPF does the same with bpf_snprintf); the other
 * kinds stay tokens the runner expands. A kernel symbol gets " [kernel]". */
static inline char *btap_ksym_text_(char *dst, int kind, uint64_t addr)
{
	char name[KSYM_SYMBOL_LEN];
	size_t n;
	if (kind == BTAP_TOK_KSYM)
		sprint_symbol_no_offset(name, (unsigned long)addr);
	else if (kind == BTAP_TOK_KSYMDATA)
		sprint_symbol(name, (unsigned long)addr);
	else
		return btap_token_(dst, kind, addr, -1);
	strscpy(dst, name, MAXSTRINGLEN);
	n = strlen(dst);
	if (kind == BTAP_TOK_KSYMDATA && n >= 2 && dst[n - 1] != ']' && dst[0] != '0')
		strlcat(dst, " [kernel]", MAXSTRINGLEN);
	return dst;
}
#define btap_ksym_token(kind, addr) btap_ksym_text_(c->tmp, (kind), (uint64_t)(addr))
#include "../btap_natives.h"
static inline int64_t btap_cmdline_read_(struct btap_ctx *c)
{
	struct mm_struct *mm = current->mm;
	int64_t n = mm && mm->arg_end > mm->arg_start ? (int64_t)(mm->arg_end - mm->arg_start) : 0;
	if (n > MAXSTRINGLEN - 1)
		n = MAXSTRINGLEN - 1;
	if (n <= 0 || copy_from_user_nofault(c->tmp, (const void __user *)mm->arg_start, n)) {
		c->tmp[0] = 0;
		return 0;
	}
	return n;
}
#define btap_cmdline() btap_cmdline_join_(c->tmp, btap_cmdline_read_(c))
static inline int64_t btap_cmdline_walk_current_(struct btap_ctx *c, int64_t k)
{
	struct mm_struct *mm = current->mm;
	c->tmp[0] = 0;
	return mm ? btap_cmdline_walk_(c->tmp, mm->arg_start, mm->arg_end, k) : 0;
}
#define btap_cmdline_arg(k) ((k) < 0 ? (c->tmp[0] = 0, c->tmp) : (btap_cmdline_walk_current_(c, (k)), c->tmp))
#define btap_cmdline_argc() btap_cmdline_walk_current_(c, -1)
/* raise(): signal the current task. With interrupts off (the scheduler's
 * or the signal code's locks may be held) from an irq_work, as
 * bpf_send_signal does; one pending signal per CPU, a second one there
 * before it ran is dropped (as on BPF: -EBUSY). */
struct btap_sigwork {
	struct irq_work work;
	struct task_struct *task;
	int sig;
};
static DEFINE_PER_CPU(struct btap_sigwork, btap_sigwork);
static void btap_sigwork_run(struct irq_work *w)
{
	struct btap_sigwork *s = container_of(w, struct btap_sigwork, work);
	send_sig(s->sig, s->task, 0);
	put_task_struct(s->task);
	WRITE_ONCE(s->task, NULL);
}
static inline void btap_send_signal_(int64_t sig)
{
	struct btap_sigwork *s;
	if (sig <= 0 || sig > _NSIG || (current->flags & PF_KTHREAD))
		return;
	if (!irqs_disabled()) {
		send_sig((int)sig, current, 0);
		return;
	}
	s = this_cpu_ptr(&btap_sigwork);
	if (READ_ONCE(s->task))
		return;
	s->sig = (int)sig;
	s->task = get_task_struct(current);
	init_irq_work(&s->work, btap_sigwork_run);
	irq_work_queue(&s->work);
}
#define btap_send_signal(sig) btap_send_signal_(sig)
/* A netfilter hook's result (the module has no LSM hooks). */
#define btap_verdict() (c->verdict)
#define btap_set_verdict(v) ((void)(c->verdict = (v)))

/* ---- the module's file: /proc/<module name> ------------------------------------ */

/* read: whole output records ([u32 length][pad][record], 8-byte aligned)
 * as many as fit; write "1"/"0": arm or disarm the probes; mmap: the
 * globals. */
static ssize_t btap_file_read(struct file *f, char __user *ubuf, size_t count, loff_t *pos)
{
	size_t n = 0, cap = min_t(size_t, count, 1u << 16);
	unsigned long fl;
	char *bounce = kmalloc(cap, GFP_KERNEL);
	if (!bounce)
		return -ENOMEM;
	btap_runner_lock(&btap_out_lock, fl);
	while (btap_out_tail != btap_out_head) {
		char *rec = btap_out + btap_out_tail % BTAP_KMOD_OUTPUT_SIZE;
		uint32_t len = BTAP_ALIGN8(*(uint32_t *)rec + 8);
		if (n + len > cap)
			break;
		memcpy(bounce + n, rec, len);
		n += len;
		btap_out_tail += len;
	}
	btap_runner_unlock(&btap_out_lock, fl);
	if (n && copy_to_user(ubuf, bounce, n))
		n = 0;
	kfree(bounce);
	return n;
}

static void btap_count_missed(void);
static int btap_breakpoints_open(void);

static ssize_t btap_file_write(struct file *f, const char __user *ubuf, size_t count, loff_t *pos)
{
	char ch;
	int err;
	if (!count || get_user(ch, ubuf))
		return -EFAULT;
	if (ch == '1' && (err = btap_breakpoints_open()))
		return err;
	WRITE_ONCE(btap_armed, ch == '1');
	if (ch == '1')
		btap_running_arm();
	else {
		tracepoint_synchronize_unregister(); /* no handler still runs */
		btap_count_missed();
	}
	return count;
}

static int btap_file_mmap(struct file *f, struct vm_area_struct *vma)
{
	return remap_vmalloc_range(vma, btap_globals, 0);
}

static struct btap_kmap *const *btap_kmaps_all;
static uint32_t btap_kmaps_n;

/* An array operation of the runner; keys and values go through kernel
 * buffers (no user copy under the lock). */
static long btap_kmap_ioctl(struct btap_kmap *m, struct btap_kmod_req *q, char *k, char *v)
{
	unsigned long fl;
	long rc = 0;
	uint32_t i;
	char *s;
	if (q->key && (q->op == BTAP_KOP_LOOKUP || q->op == BTAP_KOP_UPDATE || q->op == BTAP_KOP_DELETE) &&
	    copy_from_user(k, u64_to_user_ptr(q->key), m->key_size))
		return -EFAULT;
	if (q->op == BTAP_KOP_UPDATE && copy_from_user(v, u64_to_user_ptr(q->value), m->val_size))
		return -EFAULT;
	btap_runner_lock(&m->lock, fl);
	switch (q->op) {
	case BTAP_KOP_LOOKUP:
		s = btap_kmap_slot(m, k, 0);
		if (s)
			memcpy(v, BTAP_KVAL(m, s), m->val_size);
		rc = s ? 0 : -ENOENT;
		break;
	case BTAP_KOP_UPDATE:
		s = btap_kmap_slot(m, k, 1); /* a wrap array makes room */
		if (s)
			memcpy(BTAP_KVAL(m, s), v, m->val_size);
		rc = s ? 0 : -E2BIG;
		break;
	case BTAP_KOP_DELETE:
		s = btap_kmap_slot(m, k, 0);
		if (s) {
			*(uint64_t *)s = BTAP_SLOT_GONE;
			m->count--;
		}
		break;
	case BTAP_KOP_CLEAR:
		memset(m->slots, 0, (size_t)m->cap * m->slot);
		m->count = 0;
		break;
	case BTAP_KOP_NEXT:
		rc = -ENOENT;
		for (i = q->pos; i < m->cap; i++) {
			s = m->slots + (size_t)i * m->slot;
			if (*(uint64_t *)s == BTAP_SLOT_USED) {
				memcpy(k, s + 8, m->key_size);
				q->pos = i + 1;
				rc = 0;
				break;
			}
		}
		break;
	case BTAP_KOP_COUNT:
		rc = m->count;
		break;
	default:
		rc = -EINVAL;
	}
	btap_runner_unlock(&m->lock, fl);
	return rc;
}

/* The runner's kernel reads, through a bounce buffer on the stack (the
 * ioctl runs in the runner's process context). Root's only, as
 * /proc/kcore, which it replaces where the kernel has none. */
static long btap_kread_ioctl(const struct btap_kmod_req *q)
{
	char buf[256];
	uint64_t done = 0;
	if (q->pos > 65536)
		return -EINVAL;
	while (done < q->pos) {
		size_t n = min_t(uint64_t, sizeof(buf), q->pos - done);
		if (copy_from_kernel_nofault(buf, (const void *)(unsigned long)(q->key + done), n))
			return -EFAULT;
		if (copy_to_user(u64_to_user_ptr(q->value + done), buf, n))
			return -EFAULT;
		done += n;
	}
	return 0;
}

static long btap_run_ioctl(const struct btap_kmod_req *q);

static long btap_file_ioctl(struct file *f, unsigned int cmd, unsigned long arg)
{
	struct btap_kmod_req q;
	struct btap_kmap *m;
	char *k, *v;
	long rc;
	if (cmd != BTAP_KMOD_IOCTL || copy_from_user(&q, (void __user *)arg, sizeof(q)))
		return -EINVAL;
	if (q.op == BTAP_KOP_EXE || q.op == BTAP_KOP_RUNNING)
		return btap_tasks_ioctl(&q);
	if (q.op == BTAP_KOP_STACK)
		return btap_stack_read(&q);
	if (q.op == BTAP_KOP_KSYM_NAME || q.op == BTAP_KOP_KSYM_SET)
		return btap_ksym_ioctl(&q);
	if (q.op == BTAP_KOP_KREAD)
		return btap_kread_ioctl(&q);
	if (q.op == BTAP_KOP_RUN)
		return btap_run_ioctl(&q);
	if (q.op == BTAP_KOP_CURRENT || q.op == BTAP_KOP_PID_TASK) {
		q.key = q.op == BTAP_KOP_CURRENT ? (uint64_t)(unsigned long)current
						 : (uint64_t)btap_pid2task((int64_t)q.pos);
		return copy_to_user((void __user *)arg, &q, sizeof(q)) ? -EFAULT : 0;
	}
	if (q.map >= btap_kmaps_n)
		return -EINVAL;
	m = btap_kmaps_all[q.map];
	k = kmalloc(m->key_size + m->val_size + 8, GFP_KERNEL);
	if (!k)
		return -ENOMEM;
	v = k + BTAP_ALIGN8(m->key_size);
	rc = btap_kmap_ioctl(m, &q, k, v);
	if (rc == 0 && q.op == BTAP_KOP_LOOKUP && q.value &&
	    copy_to_user(u64_to_user_ptr(q.value), v, m->val_size))
		rc = -EFAULT;
	if (rc == 0 && q.op == BTAP_KOP_NEXT &&
	    (copy_to_user(u64_to_user_ptr(q.key), k, m->key_size) ||
	     copy_to_user((void __user *)arg, &q, sizeof(q))))
		rc = -EFAULT;
	kfree(k);
	return rc;
}

static const struct proc_ops btap_file_ops = {
	.proc_ioctl = btap_file_ioctl,
	.proc_read = btap_file_read,
	.proc_write = btap_file_write,
	.proc_mmap = btap_file_mmap,
	.proc_lseek = noop_llseek,
};

static struct proc_dir_entry *btap_file;

/* ---- the module ---------------------------------------------------------------- */

/* ---- kernel probes ------------------------------------------------------------ */

/* How a probe is registered; its handler's signature (BTAP_KP_HANDLER_x)
 * and how that returns (BTAP_KP_RETURN_x). */
enum {
	BTAP_KP_END,
	BTAP_KP_TRACEPOINT, /* tracepoint_probe_register: the prototype's arguments */
	BTAP_KP_TP_RECORD,  /* a perf event on the tracepoint: its record */
	BTAP_KP_KPROBE,
	BTAP_KP_KRETPROBE,
	BTAP_KP_PERF,       /* a perf event sampled on every CPU: its registers */
	BTAP_KP_UPROBE,     /* an instruction of a file (offset), every process mapping it */
	BTAP_KP_URETPROBE,
	BTAP_KP_NETFILTER,  /* nf_register_net_hook in the loading task's network namespace */
	BTAP_KP_INVOKED,    /* nothing: a begin/end/error probe the runner calls (BTAP_KOP_RUN) */
};

/* A tracepoint calls its probes with (data, the prototype's arguments):
 * they are taken as 8-byte slots (x86-64 passes six in registers, the
 * rest on the stack), as a raw tracepoint's BPF program sees them. */
#define BTAP_TP_ARGS 8
#define BTAP_TP_ARG_LIST btap_a0, btap_a1, btap_a2, btap_a3, btap_a4, btap_a5, btap_a6, btap_a7
#define BTAP_KP_HANDLER_TRACEPOINT(f)                                           \
	void f(void *btap_tpdata, uint64_t btap_a0, uint64_t btap_a1, uint64_t btap_a2, uint64_t btap_a3, \
	       uint64_t btap_a4, uint64_t btap_a5, uint64_t btap_a6, uint64_t btap_a7)
#define BTAP_KP_RETURN_TRACEPOINT return
#define BTAP_KP_HANDLER_TP_RECORD(f)                                            \
	void f(struct perf_event *btap_ev, struct perf_sample_data *sample, struct pt_regs *regs)
#define BTAP_KP_RETURN_TP_RECORD return
#define BTAP_KP_HANDLER_PERF(f) BTAP_KP_HANDLER_TP_RECORD(f)
#define BTAP_KP_RETURN_PERF return
#define BTAP_KP_HANDLER_KPROBE(f) int f(struct kprobe *btap_kp, struct pt_regs *regs)
#define BTAP_KP_RETURN_KPROBE return 0
#define BTAP_KP_HANDLER_KRETPROBE(f) int f(struct kretprobe_instance *btap_ri, struct pt_regs *regs)
#define BTAP_KP_RETURN_KRETPROBE return 0
/* addr() at a kernel function probe: the probed address */
#define BTAP_KP_FUNC_IP_KPROBE ((int64_t)(unsigned long)btap_kp->addr)
#define BTAP_KP_FUNC_IP_KRETPROBE                                               \
	({                                                                      \
		struct kretprobe *btap_rp_ = get_kretprobe(btap_ri);            \
		btap_rp_ ? (int64_t)(unsigned long)btap_rp_->kp.addr : 0;       \
	})
/* A netfilter hook: the packet and the hook's state; the result is the
 * verdict ($verdict), NF_ACCEPT when the body does not run. */
#define BTAP_KP_HANDLER_NETFILTER(f) \
	unsigned int f(void *btap_priv, struct sk_buff *skb, const struct nf_hook_state *state)
#define BTAP_KP_RETURN_NETFILTER return NF_ACCEPT
#define BTAP_KP_HANDLER_UPROBE(f) int f(struct uprobe_consumer *btap_uc, struct pt_regs *regs)
#define BTAP_KP_RETURN_UPROBE return 0
#define BTAP_KP_HANDLER_URETPROBE(f) \
	int f(struct uprobe_consumer *btap_uc, unsigned long btap_func, struct pt_regs *regs)
#define BTAP_KP_RETURN_URETPROBE return 0
#define BTAP_KP_HANDLER_INVOKED(f) void f(void)
#define BTAP_KP_RETURN_INVOKED return
/* A uprobe of one process (pid), or of the -c/-x target (-1). */
#define btap_uprobe_wanted(pid)                                                 \
	((int64_t)task_tgid_nr(current) ==                                      \
	 ((pid) == -1 ? ((struct btap_globals_hdr *)btap_globals)->target_pid : (pid)))
/* The tracepoint's record a perf sample carries (PERF_SAMPLE_RAW). */
#define btap_kp_record(sample) ((sample)->raw ? (void *)(sample)->raw->frag.data : NULL)

struct btap_kpoint {
	int kind;
	void *fn;
	const char *group, *name; /* a tracepoint; a kernel function ("MOD:NAME" in a module) */
	uint64_t offset;          /* bytes into the function */
	uint32_t type;            /* a perf event's type, config, period or frequency */
	uint64_t config, period;  /* (a uprobe's semaphore: config) */
	int freq;
	struct tracepoint *found; /* the tracepoint of that name */
	struct module *found_in;  /* a module's tracepoint: its module, a reference held */
	/* what registering made */
	struct tracepoint *tp;
	struct kprobe *kp;
	struct kretprobe *krp;
	struct perf_event **events; /* one per possible CPU */
	int nf_pf, nf_hook, nf_priority; /* a netfilter hook */
	/* a hardware breakpoint (kernel.data): its address, or 1 + the index
	 * of the kernel symbol the runner finds (bp_ksym); bytes watched;
	 * HW_BREAKPOINT_W or _RW. Opened when the runner arms the probes,
	 * after it handed the symbols over. */
	uint64_t bp_addr;
	uint32_t bp_len, bp_type;
	int bp_ksym;
	struct nf_hook_ops *nfo;
	struct net *net;
#ifdef BTAP_KMOD_UPROBES
	struct inode *inode;
	struct uprobe_consumer *uc;
	struct uprobe *uprobe; /* BTAP_UPROBE_HANDLE: what registering returned */
#endif
};

static struct btap_kpoint *btap_kpoints_all;

/* Run an invoked probe (the pos-th point) in the runner's task. */
static long btap_run_ioctl(const struct btap_kmod_req *q)
{
	struct btap_kpoint *t = btap_kpoints_all;
	uint64_t i;
	for (i = 0; t && t->kind && i < q->pos; i++)
		t++;
	if (!t || t->kind != BTAP_KP_INVOKED)
		return -EINVAL;
	((void (*)(void))t->fn)();
	return 0;
}

#ifdef BTAP_PERF_COUNTERS
/* The script's perf counters (@perf, tapset/perf_counters.stp): counter k
 * of CPU n at n * BTAP_PERF_COUNTERS + k, counting from the load on. */
struct btap_kperfc {
	uint32_t type;
	uint64_t config;
	int declared;
};
static const struct btap_kperfc btap_perfc_attrs[BTAP_PERF_COUNTERS];
static struct perf_event **btap_perfc_events;

static int btap_perfc_open(void)
{
	int cpu, k;
	btap_perfc_events = kcalloc(nr_cpu_ids * BTAP_PERF_COUNTERS, sizeof(*btap_perfc_events), GFP_KERNEL);
	if (!btap_perfc_events)
		return -ENOMEM;
	for (k = 0; k < BTAP_PERF_COUNTERS; k++) {
		struct perf_event_attr attr = {.size = sizeof(attr), .type = btap_perfc_attrs[k].type,
					       .config = btap_perfc_attrs[k].config};
		if (!btap_perfc_attrs[k].declared)
			continue;
		for_each_online_cpu(cpu) {
			struct perf_event *e = perf_event_create_kernel_counter(&attr, cpu, NULL, NULL, NULL);
			if (IS_ERR(e)) {
				pr_err("btap: cannot open perf counter %d (type %u, config %llu) on CPU %d: %ld\n", k,
				       attr.type, (unsigned long long)attr.config, cpu, PTR_ERR(e));
				return PTR_ERR(e);
			}
			btap_perfc_events[cpu * BTAP_PERF_COUNTERS + k] = e;
		}
	}
	return 0;
}

static void btap_perfc_close(void)
{
	int i;
	for (i = 0; btap_perfc_events && i < nr_cpu_ids * BTAP_PERF_COUNTERS; i++)
		if (btap_perfc_events[i])
			perf_event_release_kernel(btap_perfc_events[i]);
	kfree(btap_perfc_events);
	btap_perfc_events = NULL;
}

/* This CPU's count of counter k, or -1: read as perf reads a local
 * counter (perf_event_read_local is not for modules), with interrupts
 * off so the count is this CPU's. */
static int64_t btap_perf_counter(int64_t k)
{
	struct perf_event *e;
	unsigned long flags;
	int64_t v = -1;
	int cpu;
	if (k < 0 || k >= BTAP_PERF_COUNTERS || !btap_perfc_events)
		return -1;
	local_irq_save(flags);
	cpu = smp_processor_id();
	e = btap_perfc_events[cpu * BTAP_PERF_COUNTERS + k];
	if (e && READ_ONCE(e->state) == PERF_EVENT_STATE_ACTIVE && READ_ONCE(e->oncpu) == cpu) {
		e->pmu->read(e);
		v = (int64_t)local64_read(&e->count);
	}
	local_irq_restore(flags);
	return v;
}
#define btap_perf_counters() ((int64_t)BTAP_PERF_COUNTERS)
#else
static int btap_perfc_open(void) { return 0; }
static void btap_perfc_close(void) {}
#endif

static void btap_find_tp(struct tracepoint *tp, void *priv)
{
	struct btap_kpoint *t;
	for (t = priv; t->kind; t++)
		if (t->kind == BTAP_KP_TRACEPOINT && !strcmp(tp->name, t->name))
			t->found = tp;
}

#ifdef CONFIG_MODULES
/* A module's tracepoints are not among the kernel's own: the tracepoint
 * module notifier is called at registration for every module already
 * loaded (on 6.1 as on 6.12, where for_each_tracepoint_in_module came).
 * The module is held until the probe is gone, so it cannot unload under it. */
static struct btap_kpoint *btap_tp_search;

static int btap_find_module_tp(struct notifier_block *nb, unsigned long state, void *data)
{
	struct tp_module *tm = data;
	struct module *mod = tm->mod;
	struct btap_kpoint *t;
	unsigned int i;
	if (state != MODULE_STATE_COMING)
		return NOTIFY_DONE;
	for (i = 0; i < mod->num_tracepoints; i++) {
		struct tracepoint *tp = tracepoint_ptr_deref(mod->tracepoints_ptrs + i);
		for (t = btap_tp_search; t->kind; t++) {
			if (t->kind != BTAP_KP_TRACEPOINT || t->found || strcmp(tp->name, t->name))
				continue;
			if (!try_module_get(mod))
				continue; /* on its way out */
			t->found = tp;
			t->found_in = mod;
		}
	}
	return NOTIFY_DONE;
}

static void btap_find_module_tps(struct btap_kpoint *points)
{
	struct notifier_block nb = {.notifier_call = btap_find_module_tp};
	struct btap_kpoint *t;
	for (t = points; t->kind; t++)
		if (t->kind == BTAP_KP_TRACEPOINT && !t->found)
			break;
	if (!t->kind)
		return; /* all found among the kernel's */
	btap_tp_search = points;
	if (!register_tracepoint_module_notifier(&nb))
		unregister_tracepoint_module_notifier(&nb);
}

static void btap_put_module_tps(struct btap_kpoint *points)
{
	struct btap_kpoint *t;
	for (t = points; t->kind; t++)
		if (t->found_in) {
			module_put(t->found_in);
			t->found_in = NULL;
			t->found = NULL;
		}
}
#else
static void btap_find_module_tps(struct btap_kpoint *points) {}
static void btap_put_module_tps(struct btap_kpoint *points) {}
#endif

/* The id perf knows a tracepoint by (its ftrace event's type). */
static int btap_tp_event_id(const char *group, const char *name)
{
	struct trace_event_file *file = trace_get_event_file(NULL, group, name);
	int id;
	if (IS_ERR(file))
		return PTR_ERR(file);
	id = file->event_call->event.type;
	trace_put_event_file(file);
	return id;
}

/* A perf event on every online CPU, its overflow calling t->fn. */
static int btap_perf_open(struct btap_kpoint *t)
{
	struct perf_event_attr attr = {.size = sizeof(attr)};
	int cpu, id;
	if (t->kind == BTAP_KP_TP_RECORD) {
		id = btap_tp_event_id(t->group, t->name);
		if (id < 0) {
			pr_err("btap: no tracepoint %s:%s in this kernel\n", t->group, t->name);
			return id;
		}
		attr.type = PERF_TYPE_TRACEPOINT;
		attr.config = id;
		attr.sample_period = 1;
		attr.sample_type = PERF_SAMPLE_RAW;
	} else if (t->type == PERF_TYPE_BREAKPOINT) {
		attr.type = PERF_TYPE_BREAKPOINT;
		attr.bp_addr = t->bp_ksym ? btap_ksyms_all[t->bp_ksym - 1].addr : t->bp_addr;
		attr.bp_len = t->bp_len;
		attr.bp_type = t->bp_type;
		attr.sample_period = 1;
	} else {
		attr.type = t->type;
		attr.config = t->config;
		attr.freq = t->freq;
		attr.sample_period = t->period; /* sample_freq when freq */
	}
	t->events = kcalloc(nr_cpu_ids, sizeof(*t->events), GFP_KERNEL);
	if (!t->events)
		return -ENOMEM;
	for_each_online_cpu(cpu) {
		struct perf_event *e = perf_event_create_kernel_counter(&attr, cpu, NULL, t->fn, NULL);
		if (IS_ERR(e)) {
			pr_err("btap: cannot open perf event for %s on CPU %d: %ld\n", t->name, cpu, PTR_ERR(e));
			return PTR_ERR(e);
		}
		t->events[cpu] = e;
	}
	return 0;
}

/* The hardware breakpoints, once the runner has handed over the symbols'
 * addresses. Their handlers run from the debug exception: they take the
 * module's locks only inside the per-CPU guard, and no code of the module
 * touches the kernel data a script watches while it holds one. */
static int btap_breakpoints_open(void)
{
	struct btap_kpoint *t;
	int err;
	for (t = btap_kpoints_all; t && t->kind; t++)
		if (t->kind == BTAP_KP_PERF && t->type == PERF_TYPE_BREAKPOINT && !t->events &&
		    (err = btap_perf_open(t)))
			return err;
	return 0;
}

#ifdef BTAP_KMOD_UPROBES
/* A uprobe on the file's inode (every process mapping it; USDT semaphores
 * counted by the kernel). */
static int btap_uprobe_register(struct btap_kpoint *t)
{
	struct path path;
	int err = kern_path(t->name, LOOKUP_FOLLOW, &path);
	if (err) {
		pr_err("btap: cannot find %s: %d\n", t->name, err);
		return err;
	}
	t->inode = igrab(d_real_inode(path.dentry)); /* under overlayfs, the layer's file */
	path_put(&path);
	t->uc = kzalloc(sizeof(*t->uc), GFP_KERNEL);
	if (!t->inode || !t->uc)
		return -ENOMEM;
	if (t->kind == BTAP_KP_UPROBE)
		t->uc->handler = t->fn;
	else
		t->uc->ret_handler = t->fn;
#if BTAP_UPROBE_HANDLE
	t->uprobe = uprobe_register(t->inode, t->offset, t->config, t->uc);
	err = IS_ERR(t->uprobe) ? PTR_ERR(t->uprobe) : 0;
	if (err)
		t->uprobe = NULL;
#else
	err = uprobe_register_refctr(t->inode, t->offset, t->config, t->uc);
#endif
	if (err) {
		pr_err("btap: cannot register a uprobe on %s at 0x%llx: %d\n", t->name, t->offset, err);
		kfree(t->uc);
		t->uc = NULL;
	}
	return err;
}
#endif

static int btap_kpoint_register(struct btap_kpoint *t)
{
	int err;
	switch (t->kind) {
	case BTAP_KP_TRACEPOINT:
		if (!t->found) {
			pr_err("btap: no tracepoint %s in this kernel\n", t->name);
			return -ENOENT;
		}
		err = tracepoint_probe_register(t->found, t->fn, NULL);
		if (!err)
			t->tp = t->found;
		return err;
	case BTAP_KP_KPROBE:
		t->kp = kzalloc(sizeof(*t->kp), GFP_KERNEL);
		if (!t->kp)
			return -ENOMEM;
		t->kp->symbol_name = t->name;
		t->kp->offset = t->offset;
		t->kp->pre_handler = t->fn;
		err = register_kprobe(t->kp);
		break;
	case BTAP_KP_KRETPROBE:
		t->krp = kzalloc(sizeof(*t->krp), GFP_KERNEL);
		if (!t->krp)
			return -ENOMEM;
		t->krp->kp.symbol_name = t->name;
		t->krp->handler = t->fn;
		err = register_kretprobe(t->krp);
		break;
#ifdef BTAP_KMOD_UPROBES
	case BTAP_KP_UPROBE:
	case BTAP_KP_URETPROBE:
		return btap_uprobe_register(t);
#endif
	case BTAP_KP_INVOKED:
		return 0;
	case BTAP_KP_NETFILTER:
		t->nfo = kzalloc(sizeof(*t->nfo), GFP_KERNEL);
		if (!t->nfo)
			return -ENOMEM;
		t->nfo->hook = t->fn;
		t->nfo->pf = t->nf_pf;
		t->nfo->hooknum = t->nf_hook;
		t->nfo->priority = t->nf_priority;
		t->net = get_net(current->nsproxy->net_ns); /* the runner's, as BPF's links */
		err = nf_register_net_hook(t->net, t->nfo);
		if (err) {
			pr_err("btap: cannot register netfilter hook %d of family %d: %d\n", t->nf_hook, t->nf_pf, err);
			put_net(t->net);
			kfree(t->nfo);
			t->nfo = NULL;
			t->net = NULL;
		}
		return err;
	default:
		if (t->type == PERF_TYPE_BREAKPOINT)
			return 0; /* at arming (btap_breakpoints_open), its address known */
		return btap_perf_open(t);
	}
	if (err) {
		pr_err("btap: cannot register a %s on %s: %d\n", t->kp ? "kprobe" : "kretprobe", t->name, err);
		kfree(t->kp);
		kfree(t->krp);
		t->kp = NULL;
		t->krp = NULL;
	}
	return err;
}

static void btap_kpoint_unregister(struct btap_kpoint *t)
{
	int cpu;
	if (t->tp)
		tracepoint_probe_unregister(t->tp, t->fn, NULL);
	t->tp = NULL;
	if (t->kp)
		unregister_kprobe(t->kp);
	if (t->krp)
		unregister_kretprobe(t->krp);
	kfree(t->kp);
	kfree(t->krp);
	t->kp = NULL;
	t->krp = NULL;
	if (t->events)
		for_each_possible_cpu(cpu)
			if (t->events[cpu])
				perf_event_release_kernel(t->events[cpu]);
	kfree(t->events);
	t->events = NULL;
	if (t->nfo) /* waits for handlers running on it */
		nf_unregister_net_hook(t->net, t->nfo);
	kfree(t->nfo);
	t->nfo = NULL;
	if (t->net)
		put_net(t->net);
	t->net = NULL;
#ifdef BTAP_KMOD_UPROBES
#if BTAP_UPROBE_HANDLE
	if (t->uprobe) { /* its handlers are done once the sync returns: then uc may go */
		uprobe_unregister_nosync(t->uprobe, t->uc);
		uprobe_unregister_sync();
	}
	t->uprobe = NULL;
#else
	if (t->uc)
		uprobe_unregister(t->inode, t->offset, t->uc);
#endif
	kfree(t->uc);
	t->uc = NULL;
	if (t->inode)
		iput(t->inode);
	t->inode = NULL;
#endif
}

/* Hits kprobes missed (a kprobe hit inside another's handler, or more
 * returns pending than a kretprobe keeps) count as skipped probes. */
static void btap_count_missed(void)
{
	struct btap_globals_hdr *h = btap_globals;
	struct btap_kpoint *t;
	for (t = btap_kpoints_all; t && t->kind; t++) {
		if (t->kp)
			h->skipped += t->kp->nmissed;
		if (t->krp)
			h->skipped += t->krp->nmissed + t->krp->kp.nmissed;
	}
}

#define BTAP_MODULE(maps, points, ksyms)                                           \
	static int __init btap_init(void) { btap_ksyms_all = ksyms; return btap_kmod_setup(maps, points); } \
	static void __exit btap_fini(void) { btap_kmod_teardown(maps, points); } \
	module_init(btap_init);                                                 \
	module_exit(btap_fini);                                                 \
	MODULE_LICENSE("GPL");                                                  \
	MODULE_DESCRIPTION("btap probe module")

static void btap_kmod_teardown(struct btap_kmap *const *maps, struct btap_kpoint *points)
{
	struct btap_kpoint *t;
	for (t = points; t->kind; t++)
		btap_kpoint_unregister(t);
	/* No handler is running once this returns. */
	tracepoint_synchronize_unregister();
	btap_put_module_tps(points);
	btap_perfc_close();
	{
		int cpu;
		for_each_possible_cpu(cpu) /* a raise() still on its way */
			irq_work_sync(&per_cpu(btap_sigwork, cpu).work);
	}
	if (btap_file)
		proc_remove(btap_file);
	vfree(btap_globals);
	for (; *maps; maps++)
		vfree((*maps)->slots);
	free_percpu(btap_scratch);
	free_percpu(btap_busy);
	vfree(btap_out);
	btap_running_free();
	btap_stacks_free();
}

static int btap_kmod_setup(struct btap_kmap *const *maps, struct btap_kpoint *points)
{
	struct btap_kmap *const *m;
	struct btap_kpoint *t;
	int err = -ENOMEM;
	btap_scratch = __alloc_percpu(btap_scratch_size, 8);
	btap_busy = alloc_percpu(int);
	btap_out = vzalloc(BTAP_KMOD_OUTPUT_SIZE);
	btap_globals = vmalloc_user(PAGE_ALIGN(btap_globals_size));
	if (!btap_scratch || !btap_busy || !btap_out || !btap_globals || btap_stacks_alloc())
		goto fail;
	for (m = maps; *m; m++)
		if (btap_kmap_alloc(*m))
			goto fail;
	btap_kmaps_all = maps;
	btap_kmaps_n = m - maps;
	btap_kpoints_all = points;
	err = btap_perfc_open();
	if (err)
		goto fail;
	/* Handlers run from here on, doing nothing until the runner arms them. */
	for_each_kernel_tracepoint(btap_find_tp, points);
	btap_find_module_tps(points);
	for (t = points; t->kind; t++) {
		err = t->kind == BTAP_KP_TP_RECORD ? 0 : btap_kpoint_register(t);
		if (err)
			goto fail;
	}
	/* perf runs a tracepoint's events newest first: the record probes
	 * from last to first, so that the probes on one event run in the
	 * script's order, as BPF's programs do */
	while (t-- > points) {
		err = t->kind == BTAP_KP_TP_RECORD ? btap_kpoint_register(t) : 0;
		if (err)
			goto fail;
	}
	err = -ENOMEM;
	/* the name it was loaded under (module_rename.c), not the one it was built with */
	btap_file = proc_create(THIS_MODULE->name, 0600, NULL, &btap_file_ops);
	if (!btap_file)
		goto fail;
	return 0;
fail:
	btap_kmod_teardown(maps, points);
	return err;
}

#endif
