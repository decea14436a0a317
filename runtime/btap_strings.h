/* String algorithms of the runtime interface, shared by the BPF and the
 * user build of generated code.
 *
 * Every string is a buffer of MAXSTRINGLEN bytes holding NUL-terminated
 * text. Every loop is bounded by MAXSTRINGLEN and every index is checked
 * against it, so the BPF verifier can prove the loops end and the accesses
 * stay in the buffer. The including runtime defines BTAP_INLINE, int64_t
 * and MAXSTRINGLEN. */
#ifndef BTAP_STRINGS_H
#define BTAP_STRINGS_H

/* End text_str's output: the closing quote, "..." when the input did not
 * fit, the NUL. */
static BTAP_TEXT_INLINE char *btap_text_close(char *dst, int64_t o, int64_t quoted, int truncated)
{
	if (quoted && o >= 0 && o < MAXSTRINGLEN - 1)
		dst[o++] = '"';
	for (int k = 0; quoted && truncated && k < 3; k++)
		if (o >= 0 && o < MAXSTRINGLEN - 1)
			dst[o++] = '.';
	if (o >= 0 && o < MAXSTRINGLEN)
		dst[o] = 0;
	return dst;
}


/* Bytes before the NUL. */
#ifndef BTAP_CUSTOM_STRLEN
static BTAP_TEXT_INLINE int64_t btap_str_len(const char *s)
{
	int64_t i;
	for (i = 0; i < MAXSTRINGLEN - 1; i++)
		if (!s[i])
			break;
	return i;
}
#endif

/* strcmp on unsigned bytes (<0, 0, >0), over at most n bytes: a string
 * key field is only as wide as its longest key (with the NUL), so no key
 * differs beyond it. */
#ifndef BTAP_CUSTOM_STRCMP
static BTAP_TEXT_INLINE int btap_str_ncmp(const char *a, const char *b, int n)
{
	for (int i = 0; i < MAXSTRINGLEN && i < n; i++) {
		unsigned char x = (unsigned char)a[i], y = (unsigned char)b[i];
		if (x != y)
			return x < y ? -1 : 1;
		if (!x)
			break;
	}
	return 0;
}
#endif

static BTAP_TEXT_INLINE int btap_str_cmp(const char *a, const char *b)
{
	return btap_str_ncmp(a, b, MAXSTRINGLEN);
}

/* The bytes of s from start on, at most len of them. */
#ifndef BTAP_CUSTOM_SUBSTR
static BTAP_TEXT_INLINE char *btap_substr_(char *dst, const char *s, int64_t start, int64_t len)
{
	int64_t n = btap_str_len(s), o = 0;
	dst[0] = 0;
	if (start < 0 || start >= n || len <= 0)
		return dst;
	for (int i = 0; i < MAXSTRINGLEN - 1; i++) {
		int64_t j = start + i;
		if (i >= len || j >= n || j < 0 || j >= MAXSTRINGLEN)
			break;
		dst[o] = s[j];
		o++;
	}
	if (o >= 0 && o < MAXSTRINGLEN)
		dst[o] = 0;
	return dst;
}
#endif

/* The byte at pos as 0..255, or -1 outside the string. */
static BTAP_TEXT_INLINE int64_t btap_byte_at_(const char *s, int64_t pos)
{
	if (pos < 0 || pos >= MAXSTRINGLEN - 1 || pos >= btap_str_len(s))
		return -1;
	return (unsigned char)s[pos];
}

/* Does needle occur in hay at offset at? */
#ifndef BTAP_CUSTOM_MATCH_AT
static BTAP_TEXT_INLINE int btap_str_match_at(const char *hay, const char *needle, int64_t at)
{
	for (int k = 0; k < MAXSTRINGLEN - 1; k++) {
		int64_t j = at + k;
		if (!needle[k])
			return 1;
		if (j < 0 || j >= MAXSTRINGLEN || hay[j] != needle[k])
			return 0;
	}
	return 1;
}
#endif

#ifndef BTAP_CUSTOM_STRPOS
static BTAP_TEXT_INLINE int64_t btap_strpos_(const char *hay, const char *needle)
{
	int64_t n = btap_str_len(hay), m = btap_str_len(needle);
	if (m == 0)
		return 0;
	for (int64_t i = 0; i < MAXSTRINGLEN - 1; i++) {
		if (i + m > n)
			break;
		if (btap_str_match_at(hay, needle, i))
			return i;
	}
	return -1;
}
#endif

static BTAP_TEXT_INLINE int btap_digit_value(unsigned char ch)
{
	if (ch >= '0' && ch <= '9')
		return ch - '0';
	if (ch >= 'a' && ch <= 'z')
		return ch - 'a' + 10;
	if (ch >= 'A' && ch <= 'Z')
		return ch - 'A' + 10;
	return 99;
}

/* simple_strtol: optional '-', base 0 picks 16/8/10 from the prefix. */
static BTAP_TEXT_INLINE int64_t btap_strtol_(const char *s, int64_t base)
{
	int i = 0, neg = 0;
	uint64_t v = 0;
	if (s[0] == '-') {
		neg = 1;
		i = 1;
	}
	if (base == 0) {
		if (s[i] == '0' && (s[i + 1] == 'x' || s[i + 1] == 'X') &&
		    btap_digit_value((unsigned char)s[i + 2]) < 16) {
			base = 16;
			i += 2;
		} else if (s[i] == '0') {
			base = 8;
		} else {
			base = 10;
		}
	} else if (base == 16 && s[i] == '0' && (s[i + 1] == 'x' || s[i + 1] == 'X') &&
		   btap_digit_value((unsigned char)s[i + 2]) < 16) {
		i += 2;
	}
	if (base < 2 || base > 36)
		return 0;
	for (int k = 0; k < MAXSTRINGLEN - 1; k++) {
		int j = i + k;
		if (j >= MAXSTRINGLEN)
			break;
		int d = btap_digit_value((unsigned char)s[j]);
		if (d >= base)
			break;
		v = v * (uint64_t)base + (uint64_t)d;
	}
	return neg ? (int64_t)(0 - v) : (int64_t)v;
}

/* ---- btap_text_str ---------------------------------------------------- */

/* Length of a well-formed UTF-8 sequence (2..4) starting at s[i] and its
 * code point, or 0. */
static BTAP_TEXT_INLINE int btap_utf8_seq(const char *s, int64_t i, uint32_t *cp)
{
	if (i < 0 || i + 3 >= MAXSTRINGLEN)
		return 0;
	unsigned char b0 = (unsigned char)s[i], b1 = (unsigned char)s[i + 1];
	unsigned char b2 = (unsigned char)s[i + 2], b3 = (unsigned char)s[i + 3];
	if (b0 >= 0xc2 && b0 <= 0xdf && (b1 & 0xc0) == 0x80) {
		*cp = ((uint32_t)(b0 & 0x1f) << 6) | (b1 & 0x3f);
		return 2;
	}
	if (b0 >= 0xe0 && b0 <= 0xef && (b1 & 0xc0) == 0x80 && (b2 & 0xc0) == 0x80) {
		uint32_t c = ((uint32_t)(b0 & 0x0f) << 12) | ((uint32_t)(b1 & 0x3f) << 6) | (b2 & 0x3f);
		if (c < 0x800 || (c >= 0xd800 && c <= 0xdfff))
			return 0;
		*cp = c;
		return 3;
	}
	if (b0 >= 0xf0 && b0 <= 0xf4 && (b1 & 0xc0) == 0x80 && (b2 & 0xc0) == 0x80 &&
	    (b3 & 0xc0) == 0x80) {
		uint32_t c = ((uint32_t)(b0 & 0x07) << 18) | ((uint32_t)(b1 & 0x3f) << 12) |
			     ((uint32_t)(b2 & 0x3f) << 6) | (b3 & 0x3f);
		if (c < 0x10000 || c > 0x10ffff)
			return 0;
		*cp = c;
		return 4;
	}
	return 0;
}

/* The escape of the input at s[i]: its length in the low byte, the input
 * bytes it covers above (used << 8 | len). */
static BTAP_TEXT_INLINE int btap_escape_len(const char *s, int64_t i)
{
	unsigned char ch;
	uint32_t cp = 0;
	int n;
	if (i < 0 || i >= MAXSTRINGLEN)
		return 1 << 8;
	ch = (unsigned char)s[i];
	if (ch >= 0x20 && ch <= 0x7e)
		return (1 << 8) | ((ch == '"' || ch == '\\') ? 2 : 1);
	if (ch == '\a' || ch == '\b' || ch == '\f' || ch == '\n' || ch == '\r' || ch == '\t' || ch == '\v')
		return (1 << 8) | 2;
	n = btap_utf8_seq(s, i, &cp);
	if (n)
		return (n << 8) | (cp > 0xffff ? 10 : 6);
	return (1 << 8) | 4;
}

/* Write the escape of s[i] (len bytes, from btap_escape_len) at dst[o]. */
static BTAP_TEXT_INLINE void btap_escape_put(char *dst, int64_t o, const char *s, int64_t i, int len)
{
	unsigned char ch;
	uint32_t cp = 0;
	if (i < 0 || i >= MAXSTRINGLEN || o < 0 || o + len >= MAXSTRINGLEN || len < 1 || len > 10)
		return;
	ch = (unsigned char)s[i];
	if (len == 1) {
		dst[o] = (char)ch;
		return;
	}
	dst[o] = '\\';
	if (len == 2) {
		char e = (char)ch;
		switch (ch) {
		case '\a': e = 'a'; break;
		case '\b': e = 'b'; break;
		case '\f': e = 'f'; break;
		case '\n': e = 'n'; break;
		case '\r': e = 'r'; break;
		case '\t': e = 't'; break;
		case '\v': e = 'v'; break;
		default: break;
		}
		dst[o + 1] = e;
		return;
	}
	if (len == 4) {
		dst[o + 1] = (char)('0' + ((ch >> 6) & 7));
		dst[o + 2] = (char)('0' + ((ch >> 3) & 7));
		dst[o + 3] = (char)('0' + (ch & 7));
		return;
	}
	btap_utf8_seq(s, i, &cp);
	dst[o + 1] = len == 10 ? 'U' : 'u';
	for (int k = 0; k < 8; k++) {
		int digits = len - 2;
		if (k < digits)
			dst[o + 2 + k] = "0123456789abcdef"[(cp >> (4 * (digits - 1 - k))) & 15];
	}
}

#ifndef BTAP_CUSTOM_TEXT_STR
/* One pass: escapes are written up to the budget, remembering where a cut
 * text would end (room for "..." after the closing quote); the input not
 * fitting makes that the end. */
static BTAP_TEXT_INLINE char *btap_text_buf_(char *dst, const char *s, int64_t len, int64_t outlen, int64_t quoted)
{
	int64_t budget = (outlen <= 0 || outlen > MAXSTRINGLEN - 1) ? MAXSTRINGLEN - 1 : outlen;
	int64_t o = 0, i = 0, q = quoted ? 1 : 0, cut_budget, cut;
	int truncated = 0;
	if (quoted)
		budget = budget > 3 ? budget - 2 : 1;
	cut_budget = quoted ? (budget > 4 ? budget - 3 : 1) : budget;
	if (quoted)
		dst[o++] = '"';
	cut = o;
	for (int k = 0; k < MAXSTRINGLEN - 1; k++) {
		int e, n;
		if (i < 0 || i >= MAXSTRINGLEN - 1 || (len < 0 ? !s[i] : i >= len))
			break;
		e = btap_escape_len(s, i);
		n = e & 0xff;
		if ((o - q) + n > budget || o + n >= MAXSTRINGLEN - 1) {
			truncated = 1;
			break;
		}
		btap_escape_put(dst, o, s, i, n);
		o += n;
		i += e >> 8;
		if (o - q <= cut_budget)
			cut = o;
	}
	return btap_text_close(dst, truncated ? cut : o, quoted, truncated);
}

static BTAP_TEXT_INLINE char *btap_text_str_(char *dst, const char *s, int64_t outlen, int64_t quoted)
{
	return btap_text_buf_(dst, s, -1, outlen, quoted);
}
#endif

/* ---- btap_bitnames ------------------------------------------------------
 * A flag word as "NAME|NAME": the tapset's decoders (open flags, mmap
 * protections ...) are tables, not a branch and a copy per flag, so a probe
 * that formats flags stays small in every runtime. An entry matches when
 * (v & mask) == value; names are written in table order. A name starts only
 * where BTAP_BITNAME_LEN bytes are left, else "..." ends the list: it is
 * cut at the same place in every runtime. */
#define BTAP_BITNAME_LEN 24
struct btap_bitname {
	uint64_t mask, value;
	char name[BTAP_BITNAME_LEN];
};
#define BTAP_BITNAMES_MAX 64
/* The last offset a name may start at: it and a "|..." after it fit. */
#define BTAP_BITNAMES_LAST (MAXSTRINGLEN - 1 - BTAP_BITNAME_LEN - 4)

#ifndef BTAP_CUSTOM_BITNAMES
static BTAP_TEXT_INLINE char *btap_bitnames_(char *dst, uint64_t v, const struct btap_bitname *t, int n)
{
	int o = 0;
	for (int k = 0; k < n && k < BTAP_BITNAMES_MAX; k++) {
		if ((v & t[k].mask) != t[k].value)
			continue;
		if (o + (o ? 1 : 0) > BTAP_BITNAMES_LAST) {
			if (o)
				dst[o++] = '|';
			for (int j = 0; j < 3; j++)
				dst[o++] = '.';
			break;
		}
		if (o)
			dst[o++] = '|';
		for (int j = 0; j < BTAP_BITNAME_LEN - 1 && t[k].name[j]; j++)
			dst[o++] = t[k].name[j];
	}
	dst[o] = 0;
	return dst;
}
#endif

/* "PREFIX0xHEX" into dst, for fault messages (the BPF runtime has its
 * own, through bpf_snprintf; this one is written to verify too). */
#ifndef BTAP_CUSTOM_FAULT_MSG
static BTAP_TEXT_INLINE char *btap_fault_msg(char *dst, const char *prefix, uint64_t addr)
{
	int o = 0;
	for (int k = 0; k < 40 && k < MAXSTRINGLEN - 20; k++) {
		if (!prefix[k])
			break;
		dst[o++] = prefix[k];
	}
	if (o > MAXSTRINGLEN - 20) {
		dst[0] = 0;
		return dst;
	}
	dst[o++] = '0';
	dst[o++] = 'x';
	/* the digit count first, by halving (n known on each of its 16
	 * paths), then the digits at fixed places: a BPF verifier then
	 * follows 16 short paths, not one per combination of leading zeros
	 * and write positions (which made probes with many fault sites
	 * too large for 6.1's) */
	int n = 16;
	uint64_t a = addr;
	if (!(a >> 32)) {
		n -= 8;
		a <<= 32;
	}
	if (!(a >> 48)) {
		n -= 4;
		a <<= 16;
	}
	if (!(a >> 56)) {
		n -= 2;
		a <<= 8;
	}
	if (!(a >> 60))
		n -= 1;
	if (n < 1)
		n = 1;
	for (int k = 0; k < 16; k++)
		if (k < n)
			dst[o + k] = "0123456789abcdef"[(addr >> (4 * (n - 1 - k))) & 15];
	dst[o + n] = 0;
	return dst;
}
#endif

/* An address as "0x..." (lowercase hex), for a string that cannot be read. */
#ifndef BTAP_CUSTOM_STR_HEX
static BTAP_TEXT_INLINE char *btap_str_hex_(char *dst, uint64_t v)
{
	return btap_fault_msg(dst, "", v);
}
#endif

#endif
