/* Pass 2 internals shared by the elab_*.c files (not a public API). */
#ifndef BTAP_ELAB_INTERNAL_H
#define BTAP_ELAB_INTERNAL_H

#include "tapset_load.h"
#include "provider.h"
#include "session.h"

/* A name -> declarations table (chained hash, arena memory). */
struct symtab_entry {
	const char *name;
	void *decl;                 /* vardecl*, funcdecl* or alias_name* */
	struct stapfile *file;      /* where it is declared */
	struct symtab_entry *next;  /* same bucket */
};
struct symtab {
	struct symtab_entry **buckets;
	int nbuckets;
};

/* The aliases whose names start alike, in file order; singles: how many
 * of them are that one component alone. */
struct alias_bucket {
	struct vec names;           /* struct alias_name* */
	int singles;
};

/* One name an alias defines: probe a.b = ... gives one per name point. */
struct alias_name {
	struct probe_alias *alias;
	struct probe_point *name;
	struct stapfile *file;
};

/* Where a variable's (or function's) type was first inferred, for notes. */
struct type_origin {
	const void *what;
	struct loc loc;
};

struct elab {
	struct session *s;
	struct arena *a;
	bool quiet;                /* -l/-L: resolve without diagnostics */
	int nerrors;               /* errors reported (or suppressed when quiet) */

	struct symtab globals;     /* struct vardecl* */
	struct symtab functions;   /* struct funcdecl* */
	struct vec aliases;        /* struct alias_name* in file order */
	/* the same by first component, and by the first two ("a\nb"):
	 * struct alias_bucket*, so that a point looks at one bucket */
	struct symtab alias_heads, alias_heads2;
	/* the syscalls events syscall.* aliases are on, sorted, for
	 * elab_syscall_event_has_alias; built when the syscall bucket held
	 * alias_events_of names */
	const char **alias_events;
	int nalias_events, alias_events_of;
	struct vec files;          /* struct stapfile*: user file first */

	struct vec file_queue;     /* struct stapfile* newly used, probes to derive */
	struct vec func_queue;     /* struct funcdecl* used, body to resolve */
	struct vec used_funcs;     /* struct funcdecl* in order of first use */

	struct vec type_origins;   /* struct type_origin* */
	bool types_changed;
	bool reporting;            /* final type pass: report conflicts */
	struct vec syscalls_generated; /* const char*: the names elab_syscalls.c generated */
	int syscall_sets;          /* elab_syscall_set.c: shared probes made so far */
};

/* elaborate.c */
void elab_error(struct elab *x, struct loc at, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
void elab_warning(struct elab *x, struct loc at, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
void elab_note(struct elab *x, struct loc at, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
void elab_init(struct elab *x, struct session *s, bool quiet);
/* Record that file f contributes to the program (its probes join). */
void elab_use_file(struct elab *x, struct stapfile *f);
/* Index a tapset file parsed after the others (its globals, functions,
 * aliases). */
void elab_index_file(struct elab *x, struct stapfile *f);

/* elab_syscalls.c: syscall.NAME[.return] (and nd_syscall.*) for every
 * system call the kernel traces that the tapset leaves out, generated the
 * first time a point may name one. */
void elab_generate_syscalls(struct elab *x, const struct probe_point *pp);

/* elab_syscall_set.c: a wildcard over the system call aliases whose body
 * reads only `name` (and `retval`) becomes one probe on raw_syscalls:
 * the points to resolve instead of pp go to points. False: derive pp as
 * it is. */
bool elab_syscall_set(struct elab *x, struct probe *p, const struct probe_point *pp, struct vec *points);
/* Does a library alias syscall.NAME[.return] attach to syscalls:EVENT? */
bool elab_syscall_event_has_alias(struct elab *x, const char *event);

/* symtab (elaborate.c) */
void elab_symtab_add(struct elab *x, struct symtab *t, const char *name, void *decl, struct stapfile *f);
struct symtab_entry *elab_symtab_first(const struct symtab *t, const char *name);
/* The aliases whose name starts with component FIRST, in file order. */
const struct vec *elab_aliases_of(struct elab *x, const char *first);
/* The same for a global or a function, with the library files that
 * declare one of that name parsed first (tapset_need). */
struct symtab_entry *elab_global_first(struct elab *x, const char *name);
struct symtab_entry *elab_function_first(struct elab *x, const char *name);
/* The library files declaring NAME as a KIND, parsed and indexed now. */
void elab_tapset_need(struct elab *x, enum tapset_kind k, const char *name);
/* The next entry with the same name, or NULL. */
struct symtab_entry *elab_symtab_next(struct symtab_entry *e);
/* Index every declaration of the user file and the tapset. */
void elab_index_session(struct elab *x);
/* Derive and resolve the probes of newly used files and the bodies of
 * newly used functions until nothing is pending; probes go to derived. */
void elab_run_queues(struct elab *x, struct vec *derived);

/* elab_entry.c: values at the entry in the .return probe p of a
 * function (@entry, and process probes' target variables): rewrites p
 * and derives its companion entry probe into entry_probes. */
void elab_entry_rewrite(struct elab *x, struct probe *p, struct vec *entry_probes);

/* elab_procfs.c: $value of a procfs probe d becomes calls of the tapset's
 * __btap_procfs_* functions (before d is resolved). */
void elab_procfs_rewrite(struct elab *x, struct probe *d);
/* Is e a bare target variable $name (no members, not its address)? */
bool elab_is_bare_target(const struct expr *e, const char *name);
/* Turn e, in place, into a call of fn with arg (or no argument). */
void elab_make_call(struct elab *x, struct expr *e, const char *fn, struct expr *arg);
/* $return of LSM probes, $verdict of netfilter probes: the verdict,
 * through tapset calls (elab_verdict.c). */
void elab_verdict_rewrite(struct elab *x, struct probe *d);

/* elab_clone.c: deep copies for per-derived-probe bodies. NULL in, NULL out. */
struct expr *elab_clone_expr(struct arena *a, const struct expr *e);
struct stmt *elab_clone_stmt(struct arena *a, const struct stmt *s);
struct probe_point *elab_clone_point(struct arena *a, const struct probe_point *pp);

/* elab_probes.c */
void elab_register_aliases(struct elab *x, struct stapfile *f);
/* Derive the concrete probes of p (a user or tapset probe) into out. */
void elab_derive_probe(struct elab *x, struct probe *p, struct vec *out);
/* -l/-L: expand a pattern point; each result is an alias_name* (alias
 * match) or a concrete point (provider match), told apart by is_alias. */
struct list_match {
	bool is_alias;
	struct alias_name *alias;
	struct probe_point *point;
	const struct provider *prov;
};
void elab_match_for_listing(struct elab *x, struct probe_point *pp, struct vec *out);
/* Resolve one alias name to derived probes (an empty user body). */
void elab_derive_alias_for_listing(struct elab *x, struct alias_name *an, struct vec *out);
bool elab_point_has_wildcard(const struct probe_point *pp);

/* elab_resolve.c */
void elab_resolve_probe(struct elab *x, struct probe *d);
void elab_resolve_function(struct elab *x, struct funcdecl *f);
bool elab_is_print_builtin(const char *name);
/* kernel_string, user_string and the other readers of a whole string at an
 * address, which given a string already (a char array) return it. */
bool elab_is_string_reader(const char *name);
const char *elab_target_name(struct arena *a, const struct expr *e);
struct expr *elab_index_base(const struct expr *e);

/* elab_types.c */
void elab_infer_types(struct elab *x, struct vec *probes, struct vec *funcs);

/* elab_checks.c: no element of an array is changed inside a foreach over
 * it (errors reported). */
void elab_check_foreach_writes(struct elab *x, struct vec *probes, struct vec *funcs);

/* elab_display.c: an `end` probe printing each script global that is
 * written but never read, appended to derived (after elab_mark_used). */
void elab_display_unread_globals(struct elab *x, struct vec *derived);

/* elab_optimize.c */
void elab_elide_unread_locals(struct elab *x, struct probe *d);
/* Recompute which functions and globals the derived probes reach (after
 * elision); rebuilds x->used_funcs. */
void elab_mark_used(struct elab *x, struct vec *derived);
/* Stacks, user symbols, module names and source lines compared or taken
 * apart in code that runs in the kernel, where they are tokens: located
 * errors (elab_tokens.c). */
void elab_check_tokens(struct elab *x, struct vec *probes);
/* Whether e (or s) changes nothing but locals: no global written, no
 * output, no embedded code, no `next`, only pure functions called. */
bool elab_side_effect_free(struct elab *x, struct expr *e);
bool elab_pure_stmt(struct elab *x, struct stmt *s);

/* elab_probes.c: { a b } (either may be NULL). */
struct stmt *elab_block_of(struct elab *x, struct loc at, struct stmt *a, struct stmt *b);

/* elab_sink.c: a tapset alias's pure prologue moved past the guard that
 * opens the script's body, so an event the guard rejects does not pay
 * for argstr and friends. */
void elab_sink_prologues(struct elab *x, struct probe *d);

#endif
