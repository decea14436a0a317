/* Pass 3: printing and statistics.
 *
 * Every print/println/printd/printf becomes one format of the
 * descriptor's table (print(x) is "%d" or "%s", println adds "\n", printd
 * puts the delimiter between the arguments) and one output call: in the
 * runner ops->print with rt_arg values, in BPF a ring-buffer record of
 * constant size (btap_rec_hdr, then 8 bytes a long, MAXSTRINGLEN a
 * string). sprintf is ops->format in the runner and bpf_snprintf in BPF,
 * for the conversions the kernel's printf understands. */
#include "emit_internal.h"

#include "runtime/format.h"
#include "runtime/stats.h"

#include <inttypes.h>
#include <string.h>

#define EM_MAX_PRINT_ARGS 32
#define EM_BPF_SNPRINTF_MAX_ARGS 12

int em_format_id(struct emitter *em, const char *text)
{
	VEC_FOREACH(em->formats, i)
		if (strcmp(VEC_AT(em->formats, i, const char *), text) == 0)
			return i;
	vec_push(em->a, &em->formats, arena_strdup(em->a, text));
	return em->formats.n - 1;
}

/* Literal text inside a format: '%' doubled. */
static void put_escaped(struct strbuf *b, const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (s[i] == '%')
			sb_putc(b, '%');
		sb_putc(b, s[i]);
	}
}

struct print_arg {
	const char *val;
	bool str;
};

/* Output one record / runner print of fmt with the given values. */
static void emit_print(struct em_fn *f, const char *fmt, struct print_arg *args, int n)
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

/* How an argument reaches bpf_snprintf. */
enum karg {
	KARG_AS_IS,   /* the value itself */
	KARG_OCTAL,   /* converted to octal text first (the kernel has no %o) */
	KARG_STRN,    /* a string cut to the precision first (no %.Ns) */
	KARG_FIELD,   /* the conversion alone, then width and precision laid
	                 out as runtime/format.c does (no '*' in the kernel's
	                 printf, no precision for its numbers) */
	KARG_EMPTY,   /* a '*' value: an empty string in its slot */
};

/* One script argument's way into bpf_snprintf. */
struct kslot {
	enum karg how;
	int prec;           /* KARG_STRN; KARG_FIELD static precision, -1 unset */
	bool special;       /* KARG_OCTAL: '#' */
	const char *inner;  /* KARG_FIELD: the kernel format of the value alone
	                       (NULL: a string; "o": octal text) */
	int width;          /* KARG_FIELD: static width, 0 none */
	int width_arg;      /* KARG_FIELD: script argument of a '*' width, or -1 */
	int prec_arg;       /* KARG_FIELD: script argument of a '*' precision, or -1 */
	unsigned flags;     /* KARG_FIELD: RT_FMT_F_LEFT / RT_FMT_F_ZEROPAD */
	bool num;           /* KARG_FIELD: a number (precision is digits) */
	int prefix;         /* KARG_FIELD: bytes of "0x" before the digits */
};

/* A conversion with a '*' or a precision on a number: the value alone
 * goes through the kernel's printf (or btap_octal), the field is laid out
 * by btap_fmt_field_. Returns false for what a string cannot carry (%0s
 * appends a NUL byte) or the kernel cannot produce (%#c escapes, '#' octal
 * with a field). */
static bool bpf_field(const struct rt_fmt_spec *sp, struct kslot *k)
{
	unsigned fl = sp->flags;
	bool special = fl & RT_FMT_F_SPECIAL;
	k->how = KARG_FIELD;
	k->width = sp->width > 0 ? sp->width : 0;
	k->prec = sp->precision >= 0 ? sp->precision : -1;
	k->flags = fl & (RT_FMT_F_LEFT | RT_FMT_F_ZEROPAD);
	k->num = true;
	k->prefix = 0;
	switch (sp->conv) {
	case RT_FMT_SIGNED:
		k->inner = fl & RT_FMT_F_PLUS ? "%+lld" : fl & RT_FMT_F_SPACE ? "% lld" : "%lld";
		return true;
	case RT_FMT_UNSIGNED:
		k->inner = "%llu";
		return true;
	case RT_FMT_HEX:
	case RT_FMT_HEX_UPPER:
	case RT_FMT_POINTER:
		special = special || sp->conv == RT_FMT_POINTER;
		k->prefix = special ? 2 : 0;
		k->inner = sp->conv == RT_FMT_HEX_UPPER ? (special ? "0X%llX" : "%llX")
							 : (special ? "0x%llx" : "%llx");
		return true;
	case RT_FMT_OCTAL:
		k->inner = "o";
		return !special;
	case RT_FMT_CHAR:
		k->inner = "%c";
		k->num = false;
		return !special && !(fl & RT_FMT_F_ZEROPAD) && sp->precision == RT_FMT_UNSET;
	case RT_FMT_STRING:
		k->inner = NULL;
		k->num = false;
		return !(fl & RT_FMT_F_ZEROPAD);
	default:
		return false;
	}
}

/* The kernel printf dialect of one conversion into b and how its
 * argument must be prepared, or false when bpf_snprintf cannot do it. */
static bool bpf_conv(struct strbuf *b, const struct rt_fmt_spec *sp, struct kslot *k)
{
	k->how = KARG_AS_IS;
	bool special = sp->flags & RT_FMT_F_SPECIAL;
	bool num_prec = sp->precision != RT_FMT_UNSET && sp->conv != RT_FMT_STRING;
	if (sp->width == RT_FMT_DYNAMIC || sp->precision == RT_FMT_DYNAMIC || num_prec ||
	    (sp->conv == RT_FMT_POINTER && sp->width != RT_FMT_UNSET)) {
		if (!bpf_field(sp, k))
			return false;
		sb_puts(b, "%s");
		return true;
	}
	if (sp->conv == RT_FMT_POINTER || (special && (sp->conv == RT_FMT_HEX || sp->conv == RT_FMT_HEX_UPPER))) {
		/* stap's %p and %#x: a 0x prefix, even for 0 */
		if (sp->width != RT_FMT_UNSET) {
			if (!bpf_field(sp, k))
				return false;
			sb_puts(b, "%s");
			return true;
		}
		sb_puts(b, sp->conv == RT_FMT_HEX_UPPER ? "0X%llX" : "0x%llx");
		return true;
	}
	if (special && sp->conv != RT_FMT_OCTAL)
		return false;
	sb_putc(b, '%');
	if (sp->flags & RT_FMT_F_LEFT)
		sb_putc(b, '-');
	if (sp->flags & RT_FMT_F_PLUS)
		sb_putc(b, '+');
	if (sp->flags & RT_FMT_F_SPACE)
		sb_putc(b, ' ');
	if (sp->flags & RT_FMT_F_ZEROPAD) {
		if (sp->conv == RT_FMT_STRING || sp->conv == RT_FMT_OCTAL)
			return false;
		sb_putc(b, '0');
	}
	if (sp->width > 0)
		sb_printf(b, "%d", sp->width);
	switch (sp->conv) {
	case RT_FMT_SIGNED: sb_puts(b, "lld"); return true;
	case RT_FMT_UNSIGNED: sb_puts(b, "llu"); return true;
	case RT_FMT_HEX: sb_puts(b, "llx"); return true;
	case RT_FMT_HEX_UPPER: sb_puts(b, "llX"); return true;
	case RT_FMT_CHAR: sb_puts(b, "c"); return true;
	case RT_FMT_OCTAL:
		k->how = KARG_OCTAL;
		k->special = special;
		sb_puts(b, "s");
		return true;
	case RT_FMT_STRING:
		if (sp->precision != RT_FMT_UNSET) {
			k->how = KARG_STRN;
			k->prec = sp->precision;
		}
		sb_puts(b, "s");
		return true;
	default:
		return false;
	}
}

/* fmt in the kernel's dialect (NULL when it needs what bpf_snprintf
 * lacks), with how each script argument is prepared. */
static const char *bpf_format(struct em_fn *f, const char *fmt, struct kslot *k, int maxargs)
{
	struct rt_fmt_spec specs[64];
	int n = rt_format_parse(fmt, specs, 64);
	if (n < 0 || n > 64)
		return NULL;
	struct strbuf b;
	sb_init(&b);
	int arg = 0;
	for (int i = 0; i < n; i++) {
		const struct rt_fmt_spec *sp = &specs[i];
		if (sp->conv == RT_FMT_LITERAL) {
			put_escaped(&b, sp->text, sp->len);
			continue;
		}
		int stars = (sp->width == RT_FMT_DYNAMIC) + (sp->precision == RT_FMT_DYNAMIC);
		if (arg + stars >= maxargs)
			goto fail;
		int width_arg = -1, prec_arg = -1;
		if (sp->width == RT_FMT_DYNAMIC)
			width_arg = arg++;
		if (sp->precision == RT_FMT_DYNAMIC)
			prec_arg = arg++;
		/* each '*' fills its bpf_snprintf slot with "" */
		for (int s = 0; s < stars; s++) {
			k[arg - stars + s].how = KARG_EMPTY;
			sb_puts(&b, "%s");
		}
		if (!bpf_conv(&b, sp, &k[arg]))
			goto fail;
		k[arg].width_arg = width_arg;
		k[arg].prec_arg = prec_arg;
		arg++;
	}
	const char *r = arena_strdup(f->em->a, b.s ? b.s : "");
	sb_free(&b);
	return r;
fail:
	sb_free(&b);
	return NULL;
}

/* The BTAP_SPRINTF_* line of script argument i. */
static void emit_sprint_arg(struct em_fn *f, int i, const struct kslot *k, struct print_arg *args)
{
	const char *v = args[i].val;
	if (k->how == KARG_OCTAL) {
		em_line(f, "BTAP_SPRINTF_OCT(%d, %s, %d, %s)", i, v, k->special ? 1 : 0, em_tmp_str(f));
	} else if (k->how == KARG_STRN) {
		em_line(f, "BTAP_SPRINTF_STRN(%d, %s, %d, %s)", i, v, k->prec, em_tmp_str(f));
	} else if (k->how == KARG_EMPTY) {
		em_line(f, "BTAP_SPRINTF_NONE(%d, %s)", i, v);
	} else if (k->how == KARG_FIELD) {
		/* a '*' value is cut to int and clamped at 0 (no left-justify) */
		const char *w = k->width_arg >= 0 ? arena_printf(f->em->a, "btap_fmt_clamp(%s)", args[k->width_arg].val)
						  : arena_printf(f->em->a, "%d", k->width);
		const char *p = k->prec_arg >= 0 ? arena_printf(f->em->a, "btap_fmt_clamp(%s)", args[k->prec_arg].val)
						 : arena_printf(f->em->a, "%d", k->prec);
		int mode = (k->flags & RT_FMT_F_LEFT ? 1 : 0) | (k->flags & RT_FMT_F_ZEROPAD ? 2 : 0) |
			   (k->num ? 4 : 0);
		if (!k->inner) {
			em_line(f, "BTAP_SPRINTF_FIELD_STR(%d, %s, %s, %s, %d, %s)", i, v, w, p, mode, em_tmp_str(f));
		} else {
			struct strbuf line;
			sb_init(&line);
			sb_printf(&line, "BTAP_SPRINTF_FIELD_LONG(%d, %s, ", i, v);
			em_c_string(&line, k->inner, strlen(k->inner));
			sb_printf(&line, ", %s, %s, %d, %d, %s, %s)", w, p, mode, k->prefix, em_tmp_str(f),
				  em_tmp_str(f));
			em_line(f, "%s", line.s);
			sb_free(&line);
		}
	} else {
		em_line(f, "BTAP_SPRINTF_%s(%d, %s)", args[i].str ? "STR" : "LONG", i, v);
	}
}

/* sprintf-like: the formatted string in a temporary. */
static const char *emit_sprint(struct em_fn *f, struct expr *e, const char *fmt, struct print_arg *args,
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
	const char *kfmt = "";
	struct kslot k[EM_MAX_PRINT_ARGS];
	memset(k, 0, sizeof k);
	if (f->bpf) {
		kfmt = bpf_format(f, fmt, k, EM_MAX_PRINT_ARGS);
		if (!kfmt || n > EM_BPF_SNPRINTF_MAX_ARGS) {
			em_unsupported_bpf(f, e->loc, "this sprintf format (kernel context supports every "
				"conversion but %b %m %M, '#' with %c, and %0s; '#' octal takes no width or "
				"precision; up to 12 arguments, each '*' counting as one)");
			return dst;
		}
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
	for (int i = 0; i < n; i++)
		emit_sprint_arg(f, i, &k[i], args);
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
			put_escaped(&d, delim, strlen(delim));
			emit_print(f, d.s, NULL, 0);
			sb_free(&d);
		}
		if (a->kind == E_HIST) {
			emit_hist(f, a);
			continue;
		}
		struct print_arg pa = {em_expr(f, a), a->type == TY_STRING};
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
	if (e->args.n < first) {
		diag_error(e->loc, "%s needs a %s", name, is_printf ? "format" : "delimiter");
		return "0";
	}
	const char *lit = NULL;
	size_t litlen = 0;
	if (first) {
		struct expr *fe = VEC_AT(e->args, 0, struct expr *);
		if (fe->kind != E_STR) {
			diag_error(fe->loc, "the %s of %s must be a literal string", is_printf ? "format" : "delimiter",
				   name);
			return "0";
		}
		lit = em_decode_str(f->em->a, fe->str, &litlen);
	}
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
	if (is_printf) {
		int off = 0;
		const char *msg = rt_format_check(lit, &off);
		if (msg) {
			diag_error(VEC_AT(e->args, 0, struct expr *)->loc, "%s in format at byte %d", msg, off);
			sb_free(&fmt);
			return "0";
		}
		sb_puts(&fmt, lit);
	}
	struct print_arg args[EM_MAX_PRINT_ARGS];
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
				put_escaped(&fmt, lit, litlen);
			sb_puts(&fmt, args[i].str ? "%s" : "%d");
		}
	}
	if (is_printf) {
		struct rt_fmt_spec specs[64];
		int ns = rt_format_parse(lit, specs, 64);
		int kinds[EM_MAX_PRINT_ARGS + 1];
		int want = ns >= 0 && ns <= 64 ? rt_format_arg_kinds(specs, ns, kinds, EM_MAX_PRINT_ARGS) : -1;
		if (want != nargs) {
			diag_error(e->loc, "%s format wants %d argument%s, got %d", name, want, want == 1 ? "" : "s",
				   nargs);
			sb_free(&fmt);
			return "0";
		}
		for (int i = 0; i < nargs; i++) {
			bool wants_str = kinds[i] == RT_ARG_STR;
			if (wants_str != args[i].str) {
				struct expr *a = VEC_AT(e->args, i + first, struct expr *);
				diag_error(a->loc, "type mismatch: format conversion %d wants a %s", i + 1,
					   wants_str ? "string" : "long");
				sb_free(&fmt);
				return "0";
			}
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
