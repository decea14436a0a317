/* The seam between the emitter and a runtime.
 *
 * Pass 3 writes every probe body and function once, as C against the
 * interface of runtime/btap_runtime.h, and records where each body runs
 * (enum em_ctx: in kernel context, in the runner, or both). What differs
 * between runtimes is said here, once: a struct em_runtime states what
 * kernel-context code may do there (capabilities) and holds the hooks that
 * write the runtime's own pieces of the unit: the kernel types and headers
 * it includes, its map declarations, the entry point around each kernel
 * probe body (with its scratch space), its part of the runner's
 * descriptor, and the few lowerings that are not plain C (bitfield reads,
 * the kernel formatter's printf dialect).
 *
 * The BPF runtime is bpf-backend/emit_bpf.c (em_runtime_bpf); a kernel
 * module runtime would be another struct em_runtime, with no change to the
 * emitter's core (the emit/ folder). */
#ifndef BTAP_EMIT_RUNTIME_H
#define BTAP_EMIT_RUNTIME_H

#include <stdbool.h>
#include <stdint.h>

#include "translator/attach.h"

struct emitter;
struct em_fn;
struct em_func;
struct em_map;
struct em_probe;
struct strbuf;
struct loc;

/* Where a body runs. A function called from both is compiled into both
 * halves of the unit. */
enum em_ctx {
	EM_CTX_KERNEL = 1, /* kernel context: the runtime's kernel half */
	EM_CTX_RUNNER = 2, /* the runner, in user space */
};

/* What a global array or statistic is; each runtime picks its map type
 * (describe_map, declare_maps). */
enum em_map_kind {
	EM_MAP_ARRAY,        /* keyed longs or strings */
	EM_MAP_WRAP,         /* global a%[N]: the oldest element goes when full */
	EM_MAP_STATS,        /* keyed statistics, per CPU, merged on read */
	EM_MAP_SCALAR_STATS, /* one statistic (no keys), per CPU */
};

/* A value to print or format: a C expression, a string or a long. */
struct em_print_arg {
	const char *val;
	bool str;
};

struct em_runtime {
	const char *name;          /* in messages: "not supported yet by the BPF backend" */
	/* The unit is compiled once per half; these macros say which. */
	const char *kernel_build;  /* "BTAP_TARGET_BPF" */
	const char *runner_build;  /* "BTAP_TARGET_USER" */
	const char *build_note;    /* how the halves are built, for the unit's first line */

	/* ---- what kernel-context code may do ---- */
	bool kernel_recursion;     /* functions may recurse */
	bool kernel_hist_foreach;  /* foreach over histogram buckets */
	/* Loop bodies become callbacks (btap_loop, btap_map_each) and a body
	 * with loops keeps its longs in its frame (BPF: the verifier checks a
	 * callback once, not once per iteration). */
	bool loop_callbacks;
	/* attaches kernel.lsm probes (BPF LSM programs) */
	bool lsm_hooks;
	/* takes kernel and user backtraces in kernel context */
	bool kernel_stacks;
	/* reaches members of kernel types by their C names (BPF: relocated
	 * by CO-RE against the running kernel, the types in the unit's BTF
	 * header); else at the byte and bit offsets BTF gives, fixed at
	 * translation (a module built against the kernel's headers cannot
	 * name the types those headers lack) */
	bool named_types;
	/* reads kernel variables by symbol (@var) */
	bool kernel_symbols;
	/* sifts events by task (attach.h's filters: process.begin, a
	 * process's system calls ...) */
	bool task_filters;
	/* ... also by the executable a task runs (process("PATH")), and fires
	 * begin probes for the processes running at the start (the runner
	 * finds both for the kernel half) */
	/* kernel.data's hardware breakpoints (perf breakpoint events) */
	bool hw_breakpoints;
	bool exe_filters;
	/* guru mode writes kernel target variables (registers, memory) */
	bool target_writes;
	/* runs a begin, end or error probe that reaches a script's embedded C
	 * in the kernel, called by the runner at its turn (kernel C, as in
	 * stap; else such a probe's C is compiled into the runner) */
	bool invoked_probes;
	/* Most values one call of the kernel's formatter takes (sprintf,
	 * pretty-printing). */
	int format_max_args;
	/* Functions called from kernel context are separate calls (not
	 * inlined) when they take at most this many C parameters and at most
	 * call_max_height calls deep sit below them, since every call level
	 * is a frame (BPF: 5 argument registers, 8 frames in all, loop
	 * callbacks included). 0: always inlined. */
	int call_max_params;
	int call_max_height;
	/* The kernel-context attach kinds it lowers: bits 1u << enum attach_kind. */
	unsigned attach_kinds;

	/* ---- hooks ---- */
	/* #defines the runtime headers read, after the emitter's own. */
	void (*defines)(struct emitter *em, struct strbuf *b);
	/* The kernel half's prelude: kernel types and the runtime header
	 * (inside #ifdef kernel_build). False after an error (reported). */
	bool (*prelude)(struct emitter *em, struct strbuf *b);
	/* The kernel half's maps and per-probe scratch space (inside #ifdef
	 * kernel_build, before any code). */
	void (*declare_maps)(struct emitter *em, struct strbuf *b);
	/* The entry point of kernel probe p: the event's program, which sets
	 * up a struct btap_ctx and the frame and calls bb<index>(c, sp). It
	 * may change p->kind, the descriptor's, when it attaches the probe
	 * otherwise than the attach kind says. */
	void (*probe_entry)(struct emitter *em, struct em_probe *p, struct strbuf *out);
	/* What must match besides the body for kernel probe p to run another
	 * probe's program, which then reads its probe from the attachment
	 * (emit_share.c); NULL: p's program is its own. Optional. */
	const char *(*share_key)(struct emitter *em, const struct em_probe *p);
	/* The runner's descriptor: the runtime's fields of kernel probe p
	 * (after ".priority = N,\n\t "), of map m (appended to its entry) and
	 * of the program (a line before the closing brace). */
	void (*describe_probe)(struct emitter *em, const struct em_probe *p, struct strbuf *b);
	void (*describe_map)(struct emitter *em, const struct em_map *m, struct strbuf *b);
	void (*describe_program)(struct emitter *em, struct strbuf *b);
	/* A bitfield member of a kernel struct (ctype *)base, member path
	 * "a.b": an int64_t expression for its value. */
	const char *(*read_bitfield)(struct em_fn *f, const char *ctype, const char *base, const char *member);
	/* sprintf in kernel context: fmt in the kernel formatter's dialect
	 * into *kfmt, and a plan for the nargs arguments; NULL (after a
	 * located error at `at`) when it cannot. format_arg then writes the
	 * BTAP_SPRINTF_* line of argument i. */
	void *(*format_prepare)(struct em_fn *f, struct loc at, const char *fmt, int nargs, const char **kfmt);
	void (*format_arg)(struct em_fn *f, void *plan, int i, const struct em_print_arg *args);
};

#endif
