/* BPF backend foundations, end to end on the running kernel: minimal header
 * from BTF, clang, load/attach, ring buffer, perf events, verifier logs and
 * clean detach. Needs root, BTF and clang; otherwise prints SKIP. */
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <errno.h>
#include <linux/perf_event.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "bpf-backend/btf_header.h"
#include "check.h"
#include "bpf-backend/clang_driver.h"
#include "bpf-backend/loader.h"
#include "translator/tracepoints.h"
#include "translator/util.h"

static char tmpdir[] = "/tmp/btap-bpf-test-XXXXXX";

static char *tmp_path(const char *name)
{
	struct strbuf b;
	sb_init(&b);
	sb_printf(&b, "%s/%s", tmpdir, name);
	return sb_steal(&b);
}

static bool write_text(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");
	if (!f)
		return false;
	bool ok = fputs(text, f) >= 0;
	return (fclose(f) == 0) && ok;
}

/* Generate the header for `names` into tmpdir/name. */
static bool make_header(struct btf_hdr *h, const char *name, const char *const *names, int n)
{
	char *err = NULL;
	char *text = btf_hdr_generate(h, names, n, NULL, &err);
	if (!text) {
		fprintf(stderr, "header: %s\n", err);
		free(err);
		return false;
	}
	char *path = tmp_path(name);
	bool ok = write_text(path, text);
	free(path);
	free(text);
	return ok;
}

/* Compile src to tmpdir/obj; returns clang's diagnostics (caller frees)
 * through *diag when asked. */
static int compile(const char *src, const char *obj, char **diag, const char *src_name)
{
	const char *incs[] = {tmpdir};
	struct clang_opts o = {
		.include_dirs = incs,
		.n_include_dirs = 1,
		.src_name = src_name,
	};
	char *path = tmp_path(obj);
	char *d = NULL;
	double t0 = now_ms();
	int rc = clang_compile(&o, src, strlen(src), path, &d);
	printf("  clang %s: %.1f ms\n", obj, now_ms() - t0);
	if (rc && d && !diag)
		fprintf(stderr, "%s", d);
	if (diag)
		*diag = d;
	else
		free(d);
	free(path);
	return rc;
}

static struct bpfl_obj *open_obj(const char *obj)
{
	char *path = tmp_path(obj);
	char *err = NULL;
	struct bpfl_obj *o = bpfl_open_file(path, &err);
	if (!o)
		fprintf(stderr, "%s\n", err);
	free(err);
	free(path);
	return o;
}

/* --- header generation ------------------------------------------------ */

static void test_header(struct btf_hdr *h)
{
	const char *names[] = {"task_struct", "trace_event_raw_sched_switch", "sk_buff",
			       "pt_regs", "BPF_MAP_TYPE_RINGBUF", "task_struct"};
	char *err = NULL;
	double t0 = now_ms();
	char *text = btf_hdr_generate(h, names, 6, NULL, &err);
	printf("  header for 5 names: %.1f ms, %zu bytes\n", now_ms() - t0,
	       text ? strlen(text) : 0);
	CHECK(text != NULL);
	if (!text)
		return;
	CHECK(strstr(text, "struct task_struct {") != NULL);
	CHECK(strstr(text, "struct trace_event_raw_sched_switch {") != NULL);
	CHECK(strstr(text, "struct pt_regs {") != NULL);
	CHECK(strstr(text, "BPF_MAP_TYPE_RINGBUF = ") != NULL);
	CHECK(strstr(text, "preserve_access_index") != NULL);
	CHECK(strstr(text, "typedef __u32 u32;") != NULL);
	CHECK(strstr(text, "typedef _Bool bool;") != NULL);

	/* Same set in another order, through the cache: same text. */
	const char *reordered[] = {"sk_buff", "pt_regs", "trace_event_raw_sched_switch",
				   "BPF_MAP_TYPE_RINGBUF", "task_struct"};
	char *cache = tmp_path("cache");
	char *first = btf_hdr_generate(h, reordered, 5, cache, &err);
	char *again = btf_hdr_generate(h, reordered, 5, cache, &err);
	CHECK(first && again && strcmp(first, text) == 0 && strcmp(again, text) == 0);
	free(first);
	free(again);
	free(cache);
	free(text);

	const char *bad[] = {"task_struct", "no_such_kernel_type_xyz"};
	text = btf_hdr_generate(h, bad, 2, NULL, &err);
	CHECK(text == NULL);
	CHECK(err && strstr(err, "no_such_kernel_type_xyz"));
	free(err);

	const char *prefixed[] = {"struct file", "enum bpf_map_type", "typedef pid_t"};
	err = NULL;
	text = btf_hdr_generate(h, prefixed, 3, NULL, &err);
	CHECK(text && strstr(text, "struct file {") && strstr(text, "enum bpf_map_type {") &&
	      strstr(text, "typedef __kernel_pid_t pid_t;"));
	free(text);
	free(err);
}

/* The header must compile alone and under the libbpf headers. */
static void test_header_compiles(struct btf_hdr *h)
{
	const char *names[] = {"task_struct", "pt_regs", "sk_buff", "trace_event_raw_sched_switch"};
	CHECK(make_header(h, "big.h", names, 4));
	CHECK(compile("#include \"big.h\"\n", "alone.o", NULL, NULL) == 0);
	CHECK(compile("#include \"big.h\"\n"
		      "#include <bpf/bpf_helpers.h>\n"
		      "#include <bpf/bpf_tracing.h>\n"
		      "#include <bpf/bpf_core_read.h>\n"
		      "char LICENSE[] SEC(\"license\") = \"GPL\";\n"
		      "SEC(\"tp/sched/sched_switch\")\n"
		      "int btap_sw(struct trace_event_raw_sched_switch *ctx)\n"
		      "{ struct task_struct *t = (void *)bpf_get_current_task();\n"
		      "  return BPF_CORE_READ(t, real_parent, tgid) + ctx->next_pid; }\n"
		      "SEC(\"raw_tp/sys_enter\")\n"
		      "int BPF_PROG(btap_raw, struct pt_regs *regs, long id)\n"
		      "{ return PT_REGS_PARM1_CORE(regs) + id; }\n",
		      "with_libbpf.o", NULL, NULL) == 0);

	/* The basic typedefs alone are enough for the libbpf headers. */
	CHECK(make_header(h, "empty.h", NULL, 0));
	CHECK(compile("#include \"empty.h\"\n#include <bpf/bpf_helpers.h>\n"
		      "#include <bpf/bpf_core_read.h>\n#include <bpf/bpf_tracing.h>\n",
		      "empty.o", NULL, NULL) == 0);
}

static void test_clang_diagnostics(void)
{
	char *diag = NULL;
	int rc = compile("int ok;\n#line 7 \"script.stp\"\nint f(void) { return undefined_x; }\n",
			 "bad.o", &diag, "gen.c");
	CHECK(rc != 0);
	CHECK(diag && strstr(diag, "script.stp:7:") && strstr(diag, "undefined_x"));
	free(diag);
	diag = NULL;
	rc = compile("int f(void) { return undefined_y; }\n", "bad2.o", &diag, "gen.c");
	CHECK(rc != 0 && diag && strstr(diag, "gen.c:1:"));
	free(diag);
}

/* --- live: tracepoint + ring buffer ---------------------------------- */

struct rec {
	unsigned int pid;
	char comm[16];
};

struct rb_count {
	unsigned int pid;
	char comm[16];
	int ours, others, bad_comm;
};

static int count_record(void *ctx, void *data, size_t size)
{
	struct rb_count *c = ctx;
	const struct rec *r = data;
	if (size < sizeof(*r)) {
		c->others++;
		return 0;
	}
	if (r->pid != c->pid) {
		c->others++;
	} else {
		c->ours++;
		if (strncmp(r->comm, c->comm, sizeof(r->comm)) != 0)
			c->bad_comm++;
	}
	return 0;
}

static const char tracepoint_prog[] =
	"#include \"tp.h\"\n"
	"#include <bpf/bpf_helpers.h>\n"
	"char LICENSE[] SEC(\"license\") = \"GPL\";\n"
	"struct btap_rec { u32 pid; char comm[16]; };\n"
	"struct { __uint(type, BPF_MAP_TYPE_RINGBUF); __uint(max_entries, 1 << 16); }\n"
	"  btap_events SEC(\".maps\");\n"
	"/* One struct for all globals fixes their layout for the runner. */\n"
	"struct { u32 target_pid; u64 raw_hits; } btap_g;\n"
	"SEC(\"tracepoint/syscalls/sys_enter_getpid\")\n"
	"int btap_probe_getpid(struct trace_event_raw_sys_enter *ctx)\n"
	"{\n"
	"  u32 tgid = bpf_get_current_pid_tgid() >> 32;\n"
	"  if (tgid != *(volatile u32 *)&btap_g.target_pid) return 0;\n"
	"  struct btap_rec *r = bpf_ringbuf_reserve(&btap_events, sizeof(*r), 0);\n"
	"  if (!r) return 0;\n"
	"  r->pid = tgid;\n"
	"  bpf_get_current_comm(r->comm, sizeof(r->comm));\n"
	"  bpf_ringbuf_submit(r, 0);\n"
	"  return 0;\n"
	"}\n"
	"SEC(\"raw_tp/sys_enter\")\n"
	"int btap_probe_raw(void *ctx)\n"
	"{\n"
	"  if ((u32)(bpf_get_current_pid_tgid() >> 32) == *(volatile u32 *)&btap_g.target_pid)\n"
	"    __sync_fetch_and_add(&btap_g.raw_hits, 1);\n"
	"  return 0;\n"
	"}\n";

/* IDs of the programs loaded from o. */
static int prog_ids(struct bpfl_obj *o, unsigned int *ids, int max)
{
	struct bpf_program *p;
	int n = 0;
	bpf_object__for_each_program(p, bpfl_bpf_object(o)) {
		struct bpf_prog_info info = {0};
		unsigned int len = sizeof(info);
		if (n < max && bpf_obj_get_info_by_fd(bpf_program__fd(p), &info, &len) == 0)
			ids[n++] = info.id;
	}
	return n;
}

/* Links in the system whose program is one of ids. */
static int links_of(const unsigned int *ids, int n)
{
	int count = 0;
	unsigned int id = 0;
	while (bpf_link_get_next_id(id, &id) == 0) {
		int fd = bpf_link_get_fd_by_id(id);
		if (fd < 0)
			continue;
		struct bpf_link_info info = {0};
		unsigned int len = sizeof(info);
		if (bpf_obj_get_info_by_fd(fd, &info, &len) == 0)
			for (int i = 0; i < n; i++)
				count += info.prog_id == ids[i];
		close(fd);
	}
	return count;
}

static int progs_alive(const unsigned int *ids, int n)
{
	int alive = 0;
	for (int i = 0; i < n; i++) {
		int fd = bpf_prog_get_fd_by_id(ids[i]);
		if (fd >= 0) {
			alive++;
			close(fd);
		}
	}
	return alive;
}

/* After close, links and programs go away (programs after an RCU grace
 * period, so allow a moment). */
static void check_all_gone(const unsigned int *ids, int n)
{
	int links = 0, progs = 0;
	for (int tries = 0; tries < 100; tries++) {
		links = links_of(ids, n);
		progs = progs_alive(ids, n);
		if (!links && !progs)
			break;
		usleep(10000);
	}
	CHECK(links == 0);
	CHECK(progs == 0);
}

static void test_tracepoint_ringbuf(struct btf_hdr *h)
{
	const char *names[] = {"trace_event_raw_sys_enter", "BPF_MAP_TYPE_RINGBUF"};
	CHECK(make_header(h, "tp.h", names, 2));
	if (compile(tracepoint_prog, "tp.o", NULL, "tp.bpf.c") != 0) {
		CHECK(!"tracepoint program compiles");
		return;
	}
	struct bpfl_obj *o = open_obj("tp.o");
	CHECK(o != NULL);
	if (!o)
		return;
	double t0 = now_ms();
	int rc = bpfl_load(o);
	printf("  load: %.1f ms\n", now_ms() - t0);
	CHECK(rc == 0);
	if (rc) {
		fprintf(stderr, "%s\n%s\n%s\n", bpfl_error(o), bpfl_log(o),
			bpfl_verifier_log(o) ? bpfl_verifier_log(o) : "");
		bpfl_close(o);
		return;
	}
	/* Globals live in a memory-mapped data section, written in place. */
	size_t bss_size = 0;
	/* The layout of btap_g. */
	struct bss {
		unsigned int target_pid;
		unsigned long long raw_hits;
	};
	volatile struct bss *bss = bpfl_global_data(o, ".bss", &bss_size);
	CHECK(bss != NULL && bss_size == sizeof(*bss));
	if (bss)
		bss->target_pid = (unsigned int)getpid();
	CHECK(bpfl_global_data(o, ".data.nosuch", NULL) == NULL);

	struct rb_count c = {.pid = (unsigned int)getpid()};
	prctl(PR_GET_NAME, c.comm, 0, 0, 0);
	CHECK(bpfl_ringbuf_add(o, "btap_events", count_record, &c) == 0);
	CHECK(bpfl_ringbuf_add(o, "no_such_map", count_record, &c) < 0);
	CHECK(strstr(bpfl_error(o), "no_such_map") != NULL);

	rc = bpfl_attach_auto(o);
	CHECK(rc == 0);
	if (rc)
		fprintf(stderr, "%s\n%s\n", bpfl_error(o), bpfl_log(o));
	CHECK(bpfl_link_count(o) == 2);

	unsigned int ids[8];
	int nids = prog_ids(o, ids, 8);
	CHECK(nids == 2);
	CHECK(links_of(ids, nids) == bpfl_link_count(o));

	enum { CALLS = 37 };
	for (int i = 0; i < CALLS; i++)
		syscall(SYS_getpid);
	for (int i = 0; i < 50 && c.ours < CALLS; i++)
		bpfl_ringbuf_poll(o, 20);
	bpfl_ringbuf_drain(o);
	CHECK(c.ours == CALLS);
	CHECK(c.bad_comm == 0);
	CHECK(c.others == 0);
	printf("  ring buffer: %d records from pid %u (%s)\n", c.ours, c.pid, c.comm);
	CHECK(bss && bss->raw_hits >= CALLS);

	/* Unknown tracepoints fail with a message naming them. */
	CHECK(bpfl_attach_tracepoint(o, "btap_probe_getpid", "syscalls", "sys_enter_nosuch") < 0);
	CHECK(strstr(bpfl_error(o), "syscalls:sys_enter_nosuch") != NULL);
	CHECK(bpfl_attach_tracepoint(o, "btap_probe_getpid", "..", "x") < 0);
	CHECK(bpfl_link_count(o) == 2);

	/* Detached: further calls produce nothing. */
	bpfl_detach_all(o, false);
	CHECK(bpfl_link_count(o) == 0);
	syscall(SYS_getpid);
	bpfl_ringbuf_poll(o, 20);
	CHECK(c.ours == CALLS);

	bpfl_close(o);
	check_all_gone(ids, nids);
}

/* --- live: perf_event on every CPU ----------------------------------- */

static const char perf_prog[] =
	"#include \"perf.h\"\n"
	"#include <bpf/bpf_helpers.h>\n"
	"char LICENSE[] SEC(\"license\") = \"GPL\";\n"
	"struct { __uint(type, BPF_MAP_TYPE_PERCPU_ARRAY); __uint(max_entries, 1);\n"
	"  __type(key, u32); __type(value, u64); } btap_ticks SEC(\".maps\");\n"
	"SEC(\"perf_event\")\n"
	"int btap_tick(struct bpf_perf_event_data *ctx)\n"
	"{\n"
	"  u32 k = 0;\n"
	"  u64 *v = bpf_map_lookup_elem(&btap_ticks, &k);\n"
	"  if (v) (*v)++;\n"
	"  return 0;\n"
	"}\n";

static void test_perf_event(struct btf_hdr *h)
{
	const char *names[] = {"bpf_perf_event_data", "BPF_MAP_TYPE_PERCPU_ARRAY",
			       "BPF_MAP_TYPE_HASH"};
	CHECK(make_header(h, "perf.h", names, 3));
	if (compile(perf_prog, "perf.o", NULL, "perf.bpf.c") != 0) {
		CHECK(!"perf program compiles");
		return;
	}
	/* From memory this time. */
	char *path = tmp_path("perf.o");
	size_t len = 0;
	char *image = read_file(path, &len);
	free(path);
	char *err = NULL;
	struct bpfl_obj *o = image ? bpfl_open_mem(image, len, "perf", &err) : NULL;
	CHECK(o != NULL);
	if (!o) {
		fprintf(stderr, "%s\n", err ? err : "cannot read perf.o");
		free(err);
		free(image);
		return;
	}
	CHECK(bpfl_load(o) == 0);
	/* perf_event sections are left for the explicit call. */
	CHECK(bpfl_attach_auto(o) == 0 && bpfl_link_count(o) == 0);
	struct bpfl_perf pe = {
		.type = PERF_TYPE_SOFTWARE,
		.config = PERF_COUNT_SW_CPU_CLOCK,
		.period = 4000,
		.freq = true,
	};
	int rc = bpfl_attach_perf_event(o, "btap_tick", &pe);
	if (rc == -EACCES || rc == -EOPNOTSUPP || rc == -ENOENT) {
		printf("SKIP: perf events unavailable: %s\n", bpfl_error(o));
		bpfl_close(o);
		free(image);
		return;
	}
	CHECK(rc == 0);
	if (rc)
		fprintf(stderr, "%s\n%s\n", bpfl_error(o), bpfl_log(o));
	int ncpus = libbpf_num_possible_cpus();
	CHECK(bpfl_link_count(o) >= 1 && bpfl_link_count(o) <= ncpus);
	unsigned int ids[8];
	int nids = prog_ids(o, ids, 8);
	CHECK(links_of(ids, nids) == bpfl_link_count(o));

	/* Keep a CPU busy for ~200 ms so the clock has something to sample. */
	double end = now_ms() + 200;
	volatile unsigned long spin = 0;
	while (now_ms() < end)
		spin++;

	unsigned long long *vals = calloc((size_t)(ncpus > 0 ? ncpus : 1), sizeof(*vals));
	unsigned int key = 0;
	unsigned long long total = 0;
	CHECK(vals && bpf_map_lookup_elem(bpfl_map_fd(o, "btap_ticks"), &key, vals) == 0);
	for (int i = 0; vals && i < ncpus; i++)
		total += vals[i];
	free(vals);
	printf("  perf cpu-clock: %llu samples in 200 ms on %d CPU links\n", total,
	       bpfl_link_count(o));
	CHECK(total > 10);

	bpfl_close(o);
	free(image);
	check_all_gone(ids, nids);
}

/* --- verifier rejection ----------------------------------------------- */

static const char rejected_prog[] =
	"#include \"perf.h\"\n"
	"#include <bpf/bpf_helpers.h>\n"
	"char LICENSE[] SEC(\"license\") = \"GPL\";\n"
	"struct { __uint(type, BPF_MAP_TYPE_HASH); __uint(max_entries, 1);\n"
	"  __type(key, u32); __type(value, u64); } btap_vals SEC(\".maps\");\n"
	"#line 40 \"probe.stp\"\n"
	"SEC(\"tracepoint/syscalls/sys_enter_getpid\")\n"
	"int btap_unchecked(void *ctx)\n"
	"{\n"
	"  u32 k = 0;\n"
	"  u64 *v = bpf_map_lookup_elem(&btap_vals, &k);\n"
	"#line 42 \"probe.stp\"\n"
	"  return *v;\n"
	"}\n";

static void test_verifier_log(void)
{
	if (compile(rejected_prog, "reject.o", NULL, "reject.bpf.c") != 0) {
		CHECK(!"rejected program compiles");
		return;
	}
	struct bpfl_obj *o = open_obj("reject.o");
	CHECK(o != NULL);
	if (!o)
		return;
	int rc = bpfl_load(o);
	CHECK(rc < 0);
	const char *vlog = bpfl_verifier_log(o);
	CHECK(vlog != NULL);
	CHECK_STR(bpfl_failed_prog(o), "btap_unchecked");
	CHECK(strstr(bpfl_error(o), "btap_unchecked") != NULL);
	/* The verifier quotes source lines with their location; the file is
	 * the one in force where the function starts. */
	CHECK(vlog && strstr(vlog, "probe.stp:42"));
	CHECK(vlog && strstr(vlog, "map_value_or_null"));
	if (!vlog || !strstr(vlog, "probe.stp:42"))
		fprintf(stderr, "verifier log:\n%s\nlibbpf log:\n%s\n", vlog ? vlog : "(none)",
			bpfl_log(o));
	bpfl_close(o);
}

/* --- setup ------------------------------------------------------------- */

static const char *skip_reason(void)
{
	struct stat st;
	if (geteuid() != 0)
		return "needs root";
	if (stat("/sys/kernel/btf/vmlinux", &st) != 0)
		return "no kernel BTF at /sys/kernel/btf/vmlinux";
	if (!clang_find())
		return "no clang";
	return NULL;
}

static void remove_tree(const char *dir)
{
	char cmd[256];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	if (system(cmd) != 0)
		fprintf(stderr, "cannot remove %s\n", dir);
}

int main(void)
{
	const char *why = skip_reason();
	if (why) {
		printf("SKIP: %s\n", why);
		return CHECK_DONE();
	}
	if (!mkdtemp(tmpdir)) {
		perror("mkdtemp");
		return 1;
	}
	const char *clang = clang_find();
	printf("  %s: %s, -mcpu=%s\n", clang, clang_version(clang), clang_best_mcpu(clang, NULL));
	CHECK(clang_major(clang) >= 14);
	CHECK(clang_cache_key(clang) != NULL && strstr(clang_cache_key(clang), "clang"));
	/* -mcpu follows the target kernel (-r), not the one compiling: a 6.1
	 * verifier rejects v4's instructions */
	CHECK(strcmp(clang_best_mcpu(clang, "6.1.0-28-cloud-amd64"), "v3") == 0);
	CHECK(strcmp(clang_best_mcpu(clang, "4.19.0"), "v2") == 0);
	CHECK(strcmp(clang_best_mcpu(clang, "/lib/modules/x/build"), "v3") == 0);
	CHECK(strcmp(clang_best_mcpu(clang, "6.6.1"), clang_major(clang) >= 18 ? "v4" : "v3") == 0);
	CHECK(tp_tracefs_dir() != NULL);

	struct btf_hdr *h = btf_hdr_new(NULL);
	double t0 = now_ms();
	CHECK(btf_hdr_btf(h, NULL) != NULL);
	printf("  kernel BTF load: %.1f ms\n", now_ms() - t0);
	t0 = now_ms();
	CHECK(btf_hdr_identity(h) != NULL && strlen(btf_hdr_identity(h)) == 16);
	printf("  BTF identity %s: %.1f ms\n", btf_hdr_identity(h), now_ms() - t0);

	test_header(h);
	test_header_compiles(h);
	test_clang_diagnostics();
	test_tracepoint_ringbuf(h);
	test_perf_event(h);
	test_verifier_log();

	btf_hdr_free(h);
	remove_tree(tmpdir);
	return CHECK_DONE();
}
