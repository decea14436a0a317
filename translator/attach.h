/* How a probe attaches, said by its provider in terms no runtime owns.
 *
 * A provider's `attach` hook (provider.h) fills a struct attach for a
 * concrete point; each runtime lowers it (bpf-backend/emit_bpf.c: a
 * tracepoint program, a raw tracepoint, a perf event on every CPU ...; a
 * kernel module would register the same events its own way). Probes of
 * kind RUNNER and TIMER have no kernel context: the runner runs them. The
 * emitter never looks at provider names, only at this. */
#ifndef BTAP_ATTACH_H
#define BTAP_ATTACH_H

#include <stdbool.h>
#include <stdint.h>

enum attach_kind {
	ATTACH_NONE,           /* never fires (probe never): no code at all */
	ATTACH_RUNNER,         /* begin / end / error, run by the runner */
	ATTACH_TIMER,          /* an interval timer in the runner */
	ATTACH_TRACEPOINT,     /* a tracepoint: group, name; the record is the context */
	ATTACH_RAW_TRACEPOINT, /* a tracepoint's raw arguments: name */
	ATTACH_PERF_EVENT,     /* a perf event sampled on every CPU */
	ATTACH_KPROBE,         /* a kernel function's entry or return (kprobe or fentry) */
	ATTACH_UPROBE,         /* an instruction of a user binary (uprobe or uretprobe) */
	ATTACH_PROCFS,         /* a file the runner serves: read or written by a client */
	ATTACH_NETFILTER,      /* a netfilter hook: the packet, its verdict the result */
};

/* When a runner probe runs. */
enum attach_runner_event { ATTACH_BEGIN, ATTACH_END, ATTACH_ERROR };

/* An event that needs sifting before the body runs, and the task the body
 * then describes (not always the current one). */
enum attach_filter {
	ATTACH_FILTER_NONE,
	/* sched_process_fork: only new thread groups; the body describes the child */
	ATTACH_FILTER_PROCESS_BEGIN,
	/* sched_process_exit: only the end of a thread group; the body
	 * describes the exiting task */
	ATTACH_FILTER_PROCESS_END,
	/* sched_process_exec: the task that just exec'd (with exe: only
	 * into that executable) */
	ATTACH_FILTER_PROCESS_EXEC,
	/* sched_process_fork: only new threads of a process (the body
	 * describes the new thread) */
	ATTACH_FILTER_THREAD_BEGIN,
	/* sched_process_exit: a thread that is not its process's last */
	ATTACH_FILTER_THREAD_END,
	/* any event, in the current task (with exe_path: only tasks running
	 * that executable) */
	ATTACH_FILTER_CURRENT,
	/* sched_switch: a process that was running when the script started,
	 * once, in its own context (the runner lists them: exe_path or pid) */
	ATTACH_FILTER_PROCESS_RUNNING,
};

struct attach {
	enum attach_kind kind;
	enum attach_filter filter;
	/* With a filter: only tasks running this executable (NULL: any). The
	 * runner finds its inode when it runs, on the machine it runs on. */
	const char *exe_path;
	int64_t pid;                   /* with a filter: only this process (0: any) */
	struct {
		enum attach_runner_event event;
		int64_t priority;          /* begin(N): lowest first */
	} runner;
	struct {
		uint64_t period_ns;
		uint64_t randomize_ns;     /* +- this much, at random, each time */
	} timer;
	struct {
		const char *group;         /* TRACEPOINT only */
		const char *name;
		/* The probe reads no field of the event, which has a raw
		 * tracepoint of the same name: a runtime may attach it there
		 * instead, which detaches without waiting for an RCU grace
		 * period. */
		bool fieldless;
	} tracepoint;
	struct {
		uint32_t type;             /* PERF_TYPE_x (perf_event ABI) */
		uint64_t config;           /* PERF_COUNT_x */
		uint64_t period;           /* every `period` events, or `period` Hz */
		bool freq;
		/* a breakpoint (kernel.data): the address, or the symbol the
		 * runner finds; bytes watched; HW_BREAKPOINT_W or _RW */
		uint64_t bp_addr;
		const char *bp_symbol;
		uint32_t bp_len, bp_type;
	} perf;
	struct {
		const char *function;      /* kernel function name */
		const char *module;        /* NULL: vmlinux */
		uint64_t offset;           /* bytes into the function */
		bool ret;                  /* at its return */
		int ret_slot;              /* the return value's slot in the arguments */
		int nslots;                /* 8-byte argument slots the parameters fill */
		/* lowered to a kprobe/kretprobe (else fentry/fexit): the
		 * parameters are copied from the registers into the slots */
		bool via_kprobe;
		/* a BPF LSM hook: the program's result is the verdict */
		bool lsm;
		/* a statement inside the function (kernel.statement): no
		 * parameters, the registers are the context (as at a uprobe) */
		bool regs_ctx;
	} kprobe;
	struct {
		const char *path;          /* the binary or library */
		uint64_t offset;           /* file offset of the instruction */
		bool ret;                  /* at the function's return */
		uint64_t semaphore;        /* USDT semaphore's file offset, 0: none */
		int64_t pid;               /* only this process; 0: every one; -1: the
		                              -c or -x target */
		uint64_t addr;             /* the instruction's link-time address (the
		                              load bias is the probe's ip minus this) */
	} uprobe;
	struct {
		int pf;                    /* NFPROTO_x */
		int hook;                  /* NF_INET_x (NF_ARP_x, NF_BR_x) */
		int priority;              /* among the hooks at that point */
	} netfilter;
	struct {
		const char *name;          /* the file's name */
		bool write;                /* a write probe (else read) */
		uint64_t maxsize;          /* .maxsize(N), 0: none given */
	} procfs;
};

/* Are a probe's target variables its arguments, in 8-byte slots (a kernel
 * function's parameters, an LSM or netfilter hook's)? */
static inline bool attach_has_arg_slots(enum attach_kind k)
{
	return k == ATTACH_KPROBE || k == ATTACH_NETFILTER;
}

/* Does a probe of this kind run in kernel context (not in the runner)? */
static inline bool attach_in_kernel(enum attach_kind k)
{
	return k != ATTACH_NONE && k != ATTACH_RUNNER && k != ATTACH_TIMER && k != ATTACH_PROCFS;
}

#endif
