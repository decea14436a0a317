/* Reading memory at an address, written once for every runtime: a fault
 * is a run-time error ("user read fault at 0x..."), never a crash.
 *
 * The including runtime defines, before including this file,
 *   BTAP_MEM_READ(dst, addr, size, user)  copy size bytes at addr (user or
 *                                         kernel memory) to dst; 0 on
 *                                         success, nonzero on a fault;
 * and btap_fault_msg (runtime/btap_strings.h). */
#ifndef BTAP_MEMORY_H
#define BTAP_MEMORY_H

/* What a failed kernel read says (the runner, which can read no kernel
 * memory, says why instead: at most 40 characters) */
#ifndef BTAP_KERNEL_FAULT
#define BTAP_KERNEL_FAULT "kernel read fault at "
#define BTAP_KSTRING_FAULT "kernel string copy fault at "
#endif

/* A fault raised from a native: located by the call's site, which the
 * generated code sets after the call (btap_site). */
static BTAP_INLINE void btap_fault(struct btap_ctx *c, const char *prefix, uint64_t addr)
{
	if (c->err)
		return;
	c->err = 1;
	c->site = -1;
	btap_fault_msg(c->errbuf, prefix, addr);
}

/* 1, 2, 4 or 8 bytes at addr, sign-extended. */
static BTAP_INLINE int64_t btap_mem_read_(struct btap_ctx *c, int64_t addr, int size, int user)
{
	union {
		int8_t c;
		int16_t s;
		int32_t i;
		int64_t l;
	} v;
	v.l = 0;
	if (BTAP_MEM_READ(&v, addr, size, user)) {
		btap_fault(c, user ? "user read fault at " : BTAP_KERNEL_FAULT, (uint64_t)addr);
		return 0;
	}
	return size == 1 ? v.c : size == 2 ? v.s : size == 4 ? v.i : v.l;
}

#endif
