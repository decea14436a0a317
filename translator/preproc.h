/* The token stream the parser reads: lexer tokens after preprocessing.
 *
 * It evaluates %( cond %? then %: else %), substitutes $1..$N / @1..@N /
 * $# / @#, records @define macros and expands @name(args) uses. Macros
 * defined in a script are local to it; macros from .stpm files in the tapset
 * path (pp_macros_load) are visible to every file. */
#ifndef BTAP_PREPROC_H
#define BTAP_PREPROC_H

#include "lexer.h"

struct pp_macros; /* a table of @define macros */

struct pp_config {
	const char *const *args; /* script arguments ($1 ...) */
	int nargs;
	const char *kernel_v;    /* "6.18.44" (version part of the release) */
	const char *kernel_vr;   /* full release, "6.18.44-fc-v769" */
	const char *arch;        /* "x86_64" */
	const char *runtime;     /* "bpf" or "kmod" (NULL: "bpf"); "kmod" also
	                            matches stap's name for it, "kernel" */
	const char *systemtap_v; /* compatibility version, "4.8" (NULL: "4.8") */
	bool guru_mode;
	/* CONFIG_* lookup: returns the value ("y", "m", a number or string) or
	 * NULL when unset. May be NULL (everything unset). */
	const char *(*config_lookup)(const char *name, void *ctx);
	void *config_ctx;
	struct pp_macros *global_macros; /* from .stpm files; may be NULL */
	/* systemtap_privilege: "stapdev", "stapsys" or "stapusr"; NULL means
	 * "stapdev". */
	const char *privilege;
};

struct tokstream;

struct tokstream *ts_new(struct arena *a, const struct src_file *f, const struct pp_config *cfg);
/* Look ahead n tokens (0 = the next one) without consuming. */
struct token *ts_peek(struct tokstream *ts, int n);
/* Consume and return the next token. */
struct token *ts_next(struct tokstream *ts);

/* Global macro table from .stpm files. */
struct pp_macros *pp_macros_new(struct arena *a);
/* Read @define's from an .stpm file into the table (other tokens are an
 * error). Returns false on error (diagnosed). */
bool pp_macros_load(struct arena *a, struct pp_macros *m, const struct src_file *f,
		    const struct pp_config *cfg);

#endif
