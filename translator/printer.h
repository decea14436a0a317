/* Print the AST back as script text (-p1). The output re-parses to the same
 * tree; the golden tests and the round-trip test rely on that. */
#ifndef BTAP_PRINTER_H
#define BTAP_PRINTER_H

#include "ast.h"

void print_file(struct strbuf *out, const struct stapfile *f);
void print_probe(struct strbuf *out, const struct probe *p);
void print_probe_point(struct strbuf *out, const struct probe_point *pp);
void print_function(struct strbuf *out, const struct funcdecl *fn);
void print_stmt(struct strbuf *out, const struct stmt *s, int indent);
void print_expr(struct strbuf *out, const struct expr *e);

#endif
