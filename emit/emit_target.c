/* Pass 3: target expressions that read kernel memory: $field->a[i]->b,
 * $field[i], &$field->a, @cast(p, "type")->a, and the pretty-printed
 * forms ($x$, $x$$, $$vars, $$parms) at kernel.trace points.
 *
 * A walk keeps the address of the object reached so far plus a C member
 * path below a named kernel type (base, "struct sock", "->__sk_common.
 * skc_family"). The address of a member is taken through that type, which
 * the runtime declares (em_need_kernel_type: from the kernel's own type
 * information, with member offsets relocated at load where it can).
 * Pointers are followed with btap_kread; a failed read is stap's "read
 * fault" runtime error at the expression. Bitfields are read the
 * runtime's way (read_bitfield).
 *
 * At process probes the same walk reads the traced process's memory
 * (btap_uread), with members at the offsets the binary's DWARF gives;
 * variables start where their DWARF location says: a register, a value
 * computed from registers, or memory (em_user_target). */
#include "emit_internal.h"

#include "translator/provider_uprobe.h"
#include "translator/tracepoints.h"

#include <inttypes.h>
#include <string.h>

struct walk {
	struct em_fn *f;
	const char *base;      /* C int64_t: address of the object (or of ctype when path is set) */
	const char *ctype;     /* the named type path starts from */
	const char *path;      /* "->a.b", or "" */
	struct tplace place; /* type of the object reached */
	bool pending_ptr;      /* @cast: base is the pointer, place its pointee, nothing applied yet */
	bool tolerant;         /* pretty-printing: a fault leaves 0, the caller clears it */
	bool user;             /* the traced process's memory (else the kernel's) */
	bool dwarf;            /* typed by DWARF: members at offsets, no C names */
	bool offsets;          /* the runner's half: members at BTF's offsets, no C names */
	int bit_off;           /* a bitfield reached by offsets: its first bit in the byte at base */
	/* Inside the tracepoint record: the object is at this byte offset (C
	 * expression) from the context, and base is unused. The verifier
	 * allows no arithmetic on the context pointer beyond reading at an
	 * offset, so record places stay offsets until a pointer is loaded. */
	const char *rec_off;
	int site;
	struct loc loc;
};

/* Materialise the member path into base. */
static void flush(struct walk *w)
{
	if (!*w->path)
		return;
	const char *t = em_tmp_long(w->f);
	em_line(w->f, "%s = (int64_t)(long)&((%s *)(long)%s)%s;", t, w->ctype, w->base, w->path);
	w->base = t;
	w->path = "";
}

static void check(struct walk *w)
{
	if (w->tolerant)
		em_line(w->f, "if (BTAP_ERR(c)) btap_catch(c, 0);");
	else
		em_err_check(w->f, w->site);
}

static void load_pointer(struct walk *w)
{
	if (w->rec_off) {
		const char *t = em_tmp_long(w->f);
		em_line(w->f, "%s = btap_tp_read(c, %s, 8, 0);", t, w->rec_off);
		w->rec_off = NULL;
		w->base = t;
		tplace_index(&w->place);
		return;
	}
	flush(w);
	const char *t = em_tmp_long(w->f);
	em_line(w->f, "%s = %s(c, %s, 8, 0);", t, w->user ? "btap_uread" : "btap_kread", w->base);
	check(w);
	w->base = t;
	tplace_index(&w->place);
}

static bool walk_member(struct walk *w, const struct component *c)
{
	struct arena *a = w->f->em->a;
	if (w->pending_ptr)
		w->pending_ptr = false;
	else if (tplace_class(w->place) == TPLACE_POINTER)
		load_pointer(w);
	struct tplace outer = w->place;
	if (!tplace_member(&w->place, c->field)) {
		diag_error(c->loc, "'%s' has no member '%s'", tplace_type_name(a, outer), c->field);
		return false;
	}
	if (w->rec_off) {
		if (w->place.bit_size) {
			em_unsupported(w->f, c->loc, "a bitfield in a tracepoint record");
			return false;
		}
		w->rec_off = arena_printf(a, "(%s + %d)", w->rec_off, w->place.member_bits / 8);
		return true;
	}
	if (*w->path) {
		w->path = arena_printf(a, "%s.%s", w->path, c->field);
		return true;
	}
	const char *hdr = NULL;
	const char *cname = w->dwarf || w->offsets || !w->f->em->rt->named_types ? NULL : tplace_c_name(a, outer, &hdr);
	if (w->dwarf && w->place.bit_size) {
		em_unsupported(w->f, c->loc, "a bitfield in user memory");
		return false;
	}
	if (cname) {
		em_need_kernel_type(w->f->em, hdr);
		w->ctype = cname;
		w->path = arena_printf(a, "->%s", c->field);
		return true;
	}
	/* An anonymous type cannot be named in C: its BTF offset, fixed. */
	if (w->place.bit_size && !w->offsets && w->f->em->rt->named_types) {
		em_unsupported(w->f, c->loc, "a bitfield of an anonymous type");
		return false;
	}
	w->bit_off = w->place.bit_size ? w->place.member_bits % 8 : 0; /* read_value reads its bits */
	const char *t = em_tmp_long(w->f);
	em_line(w->f, "%s = %s + %d;", t, w->base, w->place.member_bits / 8);
	w->base = t;
	return true;
}

static bool walk_index(struct walk *w, const struct component *c)
{
	const char *idx = em_expr_stable(w->f, c->index, false);
	if (w->pending_ptr) {
		w->pending_ptr = false;
	} else {
		enum tplace_class k = tplace_class(w->place);
		if (k == TPLACE_POINTER) {
			load_pointer(w);
		} else if (k == TPLACE_ARRAY || k == TPLACE_CHAR_ARRAY) {
			flush(w);
			tplace_index(&w->place);
			if (w->rec_off) {
				int esize = tplace_size(w->place);
				w->rec_off = arena_printf(w->f->em->a, "(%s + (%s) * %d)", w->rec_off, idx, esize);
				return esize > 0;
			}
		} else {
			diag_error(c->loc, "'%s' cannot be indexed", tplace_type_name(w->f->em->a, w->place));
			return false;
		}
	}
	int size = tplace_size(w->place);
	if (size <= 0) {
		diag_error(c->loc, "the size of '%s' is unknown: it cannot be indexed",
			   tplace_type_name(w->f->em->a, w->place));
		return false;
	}
	const char *t = em_tmp_long(w->f);
	em_line(w->f, "%s = %s + (%s) * %d;", t, w->base, idx, size);
	w->base = t;
	return true;
}

/* Apply components [from, n) that are not pretty-printing suffixes. */
static bool walk_components(struct walk *w, const struct expr *e, int from)
{
	for (int i = from; i < e->components.n; i++) {
		const struct component *c = VEC_AT(e->components, i, const struct component *);
		if (c->kind == COMP_PRETTY)
			break;
		bool ok = c->kind == COMP_FIELD ? walk_member(w, c) : walk_index(w, c);
		if (!ok)
			return false;
	}
	return true;
}

static const char *read_record(struct walk *w)
{
	struct em_fn *f = w->f;
	int size;
	bool sgn;
	switch (tplace_class(w->place)) {
	case TPLACE_INT:
	case TPLACE_POINTER: {
		if (tplace_class(w->place) == TPLACE_POINTER)
			size = 8, sgn = false;
		else if (!tplace_int(w->place, &size, &sgn))
			break;
		const char *t = em_tmp_long(f);
		em_line(f, "%s = btap_tp_read(c, %s, %d, %d);", t, w->rec_off, size, sgn ? 1 : 0);
		return t;
	}
	case TPLACE_CHAR_ARRAY: {
		const char *s = em_tmp_str(f);
		em_line(f, "btap_tp_chars(c, %s, %s, %d);", s, w->rec_off, tplace_array_len(w->place));
		return s;
	}
	default:
		break;
	}
	diag_error(w->loc, "'%s' is not a value btap can read", tplace_type_name(f->em->a, w->place));
	return "0";
}

/* A bitfield at offsets (runtimes without named types): the smallest
 * read that holds its bits, then shifted, masked and sign-extended. */
static const char *read_bits(struct walk *w, const char *t, bool sgn)
{
	struct em_fn *f = w->f;
	int bits = w->bit_off + w->place.bit_size;
	if (w->dwarf || bits > 64) {
		em_unsupported(f, w->loc, "this bitfield");
		return "0";
	}
	int size = bits <= 8 ? 1 : bits <= 16 ? 2 : bits <= 32 ? 4 : 8;
	em_line(f, "%s = btap_kread(c, %s, %d, 0);", t, w->base, size);
	check(w);
	int width = w->place.bit_size;
	if (width < 64)
		em_line(f, "%s = (int64_t)(((uint64_t)%s >> %d) & ((1ULL << %d) - 1));", t, t, w->bit_off, width);
	if (sgn && width < 64)
		em_line(f, "%s = (%s ^ (1LL << %d)) - (1LL << %d);", t, t, width - 1, width - 1);
	return t;
}

/* The value of the object reached: a long or a string temporary. */
static const char *read_value(struct walk *w)
{
	struct em_fn *f = w->f;
	if (w->pending_ptr)
		return w->base;
	if (w->rec_off)
		return read_record(w);
	switch (tplace_class(w->place)) {
	case TPLACE_INT: {
		const char *t = em_tmp_long(f);
		int size;
		bool sgn;
		if (w->place.bit_size && *w->path) {
			em_line(f, "%s = %s;", t, f->em->rt->read_bitfield(f, w->ctype, w->base, w->path + 2));
			return t;
		}
		if (!tplace_int(w->place, &size, &sgn)) {
			diag_error(w->loc, "'%s' cannot be read as an integer",
				   tplace_type_name(f->em->a, w->place));
			return "0";
		}
		if (w->place.bit_size) /* at offsets: the bytes that hold it, shifted and masked */
			return read_bits(w, t, sgn);
		flush(w);
		em_line(f, "%s = %s(c, %s, %d, %d);", t, w->user ? "btap_uread" : "btap_kread", w->base, size,
			sgn ? 1 : 0);
		check(w);
		return t;
	}
	case TPLACE_POINTER: {
		flush(w);
		const char *t = em_tmp_long(f);
		em_line(f, "%s = %s(c, %s, 8, 0);", t, w->user ? "btap_uread" : "btap_kread", w->base);
		check(w);
		return t;
	}
	case TPLACE_CHAR_ARRAY: {
		flush(w);
		const char *s = em_tmp_str(f);
		em_line(f, "%s(c, %s, %s, %d);", w->user ? "btap_uchars" : "btap_kchars", s, w->base,
			tplace_array_len(w->place));
		check(w);
		return s;
	}
	default:
		diag_error(w->loc, "'%s' is not a value btap can read", tplace_type_name(f->em->a, w->place));
		return "0";
	}
}

/* ---- pretty-printing ($x$, $x$$, $$vars$) ----------------------------------- */

/* A format in the kernel's printf dialect and its arguments, flushed into
 * a string through the kernel's formatter (at most the runtime's
 * format_max_args a call). */
enum { PRETTY_MAX_ARGS = 32 };
struct pretty {
	struct em_fn *f;
	const char *out;        /* the string built so far, or NULL */
	struct strbuf fmt;
	const char *args[PRETTY_MAX_ARGS];
	bool is_str[PRETTY_MAX_ARGS];
	int nargs;
	int total;              /* values printed, to stop like stap does */
};

static void pretty_flush(struct pretty *pr)
{
	struct em_fn *f = pr->f;
	if (!pr->fmt.len)
		return;
	const char *dst = em_tmp_str(f);
	/* the runner formats by id, in the script's dialect: no length
	 * modifiers (%lld is %d there) */
	int id = 0;
	if (em_in_runner(f)) {
		struct strbuf sfmt;
		sb_init(&sfmt);
		for (size_t i = 0; i < pr->fmt.len; i++) {
			sb_putc(&sfmt, pr->fmt.s[i]);
			if (pr->fmt.s[i] != '%')
				continue;
			if (pr->fmt.s[i + 1] == '%') {
				sb_putc(&sfmt, pr->fmt.s[++i]);
				continue;
			}
			while (i + 1 < pr->fmt.len && !strchr("duxsc", pr->fmt.s[i + 1])) {
				if (pr->fmt.s[i + 1] != 'l')
					sb_putc(&sfmt, pr->fmt.s[i + 1]);
				i++;
			}
		}
		id = em_format_id(f->em, sfmt.s ? sfmt.s : "");
		sb_free(&sfmt);
	}
	struct strbuf line;
	sb_init(&line);
	sb_printf(&line, "BTAP_SPRINTF_BEGIN(c, %d, %d, ", id, pr->nargs);
	em_c_string(&line, pr->fmt.s, pr->fmt.len);
	sb_puts(&line, ")");
	em_line(f, "%s", line.s);
	sb_free(&line);
	for (int i = 0; i < pr->nargs; i++)
		em_line(f, "\tBTAP_SPRINTF_%s(%d, %s)", pr->is_str[i] ? "STR" : "LONG", i, pr->args[i]);
	em_line(f, "BTAP_SPRINTF_END(c, %s)", dst);
	if (pr->out) {
		const char *cat = em_tmp_dbl(f); /* btap_str_cat needs twice the room */
		em_line(f, "btap_str_cat(%s, %s, %s);", cat, pr->out, dst);
		pr->out = cat;
	} else {
		pr->out = dst;
	}
	sb_free(&pr->fmt);
	sb_init(&pr->fmt);
	pr->nargs = 0;
}

static void pretty_text(struct pretty *pr, const char *text)
{
	for (const char *p = text; *p; p++) {
		if (*p == '%')
			sb_putc(&pr->fmt, '%');
		sb_putc(&pr->fmt, *p);
	}
}

static void pretty_arg(struct pretty *pr, const char *conv, const char *val, bool is_str)
{
	int max = pr->f->em->rt->format_max_args;
	if (pr->nargs == (max > 0 && max < PRETTY_MAX_ARGS ? max : PRETTY_MAX_ARGS))
		pretty_flush(pr);
	sb_puts(&pr->fmt, conv);
	pr->args[pr->nargs] = val;
	pr->is_str[pr->nargs] = is_str;
	pr->nargs++;
	pr->total++;
}

static const char *pretty_result(struct pretty *pr)
{
	pretty_flush(pr);
	if (pr->out)
		return pr->out;
	const char *s = em_tmp_str(pr->f);
	em_line(pr->f, "%s[0] = 0;", s);
	return s;
}

/* Reading for printing never fails the probe: a fault prints as "?". */
static void pretty_read_int(struct pretty *pr, struct walk *w, const char *conv)
{
	const char *v = read_value(w);
	pretty_arg(pr, conv, v, false);
}

enum { PRETTY_MAX_VALUES = 32 };

static struct expr zero_index = { .kind = E_NUM, .type = TY_LONG };

static void pretty_place(struct pretty *pr, struct walk *w, bool top, bool full, int depth);

static void pretty_struct(struct pretty *pr, struct walk *w, bool top, bool full, int depth)
{
	if (!(top || full) || depth > 3) {
		pretty_text(pr, "{...}");
		return;
	}
	const char *names[256];
	struct tplace places[256];
	int n = tplace_members(w->place, names, places, 256);
	if (n < 0) {
		pretty_text(pr, "{...}");
		return;
	}
	pretty_text(pr, "{");
	for (int i = 0; i < n; i++) {
		if (i)
			pretty_text(pr, ", ");
		if (pr->total >= PRETTY_MAX_VALUES) {
			pretty_text(pr, "...");
			break;
		}
		if (!names[i]) {
			pretty_text(pr, "<anon>={...}");
			continue;
		}
		pretty_text(pr, ".");
		pretty_text(pr, names[i]);
		pretty_text(pr, "=");
		struct walk m = *w;
		struct component c = { .kind = COMP_FIELD, .field = names[i], .loc = w->loc };
		if (!walk_member(&m, &c)) {
			pretty_text(pr, "?");
			continue;
		}
		pretty_place(pr, &m, false, full, depth + 1);
	}
	pretty_text(pr, "}");
}

static bool pointee_is_char(struct tplace p)
{
	struct tplace q = p;
	return tplace_index(&q) && tplace_is_char(q);
}

static void pretty_place(struct pretty *pr, struct walk *w, bool top, bool full, int depth)
{
	struct em_fn *f = pr->f;
	switch (tplace_class(w->place)) {
	case TPLACE_INT: {
		if (tplace_is_char(w->place)) { /* as stap: 'c', escaped where unprintable */
			pretty_text(pr, "'");
			if (em_in_runner(f)) {
				pretty_read_int(pr, w, "%#c");
			} else { /* the kernel's printf has no %#c */
				const char *s = em_tmp_str(f);
				em_line(f, "btap_char_literal(%s, %s);", s, read_value(w));
				pretty_arg(pr, "%s", s, true);
			}
			pretty_text(pr, "'");
			return;
		}
		int size;
		bool sgn = true;
		tplace_int(w->place, &size, &sgn);
		pretty_read_int(pr, w, sgn ? "%lld" : "%llu");
		return;
	}
	case TPLACE_POINTER: {
		if (pointee_is_char(w->place)) {
			const char *p = read_value(w);
			const char *s = em_tmp_str(f);
			em_line(f, "%s(%s, %s, \"<unknown>\");", w->user ? "btap_ustring_or" : "btap_kstring_or", s, p);
			pretty_text(pr, "\"");
			pretty_arg(pr, "%s", s, true);
			pretty_text(pr, "\"");
			return;
		}
		struct tplace q = w->place;
		if (top && tplace_index(&q) && tplace_class(q) == TPLACE_AGGREGATE) {
			/* stap follows a top-level pointer to the struct it names */
			const char *p = read_value(w);
			struct walk s = *w;
			s.base = p;
			s.path = "";
			s.place = q;
			s.rec_off = NULL; /* the struct is where the pointer points */
			pretty_struct(pr, &s, true, full, depth);
			return;
		}
		pretty_read_int(pr, w, "0x%016llx");
		return;
	}
	case TPLACE_CHAR_ARRAY: {
		const char *s = read_value(w);
		pretty_text(pr, "\"");
		pretty_arg(pr, "%s", s, true);
		pretty_text(pr, "\"");
		return;
	}
	case TPLACE_ARRAY: {
		if (!(top || full)) {
			pretty_text(pr, "[...]");
			return;
		}
		/* Like stap: the first element, then ", ...". */
		pretty_text(pr, "[");
		struct walk el = *w;
		struct component first = { .kind = COMP_INDEX, .index = &zero_index, .loc = w->loc };
		if (!walk_index(&el, &first)) {
			pretty_text(pr, "?, ...]");
			return;
		}
		pretty_place(pr, &el, false, full, depth + 1);
		pretty_text(pr, ", ...]");
		return;
	}
	case TPLACE_AGGREGATE:
		pretty_struct(pr, w, top, full, depth);
		return;
	default:
		pretty_text(pr, "?");
		return;
	}
}

/* ---- the starting points --------------------------------------------------- */

static void walk_from_field(struct walk *w, struct em_fn *f, const struct expr *e, const struct tp_access *acc)
{
	memset(w, 0, sizeof *w);
	w->f = f;
	w->path = "";
	w->loc = e->loc;
	w->site = em_site(f->em, e->loc, arena_printf(f->em->a, "identifier '$%s'", acc->field->name));
	w->rec_off = arena_printf(f->em->a, "%d", acc->field->offset);
	w->place = acc->start;
}

/* A record field as a place, for $$vars: NULL place when BTF does not type it. */
static bool field_place(const struct tp_field *fl, struct tplace *p)
{
	*p = fl->type;
	return tplace_known(*p);
}

static bool chain_is_pretty(const struct expr *e, int *level)
{
	*level = 0;
	if (!e->components.n)
		return false;
	const struct component *last = VEC_AT(e->components, e->components.n - 1, const struct component *);
	if (last->kind != COMP_PRETTY)
		return false;
	*level = last->pretty;
	return true;
}

static const char *finish_chain(struct walk *w, struct em_fn *f, struct expr *e)
{
	int level;
	if (chain_is_pretty(e, &level)) {
		struct pretty pr = { .f = f };
		sb_init(&pr.fmt);
		w->tolerant = true;
		if (w->pending_ptr) {
			w->pending_ptr = false; /* @cast(p, "T")$: the struct p points to */
			pretty_struct(&pr, w, true, level > 1, 0);
		} else {
			pretty_place(&pr, w, true, level > 1, 0);
		}
		const char *s = pretty_result(&pr);
		sb_free(&pr.fmt);
		return s;
	}
	if (e->addressof) {
		if (w->rec_off) {
			diag_error(e->loc, "cannot take the address of a place in the tracepoint record");
			return "0";
		}
		if (w->place.bit_size) {
			diag_error(e->loc, "cannot take the address of a bitfield");
			return "0";
		}
		flush(w);
		return w->base;
	}
	return read_value(w);
}

/* $field with components, or &$field->... */
const char *em_target_chain(struct em_fn *f, struct expr *e)
{
	const struct tp_access *acc = e->target_info;
	if (!acc || !acc->field) {
		diag_error(e->loc, "unresolved target variable");
		return "0";
	}
	const struct tp_field *fl = acc->field;
	bool only_pretty = e->components.n == 1 &&
			   VEC_AT(e->components, 0, const struct component *)->kind == COMP_PRETTY;
	if (only_pretty && (fl->kind == TP_FIELD_DATA_LOC_STR || fl->kind == TP_FIELD_REL_LOC_STR)) {
		/* $name$ of a record string: quoted, as $$vars$ prints it */
		struct pretty pr = { .f = f };
		const char *str = em_tmp_str(f);
		em_line(f, "btap_tp_dataloc_str(c, %s, %d, %d);", str, fl->offset,
			fl->kind == TP_FIELD_REL_LOC_STR ? 1 : 0);
		pretty_text(&pr, "\"");
		pretty_arg(&pr, "%s", str, true);
		pretty_text(&pr, "\"");
		const char *r = pretty_result(&pr);
		sb_free(&pr.fmt);
		return r;
	}
	if (!acc->resolved && acc->value == TPLACE_UNKNOWN) {
		diag_error(e->loc, "the type of '$%s' is not known from the kernel's BTF: it cannot be dereferenced",
			   acc->field->name);
		return "0";
	}
	struct walk w;
	walk_from_field(&w, f, e, acc);
	int from = 0;
	if (acc->first) {
		/* a format-typed array: the first index steps over its elements */
		const struct component *c0 = VEC_AT(e->components, 0, const struct component *);
		const char *idx = em_expr_stable(f, c0->index, false);
		w.rec_off = arena_printf(f->em->a, "(%s + (%s) * %d)", w.rec_off, idx, acc->field->elem_size);
		from = 1;
	}
	if (!walk_components(&w, e, from))
		return "0";
	return finish_chain(&w, f, e);
}

/* ---- guru mode: writing target variables ------------------------------------ */

static bool writable_place(struct walk *w, struct expr *e, struct em_target_place *out);
static bool user_target_place(struct em_fn *f, struct expr *e, struct em_target_place *out);
static void user_start(struct em_fn *f, const struct uvar *v, const struct usite *us, struct walk *w, const char **val);
static const char *user_int_value(struct em_fn *f, const char *val, struct tplace t);

bool em_target_place(struct em_fn *f, struct expr *e, struct em_target_place *out)
{
	memset(out, 0, sizeof *out);
	const struct em_probe *ep = f->probe;
	if (e->user_target)
		return user_target_place(f, e, out);
	if (!ep || ep->at.kind != ATTACH_KPROBE || ep->at.kprobe.regs_ctx) {
		diag_error(e->loc, "only a kernel function's parameters, $return and the kernel memory they "
			   "point to can be written (not a tracepoint's record or arguments)");
		return false;
	}
	if (e->addressof || e->operand || e->kind != E_TARGET) {
		diag_error(e->loc, "this expression cannot be assigned to");
		return false;
	}
	if (!e->components.n) {
		const struct tp_field *fl = e->target_info;
		if (!fl || (fl->kind != TP_FIELD_INT && fl->kind != TP_FIELD_POINTER)) {
			diag_error(e->loc, "only an integer or a pointer can be written");
			return false;
		}
		int slot = fl->offset / 8;
		if (ep->at.kprobe.ret && slot != ep->at.kprobe.ret_slot) {
			diag_error(e->loc, "at a .return probe a parameter is its value at the entry: only $return "
				   "can be written");
			return false;
		}
		if (!ep->at.kprobe.ret && slot >= 6) {
			diag_error(e->loc, "this parameter is passed on the stack: only the first six (registers) "
				   "can be written");
			return false;
		}
		out->slot = true;
		out->argn = ep->at.kprobe.ret ? 0 : slot + 1;
		out->site = em_site(f->em, e->loc, arena_printf(f->em->a, "identifier '$%s'", fl->name));
		out->where = arena_printf(f->em->a, "%d", fl->offset);
		out->size = fl->kind == TP_FIELD_POINTER || fl->size > 8 ? 8 : fl->size;
		out->sgn = fl->kind == TP_FIELD_INT && fl->val_signed;
		return true;
	}
	const struct tp_access *acc = e->target_info;
	int level;
	if (!acc || !acc->field || acc->first || chain_is_pretty(e, &level)) {
		diag_error(e->loc, "this expression cannot be assigned to");
		return false;
	}
	struct walk w;
	walk_from_field(&w, f, e, acc);
	if (!walk_components(&w, e, 0))
		return false;
	return writable_place(&w, e, out);
}

/* The place a walk reached, as an address to write an integer or a pointer at. */
static bool writable_place(struct walk *w_, struct expr *e, struct em_target_place *out)
{
	struct walk w = *w_;
	struct em_fn *f = w.f;
	bool ok = !w.rec_off && !w.place.bit_size && !w.pending_ptr;
	int size = 8;
	bool sgn = false;
	if (ok && tplace_class(w.place) == TPLACE_INT)
		ok = tplace_int(w.place, &size, &sgn);
	else if (ok)
		ok = tplace_class(w.place) == TPLACE_POINTER;
	if (!ok) {
		diag_error(e->loc, "only an integer or a pointer member can be written (not '%s', a bitfield or "
			   "an array)", tplace_type_name(f->em->a, w.place));
		return false;
	}
	flush(&w);
	out->where = w.base;
	out->user = w.user;
	out->size = size;
	out->sgn = sgn;
	out->site = w.site;
	return true;
}

/* A process's variable (or a kernel statement's, by DWARF): in memory,
 * or a member through a pointer; one held in a register is not written. */
static bool user_target_place(struct em_fn *f, struct expr *e, struct em_target_place *out)
{
	const struct uvar_access *ua = e->target_info;
	if (!ua || ua->what || e->addressof || chain_is_pretty(e, &(int){0})) {
		diag_error(e->loc, "this expression cannot be assigned to");
		return false;
	}
	const struct uvar *v = ua->var;
	const struct usite *us = ua->site;
	if (us->kernel && !f->em->rt->target_writes) {
		diag_error(e->loc, "target variables cannot be written by the %s backend (a BPF program writes "
			   "neither kernel memory nor registers; --runtime=kmod -g can)", f->em->rt->name);
		return false;
	}
	struct walk w = { .f = f, .path = "", .loc = e->loc, .place = v->type, .user = !us->kernel, .dwarf = true };
	w.site = em_site(f->em, e->loc, arena_printf(f->em->a, "identifier '$%s'", v->name));
	const char *val;
	user_start(f, v, us, &w, &val);
	if (val) {
		if (!e->components.n || tplace_class(v->type) != TPLACE_POINTER) {
			diag_error(e->loc, "'$%s' is held in a register here: it cannot be written (a member "
				   "it points to can)", v->name);
			return false;
		}
		w.base = user_int_value(f, val, v->type);
		tplace_index(&w.place);
		w.pending_ptr = true;
	}
	if (!walk_components(&w, e, 0))
		return false;
	return writable_place(&w, e, out);
}

static const char *walk_from_address(struct em_fn *f, struct expr *e, const char *p, const char *what);

/* @cast(p, "type")->... */
const char *em_cast(struct em_fn *f, struct expr *e)
{
	const struct tp_access *acc = e->target_info;
	if (!acc) {
		diag_error(e->loc, "unresolved @cast");
		return "0";
	}
	return walk_from_address(f, e, em_expr_stable(f, e->operand, false), "@cast");
}

const char *em_kernel_atvar(struct em_fn *f, struct expr *e)
{
	const struct tp_access *acc = e->target_info;
	if (!acc || !acc->ksym) {
		diag_error(e->loc, "unresolved @var");
		return "0";
	}
	if (!f->em->rt->kernel_symbols) {
		em_unsupported(f, e->loc, "@var of a kernel variable");
		return "0";
	}
	int index = -1;
	VEC_FOREACH(f->em->ksyms, i)
		if (index < 0 && strcmp(VEC_AT(f->em->ksyms, i, const struct tp_access *)->ksym, acc->ksym) == 0)
			index = (int)i;
	if (index < 0 && em_in_kernel(f)) { /* the runner's half finds it by name */
		index = (int)f->em->ksyms.n;
		vec_push(f->em->a, &f->em->ksyms, (void *)acc);
		if (acc->ksym_percpu) { /* a typed ksym: its type in the header */
			const char *hdr = NULL;
			struct tplace t = acc->start;
			t.ptr_depth--;
			if (tplace_c_name(f->em->a, t, &hdr) && hdr)
				em_need_kernel_type(f->em, hdr);
		}
	}
	const char *base = acc->ksym_percpu ? arena_printf(f->em->a, "BTAP_KSYM_PERCPU(%s, %d)", acc->ksym, index)
		: acc->ksym_offset ? arena_printf(f->em->a, "(BTAP_KSYM(%s, %d) + %ldL)", acc->ksym, index, acc->ksym_offset)
				   : arena_printf(f->em->a, "BTAP_KSYM(%s, %d)", acc->ksym, index);
	return walk_from_address(f, e, base, "@var");
}

/* The chain of @cast or @var from the address p of its start: in the
 * kernel's half by the runtime's types, in the runner's (begin, end and
 * timer probes, which read the kernel's memory through /proc/kcore) at
 * the offsets BTF gives. */
static const char *walk_from_address(struct em_fn *f, struct expr *e, const char *p, const char *what)
{
	const struct tp_access *acc = e->target_info;
	bool kernel = em_in_kernel(f), runner = em_in_runner(f);
	/* @cast: p points to the object, nothing applied yet; @var: p is
	 * where the variable is, and the variable is the object */
	bool cast = what[1] == 'c';
	struct walk w0 = { .f = f, .path = "", .loc = e->loc, .place = acc->start, .pending_ptr = cast };
	/* a user program's type (its DWARF): its memory; the kernel's or a
	 * module's BTF, or a kernel header's DWARF: the kernel's */
	const struct type_source *src = acc->start.src;
	w0.dwarf = src != type_source_kernel() && !(src && type_source_btf(src));
	w0.user = w0.dwarf && !type_source_kernel_memory(src);
	w0.site = em_site(f->em, e->loc, cast ? "operator '@cast'" : "operator '@var'");
	tplace_index(&w0.place);
	const char *res = e->type == TY_STRING ? em_tmp_str(f) : em_tmp_long(f);
	for (int half = 0; half < 2; half++) {
		if ((half == 0 && !kernel) || (half == 1 && !runner))
			continue;
		if (kernel && runner)
			sb_printf(f->out, half == 0 ? "#ifdef %s\n" : "#else\n", f->em->rt->kernel_build);
		struct walk w = w0;
		w.offsets = half == 1;
		if (half == 1 && (w.user || (!cast && acc->ksym_percpu))) {
			/* the runner has no traced process to read, nor a CPU */
			diag_error(e->loc, "%s reads %s, which begin, end and timer probes (and the functions they "
				   "call) cannot: they run in btap, in user space", what,
				   w.user ? "a process's memory" : "a per-CPU variable");
			continue;
		}
		if (half == 1)
			f->em->runner_kernel_layout = true;
		w.base = half == 1 && !cast ? arena_printf(f->em->a, acc->ksym_offset ? "(BTAP_KSYM(%s, -1) + %ldL)"
										   : "BTAP_KSYM(%s, -1)",
							    acc->ksym, acc->ksym_offset)
					    : p;
		const char *v = "0";
		if (walk_components(&w, e, 0))
			v = finish_chain(&w, f, e);
		if (e->type == TY_STRING)
			em_line(f, "btap_str_copy(%s, %s);", res, v);
		else
			em_line(f, "%s = %s;", res, v);
	}
	if (kernel && runner)
		sb_puts(f->out, "#endif\n");
	return res;
}

/* $$vars, $$parms ($$locals is empty at a tracepoint), with '$'/'$$'. */
const char *em_target_vars(struct em_fn *f, struct expr *e, const struct tp_event *ev)
{
	const char *which = e->op ? e->op : e->str ? e->str : "";
	while (*which == '$')
		which++;
	struct pretty pr = { .f = f };
	sb_init(&pr.fmt);
	int pretty = e->pretty;
	if (strcmp(which, "locals") != 0) {
		bool first = true;
		for (int i = 0; ev && i < ev->nfields; i++) {
			const struct tp_field *fl = &ev->fields[i];
			if (fl->is_common)
				continue;
			if (!first)
				pretty_text(&pr, " ");
			first = false;
			pretty_text(&pr, fl->name);
			pretty_text(&pr, "=");
			struct tplace p;
			bool typed = field_place(fl, &p);
			if (fl->kind == TP_FIELD_DATA_LOC_STR || fl->kind == TP_FIELD_REL_LOC_STR) {
				const char *s = em_tmp_str(f);
				em_line(f, "btap_tp_dataloc_str(c, %s, %d, %d);", s, fl->offset,
					fl->kind == TP_FIELD_REL_LOC_STR ? 1 : 0);
				pretty_text(&pr, "\"");
				pretty_arg(&pr, "%s", s, true);
				pretty_text(&pr, "\"");
			} else if (fl->kind == TP_FIELD_CHAR_ARRAY) {
				const char *s = em_tmp_str(f);
				em_line(f, "btap_tp_chars(c, %s, %d, %d);", s, fl->offset,
					fl->array_len > 0 ? fl->array_len : fl->size);
				pretty_text(&pr, "\"");
				pretty_arg(&pr, "%s", s, true);
				pretty_text(&pr, "\"");
			} else if (!pretty && fl->kind == TP_FIELD_INT) {
				const char *t = em_tmp_long(f);
				int vs = fl->val_size > 0 ? fl->val_size : fl->size;
				em_line(f, "%s = btap_tp_int(c, %d, %d, %d, %d);", t, fl->offset,
					fl->size > 8 ? 8 : fl->size, vs, fl->val_signed ? 1 : 0);
				pretty_arg(&pr, "0x%llx", t, false);
			} else if (!pretty && fl->kind == TP_FIELD_POINTER) {
				const char *t = em_tmp_long(f);
				em_line(f, "%s = btap_tp_int(c, %d, 8, 8, 0);", t, fl->offset);
				pretty_arg(&pr, "0x%016llx", t, false);
			} else if (pretty && typed) {
				struct walk w = { .f = f, .path = "", .loc = e->loc, .place = p, .tolerant = true };
				w.site = em_site(f->em, e->loc, "identifier '$$vars'");
				w.rec_off = arena_printf(f->em->a, "%d", fl->offset);
				pretty_place(&pr, &w, true, pretty > 1, 0);
			} else {
				pretty_text(&pr, "?");
			}
		}
	}
	const char *s = pretty_result(&pr);
	sb_free(&pr.fmt);
	return s;
}

/* ---- process probes: variables located by DWARF ---------------------------- */

/* A DWARF-derived expression over the probe's registers and the process's
 * (a kernel statement's: the kernel's) memory, as C. The load bias of a
 * position-independent binary is the probe's ip minus its link-time
 * address. */
static const char *uexpr_c(struct em_fn *f, const struct uexpr *x, const struct usite *us, int site, bool tolerant)
{
	uint64_t at = us->addr;
	bool dyn = us->bin->is_dyn;
	struct arena *a = f->em->a;
	switch (x->op) {
	case UX_CONST:
		return arena_printf(a, "((int64_t)%" PRId64 "ll)", x->v);
	case UX_REG: {
		const char *r = arena_printf(a, "btap_ureg(c, %d)", x->reg);
		if (x->size > 0 && x->size < 8)
			return arena_printf(a, "btap_extend((uint64_t)%s, %d, %d)", r, x->size, x->sgn ? 1 : 0);
		return r;
	}
	case UX_ADDR:
		if (!dyn)
			return arena_printf(a, "((int64_t)0x%" PRIx64 "ll)", (uint64_t)x->v);
		return arena_printf(a, "(btap_ureg(c, %d) - (int64_t)0x%" PRIx64 "ll + (int64_t)0x%" PRIx64 "ll)",
				    UREG_IP, at, (uint64_t)x->v);
	case UX_DEREF: {
		const char *addr = uexpr_c(f, x->a, us, site, tolerant);
		const char *t = em_tmp_long(f);
		em_line(f, "%s = %s(c, %s, %d, %d);", t, us->kernel ? "btap_kread" : "btap_uread", addr, x->size,
			x->sgn ? 1 : 0);
		if (tolerant)
			em_line(f, "if (BTAP_ERR(c)) btap_catch(c, 0);");
		else
			em_err_check(f, site);
		return t;
	}
	case UX_BIN: {
		const char *l = uexpr_c(f, x->a, us, site, tolerant), *r = uexpr_c(f, x->b, us, site, tolerant);
		if (strcmp(x->bin, ">>") == 0) /* DW_OP_shr is a logical shift */
			return arena_printf(a, "((int64_t)((uint64_t)(%s) >> ((%s) & 63)))", l, r);
		if (strcmp(x->bin, "<<") == 0)
			return arena_printf(a, "((int64_t)((uint64_t)(%s) << ((%s) & 63)))", l, r);
		return arena_printf(a, "((int64_t)((uint64_t)(%s) %s (uint64_t)(%s)))", l, x->bin, r);
	}
	case UX_NEG:
		return arena_printf(a, "(-(%s))", uexpr_c(f, x->a, us, site, tolerant));
	case UX_NOT:
		return arena_printf(a, "(~(%s))", uexpr_c(f, x->a, us, site, tolerant));
	}
	return "0";
}

/* Where variable v starts: *w walks from memory, or *val is its value
 * (a register or a computed value, NULL for memory). */
static void user_start(struct em_fn *f, const struct uvar *v, const struct usite *us, struct walk *w, const char **val)
{
	*val = NULL;
	switch (v->loc.kind) {
	case ULOC_MEM:
		w->base = uexpr_c(f, v->loc.e, us, w->site, w->tolerant);
		break;
	case ULOC_REG:
		*val = arena_printf(f->em->a, "btap_ureg(c, %d)", v->loc.reg);
		break;
	case ULOC_VALUE:
		*val = uexpr_c(f, v->loc.e, us, w->site, w->tolerant);
		break;
	}
}

/* A value held in a register: an integer of its type's width. */
static const char *user_int_value(struct em_fn *f, const char *val, struct tplace t)
{
	int size = 8;
	bool sgn = true;
	if (tplace_class(t) == TPLACE_INT && tplace_int(t, &size, &sgn) && size < 8) {
		const char *r = em_tmp_long(f);
		em_line(f, "%s = btap_extend((uint64_t)%s, %d, %d);", r, val, size, sgn ? 1 : 0);
		return r;
	}
	const char *r = em_tmp_long(f);
	em_line(f, "%s = %s;", r, val);
	return r;
}

/* Pretty-print variable v ("$x$", an entry of $$parms). */
static void pretty_user_var(struct pretty *pr, struct em_fn *f, const struct uvar *v, const struct usite *us, int site,
			    bool full)
{
	if (!v->located) {
		pretty_text(pr, "?");
		return;
	}
	struct walk w = { .f = f, .path = "", .loc = {0}, .place = v->type, .tolerant = true, .user = !us->kernel,
			  .dwarf = true, .site = site };
	const char *val;
	user_start(f, v, us, &w, &val);
	if (!val) {
		pretty_place(pr, &w, true, full, 0);
		return;
	}
	const char *x = user_int_value(f, val, v->type);
	enum tplace_class k = tplace_known(v->type) ? tplace_class(v->type) : TPLACE_INT;
	struct tplace q = v->type;
	if (k == TPLACE_POINTER && pointee_is_char(v->type)) {
		const char *s = em_tmp_str(f);
		em_line(f, "%s(%s, %s, \"<unknown>\");", us->kernel ? "btap_kstring_or" : "btap_ustring_or", s, x);
		pretty_text(pr, "\"");
		pretty_arg(pr, "%s", s, true);
		pretty_text(pr, "\"");
	} else if (k == TPLACE_POINTER && tplace_index(&q) && tplace_class(q) == TPLACE_AGGREGATE) {
		w.base = x;
		w.place = q;
		pretty_struct(pr, &w, true, full, 0);
	} else if (k == TPLACE_POINTER) {
		pretty_arg(pr, "0x%llx", x, false);
	} else {
		int size;
		bool sgn = true;
		if (tplace_known(v->type))
			tplace_int(v->type, &size, &sgn);
		pretty_arg(pr, sgn ? "%lld" : "%llu", x, false);
	}
}

/* An entry of $$parms without '$': stap prints numbers in hex. */
static void plain_user_var(struct pretty *pr, struct em_fn *f, const struct uvar *v, const struct usite *us, int site)
{
	enum tplace_class k = tplace_known(v->type) ? tplace_class(v->type) : TPLACE_INT;
	if (!v->located || (k != TPLACE_INT && k != TPLACE_POINTER)) {
		pretty_text(pr, "?");
		return;
	}
	struct walk w = { .f = f, .path = "", .place = v->type, .tolerant = true, .user = !us->kernel, .dwarf = true,
			  .site = site };
	const char *val;
	user_start(f, v, us, &w, &val);
	const char *x = val ? user_int_value(f, val, v->type) : read_value(&w);
	pretty_arg(pr, "0x%llx", x, false);
}

/* $$vars, $$parms, $$locals, $$return, $$name, $$provider. */
static const char *user_context_var(struct em_fn *f, struct expr *e, const struct uvar_access *ua)
{
	const struct usite *site = ua->site;
	if (strcmp(ua->what, "name") == 0)
		return em_probe_str(f, e->loc, site->mark ? site->mark->name : site->plt_name ? site->plt_name : "");
	if (strcmp(ua->what, "provider") == 0)
		return em_probe_str(f, e->loc, site->mark ? site->mark->provider : "");
	int sitei = em_site(f->em, e->loc, arena_printf(f->em->a, "identifier '$$%s'", ua->what));
	struct pretty pr = { .f = f };
	sb_init(&pr.fmt);
	int pretty = e->pretty;
	if (!pretty && e->components.n) {
		const struct component *last = VEC_AT(e->components, e->components.n - 1, const struct component *);
		if (last->kind == COMP_PRETTY)
			pretty = last->pretty;
	}
	bool first = true;
	for (int i = 0; i < ua->nvars; i++) {
		const struct uvar *v = &ua->vars[i];
		if (!first)
			pretty_text(&pr, " ");
		first = false;
		pretty_text(&pr, v->name);
		pretty_text(&pr, "=");
		if (pretty)
			pretty_user_var(&pr, f, v, site, sitei, pretty > 1);
		else
			plain_user_var(&pr, f, v, site, sitei);
	}
	const char *s = pretty_result(&pr);
	sb_free(&pr.fmt);
	return s;
}

/* A target variable at a process probe: $x, $x->a[i], &$x, $x$, $$parms. */
const char *em_user_target(struct em_fn *f, struct expr *e)
{
	const struct uvar_access *ua = e->target_info;
	if (!ua) {
		diag_error(e->loc, "unresolved target variable");
		return "0";
	}
	if (ua->what)
		return user_context_var(f, e, ua);
	const struct uvar *v = ua->var;
	const struct usite *us = ua->site;
	struct walk w = { .f = f, .path = "", .loc = e->loc, .place = v->type, .user = !us->kernel, .dwarf = true };
	w.site = em_site(f->em, e->loc, arena_printf(f->em->a, "identifier '$%s'", v->name));
	int level;
	if (chain_is_pretty(e, &level) && e->components.n == 1) {
		struct pretty pr = { .f = f };
		sb_init(&pr.fmt);
		pretty_user_var(&pr, f, v, ua->site, w.site, level > 1);
		const char *s = pretty_result(&pr);
		sb_free(&pr.fmt);
		return s;
	}
	const char *val;
	user_start(f, v, us, &w, &val);
	if (val) {
		if (e->addressof && !e->components.n) { /* &$p->member is the pointer's business */
			diag_error(e->loc, "cannot take the address of '$%s': it is held in a register", v->name);
			return "0";
		}
		const char *x = user_int_value(f, val, v->type);
		if (!e->components.n || !tplace_known(v->type))
			return x;
		if (tplace_class(v->type) != TPLACE_POINTER) {
			diag_error(e->loc, "'$%s' is held in a register: only a pointer there can be followed", v->name);
			return "0";
		}
		/* the pointer's value is the object's address */
		w.base = x;
		tplace_index(&w.place);
		w.pending_ptr = true;
	}
	if (!walk_components(&w, e, 0))
		return "0";
	return finish_chain(&w, f, e);
}
