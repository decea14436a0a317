/* process[("PATH")].syscall[.return]: every system call (or its return)
 * of processes running PATH, or of every process. They attach to the raw
 * tracepoints raw_syscalls:sys_enter(regs, id) and sys_exit(regs, ret),
 * filtered in the kernel by the executable (as process("PATH").begin),
 * and offer stap's variables: $syscall, $arg1..$arg6 (the x86-64 system
 * call registers in the saved pt_regs, read through BTF) and $return. */
#include "provider.h"
#include "tracepoints.h"

#include <stdlib.h>
#include <string.h>

static bool comp_is(const struct probe_point *pp, int i, const char *name)
{
	const char *n = pp_comp_name(pp, i);
	return n && strcmp(n, name) == 0;
}

static bool ps_claims(const struct probe_point *pp)
{
	const char *n0 = pp_comp_name(pp, 0);
	return n0 && pp_glob_match(n0, "process") && comp_is(pp, 1, "syscall") &&
	       (pp->comps.n == 2 || (pp->comps.n == 3 && comp_is(pp, 2, "return")));
}

static bool ps_expand(struct session *s, const struct probe_point *pp, struct vec *out)
{
	const struct pp_component *c0 = VEC_AT(pp->comps, 0, const struct pp_component *);
	struct arena *a = &s->arena;
	struct expr *arg = NULL;
	if (c0->arg && c0->arg->kind != E_STR) {
		diag_error(c0->arg->loc, "semantic error: process(PID).syscall is not supported yet");
		return false;
	}
	if (c0->arg && !(arg = process_program_arg(s, pp, c0)))
		return pp->optional || pp->sufficient;
	struct probe_point *cp = arena_alloc(a, sizeof(*cp));
	*cp = *pp;
	cp->comps = (struct vec){0};
	vec_push(a, &cp->comps, pp_comp_new(a, "process", arg, c0->loc));
	for (int i = 1; i < pp->comps.n; i++) {
		const struct pp_component *c = VEC_AT(pp->comps, i, const struct pp_component *);
		if (c->arg) {
			diag_error(c->loc, "semantic error: process.%s takes no argument", c->name);
			return false;
		}
		vec_push(a, &cp->comps, pp_comp_new(a, c->name, NULL, c->loc));
	}
	vec_push(a, out, cp);
	return true;
}

static struct tp_event *event_of(struct session *s, const struct probe_point *pp)
{
	bool ret = comp_is(pp, 2, "return");
	return tp_event_load(&s->arena, "raw_syscalls", ret ? "sys_exit" : "sys_enter");
}

/* $argN: the register the x86-64 kernel takes system call argument N in. */
static const char *arg_register(const char *name)
{
	static const char *const regs[] = {"di", "si", "dx", "r10", "r8", "r9"};
	if (strncmp(name, "arg", 3) != 0 || name[3] < '1' || name[3] > '6' || name[4])
		return NULL;
	return regs[name[3] - '1'];
}

static bool ps_resolve_target(struct session *s, struct probe *p, struct expr *e)
{
	if (e->kind != E_TARGET || !e->str)
		return false;
	struct tp_event *ev = event_of(s, p->resolved_point);
	if (!ev)
		return false;
	const char *name = e->str;
	while (*name == '$')
		name++;
	bool ret = comp_is(p->resolved_point, 2, "return");
	if ((!ret && strcmp(name, "syscall") == 0) || (ret && strcmp(name, "return") == 0))
		return tp_bind_field(s, tp_event_arg(&s->arena, ev, ret ? "ret" : "id"), name, e);
	const char *reg = arg_register(name);
	const struct tp_field *regs = reg ? tp_event_arg(&s->arena, ev, "regs") : NULL;
	if (!regs)
		return false;
	/* $argN is $regs->REG: the chain walker reads it through BTF */
	struct component *c = arena_alloc(&s->arena, sizeof(*c));
	c->kind = COMP_FIELD;
	c->field = reg;
	c->loc = e->loc;
	struct vec comps = {0};
	vec_push(&s->arena, &comps, c);
	VEC_FOREACH(e->components, i)
		vec_push(&s->arena, &comps, e->components.v[i]);
	e->components = comps;
	e->str = "$regs";
	return tp_bind_field(s, regs, "regs", e);
}

static void ps_describe_vars(struct session *s, const struct probe_point *pp, struct strbuf *out)
{
	(void)s;
	if (comp_is(pp, 2, "return"))
		sb_puts(out, "$return:long");
	else
		sb_puts(out, "$syscall:long $arg1:long $arg2:long $arg3:long $arg4:long $arg5:long $arg6:long");
}

static bool ps_attach(struct session *s, struct probe *p, struct attach *out)
{
	(void)s;
	const struct pp_component *c0 = VEC_AT(p->resolved_point->comps, 0, const struct pp_component *);
	out->kind = ATTACH_RAW_TRACEPOINT;
	out->tracepoint.name = comp_is(p->resolved_point, 2, "return") ? "sys_exit" : "sys_enter";
	out->filter = ATTACH_FILTER_CURRENT;
	out->exe_path = c0->arg ? c0->arg->str : NULL;
	return true;
}

const struct provider provider_psyscall = {
	.name = "process.syscall",
	.kernel_context = true,
	.claims = ps_claims,
	.expand = ps_expand,
	.resolve_target = ps_resolve_target,
	.describe_vars = ps_describe_vars,
	.attach = ps_attach,
};
