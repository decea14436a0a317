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

/* stap's names for fault-tolerant reads in a script's embedded C (guru
 * mode): kread(ptr) is *ptr, kderef(size, addr) an unsigned integer of
 * 1, 2, 4 or 8 bytes, kderef_buffer(dst, addr, size) copies size bytes
 * (dst NULL: only checks they can be read); a fault raises "kernel read fault at 0x..." and
 * jumps to the body's CATCH_DEREF_FAULT(), after which it returns and the
 * error ends the probe, as in stap. */
#define DEREF_FAULT(addr)                                                          \
	do {                                                                       \
		btap_fault(c, BTAP_KERNEL_FAULT, (uint64_t)(unsigned long)(addr)); \
		goto deref_fault;                                                  \
	} while (0)
#define CATCH_DEREF_FAULT() \
	if (0) {            \
	deref_fault:;       \
	}
#define kread(ptr)                                                    \
	({                                                            \
		union {                                               \
			__typeof__(*(ptr)) v;                         \
			char b[sizeof(*(ptr))];                       \
		} btap_kr_;                                           \
		if (BTAP_MEM_READ(&btap_kr_, (ptr), sizeof(*(ptr)), 0)) \
			DEREF_FAULT(ptr);                             \
		btap_kr_.v;                                           \
	})
#define kderef(size, addr)                                                \
	({                                                                \
		uint64_t btap_kd_ = 0;                                    \
		if ((size) < 1 || (size) > 8 || BTAP_MEM_READ(&btap_kd_, (addr), (size), 0)) \
			DEREF_FAULT(addr);                                \
		btap_kd_;                                                 \
	})
#define kderef_buffer(dst, addr, size)                                        \
	do {                                                                  \
		char btap_kb_[64];                                            \
		uint64_t btap_at_ = (uint64_t)(unsigned long)(addr), btap_n_ = (size); \
		for (uint64_t btap_i_ = 0; btap_i_ < btap_n_; btap_i_ += sizeof btap_kb_) { \
			uint64_t btap_k_ = btap_n_ - btap_i_ < sizeof btap_kb_ ? btap_n_ - btap_i_ : sizeof btap_kb_; \
			if (BTAP_MEM_READ(btap_kb_, btap_at_ + btap_i_, btap_k_, 0)) \
				DEREF_FAULT(btap_at_ + btap_i_);              \
			if ((dst) != NULL)                                    \
				__builtin_memcpy((char *)(dst) + btap_i_, btap_kb_, btap_k_); \
		}                                                             \
	} while (0)

#endif
