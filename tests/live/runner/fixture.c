/* A hand-written program in the shape pass 3 emits (runtime/btap_program.h),
 * used to test pass 4 and the runner on their own. It stands for:
 *
 *   global count, mode, ticks, names, lat
 *   probe begin { printf("begin %s %d\n", "hello", 42)
 *                 names["b"] = 2; names["a"] = 1; names["c"] = 3 }
 *   probe kernel.trace("syscalls:sys_enter_getpgid")
 *     { if ($pid == 777777) { count++; lat <<< count
 *                             printf("hit %d %s\n", count, "x") } }
 *   probe timer.ms(20) { ticks++ }
 *   probe perf.sw.cpu_clock.hz(100) { perf++ }
 *   probe end { foreach (k in names-) printf("%s=%d\n", k, names[k])
 *               printf("count=%d @count=%d @sum=%d @max=%d\n", count,
 *                      @count(lat), @sum(lat), @max(lat))
 *               print(@hist_log(lat)) }
 *
 * plus modes chosen by the first script argument, to exercise the runner:
 *   error-begin  a runtime error in begin
 *   error-bpf    a runtime error record from the kernel probe on its 3rd hit
 *   exit-bpf     exit() from the kernel probe on its 2nd hit
 *   exit-timer   exit() from the timer probe on its 3rd tick
 *   flood        every hit sends 2 KB of output
 *   hang         nothing ends the run but a signal, -T or the target */
#line 1 "fixture.stp"

#define MAXSTR 128
#define FLOODN 16
#define MAGIC 777777

enum { MODE_NONE, MODE_ERROR_BEGIN, MODE_ERROR_BPF, MODE_EXIT_BPF, MODE_EXIT_TIMER, MODE_FLOOD,
       MODE_HANG };

#ifdef BTAP_TARGET_BPF
typedef unsigned char __u8;
typedef unsigned short __u16;
typedef unsigned int __u32;
typedef unsigned long long __u64;
typedef signed char __s8;
typedef short __s16;
typedef int __s32;
typedef long long __s64;
typedef __u16 __be16;
typedef __u32 __be32;
typedef __u32 __wsum;
typedef __s64 int64_t;
typedef __u32 uint32_t;
typedef __u64 uint64_t;
typedef __s32 int32_t;
/* no libc for -target bpf: the types are above, skip clang's stdint.h */
#define __CLANG_STDINT_H
#include <bpf/bpf_helpers.h>
#else
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#endif

#include "btap_program.h"
#include "stats.h"

struct fx_globals {
	struct btap_globals_hdr hdr;
	int64_t count;
	int64_t mode;
	int64_t ticks;
	int64_t target;
	int64_t perf;
};

struct fx_names_key {
	char k0[MAXSTR];
};

#define FX_LAT_SIZE (sizeof(struct rt_stat) + 128 * 8)

#ifdef BTAP_TARGET_BPF
/* ---- kernel side ------------------------------------------------------ */
struct {
	__uint(type, 2 /* BPF_MAP_TYPE_ARRAY */);
	__uint(map_flags, 1024 /* BPF_F_MMAPABLE */);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct fx_globals);
} btap_globals SEC(".maps");

struct {
	__uint(type, 27 /* BPF_MAP_TYPE_RINGBUF */);
	__uint(max_entries, 4096);
} btap_events SEC(".maps");

struct {
	__uint(type, 5 /* BPF_MAP_TYPE_PERCPU_HASH */);
	__uint(max_entries, 1);
	__uint(key_size, 4);
	__uint(value_size, FX_LAT_SIZE);
} fx_lat SEC(".maps");

/* syscalls:sys_enter_*: common header, syscall nr, then the arguments */
struct fx_sys_enter {
	__u64 common;
	__s64 id;
	__u64 args[6];
};

struct fx_rec_hit {
	struct btap_rec_hdr h;
	int64_t count;
	char s[MAXSTR];
};

struct fx_rec_flood {
	struct btap_rec_hdr h;
	int64_t count;
	char s[FLOODN][MAXSTR];
};

struct fx_rec_msg {
	struct btap_rec_hdr h;
	char msg[MAXSTR];
};

static __always_inline void fx_lost(struct fx_globals *g)
{
	__u32 cpu = bpf_get_smp_processor_id();
	if (cpu < 256)
		__sync_fetch_and_add(&g->hdr.lost_records[cpu], 1);
}

static __always_inline int fx_log_bucket(int64_t v)
{
	if (v <= 0)
		return 64; /* the fixture only adds positive values */
	int b = 0;
	for (int i = 0; i < 63 && v > 1; i++) {
		v >>= 1;
		b++;
	}
	return 65 + b;
}

static __always_inline void fx_stat_add(int64_t v)
{
	__u32 zero = 0;
	struct rt_stat *st = bpf_map_lookup_elem(&fx_lat, &zero);
	if (!st) {
		static char blank[FX_LAT_SIZE];
		bpf_map_update_elem(&fx_lat, &zero, blank, 1 /* BPF_NOEXIST */);
		st = bpf_map_lookup_elem(&fx_lat, &zero);
		if (!st)
			return;
	}
	if (st->count == 0 || v < st->min)
		st->min = v;
	if (st->count == 0 || v > st->max)
		st->max = v;
	st->count++;
	st->sum += v;
	int b = fx_log_bucket(v);
	if (b >= 0 && b < 128)
		((int64_t *)(st + 1))[b]++;
}

static __always_inline void fx_send_msg(struct fx_globals *g, __u32 type, __u32 id, const char *m)
{
	struct fx_rec_msg *r = bpf_ringbuf_reserve(&btap_events, sizeof(*r), 0);
	if (!r) {
		fx_lost(g);
		return;
	}
	r->h.type = type;
	r->h.id = id;
	__builtin_memset(r->msg, 0, sizeof(r->msg));
	bpf_probe_read_kernel_str(r->msg, sizeof(r->msg), m);
	bpf_ringbuf_submit(r, 0);
}

static __always_inline void fx_flood(struct fx_globals *g, int64_t count)
{
	struct fx_rec_flood *r = bpf_ringbuf_reserve(&btap_events, sizeof(*r), 0);
	if (!r) {
		fx_lost(g);
		return;
	}
	r->h.type = BTAP_REC_PRINTF;
	r->h.id = 3;
	r->count = count;
	for (int i = 0; i < FLOODN; i++)
		r->s[i][0] = 'f', r->s[i][1] = 0;
	bpf_ringbuf_submit(r, 0);
}

#line 6 "fixture.stp"
SEC("tracepoint/syscalls/sys_enter_getpgid")
int fx_probe_getpgid(struct fx_sys_enter *ctx)
{
	__u32 zero = 0;
	struct fx_globals *g = bpf_map_lookup_elem(&btap_globals, &zero);
	if (!g || ctx->args[0] != MAGIC || g->hdr.exit_requested)
		return 0;
	int64_t c = __sync_fetch_and_add(&g->count, 1) + 1;
	fx_stat_add(c);
	if (g->mode == MODE_FLOOD) {
		fx_flood(g, c);
		return 0;
	}
	if (g->mode == MODE_ERROR_BPF && c == 3) {
		__sync_fetch_and_add(&g->hdr.errors, 1);
		fx_send_msg(g, BTAP_REC_ERROR, 1, "division by zero");
		return 0;
	}
	struct fx_rec_hit *r = bpf_ringbuf_reserve(&btap_events, sizeof(*r), 0);
	if (!r) {
		fx_lost(g);
		return 0;
	}
	r->h.type = BTAP_REC_PRINTF;
	r->h.id = 1;
	r->count = c;
	__builtin_memset(r->s, 0, sizeof(r->s));
	r->s[0] = 'x';
	bpf_ringbuf_submit(r, 0);
	if (g->mode == MODE_EXIT_BPF && c == 2) {
		g->hdr.exit_requested = 1;
		fx_send_msg(g, BTAP_REC_EXIT, 0, "");
	}
	return 0;
}

#line 14 "fixture.stp"
SEC("perf_event")
int fx_perf(void *ctx)
{
	__u32 zero = 0;
	struct fx_globals *g = bpf_map_lookup_elem(&btap_globals, &zero);
	if (g)
		__sync_fetch_and_add(&g->perf, 1);
	return 0;
}

char LICENSE[] SEC("license") = "GPL";

#else
/* ---- runner side ------------------------------------------------------- */
#include "format.h"

static const struct btap_runner_ops *fx_ops;
#define G ((struct fx_globals *)fx_ops->globals)

enum { FX_MAP_NAMES, FX_MAP_LAT };

static void fx_begin(void)
{
	struct rt_arg a[] = {RT_ARG_STR_INIT("hello", 5), RT_ARG_LONG_INIT(42)};
	fx_ops->print(0, a, 2);
	if (G->mode == MODE_ERROR_BEGIN) {
		fx_ops->error(0, "division by zero");
		return;
	}
	const char *names[] = {"b", "a", "c"};
	for (int i = 0; i < 3; i++) {
		struct fx_names_key k;
		memset(&k, 0, sizeof(k));
		strcpy(k.k0, names[i]);
		int64_t v = i == 0 ? 2 : i == 1 ? 1 : 3;
		fx_ops->map_update(FX_MAP_NAMES, &k, &v);
	}
}

static void fx_timer(void)
{
	G->ticks++;
	if (G->mode == MODE_EXIT_TIMER && G->ticks == 3) {
		fx_ops->write("tick exit\n", 10);
		fx_ops->exit();
	}
}

static void fx_end(void)
{
	void *keys;
	int64_t n = fx_ops->map_keys(FX_MAP_NAMES, -1, -1, 0, -1, &keys);
	for (int64_t i = 0; i < n; i++) {
		struct fx_names_key *k = (struct fx_names_key *)keys + i;
		int64_t v = 0;
		fx_ops->map_lookup(FX_MAP_NAMES, k, &v);
		struct rt_arg a[] = {RT_ARG_STR_INIT(k->k0, strlen(k->k0)), RT_ARG_LONG_INIT(v)};
		fx_ops->print(2, a, 2);
	}
	free(keys);
	struct rt_stat_result res;
	fx_ops->stat_read(FX_MAP_LAT, NULL, &res);
	struct rt_arg a[] = {RT_ARG_LONG_INIT(G->count), RT_ARG_LONG_INIT(res.count),
			     RT_ARG_LONG_INIT(res.sum), RT_ARG_LONG_INIT(res.count ? res.max : 0)};
	fx_ops->print(4, a, 4);
	if (res.count)
		fx_ops->print_hist(FX_MAP_LAT, NULL);
	if (G->mode == MODE_HANG) {
		struct rt_arg p[] = {RT_ARG_LONG_INIT(G->perf > 0)};
		fx_ops->print(5, p, 1);
	}
}

static void fx_error_probe(void)
{
	fx_ops->write("error probe\n", 12);
}

static void fx_init_globals(void *globals)
{
	struct fx_globals *g = globals;
	g->count = 0;
	g->ticks = 0;
}

static void fx_bind(const struct btap_runner_ops *ops)
{
	static const char *const modes[] = {"", "error-begin", "error-bpf", "exit-bpf",
					    "exit-timer", "flood", "hang"};
	fx_ops = ops;
	for (int i = 1; ops->nargs > 0 && i < (int)(sizeof(modes) / sizeof(modes[0])); i++)
		if (strcmp(ops->args[0], modes[i]) == 0)
			G->mode = i;
	G->target = ops->target();
}

static const struct btap_probe_desc fx_probes[] = {
	{.kind = BTAP_PROBE_END, .pp = "end", .origin = "fixture.stp:9:7", .run = fx_end},
	{.kind = BTAP_PROBE_BEGIN, .pp = "begin", .origin = "fixture.stp:2:7", .run = fx_begin},
	{.kind = BTAP_PROBE_TRACEPOINT, .pp = "kernel.trace(\"syscalls:sys_enter_getpgid\")",
	 .origin = "fixture.stp:4:7", .bpf_prog = "fx_probe_getpgid", .tp_group = "syscalls",
	 .tp_name = "sys_enter_getpgid"},
	{.kind = BTAP_PROBE_TIMER, .pp = "timer.ms(20)", .origin = "fixture.stp:8:7",
	 .run = fx_timer, .period_ns = 20000000, .randomize_ns = 5000000},
	{.kind = BTAP_PROBE_PERF, .pp = "perf.sw.cpu_clock.hz(100)", .origin = "fixture.stp:14:7",
	 .bpf_prog = "fx_perf", .perf_type = 1 /* PERF_TYPE_SOFTWARE */,
	 .perf_config = 0 /* PERF_COUNT_SW_CPU_CLOCK */, .perf_period = 100, .perf_freq = 1},
	{.kind = BTAP_PROBE_ERROR, .pp = "error", .origin = "fixture.stp:12:7",
	 .run = fx_error_probe},
};

static const char *const fx_formats[] = {
	"begin %s %d\n",
	"hit %d %s\n",
	"%s=%d\n",
	"flood %d %s%s%s%s%s%s%s%s%s%s%s%s%s%s%s%s\n",
	"count=%d @count=%d @sum=%d @max=%d\n",
	"perf samples: %d\n",
};

static const struct btap_error_site fx_sites[] = {
	{"fixture.stp:3:20", "operator '/'"},
	{"fixture.stp:6:30", "operator '/'"},
};

static const struct btap_map_desc fx_maps[] = {
	{.name = "names", .bpf_name = "fx_names", .nkeys = 1, .key_types = {BTAP_T_STRING},
	 .key_offsets = {0}, .key_size = sizeof(struct fx_names_key), .value_type = BTAP_T_LONG,
	 .value_size = 8, .max_entries = 100},
	{.name = "lat", .bpf_name = "fx_lat", .nkeys = 0, .key_size = 4,
	 .value_type = BTAP_T_STATS, .value_size = FX_LAT_SIZE, .max_entries = 1, .percpu = 1,
	 .hist_kind = 1},
};

const struct btap_program btap_program = {
	.abi = BTAP_ABI_VERSION,
	.maxstringlen = MAXSTR,
	.maxmapentries = 2048,
	.probes = fx_probes,
	.nprobes = sizeof(fx_probes) / sizeof(fx_probes[0]),
	.formats = fx_formats,
	.nformats = sizeof(fx_formats) / sizeof(fx_formats[0]),
	.maps = fx_maps,
	.nmaps = 2,
	.error_sites = fx_sites,
	.nerror_sites = 2,
	.globals_size = sizeof(struct fx_globals),
	.init_globals = fx_init_globals,
	.bind = fx_bind,
	.has_bpf = 1,
};
#endif
