/* Probe-point providers: one per family (begin/end/error, never, timer,
 * kernel.trace, ...). A provider knows which points are its own, how to
 * expand wildcards into concrete points, which target variables exist there
 * and their types, and how a probe there attaches (attach.h: in terms no
 * runtime owns; each runtime lowers it). */
#ifndef BTAP_PROVIDER_H
#define BTAP_PROVIDER_H

#include "attach.h"
#include "session.h"

struct provider {
	const char *name;     /* "begin", "timer", "kernel.trace", ... */
	/* Runs in kernel context (a BPF program) rather than in the runner. */
	bool kernel_context;
	/* Is this (alias-free) point of this family? Looks at names only. */
	bool (*claims)(const struct probe_point *pp);
	/* Validate and expand into concrete points (struct probe_point*)
	 * appended to out. Wildcards that match nothing add nothing and
	 * return true; a malformed point gets a located error and false. */
	bool (*expand)(struct session *s, const struct probe_point *pp, struct vec *out);
	/* Bind a target variable ($name with its components, or $$vars...)
	 * used in probe p: set e->type (and e->target_info). Return false if
	 * the variable does not exist there (the caller reports it). */
	bool (*resolve_target)(struct session *s, struct probe *p, struct expr *e);
	/* -L: describe the variables available at concrete point pp,
	 * "$name:type" separated by spaces. May be NULL (none). */
	void (*describe_vars)(struct session *s, const struct probe_point *pp, struct strbuf *out);
	/* How probe p (its resolved_point is one of this family's concrete
	 * points) attaches: fill *out. False after a located error. A kind
	 * out of attach_in_kernel() agrees with kernel_context. */
	bool (*attach)(struct session *s, struct probe *p, struct attach *out);
};

/* The registered providers, in match order; NULL-terminated. */
extern const struct provider *const providers[];
const struct provider *provider_for(const struct probe_point *pp);

/* Helpers for providers. */
/* A component for a concrete point a provider builds. */
struct pp_component *pp_comp_new(struct arena *a, const char *name, struct expr *arg, struct loc at);
/* resolve_target of a family without target variables. */
bool provider_no_targets(struct session *s, struct probe *p, struct expr *e);
/* Does a glob pattern with '*' match name? ("**" matches across dots) */
bool pp_glob_match(const char *pattern, const char *name);
/* A literal number argument (5, -1) of component i; 0 when there is none. */
int64_t pp_comp_num(const struct probe_point *pp, int i);
/* Component i's name, or NULL past the end. */
const char *pp_comp_name(const struct probe_point *pp, int i);
/* The program process("PATH") names, found as stap finds it, as an E_STR
 * argument for a concrete point; NULL (reported unless pp is optional)
 * when there is none (provider_process.c). */
/* Do kernel functions attach with kprobes (else fentry/fexit)? --kfunc, or
 * decided once from the target kernel's configuration (-v says why). */
bool kfunc_via_kprobes(struct session *s);
struct tp_field;
/* The 8-byte argument slots n parameters fill. */
int kfunc_slots(const struct tp_field *fields, int n);
/* $$vars, $$parms, $$locals and $$return at a function's arguments
 * (kernel functions, LSM hooks): binds e (E_TARGET_VARS) to an event whose
 * fields are the parameters (or only the "return" field), as
 * em_target_vars prints them; $$locals is empty (BTF has no locals).
 * False for another name. */
bool tp_bind_args_vars(struct session *s, const char *name, const struct tp_field *fields, int nfields,
		       struct expr *e);

/* A function's parameter by name ($file; $ctx for the first when
 * ctx_first), or $$vars/$$parms/$$locals/$$return over them. */
bool tp_bind_args(struct session *s, const struct tp_field *fields, int nfields, struct expr *e, bool ctx_first);
struct expr *process_program_arg(struct session *s, const struct probe_point *pp, const struct pp_component *c0);
/* perf counters (provider_perf.c): the counters of the user's script's
 * .counter("NAME") points, into s->perf_counters before anything is
 * expanded (false after a reported error); one by name, or NULL. */
bool perf_counters_declare(struct session *s);
struct perf_counter *perf_counter_named(struct session *s, const char *name);
/* Format a probe point as written: kernel.trace("sched:*").return */
void pp_format(struct strbuf *out, const struct probe_point *pp);

#endif
