/* What pass 2 produced, as text: the -p2 listing and the -l / -L probe
 * point listings. */
#ifndef BTAP_ELAB_PRINT_H
#define BTAP_ELAB_PRINT_H

#include "session.h"

/* -p2: "# global embedded code", "# globals", "# functions", "# probes",
 * in stap's format; probe and function bodies with -v (s->verbose > 0),
 * as stap prints them. */
void elab_print_program(struct strbuf *out, const struct session *s);
/* The same, choosing whether bodies are printed. */
void elab_print_program_ex(struct strbuf *out, const struct session *s, bool bodies);

/* -l / -L: every concrete probe point (or probe alias) matching pattern,
 * one a line, sorted. With vars (-L), each line continues with the alias's
 * locals ("name:type") and the point's target variables ("$name:type").
 * Uses the tapset already loaded in s; a malformed pattern is an error. */
void list_probe_points(struct session *s, const char *pattern, bool with_vars, struct strbuf *out);

#endif
