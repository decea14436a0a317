/* perf.sw.NAME and perf.hw.NAME (and perf.type(T).config(C) by number),
 * optionally .sample(N) (every N events;
 * stap's default is 1000000) or .hz(N) (N times a second): a perf event
 * sampled on every CPU, in kernel context. The names and their
 * type/config values are the perf_event ABI's generalized events, as stap
 * spells them. perf.EVENT[.process("PATH")].counter("NAME") samples
 * nothing: it declares a counter that @perf("NAME") reads (the session's
 * perf_counters; tapset/perf_counters.stp keeps the per-thread counts). */
#include "provider.h"
#include "ubin.h"

#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { PERF_TYPE_HW = 0, PERF_TYPE_SW = 1 };

/* stap's sample period when a point names none. */
#define PERF_DEFAULT_SAMPLE_PERIOD 1000000

struct perf_event_name {
	const char *family; /* "hw" or "sw" */
	const char *name;
	uint32_t type;
	uint64_t config;
};

static const struct perf_event_name perf_events[] = {
	{"hw", "cpu_cycles", PERF_TYPE_HW, 0},
	{"hw", "instructions", PERF_TYPE_HW, 1},
	{"hw", "cache_references", PERF_TYPE_HW, 2},
	{"hw", "cache_misses", PERF_TYPE_HW, 3},
	{"hw", "branch_instructions", PERF_TYPE_HW, 4},
	{"hw", "branch_misses", PERF_TYPE_HW, 5},
	{"hw", "bus_cycles", PERF_TYPE_HW, 6},
	{"hw", "stalled_cycles_frontend", PERF_TYPE_HW, 7},
	{"hw", "stalled_cycles_backend", PERF_TYPE_HW, 8},
	{"hw", "ref_cpu_cycles", PERF_TYPE_HW, 9},
	{"sw", "cpu_clock", PERF_TYPE_SW, 0},
	{"sw", "task_clock", PERF_TYPE_SW, 1},
	{"sw", "page_faults", PERF_TYPE_SW, 2},
	{"sw", "context_switches", PERF_TYPE_SW, 3},
	{"sw", "cpu_migrations", PERF_TYPE_SW, 4},
	{"sw", "page_faults_min", PERF_TYPE_SW, 5},
	{"sw", "page_faults_maj", PERF_TYPE_SW, 6},
	{"sw", "alignment_faults", PERF_TYPE_SW, 7},
	{"sw", "emulation_faults", PERF_TYPE_SW, 8},
	{NULL, NULL, 0, 0},
};

/* perf.hw_cache.CACHE.OP.RESULT: the perf_event ABI's cache events
 * (PERF_TYPE_HW_CACHE, config = cache | op << 8 | result << 16), the
 * combinations stap names (l1i is not written, itlb and bpu are only
 * read, node is not prefetched). */
enum { PERF_TYPE_HW_CACHE = 3 };
static const char *const cache_names[] = {"l1d", "l1i", "ll", "dtlb", "itlb", "bpu", "node", NULL};
static const char *const cache_ops[] = {"read", "write", "prefetch", NULL};
static const char *const cache_results[] = {"access", "miss", NULL};

static bool cache_event_exists(int cache, int op)
{
	const char *c = cache_names[cache];
	if (strcmp(c, "l1i") == 0)
		return op != 1;
	if (strcmp(c, "itlb") == 0 || strcmp(c, "bpu") == 0)
		return op == 0;
	if (strcmp(c, "node") == 0)
		return op != 2;
	return true;
}

/* The cache event at index i of the cartesian product, filled in *ev
 * (name in buf); false past the end. */
static bool cache_event_at(int i, struct perf_event_name *ev, char *buf, size_t len)
{
	int nops = 3, nres = 2;
	int cache = i / (nops * nres), op = i / nres % nops, res = i % nres;
	if (!cache_names[cache])
		return false;
	snprintf(buf, len, "%s.%s.%s", cache_names[cache], cache_ops[op], cache_results[res]);
	*ev = (struct perf_event_name){"hw_cache", cache_event_exists(cache, op) ? buf : NULL, PERF_TYPE_HW_CACHE,
				       (uint64_t)cache | (uint64_t)op << 8 | (uint64_t)res << 16};
	return true;
}

static const struct pp_component *comp_at(const struct probe_point *pp, int i)
{
	return i < pp->comps.n ? VEC_AT(pp->comps, i, struct pp_component *) : NULL;
}

static bool perf_claims(const struct probe_point *pp)
{
	const char *n0 = pp_comp_name(pp, 0);
	return pp->comps.n >= 2 && n0 && pp_glob_match(n0, "perf");
}

static bool is_sampling_name(const char *name)
{
	return name && (pp_glob_match(name, "sample") || pp_glob_match(name, "hz"));
}

/* The trailing .sample(N) / .hz(N), if the point ends with one. */
static const struct pp_component *sampling_comp(const struct probe_point *pp)
{
	const struct pp_component *last = comp_at(pp, pp->comps.n - 1);
	return pp->comps.n >= 4 && last->arg && is_sampling_name(last->name) ? last : NULL;
}

static bool has_wildcard(const struct probe_point *pp, int upto)
{
	for (int i = 0; i < upto; i++)
		if (comp_at(pp, i)->name && strchr(comp_at(pp, i)->name, '*'))
			return true;
	return false;
}

/* The event part (perf.FAMILY.NAME, wildcards and all) joined by dots. */
static void event_pattern(struct strbuf *b, const struct probe_point *pp, int n)
{
	for (int i = 0; i < n; i++) {
		if (i)
			sb_putc(b, '.');
		sb_puts(b, comp_at(pp, i)->name ? comp_at(pp, i)->name : "");
	}
}

static bool event_matches(const char *pattern, const struct perf_event_name *ev)
{
	char full[96];
	snprintf(full, sizeof(full), "perf.%s.%s", ev->family, ev->name);
	return pp_glob_match(pattern, full);
}

/* Explain why an exact (wildcard-free) point names no event. */
static void report_unknown(const struct probe_point *pp, int n)
{
	const struct pp_component *fam = comp_at(pp, 1);
	if (strcmp(fam->name, "hw_cache") == 0) {
		struct strbuf pat;
		sb_init(&pat);
		event_pattern(&pat, pp, n);
		diag_error(pp->loc, "semantic error: unknown cache event '%s' (see btap -l 'perf.hw_cache.*')",
			   pat.s ? pat.s : "");
		sb_free(&pat);
		return;
	}
	if (strcmp(fam->name, "sw") != 0 && strcmp(fam->name, "hw") != 0) {
		diag_error(fam->loc, "semantic error: unknown perf event family 'perf.%s' (btap knows "
			   "perf.sw.*, perf.hw.* and perf.hw_cache.*)", fam->name);
		return;
	}
	if (n == 2) {
		diag_error(pp->loc, "semantic error: perf.%s needs an event name, as in %s", fam->name,
			   strcmp(fam->name, "sw") == 0 ? "perf.sw.cpu_clock" : "perf.hw.cpu_cycles");
		return;
	}
	const struct pp_component *ev = comp_at(pp, 2);
	if (n > 3) {
		const struct pp_component *extra = comp_at(pp, 3);
		if (n == 4 && is_sampling_name(extra->name)) {
			diag_error(extra->loc, "semantic error: perf .%s requires a numeric argument",
				   extra->name);
			return;
		}
		diag_error(extra->loc, "semantic error: invalid suffix '%s' for perf.%s.%s (expected "
			   ".sample(N) or .hz(N))", extra->name, fam->name, ev->name);
		return;
	}
	diag_error(ev->loc, "semantic error: unknown perf event 'perf.%s.%s' (see btap -l 'perf.%s.*')",
		   fam->name, ev->name, fam->name);
}

/* The sampling suffix's value: a literal at least 1, as stap requires. */
static bool sampling_value(const struct pp_component *c, int64_t *v)
{
	const struct expr *arg = c->arg;
	bool hz = pp_glob_match(c->name, "hz") && !pp_glob_match(c->name, "sample");
	if (arg->kind != E_NUM) {
		diag_error(arg->loc, "semantic error: perf %s requires a numeric argument, as in .%s(%s)",
			   hz ? "frequency" : "sample period", hz ? "hz" : "sample", hz ? "100" : "1000");
		return false;
	}
	if (arg->num < 1) {
		diag_error(arg->loc, "semantic error: invalid perf %s %" PRId64 " (must be at least 1)",
			   hz ? "frequency" : "sample period", arg->num);
		return false;
	}
	*v = arg->num;
	return true;
}

/* The concrete point cp, with its sampling suffix (.sample(N) or .hz(N),
 * the value checked) when the point has one. */
static void push_point(struct arena *a, struct probe_point *cp, const struct pp_component *samp, int64_t value,
		       struct vec *out)
{
	if (samp) {
		struct expr *num = expr_new(a, E_NUM, samp->arg->loc);
		num->num = value;
		num->type = TY_LONG;
		bool hz = pp_glob_match(samp->name, "hz") && !pp_glob_match(samp->name, "sample");
		vec_push(a, &cp->comps, pp_comp_new(a, hz ? "hz" : "sample", num, samp->loc));
	}
	vec_push(a, out, cp);
}

static void add_point(struct session *s, const struct probe_point *pp, const struct perf_event_name *ev,
		      const struct pp_component *samp, int64_t value, struct vec *out)
{
	struct arena *a = &s->arena;
	struct probe_point *cp = arena_alloc(a, sizeof(*cp));
	cp->loc = pp->loc;
	cp->optional = pp->optional;
	cp->sufficient = pp->sufficient;
	vec_push(a, &cp->comps, pp_comp_new(a, "perf", NULL, comp_at(pp, 0)->loc));
	vec_push(a, &cp->comps, pp_comp_new(a, ev->family, NULL, comp_at(pp, 1)->loc));
	vec_push(a, &cp->comps, pp_comp_new(a, ev->name, NULL, comp_at(pp, pp->comps.n > 2 ? 2 : 1)->loc));
	push_point(a, cp, samp, value, out);
}

/* perf.type(T).config(C)[.sample(N)|.hz(N)]: any perf event by the
 * perf_event_open ABI's numbers (a PMU's type from
 * /sys/bus/event_source/devices/NAME/type). */
static bool expand_raw(struct session *s, const struct probe_point *pp, const struct pp_component *samp, int n,
		       struct vec *out)
{
	const struct pp_component *t = comp_at(pp, 1), *c = comp_at(pp, 2);
	if (n != 3 || !c->name || strcmp(c->name, "config") != 0 || !c->arg) {
		const struct pp_component *bad = n > 3 ? comp_at(pp, 3) : c ? c : t;
		diag_error(bad ? bad->loc : pp->loc, "semantic error: expected perf.type(T).config(C), then "
			   ".sample(N) or .hz(N), then .process(\"PATH\") (.counter is not supported yet)");
		return false;
	}
	if (t->arg->kind != E_NUM || t->arg->num < 0 || t->arg->num > UINT32_MAX ||
	    c->arg->kind != E_NUM || c->arg->num < 0) {
		diag_error((t->arg->kind != E_NUM || t->arg->num < 0 || t->arg->num > UINT32_MAX ? t : c)->arg->loc,
			   "semantic error: perf type and config are non-negative numbers");
		return false;
	}
	int64_t value = 0;
	if (samp && !sampling_value(samp, &value))
		return false;
	struct arena *a = &s->arena;
	struct probe_point *cp = arena_alloc(a, sizeof(*cp));
	*cp = *pp;
	cp->comps = (struct vec){0};
	for (int i = 0; i < 3; i++)
		vec_push(a, &cp->comps, (void *)comp_at(pp, i));
	push_point(a, cp, samp, value, out);
	return true;
}

static bool perf_expand_event(struct session *s, const struct probe_point *pp, struct vec *out);

/* The program of a trailing .process("PATH") (bare: the -c command's), as
 * a string argument; NULL after a located error. */
static struct expr *process_of(struct session *s, const struct probe_point *pp, const struct pp_component *c)
{
	if (c->arg && c->arg->kind != E_STR) {
		diag_error(c->arg->loc, "semantic error: perf ....process takes the program's path (a process id is "
			   "not supported yet)");
		return NULL;
	}
	if (c->arg)
		return process_program_arg(s, pp, c);
	char word[4096];
	const char *why = "perf ....process without a path counts the -c command's program: give -c CMD or "
			  ".process(\"PATH\")";
	char *path = NULL;
	s->reads_user_binaries = true; /* the -c command's: not in the script index's key */
	if (s->command && sscanf(s->command, " %4095s", word) == 1)
		path = ubin_resolve_path(word, &why);
	if (!path) {
		diag_error(c->loc, "semantic error: %s", why);
		return NULL;
	}
	struct expr *arg = expr_new(&s->arena, E_STR, c->loc);
	arg->str = arena_strdup(&s->arena, path);
	free(path);
	return arg;
}

static bool perf_expand_counter(struct session *s, const struct probe_point *pp, struct vec *out);

/* perf.EVENT[.sample(N)|.hz(N)].process[("PATH")]: the event sampled on
 * every CPU, the probe run only while a process of that program runs
 * (the task filter of attach.h); .counter("NAME") at the end makes it a
 * counter (perf_expand_counter). */
static bool perf_expand(struct session *s, const struct probe_point *pp, struct vec *out)
{
	for (int i = 2; i < pp->comps.n; i++) {
		const struct pp_component *c = comp_at(pp, i);
		if (c->name && strcmp(c->name, "counter") == 0) {
			if (i != pp->comps.n - 1) {
				diag_error(comp_at(pp, i + 1)->loc, "semantic error: .counter(\"NAME\") ends a perf "
					   "probe point");
				return false;
			}
			return perf_expand_counter(s, pp, out);
		}
	}
	for (int i = 2; i < pp->comps.n; i++) {
		const struct pp_component *c = comp_at(pp, i);
		if (!c->name || strcmp(c->name, "process") != 0)
			continue;
		if (i != pp->comps.n - 1) {
			diag_error(comp_at(pp, i + 1)->loc, "semantic error: .process(...) ends a perf probe point");
			return false;
		}
		struct expr *prog = process_of(s, pp, c);
		if (!prog)
			return pp->optional || pp->sufficient;
		struct probe_point event = *pp;
		event.comps = (struct vec){0};
		for (int k = 0; k < i; k++)
			vec_push(&s->arena, &event.comps, (void *)comp_at(pp, k));
		int first = out->n;
		if (!perf_expand_event(s, &event, out))
			return false;
		for (int k = first; k < out->n; k++)
			vec_push(&s->arena, &VEC_AT(*out, k, struct probe_point *)->comps,
				 pp_comp_new(&s->arena, "process", prog, c->loc));
		return true;
	}
	return perf_expand_event(s, pp, out);
}

static bool perf_expand_event(struct session *s, const struct probe_point *pp, struct vec *out)
{
	const struct pp_component *samp = sampling_comp(pp);
	int n = samp ? pp->comps.n - 1 : pp->comps.n;
	bool wild = has_wildcard(pp, pp->comps.n);
	if (!samp && pp->comps.n == 4 && comp_at(pp, 3)->arg && is_sampling_name(comp_at(pp, 3)->name))
		samp = comp_at(pp, 3), n = 3; /* perf.type(T).config(C).sample(N) */
	const struct pp_component *c1 = comp_at(pp, 1);
	if (!wild && c1->arg && c1->name && strcmp(c1->name, "type") == 0)
		return expand_raw(s, pp, samp, n, out);
	for (int i = 0; i < n; i++) {
		const struct pp_component *c = comp_at(pp, i);
		if (c->arg) {
			/* Under a wildcard, the point just is not this one. */
			if (wild)
				return true;
			diag_error(c->arg->loc, "semantic error: unexpected argument to '%s' in a perf probe "
				   "point", c->name ? c->name : "");
			return false;
		}
	}
	int64_t value = 0;
	if (samp && !sampling_value(samp, &value))
		return false;
	struct strbuf pat;
	sb_init(&pat);
	event_pattern(&pat, pp, n);
	int found = 0;
	for (int i = 0; perf_events[i].name; i++)
		if (event_matches(pat.s ? pat.s : "", &perf_events[i])) {
			add_point(s, pp, &perf_events[i], samp, value, out);
			found++;
		}
	struct perf_event_name ce;
	char name[64];
	for (int i = 0; cache_event_at(i, &ce, name, sizeof(name)); i++)
		if (ce.name && event_matches(pat.s ? pat.s : "", &ce)) {
			ce.name = arena_strdup(&s->arena, name);
			add_point(s, pp, &ce, samp, value, out);
			found++;
		}
	sb_free(&pat);
	if (!found && !wild) {
		report_unknown(pp, n);
		return false;
	}
	return true;
}

static bool perf_event_of(const struct probe_point *point, struct attach *out);

struct perf_counter *perf_counter_named(struct session *s, const char *name)
{
	VEC_FOREACH(s->perf_counters, i) {
		struct perf_counter *pc = VEC_AT(s->perf_counters, i, struct perf_counter *);
		if (strcmp(pc->name, name) == 0)
			return pc;
	}
	return NULL;
}

/* The counters the user's script declares, before any probe is expanded:
 * @perf("NAME") may come first. */
bool perf_counters_declare(struct session *s)
{
	bool ok = true;
	if (!s->user_file)
		return true;
	VEC_FOREACH(s->user_file->probes, i) {
		const struct probe *p = VEC_AT(s->user_file->probes, i, const struct probe *);
		VEC_FOREACH(p->points, j) {
			const struct probe_point *pp = VEC_AT(p->points, j, const struct probe_point *);
			const struct pp_component *c = comp_at(pp, pp->comps.n - 1);
			if (pp->comps.n < 3 || !c->name || strcmp(c->name, "counter") != 0 ||
			    !pp_comp_name(pp, 0) || strcmp(pp_comp_name(pp, 0), "perf") != 0)
				continue;
			if (!c->arg || c->arg->kind != E_STR || !c->arg->str[0]) {
				diag_error(c->arg ? c->arg->loc : c->loc, "semantic error: .counter takes the counter's "
					   "name, a string literal, as in .counter(\"insns\")");
				ok = false;
				continue;
			}
			const struct perf_counter *dup = perf_counter_named(s, c->arg->str);
			if (dup) {
				diag_error(c->arg->loc, "semantic error: perf counter '%s' is declared twice", c->arg->str);
				diag_note(dup->loc, "first declared here");
				ok = false;
				continue;
			}
			struct perf_counter *pc = arena_alloc(&s->arena, sizeof(*pc));
			pc->name = c->arg->str;
			pc->loc = c->loc;
			vec_push(&s->arena, &s->perf_counters, pc);
		}
	}
	return ok;
}

/* perf.EVENT[.process("PATH")].counter("NAME"): one event, counted on
 * every CPU and read per thread; the probe itself never runs. */
static bool perf_expand_counter(struct session *s, const struct probe_point *pp, struct vec *out)
{
	const struct pp_component *c = comp_at(pp, pp->comps.n - 1);
	struct perf_counter *pc = c->arg && c->arg->kind == E_STR ? perf_counter_named(s, c->arg->str) : NULL;
	if (!pc) {
		diag_error(c->loc, "semantic error: a perf counter is declared by a probe of the script itself, "
			   "named by a string literal");
		return false;
	}
	struct probe_point event = *pp;
	event.comps = (struct vec){0};
	for (int k = 0; k < pp->comps.n - 1; k++)
		vec_push(&s->arena, &event.comps, (void *)comp_at(pp, k));
	if (sampling_comp(&event) || (event.comps.n == 4 && is_sampling_name(comp_at(&event, 3)->name))) {
		const struct pp_component *samp = sampling_comp(&event) ? sampling_comp(&event) : comp_at(&event, 3);
		diag_error(samp->loc, "semantic error: a counter is read, not sampled: .%s does not apply to "
			   ".counter(\"%s\")", samp->name, pc->name);
		return false;
	}
	struct vec evs = {0};
	if (!perf_expand(s, &event, &evs))
		return false;
	if (evs.n != 1) {
		diag_error(pp->loc, "semantic error: perf counter '%s' must count exactly one event (this point "
			   "names %d)", pc->name, evs.n);
		return false;
	}
	struct probe_point *cp = VEC_AT(evs, 0, struct probe_point *);
	struct attach at = {0};
	if (!perf_event_of(cp, &at))
		return false;
	pc->type = at.perf.type;
	pc->config = at.perf.config;
	pc->expanded = true;
	vec_push(&s->arena, &cp->comps, (void *)c);
	vec_push(&s->arena, out, cp);
	return true;
}

/* The event of a concrete point this provider expanded; a counter's
 * point attaches nothing (the runtime opens the counters). */
static bool perf_attach(struct session *s, struct probe *p, struct attach *out)
{
	(void)s;
	const struct pp_component *last = comp_at(p->resolved_point, p->resolved_point->comps.n - 1);
	if (last && last->name && strcmp(last->name, "counter") == 0) {
		out->kind = ATTACH_NONE;
		return true;
	}
	return perf_event_of(p->resolved_point, out);
}

/* The type and config of a named event (perf.FAMILY.NAME), or false. */
static bool named_event(const char *fam, const char *name, uint32_t *type, uint64_t *config)
{
	struct perf_event_name ce;
	char cname[64];
	for (int i = 0; strcmp(fam, "hw_cache") == 0 && cache_event_at(i, &ce, cname, sizeof(cname)); i++)
		if (ce.name && strcmp(name, ce.name) == 0) {
			*type = ce.type;
			*config = ce.config;
			return true;
		}
	for (int i = 0; perf_events[i].name; i++)
		if (strcmp(fam, perf_events[i].family) == 0 && strcmp(name, perf_events[i].name) == 0) {
			*type = perf_events[i].type;
			*config = perf_events[i].config;
			return true;
		}
	return false;
}

static bool perf_event_of(const struct probe_point *point, struct attach *out)
{
	struct probe_point event = *point;
	const struct probe_point *pp = &event;
	const struct pp_component *proc = comp_at(pp, pp->comps.n - 1);
	if (proc && proc->name && strcmp(proc->name, "process") == 0 && proc->arg) {
		/* only while that program runs */
		out->filter = ATTACH_FILTER_CURRENT;
		out->exe_path = proc->arg->str;
		event.comps.n--;
	}
	const char *fam = pp_comp_name(pp, 1), *name = pp_comp_name(pp, 2);
	if (strcmp(fam, "type") == 0) {
		out->perf.type = (uint32_t)comp_at(pp, 1)->arg->num;
		out->perf.config = (uint64_t)comp_at(pp, 2)->arg->num;
	} else if (pp->comps.n < 3 || pp->comps.n > 4 || !named_event(fam, name, &out->perf.type, &out->perf.config)) {
		diag_error(pp->loc, "cannot find the perf event of this probe point");
		return false;
	}
	const struct pp_component *samp = comp_at(pp, 3);
	out->kind = ATTACH_PERF_EVENT;
	out->perf.period = samp && samp->arg ? (uint64_t)samp->arg->num : PERF_DEFAULT_SAMPLE_PERIOD;
	out->perf.freq = samp && strcmp(samp->name, "hz") == 0;
	return true;
}

const struct provider provider_perf = {
	.name = "perf",
	.kernel_context = true,
	.claims = perf_claims,
	.expand = perf_expand,
	.resolve_target = provider_no_targets,
	.describe_vars = NULL,
	.attach = perf_attach,
};
