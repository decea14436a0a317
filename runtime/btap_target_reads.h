/* Kernel and user memory named by target expressions ($p->a, @cast,
 * @var), written once for every runtime: the kernel runtimes read it in
 * kernel context (runtime/btap_kernel_reads.h includes this), the runner
 * in begin, end and timer probes (runtime/user/btap_user.h: the kernel's
 * memory through /proc/kcore). The including runtime defines
 * BTAP_MEM_READ and BTAP_MEM_READ_STR first (btap_kernel_reads.h says how). */
#ifndef BTAP_TARGET_READS_H
#define BTAP_TARGET_READS_H

/* The low size bytes of v as a long, sign-extended when sgn. */
static BTAP_INLINE int64_t btap_extend(uint64_t v, int size, int sgn)
{
	if (size == 1)
		return sgn ? (int64_t)(int8_t)v : (int64_t)(uint8_t)v;
	if (size == 2)
		return sgn ? (int64_t)(int16_t)v : (int64_t)(uint16_t)v;
	if (size == 4)
		return sgn ? (int64_t)(int32_t)v : (int64_t)(uint32_t)v;
	return (int64_t)v;
}


#define BTAP_READ_FAULT "read fault [man error::fault] at "

/* An integer of `size` bytes (1, 2, 4, 8) at addr, sign-extended when sgn;
 * user: in the traced process (uprobes), else in the kernel. */
static BTAP_INLINE int64_t btap_target_read_(struct btap_ctx *c, int64_t addr, int size, int sgn, int user)
{
	uint64_t v = 0;
	long r = size == 1 ? BTAP_MEM_READ(&v, addr, 1, user)
	       : size == 2 ? BTAP_MEM_READ(&v, addr, 2, user)
	       : size == 4 ? BTAP_MEM_READ(&v, addr, 4, user)
	                   : BTAP_MEM_READ(&v, addr, 8, user);
	if (r) {
		btap_fault(c, BTAP_READ_FAULT, (uint64_t)addr);
		return 0;
	}
	return btap_extend(v, size, sgn);
}
#define btap_kread(c, addr, size, sgn) btap_target_read_((c), (addr), (size), (sgn), 0)
#define btap_uread(c, addr, size, sgn) btap_target_read_((c), (addr), (size), (sgn), 1)

/* char name[len] at addr, as a string. */
static BTAP_INLINE char *btap_target_chars_(struct btap_ctx *c, char *dst, int64_t addr, int len, int user)
{
	int n = len < MAXSTRINGLEN - 1 ? len : MAXSTRINGLEN - 1;
	dst[0] = 0;
	if (n <= 0)
		return dst;
	if (BTAP_MEM_READ(dst, addr, n, user)) {
		dst[0] = 0;
		btap_fault(c, BTAP_READ_FAULT, (uint64_t)addr);
		return dst;
	}
	dst[n] = 0;
	return dst;
}
#define btap_kchars(c, dst, addr, len) btap_target_chars_((c), (dst), (addr), (len), 0)
#define btap_uchars(c, dst, addr, len) btap_target_chars_((c), (dst), (addr), (len), 1)

/* The string a char * points to, or `fallback` when it cannot be read
 * (pretty-printing never fails). */
static BTAP_INLINE char *btap_target_string_or_(char *dst, int64_t addr, const char *fallback, int user)
{
	if (BTAP_MEM_READ_STR(dst, addr, MAXSTRINGLEN, user) < 0)
		btap_str_copy(dst, fallback);
	return dst;
}
#define btap_kstring_or(dst, addr, fallback) btap_target_string_or_((dst), (addr), (fallback), 0)
#define btap_ustring_or(dst, addr, fallback) btap_target_string_or_((dst), (addr), (fallback), 1)

#endif
