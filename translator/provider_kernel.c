/* kernel.function("PATTERN")[.call|.return] and kprobe.function("NAME")
 * [.return]: kernel functions from the kernel's BTF. The functions are
 * BTF's FUNC entries (kept to those the function tracer can attach to when
 * available_filter_functions is readable); their parameters, named by
 * BTF, are the target variables, read from the argument array the probe
 * gets ($return after them in .return). Probes attach as ATTACH_KPROBE:
 * the BPF runtime lowers that to fentry/fexit. */
#include "kconfig.h"
#include "runner/kallsyms.h"
#include "kernel_dwarf.h"
#include "provider.h"
#include "provider_uprobe.h"
#include "tracepoints.h"
#include "ubin.h"
#include "types.h"

#include <bpf/btf.h>
#include <dirent.h>
#include <fnmatch.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* Most functions one pattern may probe. */
#define KFUNC_MAX_MATCHES 256
/* kprobes registered by a module cost no program nor trampoline each */
#define KFUNC_MAX_MATCHES_KMOD 4096

/* What a concrete point's probes share: the function and its fields. */
struct kfunc {
	const char *name;
	const char *module;      /* module("MOD").function: its name; NULL: vmlinux */
	bool no_btf;             /* kprobe.function of a function BTF lacks, or
				    any on a kernel without BTF (a kprobe) */
	const char *untyped;     /* without BTF: why there are no parameters */
	bool ret;
	struct tp_field *fields; /* parameters, then "return" in .return */
	int nfields;
};

static bool comp_is(const struct probe_point *pp, int i, const char *name)
{
	const char *n = pp_comp_name(pp, i);
	return n && strcmp(n, name) == 0;
}

static bool kf_claims(const struct probe_point *pp)
{
	return ((comp_is(pp, 0, "kernel") || comp_is(pp, 0, "kprobe") || comp_is(pp, 0, "module")) &&
		comp_is(pp, 1, "function")) ||
	       (comp_is(pp, 0, "kprobe") && comp_is(pp, 1, "module") && comp_is(pp, 2, "function"));
}

/* module("MOD").function(...): MOD, else NULL. */
static const char *module_of(const struct probe_point *pp)
{
	const struct pp_component *c = VEC_AT(pp->comps, 0, const struct pp_component *);
	return comp_is(pp, 0, "module") && c->arg && c->arg->kind == E_STR ? c->arg->str : NULL;
}

/* A module's BTF (/sys/kernel/btf/MOD, split over the kernel's), opened
 * once per name; NULL with the reason in *why. */
struct module_btf {
	char *name;
	struct type_source *src;
	char *why;
};
static struct module_btf *modules;
static int nmodules;

const struct type_source *kernel_module_types(const char *name, const char **why)
{
	for (int i = 0; i < nmodules; i++)
		if (strcmp(modules[i].name, name) == 0) {
			*why = modules[i].why;
			return modules[i].src;
		}
	modules = xrealloc(modules, (size_t)(nmodules + 1) * sizeof *modules);
	struct module_btf *m = &modules[nmodules++];
	m->name = xstrdup(name);
	m->why = NULL;
	m->src = type_source_module(name, &m->why);
	*why = m->why;
	return m->src;
}

/* ---- the functions the tracer can attach to --------------------------------- */

static char **traceable;
static int ntraceable = -1; /* -1: not read; 0 with NULL: unknown, accept all */

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static void load_traceable(void)
{
	ntraceable = 0;
	const char *dir = tp_tracefs_dir();
	char path[4096];
	snprintf(path, sizeof path, "%s/available_filter_functions", dir ? dir : "/sys/kernel/tracing");
	FILE *f = fopen(path, "r");
	if (!f)
		return;
	size_t cap = 0;
	char line[512];
	while (fgets(line, sizeof line, f)) {
		/* a module's function reads "name [mod]": kept as "name\tmod" */
		char *br = strchr(line, '['), *close = br ? strchr(br, ']') : NULL;
		line[strcspn(line, " \t\n")] = 0;
		if (br && close) {
			*close = 0;
			size_t len = strlen(line);
			line[len] = '\t';
			memmove(line + len + 1, br + 1, strlen(br + 1) + 1);
		}
		if ((size_t)ntraceable == cap) {
			cap = cap ? cap * 2 : 4096;
			traceable = xrealloc(traceable, cap * sizeof(*traceable));
		}
		traceable[ntraceable++] = xstrdup(line);
	}
	fclose(f);
	qsort(traceable, (size_t)ntraceable, sizeof(*traceable), cmp_str);
}

/* Is the function tracer's list readable (else every name passes)? */
static bool traceable_known(void)
{
	if (ntraceable < 0)
		load_traceable();
	return traceable != NULL;
}

static bool is_traceable(const char *name, const char *module)
{
	if (ntraceable < 0)
		load_traceable();
	if (!traceable)
		return true;
	char key[512];
	if (module)
		snprintf(key, sizeof key, "%s\t%s", name, module);
	const char *k = module ? key : name;
	return bsearch(&k, traceable, (size_t)ntraceable, sizeof(*traceable), cmp_str) != NULL;
}

/* How many of the tracer's functions have this name (statics of several
 * files each count); where the tracer's list cannot be read, how many
 * code symbols of kallsyms. */
static int traceable_count(const char *name, const char *module)
{
	if (!traceable_known()) {
		const struct ksym *const *syms;
		int n = kallsyms_named(name, &syms), count = 0;
		for (int i = 0; i < n; i++)
			count += strchr("tTwW", syms[i]->type) && !module == !syms[i]->module &&
				 (!module || strcmp(module, syms[i]->module) == 0);
		return count;
	}
	char key[512];
	if (module)
		snprintf(key, sizeof key, "%s\t%s", name, module);
	const char *k = module ? key : name;
	char **hit = bsearch(&k, traceable, (size_t)ntraceable, sizeof(*traceable), cmp_str);
	if (!hit)
		return 0;
	char **lo = hit, **hi = hit;
	while (lo > traceable && strcmp(lo[-1], k) == 0)
		lo--;
	while (hi + 1 < traceable + ntraceable && strcmp(hi[1], k) == 0)
		hi++;
	return (int)(hi - lo) + 1;
}

/* ---- points ------------------------------------------------------------------------ */

/* One concrete point of family c0 (module(MOD) when module is set) for
 * function fname, [.return]. */
static void add_point(struct session *s, const struct probe_point *pp, const char *c0, const char *module,
		      const char *fname, bool ret, struct vec *out)
{
	const struct pp_component *fc = VEC_AT(pp->comps, 1, const struct pp_component *);
	struct probe_point *c = arena_alloc(&s->arena, sizeof *c);
	*c = *pp;
	c->comps = (struct vec){0};
	struct expr *m = NULL;
	if (module) {
		m = expr_new(&s->arena, E_STR, pp->loc);
		m->str = module;
	}
	vec_push(&s->arena, &c->comps, pp_comp_new(&s->arena, c0, m, pp->loc));
	struct expr *arg = expr_new(&s->arena, E_STR, fc->arg->loc);
	arg->str = fname;
	vec_push(&s->arena, &c->comps, pp_comp_new(&s->arena, "function", arg, pp->loc));
	if (ret)
		vec_push(&s->arena, &c->comps, pp_comp_new(&s->arena, "return", NULL, pp->loc));
	vec_push(&s->arena, out, c);
}

/* The functions of one BTF (the kernel's, or a module's from its first
 * own type on) the point's pattern names, as concrete points of family
 * c0 (module(MOD) when module is set). */
static void add_functions(struct session *s, const struct probe_point *pp, const char *c0, const char *module,
			  const struct btf *btf, __u32 start, bool ret, struct vec *out)
{
	const struct pp_component *fc = VEC_AT(pp->comps, 1, const struct pp_component *);
	const char *pattern = fc->arg->str;
	bool glob = strpbrk(pattern, "*?[") != NULL;
	for (__u32 id = start, n = btf__type_cnt(btf); id < n; id++) {
		const struct btf_type *t = btf__type_by_id(btf, id);
		if (!btf_is_func(t))
			continue;
		const char *name = btf__name_by_offset(btf, t->name_off);
		if (!name || (glob ? fnmatch(pattern, name, 0) != 0 : strcmp(pattern, name) != 0))
			continue;
		if (!is_traceable(name, module))
			continue;
		add_point(s, pp, c0, module, name, ret, out);
		if (!glob)
			break;
	}
}

/* "NAME@FILE[:LINE]" (a point from a source-file pattern): NAME. */
static const char *bare_name(struct session *s, const char *str)
{
	const char *at = strchr(str, '@');
	return at ? arena_strndup(&s->arena, str, (size_t)(at - str)) : str;
}

/* The BTF id of function name among btf's own types (from start on: a
 * module's, not the kernel's it is split over); 0 when there is none. */
static __u32 own_func_id(const struct btf *btf, __u32 start, const char *name)
{
	if (start <= 1)
		return (__u32)(btf == kernel_btf() ? tsrc_find(type_source_kernel(), TYPE_FUNC, name) : 0);
	for (__u32 i = start, n = btf__type_cnt(btf); i < n; i++) {
		const struct btf_type *t = btf__type_by_id(btf, i);
		if (btf_is_func(t) && strcmp(btf__name_by_offset(btf, t->name_off), name) == 0)
			return i;
	}
	return 0;
}

/* The functions being sorted by cmp_fn_name (qsort has no context). */
static const struct kdwarf_func *sorting_fns;

static int cmp_fn_name(const void *a, const void *b)
{
	int x = *(const int *)a, y = *(const int *)b;
	int c = strcmp(sorting_fns[x].name, sorting_fns[y].name);
	return c ? c : x - y;
}

/* kernel.function("NAME@FILE[:LINE[-LINE]]") and module("MOD").function
 * (...): the functions the debuginfo places in that file (spanning that
 * line), each a concrete point "NAME@FILE:DECL-LINE" as stap names them;
 * their types still come from BTF, so only functions the BTF has and the
 * tracer can attach to count. */
static bool add_source_functions(struct session *s, const struct probe_point *pp, const char *c0,
				 const char *module, const struct btf *btf, __u32 start, bool ret, struct vec *out)
{
	const struct pp_component *fc = VEC_AT(pp->comps, 1, const struct pp_component *);
	const char *pattern = fc->arg->str, *at = strchr(pattern, '@');
	const char *func = at == pattern ? "*" : arena_strndup(&s->arena, pattern, (size_t)(at - pattern));
	char *file = arena_strdup(&s->arena, at + 1), *colon = strrchr(file, ':');
	long lo = 0, hi = 0;
	if (colon) {
		char *end;
		*colon = 0;
		lo = strtol(colon + 1, &end, 10);
		hi = *end == '-' ? strtol(end + 1, &end, 10) : lo;
		if (*end || lo <= 0 || hi < lo || hi > 10000000) {
			diag_error(fc->arg->loc, "semantic error: '%s': the line is a number or a range N-M", pattern);
			return false;
		}
	}
	if (!*file) {
		diag_error(fc->arg->loc, "semantic error: '%s': no source file after '@'", pattern);
		return false;
	}
	struct kdwarf_func *fns;
	const char *why;
	int n = kdwarf_functions(s, module, func, file, (int)lo, (int)hi, &fns, &why);
	if (n < 0 && module && strpbrk(module_of(pp), "*?[")) {
		if (s->verbose)
			fprintf(stderr, "btap: %s: %s\n", pattern, why);
		return true; /* one of the modules a pattern names: the others may have it */
	}
	/* "NAME@FILE" without debuginfo: the file cannot be checked, but
	 * when the kernel has one function of that name it is the only one
	 * the point can mean (several, statics of different files, it cannot
	 * tell apart: the error stands) */
	if (n < 0 && !colon && !strpbrk(func, "*?[") && own_func_id(btf, start, func) &&
	    traceable_count(func, module) == 1) {
		if (s->verbose)
			fprintf(stderr, "btap: '%s': without debuginfo the file is not checked; %s has one function '%s'\n",
				pattern, module ? module : "the kernel", func);
		add_point(s, pp, c0, module, func, ret, out);
		return true;
	}
	if (n < 0) {
		diag_error(fc->arg->loc, "semantic error: '%s': source files and lines need the %s debuginfo: %s",
			   pattern, module ? "module's" : "kernel's", why);
		return false;
	}
	/* names defined more than once (statics of several files): by name,
	 * then in the order found, so the first of each is known */
	int *order = arena_alloc(&s->arena, (size_t)(n ? n : 1) * sizeof *order);
	bool *again = arena_alloc(&s->arena, (size_t)(n ? n : 1)), *twice = arena_alloc(&s->arena, (size_t)(n ? n : 1));
	for (int i = 0; i < n; i++)
		order[i] = i;
	sorting_fns = fns;
	qsort(order, (size_t)n, sizeof *order, cmp_fn_name);
	for (int k = 0; k < n; k++) {
		bool prev = k > 0 && strcmp(fns[order[k - 1]].name, fns[order[k]].name) == 0;
		bool next = k + 1 < n && strcmp(fns[order[k + 1]].name, fns[order[k]].name) == 0;
		again[order[k]] = prev;
		twice[order[k]] = prev || next;
	}
	for (int i = 0; i < n; i++) {
		if (again[i] || !is_traceable(fns[i].name, module) || !own_func_id(btf, start, fns[i].name))
			continue;
		if (twice[i])
			/* BTF and the trampoline know a function by its name: the
			 * symbol table picks which of the copies */
			diag_warning(fc->arg->loc, "'%s' is defined more than once in %s (%s:%d is one); "
				     "btap attaches to the one its symbol table lists first", fns[i].name,
				     module ? module : "the kernel", fns[i].file, fns[i].line);
		add_point(s, pp, c0, module, arena_printf(&s->arena, "%s@%s:%d", fns[i].name, fns[i].file, fns[i].line),
			  ret, out);
	}
	return true;
}

/* The point's functions in one BTF: by name, or by source file. */
static bool add_matches(struct session *s, const struct probe_point *pp, const char *c0, const char *module,
			const struct btf *btf, __u32 start, bool ret, struct vec *out)
{
	const struct pp_component *fc = VEC_AT(pp->comps, 1, const struct pp_component *);
	if (strchr(fc->arg->str, '@'))
		return add_source_functions(s, pp, c0, module, btf, start, ret, out);
	add_functions(s, pp, c0, module, btf, start, ret, out);
	return true;
}

/* Each match is a program of its own (with its own trampoline): a pattern
 * that matches most of the kernel is refused, not compiled for minutes
 * (the full listing is still available with -l). */
/* Kprobes on BPF whose programs the kernel lets probes share (attach
 * cookies, Linux 5.15; emit_share.c): a pattern's probes cost one program
 * per distinct body, so as many as a module's. */
static bool kprobes_share(void)
{
	return kernel_has_bpf_helper("BPF_FUNC_get_attach_cookie");
}

/* A pattern over fentry's cap, where fentry was chosen by default and the
 * kernel has kprobes and attach cookies: its functions are kprobes, which
 * share programs (the script's other kernel functions stay fentry). */
static void many_via_kprobes(struct session *s, const struct probe_point *pp, struct vec *out, int first)
{
	if (out->n - first <= KFUNC_MAX_MATCHES || s->runtime == RT_KMOD || s->kfunc != KFUNC_AUTO ||
	    kfunc_via_kprobes(s) || !kconfig_lookup("CONFIG_KPROBES", s->kconfig) || !kprobes_share())
		return;
	for (int i = first; i < out->n; i++)
		VEC_AT(*out, i, struct probe_point *)->via_kprobe = true;
	if (s->verbose) {
		const struct pp_component *fc = VEC_AT(pp->comps, 1, const struct pp_component *);
		fprintf(stderr, "btap: '%s' matches %d kernel functions (fentry probes at most %d): they attach with "
			"kprobes, which share programs\n", fc->arg->str, out->n - first, KFUNC_MAX_MATCHES);
	}
}

/* The BTF FUNC of a kernel function, or of module's own one (not a
 * kernel one of the same name); 0 when there is none. *src: the types
 * it is in (NULL without them). */
static __u32 func_btf_id(const char *module, const char *name, const struct type_source **src)
{
	const char *why;
	*src = module ? kernel_module_types(module, &why) : type_source_kernel();
	const struct btf *btf = *src ? type_source_btf(*src) : NULL;
	if (!btf)
		return 0;
	if (module)
		return own_func_id(btf, btf__type_cnt(kernel_btf()), name);
	int id = tsrc_find(*src, TYPE_FUNC, name);
	return id > 0 ? (__u32)id : 0;
}

/* BPF trampolines on x86-64 take six arguments before Linux 6.5 (twelve
 * from then on): a function with more is probed with a kprobe, which
 * reads the rest from the stack, where the kernel has kprobes. */
static void wide_via_kprobes(struct session *s, struct vec *out, int first)
{
	int major = 0, minor = 0;
	if (s->runtime == RT_KMOD || s->kfunc != KFUNC_AUTO || kfunc_via_kprobes(s) ||
	    !kconfig_lookup("CONFIG_KPROBES", s->kconfig) || !s->pp.kernel_v ||
	    sscanf(s->pp.kernel_v, "%d.%d", &major, &minor) != 2 || major > 6 || (major == 6 && minor >= 5))
		return;
	for (int i = first; i < out->n; i++) {
		struct probe_point *cp = VEC_AT(*out, i, struct probe_point *);
		if (cp->via_kprobe)
			continue;
		const char *name = VEC_AT(cp->comps, 1, const struct pp_component *)->arg->str;
		const struct type_source *src;
		__u32 id = func_btf_id(module_of(cp), name, &src);
		const struct btf *btf = id ? type_source_btf(src) : NULL;
		const struct btf_type *t = id ? btf__type_by_id(btf, id) : NULL;
		const struct btf_type *proto = t ? btf__type_by_id(btf, t->type) : NULL;
		if (!proto || btf_vlen(proto) <= 6)
			continue;
		cp->via_kprobe = true;
		if (s->verbose)
			fprintf(stderr, "btap: %s has %u parameters, more than this kernel's BPF trampolines take "
				"(6 before Linux 6.5): a kprobe\n", name, btf_vlen(proto));
	}
}

static bool within_cap(struct session *s, const struct probe_point *pp, struct vec *out, int first)
{
	const struct pp_component *fc = VEC_AT(pp->comps, 1, const struct pp_component *);
	bool kmod = s->runtime == RT_KMOD;
	bool many = kmod || (!s->list_pattern && out->n > first &&
			     (kfunc_via_kprobes(s) || VEC_AT(*out, first, struct probe_point *)->via_kprobe) &&
			     kprobes_share());
	int max = many ? KFUNC_MAX_MATCHES_KMOD : KFUNC_MAX_MATCHES;
	if (out->n - first <= max || s->list_pattern)
		return true;
	diag_error(fc->arg->loc, "semantic error: '%s' matches %d kernel functions; btap probes at most %d with one "
		   "pattern %s (narrow it; btap -l shows the matches)", fc->arg->str, out->n - first, max,
		   kmod ? "on the kmod runtime" : many ? "with kprobes"
		   : kconfig_lookup("CONFIG_KPROBES", s->kconfig) && kprobes_share()
			   ? arena_printf(&s->arena, "with fentry (--kfunc=kprobe: up to %d, one program per distinct "
					  "body)", KFUNC_MAX_MATCHES_KMOD)
			   : "on the bpf runtime");
	out->n = first;
	return false;
}

/* A kernel without BTF: the functions the function tracer lists by name
 * (any name, when it cannot be read and the pattern has no wildcard),
 * attached with kprobes and without target variables. */
static bool expand_without_btf(struct session *s, const struct probe_point *pp, bool kprobe, bool ret,
			       struct vec *out)
{
	const struct pp_component *fc = VEC_AT(pp->comps, 1, const struct pp_component *);
	const char *pattern = fc->arg->str, *c0 = kprobe ? "kprobe" : comp_is(pp, 0, "module") ? "module" : "kernel";
	const char *module = comp_is(pp, 0, "module") ? module_of(pp) : NULL;
	bool glob = strpbrk(pattern, "*?[") || (module && strpbrk(module, "*?["));
	if (comp_is(pp, 0, "module") && !module) {
		diag_error(pp->loc, "semantic error: module takes a module's name (or pattern) in quotes");
		return false;
	}
	if (strchr(pattern, '@')) {
		diag_error(fc->arg->loc, "semantic error: '%s': kernel functions by source file need the kernel's BTF "
			   "(/sys/kernel/btf/vmlinux), which this kernel lacks", pattern);
		return false;
	}
	if (!traceable_known()) {
		if (glob) {
			diag_error(fc->arg->loc, "semantic error: '%s': without the kernel's BTF, a pattern is matched "
				   "against the function tracer's list (available_filter_functions), which cannot be "
				   "read", pattern);
			return false;
		}
		add_point(s, pp, c0, module, pattern, ret, out);
		return true;
	}
	int first = out->n;
	for (int i = 0; i < ntraceable; i++) {
		/* "name" of the kernel, "name\tmod" of a module */
		const char *tab = strchr(traceable[i], '\t');
		const char *name = traceable[i], *mod = tab ? tab + 1 : NULL;
		if (!module != !mod || (module && fnmatch(module, mod, 0) != 0))
			continue;
		char *fname = tab ? arena_strndup(&s->arena, name, (size_t)(tab - name)) : (char *)name;
		if (fnmatch(pattern, fname, 0) != 0 || (i > 0 && strcmp(traceable[i - 1], traceable[i]) == 0))
			continue;
		add_point(s, pp, c0, mod ? arena_strdup(&s->arena, mod) : NULL, arena_strdup(&s->arena, fname), ret,
			  out);
	}
	return within_cap(s, pp, out, first);
}

static bool kf_expand(struct session *s, const struct probe_point *pp, struct vec *out)
{
	if (comp_is(pp, 0, "kprobe") && comp_is(pp, 1, "module")) {
		/* kprobe.module("MOD").function("NAME"): module("MOD").function's
		 * points (the kprobe lowering is --kfunc's choice) */
		struct probe_point m = *pp;
		m.comps = (struct vec){0};
		for (int i = 1; i < pp->comps.n; i++)
			vec_push(&s->arena, &m.comps, VEC_AT(pp->comps, i, void *));
		return kf_expand(s, &m, out);
	}
	const struct pp_component *fc = VEC_AT(pp->comps, 1, const struct pp_component *);
	bool kprobe = comp_is(pp, 0, "kprobe");
	if (!fc->arg || fc->arg->kind != E_STR) {
		diag_error(pp->loc, "semantic error: %s.function takes a function name in quotes",
			   kprobe ? "kprobe" : "kernel");
		return false;
	}
	const char *pattern = fc->arg->str;
	if (kprobe && strpbrk(pattern, "@:")) {
		diag_error(fc->arg->loc, "semantic error: '%s': kprobe.function takes a function's name "
			   "(source files and lines are kernel.function's)", pattern);
		return false;
	}
	if (!strchr(pattern, '@') && strchr(pattern, ':')) {
		diag_error(fc->arg->loc, "semantic error: '%s': a line needs its source file (NAME@FILE:LINE)", pattern);
		return false;
	}
	bool ret = false, dwarf_only = false;
	bool kernel = comp_is(pp, 0, "kernel");
	for (int i = 2; i < pp->comps.n; i++) {
		const char *n = pp_comp_name(pp, i);
		if (strcmp(n, "return") == 0 && i == pp->comps.n - 1) {
			ret = true;
		} else if (strcmp(n, "call") == 0 && !kprobe && i == pp->comps.n - 1) {
		} else if ((strcmp(n, "inline") == 0 || strcmp(n, "label") == 0) && kernel && i == pp->comps.n - 1) {
			dwarf_only = true; /* what only the debuginfo knows */
		} else {
			diag_error(pp->loc, "semantic error: %s.function(...).%s is not supported (only .call and .return%s)",
				   kprobe ? "kprobe" : comp_is(pp, 0, "module") ? "module(...)" : "kernel", n,
				   kernel ? ", and .inline and .label with the kernel's debuginfo" : "");
			return false;
		}
	}
	if (dwarf_only) {
		const char *why = NULL;
		if (uprobe_kernel_functions(s, pp, out, &why))
			return true;
		if (why)
			diag_error(pp->loc, "semantic error: kernel.function(...).%s needs the kernel's debuginfo: %s",
				   pp_comp_name(pp, pp->comps.n - 1), why);
		return false;
	}
	const struct btf *btf = kernel_btf();
	if (!btf)
		return expand_without_btf(s, pp, kprobe, ret, out);
	int first = out->n;
	if (!comp_is(pp, 0, "module")) {
		if (!add_matches(s, pp, kprobe ? "kprobe" : "kernel", NULL, btf, 1, ret, out))
			return false;
		/* kernel.function("NAME") that BTF does not have, or that the
		 * function tracer cannot attach to: an inlined function, a
		 * compiler's clone ("copy_strings.isra.0"), from the kernel's
		 * debuginfo when it has one */
		if (kernel && out->n == first) {
			const char *why = NULL;
			if (!uprobe_kernel_functions(s, pp, out, &why) && !why)
				return false;
			if (out->n > first)
				return within_cap(s, pp, out, first);
		}
		/* kprobe.function("NAME") of a function BTF does not describe
		 * (a compiler's clone, "copy_strings.isra.0"): a kprobe with no
		 * target variables, when the function tracer lists it */
		const char *name = fc->arg->str;
		if (kprobe && out->n == first && !strpbrk(name, "*?[") && traceable_known() &&
		    is_traceable(name, NULL)) {
			struct probe_point *c = arena_alloc(&s->arena, sizeof *c);
			*c = *pp;
			vec_push(&s->arena, out, c);
		}
	} else {
		const char *module = module_of(pp);
		if (!module) {
			diag_error(pp->loc, "semantic error: module takes a module's name (or pattern) in quotes");
			return false;
		}
		if (!strpbrk(module, "*?[")) {
			const char *why = NULL;
			const struct type_source *ms = kernel_module_types(module, &why);
			if (!ms) {
				char path[4096];
				snprintf(path, sizeof path, "/sys/kernel/btf/%s", module);
				const char *miss = access(path, F_OK) != 0
					? arena_printf(&s->arena, "module(\"%s\") is not loaded, or has no BTF (no %s)", module, path)
					: arena_printf(&s->arena, "module(\"%s\"): %s", module, why ? why : "its BTF cannot be read");
				if (!pp->optional) {
					diag_error(pp->loc, "semantic error: %s", miss);
					return false;
				}
				if (!s->optional_miss)
					s->optional_miss = miss;
			}
			if (ms && !add_matches(s, pp, "module", module, type_source_btf(ms), btf__type_cnt(btf), ret, out))
				return false;
		} else {
			/* every loaded module with BTF the pattern names */
			DIR *d = opendir("/sys/kernel/btf");
			struct dirent *e;
			bool ok = true;
			while (ok && d && (e = readdir(d))) {
				const char *why;
				const struct type_source *ms;
				if (e->d_name[0] == '.' || strcmp(e->d_name, "vmlinux") == 0 ||
				    fnmatch(module, e->d_name, 0) != 0 || !(ms = kernel_module_types(e->d_name, &why)))
					continue;
				ok = add_matches(s, pp, "module", arena_strdup(&s->arena, e->d_name), type_source_btf(ms),
						 btf__type_cnt(btf), ret, out);
			}
			if (d)
				closedir(d);
			if (!ok)
				return false;
		}
	}
	if (out->n > first && !s->list_pattern) {
		kfunc_via_kprobes(s); /* decided (and told with -v) at pass 2 */
		many_via_kprobes(s, pp, out, first);
		wide_via_kprobes(s, out, first);
	}
	for (int i = first; out->n - first > 1 && i < out->n; i++)
		VEC_AT(*out, i, struct probe_point *)->from_pattern = true;
	return within_cap(s, pp, out, first);
}

/* A kernel without BTF: k's parameters (and $return) named and typed by
 * the kernel's debuginfo, in the slots the kprobe copies them into (as
 * the BTF ones), else why not in k->untyped. */
static void params_from_dwarf(struct session *s, struct kfunc *k)
{
	const char *why = NULL;
	char *err = NULL;
	const char *path = k->module ? kdwarf_module_path(s, k->module, &why) : kdwarf_kernel_path(s, &why);
	const struct ubin *b = path ? ubin_open(path, &err) : NULL;
	const struct type_source *src = b ? ubin_types(b, &err) : NULL;
	/* the function's DWARF entry: a symbol of the same name may be
	 * another (where a function's hot and cold parts lie apart, as in a
	 * module's sections) */
	const struct ubin_func *found[8], *f = NULL;
	int nfound = src ? ubin_funcs_named(b, k->name, found, 8) : 0;
	for (int i = 0; i < nfound && i < 8; i++)
		if (!f || (!f->die && found[i]->die))
			f = found[i];
	if (src && !f)
		why = arena_printf(&s->arena, "the %s's debuginfo (%s) has no function %s", k->module ? "module" : "kernel",
				   path, k->name);
	struct uvar *vars = NULL;
	int nvars = f ? ubin_vars_at(&s->arena, b, f, 0, &vars, &why) : -1;
	if (nvars < 0) {
		k->untyped = err ? arena_strdup(&s->arena, err) : why ? why : "its debuginfo cannot be read";
		free(err);
		return;
	}
	k->fields = arena_alloc(&s->arena, (size_t)(nvars + 1) * sizeof(*k->fields));
	int slot = 0;
	for (int i = 0; i < nvars; i++)
		if (vars[i].is_param) {
			tp_arg_field(&s->arena, src, &k->fields[k->nfields++], vars[i].name, vars[i].type.id, slot);
			slot += tp_arg_slots(src, vars[i].type.id);
		}
	struct tplace rt;
	if (k->ret && ubin_return_type(b, f, &rt))
		tp_arg_field(&s->arena, src, &k->fields[k->nfields++], "return", rt.id, slot);
}

static struct kfunc *kfunc_of(struct session *s, const struct probe_point *pp)
{
	const struct pp_component *fc = VEC_AT(pp->comps, 1, const struct pp_component *);
	const char *module = module_of(pp), *name = bare_name(s, fc->arg->str);
	const struct type_source *src;
	int id = (int)func_btf_id(module, name, &src);
	const struct btf *btf = src ? type_source_btf(src) : NULL;
	if ((id <= 0 && comp_is(pp, 0, "kprobe") && traceable_known() && is_traceable(name, NULL)) || !kernel_btf()) {
		/* a kprobe on a function without BTF (or a kernel without
		 * it): no target variables, or those the debuginfo has */
		struct kfunc *k = arena_alloc(&s->arena, sizeof *k);
		k->name = name;
		k->module = kernel_btf() ? NULL : module;
		k->ret = comp_is(pp, pp->comps.n - 1, "return");
		k->no_btf = true;
		if (!kernel_btf() && !comp_is(pp, 0, "kprobe"))
			params_from_dwarf(s, k);
		return k;
	}
	if (id <= 0)
		return NULL;
	struct kfunc *k = arena_alloc(&s->arena, sizeof *k);
	k->name = name;
	k->module = module;
	k->ret = comp_is(pp, pp->comps.n - 1, "return");
	const struct btf_type *t = btf__type_by_id(btf, (__u32)id);
	k->nfields = tp_btf_proto_fields_of(&s->arena, src, (int)t->type, 0, k->ret, &k->fields);
	return k;
}

static struct kfunc *kfunc_of_probe(struct session *s, struct probe *p)
{
	if (!p->provider_data && p->resolved_point)
		p->provider_data = kfunc_of(s, p->resolved_point);
	return p->provider_data;
}

/* ---- target variables ---------------------------------------------------------- */

bool tp_bind_args(struct session *s, const struct tp_field *fields, int nfields, struct expr *e, bool ctx_first)
{
	if (e->kind == E_TARGET_VARS)
		return tp_bind_args_vars(s, e->op ? e->op : e->str ? e->str : "", fields, nfields, e);
	if (e->kind != E_TARGET || !e->str)
		return false;
	const char *name = e->str;
	while (*name == '$')
		name++;
	for (int i = 0; i < nfields; i++)
		if (strcmp(fields[i].name, name) == 0)
			return tp_bind_field(s, &fields[i], name, e);
	if (ctx_first && strcmp(name, "ctx") == 0 && nfields > 0) /* stap's name for the first argument */
		return tp_bind_field(s, &fields[0], name, e);
	return false;
}

/* The event $$vars/$$parms/$$return format: none of a tracepoint's, its
 * fields set by the caller (none: the text is empty). */
static struct tp_event *vars_event(struct session *s)
{
	struct tp_event *ev = arena_alloc(&s->arena, sizeof *ev);
	ev->group = ev->name = "";
	ev->id = -1;
	ev->fields_loaded = ev->args_loaded = true;
	return ev;
}

/* A point of the kernel's debuginfo (uprobe_kernel_functions): its site
 * is the statement provider's, as a kernel.statement's. */
extern const struct provider provider_uprobe;
static bool from_debuginfo(const struct probe_point *pp)
{
	return pp && usite_of(pp) != NULL;
}

static bool kf_resolve_target(struct session *s, struct probe *p, struct expr *e)
{
	if (from_debuginfo(p->resolved_point))
		return provider_uprobe.resolve_target(s, p, e);
	struct kfunc *k = kfunc_of_probe(s, p);
	if (!k)
		return false;
	if (tp_bind_args(s, k->fields, k->nfields, e, false))
		return true;
	/* $$return at the return of a function that returns nothing: "" (as
	 * stap's, so that one probe serves a pattern's functions) */
	const char *n = e->kind == E_TARGET_VARS ? (e->op ? e->op : e->str ? e->str : "") : "";
	while (*n == '$')
		n++;
	if (!k->ret || (k->no_btf && !k->nfields) || strcmp(n, "return") != 0)
		return false;
	e->type = TY_STRING;
	e->target_info = vars_event(s);
	return true;
}

static void kf_describe_vars(struct session *s, const struct probe_point *pp, struct strbuf *out)
{
	if (from_debuginfo(pp)) {
		provider_uprobe.describe_vars(s, pp, out);
		return;
	}
	struct kfunc *k = kfunc_of(s, pp);
	if (k && k->no_btf && !kernel_btf() && !k->nfields) {
		sb_printf(out, "none: this kernel has no BTF (/sys/kernel/btf/vmlinux) to type its functions' "
			       "parameters, and %s", k->untyped ? k->untyped : "kprobe.function has none without it");
		return;
	}
	for (int i = 0; k && i < k->nfields; i++)
		sb_printf(out, "%s$%s:%s", i ? " " : "", k->fields[i].name,
			  tp_field_is_string(&k->fields[i]) ? "string" : k->fields[i].ctype);
}

/* ---- $$vars, $$parms, $$locals, $$return ---------------------------------------- */
bool tp_bind_args_vars(struct session *s, const char *name, const struct tp_field *fields, int nfields,
		       struct expr *e)
{
	while (*name == '$')
		name++;
	bool ret = strcmp(name, "return") == 0;
	if (!ret && strcmp(name, "vars") != 0 && strcmp(name, "parms") != 0 && strcmp(name, "locals") != 0)
		return false;
	struct tp_event *ev = vars_event(s);
	bool has_ret = nfields > 0 && strcmp(fields[nfields - 1].name, "return") == 0;
	if (ret) {
		if (!has_ret)
			return false; /* $$return only in .return */
		ev->fields = (struct tp_field *)&fields[nfields - 1];
		ev->nfields = 1;
	} else if (strcmp(name, "locals") != 0) {
		ev->fields = (struct tp_field *)fields;
		ev->nfields = has_ret ? nfields - 1 : nfields;
	}
	e->type = TY_STRING;
	e->target_info = ev;
	return true;
}

/* ---- lowering ------------------------------------------------------------------- */

bool kfunc_via_kprobes(struct session *s)
{
	if (s->kfunc_chosen != KFUNC_AUTO)
		return s->kfunc_chosen == KFUNC_KPROBE;
	/* BPF trampolines need ftrace's direct calls and the JIT; without
	 * them, kprobes (when the kernel has those) */
	bool tramp = kconfig_lookup("CONFIG_DYNAMIC_FTRACE_WITH_DIRECT_CALLS", s->kconfig) &&
		     kconfig_lookup("CONFIG_BPF_JIT", s->kconfig);
	bool kprobes = kconfig_lookup("CONFIG_KPROBES", s->kconfig) != NULL;
	bool kmod = s->runtime == RT_KMOD; /* a module has kprobes, never trampolines */
	s->kfunc_chosen = kmod ? KFUNC_KPROBE
			  : s->kfunc != KFUNC_AUTO ? s->kfunc : !tramp && kprobes ? KFUNC_KPROBE : KFUNC_FENTRY;
	if (s->verbose)
		fprintf(stderr, "btap: kernel functions attach with %s: %s\n",
			s->kfunc_chosen == KFUNC_KPROBE ? "kprobes" : "fentry/fexit",
			kmod ? "the kmod runtime registers kprobes"
			: s->kfunc != KFUNC_AUTO ? "as --kfunc says"
			: tramp ? "the kernel's configuration has BPF trampolines"
			: kprobes ? "the kernel's configuration has no BPF trampolines, and has kprobes"
				  : "the kernel's configuration has neither BPF trampolines nor kprobes (or is unknown)");
	return s->kfunc_chosen == KFUNC_KPROBE;
}

/* The 8-byte argument slots the parameters fill (tp_arg_slots: one each,
 * two for a 9- to 16-byte struct passed by value), named or not. */
int kfunc_slots(const struct tp_field *fields, int n)
{
	int slots = 0;
	for (int i = 0; i < n; i++) {
		int end = fields[i].offset / 8 + tp_arg_slots(fields[i].type.src, fields[i].type.id);
		if (end > slots)
			slots = end;
	}
	return slots;
}

static bool kf_attach(struct session *s, struct probe *p, struct attach *out)
{
	if (from_debuginfo(p->resolved_point))
		return provider_uprobe.attach(s, p, out);
	struct kfunc *k = kfunc_of_probe(s, p);
	if (!k) {
		diag_error(p->resolved_point->loc, "semantic error: this kernel function is not in the kernel's BTF");
		return false;
	}
	out->kind = ATTACH_KPROBE;
	out->kprobe.function = k->name;
	out->kprobe.module = k->module;
	out->kprobe.ret = k->ret;
	out->kprobe.ret_slot = k->ret && k->nfields ? k->fields[k->nfields - 1].offset / 8 : 0; /* after the parameters */
	out->kprobe.nslots = kfunc_slots(k->fields, k->ret && k->nfields ? k->nfields - 1 : k->nfields);
	/* without BTF there is no trampoline: always a kprobe; kprobe.function
	 * asks for one (its registers: register(), print_regs()) */
	out->kprobe.via_kprobe = k->no_btf || p->resolved_point->via_kprobe || kfunc_via_kprobes(s) ||
				 (comp_is(p->resolved_point, 0, "kprobe") && kconfig_lookup("CONFIG_KPROBES", s->kconfig));
	return true;
}

const struct provider provider_kernel = {
	.name = "kernel.function",
	.kernel_context = true,
	.claims = kf_claims,
	.expand = kf_expand,
	.resolve_target = kf_resolve_target,
	.describe_vars = kf_describe_vars,
	.attach = kf_attach,
};
