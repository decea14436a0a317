/* Run-time errors, written once for every runtime.
 *
 * A handler's error state lives in its struct btap_ctx: `err` (nonzero:
 * unwind), `site` (where it was raised, -1 for none yet), `errbuf` (the
 * message). Each runtime defines, before including this file:
 *   BTAP_ERR_COPY(dst, src)  copy the string src into the MAXSTRINGLEN
 *                            buffer dst, NUL-terminated, "" when it cannot
 *                            be read (BPF copies through a helper);
 *   BTAP_ACTIONS(c)          the handler's action counter, an lvalue;
 *   btap_raise_lit(c, st, lit)  raise with a string literal (BPF copies it
 *                            without a helper call).
 * The runtime reports an uncaught error when its handler ends. */
#ifndef BTAP_ERROR_H
#define BTAP_ERROR_H

#define BTAP_ERR(c) ((c)->err)

/* Where a pending error not yet located happened. */
static BTAP_INLINE void btap_site(struct btap_ctx *c, int site)
{
	if (c->site < 0)
		c->site = site;
}

/* The first error of a handler wins; later ones are dropped. */
static BTAP_INLINE void btap_raise_str(struct btap_ctx *c, int site, const char *msg)
{
	if (c->err)
		return;
	c->err = 1;
	c->site = site;
	BTAP_ERR_COPY(c->errbuf, msg);
}

/* catch: take the message (into dst unless NULL) and clear the error. */
static BTAP_INLINE void btap_catch(struct btap_ctx *c, char *dst)
{
	if (dst)
		BTAP_ERR_COPY(dst, c->errbuf);
	c->err = 0;
	c->site = -1;
}

/* One loop iteration; false (with an error) past MAXACTION. */
static BTAP_INLINE int btap_count_action(struct btap_ctx *c, int site)
{
	if (++BTAP_ACTIONS(c) > MAXACTION) {
		btap_raise_lit(c, site, "MAXACTION exceeded");
		return 0;
	}
	return 1;
}

#ifdef BTAP_NESTING
/* A function's entry where functions may recurse (the runner's build,
 * kmod's kernel half): the ctx's depth against MAXNESTING. */
static BTAP_INLINE int btap_nest_enter(struct btap_ctx *c, int site)
{
	if (++c->depth > MAXNESTING) {
		btap_raise_lit(c, site, "MAXNESTING exceeded");
		return 0;
	}
	return 1;
}
#define btap_nest_leave(c) ((c)->depth--)
#endif

#endif
