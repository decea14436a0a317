/* The kernel-module runtime of pass 3 (emit/emit_runtime.h): what the
 * emitter's core leaves to it. The kernel half is the C of a module built
 * by kbuild against the kernel's own headers (runtime/kmod/btap_kmod.h),
 * so the prelude is #includes, not a type header from BTF. Globals and
 * arrays are module data: arrays are bounded hash tables allocated when
 * the module loads. Each kernel probe is a function the module registers
 * at load (the table btap_kpoints): a tracepoint callback (prototype
 * arguments as slots), a perf event's overflow handler (a tracepoint's
 * record, or a software event's registers), a kprobe's or kretprobe's
 * handler (parameters copied from the registers, as the BPF kprobes do).
 * Its frame is a per-CPU buffer taken with preemption off. Module code may
 * recurse and loop freely (bounded by MAXNESTING and MAXACTION at run
 * time). */
#include "emit_kmod.h"
#include "translator/tracepoints.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

static void kmod_defines(struct emitter *em, struct strbuf *b)
{
	bool uprobes = false, tasks = false;
	VEC_FOREACH(em->probes, i) {
		const struct attach *at = &VEC_AT(em->probes, i, struct em_probe *)->at;
		uprobes |= at->kind == ATTACH_UPROBE;
		tasks |= at->exe_path || at->filter == ATTACH_FILTER_PROCESS_RUNNING;
	}
	/* the uprobe API is compiled only where a script uses it */
	if (uprobes)
		sb_puts(b, "#define BTAP_KMOD_UPROBES 1\n");
	/* the executables and running processes probes sift by, per probe */
	if (tasks)
		sb_printf(b, "#define BTAP_KMOD_TASKS %d\n", em->probes.n);
	/* the stack tables exist where backtraces are taken */
	if (em_kernel_uses(em, "btap_kstack(") || em_kernel_uses(em, "btap_kstack_frame("))
		sb_puts(b, "#define BTAP_KMOD_KSTACKS 1\n");
	if (em_kernel_uses(em, "btap_ustack(") || em_kernel_uses(em, "btap_ustack_frame("))
		sb_puts(b, "#define BTAP_KMOD_USTACKS 1\n");
	/* the module's calls nest as deep as its code does (-D may say more) */
	sb_printf(b, "#if defined(BTAP_TARGET_KMOD) && !defined(MAXNESTING)\n#define MAXNESTING %d\n#endif\n",
		  em_kernel_nesting(em));
}

static bool kmod_prelude(struct emitter *em, struct strbuf *b)
{
	sb_puts(b, "#include \"kmod/btap_kmod.h\"\n");
	return true;
}

/* How the module registers a kernel probe (btap_kmod.h's BTAP_KP_x). */
static const char *kpoint_kind(const struct attach *at)
{
	switch (at->kind) {
	case ATTACH_TRACEPOINT: /* a field read needs the record: perf builds it */
		return at->tracepoint.fieldless ? "BTAP_KP_TRACEPOINT" : "BTAP_KP_TP_RECORD";
	case ATTACH_RAW_TRACEPOINT: return "BTAP_KP_TRACEPOINT";
	case ATTACH_KPROBE: return at->kprobe.ret ? "BTAP_KP_KRETPROBE" : "BTAP_KP_KPROBE";
	case ATTACH_PERF_EVENT: return "BTAP_KP_PERF";
	case ATTACH_UPROBE: return at->uprobe.ret ? "BTAP_KP_URETPROBE" : "BTAP_KP_UPROBE";
	case ATTACH_NETFILTER: return "BTAP_KP_NETFILTER";
	case ATTACH_RUNNER: return "BTAP_KP_INVOKED"; /* begin/end/error, called by the runner */
	default: return NULL;
	}
}

/* The index of a breakpoint's symbol among the kernel symbols the runner
 * finds (@var's too). */
static int breakpoint_ksym(struct emitter *em, const char *sym)
{
	VEC_FOREACH(em->ksyms, i)
		if (strcmp(VEC_AT(em->ksyms, i, const struct tp_access *)->ksym, sym) == 0)
			return (int)i;
	struct tp_access *acc = arena_alloc(em->a, sizeof(*acc));
	acc->ksym = sym;
	vec_push(em->a, &em->ksyms, acc);
	return em->ksyms.n - 1;
}

/* The maps and probes the module's init and exit go over. */
static void module_tables(struct emitter *em, struct strbuf *out)
{
	VEC_FOREACH(em->probes, i) {
		struct em_probe *p = VEC_AT(em->probes, i, struct em_probe *);
		if (p->where == EM_CTX_KERNEL)
			sb_printf(out, "static BTAP_KP_HANDLER_%s(bp%d);\n", kpoint_kind(&p->at) + 8, p->index);
	}
	sb_puts(out, "static struct btap_kmap *const btap_kmaps[] = {");
	VEC_FOREACH(em->maps, i)
		sb_printf(out, "&%s, ", VEC_AT(em->maps, i, struct em_map *)->sym);
	sb_puts(out, "NULL};\n");
	sb_puts(out, "static struct btap_kpoint btap_kpoints[] = {\n");
	VEC_FOREACH(em->probes, i) {
		struct em_probe *p = VEC_AT(em->probes, i, struct em_probe *);
		if (p->where != EM_CTX_KERNEL)
			continue;
		const struct attach *at = &p->at;
		sb_printf(out, "\t{.kind = %s, .fn = (void *)bp%d", kpoint_kind(at), p->index);
		if (at->kind == ATTACH_TRACEPOINT || at->kind == ATTACH_RAW_TRACEPOINT)
			sb_printf(out, ", .group = \"%s\", .name = \"%s\"", at->tracepoint.group ? at->tracepoint.group : "",
				  at->tracepoint.name);
		else if (at->kind == ATTACH_KPROBE) /* kallsyms spells a module's "MOD:NAME" */
			sb_printf(out, ", .name = \"%s%s%s\", .offset = %" PRIu64, at->kprobe.module ? at->kprobe.module : "",
				  at->kprobe.module ? ":" : "", at->kprobe.function, at->kprobe.offset);
		else if (at->kind == ATTACH_PERF_EVENT && at->perf.bp_type) /* kernel.data */
			sb_printf(out, ", .name = \"breakpoint\", .type = %u, .bp_addr = 0x%" PRIx64 ", .bp_len = %u, "
				  ".bp_type = %u, .bp_ksym = %d", at->perf.type, at->perf.bp_addr, at->perf.bp_len,
				  at->perf.bp_type, at->perf.bp_symbol ? breakpoint_ksym(em, at->perf.bp_symbol) + 1 : 0);
		else if (at->kind == ATTACH_PERF_EVENT)
			sb_printf(out, ", .name = \"perf\", .type = %u, .config = %" PRIu64 ", .period = %" PRIu64
				  ", .freq = %d", at->perf.type, at->perf.config, at->perf.period, at->perf.freq);
		else if (at->kind == ATTACH_NETFILTER)
			sb_printf(out, ", .name = \"netfilter\", .nf_pf = %d, .nf_hook = %d, .nf_priority = %d",
				  at->netfilter.pf, at->netfilter.hook, at->netfilter.priority);
		else if (at->kind == ATTACH_UPROBE) { /* the file, the instruction's and semaphore's offsets */
			sb_puts(out, ", .name = ");
			em_c_string(out, at->uprobe.path, strlen(at->uprobe.path));
			sb_printf(out, ", .offset = 0x%" PRIx64 ", .config = 0x%" PRIx64, at->uprobe.offset,
				  at->uprobe.semaphore);
		}
		sb_puts(out, "},\n");
	}
	sb_puts(out, "\t{.kind = BTAP_KP_END},\n};\n");
	/* the kernel symbols @var reads, by index (the runner finds them) */
	sb_puts(out, "static struct btap_ksym btap_ksyms[] = {");
	VEC_FOREACH(em->ksyms, i)
		sb_printf(out, "{\"%s\"}, ", VEC_AT(em->ksyms, i, const struct tp_access *)->ksym);
	sb_puts(out, "{NULL}};\n");
	if (em_perf_counters(em)) { /* @perf's counters, opened on every CPU at load */
		sb_puts(out, "static const struct btap_kperfc btap_perfc_attrs[BTAP_PERF_COUNTERS] = {\n");
		VEC_FOREACH(em->s->perf_counters, i) {
			const struct perf_counter *pc = VEC_AT(em->s->perf_counters, i, const struct perf_counter *);
			sb_printf(out, "\t{%" PRIu32 ", %" PRIu64 "ull, %d},\n", pc->type, pc->config, pc->expanded ? 1 : 0);
		}
		sb_puts(out, "};\n");
	}
	sb_puts(out, "BTAP_MODULE(btap_kmaps, btap_kpoints, btap_ksyms);\n\n");
}

static void kmod_declare_maps(struct emitter *em, struct strbuf *b)
{
	em_frame_sizes(em, b);
	sb_puts(b, "BTAP_DECLARE_GLOBALS(struct bg_globals);\n");
	VEC_FOREACH(em->maps, i) {
		struct em_map *m = VEC_AT(em->maps, i, struct em_map *);
		/* a statistic: one partial (struct rt_stat and its buckets) */
		const char *value = m->stats ? arena_printf(em->a, "%d", em_stats_value_size(m))
				    : m->v->type == TY_STRING ? "MAXSTRINGLEN" : "sizeof(int64_t)";
		sb_printf(b, "BTAP_DECLARE_MAP(%s, sizeof(%s), %s, %" PRId64 ", %d);\n", m->sym, m->key_type, value,
			  m->max_entries, m->v->wrap ? 1 : 0); /* values' and statistics' arrays */
	}
	/* The frame of every kernel probe: per CPU, the largest of them (one
	 * handler runs on a CPU at a time), one step per probe as enum
	 * constants (a nested macro would double at each). */
	sb_puts(b, "enum { BFS_K0 = 0");
	int k = 0;
	VEC_FOREACH(em->probes, i) {
		struct em_probe *p = VEC_AT(em->probes, i, struct em_probe *);
		if (p->where == EM_CTX_KERNEL) {
			sb_printf(b, ", BFS_K%d = BTAP_MAX0(BFS_K%d, BFS_P%d)", k + 1, k, p->index);
			k++;
		}
	}
	sb_printf(b, " };\n#define BTAP_FRAME_SIZE (BTAP_SCRATCH_HDR + BFS_K%d)\n", k);
	sb_puts(b, "BTAP_DECLARE_SCRATCH(BTAP_FRAME_SIZE);\n");
	module_tables(em, b);
}

static void kmod_probe_entry(struct emitter *em, struct em_probe *ep, struct strbuf *out)
{
	const struct attach *at = &ep->at;
	const char *kind = kpoint_kind(at);
	const char *ctx = "NULL";
	/* A hardware counter's overflow runs in NMI, where the module's
	 * spinlocks could deadlock against the context it interrupted. (A
	 * breakpoint's runs in the debug exception, at the watched access:
	 * see btap_breakpoints_open.) */
	if (at->kind == ATTACH_PERF_EVENT && at->perf.type != 1 /* PERF_TYPE_SOFTWARE */ && !at->perf.bp_type)
		diag_error(ep->p->resolved_point->loc,
			   "hardware perf events are not supported yet by the kmod runtime (software events and "
			   "timer.profile are)");
	sb_printf(out, "static BTAP_KP_HANDLER_%s(bp%d)\n{\n", kind + 8, ep->index);
	sb_puts(out, "\tstruct btap_ctx c;\n");
	if (at->kind == ATTACH_RUNNER) { /* in the runner's task, at its turn */
		sb_printf(out, "\tchar *sp = btap_kmod_enter_invoked(&c, %d);\n", ep->index);
		sb_printf(out, "\tif (!sp)\n\t\tBTAP_KP_RETURN_INVOKED;\n\tbb%d(&c, sp);\n", ep->index);
		sb_puts(out, "\tbtap_kmod_leave(&c);\n\tBTAP_KP_RETURN_INVOKED;\n}\n\n");
		return;
	}
	if (at->kind == ATTACH_RAW_TRACEPOINT) { /* the prototype's arguments */
		sb_puts(out, "\tuint64_t slots[BTAP_TP_ARGS] = {BTAP_TP_ARG_LIST};\n");
		ctx = "slots";
	} else if (at->kind == ATTACH_TRACEPOINT && !at->tracepoint.fieldless) { /* the event's record */
		sb_printf(out, "\tif (!btap_kp_record(sample))\n\t\tBTAP_KP_RETURN_%s;\n", kind + 8);
		ctx = "btap_kp_record(sample)";
	} else if (at->kind == ATTACH_KPROBE && !at->kprobe.regs_ctx) {
		sb_puts(out, "\tvoid *ctx = regs;\n");
		em_kprobe_slots(at, out);
		ctx = "slots";
	} else if (at->kind == ATTACH_NETFILTER) { /* $hooknum $skb $in $out $okfn, as btap_nf_slots on BPF */
		sb_puts(out, "\tuint64_t slots[5] = {state->hook, (uint64_t)(unsigned long)skb,\n"
			     "\t\t(uint64_t)(unsigned long)state->in, (uint64_t)(unsigned long)state->out,\n"
			     "\t\t(uint64_t)(unsigned long)state->okfn};\n");
		ctx = "slots";
	} else if (at->kind == ATTACH_PERF_EVENT || at->kind == ATTACH_KPROBE) { /* a sample's, a statement's */
		ctx = "regs";
	} else if (at->kind == ATTACH_UPROBE) {
		int major = 0, minor = 0;
		if (em->s->pp.kernel_v && sscanf(em->s->pp.kernel_v, "%d.%d", &major, &minor) == 2 &&
		    (major > 6 || (major == 6 && minor >= 13)))
			diag_error(ep->p->resolved_point->loc,
				   "uprobes on the kmod runtime know the uprobe API of Linux 6.1 to 6.12, and this "
				   "kernel is %s (--runtime=bpf traces it)", em->s->pp.kernel_v);
		/* every process that maps the file hits it: only the wanted one
		 * (0: any, -1: the -c/-x target) */
		if (at->uprobe.pid)
			sb_printf(out, "\tif (!btap_uprobe_wanted(%" PRId64 "))\n\t\tBTAP_KP_RETURN_%s;\n", at->uprobe.pid,
				  kind + 8);
		ctx = "regs";
	}
	const char *guard = em_task_guard(em, at, ep->index);
	if (guard) /* the task the body describes, from the arguments at ctx */
		sb_printf(out, "\tvoid *ctx = %s;\n\tvoid *task = %s;\n\tif (!task)\n\t\tBTAP_KP_RETURN_%s;\n", ctx,
			  guard, kind + 8);
	sb_printf(out, "\tchar *sp = btap_kmod_enter(&c, %s, %d);\n", ctx, ep->index);
	sb_printf(out, "\tif (!sp)\n\t\tBTAP_KP_RETURN_%s;\n", kind + 8);
	if (guard)
		sb_puts(out, "\tc.task = task;\n");
	if (em_kernel_uses(em, "btap_kstack(") || em_kernel_uses(em, "btap_ustack(") ||
	    em_kernel_uses(em, "btap_kstack_frame(") || em_kernel_uses(em, "btap_ustack_frame(")) {
		/* where its stacks start: the event's registers, if it has them */
		bool regs = at->kind == ATTACH_KPROBE || at->kind == ATTACH_PERF_EVENT || at->kind == ATTACH_UPROBE ||
			    (at->kind == ATTACH_TRACEPOINT && !at->tracepoint.fieldless);
		sb_printf(out, "\tbtap_kmod_regs(%s);\n", regs ? "regs" : "NULL");
	}
	sb_puts(out, em_sysargs_line(em, ep)); /* int_arg() at a system call's entry */
	if (at->kind == ATTACH_KPROBE && !at->kprobe.regs_ctx) /* register(), print_regs() */
		sb_puts(out, "\tc.ctx = regs;\n\tc.kregs = 1;\n");
	if (at->kind == ATTACH_KPROBE) /* addr(): where the kprobe sits */
		sb_printf(out, "\tc.func_ip = BTAP_KP_FUNC_IP_%s;\n", kind + 8);
	if (at->kind == ATTACH_PERF_EVENT || (at->kind == ATTACH_KPROBE && at->kprobe.regs_ctx))
		sb_puts(out, "\tc.regs = 2;\n"); /* the sample's or the statement's registers */
	else if (at->kind == ATTACH_UPROBE) /* the process's registers */
		sb_puts(out, "\tc.regs = 1;\n");
	else if (at->kind == ATTACH_KPROBE && at->kprobe.ret) /* returnval(): the return slot */
		sb_printf(out, "\tc.regs = %d;\n", 3 + at->kprobe.ret_slot);
	if (at->kind == ATTACH_NETFILTER) /* the packet passes unless the probe says otherwise */
		sb_puts(out, "\tc.verdict = NF_ACCEPT;\n");
	sb_printf(out, "\tbb%d(&c, sp);\n", ep->index);
	sb_puts(out, "\tbtap_kmod_leave(&c);\n");
	if (at->kind == ATTACH_NETFILTER)
		sb_puts(out, "\treturn (unsigned int)c.verdict;\n}\n\n");
	else
		sb_printf(out, "\tBTAP_KP_RETURN_%s;\n}\n\n", kind + 8);
}

static void kmod_describe_probe(struct emitter *em, const struct em_probe *p, struct strbuf *b)
{
	const struct attach *at = &p->at;
	if (at->kind == ATTACH_TRACEPOINT || at->kind == ATTACH_RAW_TRACEPOINT)
		sb_printf(b, ".tp_group = \"%s\", .tp_name = \"%s\"", at->tracepoint.group ? at->tracepoint.group : "",
			  at->tracepoint.name);
	else if (at->kind == ATTACH_KPROBE)
		sb_printf(b, ".tp_name = \"%s\"", at->kprobe.function);
	else if (at->kind == ATTACH_UPROBE) {
		sb_puts(b, ".up_path = ");
		em_c_string(b, at->uprobe.path, strlen(at->uprobe.path));
		sb_printf(b, ", .up_offset = 0x%" PRIx64 ", .up_ret = %d, .up_pid = %" PRId64, at->uprobe.offset,
			  at->uprobe.ret ? 1 : 0, at->uprobe.pid);
	} else
		sb_printf(b, ".perf_type = %u, .perf_config = %" PRIu64 ", .perf_period = %" PRIu64 ", .perf_freq = %d",
			  at->perf.type, at->perf.config, at->perf.period, at->perf.freq);
}

static void kmod_describe_map(struct emitter *em, const struct em_map *m, struct strbuf *b)
{
	sb_printf(b, ",\n\t .bpf_name = \"%s\"", m->sym);
}

static void kmod_describe_program(struct emitter *em, struct strbuf *b)
{
	/* There is always a module: it holds the globals and the arrays. */
	sb_puts(b, "\t.has_bpf = 1,\n");
}

static const char *kmod_read_bitfield(struct em_fn *f, const char *ctype, const char *base, const char *member)
{
	diag_plain_error("a bitfield member (%s) is not supported yet in kernel-context probes (kmod)", member);
	return "0";
}

const struct em_runtime em_runtime_kmod = {
	.name = "kmod",
	.kernel_build = "BTAP_TARGET_KMOD",
	.runner_build = "BTAP_TARGET_USER",
	.build_note = "-DBTAP_TARGET_KMOD (kbuild) or -DBTAP_TARGET_USER",
	.kernel_recursion = true,
	.kernel_hist_foreach = false,
	.loop_callbacks = true, /* btap_loop and btap_map_each of btap_kmod.h */
	.format_max_args = EM_KPRINTF_MAX_ARGS,
	.task_filters = true,
	.exe_filters = true,
	.kernel_stacks = true,
	.kernel_symbols = true,
	.hw_breakpoints = true,
	.target_writes = true,
	.invoked_probes = true,
	.attach_kinds = 1u << ATTACH_NETFILTER | 1u << ATTACH_TRACEPOINT | 1u << ATTACH_RAW_TRACEPOINT | 1u << ATTACH_KPROBE |
			1u << ATTACH_PERF_EVENT | 1u << ATTACH_UPROBE | 1u << ATTACH_PROCFS,
	.defines = kmod_defines,
	.prelude = kmod_prelude,
	.declare_maps = kmod_declare_maps,
	.probe_entry = kmod_probe_entry,
	.describe_probe = kmod_describe_probe,
	.describe_map = kmod_describe_map,
	.describe_program = kmod_describe_program,
	.read_bitfield = kmod_read_bitfield,
	.format_prepare = em_kprintf_prepare,
	.format_arg = em_kprintf_arg,
};
