/* process.begin and process.end with no process argument: every new
 * process (a fork or clone that does not share the thread group) and every
 * process exit, system-wide, in kernel context. The bodies see the new or
 * exiting process as the current one (pid(), execname() ...), as in stap.
 * process("PATH").begin is an exec of that program and .end the end of a
 * process running it, filtered in the kernel by the executable's inode;
 * process(PID).end the end of that process. A begin also fires once for
 * each process already running at the start (process(PID).begin only for
 * that one), in its own context, when it next leaves the CPU; other
 * process("...") points belong to other providers. */
#include "provider.h"
#include "ubin.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static const char *const process_events[] = {"begin", "end", NULL};

static const struct pp_component *comp_at(const struct probe_point *pp, int i)
{
	return i < pp->comps.n ? VEC_AT(pp->comps, i, struct pp_component *) : NULL;
}

static bool names_event(const char *pattern)
{
	for (int i = 0; process_events[i]; i++)
		if (pp_glob_match(pattern, process_events[i]))
			return true;
	return false;
}

/* process[("PATH")].thread.begin/.end: components 1 and 2. */
static bool is_thread_point(const struct probe_point *pp)
{
	const char *n1 = pp_comp_name(pp, 1), *n2 = pp_comp_name(pp, 2);
	return pp->comps.n == 3 && n1 && n2 && strcmp(n1, "thread") == 0 && names_event(n2);
}

static bool process_claims(const struct probe_point *pp)
{
	const char *n0 = pp_comp_name(pp, 0), *n1 = pp_comp_name(pp, 1);
	return n0 && n1 && pp_glob_match(n0, "process") &&
	       ((pp->comps.n == 2 && names_event(n1)) || is_thread_point(pp));
}

static bool expand_thread(struct session *s, const struct probe_point *pp, struct vec *out);

/* process[(ARG)].EVENT; a begin also gets its twin for the processes
 * already running at the start (stap fires begin once in each), and for
 * process(PID) only that twin (new_ones false). */
static void push_point(struct arena *a, struct vec *out, const struct probe_point *pp, struct expr *arg,
		       const char *event, bool running)
{
	struct probe_point *cp = arena_alloc(a, sizeof(*cp));
	*cp = *pp;
	cp->comps = (struct vec){0};
	cp->running = running;
	vec_push(a, &cp->comps, pp_comp_new(a, "process", arg, comp_at(pp, 0)->loc));
	vec_push(a, &cp->comps, pp_comp_new(a, event, NULL, comp_at(pp, 1)->loc));
	vec_push(a, out, cp);
}

static void push_points(struct arena *a, struct vec *out, const struct probe_point *pp, struct expr *arg,
			const char *event, bool new_ones)
{
	bool begin = strcmp(event, "begin") == 0;
	if (!begin || new_ones)
		push_point(a, out, pp, arg, event, false);
	if (begin)
		push_point(a, out, pp, arg, event, true);
}

static bool process_expand(struct session *s, const struct probe_point *pp, struct vec *out)
{
	if (is_thread_point(pp))
		return expand_thread(s, pp, out);
	const struct pp_component *c0 = comp_at(pp, 0), *c1 = comp_at(pp, 1);
	struct arena *a = &s->arena;
	bool wild = strchr(c0->name, '*') || strchr(c1->name, '*');
	if (c0->arg && c0->arg->kind == E_STR && !wild && !c1->arg) {
		/* process("PATH"): the program, found as stap finds it */
		struct expr *arg = process_program_arg(s, pp, c0);
		if (!arg)
			return pp->optional || pp->sufficient;
		push_points(a, out, pp, arg, c1->name, true);
		return true;
	}
	if (c0->arg && c0->arg->kind == E_NUM && !wild && !c1->arg) {
		/* process(PID): that process's end, or its begin now (it runs) */
		if (c0->arg->num <= 0 || c0->arg->num > INT32_MAX) {
			diag_error(c0->arg->loc, "semantic error: invalid process id");
			return false;
		}
		struct expr *arg = expr_new(a, E_NUM, c0->arg->loc);
		arg->num = c0->arg->num;
		push_points(a, out, pp, arg, c1->name, false);
		return true;
	}
	if (c0->arg) {
		/* Under a wildcard, the point just is not one of these. */
		if (wild)
			return true;
		struct strbuf text;
		sb_init(&text);
		pp_format(&text, pp);
		diag_error(c0->arg->loc, "semantic error: %s is not supported yet (only process.%s, "
			   "process(\"PATH\").%s and process(PID).%s)", text.s ? text.s : "", c1->name, c1->name,
			   c1->name);
		sb_free(&text);
		return false;
	}
	if (c1->arg) {
		if (wild)
			return true;
		diag_error(c1->arg->loc, "semantic error: process.%s takes no argument", c1->name);
		return false;
	}
	for (int i = 0; process_events[i]; i++)
		if (pp_glob_match(c1->name, process_events[i]))
			push_points(a, out, pp, NULL, process_events[i], true);
	return true;
}

struct expr *process_program_arg(struct session *s, const struct probe_point *pp, const struct pp_component *c0)
{
	const char *why;
	char *path = ubin_resolve_path(c0->arg->str, &why);
	/* found through $PATH and the working directory, which the script
	 * index's key does not cover */
	s->reads_user_binaries = true;
	if (!path) {
		if (!pp->optional && !pp->sufficient)
			diag_error(c0->arg->loc, "semantic error: cannot find process(\"%s\"): %s", c0->arg->str, why);
		return NULL;
	}
	struct expr *arg = expr_new(&s->arena, E_STR, c0->arg->loc);
	arg->str = arena_strdup(&s->arena, path);
	free(path);
	return arg;
}

/* process[("PATH")].thread.begin/.end: a new thread (not process) and the
 * end of a thread that is not its process's last. */
static bool expand_thread(struct session *s, const struct probe_point *pp, struct vec *out)
{
	const struct pp_component *c0 = comp_at(pp, 0), *c1 = comp_at(pp, 1), *c2 = comp_at(pp, 2);
	struct arena *a = &s->arena;
	struct expr *arg = NULL;
	if (c0->arg && c0->arg->kind != E_STR) {
		diag_error(c0->arg->loc, "semantic error: process(PID).thread.%s is not supported yet", c2->name);
		return false;
	}
	if (c0->arg && !(arg = process_program_arg(s, pp, c0)))
		return pp->optional || pp->sufficient;
	if (c1->arg || c2->arg) {
		diag_error(pp->loc, "semantic error: process.thread.%s takes no argument", c2->name);
		return false;
	}
	for (int i = 0; process_events[i]; i++) {
		if (!pp_glob_match(c2->name, process_events[i]))
			continue;
		struct probe_point *cp = arena_alloc(a, sizeof(*cp));
		*cp = *pp;
		cp->comps = (struct vec){0};
		vec_push(a, &cp->comps, pp_comp_new(a, "process", arg, c0->loc));
		vec_push(a, &cp->comps, pp_comp_new(a, "thread", NULL, c1->loc));
		vec_push(a, &cp->comps, pp_comp_new(a, process_events[i], NULL, c2->loc));
		vec_push(a, out, cp);
	}
	return true;
}

/* The scheduler's raw tracepoints pass task pointers: the runtime keeps
 * new processes (not threads) and process exits, and names the task the
 * body describes. */
static bool process_attach(struct session *s, struct probe *p, struct attach *out)
{
	bool thread = is_thread_point(p->resolved_point);
	bool begin = strcmp(pp_comp_name(p->resolved_point, thread ? 2 : 1), "begin") == 0;
	const struct pp_component *c0 = comp_at(p->resolved_point, 0);
	out->kind = ATTACH_RAW_TRACEPOINT;
	if (thread) {
		out->tracepoint.name = begin ? "sched_process_fork" : "sched_process_exit";
		out->filter = begin ? ATTACH_FILTER_THREAD_BEGIN : ATTACH_FILTER_THREAD_END;
		out->exe_path = c0->arg ? c0->arg->str : NULL;
		return true;
	}
	if (p->resolved_point->running) {
		/* the runner lists them; each fires on its first switch away */
		out->tracepoint.name = "sched_switch";
		out->filter = ATTACH_FILTER_PROCESS_RUNNING;
		if (c0->arg && c0->arg->kind == E_NUM)
			out->pid = c0->arg->num;
		else if (c0->arg)
			out->exe_path = c0->arg->str;
		return true;
	}
	out->tracepoint.name = begin ? "sched_process_fork" : "sched_process_exit";
	out->filter = begin ? ATTACH_FILTER_PROCESS_BEGIN : ATTACH_FILTER_PROCESS_END;
	if (c0->arg && c0->arg->kind == E_NUM) {
		out->pid = c0->arg->num;
	} else if (c0->arg) {
		out->exe_path = c0->arg->str;
		if (begin) {
			out->tracepoint.name = "sched_process_exec";
			out->filter = ATTACH_FILTER_PROCESS_EXEC;
		}
	}
	return true;
}

const struct provider provider_process = {
	.name = "process",
	.kernel_context = true,
	.claims = process_claims,
	.expand = process_expand,
	.resolve_target = provider_no_targets,
	.describe_vars = NULL,
	.attach = process_attach,
};
