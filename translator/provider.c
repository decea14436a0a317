/* The provider registry and the helpers providers share. */
#include "provider.h"

#include <inttypes.h>
#include <string.h>

extern const struct provider provider_basic;
extern const struct provider provider_never;
extern const struct provider provider_timer;
extern const struct provider provider_timer_profile;
extern const struct provider provider_tracepoint;
extern const struct provider provider_perf;
extern const struct provider provider_process;
extern const struct provider provider_kernel;
extern const struct provider provider_kdata;
extern const struct provider provider_lsm;
extern const struct provider provider_netfilter;
extern const struct provider provider_uprobe;
extern const struct provider provider_psyscall;
extern const struct provider provider_procfs;

const struct provider *const providers[] = {
	&provider_basic,
	&provider_never,
	&provider_timer,
	&provider_timer_profile,
	&provider_tracepoint,
	&provider_perf,
	&provider_process,
	&provider_kdata,
	&provider_kernel,
	&provider_lsm,
	&provider_netfilter,
	&provider_uprobe,
	&provider_psyscall,
	&provider_procfs,
	NULL,
};

const struct provider *provider_for(const struct probe_point *pp)
{
	for (int i = 0; providers[i]; i++)
		if (providers[i]->claims(pp))
			return providers[i];
	return NULL;
}

/* '*' matches within one dotted component, "**" across components. */
bool pp_glob_match(const char *pattern, const char *name)
{
	while (*pattern) {
		if (pattern[0] == '*') {
			bool cross = pattern[1] == '*';
			const char *rest = pattern + (cross ? 2 : 1);
			for (const char *n = name;; n++) {
				if (pp_glob_match(rest, n))
					return true;
				if (!*n || (!cross && *n == '.'))
					return false;
			}
		}
		if (*pattern != *name)
			return false;
		pattern++;
		name++;
	}
	return *name == 0;
}

const char *pp_comp_name(const struct probe_point *pp, int i)
{
	if (!pp || i < 0 || i >= pp->comps.n)
		return NULL;
	return VEC_AT(pp->comps, i, struct pp_component *)->name;
}

int64_t pp_comp_num(const struct probe_point *pp, int i)
{
	if (!pp || i < 0 || i >= pp->comps.n)
		return 0;
	const struct expr *arg = VEC_AT(pp->comps, i, struct pp_component *)->arg;
	return arg && arg->kind == E_NUM ? arg->num : 0;
}

static void format_arg(struct strbuf *out, const struct expr *arg)
{
	if (arg->kind == E_NUM) {
		if (arg->is_hex)
			sb_printf(out, "0x%" PRIx64, (uint64_t)arg->num);
		else
			sb_printf(out, "%" PRId64, arg->num);
	} else if (arg->kind == E_STR) {
		sb_printf(out, "\"%s\"", arg->str ? arg->str : "");
	} else if (arg->kind == E_UNARY && arg->op && arg->operand && arg->operand->kind == E_NUM) {
		sb_puts(out, arg->op);
		format_arg(out, arg->operand);
	} else {
		sb_puts(out, "?");
	}
}

void pp_format(struct strbuf *out, const struct probe_point *pp)
{
	VEC_FOREACH(pp->comps, i) {
		const struct pp_component *c = VEC_AT(pp->comps, i, struct pp_component *);
		if (i)
			sb_putc(out, '.');
		sb_puts(out, c->name ? c->name : "");
		if (c->arg) {
			sb_putc(out, '(');
			format_arg(out, c->arg);
			sb_putc(out, ')');
		}
	}
}

bool provider_no_targets(struct session *s, struct probe *p, struct expr *e)
{
	return false;
}

struct pp_component *pp_comp_new(struct arena *a, const char *name, struct expr *arg, struct loc at)
{
	struct pp_component *c = arena_alloc(a, sizeof(*c));
	c->name = name;
	c->arg = arg;
	c->loc = at;
	return c;
}
