/* printf engine with SystemTap's semantics, shared by everything that formats
 * script output outside BPF (the user-space runner, later the kernel module).
 *
 * A format string is split once, when the script is translated or loaded,
 * into literal pieces and conversion specs; the hot path then only walks the
 * specs. The core never allocates and uses no stdio: output goes into a
 * caller buffer (snprintf semantics) or through a write callback.
 *
 * Accepted syntax, as stap's parser accepts it:
 *     %[flag][width][.precision][l]conv
 *   flag       at most ONE of  - + space # 0
 *   width      digits or *     (* takes a long argument)
 *   precision  digits or *     (a static 0 means "unspecified", as in stap)
 *   l          accepted and ignored; h, hh, ll, L are errors
 *   conv       d i u o x X p s c b m M, and %% for a literal percent
 *
 * Semantics that differ from C's printf (all as stap prints them):
 *   - every number is a 64-bit long; %u %o %x print its two's complement
 *   - %p is %#x: "0x" then hex digits, no padding to pointer width
 *   - '#' always prefixes: %#x of 0 is "0x0", %#o of 8 is "010", of 0 "00"
 *   - precision with the 0 flag does not cancel zero padding, and a value
 *     of 0 with precision still prints "0"
 *   - a * width or precision is truncated to int and clamped to
 *     [0, RT_FMT_FIELD_MAX]: a negative * width does NOT left-justify
 *   - %c prints one byte; with '#' it escapes like a C char literal
 *   - %s stops at the first NUL byte; the 0 flag appends a NUL byte
 *   - %b writes the value's raw bytes (host order): width and precision
 *     in {1,2,4,8} pick the size (default 8), extra width pads with NULs
 *   - %m writes raw memory and %M its hex dump; the script passes an
 *     address, the probe copies `rt_fmt_mem_len()` bytes and the formatter
 *     receives them as a string argument. '#' means user-space memory. */
#ifndef BTAP_RUNTIME_FORMAT_H
#define BTAP_RUNTIME_FORMAT_H

#ifdef __KERNEL__
#include <linux/types.h>
#include <linux/string.h>
#else
#include <stddef.h>
#include <stdint.h>
#endif

/* Largest width / precision / string length honoured (stap's print buffer). */
#define RT_FMT_FIELD_MAX 8192

enum rt_fmt_conv {
	RT_FMT_LITERAL = 0, /* text copied as is */
	RT_FMT_SIGNED,      /* %d %i */
	RT_FMT_UNSIGNED,    /* %u */
	RT_FMT_OCTAL,       /* %o */
	RT_FMT_HEX,         /* %x */
	RT_FMT_HEX_UPPER,   /* %X */
	RT_FMT_POINTER,     /* %p */
	RT_FMT_STRING,      /* %s */
	RT_FMT_CHAR,        /* %c */
	RT_FMT_BINARY,      /* %b */
	RT_FMT_MEMORY,      /* %m */
	RT_FMT_MEMORY_HEX,  /* %M */
};

/* Flags of a conversion. */
#define RT_FMT_F_LEFT    0x01u /* - */
#define RT_FMT_F_PLUS    0x02u /* + */
#define RT_FMT_F_SPACE   0x04u /* space */
#define RT_FMT_F_SPECIAL 0x08u /* # (added implicitly to %p) */
#define RT_FMT_F_ZEROPAD 0x10u /* 0 */

/* Values of rt_fmt_spec.width / .precision besides a count. */
#define RT_FMT_UNSET   (-1)
#define RT_FMT_DYNAMIC (-2) /* '*': taken from the next (long) argument */

struct rt_fmt_spec {
	enum rt_fmt_conv conv;
	unsigned flags;
	int width;     /* >= 1, RT_FMT_UNSET or RT_FMT_DYNAMIC */
	int precision; /* >= 1, RT_FMT_UNSET or RT_FMT_DYNAMIC */
	/* Literal: the bytes to copy, pointing into the parsed format string
	 * (which must outlive the specs). Conversion: the directive's text. */
	const char *text;
	size_t len;
	int offset; /* byte offset of the piece in the format string */
};

/* Argument kinds: what the script passes, and what the formatter reads. */
enum rt_arg_kind { RT_ARG_LONG = 0, RT_ARG_STR = 1 };

struct rt_arg {
	int kind;      /* enum rt_arg_kind */
	int64_t l;     /* RT_ARG_LONG */
	const char *s; /* RT_ARG_STR: bytes; NULL prints "<NULL>" */
	size_t slen;   /* RT_ARG_STR: bytes available at s */
};

#define RT_ARG_LONG_INIT(v) {RT_ARG_LONG, (int64_t)(v), 0, 0}
#define RT_ARG_STR_INIT(p, n) {RT_ARG_STR, 0, (p), (n)}

/* Split fmt into at most max specs. Returns the number of specs the format
 * needs (which may exceed max: only the first max are stored, call again
 * with room), or -(offset + 1) where offset is the byte offset of the error
 * in fmt. out may be NULL when max is 0. */
int rt_format_parse(const char *fmt, struct rt_fmt_spec *out, int max);

/* Validate fmt: NULL when well formed, else a message such as stap's
 * "invalid or missing conversion specifier" and *offset (if non-NULL) set
 * to the byte offset of the offending character. */
const char *rt_format_check(const char *fmt, int *offset);

/* Number of arguments the specs consume (each * counts as one long). */
int rt_format_nargs(const struct rt_fmt_spec *specs, int nspecs);

/* Script-level kinds (RT_ARG_LONG / RT_ARG_STR) of the arguments, in order,
 * for type checking: %s takes a string, everything else a long (%m and %M
 * take an address). Fills at most max entries; returns the total count. */
int rt_format_arg_kinds(const struct rt_fmt_spec *specs, int nspecs,
			int *kinds, int max);

/* Bytes a %m / %M conversion reads, given its precision: the static one,
 * or for '*' the value of the precision argument. */
size_t rt_fmt_mem_len(const struct rt_fmt_spec *spec, int64_t dynamic_precision);

/* Output destination: a fixed buffer, optionally drained through a write
 * callback when full. Counts everything produced, written or not. */
typedef void (*rt_write_fn)(void *ctx, const char *data, size_t len);

struct rt_sink {
	char *buf;
	size_t cap;   /* usable bytes in buf */
	size_t pos;   /* bytes currently in buf */
	size_t total; /* bytes produced so far */
	rt_write_fn write;
	void *ctx;
};

/* Fixed buffer: keeps the first cap bytes, counts the rest. */
void rt_sink_init_buf(struct rt_sink *s, char *buf, size_t cap);
/* Streaming: buf is scratch space; write receives every byte in order. */
void rt_sink_init_fn(struct rt_sink *s, char *buf, size_t cap,
		     rt_write_fn write, void *ctx);
void rt_sink_put(struct rt_sink *s, const char *data, size_t n);
void rt_sink_fill(struct rt_sink *s, char c, size_t n);
void rt_sink_flush(struct rt_sink *s); /* hand buffered bytes to write */

/* Format one number as a numeric conversion (d u o x X p) would, with the
 * given flags, width and precision (RT_FMT_UNSET for none). */
void rt_sink_number(struct rt_sink *s, enum rt_fmt_conv conv, unsigned flags,
		    int width, int precision, int64_t value);

/* Format specs with args into the sink. Missing arguments read as 0 / "",
 * an argument of the wrong kind as 0 / "" too. */
void rt_format_sink(struct rt_sink *s, const struct rt_fmt_spec *specs,
		    int nspecs, const struct rt_arg *args, int nargs);

/* snprintf semantics: writes at most bufsz - 1 bytes plus a NUL when
 * bufsz > 0, returns the full length the output needs (it may contain NUL
 * bytes: %b, %c, %m, %0s). */
size_t rt_format(char *buf, size_t bufsz, const struct rt_fmt_spec *specs,
		 int nspecs, const struct rt_arg *args, int nargs);

#endif
