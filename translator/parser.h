/* Pass 1: parse one file into a struct stapfile.
 *
 * The parser recovers from errors (skipping to the next top-level
 * declaration or statement boundary) so that several are reported in one
 * run. Check diag_error_count() after parsing. */
#ifndef BTAP_PARSER_H
#define BTAP_PARSER_H

#include "ast.h"
#include "preproc.h"

struct stapfile *parse_file(struct arena *a, const struct src_file *f,
			    const struct pp_config *cfg, bool is_tapset);

/* A -l/-L pattern: src's text parsed as a probe point list (brace groups
 * expanded) into out (struct probe_point*). False after a located error. */
bool parse_point_pattern(struct arena *a, const struct src_file *src, const struct pp_config *cfg,
			 struct vec *out);

#endif
