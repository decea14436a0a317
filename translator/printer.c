/* -p1: the tree printed back as script text, in one canonical layout, with
 * only the parentheses the precedence rules need. Parsing the output gives
 * the same tree, so printing it again gives the same text. */
#include "printer.h"

#include <inttypes.h>
#include <string.h>

/* Binding strength of each expression form, loosest first; mirrors the
 * parser's levels. An &target is a value that takes no further postfix. */
enum prec {
	P_LOWEST,
	P_ASSIGN,
	P_TERNARY,
	P_OR,
	P_AND,
	P_BOR,
	P_BXOR,
	P_BAND,
	P_IN,
	P_CMP,
	P_SHIFT,
	P_CONCAT,
	P_ADD,
	P_MUL,
	P_UNARY,
	P_CREMENT,
	P_ADDR,
	P_VALUE,
};

static enum prec binary_prec(const char *op)
{
	switch (op[0]) {
	case '|': return op[1] == '|' ? P_OR : P_BOR;
	case '&': return op[1] == '&' ? P_AND : P_BAND;
	case '^': return P_BXOR;
	case '<': case '>': return P_SHIFT;
	case '+': case '-': return P_ADD;
	default: return P_MUL;
	}
}

static enum prec expr_prec(const struct expr *e)
{
	switch (e->kind) {
	case E_ASSIGN:
	case E_STATS_ADD: return P_ASSIGN;
	case E_TERNARY: return P_TERNARY;
	case E_LOGICAL:
	case E_BINARY: return binary_prec(e->op);
	case E_IN: return P_IN;
	case E_COMPARE: return P_CMP;
	case E_CONCAT: return P_CONCAT;
	case E_UNARY: return e->op[0] == '&' ? P_ADDR : P_UNARY;
	case E_INCDEC: return P_CREMENT;
	default: return e->addressof ? P_ADDR : P_VALUE;
	}
}

static void pe(struct strbuf *out, const struct expr *e, enum prec min);

static void print_number(struct strbuf *out, int64_t v, bool is_hex, bool is_signed)
{
	uint64_t u = (uint64_t)v;
	if (is_signed && v < 0) {
		sb_putc(out, '-');
		u = 0 - u;
	}
	if (is_hex)
		sb_printf(out, "0x%" PRIx64, u);
	else
		sb_printf(out, "%" PRIu64, u);
}

static void print_string(struct strbuf *out, const char *raw)
{
	sb_putc(out, '"');
	sb_puts(out, raw);
	sb_putc(out, '"');
}

/* A literal where a leading '-' belongs to the number (probe arguments,
 * global initializers, histogram parameters). */
static void print_literal(struct strbuf *out, const struct expr *e)
{
	if (e->kind == E_NUM)
		print_number(out, e->num, e->is_hex, true);
	else if (e->kind == E_STR)
		print_string(out, e->str);
	else
		pe(out, e, P_LOWEST);
}

static void print_args(struct strbuf *out, const struct vec *args, enum prec min)
{
	VEC_FOREACH(*args, i) {
		if (i)
			sb_puts(out, ", ");
		pe(out, VEC_AT(*args, i, const struct expr *), min);
	}
}

static void print_components(struct strbuf *out, const struct expr *e)
{
	VEC_FOREACH(e->components, i) {
		const struct component *c = VEC_AT(e->components, i, const struct component *);
		switch (c->kind) {
		case COMP_FIELD:
			sb_printf(out, "->%s", c->field);
			break;
		case COMP_INDEX:
			sb_putc(out, '[');
			pe(out, c->index, P_LOWEST);
			sb_putc(out, ']');
			break;
		case COMP_PRETTY:
			sb_puts(out, c->pretty == 2 ? "$$" : "$");
			break;
		}
	}
}

/* Would "op" followed by text starting with c lex as another operator? */
static bool needs_space(const char *op, char c)
{
	return (op[0] == '-' && c == '-') || (op[0] == '+' && c == '+') ||
	       (op[0] == '!' && c == '~');
}

static void print_unary(struct strbuf *out, const struct expr *e)
{
	struct strbuf operand;
	sb_init(&operand);
	pe(&operand, e->operand, e->op[0] == '&' ? P_VALUE : P_UNARY);
	sb_puts(out, e->op);
	if (operand.s && needs_space(e->op, operand.s[0]))
		sb_putc(out, ' ');
	sb_puts(out, operand.s ? operand.s : "");
	sb_free(&operand);
}

/* The operand of an autocast: an array name or histogram directly before
 * '[' would read as an element access, so it keeps its parentheses. */
static void print_autocast_operand(struct strbuf *out, const struct expr *e)
{
	const struct expr *v = e->operand;
	bool first_is_index = e->components.n &&
		VEC_AT(e->components, 0, const struct component *)->kind == COMP_INDEX;
	if (first_is_index && (v->kind == E_VAR || v->kind == E_HIST)) {
		sb_putc(out, '(');
		pe(out, v, P_LOWEST);
		sb_putc(out, ')');
	} else {
		pe(out, v, P_VALUE);
	}
}

static void print_in(struct strbuf *out, const struct expr *e)
{
	const struct expr *k0 = e->args.n ? VEC_AT(e->args, 0, const struct expr *) : NULL;
	if (e->args.n == 1 && k0->kind != E_STAR) {
		pe(out, k0, P_CMP);
	} else {
		sb_putc(out, '[');
		print_args(out, &e->args, P_CMP);
		sb_putc(out, ']');
	}
	sb_puts(out, " in ");
	pe(out, e->operand, P_VALUE);
}

static void print_value(struct strbuf *out, const struct expr *e)
{
	switch (e->kind) {
	case E_NUM:
		print_number(out, e->num, e->is_hex, false);
		break;
	case E_STR:
		print_string(out, e->str);
		break;
	case E_VAR:
		sb_puts(out, e->str);
		break;
	case E_TARGET:
		if (e->addressof)
			sb_putc(out, '&');
		if (e->operand)
			print_autocast_operand(out, e);
		else
			sb_printf(out, "$%s", e->str);
		print_components(out, e);
		break;
	case E_TARGET_VARS:
		sb_printf(out, "$$%s%s", e->op, e->pretty == 2 ? "$$" : e->pretty ? "$" : "");
		break;
	case E_CAST:
	case E_ATVAR:
		if (e->addressof)
			sb_putc(out, '&');
		sb_puts(out, e->kind == E_CAST ? "@cast(" : "@var(");
		if (e->kind == E_CAST) {
			pe(out, e->operand, P_LOWEST);
			sb_puts(out, ", ");
		}
		print_string(out, e->str);
		if (e->module) {
			sb_puts(out, ", ");
			print_string(out, e->module);
		}
		sb_putc(out, ')');
		print_components(out, e);
		break;
	case E_DEFINED:
	case E_ENTRY:
		sb_puts(out, e->kind == E_DEFINED ? "@defined(" : "@entry(");
		pe(out, e->operand, P_LOWEST);
		sb_putc(out, ')');
		break;
	case E_INDEX:
		pe(out, e->operand, P_VALUE);
		sb_putc(out, '[');
		print_args(out, &e->args, P_LOWEST);
		sb_putc(out, ']');
		break;
	case E_CALL:
		sb_printf(out, "%s(", e->str);
		print_args(out, &e->args, P_LOWEST);
		sb_putc(out, ')');
		break;
	case E_STAT_OP:
	case E_HIST:
		sb_printf(out, "@%s(", e->op);
		pe(out, e->operand, P_LOWEST);
		VEC_FOREACH(e->args, i) {
			sb_puts(out, ", ");
			print_literal(out, VEC_AT(e->args, i, const struct expr *));
		}
		sb_putc(out, ')');
		break;
	case E_EMBEDDED:
		sb_printf(out, "%%{%s%%}", e->str);
		break;
	case E_STAR:
		sb_putc(out, '*');
		break;
	default:
		break;
	}
}

static void pe(struct strbuf *out, const struct expr *e, enum prec min)
{
	enum prec prec = expr_prec(e);
	if (prec < min) {
		sb_putc(out, '(');
		pe(out, e, P_LOWEST);
		sb_putc(out, ')');
		return;
	}
	switch (e->kind) {
	case E_ASSIGN:
	case E_STATS_ADD:
		pe(out, e->left, P_TERNARY);
		sb_printf(out, " %s ", e->op);
		pe(out, e->right, P_ASSIGN);
		break;
	case E_TERNARY:
		pe(out, e->cond, P_OR);
		sb_puts(out, " ? ");
		pe(out, e->left, P_LOWEST);
		sb_puts(out, " : ");
		pe(out, e->right, P_TERNARY);
		break;
	case E_LOGICAL:
	case E_BINARY:
	case E_COMPARE:
	case E_CONCAT:
		/* left associative: only the right operand needs a tighter level */
		pe(out, e->left, prec);
		sb_printf(out, " %s ", e->op);
		pe(out, e->right, prec + 1);
		break;
	case E_IN:
		print_in(out, e);
		break;
	case E_UNARY:
		print_unary(out, e);
		break;
	case E_INCDEC:
		if (e->prefix)
			sb_puts(out, e->op);
		pe(out, e->operand, P_ADDR);
		if (!e->prefix)
			sb_puts(out, e->op);
		break;
	default:
		print_value(out, e);
		break;
	}
}

void print_expr(struct strbuf *out, const struct expr *e) { pe(out, e, P_LOWEST); }

/* ---- statements ------------------------------------------------------ */

static void indent_to(struct strbuf *out, int indent)
{
	for (int i = 0; i < indent; i++)
		sb_puts(out, "    ");
}

static void stmt_inline(struct strbuf *out, const struct stmt *s, int indent);

/* The body of if/while/for/foreach: a block opens on the header's line,
 * anything else goes indented on the next line. */
static void print_body(struct strbuf *out, const struct stmt *s, int indent)
{
	if (s->kind == S_BLOCK) {
		sb_putc(out, ' ');
	} else {
		sb_putc(out, '\n');
		indent_to(out, indent + 1);
		indent++;
	}
	stmt_inline(out, s, indent);
}

static void print_block(struct strbuf *out, const struct stmt *s, int indent)
{
	sb_puts(out, "{\n");
	VEC_FOREACH(s->stmts, i)
		print_stmt(out, VEC_AT(s->stmts, i, const struct stmt *), indent + 1);
	indent_to(out, indent);
	sb_putc(out, '}');
}

static void print_if(struct strbuf *out, const struct stmt *s, int indent)
{
	sb_puts(out, "if (");
	pe(out, s->cond, P_LOWEST);
	sb_putc(out, ')');
	print_body(out, s->then, indent);
	if (!s->els)
		return;
	if (s->then->kind == S_BLOCK) {
		sb_puts(out, " else");
	} else {
		sb_putc(out, '\n');
		indent_to(out, indent);
		sb_puts(out, "else");
	}
	if (s->els->kind == S_IF) {
		sb_putc(out, ' ');
		print_if(out, s->els, indent);
	} else {
		print_body(out, s->els, indent);
	}
}

static void print_sort(struct strbuf *out, const struct stmt *s, int which)
{
	if (s->fe_sort_dir && s->fe_sort_key == which)
		sb_putc(out, s->fe_sort_dir > 0 ? '+' : '-');
}

static void print_foreach(struct strbuf *out, const struct stmt *s, int indent)
{
	sb_puts(out, "foreach (");
	if (s->fe_value) {
		pe(out, s->fe_value, P_LOWEST);
		sb_puts(out, " = ");
	}
	bool brackets = s->fe_keys.n != 1;
	if (brackets)
		sb_putc(out, '[');
	VEC_FOREACH(s->fe_keys, i) {
		if (i)
			sb_puts(out, ", ");
		pe(out, VEC_AT(s->fe_keys, i, const struct expr *), P_LOWEST);
		print_sort(out, s, i + 1);
	}
	if (brackets)
		sb_putc(out, ']');
	sb_puts(out, " in ");
	pe(out, s->fe_array, P_LOWEST);
	if (s->fe_sort_agg)
		sb_printf(out, " @%s", s->fe_sort_agg);
	print_sort(out, s, -1);
	if (s->fe_limit) {
		sb_puts(out, " limit ");
		pe(out, s->fe_limit, P_LOWEST);
	}
	sb_putc(out, ')');
	print_body(out, s->body, indent);
}

static void print_for(struct strbuf *out, const struct stmt *s, int indent)
{
	sb_puts(out, "for (");
	if (s->init)
		pe(out, s->init, P_LOWEST);
	sb_putc(out, ';');
	if (s->cond) {
		sb_putc(out, ' ');
		pe(out, s->cond, P_LOWEST);
	}
	sb_putc(out, ';');
	if (s->incr) {
		sb_putc(out, ' ');
		pe(out, s->incr, P_LOWEST);
	}
	sb_putc(out, ')');
	print_body(out, s->body, indent);
}

static void print_try(struct strbuf *out, const struct stmt *s, int indent)
{
	sb_puts(out, "try ");
	stmt_inline(out, s->body, indent);
	sb_puts(out, " catch ");
	if (s->catch_var) {
		sb_putc(out, '(');
		pe(out, s->catch_var, P_LOWEST);
		sb_puts(out, ") ");
	}
	stmt_inline(out, s->catch_body, indent);
}

/* Simple statements end with ';' (the parser takes one after them), so an
 * expression never runs into the next statement. */
static void print_simple(struct strbuf *out, const char *word, const struct expr *e)
{
	sb_puts(out, word);
	if (e) {
		if (*word)
			sb_putc(out, ' ');
		struct strbuf text;
		sb_init(&text);
		pe(&text, e, P_LOWEST);
		/* a statement opening with %{ would be an embedded statement */
		bool wrap = !*word && strncmp(text.s, "%{", 2) == 0;
		sb_printf(out, wrap ? "(%s)" : "%s", text.s);
		sb_free(&text);
	}
	sb_putc(out, ';');
}

static void stmt_inline(struct strbuf *out, const struct stmt *s, int indent)
{
	switch (s->kind) {
	case S_BLOCK: print_block(out, s, indent); break;
	case S_EXPR: print_simple(out, "", s->expr); break;
	case S_IF: print_if(out, s, indent); break;
	case S_WHILE:
		sb_puts(out, "while (");
		pe(out, s->cond, P_LOWEST);
		sb_putc(out, ')');
		print_body(out, s->body, indent);
		break;
	case S_FOR: print_for(out, s, indent); break;
	case S_FOREACH: print_foreach(out, s, indent); break;
	case S_BREAK: print_simple(out, "break", NULL); break;
	case S_CONTINUE: print_simple(out, "continue", NULL); break;
	case S_NEXT: print_simple(out, "next", NULL); break;
	case S_RETURN: print_simple(out, "return", s->expr); break;
	case S_DELETE: print_simple(out, "delete", s->expr); break;
	case S_TRY: print_try(out, s, indent); break;
	case S_EMBEDDED: sb_printf(out, "%%{%s%%}", s->code); break;
	case S_NULL: sb_putc(out, ';'); break;
	}
}

void print_stmt(struct strbuf *out, const struct stmt *s, int indent)
{
	indent_to(out, indent);
	stmt_inline(out, s, indent);
	sb_putc(out, '\n');
}

/* ---- declarations ---------------------------------------------------- */

void print_probe_point(struct strbuf *out, const struct probe_point *pp)
{
	VEC_FOREACH(pp->comps, i) {
		const struct pp_component *c = VEC_AT(pp->comps, i, const struct pp_component *);
		if (i)
			sb_putc(out, '.');
		sb_puts(out, c->name);
		if (c->arg) {
			sb_putc(out, '(');
			print_literal(out, c->arg);
			sb_putc(out, ')');
		}
	}
	if (pp->optional)
		sb_putc(out, '?');
	if (pp->sufficient)
		sb_putc(out, '!');
	if (pp->cond) {
		sb_puts(out, " if (");
		pe(out, pp->cond, P_LOWEST);
		sb_putc(out, ')');
	}
}

static void print_points(struct strbuf *out, const struct vec *points)
{
	VEC_FOREACH(*points, i) {
		if (i)
			sb_puts(out, ", ");
		print_probe_point(out, VEC_AT(*points, i, const struct probe_point *));
	}
}

static void print_body_block(struct strbuf *out, const struct stmt *body)
{
	sb_putc(out, ' ');
	stmt_inline(out, body, 0);
	sb_putc(out, '\n');
}

void print_probe(struct strbuf *out, const struct probe *p)
{
	sb_puts(out, "probe ");
	print_points(out, &p->points);
	print_body_block(out, p->body);
}

static void print_alias(struct strbuf *out, const struct probe_alias *al)
{
	sb_puts(out, "probe ");
	print_points(out, &al->aliases);
	sb_puts(out, al->epilogue ? " += " : " = ");
	print_points(out, &al->points);
	if (al->epilogue_body) {
		sb_putc(out, ' ');
		stmt_inline(out, al->body, 0);
		sb_putc(out, ',');
		print_body_block(out, al->epilogue_body);
		return;
	}
	print_body_block(out, al->body);
}

static void print_type_suffix(struct strbuf *out, enum type t)
{
	if (t == TY_LONG || t == TY_STRING)
		sb_printf(out, ":%s", type_name(t));
}

void print_function(struct strbuf *out, const struct funcdecl *fn)
{
	sb_printf(out, "%sfunction %s", fn->is_private ? "private " : "", fn->name);
	print_type_suffix(out, fn->ret_decl);
	sb_puts(out, " (");
	VEC_FOREACH(fn->params, i) {
		const struct vardecl *v = VEC_AT(fn->params, i, const struct vardecl *);
		sb_printf(out, "%s%s", i ? ", " : "", v->name);
		print_type_suffix(out, v->type);
	}
	sb_putc(out, ')');
	if (fn->body)
		print_body_block(out, fn->body);
	else
		sb_printf(out, " %%{%s%%}\n", fn->embedded ? fn->embedded : "");
}

static void print_global(struct strbuf *out, const struct vardecl *v)
{
	sb_printf(out, "%sglobal %s%s", v->is_private ? "private " : "", v->name, v->wrap ? "%" : "");
	if (v->has_size)
		sb_printf(out, "[%" PRId64 "]", v->maxsize);
	if (v->init) {
		sb_puts(out, " = ");
		print_literal(out, v->init);
	}
	sb_putc(out, '\n');
}

/* Embedded blocks, then globals, then aliases, probes and functions, each
 * of the latter after a blank line. */
void print_file(struct strbuf *out, const struct stapfile *f)
{
	bool any = false;
	VEC_FOREACH(f->embeds, i) {
		sb_printf(out, "%%{%s%%}\n", VEC_AT(f->embeds, i, const struct embedded_block *)->code);
		any = true;
	}
	VEC_FOREACH(f->globals, i) {
		print_global(out, VEC_AT(f->globals, i, const struct vardecl *));
		any = true;
	}
	VEC_FOREACH(f->aliases, i) {
		if (any)
			sb_putc(out, '\n');
		print_alias(out, VEC_AT(f->aliases, i, const struct probe_alias *));
		any = true;
	}
	VEC_FOREACH(f->probes, i) {
		if (any)
			sb_putc(out, '\n');
		print_probe(out, VEC_AT(f->probes, i, const struct probe *));
		any = true;
	}
	VEC_FOREACH(f->functions, i) {
		if (any)
			sb_putc(out, '\n');
		print_function(out, VEC_AT(f->functions, i, const struct funcdecl *));
		any = true;
	}
}
