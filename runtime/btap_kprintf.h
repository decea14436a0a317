/* sprintf in kernel context, for both kernel runtimes: the formats and
 * argument slots emit/emit_kprintf.c writes, in the kernel printf's
 * dialect (%lld, %llx, %s, %c with flags and widths; what it lacks, octal,
 * '*' and precisions on numbers, is prepared as text here).
 *
 * The including runtime defines, before including this file,
 *   BTAP_SPRINTF_SLOTS(nargs)              the length of the slot array;
 *   BTAP_KSNPRINTF(dst, fmt, args, nargs)  the kernel's printf of nargs
 *                                          8-byte slots into dst
 *                                          (MAXSTRINGLEN), < 0 on failure;
 *   BTAP_FIELD_STEPS(n, step, data)        calls step(k, data) for k from 0
 *                                          until it returns nonzero or n. */
#ifndef BTAP_KPRINTF_H
#define BTAP_KPRINTF_H

#define BTAP_SPRINTF_BEGIN(c, fmt, nargs, kfmt)                                 \
	{                                                                       \
		const char *btap_sfmt = kfmt;                                   \
		uint64_t btap_sargs[BTAP_SPRINTF_SLOTS(nargs)] = {0};                    \
		const int btap_snargs = (nargs);
#define BTAP_SPRINTF_LONG(i, v) btap_sargs[i] = (uint64_t)(v);
#define BTAP_SPRINTF_STR(i, s) btap_sargs[i] = (uint64_t)(unsigned long)(s);
/* what the kernel's printf lacks, prepared as text in tmp first */
#define BTAP_SPRINTF_OCT(i, v, special, tmp) btap_sargs[i] = (uint64_t)(unsigned long)btap_octal((tmp), (v), (special));
#define BTAP_SPRINTF_STRN(i, s, prec, tmp) btap_sargs[i] = (uint64_t)(unsigned long)btap_substr_((tmp), (s), 0, (prec));
#define BTAP_SPRINTF_END(c, dst)                                                \
		if (BTAP_KSNPRINTF((dst), btap_sfmt, btap_sargs, btap_snargs) < 0) \
			(dst)[0] = 0;                                           \
	}

#define BTAP_SPRINTF_NONE(i, v) btap_sargs[i] = (uint64_t)(unsigned long)"";
/* the letters the format had right after slot i's %s, joined to its string
 * (tmp: twice MAXSTRINGLEN, as btap_str_cat wants) */
#define BTAP_SPRINTF_SUFFIX(i, suffix, tmp)                                     \
	btap_sargs[i] = (uint64_t)(unsigned long)btap_str_cat((tmp), (const char *)(unsigned long)btap_sargs[i], (suffix));
#define BTAP_SPRINTF_FIELD_STR(i, s, w, p, mode, tmp)                           \
	btap_sargs[i] = (uint64_t)(unsigned long)btap_fmt_field_((tmp), (s), (w), (p), (mode), 0);
#define BTAP_SPRINTF_FIELD_LONG(i, v, inner, w, p, mode, prefix, tmp1, tmp2)    \
	btap_sargs[i] = (uint64_t)(unsigned long)btap_fmt_field_(                  \
		(tmp2), btap_fmt_value_((tmp1), (v), inner), (w), (p), (mode), (prefix));

/* A '*' width or precision as runtime/format.c takes it: cut to int,
 * negative is 0; more than a string holds is all it holds. */
static BTAP_INLINE int64_t btap_fmt_clamp(int64_t v)
{
	int32_t t = (int32_t)(uint32_t)(uint64_t)v;
	return t < 0 ? 0 : t > MAXSTRINGLEN ? MAXSTRINGLEN : t;
}

static BTAP_INLINE char *btap_octal(char *dst, int64_t v, int special);

/* One number as text through the kernel's printf; inner is a literal
 * ("o": octal, which the kernel's printf lacks). */
static BTAP_INLINE char *btap_fmt_value_(char *dst, int64_t v, const char *inner)
{
	uint64_t a = (uint64_t)v;
	if (inner[0] == 'o')
		return btap_octal(dst, v, 0);
	if (BTAP_KSNPRINTF(dst, inner, &a, 1) < 0)
		dst[0] = 0;
	return dst;
}

/* Width and precision around a conversion's text, laid out as
 * runtime/format.c does: [lead spaces][pre][zeros][rest of the text]
 * [trail spaces], one byte a step. */
struct btap_field {
	char *dst;
	const char *src;
	int64_t lead, pre, zeros, n, total;
};

static long btap_field_step(uint32_t k, void *data)
{
	struct btap_field *f = data;
	int64_t i = k, r = i - f->lead, j;
	char ch = ' ';
	if (i < 0 || i >= MAXSTRINGLEN - 1 || i >= f->total)
		return 1;
	if (r >= 0 && r < f->zeros + f->n) {
		if (r >= f->pre && r < f->pre + f->zeros) {
			ch = '0';
		} else {
			j = r < f->pre ? r : r - f->zeros;
			if (j < 0 || j >= MAXSTRINGLEN)
				return 1;
			ch = f->src[j];
		}
	}
	f->dst[i] = ch;
	return 0;
}

/* mode: 1 left-justify, 2 zero padding, 4 a number (precision is a digit
 * count; zeros go after the sign or the prefix bytes of "0x"), else a
 * string (precision cuts; -1 is unset). */
static BTAP_INLINE char *btap_fmt_field_(char *dst, const char *src, int64_t width, int64_t prec,
					     int mode, int prefix)
{
	struct btap_field f = {dst, src, 0, 0, 0, btap_str_len(src), 0};
	if (mode & 4) {
		f.pre = prefix;
		if (!f.pre && f.n > 0 && (src[0] == '-' || src[0] == '+' || src[0] == ' '))
			f.pre = 1;
		if (prec > f.n - f.pre)
			f.zeros = prec - (f.n - f.pre);
	} else if (prec >= 0 && prec < f.n) {
		f.n = prec;
	}
	f.total = f.n + f.zeros;
	if (width > f.total) {
		if (mode & 1)
			f.total = width;
		else if ((mode & 6) == 6)
			f.zeros += width - f.total;
		else
			f.lead = width - f.total;
		f.total = width;
	}
	if (f.total > MAXSTRINGLEN - 1)
		f.total = MAXSTRINGLEN - 1;
	BTAP_FIELD_STEPS(MAXSTRINGLEN - 1, btap_field_step, &f);
	if (f.total >= 0 && f.total < MAXSTRINGLEN)
		dst[f.total] = 0;
	return dst;
}

/* A char as %#c writes it (runtime/format.c): itself, or a C escape
 * (\n, \', \000) when it is not printable; the kernel's printf
 * has no such conversion. dst holds 5 bytes. */
static BTAP_INLINE char *btap_char_literal(char *dst, int64_t v)
{
	unsigned char ch = (unsigned char)v;
	if (ch >= 0x20 && ch < 0x7f && ch != '\'' && ch != '\\') {
		dst[0] = (char)ch;
		dst[1] = 0;
		return dst;
	}
	char letter = ch == '\a' ? 'a' : ch == '\b' ? 'b' : ch == '\f' ? 'f' : ch == '\n' ? 'n' : ch == '\r' ? 'r'
		    : ch == '\t' ? 't' : ch == '\v' ? 'v' : ch == '\'' ? '\'' : ch == '\\' ? '\\' : 0;
	dst[0] = '\\';
	if (letter) {
		dst[1] = letter;
		dst[2] = 0;
		return dst;
	}
	dst[1] = (char)('0' + ((ch >> 6) & 3));
	dst[2] = (char)('0' + ((ch >> 3) & 7));
	dst[3] = (char)('0' + (ch & 7));
	dst[4] = 0;
	return dst;
}

/* The octal digits of v (as unsigned), '0'-prefixed when special. */
static BTAP_INLINE char *btap_octal(char *dst, int64_t v, int special)
{
	uint64_t u = (uint64_t)v;
	char digits[24];
	int n = 0, o = 0;
	for (int k = 0; k < 22; k++) {
		digits[k] = (char)('0' + (u & 7));
		u >>= 3;
		n = k + 1;
		if (!u)
			break;
	}
	if (special && digits[n - 1] != '0')
		dst[o++] = '0';
	for (int k = 21; k >= 0; k--)
		if (k < n && o < MAXSTRINGLEN - 1)
			dst[o++] = digits[k];
	dst[o] = 0;
	return dst;
}

#endif
