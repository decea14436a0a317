/* The BPF runtime of pass 3 (emit/emit_runtime.h): what the emitter's
 * core leaves to it. Kernel-context probes are BPF programs: a
 * tracepoint, raw tracepoint or perf_event program per probe that sets up
 * the context and the frame (a per-CPU scratch map, since the stack holds
 * 512 bytes) and calls the body; raw tracepoints of process.begin/end are
 * entered through a guard that sifts the events. Globals are maps declared
 * in the object (the runner creates them and hands over the fds). The
 * kernel types the unit reads come from BTF, in a minimal header
 * (btf_header.c) whose member offsets are CO-RE relocations. BPF has no
 * recursion, no sorting in the kernel, and a verifier that checks loops
 * best as callbacks (bpf_loop, bpf_for_each_map_elem). */
#include "emit_bpf.h"

#include <bpf/btf.h>

#include "bpf-backend/btf_header.h"
#include "translator/cache.h"
#include "translator/tracepoints.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

/* enum bpf_map_type values (uapi, stable) */
enum { MAP_HASH = 1, MAP_PERCPU_HASH = 5, MAP_PERCPU_ARRAY = 6, MAP_LRU_HASH = 9, MAP_LRU_PERCPU_HASH = 10 };

static uint32_t bpf_map_type(const struct em_map *m)
{
	switch (m->kind) {
	case EM_MAP_SCALAR_STATS: return MAP_PERCPU_ARRAY;
	/* global s%[N]: a full array of statistics drops its least
	 * recently used key, as one of values does */
	case EM_MAP_STATS: return m->v->wrap ? MAP_LRU_PERCPU_HASH : MAP_PERCPU_HASH;
	case EM_MAP_WRAP: return MAP_LRU_HASH;
	default: return MAP_HASH;
	}
}

static const char *map_type_name(uint32_t t)
{
	switch (t) {
	case MAP_PERCPU_HASH: return "BPF_MAP_TYPE_PERCPU_HASH";
	case MAP_PERCPU_ARRAY: return "BPF_MAP_TYPE_PERCPU_ARRAY";
	case MAP_LRU_HASH: return "BPF_MAP_TYPE_LRU_HASH";
	case MAP_LRU_PERCPU_HASH: return "BPF_MAP_TYPE_LRU_PERCPU_HASH";
	default: return "BPF_MAP_TYPE_HASH";
	}
}

/* ---- the task ------------------------------------------------------------ */

/* Does the kernel half read struct task_struct: a probe that describes
 * another task, or a tapset native that follows the task's pointers? */
static bool needs_task(struct emitter *em)
{
	static const char *const task_natives[] = {
		"btap_ppid",      "btap_euid",     "btap_egid",        "btap_pexecname",  "btap_task_current",
		"btap_task_parent", "btap_task_pid", "btap_task_tid",  "btap_task_uid",   "btap_task_euid",
		"btap_task_gid",  "btap_task_egid", "btap_task_execname", "btap_task_state", "btap_task_cpu",
		"btap_task_prio", "btap_task_nice", "btap_task_start_time", "btap_task_utime", "btap_task_stime",
		"btap_cmdline",   "btap_pid2task", NULL};
	if (em->task_override)
		return true;
	VEC_FOREACH(em->funcs, i) {
		struct em_func *f = VEC_AT(em->funcs, i, struct em_func *);
		for (int k = 0; (f->where & EM_CTX_KERNEL) && f->f->embedded && task_natives[k]; k++)
			if (strstr(f->f->embedded, task_natives[k]))
				return true;
	}
	return false;
}

/* Does this kernel's sched_process_exit say whether the thread group
 * died with it (a second argument, group_dead)? Then process.end fires
 * exactly when the process ends, not when its leader thread does. */
static bool exit_has_group_dead(void)
{
	const struct btf *btf = kernel_btf();
	int id = btf ? btf__find_by_name_kind(btf, "btf_trace_sched_process_exit", BTF_KIND_TYPEDEF) : -1;
	if (id <= 0)
		return false;
	const struct btf_type *t = btf__type_by_id(btf, btf__resolve_type(btf, (__u32)id));
	if (!t || !btf_is_ptr(t))
		return false;
	t = btf__type_by_id(btf, t->type);
	/* (void *data, struct task_struct *p, bool group_dead) */
	return t && btf_is_func_proto(t) && btf_vlen(t) == 3;
}

/* Does a probe filter tasks by executable in the kernel
 * (process("PATH").begin/.end)? The runner lists running processes itself. */
static bool filters_exe(struct emitter *em)
{
	VEC_FOREACH(em->probes, i) {
		const struct attach *at = &VEC_AT(em->probes, i, struct em_probe *)->at;
		if (at->exe_path && at->filter != ATTACH_FILTER_PROCESS_RUNNING)
			return true;
	}
	return false;
}

/* Does a begin probe fire for the processes already running? */
static bool begins_running(struct emitter *em)
{
	VEC_FOREACH(em->probes, i)
		if (VEC_AT(em->probes, i, struct em_probe *)->at.filter == ATTACH_FILTER_PROCESS_RUNNING)
			return true;
	return false;
}

static bool kernel_has_kfunc(const char *name)
{
	const struct btf *btf = kernel_btf();
	return btf && btf__find_by_name_kind(btf, name, BTF_KIND_FUNC) > 0;
}

/* usymname() and friends find the address's mapping in the probe, where
 * the kernel can (then they name symbols after the process has gone). */
static bool finds_user_mappings(struct emitter *em)
{
	return (em_kernel_uses(em, "btap_usym_token(") || em_kernel_uses(em, "btap_umodaddr(")) &&
	       kernel_has_bpf_helper("BPF_FUNC_find_vma");
}

static void bpf_defines(struct emitter *em, struct strbuf *b)
{
	if (finds_user_mappings(em))
		sb_puts(b, "#define BTAP_HAVE_FIND_VMA 1\n");
	if (em_kernel_uses(em, "btap_pid2task(") && kernel_has_kfunc("bpf_task_from_pid"))
		sb_puts(b, "#define BTAP_HAVE_TASK_FROM_PID 1\n");
	if (em_kernel_uses(em, "btap_ksym_token(") && kernel_has_bpf_helper("BPF_FUNC_snprintf"))
		sb_puts(b, "#define BTAP_HAVE_SNPRINTF 1\n");
	if (em_kernel_uses(em, "btap_kstack("))
		sb_puts(b, "#define BTAP_NEED_KSTACK 1\n");
	/* the global function that compares whole strings: clang spends ~20 ms
	 * optimising it, and a global function is compiled even when unused */
	if (em_kernel_code_calls(em, "btap_str_cmp(") || em_kernel_code_calls(em, "btap_str_ncmp("))
		sb_puts(b, "#define BTAP_NEED_STRCMP 1\n");
	if (em_kernel_uses(em, "btap_cmdline"))
		sb_puts(b, "#define BTAP_NEED_CMDLINE 1\n");
	if (em_kernel_uses(em, "btap_ustack("))
		sb_puts(b, "#define BTAP_NEED_USTACK 1\n");
	/* the fp_*() operations are global functions, compiled whether called or not */
	if (em_kernel_uses(em, "btap_fp_"))
		sb_puts(b, "#define BTAP_NEED_FP 1\n");
	if (em_kernel_uses(em, "btap_loadavg("))
		sb_puts(b, "#define BTAP_NEED_LOADAVG 1\n");
	if (em_kernel_uses(em, "btap_kstack_frame(") || em_kernel_uses(em, "btap_ustack_frame("))
		sb_puts(b, "#define BTAP_NEED_FRAMES 1\n");
	if (needs_task(em))
		sb_puts(b, "#define BTAP_NEED_TASK 1\n");
	if (filters_exe(em))
		sb_printf(b, "#define BTAP_NEED_EXE %d\n", em->probes.n);
	if (begins_running(em))
		sb_printf(b, "#define BTAP_NEED_RUNNING %d\n", em->probes.n);
	if (em->task_override)
		sb_puts(b, "#define BTAP_TASK_OVERRIDE 1\n");
	if (em->task_override && exit_has_group_dead())
		sb_puts(b, "#define BTAP_EXIT_GROUP_DEAD 1\n");
}

/* ---- the kernel header ------------------------------------------------------ */

static void add_name(struct emitter *em, struct vec *names, const char *name)
{
	VEC_FOREACH(*names, i)
		if (strcmp(VEC_AT(*names, i, const char *), name) == 0)
			return;
	vec_push(em->a, names, (void *)name);
}

/* The kernel types the BPF half needs, from BTF: what the runtime header
 * uses, the task when it is read, the types target expressions walk
 * through and each tracepoint's record. */
static char *kernel_header(struct emitter *em, const char *cache_dir)
{
	static const char *const always[] = {"BPF_MAP_TYPE_RINGBUF", "BPF_ANY", "BPF_F_MMAPABLE",
					     "BPF_RB_NO_WAKEUP", "BPF_RB_AVAIL_DATA", NULL};
	struct vec names = {0};
	for (int i = 0; always[i]; i++)
		add_name(em, &names, always[i]);
	if (needs_task(em)) {
		add_name(em, &names, "task_struct");
		add_name(em, &names, "struct cred");
	}
	if (em_kernel_uses(em, "btap_cmdline"))
		add_name(em, &names, "struct mm_struct");
	if (finds_user_mappings(em)) {
		add_name(em, &names, "task_struct");
		add_name(em, &names, "struct vm_area_struct");
		add_name(em, &names, "struct file");
		add_name(em, &names, "struct inode");
	}
	if (em_kernel_uses(em, "btap_perf_counter(")) {
		add_name(em, &names, "BPF_MAP_TYPE_PERF_EVENT_ARRAY");
		add_name(em, &names, "struct bpf_perf_event_value");
	}
	if (filters_exe(em)) {
		add_name(em, &names, "struct mm_struct");
		add_name(em, &names, "struct file");
		add_name(em, &names, "struct inode");
		add_name(em, &names, "struct dentry");
	}
	VEC_FOREACH(em->kernel_types, i)
		add_name(em, &names, VEC_AT(em->kernel_types, i, const char *));
	VEC_FOREACH(em->probes, i) {
		struct em_probe *p = VEC_AT(em->probes, i, struct em_probe *);
		struct tp_event *ev = p->at.kind == ATTACH_TRACEPOINT ? tp_probe_event(em->s, p->p) : NULL;
		if (ev && ev->btf_struct)
			add_name(em, &names, ev->btf_struct);
		if (p->at.kind == ATTACH_KPROBE && p->at.kprobe.via_kprobe)
			add_name(em, &names, "struct pt_regs");
	}
	struct btf_hdr *h = btf_hdr_new(NULL);
	/* module(...).function parameters and a module's tracepoints'
	 * prototype arguments may have the modules' own types */
	VEC_FOREACH(em->probes, i) {
		const struct em_probe *p = VEC_AT(em->probes, i, struct em_probe *);
		struct tp_event *ev = p->at.kind == ATTACH_TRACEPOINT || p->at.kind == ATTACH_RAW_TRACEPOINT
					      ? tp_probe_event(em->s, p->p) : NULL;
		if (p->at.kind == ATTACH_KPROBE && p->at.kprobe.module)
			btf_hdr_add_module(h, p->at.kprobe.module);
		else if (ev && ev->args_loaded && ev->args_module)
			btf_hdr_add_module(h, ev->args_module);
	}
	char *err = NULL;
	char *text = btf_hdr_generate(h, (const char *const *)names.v, names.n, cache_dir, &err);
	if (!text) {
		diag_plain_error("cannot generate the kernel type header: %s", err ? err : "unknown error");
		free(err);
	}
	btf_hdr_free(h);
	return text;
}

/* The C type of a typed (per-CPU) ksym of type t: libbpf checks it
 * against the kernel's BTF variable, bpf_this_cpu_ptr needs it. */
static const char *ksym_c_type(struct arena *a, struct tplace t)
{
	int stars = t.ptr_depth;
	t.ptr_depth = 0;
	for (int guard = 0; guard < 8 && t.id; guard++) {
		enum type_kind k = tsrc_kind(t.src, t.id);
		if (k == TYPE_POINTER)
			stars++;
		else if (k != TYPE_CONST && k != TYPE_VOLATILE && k != TYPE_RESTRICT)
			break;
		t.id = tsrc_next(t.src, t.id);
	}
	const char *hdr, *n = tplace_c_name(a, t, &hdr);
	if (!n && t.id && tsrc_kind(t.src, t.id) == TYPE_INT)
		n = tsrc_name(t.src, t.id); /* "long unsigned int" is C */
	if (!n && stars) {
		n = "void";
		stars--;
	}
	if (!n)
		return NULL;
	return stars ? arena_printf(a, "%s %.*s", n, stars, "********") : n;
}

/* Generating the header walks the whole BTF (~50 ms); the cache makes a
 * warm start skip it. */
static bool bpf_prelude(struct emitter *em, struct strbuf *b)
{
	if (em->has_kernel) {
		const char *root = cache_root();
		char *text = kernel_header(em, root ? arena_printf(em->a, "%s/headers", root) : NULL);
		if (!text)
			return false;
		sb_puts(b, text);
		free(text);
	}
	sb_puts(b, "#include \"bpf/btap_bpf.h\"\n");
	/* @var("sym") of the kernel: addresses libbpf finds at load (a
	 * per-CPU one typed, for bpf_this_cpu_ptr) */
	VEC_FOREACH(em->ksyms, i) {
		const struct tp_access *acc = VEC_AT(em->ksyms, i, const struct tp_access *);
		struct tplace t = acc->start;
		t.ptr_depth--;
		const char *cname = acc->ksym_percpu ? ksym_c_type(em->a, t) : NULL;
		sb_printf(b, "extern const %s %s __ksym;\n", cname ? cname : "void", acc->ksym);
	}
	return true;
}

/* ---- maps and frames -------------------------------------------------------- */

static void bpf_declare_maps(struct emitter *em, struct strbuf *b)
{
	em_frame_sizes(em, b);
	sb_puts(b, "BTAP_DECLARE_GLOBALS(struct bg_globals);\n");
	VEC_FOREACH(em->maps, i) {
		struct em_map *m = VEC_AT(em->maps, i, struct em_map *);
		const char *value = "int64_t";
		if (m->stats) {
			sb_printf(b, "struct bv%d { int64_t w[%d]; };\n", m->id, em_stats_value_size(m) / 8);
			value = arena_printf(em->a, "struct bv%d", m->id);
		} else if (m->v->type == TY_STRING) {
			sb_printf(b, "struct bv%d { char s[MAXSTRINGLEN]; };\n", m->id);
			value = arena_printf(em->a, "struct bv%d", m->id);
		}
		sb_printf(b, "struct {\n\t__uint(type, %s);\n\t__uint(max_entries, %" PRId64 ");\n"
			  "\t__type(key, %s);\n\t__type(value, %s);\n} %s SEC(\".maps\");\n",
			  map_type_name(bpf_map_type(m)), m->max_entries, m->key_type, value, m->sym);
	}
	VEC_FOREACH(em->probes, i) {
		struct em_probe *p = VEC_AT(em->probes, i, struct em_probe *);
		if (p->where == EM_CTX_KERNEL && !p->rep)
			sb_printf(b, "BTAP_DECLARE_SCRATCH(bs%d, BTAP_SCRATCH_HDR + BFS_P%d);\n", p->index,
				  p->index);
	}
	sb_puts(b, "\n");
}

/* ---- probes ------------------------------------------------------------------ */



/* A probe that reads no field of its tracepoint attaches to the raw
 * tracepoint (attach.h: it detaches at once). Not where the unit takes
 * stacks: from a raw tracepoint they would start inside BPF. */
static bool via_raw(struct emitter *em, const struct attach *at)
{
	return at->kind == ATTACH_TRACEPOINT && at->tracepoint.fieldless && !em_kernel_uses(em, "btap_kstack(") &&
	       !em_kernel_uses(em, "btap_ustack(");
}

static void bpf_probe_section(const struct attach *at, struct strbuf *out)
{
	if (at->kind == ATTACH_TRACEPOINT)
		sb_printf(out, "SEC(\"tracepoint/%s/%s\")\n", at->tracepoint.group, at->tracepoint.name);
	else if (at->kind == ATTACH_RAW_TRACEPOINT)
		sb_printf(out, "SEC(\"raw_tp/%s\")\n", at->tracepoint.name);
	else if (at->kind == ATTACH_KPROBE && at->kprobe.lsm) /* the hook's arguments; returns the verdict */
		sb_printf(out, "SEC(\"lsm/%s\")\n", at->kprobe.function);
	else if (at->kind == ATTACH_KPROBE && at->kprobe.offset) /* a statement: bytes into the function */
		sb_printf(out, "SEC(\"kprobe/%s+0x%" PRIx64 "\")\n", at->kprobe.function, at->kprobe.offset);
	else if (at->kind == ATTACH_KPROBE && at->kprobe.via_kprobe) /* pt_regs: copied into slots */
		sb_printf(out, "SEC(\"%s/%s\")\n", at->kprobe.ret ? "kretprobe" : "kprobe", at->kprobe.function);
	else if (at->kind == ATTACH_KPROBE) /* the arguments (then the result) are the context */
		sb_printf(out, "SEC(\"%s/%s\")\n", at->kprobe.ret ? "fexit" : "fentry", at->kprobe.function);
	else if (at->kind == ATTACH_UPROBE) /* attached by the runner: binary, offset, process */
		sb_printf(out, "SEC(\"%s\")\n", at->uprobe.ret ? "uretprobe" : "uprobe");
	else if (at->kind == ATTACH_NETFILTER) /* typed and attached by the runner (loader.c) */
		sb_puts(out, "SEC(\"netfilter\")\n");
	else
		sb_puts(out, "SEC(\"perf_event\")\n");
}

/* What every program does once its ctx is the event's record. */
static void bpf_probe_body(struct emitter *em, struct em_probe *ep, struct strbuf *out)
{
	const struct attach *at = &ep->at;
	const char *guard = em_task_guard(em, at, ep->index);
	bool kprobe = at->kind == ATTACH_KPROBE && at->kprobe.via_kprobe && !at->kprobe.regs_ctx;
	bool nf = at->kind == ATTACH_NETFILTER;
	/* what a program that does not run its body returns: a netfilter
	 * hook's 0 would drop the packet */
	const char *pass = nf ? "1 /* NF_ACCEPT */" : "0";
	sb_puts(out, "\tstruct btap_ctx c;\n");
	if (kprobe) /* the target variables' slots, as fentry/fexit would see them */
		em_kprobe_slots(at, out);
	if (nf) /* $hooknum $skb $in $out $okfn */
		sb_puts(out, "\tuint64_t slots[5];\n\tbtap_nf_slots(ctx, slots);\n");
	if (guard)
		sb_printf(out, "\tvoid *task = %s;\n\tif (!task)\n\t\treturn %s;\n", guard, pass);
	if (ep->shared) /* which of the probes that run this program: the runner's cookie */
		sb_printf(out, "\tchar *sp = btap_bpf_enter(&c, ctx, (int)bpf_get_attach_cookie(ctx), &btap_globals, "
			  "&bs%d);\n", ep->index);
	else
		sb_printf(out, "\tchar *sp = btap_bpf_enter(&c, ctx, %d, &btap_globals, &bs%d);\n", ep->index,
			  ep->index);
	sb_printf(out, "\tif (!sp)\n\t\treturn %s;\n", pass);
	if (guard)
		sb_puts(out, "\tc.task = task;\n");
	if (kprobe || nf)
		sb_puts(out, "\tc.args = slots;\n");
	if (kprobe) /* register(), print_regs(): the kprobe's context */
		sb_puts(out, "\tc.kregs = 1;\n");
	sb_puts(out, em_sysargs_line(em, ep)); /* int_arg() at a system call's entry */
	if (nf) /* the packet passes unless the probe says otherwise */
		sb_puts(out, "\tc.verdict = 1;\n");
	/* addr() at a kernel function: the function's address (fentry's and
	 * kprobes' own helper, Linux 5.15) */
	if (at->kind == ATTACH_KPROBE && !at->kprobe.lsm && kernel_has_bpf_helper("BPF_FUNC_get_func_ip"))
		sb_puts(out, "\tc.func_ip = (int64_t)bpf_get_func_ip(ctx);\n");
	if (at->kind == ATTACH_UPROBE)
		sb_puts(out, "\tc.regs = 1;\n");
	else if (at->kind == ATTACH_PERF_EVENT || (at->kind == ATTACH_KPROBE && at->kprobe.regs_ctx))
		sb_puts(out, "\tc.regs = 2;\n"); /* the sample's or the statement's registers */
	if (at->kind == ATTACH_PERF_EVENT) /* a kprobe's context is its registers; a sample's points at them */
		sb_puts(out, "\tc.args = btap_perf_regs(ctx);\n");
	else if (at->kind == ATTACH_KPROBE && at->kprobe.ret) /* returnval(): fexit's return slot */
		sb_printf(out, "\tc.regs = %d;\n", 3 + at->kprobe.ret_slot);
	sb_printf(out, "\tbb%d(&c, sp);\n", ep->index);
	sb_puts(out, "\tbtap_bpf_leave(&c);\n");
	/* an LSM hook's verdict: what the probe set $return to (0: allow); a
	 * netfilter hook's: $verdict (1: accept) */
	sb_puts(out, (at->kind == ATTACH_KPROBE && at->kprobe.lsm) || nf ? "\treturn (int)c.verdict;\n}\n\n"
									 : "\treturn 0;\n}\n\n");
}

static void bpf_probe_entry(struct emitter *em, struct em_probe *ep, struct strbuf *out)
{
	const struct attach *at = &ep->at;
	if (via_raw(em, at)) {
		ep->kind = BTAP_PROBE_RAW_TP;
		sb_printf(out, "/* %s:%s, read no field: its raw tracepoint */\nSEC(\"raw_tp/%s\")\n"
			       "int bp%d(void *ctx)\n{\n", at->tracepoint.group, at->tracepoint.name,
			  at->tracepoint.name, ep->index);
	} else {
		bpf_probe_section(at, out);
		sb_printf(out, "int bp%d(void *ctx)\n{\n", ep->index);
	}
	bpf_probe_body(em, ep, out);
}

/* Probes that may run one program, told apart by the cookie of each
 * attachment (Linux 5.15): uprobes, and kernel functions lowered to
 * kprobes (a kretprobe's result in the same slot). Not statements (the registers are
 * the context) nor probes sifted by task (their guard names the probe). */
static const char *bpf_share_key(struct emitter *em, const struct em_probe *ep)
{
	const struct attach *at = &ep->at;
	if (at->filter != ATTACH_FILTER_NONE || !kernel_has_bpf_helper("BPF_FUNC_get_attach_cookie"))
		return NULL;
	if (at->kind == ATTACH_UPROBE)
		return at->uprobe.ret ? "uretprobe" : "uprobe";
	if (at->kind != ATTACH_KPROBE || !at->kprobe.via_kprobe || at->kprobe.lsm || at->kprobe.offset ||
	    at->kprobe.regs_ctx)
		return NULL;
	/* the entry copies as many argument slots as the widest of its
	 * probes takes (emit_share.c); a kretprobe's result has its slot */
	return at->kprobe.ret ? arena_printf(em->a, "kretprobe %d", at->kprobe.ret_slot) : "kprobe";
}

/* ---- the runner's descriptor ----------------------------------------------------- */

static void bpf_describe_probe(struct emitter *em, const struct em_probe *p, struct strbuf *b)
{
	const struct attach *at = &p->at;
	sb_printf(b, ".bpf_prog = \"bp%d\"", p->rep ? p->rep->index : p->index);
	if (p->rep || p->shared) /* the program tells its probes apart by the cookie */
		sb_puts(b, ", .bpf_cookie = 1");
	if (p->p->resolved_point && p->p->resolved_point->from_pattern)
		sb_puts(b, ", .tolerant = 1");
	if (at->kind == ATTACH_TRACEPOINT && p->kind == BTAP_PROBE_RAW_TP) /* via_raw */
		sb_printf(b, ", .tp_name = \"%s\"", at->tracepoint.name);
	else if (at->kind == ATTACH_TRACEPOINT)
		sb_printf(b, ", .tp_group = \"%s\", .tp_name = \"%s\"", at->tracepoint.group, at->tracepoint.name);
	else if (at->kind == ATTACH_RAW_TRACEPOINT)
		sb_printf(b, ", .tp_name = \"%s\"", at->tracepoint.name);
	else if (at->kind == ATTACH_KPROBE)
		sb_printf(b, ", .tp_name = \"%s\"", at->kprobe.function);
	if (at->kind == ATTACH_NETFILTER)
		return; /* emit.c writes the hook */
	if (at->kind == ATTACH_UPROBE) {
		sb_puts(b, ", .up_path = ");
		em_c_string(b, at->uprobe.path, strlen(at->uprobe.path));
		sb_printf(b, ", .up_offset = 0x%" PRIx64 ", .up_semaphore = 0x%" PRIx64 ", .up_ret = %d, .up_pid = %" PRId64,
			  at->uprobe.offset, at->uprobe.semaphore, at->uprobe.ret ? 1 : 0, at->uprobe.pid);
	} else
		sb_printf(b, ", .perf_type = %u, .perf_config = %" PRIu64 ", .perf_period = %" PRIu64
			  ", .perf_freq = %d", at->perf.type, at->perf.config, at->perf.period, at->perf.freq);
	if (at->kind == ATTACH_PERF_EVENT && at->perf.bp_type) {
		sb_printf(b, ", .perf_bp_addr = 0x%" PRIx64 ", .perf_bp_len = %u, .perf_bp_type = %u", at->perf.bp_addr,
			  at->perf.bp_len, at->perf.bp_type);
		if (at->perf.bp_symbol) {
			sb_puts(b, ", .perf_bp_symbol = ");
			em_c_string(b, at->perf.bp_symbol, strlen(at->perf.bp_symbol));
		}
	}
}

static void bpf_describe_map(struct emitter *em, const struct em_map *m, struct strbuf *b)
{
	sb_printf(b, ",\n\t .bpf_name = \"%s\", .bpf_map_type = %u", m->sym, bpf_map_type(m));
}

static void bpf_describe_program(struct emitter *em, struct strbuf *b)
{
	sb_printf(b, "\t.has_bpf = %d,\n", em->has_kernel ? 1 : 0);
}

/* ---- reads -------------------------------------------------------------------- */

/* libbpf's CO-RE bitfield read: the offset and width relocate at load. */
static const char *bpf_read_bitfield(struct em_fn *f, const char *ctype, const char *base, const char *member)
{
	return arena_printf(f->em->a, "(int64_t)BPF_CORE_READ_BITFIELD_PROBED(((%s *)(long)%s), %s)", ctype, base,
			    member);
}

const struct em_runtime em_runtime_bpf = {
	.name = "BPF",
	.kernel_build = "BTAP_TARGET_BPF",
	.runner_build = "BTAP_TARGET_USER",
	.build_note = "-DBTAP_TARGET_BPF (clang -target bpf) or -DBTAP_TARGET_USER",
	.kernel_recursion = false,
	.kernel_hist_foreach = false,
	.loop_callbacks = true,
	.lsm_hooks = true,
	.kernel_stacks = true,
	.named_types = true,
	.kernel_symbols = true,
	.task_filters = true,
	.exe_filters = true,
	.hw_breakpoints = true,
	.format_max_args = EM_KPRINTF_MAX_ARGS,
	/* a probe's frame, its loop callback, then up to three levels of
	 * called functions each with a loop callback: 8 frames */
	.call_max_params = 5,
	.call_max_height = 3,
	.attach_kinds = 1u << ATTACH_TRACEPOINT | 1u << ATTACH_RAW_TRACEPOINT | 1u << ATTACH_PERF_EVENT |
			1u << ATTACH_KPROBE | 1u << ATTACH_UPROBE | 1u << ATTACH_PROCFS | 1u << ATTACH_NETFILTER,
	.defines = bpf_defines,
	.prelude = bpf_prelude,
	.declare_maps = bpf_declare_maps,
	.probe_entry = bpf_probe_entry,
	.share_key = bpf_share_key,
	.describe_probe = bpf_describe_probe,
	.describe_map = bpf_describe_map,
	.describe_program = bpf_describe_program,
	.read_bitfield = bpf_read_bitfield,
	.format_prepare = em_kprintf_prepare,
	.format_arg = em_kprintf_arg,
};
