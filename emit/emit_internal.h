/* Pass 3 internals shared by the emit*.c files (not a public API). */
#ifndef BTAP_EMIT_INTERNAL_H
#define BTAP_EMIT_INTERNAL_H

#include "runtime/btap_program.h"
#include "emit.h"
#include "emit_runtime.h"
#include "translator/provider.h"

/* A global of the program: a field of struct bg_globals (scalars) or a map
 * (arrays and statistics). */
struct em_map;
struct em_global {
	struct vardecl *v;
	const char *cname;      /* scalar: field name in struct bg_globals */
	struct em_map *map;     /* arrays and statistics */
};

struct em_map {
	struct vardecl *v;
	int id;                 /* index in the descriptor's maps table */
	const char *sym;        /* its C symbol (BTAP_MAPREF): bm<id>_<name> */
	const char *key_type;   /* "struct bk<id>" */
	int nkeys;
	bool stats;
	/* statistics: histogram and @variance shift seen in the program */
	int hist_kind;          /* 0 none, 1 log, 2 linear */
	int64_t hist_start, hist_stop, hist_interval;
	int nbuckets;
	int bit_shift;
	/* string keys: the bytes each needs (with the NUL), at most MAXSTRINGLEN */
	int key_width[MAX_ARRAY_KEYS];
	bool hist_seen, shift_seen;
	int64_t max_entries;
	enum em_map_kind kind;
};

struct em_func {
	struct funcdecl *f;
	int index;
	const char *cname;      /* bf<index>_<name> */
	const char *frame;      /* "struct bff<index>" */
	unsigned where;         /* enum em_ctx bits: reachable from kernel / runner probes */
	bool visiting, done;    /* call-graph walk */
	bool recursive;
	int height;             /* 1 + the deepest chain of calls below it */
	int call_sites;         /* calls of it in the program's code */
	struct vec callees;     /* struct em_func* */
	struct loc recursion_at;
};

struct em_probe {
	struct probe *p;
	int index;              /* in the descriptor */
	enum btap_probe_kind kind; /* in the descriptor */
	enum em_ctx where;
	struct attach at;       /* how it attaches, from its provider */
	const char *pp;         /* pp_format of the resolved point */
	const char *pn;         /* of the script-level point (pn()) */
	const char *origin;     /* "file:line:col" */
	const char *frame;      /* "struct bfp<index>" */
	struct vec callees;     /* struct em_func* called directly */
	/* its frame struct and code (callbacks, bb<index>) as emitted, its
	 * own names tagged EM_PROBE_TAG (emit_share.c) */
	char *types_text, *code_text;
	struct em_probe *rep;   /* runs rep's program (NULL: its own) */
	/* a begin/end/error probe in the kernel half (em_runtime's
	 * invoked_probes), which the runner calls at its turn */
	bool invoked;
	int kernel_slot;        /* its place among the kernel-half probes */
	bool shared;            /* its program runs for other probes too: which
				   one from the attachment's cookie */
};

/* Stands for a probe's index in the names its body declares until the
 * bodies are compared (never in emitted C: literals escape it). */
#define EM_PROBE_TAG "\001"
#define EM_PROBE_TAG_CHAR '\001'

struct em_site {
	struct loc at;
	const char *loc;        /* "file:line:col" */
	const char *what;
};

struct emitter {
	struct session *s;
	struct arena *a;
	int msl;                /* MAXSTRINGLEN */
	int64_t maxmapentries;
	struct vec globals;     /* struct em_global* */
	struct vec maps;        /* struct em_map* */
	struct vec funcs;       /* struct em_func* */
	struct vec probes;      /* struct em_probe* */
	struct vec formats;     /* const char*: decoded format texts */
	struct vec sites;       /* struct em_site* */
	struct vec kernel_types; /* const char*: named kernel types the kernel half reads */
	struct vec ksyms;       /* const struct tp_access*: @var("sym") of the kernel, once per name */
	struct strbuf types;    /* frame structs */
	struct strbuf common, kernel, runner;   /* code by half (common: both) */
	struct strbuf kernel_protos, runner_protos, common_protos;
	const struct em_runtime *rt;
	bool task_override;     /* some probe describes a task other than current */
	bool has_kernel;        /* some probe runs in kernel context */
	bool runner_kernel_layout; /* see emit_result */
	bool runner_script_c;   /* a runner probe (a timer) reaches the script's C */
	int stat_zero_size;     /* largest statistics value */
	struct em_regexes *regexes; /* =~ patterns (emit_regex.c), NULL if none */
	struct vec probe_strs;  /* struct em_probe_str*: literals that differ by probe */
};

/* Where to go when something fails, and what to release on the way. */
struct em_loop {
	const char *brk, *cont;
};

/* One body (probe or function) being emitted. */
struct em_fn {
	struct emitter *em;
	struct em_func *func;   /* NULL for a probe */
	struct em_probe *probe; /* NULL for a function */
	unsigned where;         /* enum em_ctx bits: the halves that compile it */
	struct strbuf *out;     /* statements go here */
	struct strbuf body;
	struct strbuf decls;    /* C locals: long temporaries */
	struct strbuf frame;    /* frame struct members: variables, keys */
	int indent;
	int ntmp;               /* long temporaries */
	int nstr, nstr_max;     /* string temporaries (statement scoped) */
	int ndbl, ndbl_max;     /* double-size string temporaries */
	int nkey;               /* key temporaries */
	int nlabel;
	int nforeach;           /* foreach key arrays (runner) */
	int nsorted;            /* sorted foreach scans (kernel callbacks) */
	int nslice;             /* array slices ([a, *] in x, delete x[a, *]) */
	const char *errlabel;   /* innermost catch, or "out" */
	struct vec loops;       /* struct em_loop* */
	struct vec locals;      /* struct vardecl*: locals and params */
	/* A kernel body with loops, in a runtime with loop_callbacks: each
	 * loop body is a callback, so longs and temporaries live in the frame
	 * where the callbacks reach them. */
	bool in_frame;
	const char *rv;         /* the long return value: "rv" or "fr->rv_" */
	struct strbuf cbs;      /* finished callbacks, emitted before the body */
	int ncb;                /* callbacks so far */
};

static inline bool em_in_kernel(const struct em_fn *f)
{
	return f->where & EM_CTX_KERNEL;
}

static inline bool em_in_runner(const struct em_fn *f)
{
	return f->where & EM_CTX_RUNNER;
}

/* emit.c */
/* Visit every expression / every statement of a body, outermost first. */
void em_walk_stmt(struct stmt *s, void (*fn)(struct expr *e, void *ctx), void *ctx);
void em_walk_expr(struct expr *e, void (*fn)(struct expr *e, void *ctx), void *ctx);
void em_each_stmt(struct stmt *s, void (*fn)(struct stmt *s, void *ctx), void *ctx);
/* emit_width.c: string widths of variables, function results and keys. */
void em_compute_widths(struct emitter *em);
int em_str_width(struct emitter *em, const struct expr *e);

const char *em_loc_text(struct emitter *em, struct loc at);
int em_site(struct emitter *em, struct loc at, const char *what);
struct em_global *em_global_of(struct emitter *em, const struct vardecl *v);
struct em_func *em_func_of(struct emitter *em, const struct funcdecl *f);
/* Bytes of a statistic's value: its aggregates, then its histogram buckets. */
int em_stats_value_size(const struct em_map *m);
void em_line(struct em_fn *f, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void em_linedir(struct em_fn *f, struct loc at);
/* Report a construct the emitter cannot translate (in kernel context for
 * em_unsupported_kernel): located error, counted. */
void em_unsupported(struct em_fn *f, struct loc at, const char *what);
/* #define BFS_F<i>/BFS_P<i>: the bytes of each kernel function's and probe's
 * frame plus the deepest chain of callee frames above it. */
/* The most function calls a kernel runtime with recursion lets nest
 * (-D MAXNESTING): each level is kernel stack. */
#define EM_KERNEL_MAXNESTING 32
int em_kernel_nesting(struct emitter *em);
void em_frame_sizes(struct emitter *em, struct strbuf *b);
void em_unsupported_kernel(struct em_fn *f, struct loc at, const char *what);
/* A kprobe's parameters (or a kretprobe's result) copied from its
 * registers into uint64_t slots[], as fentry/fexit would see them. */
void em_kprobe_slots(const struct attach *at, struct strbuf *out);
/* The C expression that sifts a probe's events by task (attach.h's
 * filters) and gives the task its body describes, or NULL for none. */
/* Does kernel-context code use a native (its name and "(")? */
bool em_kernel_uses(struct emitter *em, const char *native);
/* The C statement that tells a probe on a system call's entry tracepoint
 * how many of the call's arguments its record holds (c.sysargs, for
 * btap_sysarg), or "" for any other probe or a unit that never asks. */
const char *em_sysargs_line(struct emitter *em, struct em_probe *p);
/* The program reads perf counters (@perf): BTAP_PERF_COUNTERS is defined,
 * the runtime opens s->perf_counters. */
bool em_perf_counters(struct emitter *em);
/* Whether the kernel half's code, once emitted (the runtime's defines are
 * written after it), calls `name` ("btap_str_cmp("), natives included. */
bool em_kernel_code_calls(struct emitter *em, const char *name);
const char *em_task_guard(struct emitter *em, const struct attach *at, int index);
/* A named kernel type (as the type walker names it: "struct sock") the
 * kernel half reads through. */
void em_need_kernel_type(struct emitter *em, const char *name);
/* A C string literal of n bytes. */
void em_c_string(struct strbuf *b, const char *s, size_t n);
/* Decode a script string literal's escapes; returns an arena copy, *len set. */
char *em_decode_str(struct arena *a, const char *raw, size_t *len);

/* emit_kprintf.c: sprintf in kernel context, in the kernel printf's
 * dialect (bpf_snprintf's, which the kernel's snprintf also takes); at
 * most EM_KPRINTF_MAX_ARGS values (bpf_snprintf's limit). The hooks
 * format_prepare and format_arg of both kernel runtimes. */
#define EM_KPRINTF_MAX_ARGS 12
void *em_kprintf_prepare(struct em_fn *f, struct loc at, const char *fmt, int nargs, const char **kfmt);
void em_kprintf_arg(struct em_fn *f, void *plan, int i, const struct em_print_arg *args);

/* emit_target.c: target expressions that read kernel memory */
const char *em_target_chain(struct em_fn *f, struct expr *e);
/* Guru mode: where a target variable is, to be written. Kernel ones on
 * runtimes with target_writes ($param, $return: a slot of the probe's
 * arguments and the register or stack word it came from;
 * $p->member: kernel memory); a process's in its memory on every kernel
 * runtime (btap_set_user). False after an error. */
struct em_target_place {
	bool slot;         /* where: a slot's byte offset; else an address */
	bool user;         /* the address is in the traced process */
	int argn;          /* a slot: its argument's number (1...), 0 for $return */
	const char *where;
	int size;
	bool sgn;
	int site;
};
bool em_target_place(struct em_fn *f, struct expr *e, struct em_target_place *out);
/* A string temporary holding text (a literal known at translation). */
const char *em_str_literal(struct em_fn *f, const char *text);
/* emit_share.c: a string literal whose text differs by probe at `at`
 * (read through the running probe, so that bodies stay the same); the
 * functions that give them; which probes run another's program; text
 * with EM_PROBE_TAG as index. */
const char *em_probe_str(struct em_fn *f, struct loc at, const char *text);
void em_probe_str_functions(struct emitter *em, struct strbuf *b);
void em_probe_table(struct emitter *em, struct strbuf *b, const char *name, const char **values);
void em_share_programs(struct emitter *em);
void em_put_tagged(struct strbuf *out, const char *text, int index);
/* A target variable at a process probe (e->user_target). */
const char *em_user_target(struct em_fn *f, struct expr *e);
const char *em_cast(struct em_fn *f, struct expr *e);
/* @var("sym")->... of the kernel: the walk starts at the symbol (this
 * CPU's copy of a per-CPU one). */
const char *em_kernel_atvar(struct em_fn *f, struct expr *e);
struct tp_event;
const char *em_target_vars(struct em_fn *f, struct expr *e, const struct tp_event *ev);

/* emit_expr.c */
const char *em_expr(struct em_fn *f, struct expr *e);
/* The value of e, copied to a temporary when it could change before use. */
const char *em_expr_stable(struct em_fn *f, struct expr *e, bool later_effects);
bool em_has_effects(const struct expr *e);
const char *em_tmp_long(struct em_fn *f);
const char *em_tmp_str(struct em_fn *f);
const char *em_tmp_dbl(struct em_fn *f);
void em_err_check(struct em_fn *f, int site);
const char *em_index_key(struct em_fn *f, struct em_map *m, struct vec *args, struct loc at);
struct expr *em_index_base(const struct expr *e);
const char *em_to_long(struct em_fn *f, struct expr *e);

/* emit_stmt.c */
void em_stmt(struct em_fn *f, struct stmt *s);
bool em_has_loop(const struct stmt *s);
/* The elements of m matching a slice (args with '*'): deleted, or the
 * name of a long that says whether one exists. */
const char *em_slice(struct em_fn *f, struct em_map *m, struct vec *args, struct loc at, bool del);
bool em_is_slice(const struct vec *args);
/* The C name of a long local ("l_x", or "fr->l_x" in a body with loops). */
const char *em_long_local(struct em_fn *f, const char *name);
/* STAP_ARG_x for a function's parameters around its embedded C: defined
 * before the code (define), undefined after. */
void em_stap_args(struct em_fn *f, const char *code, bool define);

/* emit_regex.c: s =~ "re" / s !~ "re"; the DFA tables of every pattern
 * (before any code); matched() and ngroups() in kernel probes are errors. */
const char *em_regex_match(struct em_fn *f, struct expr *e);
void em_regex_tables(struct emitter *em, struct strbuf *b);
void em_regex_check_kernel(struct emitter *em);

/* emit_task_layout.c: the offsets of struct task_struct's fields that the
 * task_*() natives read, for the runner's build, when a function the
 * runner runs calls them (before any code). */
void em_task_layout(struct emitter *em, struct strbuf *b);

/* emit_print.c */
/* Literal text inside a format: '%' doubled. */
void em_put_format_text(struct strbuf *b, const char *s, size_t n);
/* The BTAP_SPRINTF_* line of sprintf argument i, as it is. */
void em_sprint_plain_arg(struct em_fn *f, int i, const struct em_print_arg *a);
const char *em_print_call(struct em_fn *f, struct expr *e);
int em_format_id(struct emitter *em, const char *text);
const char *em_stat_op(struct em_fn *f, struct expr *e);
struct em_map *em_stats_map_of(struct em_fn *f, struct expr *operand, const char **key);

#endif
