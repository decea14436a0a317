/* The token stream: lexer tokens after preprocessing, in three layers.
 *
 *   raw layer     lexer tokens with $N @N $# @# pasted in: the argument text
 *                 is lexed again in place of the token, as stap does.
 *   macro layer   records @define's and expands @name / @name(args), reading
 *                 from a stack of frames (macro bodies and arguments) on top
 *                 of the raw layer.
 *   cond layer    evaluates %( cond %? then %: else %) over the expanded
 *                 tokens; the skipped branch is read but neither expanded nor
 *                 parsed.
 *
 * Conditionals are thus evaluated where a macro is used, not where it is
 * defined, and a condition may itself come from a macro (as stap does). */
#include "preproc.h"

#include <ctype.h>
#include <fnmatch.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Bounds that keep hostile input finite: nesting of macro expansions (which
 * also catches recursion) and tokens produced by expansion in one stream. */
#define MAX_EXPANSION_DEPTH 100
#define MAX_EXPANDED_TOKENS (1 << 20)

struct macro {
	const char *name;
	const struct token *name_tok; /* where it was defined */
	const char **params;
	int nparams;
	struct token **body;
	int nbody;
	bool library; /* from an .stpm file */
};

struct pp_macros {
	struct vec list; /* struct macro* */
};

/* One macro parameter bound at one use of the macro. The argument tokens
 * expand in the scope where they were written: `outer` and `library`. */
struct binding {
	const char *name;
	struct token **toks;
	int n;
	const struct binding *outer;
	bool library;
	struct binding *next;
};

/* A macro body or argument being read. */
struct frame {
	struct token **toks;
	int n, pos;
	const struct binding *params; /* visible as @name inside */
	const struct loc *site;       /* use site (bodies only) */
	bool library;                 /* local macros are invisible inside */
};

struct token_vec {
	struct token **v;
	int head, n, cap;
};

enum cond_state {
	KEEP_THEN, SKIP_THEN, KEEP_ELSE, SKIP_ELSE,
	BROKEN_THEN, BROKEN_ELSE, /* malformed condition: both branches dropped */
};

struct cond {
	const struct token *open; /* the %( */
	enum cond_state state;
};

struct tokstream {
	struct arena *a;
	struct pp_config cfg;
	struct lexer *lx;

	struct token_vec raw_queue; /* pasted argument tokens, pushed back tokens */

	struct pp_macros local;     /* @define's of this file so far */
	struct frame frames[MAX_EXPANSION_DEPTH];
	int depth;
	long expanded;
	struct token *unread;       /* one token pushed back into the macro layer */
	bool skipping;              /* reading a dropped branch: expand nothing */
	bool dead;                  /* expansion limit hit: stream ends */
	struct token *eof;

	struct cond *conds;
	int nconds, capconds;

	struct token_vec out;       /* lookahead for ts_peek */
};

static const struct pp_config default_config = {0};

/* ---- small helpers ---------------------------------------------------- */

static void tv_push(struct arena *a, struct token_vec *q, struct token *t)
{
	if (q->head + q->n == q->cap) {
		if (q->head > 0 && q->head >= q->cap / 2) {
			memmove(q->v, q->v + q->head, sizeof(*q->v) * (size_t)q->n);
			q->head = 0;
		} else {
			int cap = q->cap ? q->cap * 2 : 8;
			struct token **nv = arena_alloc(a, sizeof(*nv) * (size_t)cap);
			if (q->n)
				memcpy(nv, q->v + q->head, sizeof(*nv) * (size_t)q->n);
			q->v = nv;
			q->cap = cap;
			q->head = 0;
		}
	}
	q->v[q->head + q->n++] = t;
}

static void tv_push_front(struct arena *a, struct token_vec *q, struct token *t)
{
	if (q->head == 0) {
		tv_push(a, q, t); /* make room, then rotate it to the front */
		memmove(q->v + q->head + 1, q->v + q->head, sizeof(*q->v) * (size_t)(q->n - 1));
		q->v[q->head] = t;
		return;
	}
	q->v[--q->head] = t;
	q->n++;
}

static struct token *tv_pop(struct token_vec *q)
{
	struct token *t = q->v[q->head++];
	if (--q->n == 0)
		q->head = 0;
	return t;
}

static struct token *copy_token(struct arena *a, const struct token *t)
{
	struct token *c = arena_alloc(a, sizeof(*c));
	*c = *t;
	return c;
}

static bool is_pp_marker(const struct token *t)
{
	return tok_is_op(t, "%(") || tok_is_op(t, "%?") || tok_is_op(t, "%:") || tok_is_op(t, "%)");
}

static struct macro *macro_find(const struct pp_macros *m, const char *name)
{
	if (!m)
		return NULL;
	for (int i = m->list.n - 1; i >= 0; i--) {
		struct macro *mac = VEC_AT(m->list, i, struct macro *);
		if (strcmp(mac->name, name) == 0)
			return mac;
	}
	return NULL;
}

/* ---- raw layer: lexer plus command line arguments --------------------- */

/* $1 $12x @3 $# @#: a token the raw layer replaces. */
static bool is_positional(const struct token *t)
{
	if (t->kind != TOK_IDENT || (t->text[0] != '$' && t->text[0] != '@'))
		return false;
	return t->text[1] == '#' || isdigit((unsigned char)t->text[1]);
}

/* The argument index of a positional token, read as stap does: digits stop
 * once the index exceeds the argument count. *rest gets what follows. */
static unsigned positional_index(const struct token *t, int nargs, const char **rest)
{
	const char *p = t->text + 1;
	unsigned idx = 0;
	do {
		idx = idx * 10 + (unsigned)(*p - '0');
		p++;
	} while (isdigit((unsigned char)*p) && idx <= (unsigned)nargs);
	*rest = p;
	return idx;
}

/* The argument as the body of a string literal. */
static void quote_argument(struct strbuf *b, const char *s)
{
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;
		if (c == '"' || c == '\\') {
			sb_putc(b, '\\');
			sb_putc(b, (char)c);
		} else if (isprint(c)) {
			sb_putc(b, (char)c);
		} else {
			sb_printf(b, "\\%03o", c);
		}
	}
}

/* Lex `text` in place of the token `at`: the new tokens carry its loc. */
static void relex_in_place(struct tokstream *ts, const struct token *at, const char *text)
{
	size_t len = strlen(text);
	struct src_file *sf = arena_alloc(ts->a, sizeof(*sf));
	sf->name = arena_printf(ts->a, "<argument %s>", at->text);
	sf->text = arena_strndup(ts->a, text, len);
	sf->len = len;
	sf->is_tapset = at->loc.file ? at->loc.file->is_tapset : false;
	sf->index = at->loc.file ? at->loc.file->index : 0;
	struct lexer *lx = lexer_new(ts->a, sf);
	for (;;) {
		struct token *t = lexer_next(lx);
		if (t->kind == TOK_EOF)
			break;
		t->loc = at->loc;
		tv_push(ts->a, &ts->raw_queue, t);
	}
}

/* Replace a positional token by its argument. An index out of range leaves
 * the token in place: it is reported only if it reaches the parser, so a
 * `$2` in a branch dropped by `%( $# >= 2 %? ... %)` is fine. */
static void substitute_positional(struct tokstream *ts, struct token *t)
{
	struct strbuf b;
	sb_init(&b);
	const char *value, *rest;
	char count[24];
	if (t->text[1] == '#') {
		snprintf(count, sizeof count, "%d", ts->cfg.nargs);
		value = count;
		rest = t->text + 2;
	} else {
		unsigned idx = positional_index(t, ts->cfg.nargs, &rest);
		if (idx == 0 || idx > (unsigned)ts->cfg.nargs) {
			tv_push(ts->a, &ts->raw_queue, t);
			sb_free(&b);
			return;
		}
		value = ts->cfg.args[idx - 1] ? ts->cfg.args[idx - 1] : "";
	}
	if (t->text[0] == '$') {
		sb_puts(&b, value);
	} else {
		sb_putc(&b, '"');
		quote_argument(&b, value);
		sb_putc(&b, '"');
	}
	/* The argument is pasted at the start of the token, so `$1x` with
	 * argument "foo" reads as `foox`. */
	sb_puts(&b, rest);
	relex_in_place(ts, t, b.s ? b.s : "");
	sb_free(&b);
}

static struct token *raw_next(struct tokstream *ts)
{
	for (;;) {
		if (ts->raw_queue.n)
			return tv_pop(&ts->raw_queue);
		struct token *t = lexer_next(ts->lx);
		if (!is_positional(t))
			return t;
		substitute_positional(ts, t);
	}
}

static void raw_unread(struct tokstream *ts, struct token *t)
{
	tv_push_front(ts->a, &ts->raw_queue, t);
}

/* A positional token that survived substitution: out of range, or pasted
 * from another argument's text. */
static void report_positional(struct tokstream *ts, const struct token *t)
{
	const char *rest;
	unsigned idx = t->text[1] == '#' ? 0 : positional_index(t, ts->cfg.nargs, &rest);
	if (t->text[1] == '#' || (idx >= 1 && idx <= (unsigned)ts->cfg.nargs))
		diag_error(t->loc, "parse error: '%s' inside a command line argument is not substituted again",
			   t->text);
	else if (ts->cfg.nargs == 0)
		diag_error(t->loc, "parse error: command line argument %c%u is out of range (no arguments given)",
			   t->text[0], idx);
	else
		diag_error(t->loc, "parse error: command line argument %c%u is out of range [1-%d]",
			   t->text[0], idx, ts->cfg.nargs);
}

/* ---- macro layer ------------------------------------------------------ */

static struct token *eof_token(struct tokstream *ts)
{
	return ts->eof;
}

/* Stop expanding: drop every frame in progress. */
static void unwind_frames(struct tokstream *ts)
{
	ts->depth = 0;
}

static bool charge_expansion(struct tokstream *ts, const struct token *at)
{
	if (++ts->expanded <= MAX_EXPANDED_TOKENS)
		return true;
	diag_error(at->loc, "parse error: macro expansion produces more than %d tokens", MAX_EXPANDED_TOKENS);
	unwind_frames(ts);
	ts->dead = true;
	ts->eof = copy_token(ts->a, ts->eof);
	ts->eof->loc = at->loc;
	return false;
}

/* Next token of the innermost frame, or of the raw layer when no macro is
 * being expanded. At the end of a frame: NULL, or pop it when `pop`. */
static struct token *source_next(struct tokstream *ts, bool pop)
{
	for (;;) {
		if (ts->dead)
			return eof_token(ts);
		if (ts->depth == 0)
			return raw_next(ts);
		struct frame *fr = &ts->frames[ts->depth - 1];
		if (fr->pos < fr->n) {
			const struct token *orig = fr->toks[fr->pos++];
			if (!charge_expansion(ts, orig))
				return eof_token(ts);
			struct token *t = copy_token(ts->a, orig);
			if (fr->site)
				t->loc.expanded_from = fr->site;
			return t;
		}
		if (!pop)
			return NULL;
		ts->depth--;
	}
}

static void source_unread(struct tokstream *ts, struct token *t)
{
	if (ts->depth > 0 && ts->frames[ts->depth - 1].pos > 0)
		ts->frames[ts->depth - 1].pos--;
	else
		raw_unread(ts, t);
}

static bool push_frame(struct tokstream *ts, const struct token *at, struct frame fr)
{
	if (ts->depth == MAX_EXPANSION_DEPTH) {
		diag_error(at->loc, "parse error: macro expansion nested more than %d deep (recursive macro?)",
			   MAX_EXPANSION_DEPTH);
		unwind_frames(ts);
		return false;
	}
	ts->frames[ts->depth++] = fr;
	return true;
}

static const char *const builtin_atwords[] = {
	"cast", "defined", "probewrite", "entry", "perf", "var", "avg", "count",
	"sum", "min", "max", "hist_linear", "hist_log", "const", "variance",
	"kregister", "uregister", "kderef", "uderef", NULL,
};

static bool is_builtin_atword(const char *name)
{
	for (int i = 0; builtin_atwords[i]; i++)
		if (strcmp(builtin_atwords[i], name) == 0)
			return true;
	return false;
}

static bool is_plain_ident(const struct token *t)
{
	return t->kind == TOK_IDENT && t->text[0] != '$' && t->text[0] != '@';
}

static bool starts_declaration(const struct token *t)
{
	return t->kind == TOK_EOF || t->kind == TOK_EMBEDDED || tok_is_kw(t, "probe") ||
	       tok_is_kw(t, "function") || tok_is_kw(t, "global") || tok_is_kw(t, "private");
}

/* Read a macro body after its %(, up to the matching %); false at EOF. */
static bool read_macro_body(struct tokstream *ts, struct vec *body)
{
	int nesting = 0;
	for (;;) {
		struct token *t = raw_next(ts);
		if (t->kind == TOK_EOF)
			return false;
		if (tok_is_op(t, "%(")) {
			nesting++;
		} else if (tok_is_op(t, "%)")) {
			if (nesting == 0)
				return true;
			nesting--;
		}
		vec_push(ts->a, body, t);
	}
}

/* After a malformed @define: drop its body if one follows, but stop at the
 * start of the next declaration so that it still parses. */
static void skip_bad_define(struct tokstream *ts, struct token *t)
{
	struct vec ignored = {0};
	for (;; t = raw_next(ts)) {
		if (tok_is_op(t, "%(")) {
			read_macro_body(ts, &ignored);
			return;
		}
		if (starts_declaration(t)) {
			raw_unread(ts, t);
			return;
		}
	}
}

/* @define NAME %( BODY %)  or  @define NAME(P1, P2) %( BODY %) */
static void read_define(struct tokstream *ts)
{
	struct token *name = raw_next(ts);
	if (!is_plain_ident(name)) {
		diag_error(name->loc, "parse error: expected a macro name after '@define', not %s",
			   tok_describe(ts->a, name));
		skip_bad_define(ts, name);
		return;
	}
	bool discard = false;
	if (strcmp(name->text, "define") == 0) {
		diag_error(name->loc, "parse error: '@define' itself cannot be redefined");
		discard = true;
	}
	const struct macro *prev = macro_find(&ts->local, name->text);
	if (prev) {
		diag_error(name->loc, "parse error: macro '@%s' is already defined in this file", name->text);
		diag_note(prev->name_tok->loc, "'@%s' was first defined here", name->text);
		discard = true;
	}
	if (!discard && is_builtin_atword(name->text))
		diag_warning(name->loc, "macro '@%s' hides the built-in operator of that name", name->text);

	struct vec params = {0};
	bool saw_params = false;
	struct token *t = raw_next(ts);
	if (tok_is_op(t, "(")) {
		saw_params = true;
		for (;;) {
			struct token *p = raw_next(ts);
			if (!is_plain_ident(p)) {
				diag_error(p->loc, "parse error: expected a parameter name, not %s",
					   tok_describe(ts->a, p));
				skip_bad_define(ts, p);
				return;
			}
			vec_push(ts->a, &params, (void *)p->text);
			struct token *sep = raw_next(ts);
			if (tok_is_op(sep, ")"))
				break;
			if (!tok_is_op(sep, ",")) {
				diag_error(sep->loc, "parse error: expected ',' or ')' in the parameters of '@%s'",
					   name->text);
				skip_bad_define(ts, sep);
				return;
			}
		}
		t = raw_next(ts);
	}
	if (!tok_is_op(t, "%(")) {
		diag_error(t->loc, saw_params ? "parse error: expected '%%(' to open the body of macro '@%s'"
					      : "parse error: expected '(' or '%%(' after macro name '@%s'",
			   name->text);
		skip_bad_define(ts, t);
		return;
	}
	struct vec body = {0};
	if (!read_macro_body(ts, &body)) {
		diag_error(name->loc, "parse error: macro '@%s' is not closed: missing '%%)'", name->text);
		return;
	}
	if (discard)
		return;
	struct macro *m = arena_alloc(ts->a, sizeof(*m));
	m->name = name->text;
	m->name_tok = name;
	m->params = (const char **)params.v;
	m->nparams = params.n;
	m->body = (struct token **)body.v;
	m->nbody = body.n;
	vec_push(ts->a, &ts->local.list, m);
}

/* Skip to the ')' closing a macro argument list after a ',' too many. */
static void skip_rest_of_arguments(struct tokstream *ts)
{
	int nesting = 0;
	for (;;) {
		struct token *t = source_next(ts, false);
		if (!t || t->kind == TOK_EOF)
			return;
		if (tok_is_op(t, "(") || tok_is_op(t, "[") || tok_is_op(t, "{"))
			nesting++;
		else if (tok_is_op(t, "]") || tok_is_op(t, "}") || (nesting && tok_is_op(t, ")")))
			nesting -= nesting > 0;
		else if (tok_is_op(t, ")"))
			return;
	}
}

/* Read the arguments of `use`, a use of `m`, into bindings. They come from
 * the same frame as the use: a macro body cannot take its arguments from
 * the text that follows its use. */
static bool read_arguments(struct tokstream *ts, const struct token *use, const struct macro *m,
			   const struct binding **out)
{
	const struct frame *caller = ts->depth ? &ts->frames[ts->depth - 1] : NULL;
	struct token *open = source_next(ts, false);
	if (!open || !tok_is_op(open, "(")) {
		diag_error(open && open->kind != TOK_EOF ? open->loc : use->loc,
			   "parse error: expected '(' after '@%s', a macro taking %d parameter%s",
			   m->name, m->nparams, m->nparams == 1 ? "" : "s");
		if (open)
			source_unread(ts, open);
		return false;
	}
	struct binding *list = NULL, **tail = &list;
	for (int i = 0; i < m->nparams; i++) {
		struct vec arg = {0};
		int nesting = 0;
		struct token *t;
		for (;;) {
			t = source_next(ts, false);
			if (!t || t->kind == TOK_EOF) {
				if (ts->dead)
					return false;
				diag_error(use->loc, "parse error: unterminated argument list of macro '@%s'",
					   m->name);
				return false;
			}
			if (tok_is_op(t, "(") || tok_is_op(t, "[") || tok_is_op(t, "{"))
				nesting++;
			else if (nesting && (tok_is_op(t, ")") || tok_is_op(t, "]") || tok_is_op(t, "}")))
				nesting--;
			else if (!nesting && (tok_is_op(t, ")") || tok_is_op(t, ",")))
				break;
			vec_push(ts->a, &arg, t);
		}
		if (tok_is_op(t, ",") && i + 1 == m->nparams) {
			diag_error(t->loc, "parse error: too many arguments for macro '@%s' (it takes %d)",
				   m->name, m->nparams);
			skip_rest_of_arguments(ts);
			return false;
		}
		if (tok_is_op(t, ")") && i + 1 < m->nparams) {
			diag_error(t->loc, "parse error: too few arguments for macro '@%s' (it takes %d)",
				   m->name, m->nparams);
			return false;
		}
		struct binding *b = arena_alloc(ts->a, sizeof(*b));
		b->name = m->params[i];
		b->toks = (struct token **)arg.v;
		b->n = arg.n;
		b->outer = caller ? caller->params : NULL;
		b->library = caller ? caller->library : false;
		*tail = b;
		tail = &b->next;
	}
	*out = list;
	return true;
}

static const struct binding *find_param(const struct frame *fr, const char *name)
{
	for (const struct binding *b = fr ? fr->params : NULL; b; b = b->next)
		if (strcmp(b->name, name) == 0)
			return b;
	return NULL;
}

/* `use` is @name: expand it if it names a parameter or a macro. Returns
 * false for an @word that is neither (@cast, @entry ...: the parser's). */
static bool try_expand(struct tokstream *ts, struct token *use)
{
	const char *name = use->text + 1;
	const struct frame *top = ts->depth ? &ts->frames[ts->depth - 1] : NULL;
	const struct binding *param = find_param(top, name);
	if (param) {
		push_frame(ts, use, (struct frame){.toks = param->toks, .n = param->n,
						   .params = param->outer, .library = param->library});
		return true;
	}
	const struct macro *m = NULL;
	if (!(top && top->library))
		m = macro_find(&ts->local, name);
	if (!m)
		m = macro_find(ts->cfg.global_macros, name);
	if (!m)
		return false;
	const struct binding *args = NULL;
	if (m->nparams && !read_arguments(ts, use, m, &args))
		return true;
	struct loc *site = arena_alloc(ts->a, sizeof(*site));
	*site = use->loc;
	push_frame(ts, use, (struct frame){.toks = m->body, .n = m->nbody, .params = args,
					   .site = site, .library = m->library});
	return true;
}

static void macro_unread(struct tokstream *ts, struct token *t)
{
	ts->unread = t;
}

static struct token *macro_next(struct tokstream *ts)
{
	for (;;) {
		if (ts->unread) {
			struct token *t = ts->unread;
			ts->unread = NULL;
			return t;
		}
		struct token *t = source_next(ts, true);
		if (ts->skipping || t->kind != TOK_IDENT || t->text[0] != '@' || is_positional(t))
			return t;
		if (strcmp(t->text, "@define") == 0) {
			if (ts->depth > 0)
				diag_error(t->loc, "parse error: '@define' is not allowed inside a macro body");
			else
				read_define(ts);
			continue;
		}
		if (!try_expand(ts, t))
			return t;
	}
}

/* ---- conditions ------------------------------------------------------- */

enum cmp_op { CMP_BAD = -1, CMP_LT, CMP_LE, CMP_EQ, CMP_NE, CMP_GE, CMP_GT };

static enum cmp_op comparison_of(const struct token *op)
{
	static const char *const ops[] = {"<", "<=", "==", "!=", ">=", ">"};
	if (op->kind == TOK_OP)
		for (int i = 0; i < 6; i++)
			if (strcmp(op->text, ops[i]) == 0)
				return (enum cmp_op)i;
	return CMP_BAD;
}

/* Whether `order` (<0, 0, >0) satisfies the comparison. */
static bool holds(enum cmp_op op, int order)
{
	switch (op) {
	case CMP_LT: return order < 0;
	case CMP_LE: return order <= 0;
	case CMP_EQ: return order == 0;
	case CMP_NE: return order != 0;
	case CMP_GE: return order >= 0;
	case CMP_GT: return order > 0;
	default: return false;
	}
}

static int order_of_ints(int64_t a, int64_t b) { return (a > b) - (a < b); }

static const char *or_empty(const char *s) { return s ? s : ""; }

/* A string literal's value as stap compares it: \" means a quote. */
static const char *literal_value(struct arena *a, const struct token *t)
{
	char *s = arena_strdup(a, t->text), *w = s;
	for (const char *r = t->text; *r; r++) {
		if (r[0] == '\\' && r[1] == '"')
			r++;
		*w++ = *r;
	}
	*w = 0;
	return s;
}

static bool has_wildcard(const char *s) { return strpbrk(s, "*?[") != NULL; }

static bool glob_matches(const char *pattern, const char *s)
{
	return fnmatch(pattern, s, FNM_NOESCAPE) == 0;
}

/* Checks shared by the string-valued names: a string literal on the right,
 * compared with == or != only. */
static bool equality_against_string(const struct token *op, const struct token *r)
{
	if (r->kind != TOK_STRING) {
		diag_error(r->loc, "parse error: expected a string literal, not %s", tok_kind_name(r->kind));
		return false;
	}
	enum cmp_op c = comparison_of(op);
	if (c != CMP_EQ && c != CMP_NE) {
		diag_error(op->loc, "parse error: expected '==' or '!='");
		return false;
	}
	return true;
}

/* kernel_v, kernel_vr, systemtap_v: version order, or a glob with ==/!=. */
static int eval_version(struct tokstream *ts, const char *have, const struct token *op, const struct token *r)
{
	if (r->kind != TOK_STRING) {
		diag_error(r->loc, "parse error: expected a version string literal, not %s", tok_kind_name(r->kind));
		return -1;
	}
	enum cmp_op c = comparison_of(op);
	if (c == CMP_BAD) {
		diag_error(op->loc, "parse error: expected a comparison operator");
		return -1;
	}
	const char *want = literal_value(ts->a, r);
	if (has_wildcard(want)) {
		if (c != CMP_EQ && c != CMP_NE) {
			diag_error(op->loc, "parse error: a wildcard version only compares with '==' or '!='");
			return -1;
		}
		return glob_matches(want, have) == (c == CMP_EQ);
	}
	return holds(c, strverscmp(have, want));
}

static int eval_glob_name(struct tokstream *ts, const char *have, const struct token *op, const struct token *r)
{
	if (!equality_against_string(op, r))
		return -1;
	return glob_matches(literal_value(ts->a, r), have) == (comparison_of(op) == CMP_EQ);
}

/* stap calls the module runtime "kernel"; btap's is "kmod": both match. */
static int eval_runtime(struct tokstream *ts, const struct token *op, const struct token *r)
{
	if (!equality_against_string(op, r))
		return -1;
	const char *rt = ts->cfg.runtime ? ts->cfg.runtime : "bpf";
	const char *want = literal_value(ts->a, r);
	bool match = glob_matches(want, rt) || (strcmp(rt, "kmod") == 0 && glob_matches(want, "kernel"));
	return match == (comparison_of(op) == CMP_EQ);
}

static int eval_privilege(struct tokstream *ts, const struct token *op, const struct token *r)
{
	if (!equality_against_string(op, r))
		return -1;
	const char *have = ts->cfg.privilege ? ts->cfg.privilege : "stapdev";
	return (strcmp(have, literal_value(ts->a, r)) == 0) == (comparison_of(op) == CMP_EQ);
}

static int eval_guru(struct tokstream *ts, const struct token *op, const struct token *r)
{
	if (r->kind != TOK_NUMBER) {
		diag_error(r->loc, "parse error: expected the number 0 or 1, not %s", tok_kind_name(r->kind));
		return -1;
	}
	if (r->num != 0 && r->num != 1) {
		diag_error(r->loc, "parse error: guru_mode compares only with 0 or 1");
		return -1;
	}
	enum cmp_op c = comparison_of(op);
	if (c != CMP_EQ && c != CMP_NE) {
		diag_error(op->loc, "parse error: expected '==' or '!='");
		return -1;
	}
	return holds(c, order_of_ints(ts->cfg.guru_mode, r->num));
}

static const char *config_value(struct tokstream *ts, const char *name)
{
	if (!ts->cfg.config_lookup)
		return "";
	return or_empty(ts->cfg.config_lookup(name, ts->cfg.config_ctx));
}

/* The whole string as a number, as strtoll with base 0 reads it. */
static bool parse_whole_int(const char *s, int64_t *v)
{
	char *end;
	*v = strtoll(s, &end, 0);
	return *end == 0;
}

/* CONFIG_X against a string (glob, ==/!=), a number, or another CONFIG_Y
 * (numbers if both are, else strings). Unset options read as "". */
static int eval_config(struct tokstream *ts, const struct token *l, const struct token *op, const struct token *r)
{
	const char *have = config_value(ts, l->text);
	if (r->kind == TOK_STRING)
		return eval_glob_name(ts, have, op, r);
	enum cmp_op c = comparison_of(op);
	if (r->kind == TOK_NUMBER || (r->kind == TOK_IDENT && strncmp(r->text, "CONFIG_", 7) == 0)) {
		if (c == CMP_BAD) {
			diag_error(op->loc, "parse error: expected a comparison operator");
			return -1;
		}
	}
	if (r->kind == TOK_NUMBER)
		return holds(c, order_of_ints(strtoll(have, NULL, 0), r->num));
	if (r->kind == TOK_IDENT && strncmp(r->text, "CONFIG_", 7) == 0) {
		const char *other = config_value(ts, r->text);
		int64_t a, b;
		if (parse_whole_int(have, &a) && parse_whole_int(other, &b))
			return holds(c, order_of_ints(a, b));
		return holds(c, strcmp(have, other));
	}
	diag_error(r->loc, "parse error: expected a string, a number or a CONFIG_ option on the right of %s",
		   l->text);
	return -1;
}

/* One comparison `l op r`: 1 true, 0 false, -1 malformed (diagnosed). */
static int eval_comparison(struct tokstream *ts, const struct token *l, const struct token *op,
			   const struct token *r)
{
	if (is_positional(l) || is_positional(r)) {
		report_positional(ts, is_positional(l) ? l : r);
		return -1;
	}
	if (l->kind == TOK_IDENT) {
		if (strcmp(l->text, "kernel_v") == 0)
			return eval_version(ts, or_empty(ts->cfg.kernel_v), op, r);
		if (strcmp(l->text, "kernel_vr") == 0)
			return eval_version(ts, or_empty(ts->cfg.kernel_vr), op, r);
		if (strcmp(l->text, "systemtap_v") == 0)
			return eval_version(ts, ts->cfg.systemtap_v ? ts->cfg.systemtap_v : "4.8", op, r);
		if (strcmp(l->text, "arch") == 0)
			return eval_glob_name(ts, or_empty(ts->cfg.arch), op, r);
		if (strcmp(l->text, "runtime") == 0)
			return eval_runtime(ts, op, r);
		if (strcmp(l->text, "systemtap_privilege") == 0)
			return eval_privilege(ts, op, r);
		if (strcmp(l->text, "guru_mode") == 0)
			return eval_guru(ts, op, r);
		if (strncmp(l->text, "CONFIG_", 7) == 0)
			return eval_config(ts, l, op, r);
	}
	bool strings = l->kind == TOK_STRING && r->kind == TOK_STRING;
	bool numbers = l->kind == TOK_NUMBER && r->kind == TOK_NUMBER;
	if (strings || numbers) {
		enum cmp_op c = comparison_of(op);
		if (c == CMP_BAD) {
			diag_error(op->loc, "parse error: expected a comparison operator");
			return -1;
		}
		if (strings)
			return holds(c, strcmp(literal_value(ts->a, l), literal_value(ts->a, r)));
		return holds(c, order_of_ints(l->num, r->num));
	}
	if (l->kind == TOK_STRING && r->kind == TOK_NUMBER) {
		diag_error(r->loc, "parse error: expected a string literal to compare with a string");
		return -1;
	}
	if (l->kind == TOK_NUMBER && r->kind == TOK_STRING) {
		diag_error(r->loc, "parse error: expected a number to compare with a number");
		return -1;
	}
	diag_error(l->loc, "parse error: expected a preprocessor condition: arch, kernel_v, kernel_vr, "
			   "systemtap_v, runtime, systemtap_privilege, guru_mode, CONFIG_..., "
			   "or a comparison of two strings or two numbers");
	return -1;
}

/* ---- conditional layer ------------------------------------------------ */

static void push_cond(struct tokstream *ts, const struct token *open, enum cond_state st)
{
	if (ts->nconds == ts->capconds) {
		int cap = ts->capconds ? ts->capconds * 2 : 8;
		struct cond *nc = arena_alloc(ts->a, sizeof(*nc) * (size_t)cap);
		if (ts->nconds)
			memcpy(nc, ts->conds, sizeof(*nc) * (size_t)ts->nconds);
		ts->conds = nc;
		ts->capconds = cap;
	}
	ts->conds[ts->nconds++] = (struct cond){.open = open, .state = st};
}

/* Read a dropped branch up to its %?, %: or %) (or EOF), heeding nested
 * conditionals; nothing in it is expanded or defined. */
static struct token *skip_branch(struct tokstream *ts)
{
	int nesting = 0;
	ts->skipping = true;
	struct token *t;
	for (;;) {
		t = macro_next(ts);
		if (t->kind == TOK_EOF)
			break;
		if (tok_is_op(t, "%(")) {
			nesting++;
		} else if (nesting && tok_is_op(t, "%)")) {
			nesting--;
		} else if (!nesting && (tok_is_op(t, "%?") || tok_is_op(t, "%:") || tok_is_op(t, "%)"))) {
			break;
		}
	}
	ts->skipping = false;
	return t;
}

/* After a malformed condition: drop the whole conditional. */
static void recover_conditional(struct tokstream *ts, const struct token *open)
{
	struct token *t = skip_branch(ts);
	if (tok_is_op(t, "%?"))
		push_cond(ts, open, BROKEN_THEN);
	else if (tok_is_op(t, "%:"))
		push_cond(ts, open, BROKEN_ELSE);
	else if (t->kind == TOK_EOF)
		macro_unread(ts, t);
}

/* An operand or operator of a condition; NULL (diagnosed, pushed back) when
 * the condition ends too early. */
static struct token *condition_token(struct tokstream *ts, const struct token *open)
{
	struct token *t = macro_next(ts);
	if (t->kind == TOK_EOF) {
		diag_error(open->loc, "parse error: incomplete condition after '%%('");
		macro_unread(ts, t);
		return NULL;
	}
	if (is_pp_marker(t)) {
		diag_error(t->loc, "parse error: incomplete condition before '%s'", t->text);
		macro_unread(ts, t);
		return NULL;
	}
	return t;
}

/* %( has been read: evaluate `cmp && cmp || cmp ...` (&& binds tighter, no
 * parentheses) up to %?, and open the conditional. */
static void begin_conditional(struct tokstream *ts, const struct token *open)
{
	bool result = false, all = true;
	struct token *next = NULL;
	for (;;) {
		struct token *l, *op, *r;
		if (!(l = condition_token(ts, open)) || !(op = condition_token(ts, open)) ||
		    !(r = condition_token(ts, open))) {
			recover_conditional(ts, open);
			return;
		}
		int v = eval_comparison(ts, l, op, r);
		if (v < 0) {
			recover_conditional(ts, open);
			return;
		}
		all = all && v;
		next = macro_next(ts);
		if (tok_is_op(next, "&&"))
			continue;
		result = result || all;
		all = true;
		if (!tok_is_op(next, "||"))
			break;
	}
	if (!tok_is_op(next, "%?")) {
		if (next->kind == TOK_EOF)
			diag_error(open->loc, "parse error: incomplete conditional: missing '%%?'");
		else
			diag_error(next->loc, "parse error: expected '%%?', '&&' or '||' after the condition, not %s",
				   tok_describe(ts->a, next));
		macro_unread(ts, next);
		recover_conditional(ts, open);
		return;
	}
	push_cond(ts, open, result ? KEEP_THEN : SKIP_THEN);
}

static bool dropping(enum cond_state st)
{
	return st == SKIP_THEN || st == SKIP_ELSE || st == BROKEN_THEN || st == BROKEN_ELSE;
}

static void handle_else(struct tokstream *ts, const struct token *t)
{
	if (ts->nconds == 0) {
		diag_error(t->loc, "parse error: '%%:' without a matching '%%('");
		return;
	}
	struct cond *c = &ts->conds[ts->nconds - 1];
	switch (c->state) {
	case KEEP_THEN: c->state = SKIP_ELSE; break;
	case SKIP_THEN: c->state = KEEP_ELSE; break;
	case BROKEN_THEN: c->state = BROKEN_ELSE; break;
	case BROKEN_ELSE: break;
	default: diag_error(t->loc, "parse error: second '%%:' in one conditional"); break;
	}
}

static struct token *pp_next(struct tokstream *ts)
{
	for (;;) {
		enum cond_state st = ts->nconds ? ts->conds[ts->nconds - 1].state : KEEP_THEN;
		bool skip = ts->nconds && dropping(st);
		struct token *t = skip ? skip_branch(ts) : macro_next(ts);
		if (t->kind == TOK_EOF) {
			if (ts->nconds && !ts->dead)
				diag_error(ts->conds[ts->nconds - 1].open->loc,
					   "parse error: conditional not closed: missing '%%)' before end of file");
			ts->nconds = 0;
			return t;
		}
		if (tok_is_op(t, "%?")) {
			if (!(ts->nconds && (st == BROKEN_THEN || st == BROKEN_ELSE)))
				diag_error(t->loc, "parse error: '%%?' without a matching '%%('");
		} else if (tok_is_op(t, "%:")) {
			handle_else(ts, t);
		} else if (tok_is_op(t, "%)")) {
			if (ts->nconds)
				ts->nconds--;
			else
				diag_error(t->loc, "parse error: '%%)' without a matching '%%('");
		} else if (tok_is_op(t, "%(")) {
			begin_conditional(ts, t);
		} else if (is_positional(t)) {
			/* Reported once; a placeholder keeps the parser from
			 * reporting the hole as a second error. */
			report_positional(ts, t);
			struct token *ph = arena_alloc(ts->a, sizeof(*ph));
			*ph = *t;
			ph->kind = t->text[0] == '@' ? TOK_STRING : TOK_NUMBER;
			ph->text = t->text[0] == '@' ? "" : "0";
			ph->num = 0;
			return ph;
		} else {
			return t;
		}
	}
}

/* ---- public API ------------------------------------------------------- */

struct tokstream *ts_new(struct arena *a, const struct src_file *f, const struct pp_config *cfg)
{
	struct tokstream *ts = arena_alloc(a, sizeof(*ts));
	ts->a = a;
	ts->cfg = cfg ? *cfg : default_config;
	if (ts->cfg.nargs < 0 || !ts->cfg.args)
		ts->cfg.nargs = 0;
	ts->lx = lexer_new(a, f);
	ts->eof = arena_alloc(a, sizeof(*ts->eof));
	ts->eof->kind = TOK_EOF;
	ts->eof->text = "";
	ts->eof->loc = (struct loc){.file = f, .line = 1, .col = 1};
	return ts;
}

struct token *ts_peek(struct tokstream *ts, int n)
{
	if (n < 0)
		n = 0;
	while (ts->out.n <= n)
		tv_push(ts->a, &ts->out, pp_next(ts));
	return ts->out.v[ts->out.head + n];
}

struct token *ts_next(struct tokstream *ts)
{
	ts_peek(ts, 0);
	return tv_pop(&ts->out);
}

struct pp_macros *pp_macros_new(struct arena *a)
{
	return arena_alloc(a, sizeof(struct pp_macros));
}

/* Library macros are all or nothing per file, like stap's: a file with an
 * error or a duplicate name adds none. */
bool pp_macros_load(struct arena *a, struct pp_macros *m, const struct src_file *f,
		    const struct pp_config *cfg)
{
	struct pp_config c = cfg ? *cfg : default_config;
	c.global_macros = m;
	int errors_before = diag_error_count();
	struct tokstream *ts = ts_new(a, f, &c);
	bool reported = false;
	for (;;) {
		struct token *t = ts_next(ts);
		if (t->kind == TOK_EOF)
			break;
		if (!reported)
			diag_error(t->loc, "parse error: a macro library file may contain only @define's, not %s",
				   tok_describe(a, t));
		reported = true;
	}
	if (diag_error_count() != errors_before)
		return false;
	VEC_FOREACH(ts->local.list, i) {
		struct macro *mac = VEC_AT(ts->local.list, i, struct macro *);
		const struct macro *prev = macro_find(m, mac->name);
		if (prev) {
			diag_error(mac->name_tok->loc, "parse error: library macro '@%s' is defined twice",
				   mac->name);
			diag_note(prev->name_tok->loc, "'@%s' was first defined here", mac->name);
			return false;
		}
	}
	VEC_FOREACH(ts->local.list, i) {
		struct macro *mac = VEC_AT(ts->local.list, i, struct macro *);
		mac->library = true;
		vec_push(a, &m->list, mac);
	}
	return true;
}
