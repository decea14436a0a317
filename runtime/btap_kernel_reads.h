/* What kernel-context code reads, written once for the kernel runtimes
 * (runtime/bpf/btap_bpf.h, runtime/kmod/btap_kmod.h): tracepoint record
 * fields, argument slots (c->args: the record, a raw tracepoint's
 * arguments, a kernel function's parameters), kernel and user memory named
 * by target expressions, and the registers of probes that have them.
 *
 * The including runtime defines, before including this file,
 *   BTAP_MEM_READ(dst, addr, size, user)      as for btap_memory.h;
 *   BTAP_MEM_READ_STR(dst, addr, size, user)  copies a NUL-terminated
 *                                             string of at most size bytes
 *                                             (with the NUL), < 0 on a fault.
 * Registers are x86-64's struct pt_regs, laid out the same in both. */
#ifndef BTAP_KERNEL_READS_H
#define BTAP_KERNEL_READS_H

#include "btap_target_reads.h"

/* ---- tracepoint fields ------------------------------------------------ */

/* An integer field of `size` bytes at `off` in the record, its value the
 * low val_size bytes, sign-extended when sgn. */
static BTAP_INLINE int64_t btap_tp_int(struct btap_ctx *c, int off, int size, int val_size, int sgn)
{
	uint64_t v = 0;
	BTAP_MEM_READ(&v, (const char *)c->args + off, size, 0);
	return btap_extend(v, val_size, sgn);
}

/* An integer of `size` bytes (1, 2, 4, 8) at a computed offset in the
 * record ($field[i]), sign-extended when sgn. */
static BTAP_INLINE int64_t btap_tp_read(struct btap_ctx *c, int64_t off, int size, int sgn)
{
	uint64_t v = 0;
	const char *p = (const char *)c->args + off;
	if (size == 1)
		BTAP_MEM_READ(&v, p, 1, 0);
	else if (size == 2)
		BTAP_MEM_READ(&v, p, 2, 0);
	else if (size == 4)
		BTAP_MEM_READ(&v, p, 4, 0);
	else
		BTAP_MEM_READ(&v, p, 8, 0);
	return btap_extend(v, size, sgn);
}

/* char name[len] in the record. */
static BTAP_INLINE char *btap_tp_chars(struct btap_ctx *c, char *dst, int off, int len)
{
	int n = len < MAXSTRINGLEN - 1 ? len : MAXSTRINGLEN - 1;
	if (n <= 0 || BTAP_MEM_READ(dst, (const char *)c->args + off, n, 0))
		n = 0;
	dst[n] = 0;
	return dst;
}

/* __data_loc char[] (rel: __rel_loc, counted from the end of the u32). */
static BTAP_INLINE char *btap_tp_dataloc_str(struct btap_ctx *c, char *dst, int off, int rel)
{
	uint32_t loc = 0;
	const char *base = (const char *)c->args;
	BTAP_MEM_READ(&loc, base + off, 4, 0);
	if (rel)
		base += off + 4;
	if (BTAP_MEM_READ_STR(dst, base + (loc & 0xffff), MAXSTRINGLEN, 0) < 0)
		dst[0] = 0;
	return dst;
}

/* user_string(), kernel_string(): at most maxlen bytes of the string at
 * addr, in c->tmp; a fault is an error. */
static BTAP_INLINE char *btap_mem_string_(struct btap_ctx *c, int64_t addr, int64_t maxlen, int user)
{
	char *dst = c->tmp;
	long n;
	dst[0] = 0;
	if (maxlen <= 0)
		return dst;
	n = BTAP_MEM_READ_STR(dst, addr, MAXSTRINGLEN, user);
	if (n < 0) {
		dst[0] = 0;
		btap_fault(c, user ? "user string copy fault at " : "kernel string copy fault at ",
			   (uint64_t)addr);
		return dst;
	}
	if (maxlen < MAXSTRINGLEN - 1)
		dst[maxlen] = 0;
	return dst;
}

/* ---- user space: a uprobe's registers and the traced process's memory -- */

/* DWARF register n (x86-64 numbering: rax rdx rcx rbx rsi rdi rbp rsp
 * r8-r15, 16 the instruction pointer) of the probe's struct pt_regs (the
 * context of a uprobe): its byte offset there, -1 for no such register. */
static BTAP_INLINE int btap_dwreg_offset(int n)
{
	switch (n) {
	case 0: return 80;   /* ax */
	case 1: return 96;   /* dx */
	case 2: return 88;   /* cx */
	case 3: return 40;   /* bx */
	case 4: return 104;  /* si */
	case 5: return 112;  /* di */
	case 6: return 32;   /* bp */
	case 7: return 152;  /* sp */
	case 8: return 72;   /* r8 */
	case 9: return 64;   /* r9 */
	case 10: return 56;  /* r10 */
	case 11: return 48;  /* r11 */
	case 12: return 24;  /* r12 */
	case 13: return 16;  /* r13 */
	case 14: return 8;   /* r14 */
	case 15: return 0;   /* r15 */
	case 16: return 128; /* ip */
	default: return -1;
	}
}

/* The value of DWARF register n (a constant) at the probe. */
#define btap_ureg(c, n) btap_tp_read((c), btap_dwreg_offset(n), 8, 0)

/* The saved registers (struct pt_regs) the probe has: a uprobe's, a perf
 * sample's, a statement's (c->args), a kprobe's (c->ctx); 0 at probes
 * without (tracepoints, fentry, timers). */
#define btap_have_regs() ((int64_t)(c->regs == 1 || c->regs == 2 || c->kregs))

/* DWARF register n of the probe's registers, for the tapset's register
 * and argument functions (int_arg(), register("rax"), print_regs());
 * elsewhere an error. */
static BTAP_INLINE int64_t btap_uarg_reg_(struct btap_ctx *c, int64_t n)
{
	int off = btap_dwreg_offset((int)n);
	uint64_t v = 0;
	if (n == 17) /* not DWARF's: the flags, for print_regs() */
		off = 144;
	else if (n == 18) /* the code segment */
		off = 136;
	if (off < 0) {
		btap_raise_str(c, -1, "no such register");
		return 0;
	}
	if (c->regs == 1 || c->regs == 2)
		return btap_tp_read(c, off, 8, 0);
	if (c->kregs) {
		BTAP_MEM_READ(&v, (const char *)c->ctx + off, 8, 0);
		return (int64_t)v;
	}
	btap_raise_str(c, -1, c->regs >= 3 || c->func_ip ?
		       "registers are not available at a kernel function probed with fentry/fexit "
		       "(--kfunc=kprobe gives them)" :
		       "registers and arguments by position are not available at this probe point");
	return 0;
}
#define btap_uarg_reg(n) btap_uarg_reg_(c, (n))

/* Argument n (from 1) of the system call whose entry tracepoint the probe
 * is on (nd_syscall.NAME, kernel.trace("syscalls:sys_enter_NAME"),
 * raw_syscalls:sys_enter): the record's u64 slot; at its exit tracepoint
 * (sysargs negative), the register the call took it in, from the task's
 * saved user registers, which a system call leaves as they were (x86-64:
 * rdi, rsi, rdx, r10, r8, r9); elsewhere an error. */
static BTAP_INLINE int64_t btap_sysarg_(struct btap_ctx *c, int64_t n)
{
	int have = c->sysargs < 0 ? -c->sysargs : c->sysargs;
	if (n < 1 || n > have) {
		btap_raise_str(c, -1, c->sysargs ? "no such argument of this system call"
				      : "registers and arguments by position are not available at this probe point");
		return 0;
	}
	if (c->sysargs < 0)
		return (int64_t)btap_task_user_sysarg((int)n);
	return btap_tp_read(c, 16 + 8 * (n - 1), 8, 0);
}
#define btap_sysarg(n) btap_sysarg_(c, (n))
#define btap_sysargs() ((int64_t)c->sysargs)
/* addr(): the instruction pointer where a probe with registers hit (a
 * uprobe, a perf sample); 0 elsewhere, as in stap. */
#define btap_addr() ((int64_t)(c->regs == 1 || c->regs == 2 ? btap_tp_read(c, 128, 8, 0) : c->func_ip))

/* returnval(): at a function's return, what it returned: rax as a
 * uretprobe saw it, or the fexit program's return slot (c->regs - 3,
 * after the arguments; read as memory: the slot varies by probe). */
static BTAP_INLINE int64_t btap_returnval_(struct btap_ctx *c)
{
	if (c->regs == 1)
		return btap_ureg(c, 0);
	if (c->regs >= 3) {
		uint64_t v = 0;
		BTAP_MEM_READ(&v, (uint64_t *)c->args + (c->regs - 3), 8, 0);
		return (int64_t)v;
	}
	btap_raise_str(c, -1, "returnval() needs the return of a function: a .return probe of kernel.function or process");
	return 0;
}
#define btap_returnval() btap_returnval_(c)
/* probing_32bit_app(): does the current process run 32-bit (ia32) code?
 * Its user code segment (__USER32_CS, 0x23 on x86-64): in the probe's
 * registers where they are the process's (uprobes, perf samples of user
 * code), else in those it saved on entering the kernel (the runtime's
 * btap_task_user_cs()). */
#define BTAP_USER32_CS 0x23
static BTAP_INLINE int64_t btap_probing_32bit_app_(struct btap_ctx *c)
{
	uint64_t cs;
	if (c->regs == 1 || (c->regs == 2 && (btap_tp_read(c, 136, 8, 0) & 3) == 3))
		cs = (uint64_t)btap_tp_read(c, 136, 8, 0);
	else
		cs = btap_task_user_cs();
	return (cs & 0xffff) == BTAP_USER32_CS;
}
#define btap_probing_32bit_app() btap_probing_32bit_app_(c)

/* Did the probe hit in user mode? Uprobes always; perf samples by the
 * privilege level of the saved code segment (cs at 136). */
#define btap_user_mode() \
	((int64_t)(c->regs == 1 ? 1 : c->regs == 2 ? (btap_tp_read(c, 136, 8, 0) & 3) == 3 : 0))

#endif
