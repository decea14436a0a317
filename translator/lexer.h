/* Tokens of the script language.
 *
 * The lexer is pure: it does not substitute $1/@1 or evaluate %( %) —
 * the token stream (preproc.h) does that on top of it. */
#ifndef BTAP_LEXER_H
#define BTAP_LEXER_H

#include "diag.h"
#include "util.h"

#include <stdint.h>

enum tok_kind {
	TOK_EOF,
	TOK_IDENT,    /* foo, $foo, @foo, $1, @1, $#, @#, $$vars ... (prefix kept) */
	TOK_KEYWORD,  /* probe global function if else for foreach in limit return
	                 delete while break continue next try catch private */
	TOK_NUMBER,   /* num holds the value */
	TOK_STRING,   /* text is the raw body between the quotes, escapes kept */
	TOK_OP,       /* operators and punctuation, incl. %( %? %: %) */
	TOK_EMBEDDED, /* %{ ... %}: text is the code between the braces */
};

struct token {
	enum tok_kind kind;
	const char *text;   /* arena copy, NUL-terminated */
	int64_t num;        /* TOK_NUMBER */
	bool is_hex;        /* TOK_NUMBER written as 0x... */
	struct loc loc;
};

struct lexer;

struct lexer *lexer_new(struct arena *a, const struct src_file *f);
/* Next token; at end of input returns a TOK_EOF token forever. Errors
 * (bad characters, unterminated strings/comments) are reported located and
 * the offending text skipped. */
struct token *lexer_next(struct lexer *lx);

bool tok_is_op(const struct token *t, const char *op);
bool tok_is_kw(const struct token *t, const char *kw);
bool tok_is_ident(const struct token *t, const char *name);
const char *tok_kind_name(enum tok_kind k);
/* Describe a token for messages: "identifier 'foo'", "operator '{'" ... */
const char *tok_describe(struct arena *a, const struct token *t);

/* Is word one of the script language's keywords? */
bool lexer_is_keyword(const char *word);

#endif
