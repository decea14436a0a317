/* timer.s/sec/ms/msec/us/usec/ns/nsec/jiffies(N)[.randomize(M)],
 * timer.hz(N) and timer.profile[.tick|.freq.hz(N)]. Interval timers run in the runner;
 * timer.profile fires on every CPU in kernel context. The accepted ranges
 * are the ones stap enforces. */
#include "provider.h"

#include "kconfig.h"

#include <inttypes.h>
#include <string.h>

struct timer_unit {
	const char *name;
	int64_t min, max;
};

static const struct timer_unit units[] = {
	{"s", 1, 86400},
	{"sec", 1, 86400},
	{"ms", 1, 86400000},
	{"msec", 1, 86400000},
	{"us", 100, 86400000000LL},
	{"usec", 100, 86400000000LL},
	{"ns", 100000, 86400000000000LL},
	{"nsec", 100000, 86400000000000LL},
	{"jiffies", 1, 1000000},
	{"hz", 1, 10000}, /* 1e9/N ns must stay >= 100000 ns */
	{NULL, 0, 0},
};

static const struct pp_component *comp_at(const struct probe_point *pp, int i)
{
	return i < pp->comps.n ? VEC_AT(pp->comps, i, struct pp_component *) : NULL;
}

static bool is_timer(const struct probe_point *pp)
{
	const char *n0 = pp_comp_name(pp, 0);
	return pp->comps.n >= 2 && n0 && pp_glob_match(n0, "timer");
}

static bool interval_claims(const struct probe_point *pp)
{
	if (!is_timer(pp) || pp->comps.n > 3 || !pp_comp_name(pp, 1))
		return false;
	for (int i = 0; units[i].name; i++)
		if (pp_glob_match(pp_comp_name(pp, 1), units[i].name))
			return true;
	return false;
}

/* A concrete point in pp's place (its location and ? and ! marks), its
 * components to come. */
static struct probe_point *point_like(struct arena *a, const struct probe_point *pp)
{
	struct probe_point *cp = arena_alloc(a, sizeof(*cp));
	cp->loc = pp->loc;
	cp->optional = pp->optional;
	cp->sufficient = pp->sufficient;
	return cp;
}

static bool number_arg(const struct expr *arg, int64_t *v)
{
	if (!arg)
		return false;
	if (arg->kind == E_NUM) {
		*v = arg->num;
		return true;
	}
	if (arg->kind == E_UNARY && arg->op && strcmp(arg->op, "-") == 0 && arg->operand &&
	    arg->operand->kind == E_NUM) {
		*v = -arg->operand->num;
		return true;
	}
	return false;
}

static struct expr *num_expr(struct arena *a, int64_t v, struct loc at)
{
	struct expr *e = expr_new(a, E_NUM, at);
	e->num = v;
	e->type = TY_LONG;
	return e;
}

/* Check one unit against the point; on success append the concrete point.
 * Errors are reported only when `report` (the unit was named exactly). */
static bool expand_unit(struct session *s, const struct probe_point *pp, const struct timer_unit *u,
			bool report, struct vec *out)
{
	const struct pp_component *c1 = comp_at(pp, 1), *c2 = comp_at(pp, 2);
	struct loc at1 = c1->arg ? c1->arg->loc : c1->loc;
	int64_t n, r = 0;
	if (!number_arg(c1->arg, &n)) {
		if (report)
			diag_error(at1, "semantic error: timer.%s requires a numeric interval, as in timer.%s(100)",
				   u->name, u->name);
		return false;
	}
	if (strcmp(u->name, "hz") == 0 && n <= 0) {
		if (report)
			diag_error(at1, "semantic error: timer.hz frequency must be greater than 0");
		return false;
	}
	if (n < u->min || n > u->max) {
		if (report)
			diag_error(at1, "semantic error: timer.%s interval %" PRId64 " out of range (%" PRId64
				   ", %" PRId64 ")", u->name, n, u->min, u->max);
		return false;
	}
	if (c2) {
		bool is_rand = c2->name && pp_glob_match(c2->name, "randomize") &&
			       strcmp(u->name, "hz") != 0;
		if (!is_rand) {
			if (report)
				diag_error(c2->loc, "semantic error: invalid suffix '%s' for timer.%s",
					   c2->name ? c2->name : "", u->name);
			return false;
		}
		struct loc at2 = c2->arg ? c2->arg->loc : c2->loc;
		if (!number_arg(c2->arg, &r)) {
			if (report)
				diag_error(at2, "semantic error: randomize requires a numeric argument");
			return false;
		}
		if (r < 0 || r > n) {
			if (report)
				diag_error(at2, "semantic error: randomization value %" PRId64
					   " out of range (0, %" PRId64 ")", r, n);
			return false;
		}
	}
	struct arena *a = &s->arena;
	struct probe_point *cp = point_like(a, pp);
	vec_push(a, &cp->comps, pp_comp_new(a, "timer", NULL, comp_at(pp, 0)->loc));
	vec_push(a, &cp->comps, pp_comp_new(a, u->name, num_expr(a, n, at1), c1->loc));
	if (c2)
		vec_push(a, &cp->comps, pp_comp_new(a, "randomize", num_expr(a, r, c2->loc), c2->loc));
	vec_push(a, out, cp);
	return true;
}

static bool interval_expand(struct session *s, const struct probe_point *pp, struct vec *out)
{
	const char *unit = pp_comp_name(pp, 1);
	bool exact = !strchr(unit, '*');
	bool ok = true;
	const struct pp_component *c0 = comp_at(pp, 0);
	if (c0->arg) {
		diag_error(c0->arg->loc, "semantic error: 'timer' takes no argument");
		return false;
	}
	for (int i = 0; units[i].name; i++) {
		if (!pp_glob_match(unit, units[i].name))
			continue;
		/* A wildcard unit quietly skips the units whose ranges reject N. */
		if (!expand_unit(s, pp, &units[i], exact, out) && exact)
			ok = false;
	}
	return ok;
}

/* Nanoseconds in one of a unit (jiffies: at the kernel's CONFIG_HZ). */
static uint64_t unit_ns(struct session *s, const char *unit)
{
	if (!strcmp(unit, "s") || !strcmp(unit, "sec"))
		return 1000000000ull;
	if (!strcmp(unit, "ms") || !strcmp(unit, "msec"))
		return 1000000ull;
	if (!strcmp(unit, "us") || !strcmp(unit, "usec"))
		return 1000ull;
	if (!strcmp(unit, "jiffies"))
		return 1000000000ull / (uint64_t)kconfig_hz(s->kconfig);
	return 1;
}

static bool interval_attach(struct session *s, struct probe *p, struct attach *out)
{
	const struct probe_point *pp = p->resolved_point;
	const char *unit = pp_comp_name(pp, 1);
	int64_t n = pp_comp_num(pp, 1);
	out->kind = ATTACH_TIMER;
	if (!strcmp(unit, "hz")) {
		out->timer.period_ns = 1000000000ull / (uint64_t)(n > 0 ? n : 1);
	} else {
		uint64_t ns = unit_ns(s, unit);
		out->timer.period_ns = (uint64_t)n * ns;
		if (pp->comps.n > 2)
			out->timer.randomize_ns = (uint64_t)pp_comp_num(pp, 2) * ns;
	}
	return true;
}

const struct provider provider_timer = {
	.name = "timer",
	.kernel_context = false,
	.claims = interval_claims,
	.expand = interval_expand,
	.resolve_target = provider_no_targets,
	.describe_vars = NULL,
	.attach = interval_attach,
};

/* timer.profile, or its full name timer.profile.tick (stap's builtin,
 * which its tapset aliases as timer.profile), and timer.profile.freq.hz(N):
 * every CPU N times a second. */
static bool profile_claims(const struct probe_point *pp)
{
	if (!is_timer(pp) || !pp_comp_name(pp, 1) || !pp_glob_match(pp_comp_name(pp, 1), "profile"))
		return false;
	if (pp->comps.n == 2)
		return true;
	if (pp->comps.n == 4)
		return pp_comp_name(pp, 2) && pp_glob_match(pp_comp_name(pp, 2), "freq") && pp_comp_name(pp, 3) &&
		       pp_glob_match(pp_comp_name(pp, 3), "hz");
	return pp->comps.n == 3 && pp_comp_name(pp, 2) && pp_glob_match(pp_comp_name(pp, 2), "tick");
}

/* The most samples a second perf's cpu-clock takes on a CPU by default
 * (kernel.perf_event_max_sample_rate's default). */
#define PROFILE_MAX_HZ 100000

static bool profile_freq_expand(struct session *s, const struct probe_point *pp, struct vec *out)
{
	const struct pp_component *hz = comp_at(pp, 3);
	for (int i = 0; i < 3; i++)
		if (comp_at(pp, i)->arg) {
			diag_error(comp_at(pp, i)->arg->loc, "semantic error: '%s' takes no argument",
				   comp_at(pp, i)->name);
			return false;
		}
	int64_t n;
	struct loc at = hz->arg ? hz->arg->loc : hz->loc;
	if (!number_arg(hz->arg, &n)) {
		diag_error(at, "semantic error: timer.profile.freq.hz requires a numeric argument");
		return false;
	}
	if (n < 1 || n > PROFILE_MAX_HZ) {
		diag_error(at, "semantic error: timer.profile.freq.hz(%" PRId64 ") is out of range (1 to %d)", n,
			   PROFILE_MAX_HZ);
		return false;
	}
	struct arena *a = &s->arena;
	struct probe_point *cp = point_like(a, pp);
	static const char *const names[] = {"timer", "profile", "freq"};
	for (int i = 0; i < 3; i++)
		vec_push(a, &cp->comps, pp_comp_new(a, names[i], NULL, comp_at(pp, i)->loc));
	vec_push(a, &cp->comps, pp_comp_new(a, "hz", num_expr(a, n, at), hz->loc));
	vec_push(a, out, cp);
	return true;
}

static bool has_wildcard(const struct probe_point *pp)
{
	VEC_FOREACH(pp->comps, i)
		if (comp_at(pp, i)->name && strchr(comp_at(pp, i)->name, '*'))
			return true;
	return false;
}

static const struct pp_component *profile_arg_comp(const struct probe_point *pp)
{
	VEC_FOREACH(pp->comps, i)
		if (comp_at(pp, i)->arg)
			return comp_at(pp, i);
	return NULL;
}

static bool profile_expand(struct session *s, const struct probe_point *pp, struct vec *out)
{
	if (pp->comps.n == 4)
		return profile_freq_expand(s, pp, out);
	const struct pp_component *with_arg = profile_arg_comp(pp);
	if (with_arg) {
		/* Under a wildcard, the point just is not this one. */
		if (has_wildcard(pp))
			return true;
		diag_error(with_arg->arg->loc, "semantic error: timer.profile takes no argument");
		return false;
	}
	static const char *const names[] = {"timer", "profile", "tick"};
	struct arena *a = &s->arena;
	struct probe_point *cp = point_like(a, pp);
	VEC_FOREACH(pp->comps, i)
		vec_push(a, &cp->comps, pp_comp_new(a, names[i], NULL, comp_at(pp, i)->loc));
	vec_push(a, out, cp);
	return true;
}

/* The kernel's tick: a cpu-clock perf event CONFIG_HZ times a second
 * (or the frequency .freq.hz(N) asks for). */
static bool profile_attach(struct session *s, struct probe *p, struct attach *out)
{
	enum { PERF_TYPE_SW = 1, PERF_COUNT_SW_CPU_CLOCK = 0 }; /* perf_event ABI */
	const struct probe_point *pp = p->resolved_point;
	out->kind = ATTACH_PERF_EVENT;
	out->perf.type = PERF_TYPE_SW;
	out->perf.config = PERF_COUNT_SW_CPU_CLOCK;
	out->perf.period = pp && pp->comps.n == 4 ? (uint64_t)pp_comp_num(pp, 3) : (uint64_t)kconfig_hz(s->kconfig);
	out->perf.freq = true;
	return true;
}

const struct provider provider_timer_profile = {
	.name = "timer.profile",
	.kernel_context = true,
	.claims = profile_claims,
	.expand = profile_expand,
	.resolve_target = provider_no_targets,
	.describe_vars = NULL,
	.attach = profile_attach,
};
