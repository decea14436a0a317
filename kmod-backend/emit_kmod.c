/* The kernel-module runtime of pass 3 (emit/emit_runtime.h): what the
 * emitter's core leaves to it. The kernel half is the C of a module built
 * by kbuild against the kernel's own headers (runtime/kmod/btap_kmod.h),
 * so the prelude is #includes, not a type header from BTF. Globals and
 * arrays are module data: arrays are bounded hash tables allocated when
 * the module loads. A tracepoint probe is a function registered with
 * tracepoint_probe_register (found by name through
 * for_each_kernel_tracepoint); its frame is a per-CPU buffer taken with
 * preemption off. Module code may recurse and loop freely (bounded by
 * MAXNESTING and MAXACTION at run time). */
#include "emit_kmod.h"

#include <inttypes.h>
#include <string.h>

static void kmod_defines(struct emitter *em, struct strbuf *b)
{
	(void)em;
	(void)b;
}

static bool kmod_prelude(struct emitter *em, struct strbuf *b)
{
	sb_puts(b, "#include \"kmod/btap_kmod.h\"\n");
	return true;
}

/* The maps and probes the module's init and exit go over. */
static void module_tables(struct emitter *em, struct strbuf *out)
{
	VEC_FOREACH(em->probes, i) {
		struct em_probe *p = VEC_AT(em->probes, i, struct em_probe *);
		if (p->where == EM_CTX_KERNEL)
			sb_printf(out, "static void bp%d(void *data);\n", p->index);
	}
	sb_puts(out, "static struct btap_kmap *const btap_kmaps[] = {");
	VEC_FOREACH(em->maps, i)
		sb_printf(out, "&%s, ", VEC_AT(em->maps, i, struct em_map *)->sym);
	sb_puts(out, "NULL};\n");
	sb_puts(out, "static struct btap_ktp btap_ktps[] = {\n");
	VEC_FOREACH(em->probes, i) {
		struct em_probe *p = VEC_AT(em->probes, i, struct em_probe *);
		if (p->where == EM_CTX_KERNEL)
			sb_printf(out, "\t{\"%s\", (void *)bp%d},\n", p->at.tracepoint.name, p->index);
	}
	sb_puts(out, "\t{NULL, NULL},\n};\nBTAP_MODULE(btap_kmaps, btap_ktps);\n\n");
}

static void kmod_declare_maps(struct emitter *em, struct strbuf *b)
{
	em_frame_sizes(em, b);
	sb_puts(b, "BTAP_DECLARE_GLOBALS(struct bg_globals);\n");
	VEC_FOREACH(em->maps, i) {
		struct em_map *m = VEC_AT(em->maps, i, struct em_map *);
		if (m->stats) {
			diag_error(m->v->loc, "statistics ('%s') are not supported yet by the kmod runtime",
				   m->v->name);
			continue;
		}
		const char *value = m->v->type == TY_STRING ? "MAXSTRINGLEN" : "sizeof(int64_t)";
		sb_printf(b, "BTAP_DECLARE_MAP(%s, sizeof(%s), %s, %" PRId64 ", %d);\n", m->sym, m->key_type, value,
			  m->max_entries, m->kind == EM_MAP_WRAP);
	}
	/* The frame of every kernel probe: per CPU, the largest of them. */
	sb_puts(b, "#define BTAP_FRAME_SIZE (BTAP_SCRATCH_HDR");
	VEC_FOREACH(em->probes, i) {
		struct em_probe *p = VEC_AT(em->probes, i, struct em_probe *);
		if (p->where == EM_CTX_KERNEL)
			sb_printf(b, " + BFS_P%d", p->index);
	}
	sb_puts(b, ")\n");
	sb_puts(b, "BTAP_DECLARE_SCRATCH(BTAP_FRAME_SIZE);\n");
	module_tables(em, b);
}

static void kmod_probe_entry(struct emitter *em, struct em_probe *ep, struct strbuf *out)
{
	/* Called as probe(data, TP_PROTO args...): the arguments are not
	 * read yet, so the function takes only data (the x86-64 and arm64
	 * calling conventions let a callee ignore trailing arguments). */
	sb_printf(out, "static void bp%d(void *data)\n{\n", ep->index);
	sb_puts(out, "\tstruct btap_ctx c;\n");
	sb_printf(out, "\tchar *sp = btap_kmod_enter(&c, data, %d);\n", ep->index);
	sb_puts(out, "\tif (!sp)\n\t\treturn;\n");
	sb_printf(out, "\tbb%d(&c, sp);\n", ep->index);
	sb_puts(out, "\tbtap_kmod_leave(&c);\n}\n\n");
}

static void kmod_describe_probe(struct emitter *em, const struct em_probe *p, struct strbuf *b)
{
	sb_printf(b, ".tp_group = \"%s\", .tp_name = \"%s\"", p->at.tracepoint.group, p->at.tracepoint.name);
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

static void *kmod_format_prepare(struct em_fn *f, struct loc at, const char *fmt, int nargs, const char **kfmt)
{
	em_unsupported_kernel(f, at, "sprintf");
	return NULL;
}

static void kmod_format_arg(struct em_fn *f, void *plan, int i, const struct em_print_arg *args)
{
}

const struct em_runtime em_runtime_kmod = {
	.name = "kmod",
	.kernel_build = "BTAP_TARGET_KMOD",
	.runner_build = "BTAP_TARGET_USER",
	.build_note = "-DBTAP_TARGET_KMOD (kbuild) or -DBTAP_TARGET_USER",
	.kernel_recursion = false,
	.kernel_sort = false,
	.kernel_hist_foreach = false,
	.loop_callbacks = true, /* btap_loop and btap_map_each of btap_kmod.h */
	.format_max_args = 12,
	.attach_kinds = 1u << ATTACH_TRACEPOINT,
	.defines = kmod_defines,
	.prelude = kmod_prelude,
	.declare_maps = kmod_declare_maps,
	.probe_entry = kmod_probe_entry,
	.describe_probe = kmod_describe_probe,
	.describe_map = kmod_describe_map,
	.describe_program = kmod_describe_program,
	.read_bitfield = kmod_read_bitfield,
	.format_prepare = kmod_format_prepare,
	.format_arg = kmod_format_arg,
};
