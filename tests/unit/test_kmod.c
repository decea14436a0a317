/* The kernel-module runtime's passes 3 and 4 on their own: the module C
 * pass 3 writes (the probe table and handlers, maps, the module macro,
 * located errors for what it does not lower yet) and how pass 4 names the build tree and the module.
 * Building and running modules is the VM tier's (tests/vm/kmod-cases.sh). */
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "kmod-backend/kbuild.h"
#include "p3.h"

static struct te_p3 translate(const char *script)
{
	return te_translate_for(RT_KMOD, script, NULL, 0);
}

static bool has(const char *text, const char *what)
{
	bool found = text && strstr(text, what);
	if (!found)
		fprintf(stderr, "missing: %s\n", what);
	return found;
}

static void test_counter(void)
{
	struct te_p3 r = translate("global n; probe kernel.trace(\"sched:sched_switch\") { n[cpu()]++ }\n"
				   "probe end { foreach (k+ in n) printf(\"%d %d\\n\", k, n[k]) }\n");
	CHECK(r.ok);
	CHECK(has(r.c, "#ifdef BTAP_TARGET_KMOD\n#include \"kmod/btap_kmod.h\""));
	CHECK(has(r.c, "BTAP_DECLARE_MAP(bm0_n, sizeof(struct bk0), sizeof(int64_t), 2048, 0);"));
	CHECK(has(r.c, "static BTAP_KP_HANDLER_TRACEPOINT(bp0);"));
	CHECK(has(r.c, "static struct btap_kmap *const btap_kmaps[] = {&bm0_n, NULL};"));
	CHECK(has(r.c, "{.kind = BTAP_KP_TRACEPOINT, .fn = (void *)bp0, .group = \"sched\", .name = \"sched_switch\"},"));
	CHECK(has(r.c, "BTAP_MODULE(btap_kmaps, btap_kpoints, btap_ksyms);"));
	CHECK(has(r.c, "btap_kmod_enter(&c, NULL, 0)"));
	CHECK(has(r.c, ".has_bpf = 1,"));
	te_p3_free(&r);
}

/* No kernel probes: still a module, for the globals and arrays. */
static void test_runner_only(void)
{
	struct te_p3 r = translate("global a; probe begin { a[1] = 2; printf(\"hi %d\\n\", a[1]); exit() }\n");
	CHECK(r.ok);
	CHECK(has(r.c, "BTAP_MODULE(btap_kmaps, btap_kpoints, btap_ksyms);"));
	CHECK(has(r.c, "static struct btap_kpoint btap_kpoints[] = {\n\t{.kind = BTAP_KP_END},\n};"));
	CHECK(has(r.c, ".has_bpf = 1,"));
	te_p3_free(&r);
}

/* Each kind of kernel probe: its table entry and how its handler finds
 * its context (the record, the argument slots, the registers). */
static void test_probe_kinds(void)
{
	struct te_p3 r = translate("global n\n"
				   "probe kernel.trace(\"sched:sched_switch\") { n += $next_pid }\n"
				   "probe kernel.trace(\"sched:sched_wakeup\") { n += $p->pid }\n"
				   "probe kernel.function(\"vfs_read\") { n += $count }\n"
				   "probe kernel.function(\"vfs_read\").return { n += $return }\n"
				   "probe timer.profile { n++ }\n");
	CHECK(r.ok);
	CHECK(has(r.c, "{.kind = BTAP_KP_TP_RECORD, .fn = (void *)bp0, .group = \"sched\", .name = \"sched_switch\"},"));
	CHECK(has(r.c, "if (!btap_kp_record(sample))"));
	CHECK(has(r.c, "{.kind = BTAP_KP_TRACEPOINT, .fn = (void *)bp1, .group = \"\", .name = \"sched_wakeup\"},"));
	CHECK(has(r.c, "uint64_t slots[BTAP_TP_ARGS] = {BTAP_TP_ARG_LIST};"));
	CHECK(has(r.c, "{.kind = BTAP_KP_KPROBE, .fn = (void *)bp2, .name = \"vfs_read\", .offset = 0},"));
	CHECK(has(r.c, "slots[2] = ((struct pt_regs *)ctx)->dx;"));
	CHECK(has(r.c, "{.kind = BTAP_KP_KRETPROBE, .fn = (void *)bp3, .name = \"vfs_read\", .offset = 0},"));
	CHECK(has(r.c, "c.regs = 7;"));
	CHECK(has(r.c, "{.kind = BTAP_KP_PERF, .fn = (void *)bp4, .name = \"perf\", .type = 1, .config = 0"));
	CHECK(has(r.c, "btap_kmod_enter(&c, regs, 4)"));
	/* one per-CPU frame, the largest probe's (one handler per CPU at a time) */
	CHECK(has(r.c, "BFS_K2 = BTAP_MAX0(BFS_K1, BFS_P1)"));
	CHECK(has(r.c, "#define BTAP_FRAME_SIZE (BTAP_SCRATCH_HDR + BFS_K5)"));
	te_p3_free(&r);
}

/* Recursion in a kernel probe: a function a cycle comes back to has room
 * for MAXNESTING + 2 of the largest frame, and its callers add it up. */
static void test_recursion(void)
{
	struct te_p3 r = translate("function odd(n) { return n ? even(n - 1) : 0 }\n"
				   "function even(n) { return n ? odd(n - 1) : 1 }\n"
				   "function top(n) { return odd(n) }\n"
				   "probe kernel.trace(\"sched:sched_switch\") { println(top(3)) }\n");
	CHECK(r.ok);
	CHECK(has(r.c, "enum { BFS_FMAX0 = 0, BFS_FMAX1 = BTAP_MAX0(BFS_FMAX0, (int)sizeof(struct bff"));
	CHECK(has(r.c, " = (MAXNESTING + 2) * BFS_FMAX3 };"));
	/* stap's default: top, odd, even (the cycle once), plus 1, plus 10 */
	CHECK(has(r.c, "#if defined(BTAP_TARGET_KMOD) && !defined(MAXNESTING)\n#define MAXNESTING 14\n"));
	CHECK(has(r.c, "if (!btap_nest_enter(c, "));
	te_p3_free(&r);
	/* a deeper limit than a kernel stack holds is refused */
	r = te_translate_for(RT_KMOD, "function f(n) { return n ? f(n - 1) : 0 } "
			     "probe kernel.trace(\"sched:sched_switch\") { println(f(3)) }\n", (const char *const[]){"MAXNESTING=100"}, 1);
	CHECK(!r.ok);
	CHECK(has(r.diags, "-D MAXNESTING=100: recursive functions in kernel-context probes (kmod) take 1 to 32"));
	te_p3_free(&r);
}

/* What is not lowered yet: located errors, not dropped. */
static void test_rejected(void)
{
	struct te_p3 r = translate("probe perf.hw.cpu_cycles { next }\n");
	CHECK(!r.ok);
	CHECK(has(r.diags, "t.stp:1:7: error: hardware perf events are not supported yet by the kmod runtime"));
	te_p3_free(&r);
	/* an executable's processes: the runner lists and finds them */
	r = translate("probe process(\"/bin/true\").begin, process(\"/bin/true\").end { println(pid()) }\n");
	CHECK(r.ok);
	CHECK(has(r.c, "#define BTAP_KMOD_TASKS 3\n"));
	CHECK(has(r.c, "void *task = btap_task_runs(btap_proc_exec_task(ctx), 0);"));
	CHECK(has(r.c, "void *task = btap_proc_running_task(ctx, 1);"));
	CHECK(has(r.c, "void *task = btap_task_runs(btap_proc_end_task(ctx), 2);"));
	CHECK(has(r.c, ".tp_name = \"sched_switch\", .running = 1, .running_pid = 0, .exe_path = \""));
	te_p3_free(&r);
	/* events sifted by task: the guard, then the task it chose */
	r = translate("probe process.end { println(pid()) }\n");
	CHECK(r.ok);
	CHECK(has(r.c, "void *task = btap_proc_end_task(ctx);"));
	CHECK(has(r.c, "c.task = task;"));
	te_p3_free(&r);
}

static void test_kbuild_names(void)
{
	struct session s;
	session_init(&s);
	char out[4096];
	s.kernel_release = "6.1.0-57-amd64";
	kbuild_tree(&s, out, sizeof out);
	CHECK_STR(out, "/lib/modules/6.1.0-57-amd64/build");
	s.kernel_release = "/srv/linux-headers";
	kbuild_tree(&s, out, sizeof out);
	CHECK_STR(out, "/srv/linux-headers");
	s.kernel_release = NULL;
	kbuild_tree(&s, out, sizeof out);
	CHECK(strncmp(out, "/lib/modules/", 13) == 0 && strstr(out, "/build"));
	session_free(&s);
	kbuild_module_name("/cache/btap/0123456789abcdef0123456789", out, sizeof out);
	CHECK_STR(out, "btap_0123456789abcdef");
}

int main(void)
{
	test_counter();
	test_runner_only();
	test_probe_kinds();
	test_recursion();
	test_rejected();
	test_kbuild_names();
	return CHECK_DONE();
}
