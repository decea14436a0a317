/* Pass 3: printing and statistics.
 *
 * Every print/println/printd/printf becomes one format of the
 * descriptor's table (print(x) is "%d" or "%s", println adds "\n", printd
 * puts the delimiter between the arguments) and one output call: in the
 * runner ops->print with rt_arg values, in kernel context an output record
 * of constant size (btap_rec_hdr, then 8 bytes a long, MAXSTRINGLEN a
 * string). sprintf is ops->format in the runner and the kernel's own
 * formatter in kernel context, through the runtime's dialect
 * (format_prepare, for the conversions that formatter understands). */
#include "emit_internal.h"

#include "runtime/format.h"
#include "runtime/stats.h"

#include <inttypes.h>
#include <string.h>

#define EM_MAX_PRINT_ARGS 32

int em_format_id(struct emitter *em, const char *text)
{
	VEC_FOREACH(em->formats, i)
		if (strcmp(VEC_AT(em->formats, i, const char *), text) == 0)
			return i;
	vec_push(em->a, &em->formats, arena_strdup(em->a, text));
	return em->formats.n - 1;
}

void em_put_format_text(struct strbuf *b, const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (s[i] == '%')
			sb_putc(b, '%');
		sb_putc(b, s[i]);
	}
}

/* Output one record / runner print of fmt with the given values. */
static void emit_print(struct em_fn *f, const char *fmt, struct em_print_arg *args, int n)
{
	int id = em_format_id(f->em, fmt);
	int size = 8;
	for (int i = 0; i < n; i++)
		size += args[i].str ? f->em->msl : 8;
	em_line(f, "BTAP_PRINT_BEGIN(c, %d, %d, %d)", id, n, size);
	int off = 8;
	f->indent++;
	for (int i = 0; i < n; i++) {
		em_line(f, "BTAP_PRINT_%s(c, %d, %d, %s)", args[i].str ? "STR" : "LONG", i, off, args[i].val);
		off += args[i].str ? f->em->msl : 8;
	}
	f->indent--;
	em_line(f, "BTAP_PRINT_END(c)");
}

void em_sprint_plain_arg(struct em_fn *f, int i, const struct em_print_arg *a)
{
	em_line(f, "BTAP_SPRINTF_%s(%d, %s)", a->str ? "STR" : "LONG", i, a->val);
}

/* sprintf-like: the formatted string in a temporary. */
static const char *emit_sprint(struct em_fn *f, struct expr *e, const char *fmt, struct em_print_arg *args,
			       int n)
{
	const char *dst = em_tmp_str(f);
	struct rt_fmt_spec specs[64];
	int ns = rt_format_parse(fmt, specs, 64);
	bool literal = ns >= 0 && ns <= 64 && n == 0;
	for (int i = 0; literal && i < ns; i++)
		if (specs[i].conv != RT_FMT_LITERAL)
			literal = false;
	if (literal) {
		/* no conversions: the text itself, '%%' undone */
		struct strbuf b;
		sb_init(&b);
		for (int i = 0; i < ns; i++)
			sb_putn(&b, specs[i].text, specs[i].len);
		size_t len = b.len > (size_t)f->em->msl - 1 ? (size_t)f->em->msl - 1 : b.len;
		struct strbuf line;
		sb_init(&line);
		sb_printf(&line, "btap_str_lit(%s, ", dst);
		em_c_string(&line, b.s ? b.s : "", len);
		sb_puts(&line, ");");
		em_line(f, "%s", line.s);
		sb_free(&line);
		sb_free(&b);
		return dst;
	}
	/* In kernel context the runtime's formatter has its own dialect; the
	 * runner formats the script's format itself (by id). */
	const char *kfmt = "";
	void *plan = NULL;
	if (em_in_kernel(f)) {
		plan = f->em->rt->format_prepare(f, e->loc, fmt, n, &kfmt);
		if (!plan)
			return dst;
	}
	int id = em_format_id(f->em, fmt);
	struct strbuf line;
	sb_init(&line);
	sb_printf(&line, "BTAP_SPRINTF_BEGIN(c, %d, %d, ", id, n);
	em_c_string(&line, kfmt, strlen(kfmt));
	sb_puts(&line, ")");
	em_line(f, "%s", line.s);
	sb_free(&line);
	f->indent++;
	for (int i = 0; i < n; i++) {
		if (plan)
			f->em->rt->format_arg(f, plan, i, args);
		else
			em_sprint_plain_arg(f, i, &args[i]);
	}
	f->indent--;
	em_line(f, "BTAP_SPRINTF_END(c, %s)", dst);
	return dst;
}

/* print(@hist_*(x)): in the runner straight from the maps; in a kernel
 * probe the buckets are merged over the CPUs there and sent as one record
 * the runner prints with the same printer. */
static void emit_hist(struct em_fn *f, struct expr *h)
{
	const char *key = NULL;
	struct em_map *m = em_stats_map_of(f, h->operand, &key);
	if (!m) {
		diag_error(h->loc, "a histogram needs a statistic");
		return;
	}
	int site = em_site(f->em, h->loc, arena_printf(f->em->a, "operator '@%s'", h->op ? h->op : "hist"));
	em_line(f, "btap_print_hist(c, BTAP_MAPREF(%s, %d), %s, %d, %d, %d);", m->sym, m->id, key, m->nbuckets,
		m->id, site);
	em_err_check(f, site);
}

static bool later_effects(struct vec *args, int from)
{
	for (int i = from; i < args->n; i++)
		if (em_has_effects(VEC_AT(*args, i, struct expr *)))
			return true;
	return false;
}

/* print/println/printd/printdln with a histogram among the arguments:
 * each argument on its own. */
static void print_each(struct em_fn *f, struct expr *e, int first, const char *delim, bool ln)
{
	for (int i = first; i < e->args.n; i++) {
		struct expr *a = VEC_AT(e->args, i, struct expr *);
		if (i > first && delim && delim[0]) {
			struct strbuf d;
			sb_init(&d);
			em_put_format_text(&d, delim, strlen(delim));
			emit_print(f, d.s, NULL, 0);
			sb_free(&d);
		}
		if (a->kind == E_HIST) {
			emit_hist(f, a);
			continue;
		}
		struct em_print_arg pa = {em_expr(f, a), a->type == TY_STRING};
		emit_print(f, pa.str ? "%s" : "%d", &pa, 1);
	}
	if (ln)
		emit_print(f, "\n", NULL, 0);
}

const char *em_print_call(struct em_fn *f, struct expr *e)
{
	const char *name = e->str ? e->str : "";
	bool is_s = name[0] == 's';
	const char *base = is_s ? name + 1 : name;
	bool is_printf = !strcmp(base, "printf");
	bool is_d = !strcmp(base, "printd") || !strcmp(base, "printdln");
	bool ln = !strcmp(base, "println") || !strcmp(base, "printdln");
	if (!is_printf && !is_d && strcmp(base, "print") != 0 && strcmp(base, "println") != 0) {
		diag_error(e->loc, "unknown function '%s'", name);
		return "0";
	}
	int first = is_printf || is_d ? 1 : 0;
	/* Pass 2 checked the format or delimiter (a literal, a valid format,
	 * its arguments' number and types): what it let through is right. */
	struct expr *fe = first && e->args.n ? VEC_AT(e->args, 0, struct expr *) : NULL;
	if (first && (!fe || fe->kind != E_STR)) {
		diag_error(e->loc, "a bug in btap: %s without a literal %s after pass 2", name,
			   is_printf ? "format" : "delimiter");
		return "0";
	}
	size_t litlen = 0;
	const char *lit = fe ? em_decode_str(f->em->a, fe->str, &litlen) : NULL;
	int nargs = e->args.n - first;
	if (nargs > EM_MAX_PRINT_ARGS) {
		diag_error(e->loc, "too many arguments to %s (at most %d)", name, EM_MAX_PRINT_ARGS);
		return "0";
	}
	bool has_hist = false;
	for (int i = first; i < e->args.n; i++)
		if (VEC_AT(e->args, i, struct expr *)->kind == E_HIST)
			has_hist = true;
	if (has_hist) {
		if (is_s || is_printf) {
			diag_error(e->loc, "a histogram can only be printed with print, println, printd or printdln");
			return "0";
		}
		print_each(f, e, first, lit, ln);
		return "0";
	}

	struct strbuf fmt;
	sb_init(&fmt);
	if (is_printf)
		sb_puts(&fmt, lit);
	struct em_print_arg args[EM_MAX_PRINT_ARGS];
	for (int i = 0; i < nargs; i++) {
		struct expr *a = VEC_AT(e->args, i + first, struct expr *);
		args[i].val = em_expr_stable(f, a, later_effects(&e->args, i + first + 1));
		args[i].str = a->type == TY_STRING;
		if (a->type == TY_STATS || a->type == TY_VOID) {
			diag_error(a->loc, "this value cannot be printed");
			sb_free(&fmt);
			return "0";
		}
		if (!is_printf) {
			if (i && is_d)
				em_put_format_text(&fmt, lit, litlen);
			sb_puts(&fmt, args[i].str ? "%s" : "%d");
		}
	}
	if (ln)
		sb_puts(&fmt, "\n");
	const char *text = arena_strdup(f->em->a, fmt.s ? fmt.s : "");
	sb_free(&fmt);
	if (is_s)
		return emit_sprint(f, e, text, args, nargs);
	emit_print(f, text, args, nargs);
	return "0";
}

/* ---- @count(x) ... ---------------------------------------------------------- */

const char *em_stat_op(struct em_fn *f, struct expr *e)
{
	static const struct {
		const char *name;
		const char *op;
	} ops[] = {
		{"count", "RT_STAT_COUNT"}, {"sum", "RT_STAT_SUM"}, {"min", "RT_STAT_MIN"},
		{"max", "RT_STAT_MAX"},     {"avg", "RT_STAT_AVG"}, {"variance", "RT_STAT_VARIANCE"},
	};
	const char *opname = NULL;
	for (size_t i = 0; i < sizeof ops / sizeof ops[0]; i++)
		if (e->op && !strcmp(e->op, ops[i].name))
			opname = ops[i].op;
	if (!opname) {
		diag_error(e->loc, "unknown statistic operator '@%s'", e->op ? e->op : "?");
		return "0";
	}
	const char *key = NULL;
	struct em_map *m = em_stats_map_of(f, e->operand, &key);
	if (!m) {
		diag_error(e->loc, "@%s needs a statistic", e->op);
		return "0";
	}
	int site = em_site(f->em, e->loc, arena_printf(f->em->a, "operator '@%s'", e->op));
	const char *t = em_tmp_long(f);
	em_line(f, "%s = btap_stat_get(c, BTAP_MAPREF(%s, %d), %s, %s, %d, %d);", t, m->sym, m->id, key,
		opname, m->bit_shift, site);
	em_err_check(f, site);
	return t;
}
