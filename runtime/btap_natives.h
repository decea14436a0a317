/* Tapset natives whose spelling is the same in both runtimes: each maps to
 * a helper (btap_str_*, btap_mem_*_) that the including runtime or
 * btap_strings.h defines. The including runtime's probe context is `c`. */
#ifndef BTAP_NATIVES_H
#define BTAP_NATIVES_H

#include "btap_softfloat.h"

#define btap_maxstringlen() ((int64_t)MAXSTRINGLEN)
#define btap_strlen(s) btap_str_len(s)
#define btap_substr(s, start, len) btap_substr_(c->tmp, (s), (start), (len))
#define btap_byte_at(s, pos) btap_byte_at_((s), (pos))
#define btap_strpos(h, n) btap_strpos_((h), (n))
#define btap_strtol(s, base) btap_strtol_((s), (base))
#define btap_text_str(s, outlen, quoted) btap_text_str_(c->tmp, (s), (outlen), (quoted))
/* btap_softfloat.h: doubles as the 64 bits of a long */
#define btap_fp_add(a, b) ((int64_t)btap_fp_add_((uint64_t)(a), (uint64_t)(b)))
#define btap_fp_sub(a, b) ((int64_t)btap_fp_sub_((uint64_t)(a), (uint64_t)(b)))
#define btap_fp_mul(a, b) ((int64_t)btap_fp_mul_((uint64_t)(a), (uint64_t)(b)))
#define btap_fp_div(a, b) ((int64_t)btap_fp_div_((uint64_t)(a), (uint64_t)(b)))
#define btap_fp_rem(a, b) ((int64_t)btap_fp_rem_((uint64_t)(a), (uint64_t)(b)))
#define btap_fp_sqrt(a) ((int64_t)btap_fp_sqrt_((uint64_t)(a)))
#define btap_fp_eq(a, b) btap_fp_eq_((uint64_t)(a), (uint64_t)(b))
#define btap_fp_lt(a, b) btap_fp_lt_((uint64_t)(a), (uint64_t)(b))
#define btap_fp_le(a, b) btap_fp_le_((uint64_t)(a), (uint64_t)(b))
#define btap_fp_from_long(v) ((int64_t)btap_fp_from_long_((v)))
#define btap_fp_from_fp32(v) ((int64_t)btap_fp_from_fp32_((v)))
#define btap_fp_to_long(a, mode) btap_fp_to_long_((uint64_t)(a), (mode))
#define btap_fp_to_string(a, prec) btap_fp_to_string_(c->tmp, (uint64_t)(a), (prec))
#define btap_fp_from_decimal(neg, n, dexp, sticky) \
	((int64_t)btap_fp_from_decimal_((neg), (uint64_t)(n), (dexp), (sticky)))
#define btap_bitnames(v, table) \
	btap_bitnames_(c->tmp, (uint64_t)(v), (table), (int)(sizeof(table) / sizeof((table)[0])))
#define btap_user_string(addr, maxlen) btap_mem_string_(c, (addr), (maxlen), 1)
#define btap_kernel_string(addr, maxlen) btap_mem_string_(c, (addr), (maxlen), 0)
#define btap_user_char(addr) btap_mem_read_(c, (addr), 1, 1)
#define btap_user_short(addr) btap_mem_read_(c, (addr), 2, 1)
#define btap_user_int(addr) btap_mem_read_(c, (addr), 4, 1)
#define btap_user_long(addr) btap_mem_read_(c, (addr), 8, 1)
#define btap_kernel_char(addr) btap_mem_read_(c, (addr), 1, 0)
#define btap_kernel_short(addr) btap_mem_read_(c, (addr), 2, 0)
#define btap_kernel_int(addr) btap_mem_read_(c, (addr), 4, 0)
#define btap_kernel_long(addr) btap_mem_read_(c, (addr), 8, 0)
/* btap_stacks.h: tokens the runner expands */
#ifndef btap_ksym_token /* a runtime may name kernel symbols itself */
#define btap_ksym_token(kind, addr) btap_token_(c->tmp, (kind), (uint64_t)(addr), -1)
#endif
#ifndef btap_usym_token /* a runtime may find the mapping itself */
#define btap_usym_token(kind, addr) btap_token_(c->tmp, (kind), (uint64_t)(addr), btap_pid())
#endif
#define btap_stack_as(s, from_k, to_k, from_u, to_u) btap_stack_as_(c->tmp, (s), (from_k), (to_k), (from_u), (to_u))

/* cmdline_str(): the n bytes of a process's arguments (NUL after each)
 * read into dst, as one line: the NULs between them become spaces. */
static BTAP_INLINE char *btap_cmdline_join_(char *dst, int64_t n)
{
	if (n > MAXSTRINGLEN - 1)
		n = MAXSTRINGLEN - 1;
	for (int i = 0; i < MAXSTRINGLEN - 1 && i < n; i++)
		if (!dst[i])
			dst[i] = ' ';
	while (n > 0 && n <= MAXSTRINGLEN - 1 && dst[n - 1] == ' ')
		n--;
	if (n >= 0 && n <= MAXSTRINGLEN - 1)
		dst[n] = 0;
	return dst;
}

/* cmdline_arg(k): argument k (0: the program) of the n bytes read into
 * dst, moved to its start; "" when there are not that many. */
static BTAP_INLINE char *btap_cmdline_pick_(char *dst, int64_t n, int64_t k)
{
	int64_t from = 0, arg = 0;
	if (n > MAXSTRINGLEN - 1)
		n = MAXSTRINGLEN - 1;
	for (int i = 0; i < MAXSTRINGLEN - 1 && i < n && arg < k; i++)
		if (!dst[i]) {
			arg++;
			from = i + 1;
		}
	int64_t o = 0;
	if (arg == k && k >= 0)
		for (int i = 0; i < MAXSTRINGLEN - 1 && from + i < n && from + i < MAXSTRINGLEN - 1; i++) {
			if (!dst[from + i])
				break;
			dst[o++] = dst[from + i];
		}
	if (o >= 0 && o < MAXSTRINGLEN)
		dst[o] = 0;
	return dst;
}

/* How many arguments the n bytes at dst hold (a last one cut short counts). */
static BTAP_INLINE int64_t btap_cmdline_count_(const char *dst, int64_t n)
{
	int64_t count = 0;
	if (n > MAXSTRINGLEN - 1)
		n = MAXSTRINGLEN - 1;
	for (int i = 0; i < MAXSTRINGLEN - 1 && i < n; i++)
		count += !dst[i];
	if (n > 0 && n <= MAXSTRINGLEN - 1 && dst[n - 1])
		count++;
	return count;
}

#ifdef BTAP_USER_STR
/* A process's arguments in its memory, [pos, end): argument k into dst
 * (""when there are not that many), or with k < 0 how many there are.
 * String by string, each read (BTAP_USER_STR: its length with the NUL,
 * MAXSTRINGLEN when cut short, <= 0 on a fault) moving pos on: the
 * counting is arithmetic, so that the verifier need not follow a path
 * per argument. Arguments past the first BTAP_CMDLINE_TURNS reads are
 * not seen. */
#define BTAP_CMDLINE_TURNS 256
static BTAP_INLINE int64_t btap_cmdline_walk_(char *dst, uint64_t pos, uint64_t end, int64_t k)
{
	int64_t arg = 0;
	dst[0] = 0;
	for (int turn = 0; turn < BTAP_CMDLINE_TURNS && pos < end && (k < 0 || arg < k); turn++) {
		int64_t len = BTAP_USER_STR(dst, pos);
		/* an empty string: 1, also on kernels whose helper counts no NUL
		 * for it (0); arithmetic, as below (a fault stays negative) */
		len += (int64_t)(((uint64_t)len - 1) >> 63);
		if (len < 0 || len > MAXSTRINGLEN)
			break;
		/* a whole string ends an argument; one cut short goes on at
		 * its last byte read (an argument of exactly MAXSTRINGLEN - 1
		 * bytes then ends with the "" read at its NUL) */
		uint64_t whole = (uint64_t)(len - MAXSTRINGLEN) >> 63;
		arg += (int64_t)whole;
		pos += (uint64_t)len - 1 + whole;
	}
	if (k < 0)
		return arg;
	if (arg != k || pos >= end || BTAP_USER_STR(dst, pos) <= 0)
		dst[0] = 0;
	return 0;
}
#endif

/* user_string_quoted(), kernel_string_quoted(): the string at addr as
 * string_quoted() shows it, or addr in hex when it cannot be read (never an
 * error). raw (MAXSTRINGLEN) takes the string read. One native rather than
 * a try block around three tapset calls: this is most of a syscall
 * alias's argstr. n: the read's result (BTAP_MEM_READ_STR, < 0 a fault). */
static BTAP_INLINE char *btap_quoted_or_addr_(char *dst, const char *raw, long n, int64_t addr)
{
	if (n < 0)
		return btap_str_hex_(dst, (uint64_t)addr);
	return btap_text_str_(dst, raw, 0, 1);
}
#define btap_mem_string_quoted_(raw, addr, user)                                 \
	btap_quoted_or_addr_(c->tmp, (raw), BTAP_MEM_READ_STR((raw), (addr), MAXSTRINGLEN, (user)), (addr))
/* user_buffer_quoted(), kernel_buffer_quoted(): inlen bytes (NULs too,
 * at most MAXSTRINGLEN - 1) read into raw and quoted, at most outlen
 * bytes of text; a fault gives the address in hex, or raises when
 * raise is set. */
static BTAP_INLINE char *btap_buffer_quoted_(struct btap_ctx *c, char *raw, int64_t addr, int64_t inlen,
					     int64_t outlen, int user, int raise)
{
	int64_t n = inlen < 0 ? 0 : inlen > MAXSTRINGLEN - 1 ? MAXSTRINGLEN - 1 : inlen;
	int fault = outlen <= 0;
	c->tmp[0] = 0;
	for (int i = 0; i < MAXSTRINGLEN && !fault; i++)
		raw[i] = 0;
	if (!fault && n > 0 && BTAP_MEM_READ(raw, addr, n, user)) {
		if (!raise)
			return btap_str_hex_(c->tmp, (uint64_t)addr);
		fault = 1;
	}
	if (!fault)
		return btap_text_buf_(c->tmp, raw, n, outlen, 1);
	if (raise) /* an outlen of 0 is stap's error too */
		btap_fault(c, user ? "Unable to access user space data at " : "Unable to access kernel space data at ",
			   (uint64_t)addr);
	return c->tmp;
}
#define btap_buffer_quoted(addr, inlen, outlen, user, raise, raw) \
	btap_buffer_quoted_(c, (raw), (addr), (inlen), (outlen), (user), (raise))
#define btap_user_string_quoted(addr, raw) btap_mem_string_quoted_((raw), (addr), 1)
#define btap_kernel_string_quoted(addr, raw) btap_mem_string_quoted_((raw), (addr), 0)

/* set_user_*() (guru mode): size bytes of val (little-endian: its low
 * bytes) written at a user address of the current process, or a string
 * with its NUL (at most n bytes before it); a fault is stap's error. */
static BTAP_INLINE void btap_set_user_(struct btap_ctx *c, int64_t addr, int64_t val, int size)
{
	long r = size == 1 ? BTAP_MEM_WRITE_USER(addr, &val, 1)
	       : size == 2 ? BTAP_MEM_WRITE_USER(addr, &val, 2)
	       : size == 4 ? BTAP_MEM_WRITE_USER(addr, &val, 4)
	                   : BTAP_MEM_WRITE_USER(addr, &val, 8);
	if (r)
		btap_fault(c, size == 1 ? "user char copy fault at " : size == 2 ? "user short copy fault at "
			      : size == 4 ? "user int copy fault at " : "user long copy fault at ", (uint64_t)addr);
}
#define btap_set_user(addr, val, size) btap_set_user_(c, (addr), (val), (size))
static BTAP_INLINE void btap_set_user_string_(struct btap_ctx *c, int64_t addr, const char *s, int64_t n)
{
	int64_t len = 0;
	while (len < MAXSTRINGLEN - 1 && s[len])
		len++;
	if (n >= 0 && n < len)
		len = n;
	if ((len > 0 && BTAP_MEM_WRITE_USER(addr, s, len)) || BTAP_MEM_WRITE_USER(addr + len, "", 1))
		btap_fault(c, "user string copy fault at ", (uint64_t)addr);
}
#define btap_set_user_string(addr, s, n) btap_set_user_string_(c, (addr), (s), (n))

#ifndef BTAP_TARGET_KMOD
/* Only a kernel module writes kernel memory: pass 2 refuses set_kernel_*()
 * elsewhere ("kmod-only"), except in the runner's own probes, where it
 * is this error. */
#define btap_set_kernel(addr, val, size) \
	((void)(addr), (void)(val), btap_error("set_kernel_*() writes kernel memory: from kernel probes only"))
#define btap_set_kernel_string(addr, s, n) btap_set_kernel((addr), (s), (n))
#define btap_kdelay(n, unit_us) ((void)(n), (void)(unit_us), btap_error("mdelay() and udelay(): from kernel probes only"))
#define btap_dump_stack() btap_error("dump_stack(): from kernel probes only")
#define btap_set_arg(n, v, size) \
	((void)(n), (void)(v), (void)(size), btap_error("set_*_arg() and set_returnval() write a kernel probe's registers"))
#endif

/* A string the runner set in the globals header (n: its field's size). */
static BTAP_INLINE char *btap_hdr_str_(char *dst, const char *name, int n)
{
	for (int i = 0; i < n && i < MAXSTRINGLEN; i++) {
		dst[i] = i < n - 1 ? name[i] : 0;
		if (!dst[i])
			break;
	}
	return dst;
}
/* The local time zone as the session started (the runner sets it). */
#define btap_tz_gmtoff() (BTAP_HDR(c)->tz_gmtoff)
#define btap_tz_name() btap_hdr_str_(c->tmp, BTAP_HDR(c)->tz_name, 16)
/* remote_id(), remote_uri(), module_name(): set by the runner */
#define btap_remote_id() (BTAP_HDR(c)->remote_id)
#define btap_remote_uri() btap_hdr_str_(c->tmp, BTAP_HDR(c)->remote_uri, 64)
#define btap_module_name() btap_hdr_str_(c->tmp, BTAP_HDR(c)->program_name, 64)

/* ns_*(): the target pid namespace's inode number, and an id of the
 * kernel's as the target user namespace sees it (kind 0 uid, 1 gid): by
 * its map's ranges, 65534 (overflowuid) where none holds it, as
 * from_kuid_munged. Arithmetic rather than branches in the loop, for the
 * verifier. */
#define btap_ns_pid_inum() ((int64_t)BTAP_HDR(c)->ns_pid_inum)
static BTAP_INLINE int64_t btap_ns_map_id_(const struct btap_globals_hdr *h, int64_t kind, int64_t id)
{
	int k = (int)(kind & 1);
	uint32_t n = h->ns_id_map_n[k];
	int64_t found = 0, mapped = 0;
	for (uint32_t i = 0; i < BTAP_NS_MAP_MAX && i < n; i++) {
		int64_t d = id - (int64_t)h->ns_id_map[k][i][1];
		/* 1 when 0 <= d < count, and no range before held it */
		int64_t in = (int64_t)((((uint64_t)(-d - 1) >> 63) & ((uint64_t)(d - (int64_t)h->ns_id_map[k][i][2]) >> 63)) &
				       (uint64_t)(1 - found));
		mapped += in * ((int64_t)h->ns_id_map[k][i][0] + d);
		found |= in;
	}
	return mapped + (1 - found) * 65534;
}
#define btap_ns_map_id(kind, id) btap_ns_map_id_(BTAP_HDR(c), (kind), (id))

/* syscall_name(): a system call's name by number ("" for one the table
 * lacks), copied out of the table of btap_syscall_names.h */
#include "btap_syscall_names.h"
static BTAP_INLINE char *btap_syscall_name_(char *dst, int64_t nr)
{
	dst[0] = 0;
	if (nr < 0 || nr >= BTAP_NSYSCALL_NAMES)
		return dst;
	const char *name = btap_syscall_names[nr];
	for (int i = 0; i < BTAP_SYSCALL_NAME_MAX && i < MAXSTRINGLEN - 1; i++) {
		dst[i] = name[i];
		dst[i + 1] = 0;
		if (!name[i])
			break;
	}
	return dst;
}
#define btap_syscall_name(nr) btap_syscall_name_(c->tmp, (nr))
/* syscall_num(): the number of a system call by name, -1 for one the
 * table lacks (btap_syscall_row_is_ compares). A runtime may search the
 * rows its own way (BPF: a bpf_loop, which the verifier checks once). */
/* whether row nr holds the name want (zero-padded, compared as three
 * words), however a runtime loops over the rows */
static BTAP_INLINE int btap_syscall_row_is_(int64_t nr, const uint64_t *want)
{
	uint64_t row[3];
	if (nr < 0 || nr >= BTAP_NSYSCALL_NAMES)
		return 0;
	__builtin_memcpy(row, btap_syscall_names[nr], sizeof(row));
	return row[0] == want[0] && row[1] == want[1] && row[2] == want[2];
}
#ifdef BTAP_CUSTOM_SYSCALL_FIND
static BTAP_INLINE int64_t btap_syscall_find_(const uint64_t *want); /* the runtime's */
#else
static BTAP_INLINE int64_t btap_syscall_find_(const uint64_t *want)
{
	for (int nr = 0; nr < BTAP_NSYSCALL_NAMES; nr++)
		if (btap_syscall_row_is_(nr, want))
			return nr;
	return -1;
}
#endif
static BTAP_INLINE int64_t btap_syscall_num_(const char *name)
{
	uint64_t want[3] = {0, 0, 0};
	char *w = (char *)want;
	int i;
	for (i = 0; i < BTAP_SYSCALL_NAME_MAX - 1 && i < MAXSTRINGLEN - 1; i++) {
		if (!name[i])
			break;
		w[i] = name[i];
	}
	if (!i || (i < MAXSTRINGLEN - 1 && name[i])) /* empty, or longer than any row */
		return -1;
	return btap_syscall_find_(want);
}
#define btap_syscall_num(name) btap_syscall_num_(name)

#endif
