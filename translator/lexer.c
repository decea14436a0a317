/* Pass 1's tokenizer: script text to tokens with their locations.
 * Identifiers keep their $/@ prefixes and strings their escapes as
 * written; substitution and conditionals are preproc.c's job. */
#include "lexer.h"

#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

struct lexer {
	struct arena *a;
	const struct src_file *f;
	const char *p, *end;
	int line, col;
	struct token *eof;
};

static const char *const keywords[] = {
	"probe", "global", "function", "if", "else", "for", "foreach", "in",
	"limit", "return", "delete", "while", "break", "continue", "next",
	"try", "catch", "private", NULL,
};

bool lexer_is_keyword(const char *word)
{
	for (int i = 0; keywords[i]; i++)
		if (strcmp(word, keywords[i]) == 0)
			return true;
	return false;
}

/* Longest first so that maximal munch works by a linear scan. */
static const char *const operators[] = {
	"<<<=", /* not an operator in stap; listed so "<<<" wins over "<<=" */
	"<<<", "<<=", ">>=",
	"%(", "%?", "%:", "%)",
	"<=", ">=", "==", "!=", "+=", "-=", "*=", "/=", "%=", "&=", "|=", "^=",
	".=", "&&", "||", "++", "--", "->", "<<", ">>", "=~", "!~",
	"{", "}", "(", ")", "[", "]", ",", ";", ":", "?", ".", "=", "+", "-",
	"*", "/", "%", "<", ">", "!", "~", "&", "|", "^", NULL,
};

struct lexer *lexer_new(struct arena *a, const struct src_file *f)
{
	struct lexer *lx = arena_alloc(a, sizeof(*lx));
	lx->a = a;
	lx->f = f;
	lx->p = f->text;
	lx->end = f->text + f->len;
	lx->line = 1;
	lx->col = 1;
	return lx;
}

static struct loc here(const struct lexer *lx)
{
	return (struct loc){.file = lx->f, .line = lx->line, .col = lx->col};
}

static void advance(struct lexer *lx, size_t n)
{
	while (n-- && lx->p < lx->end) {
		if (*lx->p == '\n') {
			lx->line++;
			lx->col = 1;
		} else {
			lx->col++;
		}
		lx->p++;
	}
}

static bool at(const struct lexer *lx, const char *s)
{
	size_t n = strlen(s);
	return (size_t)(lx->end - lx->p) >= n && memcmp(lx->p, s, n) == 0;
}

/* Skip white space and comments; report an unterminated block comment. */
static void skip_space(struct lexer *lx)
{
	for (;;) {
		if (lx->p >= lx->end)
			return;
		char c = *lx->p;
		if (c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v') {
			advance(lx, 1);
		} else if (c == '#' || (c == '/' && lx->p + 1 < lx->end && lx->p[1] == '/')) {
			while (lx->p < lx->end && *lx->p != '\n')
				advance(lx, 1);
		} else if (c == '/' && lx->p + 1 < lx->end && lx->p[1] == '*') {
			struct loc start = here(lx);
			advance(lx, 2);
			while (lx->p < lx->end && !at(lx, "*/"))
				advance(lx, 1);
			if (lx->p >= lx->end) {
				diag_error(start, "parse error: unterminated comment");
				return;
			}
			advance(lx, 2);
		} else {
			return;
		}
	}
}

static struct token *make(struct lexer *lx, enum tok_kind k, struct loc loc, const char *s, size_t n)
{
	struct token *t = arena_alloc(lx->a, sizeof(*t));
	t->kind = k;
	t->loc = loc;
	t->text = arena_strndup(lx->a, s, n);
	return t;
}

static bool ident_start(char c) { return isalpha((unsigned char)c) || c == '_'; }
/* stap keeps `$` inside identifiers: `$x$`, `$x->f$$` are one token each. */
static bool ident_char(char c) { return isalnum((unsigned char)c) || c == '_' || c == '$'; }

static struct token *lex_number(struct lexer *lx, struct loc loc)
{
	const char *s = lx->p;
	size_t n = 0;
	while (s + n < lx->end && isalnum((unsigned char)s[n]))
		n++;
	struct token *t = make(lx, TOK_NUMBER, loc, s, n);
	advance(lx, n);
	char *endp;
	errno = 0;
	/* base 0: 0x hex, leading 0 octal, else decimal, as in C and stap */
	unsigned long long v = strtoull(t->text, &endp, 0);
	if (*endp || errno == ERANGE)
		diag_error(loc, "parse error: malformed or out of range number '%s'", t->text);
	t->num = (int64_t)v;
	t->is_hex = n > 1 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X');
	return t;
}

static struct token *lex_string(struct lexer *lx, struct loc loc)
{
	advance(lx, 1); /* opening quote */
	const char *s = lx->p;
	size_t n = 0;
	while (s + n < lx->end && s[n] != '"') {
		if (s[n] == '\\' && s + n + 1 < lx->end)
			n++;
		if (s[n] == '\n')
			break;
		n++;
	}
	if (s + n >= lx->end || s[n] != '"') {
		diag_error(loc, "parse error: unterminated string");
		struct token *t = make(lx, TOK_STRING, loc, s, n);
		advance(lx, n);
		return t;
	}
	struct token *t = make(lx, TOK_STRING, loc, s, n);
	advance(lx, n + 1);
	return t;
}

struct token *lexer_next(struct lexer *lx)
{
	skip_space(lx);
	struct loc loc = here(lx);
	if (lx->p >= lx->end) {
		if (!lx->eof)
			lx->eof = make(lx, TOK_EOF, loc, "", 0);
		return lx->eof;
	}
	char c = *lx->p;

	if (c == '%' && lx->p + 1 < lx->end && lx->p[1] == '{') {
		advance(lx, 2);
		const char *s = lx->p;
		while (lx->p < lx->end && !at(lx, "%}"))
			advance(lx, 1);
		if (lx->p >= lx->end) {
			diag_error(loc, "parse error: unterminated embedded C block");
			return make(lx, TOK_EMBEDDED, loc, s, (size_t)(lx->p - s));
		}
		struct token *t = make(lx, TOK_EMBEDDED, loc, s, (size_t)(lx->p - s));
		advance(lx, 2);
		return t;
	}
	if (isdigit((unsigned char)c))
		return lex_number(lx, loc);
	if (c == '"')
		return lex_string(lx, loc);
	if (ident_start(c) || ((c == '$' || c == '@') && lx->p + 1 < lx->end)) {
		const char *s = lx->p;
		size_t n = 0;
		if (c == '$' || c == '@') {
			n = 1;
			if (c == '$' && s[1] == '$')
				n = 2;   /* $$vars, $$parms ... */
			else if (s[1] == '#') {
				advance(lx, 2);
				return make(lx, TOK_IDENT, loc, s, 2); /* $# @# */
			}
			if (c == '$' && !ident_char(s[n])) {
				/* "$" or "$$" alone: the pretty-printing suffix of
				 * @cast(...)$ or $a[1]$$ (the parser places it) */
				advance(lx, n);
				return make(lx, TOK_IDENT, loc, s, n);
			}
			if (!(ident_char(s[n]))) {
				diag_error(loc, "parse error: unexpected character '%c'", c);
				advance(lx, n);
				return lexer_next(lx);
			}
		}
		while (s + n < lx->end && ident_char(s[n]))
			n++;
		struct token *t = make(lx, TOK_IDENT, loc, s, n);
		advance(lx, n);
		if (c != '$' && c != '@')
			for (int i = 0; keywords[i]; i++)
				if (strcmp(t->text, keywords[i]) == 0)
					t->kind = TOK_KEYWORD;
		return t;
	}
	size_t avail = (size_t)(lx->end - lx->p);
	for (int i = 0; operators[i]; i++) {
		const char *op = operators[i];
		if (op[0] != c)
			continue;
		size_t n = strlen(op);
		if (n <= avail && memcmp(lx->p, op, n) == 0 && strcmp(op, "<<<=") != 0) {
			struct token *t = make(lx, TOK_OP, loc, lx->p, n);
			advance(lx, n);
			return t;
		}
	}
	if (isprint((unsigned char)c))
		diag_error(loc, "parse error: unexpected character '%c'", c);
	else
		diag_error(loc, "parse error: unexpected character 0x%02x", (unsigned char)c);
	advance(lx, 1);
	return lexer_next(lx);
}

bool tok_is_op(const struct token *t, const char *op)
{
	return t->kind == TOK_OP && strcmp(t->text, op) == 0;
}

bool tok_is_kw(const struct token *t, const char *kw)
{
	return t->kind == TOK_KEYWORD && strcmp(t->text, kw) == 0;
}

bool tok_is_ident(const struct token *t, const char *name)
{
	return t->kind == TOK_IDENT && strcmp(t->text, name) == 0;
}

const char *tok_kind_name(enum tok_kind k)
{
	switch (k) {
	case TOK_EOF: return "end of input";
	case TOK_IDENT: return "identifier";
	case TOK_KEYWORD: return "keyword";
	case TOK_NUMBER: return "number";
	case TOK_STRING: return "string";
	case TOK_OP: return "operator";
	case TOK_EMBEDDED: return "embedded-code";
	}
	return "token";
}

const char *tok_describe(struct arena *a, const struct token *t)
{
	switch (t->kind) {
	case TOK_EOF: return "end of input";
	case TOK_STRING: return arena_printf(a, "string \"%s\"", t->text);
	case TOK_EMBEDDED: return "embedded-code";
	default: return arena_printf(a, "%s '%s'", tok_kind_name(t->kind), t->text);
	}
}
