/* Stacks and symbols as script strings, shared by the BPF and the user
 * build of generated code and by the runner, which expands them.
 *
 * A probe cannot symbolise: a backtrace is collected in the kernel (a
 * stack id of the runtime's stack map) and travels as a short token in an
 * ordinary string, so that it can be a map key (equal stacks are equal
 * keys), be stored, concatenated and printed. The runner expands every
 * token in the text it writes: the addresses, as stap prints
 * backtrace(), or one symbolised frame per line, or a folded
 * "outer;...;inner" line; usymname() and friends work the same way on
 * one address (a kernel probe names symname()/symdata() itself where its
 * runtime can, and a runner probe expands every token at once). A token is
 *     BTAP_TOKEN_START kind hex-value [ '.' hex-pid ] BTAP_TOKEN_END
 * The including runtime defines BTAP_INLINE, int64_t and MAXSTRINGLEN;
 * the runner defines BTAP_STACKS_CONSTANTS_ONLY. */
#ifndef BTAP_STACKS_H
#define BTAP_STACKS_H

#define BTAP_TOKEN_START '\001'
#define BTAP_TOKEN_END '\002'

/* Token kinds: kernel stacks, user stacks, one address. */
#define BTAP_TOK_KSTACK 'k'        /* addresses, "0x... 0x..." */
#define BTAP_TOK_KSTACK_SYMS 'K'   /* " 0x... : sym+0x1/0x20 [kernel]" lines */
#define BTAP_TOK_KSTACK_LINES 'Z'  /* the 'K' lines with " at file:line" (kernel debuginfo) */
#define BTAP_TOK_KSTACK_FOLDED 'F' /* "outer;...;inner" */
#define BTAP_TOK_USTACK 'u'
#define BTAP_TOK_USTACK_SYMS 'U'
#define BTAP_TOK_USTACK_BRIEF 'R'  /* "sym+0x12" lines (print_ubacktrace_brief) */
#define BTAP_TOK_USTACK_LINES 'Y'  /* the 'U' lines with " at file:line" */
#define BTAP_TOK_USTACK_FOLDED 'G'
#define BTAP_TOK_KSYM 's'          /* symname(addr) */
#define BTAP_TOK_KSYMDATA 'S'      /* symdata(addr) */
#define BTAP_TOK_KMOD 'M'          /* modname(addr) */
#define BTAP_TOK_KSRCFILE 'c'      /* symfile(addr) */
#define BTAP_TOK_KSRCLINE 'e'      /* symline(addr) */
#define BTAP_TOK_KSRCFILELINE 'E'  /* symfileline(addr) */
#define BTAP_TOK_USYM 'n'          /* usymname(addr), with the pid */
#define BTAP_TOK_USYMDATA 'N'
#define BTAP_TOK_UMOD 'm'          /* umodname(addr), with the pid */
#define BTAP_TOK_USRCFILE 'f'      /* usymfile(addr), with the pid */
#define BTAP_TOK_USRCLINE 'l'      /* usymline(addr) */
#define BTAP_TOK_USRCFILELINE 'L'  /* usymfileline(addr) */
#define BTAP_TOK_UBUILDID 'I'      /* umodbuildid(addr): its object's build-id */

/* The stack id of a stack with no frame: the kernel stack of a task
 * caught in user mode, the user stack of a kernel thread. Prints as
 * nothing (a lost stack says so). */
#define BTAP_STACK_EMPTY 0xfffffffeu

/* A user frame's status (beside the kernel's build-id ones) where the
 * probe found the file mapped at the address: the build-id bytes hold
 * the file's inode number, then the address; the offset is the file's. */
#define BTAP_FRAME_FILE 3

/* Frames a stack keeps. */
#define BTAP_STACK_DEPTH 64
/* Distinct stacks the stack maps hold (a new stack past that fails). */
#define BTAP_STACK_ENTRIES 4096

#ifndef BTAP_STACKS_CONSTANTS_ONLY /* the runner wants the names above only */

/* Append v in lowercase hex (no 0x) at dst[o]; the new length. */
static BTAP_INLINE int btap_hex_put_(char *dst, int o, uint64_t v)
{
	int started = 0;
	for (int i = 15; i >= 0; i--) {
		int d = (int)((v >> (i * 4)) & 0xf);
		if (!d && !started && i)
			continue;
		started = 1;
		if (o >= 0 && o < MAXSTRINGLEN - 1)
			dst[o++] = (char)(d < 10 ? '0' + d : 'a' + d - 10);
	}
	return o;
}

/* The token of kind for value (and pid when pid >= 0) in dst; for a user
 * address whose mapping the probe found (ino non-zero), also the mapped
 * file's inode and the address's offset in it, so that the runner can
 * name it after the process has gone. */
static BTAP_INLINE char *btap_token_at_(char *dst, int kind, uint64_t value, int64_t pid, uint64_t ino,
					uint64_t off)
{
	int o = 0;
	dst[o++] = BTAP_TOKEN_START;
	dst[o++] = (char)kind;
	o = btap_hex_put_(dst, o, value);
	if (pid >= 0) {
		if (o < MAXSTRINGLEN - 1)
			dst[o++] = '.';
		o = btap_hex_put_(dst, o, (uint64_t)pid);
	}
	if (ino) {
		if (o < MAXSTRINGLEN - 1)
			dst[o++] = ':';
		o = btap_hex_put_(dst, o, ino);
		if (o < MAXSTRINGLEN - 1)
			dst[o++] = ':';
		o = btap_hex_put_(dst, o, off);
	}
	if (o < MAXSTRINGLEN - 1)
		dst[o++] = BTAP_TOKEN_END;
	if (o < MAXSTRINGLEN)
		dst[o] = 0;
	return dst;
}

static BTAP_INLINE char *btap_token_(char *dst, int kind, uint64_t value, int64_t pid)
{
	return btap_token_at_(dst, kind, value, pid, 0, 0);
}

/* s with the kind of its stack tokens changed (print_stack(backtrace())
 * symbolises what backtrace() gave); other text as it is. from_k/to_k
 * for kernel tokens, from_u/to_u for user ones. */
static BTAP_INLINE char *btap_stack_as_(char *dst, const char *s, int from_k, int to_k, int from_u, int to_u)
{
	int prev_start = 0;
	for (int i = 0; i < MAXSTRINGLEN; i++) {
		char ch = s[i];
		if (prev_start && ch == (char)from_k)
			ch = (char)to_k;
		else if (prev_start && ch == (char)from_u)
			ch = (char)to_u;
		dst[i] = ch;
		if (!ch)
			break;
		prev_start = s[i] == BTAP_TOKEN_START;
	}
	dst[MAXSTRINGLEN - 1] = 0;
	return dst;
}

#endif
#endif
