/* process("PATH") probes on user-space code (uprobes): what a concrete
 * point attaches to and what its target variables are, for the backends. */
#ifndef BTAP_PROVIDER_UPROBE_H
#define BTAP_PROVIDER_UPROBE_H

#include "tracepoints.h"
#include "ubin.h"

enum usite_kind {
	USITE_FUNC,   /* .function: after the prologue */
	USITE_RETURN, /* .function().return: a uretprobe at the entry */
	USITE_STMT,   /* .statement(ADDR): exactly there */
	USITE_MARK,   /* .mark: a USDT site */
};

/* Which processes a probe fires in. */
enum { USITE_ANY_PID = -1, USITE_TARGET_PID = 0 };

/* One place a concrete point attaches to. */
struct usite {
	enum usite_kind kind;
	const struct ubin *bin;
	const struct ubin_func *func;  /* the function (NULL for a mark or an
	                                  address no symbol covers) */
	const struct ubin_mark *mark;
	const char *plt_name;          /* .plt: the function the stub calls */
	uint64_t addr;                 /* where it fires (link-time) */
	uint64_t offset;               /* its file offset: the uprobe's */
	uint64_t sema_offset;          /* a mark's semaphore's file offset, 0 */
	int pid;                       /* USITE_ANY_PID, USITE_TARGET_PID (the
	                                  -c command or -x process), or a PID */
	/* kernel.statement: bin is the kernel's debuginfo, the site a kprobe
	 * `offset` bytes into kfunc (the function the symbol table names) */
	bool kernel;
	const char *kfunc;
	const char *kmodule;           /* module("M").statement: M */
	/* the variables at addr, found on first use */
	bool vars_read;
	int nvars;                     /* -1: no DWARF (vars_err says so) */
	struct uvar *vars;
	const char *vars_err;
};

/* The site of a concrete point the uprobe provider made, or NULL. */
const struct usite *usite_of(const struct probe_point *pp);

/* kernel.function("PATTERN")[.call|.return|.inline|.label("L")] from the
 * kernel's debuginfo: its functions' out-of-line copies (a compiler's
 * clones among them) and inlined ones, each a kprobe at its place whose
 * variables DWARF locates; the points' resolution, target variables and
 * attachment are this provider's. False, with the reason in *why, when
 * the kernel has no debuginfo btap can use; false without *why after a
 * located error. */
bool uprobe_kernel_functions(struct session *s, const struct probe_point *pp, struct vec *out, const char **why);

/* e->target_info of a target expression at a uprobe point. */
struct uvar_access {
	struct tp_access acc;          /* the chain's typing (acc.field NULL) */
	const struct uvar *var;        /* the variable; NULL for $$ forms */
	const struct usite *site;
	const char *what;              /* $$ forms: "vars", "parms", "locals",
	                                  "name", "provider", "return" */
	const struct uvar *vars;       /* $$vars/$$parms/$$locals/$$return: the
	                                  variables they print, in order */
	int nvars;
};

#endif
