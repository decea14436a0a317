/* syscall.NAME and syscall.NAME.return for every system call the running
 * kernel traces and tapset/syscalls.stp leaves out (with nd_syscall twins),
 * generated from the syscalls:sys_enter_NAME / sys_exit_NAME tracepoints
 * as tapset text and parsed like the library: a variable per argument,
 * named as the kernel names it, `argstr` with strings quoted and pointers
 * in hex, `retval` and `retstr`. Only what a probe point may name is
 * generated, the first time a point asks: `syscall.openat` (written by
 * hand) costs nothing, `syscall.*` lists every event once. */
#include "elab_internal.h"

#include "lexer.h"
#include "parser.h"
#include "provider.h"
#include "tracepoints.h"

#include <string.h>

#define ENTER "sys_enter_"

/* Does the library (or an earlier generation) have syscall.NAME[.return]? */
static bool has_alias(struct elab *x, const char *name, bool ret)
{
	const struct vec *syscalls = elab_aliases_of(x, "syscall");
	VEC_FOREACH(*syscalls, i) {
		const struct probe_point *n = VEC_AT(*syscalls, i, struct alias_name *)->name;
		if (n->comps.n == (ret ? 3 : 2) && strcmp(pp_comp_name(n, 0), "syscall") == 0 &&
		    strcmp(pp_comp_name(n, 1), name) == 0 && (!ret || strcmp(pp_comp_name(n, 2), "return") == 0))
			return true;
	}
	return false;
}

static bool generated(struct elab *x, const char *name)
{
	VEC_FOREACH(x->syscalls_generated, i)
		if (strcmp(VEC_AT(x->syscalls_generated, i, const char *), name) == 0)
			return true;
	return false;
}

/* Is there a sys_exit_NAME among the listed events? */
static bool has_exit(const struct vec *exits, const char *name)
{
	VEC_FOREACH(*exits, i) {
		const struct tp_event *ev = VEC_AT(*exits, i, const struct tp_event *);
		if (strncmp(ev->name, "sys_exit_", 9) == 0 && strcmp(ev->name + 9, name) == 0)
			return true;
	}
	return false;
}

/* A string argument: a char pointer whose name says it is a path or name. */
static bool is_string_arg(const struct tp_field *f)
{
	return f->kind == TP_FIELD_POINTER && f->elem_ctype && strstr(f->elem_ctype, "char") &&
	       (strstr(f->name, "name") || strstr(f->name, "path") || strstr(f->name, "file"));
}

static void entry_alias(struct elab *x, struct strbuf *b, const struct tp_event *ev, const char *name)
{
	struct strbuf fmt, args;
	sb_init(&fmt);
	sb_init(&args);
	sb_printf(b, "probe syscall.%s = kernel.trace(\"syscalls:%s\") {\n\tname = \"%s\"\n", name, ev->name, name);
	for (int i = 0; i < ev->nfields; i++) {
		const struct tp_field *f = &ev->fields[i];
		if (f->is_common || strcmp(f->name, "__syscall_nr") == 0 || f->kind == TP_FIELD_OTHER)
			continue;
		/* a variable per argument, unless its name is taken (by the
		 * alias's own, a keyword, or a global of the library: execveat's
		 * argv is the script's arguments' array); a path or a name as
		 * the quoted string, its address in X_uaddr (as stap's
		 * delete_module's name_user) */
		if (strcmp(f->name, "name") != 0 && strcmp(f->name, "argstr") != 0 && !lexer_is_keyword(f->name) &&
		    !elab_global_first(x, f->name)) {
			if (is_string_arg(f))
				sb_printf(b, "\t%s_uaddr = $%s\n\t%s = user_string_quoted(%s_uaddr)\n", f->name, f->name,
					  f->name, f->name);
			else
				sb_printf(b, "\t%s = $%s\n", f->name, f->name);
		}
		sb_puts(&fmt, fmt.len ? ", " : "");
		if (is_string_arg(f)) {
			sb_puts(&fmt, "%s");
			sb_printf(&args, ", user_string_quoted($%s)", f->name);
		} else {
			sb_puts(&fmt, f->kind == TP_FIELD_POINTER ? "%p" : f->val_signed ? "%d" : "%u");
			sb_printf(&args, ", $%s", f->name);
		}
	}
	if (fmt.len)
		sb_printf(b, "\targstr = sprintf(\"%s\"%s)\n", fmt.s, args.s);
	else
		sb_puts(b, "\targstr = \"\"\n");
	sb_printf(b, "}\nprobe nd_syscall.%s = syscall.%s { }\n", name, name);
	sb_free(&fmt);
	sb_free(&args);
}

static void return_alias(struct strbuf *b, const char *name)
{
	sb_printf(b,
		  "probe syscall.%s.return = kernel.trace(\"syscalls:sys_exit_%s\") {\n"
		  "\tname = \"%s\"\n\tretval = $ret\n\tretstr = return_str(1, retval)\n}\n"
		  "probe nd_syscall.%s.return = syscall.%s.return { }\n",
		  name, name, name, name, name);
}

void elab_generate_syscalls(struct elab *x, const struct probe_point *pp)
{
	const char *c0 = pp_comp_name(pp, 0), *c1 = pp->comps.n > 1 ? pp_comp_name(pp, 1) : NULL;
	if (!c0 || !c1 || (!pp_glob_match(c0, "syscall") && !pp_glob_match(c0, "nd_syscall")))
		return;
	/* what the library writes by hand, both families (has_alias) */
	elab_tapset_need(x, TAPSET_ALIAS, "syscall");
	elab_tapset_need(x, TAPSET_ALIAS, "nd_syscall");
	bool wild = strpbrk(c1, "*?[") != NULL;
	if (!wild && (has_alias(x, c1, false) || generated(x, c1)))
		return; /* the common case: a system call the library has */
	struct session *s = x->s;
	struct vec events = {0}, exits = {0};
	if (tp_list(x->a, arena_printf(x->a, "syscalls:" ENTER "%s", c1), &events) <= 0)
		return;
	tp_list(x->a, arena_printf(x->a, "syscalls:sys_exit_%s", c1), &exits);
	struct strbuf text;
	sb_init(&text);
	VEC_FOREACH(events, i) {
		struct tp_event *ev = VEC_AT(events, i, struct tp_event *);
		const char *name = ev->name + strlen(ENTER);
		if (strncmp(ev->name, ENTER, strlen(ENTER)) != 0 || generated(x, name))
			continue;
		/* the library's alias of another name covers it (syscall.pread
		 * is sys_enter_pread64): no second alias, as in stap */
		if (elab_syscall_event_has_alias(x, ev->name))
			continue;
		vec_push(x->a, &x->syscalls_generated, (void *)arena_strdup(x->a, name));
		if (!has_alias(x, name, false) && tp_event_load_fields(x->a, ev))
			entry_alias(x, &text, ev, name);
		if (!has_alias(x, name, true) && has_exit(&exits, name))
			return_alias(&text, name);
	}
	if (text.len) {
		const char *t = arena_strdup(x->a, text.s);
		struct src_file *f = src_register("<system calls from the kernel's tracepoints>", t, strlen(t), true);
		struct stapfile *sf = parse_file(&s->arena, f, &s->pp, true);
		if (sf) {
			vec_push(x->a, &s->tapset_files, sf);
			elab_index_file(x, sf);
		}
	}
	sb_free(&text);
}
