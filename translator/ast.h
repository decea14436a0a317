/* The script's abstract syntax tree, shared by every pass.
 *
 * The parser fills in the syntax; elaboration (pass 2) fills in the fields
 * marked "resolved": types, symbol bindings, expanded probes. All nodes live
 * in the session arena. */
#ifndef BTAP_AST_H
#define BTAP_AST_H

#include "diag.h"
#include "util.h"

#include <stdbool.h>
#include <stdint.h>

enum type {
	TY_UNKNOWN = 0,
	TY_LONG,
	TY_STRING,
	TY_STATS, /* aggregate: only <<< and @ops */
	TY_VOID,  /* function with no return value */
};
const char *type_name(enum type t);

#define MAX_ARRAY_KEYS 9

struct vardecl;
struct funcdecl;
struct stmt;
struct expr;

/* ---- expressions ---------------------------------------------------- */

enum expr_kind {
	E_NUM,          /* num */
	E_STR,          /* str (raw, escapes kept as written) */
	E_VAR,          /* name: local or global scalar, or an array used whole */
	E_TARGET,       /* $name with components; addressof for &$x */
	E_TARGET_VARS,  /* $$vars / $$parms / $$locals / $$return (name), pretty */
	E_CAST,         /* @cast(operand, str_type[, str_module]) components */
	E_ATVAR,        /* @var("name[@file]"[, "module"]) components */
	E_DEFINED,      /* @defined(operand) */
	E_ENTRY,        /* @entry(operand) */
	E_UNARY,        /* op: "-" "+" "!" "~" ; operand */
	E_INCDEC,       /* op: "++"/"--"; prefix flag; operand */
	E_BINARY,       /* op: + - * / % << >> & | ^ ; left right */
	E_LOGICAL,      /* op: && || ; left right */
	E_COMPARE,      /* op: < > <= >= == != =~ !~ ; left right */
	E_CONCAT,       /* "." ; left right */
	E_TERNARY,      /* cond ? left : right */
	E_ASSIGN,       /* op: = += -= *= /= %= <<= >>= &= |= ^= .= ; left right */
	E_STATS_ADD,    /* left <<< right */
	E_INDEX,        /* base[args] — base is an E_VAR naming an array */
	E_IN,           /* [args] in base — base E_VAR (or E_INDEX for slices) */
	E_CALL,         /* name(args) */
	E_STAT_OP,      /* @count/@sum/@min/@max/@avg/@variance(operand); name w/o '@' */
	E_HIST,         /* @hist_log(operand) / @hist_linear(operand, lo, hi, step) */
	E_EMBEDDED,     /* %{ code %} used as an expression (guru mode) */
	E_STAR,         /* '*' wildcard key in an array slice: a[*, 3] */
};

/* How the parser fills the fields, per kind:
 *   E_VAR str=name.  E_CALL str=name, args; built-ins spelled with '@'
 *   (@perf, @probewrite, @uregister, @const, @kregister) are E_CALLs whose
 *   name keeps the '@'.
 *   E_TARGET str=name without '$' ("x" for $x), components; when operand is
 *   set (str NULL) the components apply to that value (autocast, as in
 *   f(x)->y, a[1][2], (@entry($p))->f).
 *   E_TARGET_VARS op="vars"/"parms"/"locals"/"return" (or "name",
 *   "provider" ... as written: pass 2 checks).
 *   E_CAST operand, str=type, module.  E_ATVAR str=name, module.
 *   E_DEFINED/E_ENTRY operand.
 *   E_UNARY op, operand; op "&" is the address of a non-target value,
 *   e.g. &(a ? $x : $y) (a target's own '&' is the addressof flag).
 *   E_INCDEC op, prefix, operand.  Binary kinds: op, left, right.
 *   E_TERNARY cond, left (then), right (else).
 *   E_INDEX operand=E_VAR (or E_HIST: a bucket), args=keys (E_STAR for '*').
 *   E_IN operand=E_VAR or E_HIST, args=keys.
 *   E_STAT_OP op="count".., operand, args=[shift] for @variance(x, N).
 *   E_HIST op="hist_log"/"hist_linear", operand, args=[lo, hi, step] (E_NUM).
 *   E_EMBEDDED str=code.  Literal E_NUM in probe point arguments, global
 *   initializers and histogram parameters may be negative ("-5" folded). */
enum component_kind { COMP_FIELD, COMP_INDEX, COMP_PRETTY };
struct component {
	enum component_kind kind;
	const char *field;     /* COMP_FIELD: ->name */
	struct expr *index;    /* COMP_INDEX: [expr] */
	int pretty;            /* COMP_PRETTY: 1 for "$", 2 for "$$" */
	struct loc loc;
};

struct expr {
	enum expr_kind kind;
	struct loc loc;
	const char *op;        /* operator text, or @-function name, or E_TARGET_VARS name */
	int64_t num;           /* E_NUM */
	const char *str;       /* E_STR raw text; E_VAR/E_TARGET/E_CALL name; E_CAST type */
	const char *module;    /* E_CAST/E_ATVAR module, or NULL */
	struct expr *left, *right, *cond, *operand;
	struct vec args;       /* struct expr*: index keys, call args, hist params */
	struct vec components; /* struct component*: $x->a[1]$ */
	bool prefix;           /* E_INCDEC */
	bool addressof;        /* &$x */
	int pretty;            /* E_TARGET_VARS suffix: 0, 1 ($), 2 ($$) */
	bool is_hex;           /* E_NUM written in hex (printer keeps the form) */
	bool kernel_c;         /* E_EMBEDDED from @const on kmod: the kernel's C, not the runner's */

	/* resolved */
	enum type type;
	struct vardecl *var;      /* E_VAR, E_INDEX/E_IN base */
	struct funcdecl *func;    /* E_CALL */
	void *target_info;        /* provider data for target variables */
	bool user_target;         /* target_info is a struct uvar_access (process probes) */
	bool is_pointer;          /* a target value of pointer type (shown in hex at the end) */
};

/* ---- statements ----------------------------------------------------- */

enum stmt_kind {
	S_BLOCK,     /* stmts */
	S_EXPR,      /* expr */
	S_IF,        /* cond, then, els */
	S_WHILE,     /* cond, body */
	S_FOR,       /* init (expr or NULL), cond, incr, body */
	S_FOREACH,   /* see foreach fields */
	S_BREAK,
	S_CONTINUE,
	S_NEXT,
	S_RETURN,    /* expr or NULL */
	S_DELETE,    /* expr: E_VAR (whole array or scalar) or E_INDEX */
	S_TRY,       /* body, catch_var (or NULL), catch_body */
	S_EMBEDDED,  /* code (guru mode) */
	S_NULL,      /* lone ';' */
};

struct stmt {
	enum stmt_kind kind;
	struct loc loc;
	struct vec stmts;        /* S_BLOCK: struct stmt* */
	struct expr *expr;       /* S_EXPR, S_RETURN, S_DELETE */
	struct expr *cond;       /* S_IF, S_WHILE, S_FOR (NULL: forever) */
	struct stmt *then, *els; /* S_IF */
	struct stmt *body;       /* loops, S_TRY */
	struct expr *init, *incr;/* S_FOR (each may be NULL) */
	const char *code;        /* S_EMBEDDED */

	/* S_FOREACH: foreach ([k1,k2] in arr[slice] sort limit N)
	 *            foreach (v = [k1,k2] in arr ...) */
	struct vec fe_keys;          /* struct expr* E_VAR: key variables */
	struct expr *fe_value;       /* E_VAR bound to the value, or NULL */
	struct expr *fe_array;       /* E_VAR (or E_INDEX slice with E_STAR) */
	int fe_sort_key;             /* 0: none; 1..n: key n; -1: value */
	int fe_sort_dir;             /* +1 ascending, -1 descending */
	const char *fe_sort_agg;     /* value sort on a stats array: "count" etc, NULL = default */
	struct expr *fe_limit;       /* or NULL */

	/* S_TRY */
	struct expr *catch_var;      /* E_VAR or NULL */
	struct stmt *catch_body;
};

/* ---- declarations --------------------------------------------------- */

struct vardecl {
	const char *name;
	struct loc loc;
	bool is_global;
	bool is_private;
	bool wrap;               /* global a%[N] */
	int64_t maxsize;         /* [N] or 0 */
	bool has_size;
	struct expr *init;       /* global initializer literal, or NULL */
	const struct src_file *file;

	/* resolved */
	enum type type;          /* value type (TY_STATS for aggregates) */
	int arity;               /* -1 unknown, 0 scalar, >0 number of keys */
	enum type key_types[MAX_ARRAY_KEYS];
	bool used, written, read;
	bool displayed;          /* printed at the end: written, never read */
	bool holds_pointer;      /* assigned a pointer-typed target value: shown in hex */
	/* a local assigned typed kernel pointers ($fhp, @cast(...)->p, a
	 * function's typed result), or the array @entry(X) saves X in: the
	 * type, so that v->member reads through it (autocast); typed_mixed
	 * when two assignments disagree */
	struct ktype *typed;
	bool typed_mixed;
	bool is_param;           /* function parameter */
	bool generated;          /* made by elaboration (@entry's saved values): seen by library code too */
	int index;               /* position among the program's globals/locals */
	int str_width;           /* pass 3: most bytes (with the NUL) its string holds */
};

struct funcdecl {
	const char *name;
	struct loc loc;
	bool is_private;
	enum type ret_decl;      /* declared :type, or TY_UNKNOWN */
	struct vec params;       /* struct vardecl* with type = declared or unknown */
	struct stmt *body;       /* NULL when embedded */
	const char *embedded;    /* %{ code %} body, or NULL */
	const struct src_file *file;

	/* resolved */
	enum type ret;
	struct vec locals;       /* struct vardecl* */
	bool used;
	int ret_width;           /* pass 3: most bytes (with the NUL) of a string result */
	/* the kernel pointer type every value it returns has (autocast:
	 * task_parent(task_current())->tgid), as for a local */
	struct ktype *typed_ret;
	bool typed_ret_mixed;
	unsigned char resolve_state; /* 0 not yet, 1 under way, 2 done */
};

/* One component of a probe point: name, optional (literal) argument. */
struct pp_component {
	const char *name;        /* may contain '*' wildcards, or be "**" */
	struct expr *arg;        /* E_NUM or E_STR, or NULL */
	struct loc loc;
};

struct probe_point {
	struct vec comps;        /* struct pp_component* */
	bool optional;           /* '?' */
	bool sufficient;         /* '!' */
	struct expr *cond;       /* 'if (expr)', or NULL */
	struct loc loc;
	/* resolved process begin points: the processes already running when
	 * the script starts (each once, in its own context), not new ones */
	bool running;
	/* a kernel function from a pattern over fentry's cap: a kprobe, whose
	 * program the pattern's probes share (provider_kernel.c) */
	bool via_kprobe;
	/* one of a pattern's several matches: failing to attach it is a
	 * warning, as in stap (functions the kernel will not probe) */
	bool from_pattern;
};

struct probe {
	struct vec points;       /* struct probe_point* */
	struct stmt *body;
	struct loc loc;
	bool is_private;
	const struct src_file *file;

	/* resolved (pass 2): set on the derived probes */
	struct probe_point *resolved_point; /* the concrete point after alias/wildcard expansion */
	/* The script-level point after wildcard expansion, before aliases
	 * resolve (pn(): "syscall.read" for syscall.*); NULL: resolved_point */
	struct probe_point *script_point;
	const struct provider *provider;
	void *provider_data;
	struct vec locals;       /* struct vardecl* */
	struct probe *origin;    /* the user probe this one was derived from */
	struct vec alias_chain;  /* struct probe_alias* expanded, outermost first */
	/* the end probe synthesized to print this global (elab_display.c) */
	const struct vardecl *displays;
	/* which kinds of target variables the body uses: bits the provider
	 * defines (kernel.trace: record fields, prototype arguments) */
	unsigned target_kinds;
};

/* probe ALIAS[, ALIAS] = POINT[, POINT] { body } ; epilogue with += */
struct probe_alias {
	struct vec aliases;      /* struct probe_point*: names being defined */
	struct vec points;       /* struct probe_point*: what they expand to */
	struct stmt *body;
	bool epilogue;           /* '+=' : body runs after the user's */
	/* '= POINTS { prologue }, { epilogue }': both at once; body is the
	 * prologue and this runs after the user's body (NULL otherwise). */
	struct stmt *epilogue_body;
	struct loc loc;
	bool is_private;
	const struct src_file *file;
};

struct embedded_block {
	const char *code;
	struct loc loc;
	const struct src_file *file;
};

/* One parsed file. */
struct stapfile {
	const struct src_file *src;
	struct vec probes;       /* struct probe* */
	struct vec aliases;      /* struct probe_alias* */
	struct vec functions;    /* struct funcdecl* */
	struct vec globals;      /* struct vardecl* */
	struct vec embeds;       /* struct embedded_block* */
	bool is_tapset;
	bool used;               /* pass 2: something in it was pulled in */
	/* its place among the files pass 2 sees (the user's 0, the library's
	 * in load order from 1, generated ones after): files parsed on demand
	 * are indexed in this order, so the program comes out the same
	 * whichever asked first */
	int order;
};

/* Constructors (zeroed nodes in the arena). */
struct expr *expr_new(struct arena *a, enum expr_kind k, struct loc loc);
struct stmt *stmt_new(struct arena *a, enum stmt_kind k, struct loc loc);

/* ---- walking a body --------------------------------------------------
 * Every statement and expression below a node, each reported before its
 * children (pre) and after them (post); any callback may be NULL. A walk
 * with no expression callbacks does not enter expressions. Children come
 * in the order of the fields, not of evaluation:
 *   statement:  stmts, expr, cond, then, els, body, init, incr, fe_keys,
 *               fe_value, fe_array, fe_limit, catch_var, catch_body
 *   expression: left, right, cond, operand, args, component indexes
 * so a loop's body comes before a for's init and incr and before the
 * foreach's keys and array; a walk that needs another order visits those
 * children itself and prunes. */
enum ast_step {
	AST_DESCEND, /* go on into the node's children */
	AST_PRUNE,   /* skip them (from a pre callback) */
	AST_STOP,    /* end the whole walk */
};
struct ast_visitor {
	enum ast_step (*stmt_pre)(struct stmt *s, void *ctx);
	enum ast_step (*stmt_post)(struct stmt *s, void *ctx);
	enum ast_step (*expr_pre)(struct expr *e, void *ctx);
	enum ast_step (*expr_post)(struct expr *e, void *ctx);
	void *ctx;
};
/* Walk s (or e) and all below it; false when a callback stopped the walk.
 * NULL nodes are skipped. */
bool ast_walk_stmt(const struct ast_visitor *v, struct stmt *s);
bool ast_walk_expr(const struct ast_visitor *v, struct expr *e);

#endif
