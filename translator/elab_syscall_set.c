/* `probe syscall.*` as one program instead of hundreds.
 *
 * A wildcard over the system call aliases expands to one derived probe per
 * system call: hundreds of programs to compile, attach and detach, each on
 * its own tracepoint. When the probe's body reads nothing of the aliases
 * but `name` (and `retval` in .return), every one of those probes would do
 * the same thing, so they become a single probe on raw_syscalls:sys_enter
 * (sys_exit) that keeps only the calls the wildcard names (a bitmap over
 * the call numbers) and sets `name` exactly as each alias would. Calls
 * whose number cannot be told from their tracepoint's name stay probes of
 * their own. The body decides: anything else it reads (argstr, arguments,
 * $targets, @entry, pp()) keeps the per-call probes. */
#include "elab_internal.h"

#include "parser.h"
#include "runtime/btap_syscall_names.h"
#include "syscall_nr.h"
#include "tracepoints.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* Fewer calls than this are cheap enough as probes of their own. */
#define MIN_CALLS 16
#define MAX_NR SYSCALL_NR_MAX

struct call {
	int nr;
	const char *name;     /* what the alias sets `name` to */
	const char *point;    /* the exact point, when kept apart */
	bool apart;
};

/* ---- may the body be shared by every call? ----------------------------- */

struct body_check {
	struct elab *x;
	bool ret;
	bool ok;
	int depth;
};

static bool reads_probe_identity(const char *fn)
{
	static const char *const names[] = {"pp", "pn", "ppfunc", "probefunc", "probemod", "probe_type", NULL};
	for (int i = 0; names[i]; i++)
		if (strcmp(fn, names[i]) == 0)
			return true;
	return false;
}

static bool check_stmt(struct body_check *c, struct stmt *s);

static enum ast_step check_expr(struct expr *e, void *ctx)
{
	struct body_check *c = ctx;
	switch (e->kind) {
	case E_TARGET:
	case E_TARGET_VARS:
	case E_ENTRY:
	case E_DEFINED:
	case E_ATVAR:
	case E_EMBEDDED:
		c->ok = false;
		return AST_STOP;
	case E_VAR:
		if (strcmp(e->str, "name") == 0 || (c->ret && strcmp(e->str, "retval") == 0) ||
		    elab_global_first(c->x, e->str))
			return AST_DESCEND;
		c->ok = false; /* a local: perhaps one of the alias's */
		return AST_STOP;
	case E_CALL:
		if (reads_probe_identity(e->str)) {
			c->ok = false;
			return AST_STOP;
		}
		/* what a function calls may ask for the probe point too */
		for (struct symtab_entry *f = elab_function_first(c->x, e->str); f && c->ok;
		     f = elab_symtab_next(f)) {
			if (++c->depth > 16) {
				c->ok = false;
				break;
			}
			struct funcdecl *fd = f->decl;
			struct body_check inner = {c->x, c->ret, true, c->depth};
			if (fd->body && !check_stmt(&inner, fd->body))
				c->ok = false;
			c->depth--;
		}
		return c->ok ? AST_DESCEND : AST_STOP;
	default:
		return AST_DESCEND;
	}
}

/* In a function body, locals are the function's own: only calls matter. */
static enum ast_step check_func_expr(struct expr *e, void *ctx)
{
	return e->kind == E_CALL ? check_expr(e, ctx) : AST_DESCEND;
}

static bool check_stmt(struct body_check *c, struct stmt *s)
{
	struct ast_visitor v = {.expr_pre = check_func_expr, .ctx = c};
	ast_walk_stmt(&v, s);
	return c->ok;
}

static bool body_shareable(struct elab *x, struct probe *p, bool ret)
{
	struct body_check c = {x, ret, true, 0};
	struct ast_visitor v = {.expr_pre = check_expr, .ctx = &c};
	ast_walk_stmt(&v, p->body);
	return c.ok;
}

/* ---- which calls, by number ------------------------------------------ */

static const char *str_arg(const struct probe_point *pp, int i)
{
	const struct pp_component *c = VEC_AT(pp->comps, i, const struct pp_component *);
	return c->arg && c->arg->kind == E_STR ? c->arg->str : NULL;
}

/* The tracepoint event an alias attaches to, if it is just one
 * kernel.trace("syscalls:EVENT") with no condition. */
static const char *alias_event(const struct probe_alias *a)
{
	if (a->points.n != 1 || a->epilogue || a->epilogue_body)
		return NULL;
	const struct probe_point *t = VEC_AT(a->points, 0, const struct probe_point *);
	if (t->cond || t->comps.n != 2 || strcmp(pp_comp_name(t, 0), "kernel") != 0 ||
	    strcmp(pp_comp_name(t, 1), "trace") != 0)
		return NULL;
	const char *ev = str_arg(t, 1);
	return ev && strncmp(ev, "syscalls:", 9) == 0 ? ev + 9 : NULL;
}

static enum ast_step find_next(struct stmt *s, void *ctx)
{
	if (s->kind == S_NEXT || s->kind == S_EMBEDDED) {
		*(bool *)ctx = true;
		return AST_STOP;
	}
	return AST_DESCEND;
}

/* The literal `name = "..."` of an alias body with no `next`, or NULL. */
static const char *alias_name_literal(const struct probe_alias *a)
{
	bool filters = false;
	struct ast_visitor v = {.stmt_pre = find_next, .ctx = &filters};
	ast_walk_stmt(&v, a->body);
	if (filters || !a->body || a->body->kind != S_BLOCK)
		return NULL;
	VEC_FOREACH(a->body->stmts, i) {
		const struct stmt *s = VEC_AT(a->body->stmts, i, const struct stmt *);
		const struct expr *e = s->kind == S_EXPR ? s->expr : NULL;
		if (e && e->kind == E_ASSIGN && strcmp(e->op, "=") == 0 && e->left->kind == E_VAR &&
		    strcmp(e->left->str, "name") == 0 && e->right->kind == E_STR)
			return e->right->str;
	}
	return NULL;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* A library alias syscall.NAME[.return] on the event, if there is one.
 * Asked once per kernel event (hundreds): a sorted list, rebuilt only
 * when library files parsed since have added aliases. */
bool elab_syscall_event_has_alias(struct elab *x, const char *event)
{
	const struct vec *syscalls = elab_aliases_of(x, "syscall");
	if (!x->alias_events || x->alias_events_of != syscalls->n) {
		x->alias_events = arena_alloc(x->a, sizeof(char *) * (syscalls->n + 1));
		x->nalias_events = 0;
		VEC_FOREACH(*syscalls, i) {
			const char *ev = alias_event(VEC_AT(*syscalls, i, const struct alias_name *)->alias);
			if (ev)
				x->alias_events[x->nalias_events++] = ev;
		}
		qsort(x->alias_events, (size_t)x->nalias_events, sizeof(char *), cmp_str);
		x->alias_events_of = syscalls->n;
	}
	return bsearch(&event, x->alias_events, (size_t)x->nalias_events, sizeof(char *), cmp_str) != NULL;
}

static struct call *new_call(struct elab *x, struct vec *calls, int nr, const char *name, const char *point)
{
	struct call *c = arena_alloc(x->a, sizeof *c);
	c->nr = nr;
	c->name = name;
	c->point = point;
	c->apart = nr < 0 || !name;
	vec_push(x->a, calls, c);
	return c;
}

/* Every call the point names: the library's aliases, then the kernel's
 * other syscalls tracepoints (those elab_syscalls.c generates aliases
 * for). */
static void list_calls(struct elab *x, const struct probe_point *pp, bool ret, struct vec *calls)
{
	const char *pattern = pp_comp_name(pp, 1);
	const char *prefix = ret ? "sys_exit_" : "sys_enter_";
	const char *suffix = ret ? ".return" : "";
	const struct vec *syscalls = elab_aliases_of(x, "syscall");
	VEC_FOREACH(*syscalls, i) {
		const struct alias_name *an = VEC_AT(*syscalls, i, const struct alias_name *);
		const struct probe_point *n = an->name;
		if (an->alias->is_private || n->comps.n != (ret ? 3 : 2) ||
		    strcmp(pp_comp_name(n, 0), "syscall") != 0 || !pp_glob_match(pattern, pp_comp_name(n, 1)) ||
		    (ret && strcmp(pp_comp_name(n, 2), "return") != 0))
			continue;
		const char *point = arena_printf(x->a, "syscall.%s%s", pp_comp_name(n, 1), suffix);
		const char *ev = alias_event(an->alias);
		bool on_call = ev && strncmp(ev, prefix, strlen(prefix)) == 0;
		new_call(x, calls, on_call ? syscall_number(ev + strlen(prefix)) : -1,
			 on_call ? alias_name_literal(an->alias) : NULL, point);
	}
	/* the library's points, sorted: an event's generated point of the
	 * same name is left out (hundreds of events) */
	int nlib = calls->n;
	const char **lib = arena_alloc(x->a, sizeof(char *) * (size_t)(nlib + 1));
	for (int i = 0; i < nlib; i++)
		lib[i] = VEC_AT(*calls, i, const struct call *)->point;
	qsort(lib, (size_t)nlib, sizeof(char *), cmp_str);
	struct vec events = {0};
	tp_list(x->a, arena_printf(x->a, "syscalls:%s%s", prefix, pattern), &events);
	VEC_FOREACH(events, i) {
		const struct tp_event *ev = VEC_AT(events, i, const struct tp_event *);
		if (strncmp(ev->name, prefix, strlen(prefix)) != 0 || elab_syscall_event_has_alias(x, ev->name))
			continue;
		const char *call = ev->name + strlen(prefix);
		const char *point = arena_printf(x->a, "syscall.%s%s", call, suffix);
		if (!bsearch(&point, lib, (size_t)nlib, sizeof(char *), cmp_str)) /* the library's alias wins */
			new_call(x, calls, syscall_number(call), call, point);
	}
}

/* ---- the shared probe -------------------------------------------------- */

static struct probe_point *point_of(struct elab *x, const char *text, const struct probe_point *like)
{
	struct probe_point *pp = arena_alloc(x->a, sizeof *pp);
	pp->loc = like->loc;
	pp->optional = like->optional;
	pp->sufficient = like->sufficient;
	char *t = arena_strdup(x->a, text);
	for (char *save = NULL, *c = strtok_r(t, ".", &save); c; c = strtok_r(NULL, ".", &save)) {
		struct pp_component *pc = arena_alloc(x->a, sizeof *pc);
		pc->name = c;
		pc->loc = like->loc;
		vec_push(x->a, &pp->comps, pc);
	}
	return pp;
}

/* The alias and its two functions, as library text. */
static void set_text(struct strbuf *b, const char *id, bool ret, const struct vec *calls)
{
	uint64_t words[MAX_NR / 64] = {0};
	VEC_FOREACH(*calls, i) {
		const struct call *c = VEC_AT(*calls, i, const struct call *);
		if (!c->apart)
			words[c->nr / 64] |= (uint64_t)1 << (c->nr % 64);
	}
	sb_printf(b, "probe %s = kernel.trace(\"raw_syscalls:%s\") {\n"
		     "\tif (!%s_has($id)) next\n\tname = %s_name($id)\n%s}\n",
		  id, ret ? "sys_exit" : "sys_enter", id, id, ret ? "\tretval = $ret\n" : "");
	sb_printf(b, "function %s_has:long(nr:long) {\n\tif (nr < 0) return 0\n", id);
	for (int w = 0; w < MAX_NR / 64; w++)
		sb_printf(b, "\tif (nr < %d) return (%lld >> (nr - %d)) & 1\n", 64 * (w + 1),
			  (long long)words[w], 64 * w);
	sb_printf(b, "\treturn 0\n}\nfunction %s_name:string(nr:long) {\n", id);
	VEC_FOREACH(*calls, i) {
		const struct call *c = VEC_AT(*calls, i, const struct call *);
		if (!c->apart && strcmp(c->name, btap_syscall_names[c->nr]) != 0)
			sb_printf(b, "\tif (nr == %d) return \"%s\"\n", c->nr, c->name);
	}
	sb_puts(b, "\treturn syscall_name(nr)\n}\n");
}

bool elab_syscall_set(struct elab *x, struct probe *p, const struct probe_point *pp, struct vec *points)
{
	int n = pp->comps.n;
	if (n < 2 || n > 3)
		return false;
	const char *c0 = pp_comp_name(pp, 0), *c1 = pp_comp_name(pp, 1);
	if (!c0 || !c1 || (strcmp(c0, "syscall") != 0 && strcmp(c0, "nd_syscall") != 0) ||
	    !strchr(c1, '*') || strcmp(c1, "**") == 0)
		return false;
	VEC_FOREACH(pp->comps, i)
		if (VEC_AT(pp->comps, i, const struct pp_component *)->arg)
			return false;
	bool ret = n == 3;
	if (ret && strcmp(pp_comp_name(pp, 2), "return") != 0)
		return false;
	if (!body_shareable(x, p, ret))
		return false;

	struct vec calls = {0};
	list_calls(x, pp, ret, &calls);
	/* one number, one probe: a second alias on the same call stays apart */
	bool taken[MAX_NR] = {0};
	int shared = 0;
	VEC_FOREACH(calls, i) {
		struct call *c = VEC_AT(calls, i, struct call *);
		if (!c->apart && (c->nr >= MAX_NR || taken[c->nr]))
			c->apart = true;
		if (!c->apart) {
			taken[c->nr] = true;
			shared++;
		}
	}
	if (shared < MIN_CALLS)
		return false;

	const char *id = arena_printf(x->a, "__btap_syscall_set_%d", x->syscall_sets++);
	struct strbuf text;
	sb_init(&text);
	set_text(&text, id, ret, &calls);
	const char *t = arena_strdup(x->a, text.s);
	sb_free(&text);
	struct src_file *f = src_register("<system calls shared by one probe>", t, strlen(t), true);
	struct stapfile *sf = parse_file(&x->s->arena, f, &x->s->pp, true);
	if (!sf)
		return false;
	vec_push(x->a, &x->s->tapset_files, sf);
	elab_index_file(x, sf);
	vec_push(x->a, points, point_of(x, id, pp));
	VEC_FOREACH(calls, i) {
		const struct call *c = VEC_AT(calls, i, const struct call *);
		if (c->apart)
			vec_push(x->a, points, point_of(x, c->point, pp));
	}
	return true;
}
