/* Parser internals shared by parser.c (declarations, statements) and
 * parse_expr.c (expressions). Not part of the public contract. */
#ifndef BTAP_PARSER_INTERNAL_H
#define BTAP_PARSER_INTERNAL_H

#include "parser.h"

#include <setjmp.h>

/* Bounds the height of every tree the parser builds (recursion and operator
 * chains alike), so later passes can recurse over it safely. */
#define PARSER_MAX_DEPTH 500

struct parser {
	struct arena *a;
	struct tokstream *ts;
	const struct pp_config *cfg;
	const struct src_file *src;
	bool is_tapset;
	bool privileged;          /* guru mode or tapset: embedded C allowed */
	bool in_function;         /* 'return' is allowed */
	int depth;                /* current nesting, see PARSER_MAX_DEPTH */
	int open_brackets;        /* '(' and '[' consumed and not yet closed */
	jmp_buf *recover;         /* innermost recovery point (statement) */
	jmp_buf *top_recover;     /* top-level declaration recovery point */
	struct loc last_error;    /* one error per location: no cascades */
	const struct token *bare_hist_ok; /* @hist_* token allowed without [] */
};

struct token *parser_peek(struct parser *p, int n);
struct token *parser_next(struct parser *p);
bool parser_at_op(struct parser *p, const char *op);
bool parser_accept_op(struct parser *p, const char *op);
struct token *parser_expect_op(struct parser *p, const char *op);
struct token *parser_expect_ident(struct parser *p);

/* Report "parse error: ..." at a token and unwind to the innermost recovery
 * point (or the top-level one). A second error at the same spot is not
 * printed. */
_Noreturn void parser_fail(struct parser *p, const struct token *at, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
_Noreturn void parser_fail_toplevel(struct parser *p, const struct token *at,
				    const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* "expected WHAT, found <token>" and unwind. */
_Noreturn void parser_fail_expected(struct parser *p, const struct token *at, const char *what);
/* Report without unwinding (the construct itself parsed fine). */
void parser_report(struct parser *p, struct loc at, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Nesting guard around recursive constructs. */
void parser_enter(struct parser *p, const struct token *at);
void parser_leave(struct parser *p);

/* Embedded C is for guru mode and the tapset library only. */
void parser_check_embedded(struct parser *p, const struct token *t, bool is_expr);

/* Expressions (parse_expr.c). */
struct expr *parser_expression(struct parser *p);
/* A string literal, adjacent literals joined ("a" "b" is "ab"). */
struct expr *parser_string(struct parser *p);
/* A literal number with an optional leading '-', folded into the value. */
struct expr *parser_signed_number(struct parser *p);
/* A number or string literal (probe point arguments, global initializers). */
struct expr *parser_literal(struct parser *p);
/* The array of 'in' and foreach: an identifier or a @hist_* operator. */
struct expr *parser_array_base(struct parser *p);
/* '[' key, ... ']' after an array name (keys may be '*'); the '[' is next. */
void parser_index_args(struct parser *p, struct vec *args);

bool parser_is_stat_op(const char *name_without_at);

#endif
