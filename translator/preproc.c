/* PLACEHOLDER token stream: passes lexer tokens straight through with
 * lookahead. The real preprocessor replaces this file. */
#include "preproc.h"

struct tokstream {
	struct arena *a;
	struct lexer *lx;
	struct token **buf;
	int n, cap;
};

struct tokstream *ts_new(struct arena *a, const struct src_file *f, const struct pp_config *cfg)
{
	(void)cfg;
	struct tokstream *ts = arena_alloc(a, sizeof(*ts));
	ts->a = a;
	ts->lx = lexer_new(a, f);
	return ts;
}

struct token *ts_peek(struct tokstream *ts, int n)
{
	while (ts->n <= n) {
		if (ts->n == ts->cap) {
			int cap = ts->cap ? ts->cap * 2 : 8;
			struct token **nb = arena_alloc(ts->a, sizeof(*nb) * (size_t)cap);
			for (int i = 0; i < ts->n; i++)
				nb[i] = ts->buf[i];
			ts->buf = nb;
			ts->cap = cap;
		}
		ts->buf[ts->n++] = lexer_next(ts->lx);
	}
	return ts->buf[n];
}

struct token *ts_next(struct tokstream *ts)
{
	struct token *t = ts_peek(ts, 0);
	for (int i = 1; i < ts->n; i++)
		ts->buf[i - 1] = ts->buf[i];
	ts->n--;
	return t;
}

struct pp_macros {
	int unused;
};

struct pp_macros *pp_macros_new(struct arena *a) { return arena_alloc(a, sizeof(struct pp_macros)); }

bool pp_macros_load(struct arena *a, struct pp_macros *m, const struct src_file *f,
		    const struct pp_config *cfg)
{
	(void)a; (void)m; (void)f; (void)cfg;
	return true;
}
