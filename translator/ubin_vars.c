/* DWARF at one address of a binary: where a function's probe goes (after
 * its prologue), which variables are in scope there, and where each one
 * lives, its DWARF location expression turned into a uexpr over the
 * probe's registers and memory (frame bases through the call frame
 * information). Location forms btap cannot follow are reported, never
 * guessed. */
#include "ubin_internal.h"
#include "type_dwarf.h"

#include <dwarf.h>
#include <fnmatch.h>
#include <stdlib.h>
#include <string.h>

const struct type_source *ubin_types(const struct ubin *b, char **err)
{
	struct ubin_priv *p = b->priv;
	*err = NULL;
	if (!p->types_tried) {
		p->types_tried = true;
		if (b->debug_path)
			p->types = type_source_dwarf_open(b->debug_path, &p->types_err);
	}
	if (!p->types) {
		char msg[4200];
		snprintf(msg, sizeof msg, "%s", p->types_err ? p->types_err : "no DWARF debug information");
		*err = xstrdup(msg);
	}
	return p->types;
}

static bool func_die(const struct ubin *b, const struct ubin_func *f, Dwarf_Die *die)
{
	return f->die && ubin_open_dwarf(b) && b->priv->dw && dwarf_offdie(b->priv->dw, f->die, die);
}

/* Did the compiler optimize this unit? GCC records its options in
 * DW_AT_producer ("GNU C17 12.2.0 -g -O2"; no -O at all is -O0); where
 * the producer says nothing of them (clang) the code is taken as optimized
 * unless the line table marks the prologue's end itself. */
static bool unit_optimized(Dwarf_Die *cu)
{
	Dwarf_Attribute attr;
	const char *prod = dwarf_formstring(dwarf_attr(cu, DW_AT_producer, &attr));
	if (!prod)
		return true;
	const char *o = NULL;
	for (const char *p = strstr(prod, " -O"); p; p = strstr(p + 1, " -O"))
		o = p; /* the last -O wins */
	if (!o)
		return strncmp(prod, "GNU ", 4) != 0;
	return o[3] != '0' && o[3] != ' ' && o[3] != '\0';
}

uint64_t ubin_probe_addr(const struct ubin *b, const struct ubin_func *f)
{
	Dwarf_Die die, cu;
	Dwarf_Lines *lines;
	size_t n;
	if (!f->size || !func_die(b, f, &die) || !dwarf_diecu(&die, &cu, NULL, NULL) ||
	    dwarf_getsrclines(&cu, &lines, &n) != 0)
		return f->addr;
	uint64_t end = f->addr + f->size, second = 0;
	for (size_t i = 0; i < n; i++) {
		Dwarf_Line *l = dwarf_onesrcline(lines, i);
		Dwarf_Addr a;
		bool stmt = false, pe = false;
		if (!l || dwarf_lineaddr(l, &a) != 0 || a < f->addr || a >= end)
			continue;
		dwarf_lineprologueend(l, &pe);
		if (pe && a > f->addr)
			return a; /* the compiler says where the body starts */
		dwarf_linebeginstatement(l, &stmt);
		if (stmt && a > f->addr && (!second || a < second))
			second = a;
	}
	/* The second statement follows the prologue in unoptimized code;
	 * optimized code may reorder it into a branch, and keeps parameters
	 * where its location lists say at the entry anyway. */
	if (second && !unit_optimized(&cu))
		return second;
	return f->addr;
}

bool ubin_return_type(const struct ubin *b, const struct ubin_func *f, struct tplace *t)
{
	Dwarf_Die die;
	char *err;
	const struct type_source *src = ubin_types(b, &err);
	free(err);
	if (!src || !func_die(b, f, &die))
		return false;
	*t = (struct tplace){.src = src, .id = type_dwarf_type_of(&die)};
	return t->id != 0;
}

static bool file_matches(const char *dwarf_file, const char *file);

/* ---- location expressions ---------------------------------------------- */

struct xlate {
	struct arena *a;
	const struct ubin *b;
	Dwarf_Die *func;
	uint64_t pc;
	const char *why;
	int depth;
};

static struct uexpr *node(struct xlate *x, enum uexpr_op op)
{
	struct uexpr *e = arena_alloc(x->a, sizeof(*e));
	e->op = op;
	e->size = 8;
	return e;
}

static const struct uexpr *konst(struct xlate *x, int64_t v)
{
	struct uexpr *e = node(x, UX_CONST);
	e->v = v;
	return e;
}

static const struct uexpr *reg(struct xlate *x, int r)
{
	struct uexpr *e = node(x, UX_REG);
	e->reg = r;
	return e;
}

static const struct uexpr *binop(struct xlate *x, const char *op, const struct uexpr *l, const struct uexpr *r)
{
	struct uexpr *e = node(x, UX_BIN);
	e->bin = op;
	e->a = l;
	e->b = r;
	return e;
}

static bool fail(struct xlate *x, const char *why)
{
	if (!x->why)
		x->why = why;
	return false;
}

/* x86-64's general registers and the instruction pointer: DWARF 0-16. */
static bool known_reg(struct xlate *x, int r)
{
	if (r >= 0 && r <= UREG_IP)
		return true;
	return fail(x, arena_printf(x->a, "it is in DWARF register %d, which btap cannot read", r));
}

static bool xlate(struct xlate *x, const Dwarf_Op *ops, size_t n, struct uloc *out);

/* The value of a location used as a value: frame bases, CFAs. */
static bool value_of(struct xlate *x, const Dwarf_Op *ops, size_t n, const struct uexpr **v)
{
	struct uloc l;
	if (!xlate(x, ops, n, &l))
		return false;
	*v = l.kind == ULOC_REG ? reg(x, l.reg) : l.e;
	return true;
}

static bool frame_cfa(struct xlate *x, const struct uexpr **v)
{
	Dwarf_CFI *cfi = ubin_open_dwarf(x->b) ? dwarf_getcfi_elf(x->b->priv->elf) : NULL;
	Dwarf_Frame *frame = NULL;
	bool ok = false;
	if (cfi && dwarf_cfi_addrframe(cfi, x->pc, &frame) == 0) {
		Dwarf_Op *ops;
		size_t n;
		if (dwarf_frame_cfa(frame, &ops, &n) == 0)
			ok = value_of(x, ops, n, v);
	}
	if (!ok && !x->why) {
		Dwarf_CFI *dcfi = x->b->priv->dw ? dwarf_getcfi(x->b->priv->dw) : NULL;
		Dwarf_Frame *f2 = NULL;
		Dwarf_Op *ops;
		size_t n;
		if (dcfi && dwarf_cfi_addrframe(dcfi, x->pc, &f2) == 0 && dwarf_frame_cfa(f2, &ops, &n) == 0)
			ok = value_of(x, ops, n, v);
		free(f2);
	}
	free(frame);
	if (cfi)
		dwarf_cfi_end(cfi);
	return ok || fail(x, "the call frame information does not cover this address");
}

static bool frame_base(struct xlate *x, const struct uexpr **v)
{
	Dwarf_Attribute attr;
	Dwarf_Op *ops;
	size_t n;
	if (!dwarf_attr_integrate(x->func, DW_AT_frame_base, &attr) ||
	    dwarf_getlocation_addr(&attr, x->pc, &ops, &n, 1) != 1)
		return fail(x, "its function's frame base is unknown at this address");
	return value_of(x, ops, n, v);
}

#define STACK_MAX 64

static bool xlate(struct xlate *x, const Dwarf_Op *ops, size_t n, struct uloc *out)
{
	if (++x->depth > 8)
		return fail(x, "its location is too deeply nested");
	const struct uexpr *st[STACK_MAX];
	int sp = 0;
#define PUSH(e) do { const struct uexpr *e_ = (e); if (sp == STACK_MAX) return fail(x, "its location is too complex"); st[sp] = e_; sp++; } while (0)
#define NEED(k) do { if (sp < (k)) return fail(x, "its location expression is malformed"); } while (0)
	if (n == 0)
		return fail(x, "it is optimized out here");
	/* one piece that is the whole value is no piece at all */
	if (ops[n - 1].atom == DW_OP_piece) {
		for (size_t i = 0; i + 1 < n; i++)
			if (ops[i].atom == DW_OP_piece || ops[i].atom == DW_OP_bit_piece)
				return fail(x, "it is split across several places (DW_OP_piece)");
		n--;
		if (n == 0)
			return fail(x, "it is optimized out here");
	}
	for (size_t i = 0; i < n; i++) {
		const Dwarf_Op *op = &ops[i];
		unsigned atom = op->atom;
		if (atom >= DW_OP_reg0 && atom <= DW_OP_reg31) {
			if (i + 1 != n)
				return fail(x, "its location is malformed (a register in the middle)");
			if (!known_reg(x, (int)(atom - DW_OP_reg0)))
				return false;
			*out = (struct uloc){.kind = ULOC_REG, .reg = (int)(atom - DW_OP_reg0)};
			return true;
		}
		if (atom >= DW_OP_breg0 && atom <= DW_OP_breg31) {
			if (!known_reg(x, (int)(atom - DW_OP_breg0)))
				return false;
			PUSH(binop(x, "+", reg(x, (int)(atom - DW_OP_breg0)), konst(x, (int64_t)op->number)));
			continue;
		}
		if (atom >= DW_OP_lit0 && atom <= DW_OP_lit31) {
			PUSH(konst(x, (int64_t)(atom - DW_OP_lit0)));
			continue;
		}
		switch (atom) {
		case DW_OP_regx:
			if (i + 1 != n)
				return fail(x, "its location is malformed (a register in the middle)");
			if (!known_reg(x, (int)op->number))
				return false;
			*out = (struct uloc){.kind = ULOC_REG, .reg = (int)op->number};
			return true;
		case DW_OP_bregx:
			if (!known_reg(x, (int)op->number))
				return false;
			PUSH(binop(x, "+", reg(x, (int)op->number), konst(x, (int64_t)op->number2)));
			break;
		case DW_OP_addr: {
			struct uexpr *e = node(x, UX_ADDR);
			e->v = (int64_t)op->number;
			PUSH(e);
			break;
		}
		case DW_OP_const1u: case DW_OP_const2u: case DW_OP_const4u: case DW_OP_const8u:
		case DW_OP_const1s: case DW_OP_const2s: case DW_OP_const4s: case DW_OP_const8s:
		case DW_OP_constu: case DW_OP_consts:
			PUSH(konst(x, (int64_t)op->number));
			break;
		case DW_OP_fbreg: {
			const struct uexpr *fb;
			if (!frame_base(x, &fb))
				return false;
			PUSH(binop(x, "+", fb, konst(x, (int64_t)op->number)));
			break;
		}
		case DW_OP_call_frame_cfa: {
			const struct uexpr *cfa;
			if (!frame_cfa(x, &cfa))
				return false;
			PUSH(cfa);
			break;
		}
		case DW_OP_deref:
		case DW_OP_deref_size: {
			NEED(1);
			struct uexpr *e = node(x, UX_DEREF);
			e->a = st[sp - 1];
			e->size = atom == DW_OP_deref ? 8 : (int)op->number;
			if (e->size != 1 && e->size != 2 && e->size != 4 && e->size != 8)
				return fail(x, "its location reads an odd size");
			st[sp - 1] = e;
			break;
		}
		case DW_OP_plus_uconst:
			NEED(1);
			st[sp - 1] = binop(x, "+", st[sp - 1], konst(x, (int64_t)op->number));
			break;
		case DW_OP_plus: case DW_OP_minus: case DW_OP_mul: case DW_OP_and: case DW_OP_or:
		case DW_OP_xor: case DW_OP_shl: case DW_OP_shr: {
			NEED(2);
			const char *o = atom == DW_OP_plus ? "+" : atom == DW_OP_minus ? "-" : atom == DW_OP_mul ? "*"
				      : atom == DW_OP_and ? "&" : atom == DW_OP_or ? "|" : atom == DW_OP_xor ? "^"
				      : atom == DW_OP_shl ? "<<" : ">>";
			st[sp - 2] = binop(x, o, st[sp - 2], st[sp - 1]);
			sp--;
			break;
		}
		case DW_OP_neg:
		case DW_OP_not: {
			NEED(1);
			struct uexpr *e = node(x, atom == DW_OP_neg ? UX_NEG : UX_NOT);
			e->a = st[sp - 1];
			st[sp - 1] = e;
			break;
		}
		case DW_OP_dup:
			NEED(1);
			PUSH(st[sp - 1]);
			break;
		case DW_OP_drop:
			NEED(1);
			sp--;
			break;
		case DW_OP_over:
			NEED(2);
			PUSH(st[sp - 2]);
			break;
		case DW_OP_swap: {
			NEED(2);
			const struct uexpr *t = st[sp - 1];
			st[sp - 1] = st[sp - 2];
			st[sp - 2] = t;
			break;
		}
		case DW_OP_stack_value:
			NEED(1);
			*out = (struct uloc){.kind = ULOC_VALUE, .e = st[sp - 1]};
			return true;
		case DW_OP_implicit_value: {
			if (op->number > 8)
				return fail(x, "its value is a constant wider than 8 bytes");
			uint64_t v = 0;
			memcpy(&v, (const void *)(uintptr_t)op->number2, (size_t)op->number);
			*out = (struct uloc){.kind = ULOC_VALUE, .e = konst(x, (int64_t)v)};
			return true;
		}
		case DW_OP_entry_value:
		case DW_OP_GNU_entry_value:
			return fail(x, "it is known only from the caller's registers at the function's entry "
				       "(DW_OP_entry_value)");
		case DW_OP_implicit_pointer:
		case DW_OP_GNU_implicit_pointer:
			return fail(x, "it points to a value that was optimized out (DW_OP_implicit_pointer)");
		default:
			return fail(x, arena_printf(x->a, "its location uses DWARF operation 0x%x, which btap "
						    "does not follow", atom));
		}
	}
	NEED(1);
	*out = (struct uloc){.kind = ULOC_MEM, .e = st[sp - 1]};
	return true;
#undef PUSH
#undef NEED
}

/* ---- variables ----------------------------------------------------------- */

static const char *attr_name(Dwarf_Die *die)
{
	Dwarf_Attribute attr;
	const char *n = dwarf_formstring(dwarf_attr_integrate(die, DW_AT_name, &attr));
	return n && *n ? n : NULL;
}

static bool seen_name(struct vec *vars, const char *name)
{
	VEC_FOREACH(*vars, i)
		if (strcmp(VEC_AT(*vars, i, struct uvar *)->name, name) == 0)
			return true;
	return false;
}

static void locate(struct xlate *x, Dwarf_Die *var, struct uvar *v)
{
	Dwarf_Attribute attr;
	Dwarf_Op *ops;
	size_t n;
	x->why = NULL;
	x->depth = 0;
	if (dwarf_attr_integrate(var, DW_AT_const_value, &attr)) {
		Dwarf_Sword sv;
		Dwarf_Word uv;
		int64_t value;
		if (dwarf_whatform(&attr) == DW_FORM_sdata && dwarf_formsdata(&attr, &sv) == 0)
			value = (int64_t)sv;
		else if (dwarf_formudata(&attr, &uv) == 0)
			value = (int64_t)uv;
		else {
			v->why = "it is a constant btap cannot read";
			return;
		}
		v->loc = (struct uloc){.kind = ULOC_VALUE, .e = konst(x, value)};
		v->located = true;
		return;
	}
	if (!dwarf_attr(var, DW_AT_location, &attr)) {
		v->why = "it is optimized out";
		return;
	}
	int k = dwarf_getlocation_addr(&attr, x->pc, &ops, &n, 1);
	if (k <= 0) {
		v->why = "it is not available at this address";
		return;
	}
	v->located = xlate(x, ops, n, &v->loc);
	if (!v->located)
		v->why = x->why ? x->why : "its location cannot be followed";
}

static struct uvar *new_var(struct arena *a, const struct type_source *src, Dwarf_Die *die, bool param)
{
	struct uvar *v = arena_alloc(a, sizeof(*v));
	v->name = arena_strdup(a, attr_name(die));
	v->type = (struct tplace){.src = src, .id = type_dwarf_type_of(die)};
	v->is_param = param;
	return v;
}

/* The variables directly in scope die: parameters when params, else locals. */
static void scope_vars(struct xlate *x, const struct type_source *src, Dwarf_Die *scope, bool params,
		       struct vec *vars)
{
	Dwarf_Die c;
	if (dwarf_child(scope, &c) != 0)
		return;
	do {
		int tag = dwarf_tag(&c);
		if (tag != (params ? DW_TAG_formal_parameter : DW_TAG_variable))
			continue;
		const char *name = attr_name(&c);
		if (!name || seen_name(vars, name))
			continue;
		struct uvar *v = new_var(x->a, src, &c, params);
		if (x->pc)
			locate(x, &c, v);
		vec_push(x->a, vars, v);
	} while (dwarf_siblingof(&c, &c) == 0);
}

int ubin_vars_at(struct arena *a, const struct ubin *b, const struct ubin_func *f, uint64_t addr,
		 struct uvar **out, const char **err)
{
	*out = NULL;
	Dwarf_Die die;
	char *terr;
	const struct type_source *src = ubin_types(b, &terr);
	if (!src || !func_die(b, f, &die)) {
		*err = arena_printf(a, "%s has no DWARF debug information for '%s'%s%s", b->path, f->name,
				    terr ? ": " : "", terr ? terr : "");
		free(terr);
		return -1;
	}
	/* an inlined copy's variables use its subprogram's frame base */
	Dwarf_Die frame;
	bool inlined = f->frame_die && dwarf_offdie(b->priv->dw, f->frame_die, &frame);
	struct xlate x = {.a = a, .b = b, .func = inlined ? &frame : &die, .pc = addr};
	struct vec vars = {0};
	scope_vars(&x, src, &die, true, &vars);
	/* locals: the innermost block holding addr first, out to the function */
	Dwarf_Die cu, *scopes = NULL;
	int ns = addr && dwarf_diecu(&die, &cu, NULL, NULL) ? dwarf_getscopes(&cu, addr, &scopes) : 0;
	bool reached = false;
	for (int i = 0; i < ns && !reached; i++) {
		reached = dwarf_dieoffset(&scopes[i]) == f->die;
		scope_vars(&x, src, &scopes[i], false, &vars);
	}
	free(scopes);
	if (!reached)
		scope_vars(&x, src, &die, false, &vars);
	struct uvar *v = arena_alloc(a, sizeof(*v) * (size_t)(vars.n ? vars.n : 1));
	VEC_FOREACH(vars, i)
		v[i] = *VEC_AT(vars, i, struct uvar *);
	*out = v;
	return vars.n;
}

void ubin_put_type(struct strbuf *out, struct tplace t)
{
	if (!tplace_known(t)) {
		sb_puts(out, "long");
		return;
	}
	struct arena a;
	arena_init(&a);
	for (const char *p = tplace_type_name(&a, t); *p; p++)
		if (!(p[0] == ' ' && p[1] == '*'))
			sb_putc(out, *p);
	arena_free(&a);
}

void ubin_describe_func(const struct ubin *b, const struct ubin_func *f, struct strbuf *out)
{
	if (f->vars) {
		sb_puts(out, f->vars);
		return;
	}
	struct arena a;
	arena_init(&a);
	struct uvar *vars;
	const char *err;
	/* no address: the names and types, without locating anything */
	int n = f->die ? ubin_vars_at(&a, b, f, 0, &vars, &err) : 0;
	for (int i = 0; i < n; i++) {
		if (out->len)
			sb_putc(out, ' ');
		sb_printf(out, "$%s:", vars[i].name);
		ubin_put_type(out, vars[i].type);
	}
	arena_free(&a);
}

bool ubin_func_has_pc(const struct ubin *b, const struct ubin_func *f, uint64_t addr)
{
	Dwarf_Die die;
	return f->die && ubin_open_dwarf(b) && b->priv->dw && dwarf_offdie(b->priv->dw, f->die, &die) &&
	       dwarf_haspc(&die, addr) == 1;
}

/* ---- source lines --------------------------------------------------------- */

/* Does a DWARF file name end with the script's file ("target.c" matches
 * "tests/uprobe/target.c", not "xtarget.c")? Wildcards allowed. */
static bool file_matches(const char *dwarf_file, const char *file)
{
	if (fnmatch(file, dwarf_file, 0) == 0)
		return true;
	const char *slash = strrchr(dwarf_file, '/');
	for (const char *p = dwarf_file; p; p = strchr(p + 1, '/'))
		if (*p == '/' && fnmatch(file, p + 1, 0) == 0)
			return true;
	return slash && fnmatch(file, slash + 1, 0) == 0;
}

static int cmp_uline(const void *x, const void *y)
{
	const struct uline *a = x, *b = y;
	if (a->line != b->line)
		return a->line < b->line ? -1 : 1;
	return a->addr < b->addr ? -1 : a->addr > b->addr;
}

/* The statements of one unit's line table in lines lo..hi of files that
 * match, added to out[*n] (counted past max): the first address of each
 * line of each file, in each function (within: only in that DIE's code). */
static void unit_lines(const struct ubin *b, Dwarf_Lines *lines, size_t nl, const char *file, int lo, int hi,
		       Dwarf_Die *within, struct uline *out, int *n, int max)
{
	for (size_t i = 0; i < nl; i++) {
		Dwarf_Line *l = dwarf_onesrcline(lines, i);
		int ln = 0;
		bool stmt = false;
		Dwarf_Addr a;
		if (!l || dwarf_lineno(l, &ln) != 0 || ln < lo || ln > hi || dwarf_linebeginstatement(l, &stmt) != 0 ||
		    !stmt || dwarf_lineaddr(l, &a) != 0 || (within && dwarf_haspc(within, a) != 1))
			continue;
		const char *src = dwarf_linesrc(l, NULL, NULL);
		if (!src || !file_matches(src, file))
			continue;
		const struct ubin_func *f = within ? NULL : ubin_func_at(b, a);
		int k;
		for (k = 0; k < *n && k < max; k++)
			if (out[k].line == ln && out[k].file == src && (within || ubin_func_at(b, out[k].addr) == f))
				break;
		if (k < *n && k < max) {
			if (a < out[k].addr)
				out[k].addr = a;
			continue;
		}
		if (*n < max)
			out[*n] = (struct uline){a, ln, src};
		(*n)++;
	}
}

int ubin_func_lines(const struct ubin *b, const struct ubin_func *f, const char *file, int lo, int hi,
		    struct uline *out, int max)
{
	if (!ubin_open_dwarf(b) || !b->priv->dw)
		return -1;
	Dwarf_Die cudie, die;
	Dwarf_Lines *lines;
	size_t nl;
	if (!f->die || !dwarf_offdie(b->priv->dw, f->die, &die) || !dwarf_addrdie(b->priv->dw, f->addr, &cudie) ||
	    dwarf_getsrclines(&cudie, &lines, &nl) != 0)
		return 0;
	int n = 0;
	unit_lines(b, lines, nl, file, lo, hi, &die, out, &n, max);
	qsort(out, (size_t)(n < max ? n : max), sizeof(*out), cmp_uline);
	return n;
}

int ubin_line_addrs(const struct ubin *b, const char *file, int lo, int hi, struct uline *out, int max)
{
	if (!ubin_open_dwarf(b) || !b->priv->dw)
		return -1;
	int n = 0;
	Dwarf_CU *cu = NULL;
	Dwarf_Die cudie, subdie;
	uint8_t unit_type;
	Dwarf_Half version;
	while (dwarf_get_units(b->priv->dw, cu, &cu, &version, &unit_type, &cudie, &subdie) == 0) {
		Dwarf_Lines *lines;
		size_t nl;
		if (dwarf_getsrclines(&cudie, &lines, &nl) == 0)
			unit_lines(b, lines, nl, file, lo, hi, NULL, out, &n, max);
	}
	qsort(out, (size_t)(n < max ? n : max), sizeof(*out), cmp_uline);
	return n;
}

bool ubin_src_line(const struct ubin *b, uint64_t addr, const char **file, int *line)
{
	Dwarf_Die cudie;
	if (!ubin_open_dwarf(b) || !b->priv->dw || !dwarf_addrdie(b->priv->dw, addr, &cudie))
		return false;
	Dwarf_Line *l = dwarf_getsrc_die(&cudie, addr);
	const char *src = l ? dwarf_linesrc(l, NULL, NULL) : NULL;
	if (!src || dwarf_lineno(l, line) != 0)
		return false;
	*file = src;
	return true;
}

/* ---- globals ----------------------------------------------------------------- */

bool ubin_global_var(struct arena *a, const struct ubin *b, const char *name, const char *file, struct uvar *out,
		     const char **why)
{
	char *terr;
	const struct type_source *src = ubin_types(b, &terr);
	free(terr);
	if (!src || !ubin_open_dwarf(b) || !b->priv->dw) {
		*why = arena_printf(a, "%s has no DWARF debug information", b->path);
		return false;
	}
	Dwarf_CU *cu = NULL;
	Dwarf_Die cudie, subdie;
	uint8_t unit_type;
	Dwarf_Half version;
	while (dwarf_get_units(b->priv->dw, cu, &cu, &version, &unit_type, &cudie, &subdie) == 0) {
		Dwarf_Die c;
		if (dwarf_child(&cudie, &c) != 0)
			continue;
		do {
			if (dwarf_tag(&c) != DW_TAG_variable)
				continue;
			const char *n = attr_name(&c);
			Dwarf_Attribute attr;
			if (!n || strcmp(n, name) != 0 || !dwarf_attr_integrate(&c, DW_AT_location, &attr))
				continue;
			const char *decl = dwarf_decl_file(&c);
			if (file && (!decl || !file_matches(decl, file)))
				continue;
			struct xlate x = {.a = a, .b = b, .func = &c, .pc = 0};
			*out = *new_var(a, src, &c, false);
			locate(&x, &c, out);
			if (!out->located)
				*why = out->why;
			return out->located;
		} while (dwarf_siblingof(&c, &c) == 0);
	}
	*why = arena_printf(a, "%s defines no global variable '%s'%s%s", b->path, name, file ? " in " : "",
			    file ? file : "");
	return false;
}
