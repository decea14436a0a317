/* printf engine with SystemTap's semantics; see format.h for the rules.
 * Freestanding: only memcpy/memset from libc, no allocation, no stdio. */
#include "format.h"

#ifndef __KERNEL__
#include <string.h>
#endif

/* Internal number flags, above the public RT_FMT_F_* bits. */
#define NUM_SIGNED 0x100u
#define NUM_UPPER  0x200u

static const char msg_bad_conv[] = "invalid or missing conversion specifier";
static const char msg_trailing[] = "trailing incomplete print format conversion";

/* ---- sink ---------------------------------------------------------------- */

void rt_sink_init_buf(struct rt_sink *s, char *buf, size_t cap)
{
	s->buf = buf;
	s->cap = buf ? cap : 0;
	s->pos = 0;
	s->total = 0;
	s->write = 0;
	s->ctx = 0;
}

void rt_sink_init_fn(struct rt_sink *s, char *buf, size_t cap,
		     rt_write_fn write, void *ctx)
{
	rt_sink_init_buf(s, buf, cap);
	s->write = write;
	s->ctx = ctx;
}

void rt_sink_flush(struct rt_sink *s)
{
	if (s->write && s->pos > 0) {
		s->write(s->ctx, s->buf, s->pos);
		s->pos = 0;
	}
}

void rt_sink_put(struct rt_sink *s, const char *data, size_t n)
{
	s->total += n;
	while (n > 0) {
		size_t room = s->cap - s->pos;
		size_t k;

		if (room == 0) {
			if (!s->write)
				return; /* fixed buffer full: only count */
			if (s->cap == 0) {
				s->write(s->ctx, data, n);
				return;
			}
			rt_sink_flush(s);
			continue;
		}
		k = n < room ? n : room;
		memcpy(s->buf + s->pos, data, k);
		s->pos += k;
		data += k;
		n -= k;
	}
}

void rt_sink_fill(struct rt_sink *s, char c, size_t n)
{
	char chunk[64];

	memset(chunk, c, sizeof(chunk));
	while (n > 0) {
		size_t k = n < sizeof(chunk) ? n : sizeof(chunk);
		rt_sink_put(s, chunk, k);
		n -= k;
	}
}

static void sink_byte(struct rt_sink *s, char c)
{
	rt_sink_put(s, &c, 1);
}

static void sink_pad(struct rt_sink *s, char c, int n)
{
	if (n > 0)
		rt_sink_fill(s, c, (size_t)n);
}

/* ---- parsing ------------------------------------------------------------- */

struct parse_state {
	const char *fmt;
	struct rt_fmt_spec *out;
	int max;
	int count;
	const char *msg;
	int err_offset;
};

static void add_spec(struct parse_state *ps, const struct rt_fmt_spec *sp)
{
	if (ps->count < ps->max)
		ps->out[ps->count] = *sp;
	ps->count++;
}

static void add_literal(struct parse_state *ps, size_t from, size_t to)
{
	struct rt_fmt_spec sp;

	if (to <= from)
		return;
	memset(&sp, 0, sizeof(sp));
	sp.conv = RT_FMT_LITERAL;
	sp.width = RT_FMT_UNSET;
	sp.precision = RT_FMT_UNSET;
	sp.text = ps->fmt + from;
	sp.len = to - from;
	sp.offset = (int)from;
	add_spec(ps, &sp);
}

static int is_digit(char c)
{
	return c >= '0' && c <= '9';
}

/* Digits or '*' at fmt[*i]; a static 0 means unspecified, as stap drops it. */
static int parse_count(const char *fmt, size_t *i)
{
	int v = 0;

	if (fmt[*i] == '*') {
		(*i)++;
		return RT_FMT_DYNAMIC;
	}
	if (!is_digit(fmt[*i]))
		return RT_FMT_UNSET;
	while (is_digit(fmt[*i])) {
		if (v < RT_FMT_FIELD_MAX * 10) /* saturate; clamped when used */
			v = v * 10 + (fmt[*i] - '0');
		(*i)++;
	}
	return v > 0 ? v : RT_FMT_UNSET;
}

static unsigned flag_of(char c)
{
	switch (c) {
	case '-': return RT_FMT_F_LEFT;
	case '+': return RT_FMT_F_PLUS;
	case ' ': return RT_FMT_F_SPACE;
	case '#': return RT_FMT_F_SPECIAL;
	case '0': return RT_FMT_F_ZEROPAD;
	default:  return 0;
	}
}

static int conv_of(char c, enum rt_fmt_conv *conv)
{
	switch (c) {
	case 'd': case 'i': *conv = RT_FMT_SIGNED; break;
	case 'u': *conv = RT_FMT_UNSIGNED; break;
	case 'o': *conv = RT_FMT_OCTAL; break;
	case 'x': *conv = RT_FMT_HEX; break;
	case 'X': *conv = RT_FMT_HEX_UPPER; break;
	case 'p': *conv = RT_FMT_POINTER; break;
	case 's': *conv = RT_FMT_STRING; break;
	case 'c': *conv = RT_FMT_CHAR; break;
	case 'b': *conv = RT_FMT_BINARY; break;
	case 'm': *conv = RT_FMT_MEMORY; break;
	case 'M': *conv = RT_FMT_MEMORY_HEX; break;
	default: return 0;
	}
	return 1;
}

static int parse_error(struct parse_state *ps, const char *msg, size_t at)
{
	ps->msg = msg;
	ps->err_offset = (int)at;
	return -1;
}

/* Parse the directive whose '%' is at fmt[start]; returns the offset just
 * past it, or -1 on error. stap takes a single flag character. */
static long parse_directive(struct parse_state *ps, size_t start)
{
	const char *fmt = ps->fmt;
	size_t i = start + 1;
	struct rt_fmt_spec sp;

	memset(&sp, 0, sizeof(sp));
	if (fmt[i] == '\0')
		return parse_error(ps, msg_bad_conv, i);
	sp.flags = flag_of(fmt[i]);
	if (sp.flags)
		i++;
	if (fmt[i] == '\0')
		return parse_error(ps, msg_trailing, i);
	sp.width = parse_count(fmt, &i);
	sp.precision = RT_FMT_UNSET;
	if (fmt[i] == '.') {
		i++;
		if (fmt[i] == '\0')
			return parse_error(ps, msg_trailing, i);
		sp.precision = parse_count(fmt, &i);
	}
	if (fmt[i] == 'l')
		i++;
	if (fmt[i] == '\0')
		return parse_error(ps, msg_trailing, i);
	if (!conv_of(fmt[i], &sp.conv))
		return parse_error(ps, msg_bad_conv, i);
	if (sp.conv == RT_FMT_POINTER)
		sp.flags |= RT_FMT_F_SPECIAL; /* %p is %#x */
	i++;
	sp.text = fmt + start;
	sp.len = i - start;
	sp.offset = (int)start;
	add_spec(ps, &sp);
	return (long)i;
}

static int parse_format(struct parse_state *ps)
{
	const char *fmt = ps->fmt;
	size_t pos = 0, lit = 0;

	while (fmt[pos] != '\0') {
		long next;

		if (fmt[pos] != '%') {
			pos++;
			continue;
		}
		if (fmt[pos + 1] == '%') {
			/* keep the first '%' in the literal, skip the second */
			add_literal(ps, lit, pos + 1);
			pos += 2;
			lit = pos;
			continue;
		}
		add_literal(ps, lit, pos);
		next = parse_directive(ps, pos);
		if (next < 0)
			return -1;
		pos = lit = (size_t)next;
	}
	add_literal(ps, lit, pos);
	return ps->count;
}

int rt_format_parse(const char *fmt, struct rt_fmt_spec *out, int max)
{
	struct parse_state ps;

	memset(&ps, 0, sizeof(ps));
	ps.fmt = fmt;
	ps.out = out;
	ps.max = out ? max : 0;
	if (parse_format(&ps) < 0)
		return -(ps.err_offset + 1);
	return ps.count;
}

const char *rt_format_check(const char *fmt, int *offset)
{
	struct parse_state ps;

	memset(&ps, 0, sizeof(ps));
	ps.fmt = fmt;
	if (parse_format(&ps) >= 0)
		return 0;
	if (offset)
		*offset = ps.err_offset;
	return ps.msg;
}

static int spec_nargs(const struct rt_fmt_spec *sp)
{
	if (sp->conv == RT_FMT_LITERAL)
		return 0;
	return 1 + (sp->width == RT_FMT_DYNAMIC) + (sp->precision == RT_FMT_DYNAMIC);
}

int rt_format_nargs(const struct rt_fmt_spec *specs, int nspecs)
{
	int n = 0;

	for (int i = 0; i < nspecs; i++)
		n += spec_nargs(&specs[i]);
	return n;
}

int rt_format_arg_kinds(const struct rt_fmt_spec *specs, int nspecs,
			int *kinds, int max)
{
	int n = 0;

	for (int i = 0; i < nspecs; i++) {
		const struct rt_fmt_spec *sp = &specs[i];
		int k;

		if (sp->conv == RT_FMT_LITERAL)
			continue;
		for (k = 1; k < spec_nargs(sp); k++, n++)
			if (n < max)
				kinds[n] = RT_ARG_LONG;
		if (n < max)
			kinds[n] = sp->conv == RT_FMT_STRING ? RT_ARG_STR : RT_ARG_LONG;
		n++;
	}
	return n;
}

/* A '*' argument: truncated to int as stap's generated code does, then
 * clamped; a negative width therefore becomes 0, not left-justification. */
static int clamp_field(int64_t v)
{
	int32_t t = (int32_t)(uint32_t)(uint64_t)v;

	if (t < 0)
		return 0;
	return t > RT_FMT_FIELD_MAX ? RT_FMT_FIELD_MAX : t;
}

size_t rt_fmt_mem_len(const struct rt_fmt_spec *spec, int64_t dynamic_precision)
{
	int prec = spec->precision;

	if (prec == RT_FMT_DYNAMIC)
		prec = clamp_field(dynamic_precision);
	else if (prec > RT_FMT_FIELD_MAX)
		prec = RT_FMT_FIELD_MAX;
	return prec > 0 ? (size_t)prec : 1;
}

/* ---- conversions --------------------------------------------------------- */

/* Linux-kernel style number layout, which stap inherits: zero padding
 * survives a precision, '#' always adds its prefix. */
static void put_number(struct rt_sink *s, uint64_t num, unsigned base,
		       int width, int precision, unsigned fl)
{
	const char *set = (fl & NUM_UPPER) ? "0123456789ABCDEF" : "0123456789abcdef";
	char digits[66];
	int nd = 0;
	char sign = 0;

	if (fl & RT_FMT_F_LEFT)
		fl &= ~RT_FMT_F_ZEROPAD;
	if (fl & NUM_SIGNED) {
		if ((int64_t)num < 0) {
			sign = '-';
			num = 0 - num;
		} else if (fl & RT_FMT_F_PLUS) {
			sign = '+';
		} else if (fl & RT_FMT_F_SPACE) {
			sign = ' ';
		}
	}
	if (sign)
		width--;
	if (fl & RT_FMT_F_SPECIAL)
		width -= base == 16 ? 2 : base == 8 ? 1 : 0;
	do {
		digits[nd++] = set[num % base];
		num /= base;
	} while (num != 0);
	if (precision < nd)
		precision = nd;
	width -= precision;

	if (!(fl & (RT_FMT_F_ZEROPAD | RT_FMT_F_LEFT)))
		sink_pad(s, ' ', width);
	if (sign)
		sink_byte(s, sign);
	if ((fl & RT_FMT_F_SPECIAL) && (base == 8 || base == 16)) {
		sink_byte(s, '0');
		if (base == 16)
			sink_byte(s, (fl & NUM_UPPER) ? 'X' : 'x');
	}
	if (fl & RT_FMT_F_ZEROPAD)
		sink_pad(s, '0', width);
	sink_pad(s, '0', precision - nd);
	while (nd > 0)
		sink_byte(s, digits[--nd]);
	if (fl & RT_FMT_F_LEFT)
		sink_pad(s, ' ', width);
}

void rt_sink_number(struct rt_sink *s, enum rt_fmt_conv conv, unsigned flags,
		    int width, int precision, int64_t value)
{
	unsigned base = 10;

	flags &= RT_FMT_F_LEFT | RT_FMT_F_PLUS | RT_FMT_F_SPACE |
		 RT_FMT_F_SPECIAL | RT_FMT_F_ZEROPAD;
	switch (conv) {
	case RT_FMT_SIGNED:
		flags |= NUM_SIGNED;
		break;
	case RT_FMT_OCTAL:
		base = 8;
		break;
	case RT_FMT_HEX_UPPER:
		flags |= NUM_UPPER;
		base = 16;
		break;
	case RT_FMT_POINTER:
		flags |= RT_FMT_F_SPECIAL;
		base = 16;
		break;
	case RT_FMT_HEX:
		base = 16;
		break;
	default:
		break;
	}
	put_number(s, (uint64_t)value, base, width, precision, flags);
}

static int needs_char_escape(unsigned char c)
{
	return c < 0x20 || c >= 0x7f || c == '\'' || c == '\\';
}

static char char_escape_letter(unsigned char c)
{
	switch (c) {
	case '\a': return 'a';
	case '\b': return 'b';
	case '\f': return 'f';
	case '\n': return 'n';
	case '\r': return 'r';
	case '\t': return 't';
	case '\v': return 'v';
	case '\'': return '\'';
	case '\\': return '\\';
	default:   return 0;
	}
}

/* %c: one byte; with '#', escaped like a C character literal. */
static void put_char(struct rt_sink *s, unsigned char c, int width, unsigned fl)
{
	char out[4];
	int n = 0;

	if ((fl & RT_FMT_F_SPECIAL) && needs_char_escape(c)) {
		char letter = char_escape_letter(c);

		out[n++] = '\\';
		if (letter) {
			out[n++] = letter;
		} else {
			out[n++] = (char)('0' + ((c >> 6) & 3));
			out[n++] = (char)('0' + ((c >> 3) & 7));
			out[n++] = (char)('0' + (c & 7));
		}
	} else {
		out[n++] = (char)c;
	}
	if (!(fl & RT_FMT_F_LEFT))
		sink_pad(s, ' ', width - n);
	rt_sink_put(s, out, (size_t)n);
	if (fl & RT_FMT_F_LEFT)
		sink_pad(s, ' ', width - n);
}

static size_t bounded_strlen(const char *p, size_t max)
{
	size_t n = 0;

	while (n < max && p[n] != '\0')
		n++;
	return n;
}

/* The bytes of a %m / %M: what the probe fetched, NULs past its end. */
static void put_mem_bytes(struct rt_sink *s, const char *p, size_t avail,
			  size_t len, int hex)
{
	static const char hexdig[] = "0123456789abcdef";

	for (size_t i = 0; i < len; i++) {
		unsigned char b = (p && i < avail) ? (unsigned char)p[i] : 0;

		if (hex) {
			char pair[2] = {hexdig[b >> 4], hexdig[b & 15]};
			rt_sink_put(s, pair, 2);
		} else {
			sink_byte(s, (char)b);
		}
	}
}

/* %s, %m, %M: space padded; the 0 flag appends a NUL byte, as in stap. */
static void put_memory(struct rt_sink *s, enum rt_fmt_conv conv, const char *p,
		       size_t avail, int width, int precision, unsigned fl)
{
	size_t len, outlen;
	int pad;

	if (conv == RT_FMT_STRING) {
		size_t cap = precision < 0 ? RT_FMT_FIELD_MAX : (size_t)precision;

		if (!p) {
			p = "<NULL>";
			avail = 6;
		}
		len = bounded_strlen(p, avail < cap ? avail : cap);
		outlen = len;
	} else {
		len = precision > 0 ? (size_t)precision : 1;
		outlen = conv == RT_FMT_MEMORY_HEX ? 2 * len : len;
	}
	pad = (width > 0 && (size_t)width > outlen) ? (int)((size_t)width - outlen) : 0;
	if (!(fl & RT_FMT_F_LEFT))
		sink_pad(s, ' ', pad);
	if (conv == RT_FMT_STRING)
		rt_sink_put(s, p, len);
	else
		put_mem_bytes(s, p, avail, len, conv == RT_FMT_MEMORY_HEX);
	if (fl & RT_FMT_F_LEFT)
		sink_pad(s, ' ', pad);
	if (fl & RT_FMT_F_ZEROPAD)
		sink_byte(s, '\0');
}

static int binary_size_valid(int n)
{
	return n == 1 || n == 2 || n == 4 || n == 8;
}

/* %b: raw value bytes. Width and precision default to each other, both
 * to 8; a size outside {1,2,4,8} falls back to 8; padding is NUL bytes. */
static void put_binary(struct rt_sink *s, int64_t v, int width, int precision,
		       unsigned fl)
{
	int size = binary_size_valid(precision) ? precision : -1;
	union {
		int8_t b1;
		int16_t b2;
		int32_t b4;
		int64_t b8;
		char raw[8];
	} u;

	if (width < 0) {
		if (size < 0)
			size = 8;
		width = size;
	} else if (size < 0) {
		size = binary_size_valid(width) ? width : 8;
	}
	switch (size) {
	case 1: u.b1 = (int8_t)(uint8_t)(uint64_t)v; break;
	case 2: u.b2 = (int16_t)(uint16_t)(uint64_t)v; break;
	case 4: u.b4 = (int32_t)(uint32_t)(uint64_t)v; break;
	default: u.b8 = v; break;
	}
	if (!(fl & RT_FMT_F_LEFT))
		sink_pad(s, '\0', width - size);
	rt_sink_put(s, u.raw, (size_t)size);
	if (fl & RT_FMT_F_LEFT)
		sink_pad(s, '\0', width - size);
}

/* ---- driver -------------------------------------------------------------- */

struct arg_cursor {
	const struct rt_arg *args;
	int nargs;
	int next;
};

static const struct rt_arg *next_arg(struct arg_cursor *c)
{
	if (c->next >= c->nargs)
		return 0;
	return &c->args[c->next++];
}

static int64_t next_long(struct arg_cursor *c)
{
	const struct rt_arg *a = next_arg(c);

	return (a && a->kind == RT_ARG_LONG) ? a->l : 0;
}

static int static_field(int v)
{
	return v > RT_FMT_FIELD_MAX ? RT_FMT_FIELD_MAX : v;
}

static void format_one(struct rt_sink *s, const struct rt_fmt_spec *sp,
		       struct arg_cursor *cur)
{
	int width = sp->width, precision = sp->precision;
	const struct rt_arg *a;

	if (sp->conv == RT_FMT_LITERAL) {
		rt_sink_put(s, sp->text, sp->len);
		return;
	}
	width = width == RT_FMT_DYNAMIC ? clamp_field(next_long(cur)) : static_field(width);
	precision = precision == RT_FMT_DYNAMIC ? clamp_field(next_long(cur))
						: static_field(precision);
	switch (sp->conv) {
	case RT_FMT_STRING:
	case RT_FMT_MEMORY:
	case RT_FMT_MEMORY_HEX:
		a = next_arg(cur);
		if (a && a->kind == RT_ARG_STR)
			put_memory(s, sp->conv, a->s, a->s ? a->slen : 0, width,
				   precision, sp->flags);
		else
			put_memory(s, sp->conv, "", 0, width, precision, sp->flags);
		break;
	case RT_FMT_CHAR:
		put_char(s, (unsigned char)next_long(cur), width, sp->flags);
		break;
	case RT_FMT_BINARY:
		put_binary(s, next_long(cur), width, precision, sp->flags);
		break;
	default:
		rt_sink_number(s, sp->conv, sp->flags, width, precision, next_long(cur));
		break;
	}
}

void rt_format_sink(struct rt_sink *s, const struct rt_fmt_spec *specs,
		    int nspecs, const struct rt_arg *args, int nargs)
{
	struct arg_cursor cur = {args, nargs, 0};

	for (int i = 0; i < nspecs; i++)
		format_one(s, &specs[i], &cur);
}

size_t rt_format(char *buf, size_t bufsz, const struct rt_fmt_spec *specs,
		 int nspecs, const struct rt_arg *args, int nargs)
{
	struct rt_sink s;

	rt_sink_init_buf(&s, buf, bufsz > 0 ? bufsz - 1 : 0);
	rt_format_sink(&s, specs, nspecs, args, nargs);
	if (buf && bufsz > 0)
		buf[s.pos] = '\0';
	return s.total;
}
