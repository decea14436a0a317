/* -p2 output and the -l / -L listings. */
#include "elab_print.h"
#include "elab_internal.h"
#include "parser.h"
#include "printer.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

/* A function without a value prints as stap prints it: unknown. */
static const char *shown_type(enum type t)
{
	return t == TY_VOID ? "unknown" : type_name(t);
}

static void print_point_flags(struct strbuf *out, const struct probe_point *pp, bool with_cond)
{
	pp_format(out, pp);
	if (pp->optional)
		sb_putc(out, '?');
	if (pp->sufficient)
		sb_putc(out, '!');
	if (with_cond && pp->cond) {
		sb_puts(out, " if (");
		print_expr(out, pp->cond);
		sb_putc(out, ')');
	}
}

static void print_point_list(struct strbuf *out, const struct vec *points, bool with_cond)
{
	VEC_FOREACH(*points, i) {
		if (i)
			sb_putc(out, ',');
		print_point_flags(out, VEC_AT(*points, i, struct probe_point *), with_cond);
	}
}

static void print_var(struct strbuf *out, const struct vardecl *v)
{
	sb_printf(out, "%s:%s", v->name, type_name(v->type));
	if (v->arity > 0) {
		sb_puts(out, " [");
		for (int k = 0; k < v->arity && k < MAX_ARRAY_KEYS; k++)
			sb_printf(out, "%s%s", k ? ", " : "", type_name(v->key_types[k]));
		sb_putc(out, ']');
	}
}

static void print_locals(struct strbuf *out, const struct vec *locals)
{
	if (!locals->n)
		return;
	sb_puts(out, "  # locals\n");
	VEC_FOREACH(*locals, i) {
		sb_puts(out, "  ");
		print_var(out, VEC_AT(*locals, i, struct vardecl *));
		sb_putc(out, '\n');
	}
}

static void print_body(struct strbuf *out, const struct stmt *body)
{
	if (!body)
		return;
	print_stmt(out, body, 0);
	if (out->len && out->s[out->len - 1] != '\n')
		sb_putc(out, '\n');
}

static void print_globals(struct strbuf *out, const struct program *prog)
{
	if (!prog->globals.n)
		return;
	sb_puts(out, "# globals\n");
	VEC_FOREACH(prog->globals, i) {
		const struct vardecl *v = VEC_AT(prog->globals, i, struct vardecl *);
		print_var(out, v);
		if (v->init) {
			sb_puts(out, " = ");
			print_expr(out, v->init);
		}
		sb_putc(out, '\n');
	}
}

static void print_functions(struct strbuf *out, const struct program *prog, bool bodies)
{
	if (!prog->functions.n)
		return;
	sb_puts(out, "# functions\n");
	VEC_FOREACH(prog->functions, i) {
		const struct funcdecl *f = VEC_AT(prog->functions, i, struct funcdecl *);
		sb_printf(out, "%s:%s (", f->name, shown_type(f->ret));
		VEC_FOREACH(f->params, k) {
			const struct vardecl *p = VEC_AT(f->params, k, struct vardecl *);
			sb_printf(out, "%s%s:%s", k ? ", " : "", p->name, type_name(p->type));
		}
		sb_puts(out, ")\n");
		print_locals(out, &f->locals);
		if (!bodies)
			continue;
		if (f->embedded)
			sb_printf(out, "%%{%s%%}\n", f->embedded);
		else
			print_body(out, f->body);
	}
}

/* `begin` then a comment holding `<- foo = begin <- foo`: the point, each
 * alias from the innermost out, then the script's own probe points. (A
 * process begin's twin for the running processes says so first.) */
static void print_derivation(struct strbuf *out, const struct probe *d)
{
	print_point_flags(out, d->resolved_point, false);
	sb_puts(out, d->resolved_point->running ? " /* the processes already running <- " : " /* <- ");
	for (int i = d->alias_chain.n - 1; i >= 0; i--) {
		const struct probe_alias *a = VEC_AT(d->alias_chain, i, struct probe_alias *);
		print_point_list(out, &a->aliases, false);
		sb_puts(out, a->epilogue ? " += " : " = ");
		print_point_list(out, &a->points, true);
		sb_puts(out, " <- ");
	}
	if (d->origin)
		print_point_list(out, &d->origin->points, true);
	sb_puts(out, " */\n");
}

void elab_print_program_ex(struct strbuf *out, const struct session *s, bool bodies)
{
	const struct program *prog = &s->prog;
	if (prog->embeds.n) {
		sb_puts(out, "# global embedded code\n");
		VEC_FOREACH(prog->embeds, i) {
			const struct embedded_block *b = VEC_AT(prog->embeds, i, struct embedded_block *);
			sb_printf(out, "%%{%s%%}\n", b->code ? b->code : "");
		}
	}
	print_globals(out, prog);
	print_functions(out, prog, bodies);
	if (!prog->probes.n)
		return;
	sb_puts(out, "# probes\n");
	VEC_FOREACH(prog->probes, i) {
		const struct probe *d = VEC_AT(prog->probes, i, struct probe *);
		print_derivation(out, d);
		print_locals(out, &d->locals);
		if (bodies)
			print_body(out, d->body);
	}
}

void elab_print_program(struct strbuf *out, const struct session *s)
{
	elab_print_program_ex(out, s, s->verbose > 0);
}

/* ---- -l / -L --------------------------------------------------------- */

static void alias_vars(struct elab *x, struct probe *d, struct strbuf *line)
{
	VEC_FOREACH(d->locals, i) {
		const struct vardecl *v = VEC_AT(d->locals, i, struct vardecl *);
		if (strncmp(v->name, "__", 2) == 0 || v->type == TY_UNKNOWN)
			continue;
		sb_printf(line, " %s:%s", v->name, type_name(v->type));
	}
}

static void provider_vars(struct elab *x, const struct provider *p, const struct probe_point *pp,
			  struct strbuf *line)
{
	if (!p || !p->describe_vars)
		return;
	struct strbuf b;
	sb_init(&b);
	p->describe_vars(x->s, pp, &b);
	if (b.len)
		sb_printf(line, " %s", b.s);
	sb_free(&b);
}

static int cmp_line(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

struct listed {
	struct list_match *m;
	struct probe *d; /* first derived probe of an alias */
};

void list_probe_points(struct session *s, const char *pattern, bool with_vars, struct strbuf *out)
{
	const char *text = pattern ? pattern : "";
	struct vec points = {0};
	if (!parse_point_pattern(&s->arena, src_register("<pattern>", text, strlen(text), false), &s->pp,
				 &points)) {
		diag_plain_error("invalid probe point pattern '%s'", text);
		return;
	}
	struct elab x;
	elab_init(&x, s, true);
	elab_index_session(&x);
	struct vec matches = {0}, listed = {0};
	VEC_FOREACH(points, i)
		elab_match_for_listing(&x, VEC_AT(points, i, struct probe_point *), &matches);
	VEC_FOREACH(matches, i) {
		struct list_match *m = VEC_AT(matches, i, struct list_match *);
		struct listed *l = arena_alloc(x.a, sizeof(*l));
		l->m = m;
		if (m->is_alias) {
			struct vec dv = {0};
			elab_derive_alias_for_listing(&x, m->alias, &dv);
			if (!dv.n)
				continue;
			l->d = VEC_AT(dv, 0, struct probe *);
		}
		vec_push(x.a, &listed, l);
	}
	if (with_vars) {
		struct vec probes = {0};
		VEC_FOREACH(listed, i) {
			struct listed *l = VEC_AT(listed, i, struct listed *);
			if (l->d) {
				elab_resolve_probe(&x, l->d);
				vec_push(x.a, &probes, l->d);
			}
		}
		struct vec none = {0};
		elab_run_queues(&x, &none);
		elab_infer_types(&x, &probes, &x.used_funcs);
	}

	char **lines = xcalloc((size_t)listed.n + 1, sizeof(char *));
	int n = 0;
	VEC_FOREACH(listed, i) {
		struct listed *l = VEC_AT(listed, i, struct listed *);
		struct strbuf line;
		sb_init(&line);
		pp_format(&line, l->m->point);
		if (with_vars && l->d) {
			alias_vars(&x, l->d, &line);
			provider_vars(&x, l->d->provider, l->d->resolved_point, &line);
		} else if (with_vars) {
			provider_vars(&x, l->m->prov, l->m->point, &line);
		}
		lines[n++] = sb_steal(&line);
	}
	if (n)
		qsort(lines, (size_t)n, sizeof(char *), cmp_line);
	for (int i = 0; i < n; i++)
		if (i == 0 || strcmp(lines[i], lines[i - 1]) != 0)
			sb_printf(out, "%s\n", lines[i]);
	for (int i = 0; i < n; i++)
		free(lines[i]);
	free(lines);
}
