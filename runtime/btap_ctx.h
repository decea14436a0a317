/* The handler context and the frame layout of kernel-context code, the
 * same for every kernel runtime (runtime/bpf/btap_bpf.h,
 * runtime/kmod/btap_kmod.h): struct btap_ctx, the scratch space before
 * the probe's frame (error message, string results, zero area, action
 * count) and the frames of bodies and callees. The including header
 * defines MAXSTRINGLEN, BTAP_ZERO_SIZE, BTAP_INLINE and int64_t first. */
#ifndef BTAP_CTX_H
#define BTAP_CTX_H

#define BTAP_ALIGN8(x) (((x) + 7) & ~7)
#define BTAP_SCRATCH_HDR (BTAP_ALIGN8(2 * MAXSTRINGLEN) + BTAP_ALIGN8(BTAP_ZERO_SIZE) + 8)

/* A body's frame: at sp in the per-CPU scratch space; callees' frames follow. */
#define BTAP_FRAME(type)                                                        \
	type *fr = (type *)sp;                                                  \
	char *nsp = sp + sizeof(type);                                          \
	(void)fr;                                                               \
	(void)nsp;

/* Without BTAP_NESTING the runtime has no recursion in kernel context
 * (the translator rejects it): nothing to count. With it, btap_error.h
 * defines btap_nest_enter/btap_nest_leave over the ctx's depth. */
#ifndef BTAP_NESTING
#define btap_nest_enter(c, site) 1
#define btap_nest_leave(c) ((void)0)
#endif

/* The running handler. Lives on the stack (BPF's is 512 bytes): it is small. */
struct btap_ctx {
	void *ctx;       /* the program's context (tracepoint record ...) */
	void *args;      /* what target variables read: the context, or the
			    arguments a kprobe copied from its registers */
	void *globals;   /* struct btap_globals_hdr first */
	char *errbuf;    /* MAXSTRINGLEN: message of the pending error */
	char *tmp;       /* MAXSTRINGLEN: string results of the natives */
	char *zero;      /* BTAP_ZERO_SIZE bytes */
	/* loop iterations so far (MAXACTION), in the scratch map: a loop
	 * callback's states then converge (see text_str below) */
	int64_t *actions;
	/* 0, 1 a (catchable) error, 2 abort. 64 bits: clang 17+ merges
	 * "err = 0; site = -1" into one store, and a 6.1 verifier reading 32
	 * bits of a 64-bit spill knows nothing, so every later error check
	 * forked its paths (a million instructions for a $$parms$) */
	int64_t err;
	int site;        /* error site of the pending error, -1 unknown */
	int probe;       /* index of the probe in the descriptor */
	int regs;        /* ctx starts with saved registers: 1 a uprobe's
			    (user space), 2 a perf sample's (either); 3 + N:
			    none, an fexit program's arguments, its return
			    value in slot N */
	int sysargs;     /* a system call's entry tracepoint: how many of its
			    arguments the record holds (u64s from offset 16),
			    for int_arg() and kin; at its exit tracepoint
			    minus that many (read from the task's saved user
			    registers); 0 elsewhere */
	int kregs;       /* ctx is a kprobe's saved registers (struct
			    pt_regs): register() and print_regs() read them */
	int64_t verdict; /* an LSM hook's result: what $return was set to */
	int64_t func_ip; /* a kernel function probe's address (addr()), or 0 */
	void *task;      /* the task the probe describes, when not current
			    (BTAP_TASK_OVERRIDE: process.begin) */
#ifdef BTAP_NESTING
	int depth;       /* function calls nested (MAXNESTING) */
#endif
};

#define BTAP_HDR(c) ((struct btap_globals_hdr *)(c)->globals)

/* Lay the scratch space at sp out into c; the probe's frame follows. */
static BTAP_INLINE char *btap_ctx_scratch(struct btap_ctx *c, char *sp)
{
	c->errbuf = sp;
	c->tmp = sp + MAXSTRINGLEN;
	c->zero = sp + BTAP_ALIGN8(2 * MAXSTRINGLEN);
	c->actions = (int64_t *)(c->zero + BTAP_ALIGN8(BTAP_ZERO_SIZE));
	*c->actions = 0;
	c->errbuf[0] = 0;
	return sp + BTAP_SCRATCH_HDR;
}

#endif
