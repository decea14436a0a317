/* printf engine: parsing, stap-specific conversions, and every flag/width/
 * precision combination that stap prints the way C's snprintf does. */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "check.h"
#include "runtime/format.h"

#define MAXSPECS 32

static char out[16384];
static size_t out_len;

/* Format fmt with args into `out`; returns out (NUL-terminated). */
static const char *fmt_args(const char *fmt, const struct rt_arg *args, int nargs)
{
	struct rt_fmt_spec specs[MAXSPECS];
	int n = rt_format_parse(fmt, specs, MAXSPECS);

	if (n < 0 || n > MAXSPECS) {
		fprintf(stderr, "parse failed for \"%s\": %d\n", fmt, n);
		out[0] = '\0';
		out_len = 0;
		return "<parse error>";
	}
	out_len = rt_format(out, sizeof(out), specs, n, args, nargs);
	return out;
}

static const char *fmt_long(const char *fmt, int64_t v)
{
	struct rt_arg a = RT_ARG_LONG_INIT(v);
	return fmt_args(fmt, &a, 1);
}

static const char *fmt_str(const char *fmt, const char *s)
{
	struct rt_arg a = RT_ARG_STR_INIT(s, s ? strlen(s) : 0);
	return fmt_args(fmt, &a, 1);
}

static const char *fmt_bytes(const char *fmt, const char *s, size_t n)
{
	struct rt_arg a = RT_ARG_STR_INIT(s, n);
	return fmt_args(fmt, &a, 1);
}

static int out_is(const char *bytes, size_t n)
{
	return out_len == n && memcmp(out, bytes, n) == 0;
}

/* ---- combinations where stap and C agree --------------------------------- */

static const int64_t numbers[] = {
	0, 1, 7, 42, -1, -42, 255, 4096, INT64_MAX, INT64_MIN, 0x123456789abcdefLL,
};

static int stap_matches_c_number(char flag, const char *prec, char conv,
				 int64_t v)
{
	int is_signed = conv == 'd' || conv == 'i';

	if (flag == '0' && *prec)
		return 0; /* C drops the 0 flag when a precision is given */
	if (flag == '#' && (is_signed || conv == 'u'))
		return 0; /* undefined in C */
	if (flag == '#' && v == 0)
		return 0; /* stap prints 0x0 / 00 */
	if (flag == '#' && conv == 'o' && *prec)
		return 0; /* C only bumps the precision */
	return 1;
}

static void test_numbers_vs_c(void)
{
	static const char flags[] = {0, '-', '+', ' ', '#', '0'};
	static const char *widths[] = {"", "1", "6", "25"};
	static const char *precs[] = {"", ".1", ".4", ".22"};
	static const char convs[] = "diuoxX";
	int compared = 0, mismatched = 0;

	for (size_t f = 0; f < sizeof(flags); f++)
		for (size_t w = 0; w < 4; w++)
			for (size_t p = 0; p < 4; p++)
				for (size_t c = 0; convs[c]; c++)
					for (size_t k = 0; k < sizeof(numbers) / sizeof(numbers[0]); k++) {
						char sfmt[32], cfmt[32], want[128];
						char fl[2] = {flags[f], 0};
						int64_t v = numbers[k];

						if (!stap_matches_c_number(flags[f], precs[p], convs[c], v))
							continue;
						snprintf(sfmt, sizeof(sfmt), "%%%s%s%s%c", fl, widths[w], precs[p], convs[c]);
						snprintf(cfmt, sizeof(cfmt), "%%%s%s%sll%c", fl, widths[w], precs[p], convs[c]);
						if (convs[c] == 'd' || convs[c] == 'i')
							snprintf(want, sizeof(want), cfmt, (long long)v);
						else
							snprintf(want, sizeof(want), cfmt, (unsigned long long)v);
						compared++;
						if (strcmp(fmt_long(sfmt, v), want) != 0) {
							mismatched++;
							fprintf(stderr, "%s of %lld: got [%s] want [%s]\n",
								sfmt, (long long)v, out, want);
						}
					}
	CHECK(compared > 3000);
	CHECK(mismatched == 0);
}

static void test_strings_vs_c(void)
{
	static const char *flags[] = {"", "-"};
	static const char *widths[] = {"", "1", "5", "12"};
	static const char *precs[] = {"", ".1", ".3", ".10"};
	static const char *strs[] = {"", "a", "hello", "hello world!"};
	int mismatched = 0;

	for (int f = 0; f < 2; f++)
		for (int w = 0; w < 4; w++)
			for (int p = 0; p < 4; p++)
				for (int k = 0; k < 4; k++) {
					char fmt[32], want[64];

					snprintf(fmt, sizeof(fmt), "[%%%s%s%ss]", flags[f], widths[w], precs[p]);
					snprintf(want, sizeof(want), fmt, strs[k]);
					if (strcmp(fmt_str(fmt, strs[k]), want) != 0) {
						mismatched++;
						fprintf(stderr, "%s of \"%s\": got [%s] want [%s]\n",
							fmt, strs[k], out, want);
					}
				}
	CHECK(mismatched == 0);
}

static void test_chars_vs_c(void)
{
	static const char *fmts[] = {"[%c]", "[%1c]", "[%4c]", "[%-4c]", "[%-1c]"};
	static const int chars[] = {'a', 'Z', ' ', '~', '"', '%'};
	int mismatched = 0;

	for (int f = 0; f < 5; f++)
		for (int k = 0; k < 6; k++) {
			char want[32];

			snprintf(want, sizeof(want), fmts[f], chars[k]);
			if (strcmp(fmt_long(fmts[f], chars[k]), want) != 0)
				mismatched++;
		}
	CHECK(mismatched == 0);
}

/* ---- stap-specific numbers ----------------------------------------------- */

static void test_numbers_stap(void)
{
	CHECK_STR(fmt_long("%d", INT64_MIN), "-9223372036854775808");
	CHECK_STR(fmt_long("%u", -1), "18446744073709551615");
	CHECK_STR(fmt_long("%x", -1), "ffffffffffffffff");
	CHECK_STR(fmt_long("%X", -42), "FFFFFFFFFFFFFFD6");
	CHECK_STR(fmt_long("%o", -1), "1777777777777777777777");
	CHECK_STR(fmt_long("%i", -7), "-7");
	CHECK_STR(fmt_long("%ld", 12), "12"); /* l is ignored */
	CHECK_STR(fmt_long("%lx", 255), "ff");
	/* '#' always prefixes */
	CHECK_STR(fmt_long("%#x", 0), "0x0");
	CHECK_STR(fmt_long("%#X", 255), "0XFF");
	CHECK_STR(fmt_long("%#o", 0), "00");
	CHECK_STR(fmt_long("%#o", 8), "010");
	CHECK_STR(fmt_long("%#.4o", 8), "00010");
	CHECK_STR(fmt_long("%#d", 5), "5");
	CHECK_STR(fmt_long("%#6x", 0), "   0x0");
	/* the 0 flag survives a precision */
	CHECK_STR(fmt_long("%08.3d", 5), "00000005");
	CHECK_STR(fmt_long("%08.3d", -5), "-0000005");
	CHECK_STR(fmt_long("%06.2x", 255), "0000ff");
	/* a static precision of 0 means "unspecified" */
	CHECK_STR(fmt_long("%.0d", 0), "0");
	CHECK_STR(fmt_long("[%.d]", 0), "[0]");
	CHECK_STR(fmt_long("[%5.0x]", 0), "[    0]");
	/* one flag only: "-0" is '-' and a width of 0 */
	CHECK_STR(fmt_long("[%-08d]", 42), "[42      ]");
	CHECK_STR(fmt_long("[%-0d]", 42), "[42]");
	/* %u ignores + and space */
	CHECK_STR(fmt_long("%+u", 5), "5");
	CHECK_STR(fmt_long("% x", 5), "5");
	CHECK_STR(fmt_long("%+d", 0), "+0");
	CHECK_STR(fmt_long("% d", -3), "-3");
}

static void test_pointer(void)
{
	CHECK_STR(fmt_long("%p", 0x1234), "0x1234");
	CHECK_STR(fmt_long("%p", 0), "0x0");
	CHECK_STR(fmt_long("%p", -1), "0xffffffffffffffff");
	CHECK_STR(fmt_long("%p", (int64_t)0xffffffff81000000ULL), "0xffffffff81000000");
	CHECK_STR(fmt_long("[%10p]", 0x1234), "[    0x1234]");
	CHECK_STR(fmt_long("[%-10p]", 0x1234), "[0x1234    ]");
	CHECK_STR(fmt_long("[%010p]", 0x1234), "[0x00001234]");
	CHECK_STR(fmt_long("[%.8p]", 0x1234), "[0x00001234]");
	CHECK_STR(fmt_long("%#p", 0xab), "0xab");
}

/* ---- strings, chars, dynamic fields -------------------------------------- */

static void test_strings_stap(void)
{
	static const char nul_in_middle[] = {'a', 'b', 0, 'c', 'd'};

	CHECK_STR(fmt_str("[%s]", NULL), "[<NULL>]");
	CHECK_STR(fmt_str("[%.0s]", "abc"), "[abc]"); /* static 0 = unspecified */
	CHECK_STR(fmt_str("[%.s]", "abc"), "[abc]");
	CHECK_STR(fmt_str("[%#s]", "a\n"), "[a\n]"); /* '#' does not escape %s */
	CHECK_STR(fmt_str("[%+5s]", "ab"), "[   ab]");
	fmt_bytes("[%s]", nul_in_middle, sizeof(nul_in_middle));
	CHECK(out_is("[ab]", 4));
	/* a string argument is not read past its length */
	fmt_bytes("[%s]", "abcdef", 3);
	CHECK(out_is("[abc]", 5));
	/* the 0 flag appends a NUL byte */
	fmt_str("[%0s]", "x");
	CHECK(out_is("[x\0]", 4));
	fmt_str("[%05s]", "x");
	CHECK(out_is("[    x\0]", 8));
	/* very long string: capped at RT_FMT_FIELD_MAX bytes */
	{
		static char big[RT_FMT_FIELD_MAX + 100];
		memset(big, 'q', sizeof(big) - 1);
		big[sizeof(big) - 1] = '\0';
		fmt_str("%s", big);
		CHECK(out_len == RT_FMT_FIELD_MAX);
	}
}

static void test_chars_stap(void)
{
	fmt_long("%c", 0);
	CHECK(out_is("\0", 1));
	CHECK_STR(fmt_long("%c", 0x141), "A"); /* one byte of the long */
	CHECK_STR(fmt_long("[%#c]", 'a'), "[a]");
	CHECK_STR(fmt_long("[%#c]", '"'), "[\"]");
	CHECK_STR(fmt_long("[%#c]", '\n'), "[\\n]");
	CHECK_STR(fmt_long("[%#c]", '\t'), "[\\t]");
	CHECK_STR(fmt_long("[%#c]", '\a'), "[\\a]");
	CHECK_STR(fmt_long("[%#c]", '\''), "[\\']");
	CHECK_STR(fmt_long("[%#c]", '\\'), "[\\\\]");
	CHECK_STR(fmt_long("[%#c]", 1), "[\\001]");
	CHECK_STR(fmt_long("[%#c]", 0), "[\\000]");
	CHECK_STR(fmt_long("[%#c]", 0x7f), "[\\177]");
	CHECK_STR(fmt_long("[%#c]", 0xff), "[\\377]");
	CHECK_STR(fmt_long("[%#c]", 0xe9), "[\\351]");
	/* without '#' nothing is escaped ('-' is the one flag allowed) */
	CHECK_STR(fmt_long("[%-5c]", '\n'), "[\n    ]");
	/* with a width, an escape counts as its full size */
	CHECK_STR(fmt_long("[%#5c]", '\n'), "[   \\n]");
	CHECK_STR(fmt_long("[%#5c]", 1), "[ \\001]");
	CHECK_STR(fmt_long("[%03c]", 'x'), "[  x]"); /* chars pad with spaces */
}

static void test_dynamic_fields(void)
{
	struct rt_arg a[3];

	a[0] = (struct rt_arg)RT_ARG_LONG_INIT(5);
	a[1] = (struct rt_arg)RT_ARG_LONG_INIT(42);
	CHECK_STR(fmt_args("[%*d]", a, 2), "[   42]");
	/* a negative * width becomes 0, it does not left-justify */
	a[0].l = -5;
	CHECK_STR(fmt_args("[%*d]", a, 2), "[42]");
	/* truncated to int first: 2^32 + 4 is a width of 4 */
	a[0].l = (1LL << 32) + 4;
	CHECK_STR(fmt_args("[%*d]", a, 2), "[  42]");
	/* precision */
	a[0].l = 3;
	a[1].l = 7;
	CHECK_STR(fmt_args("[%.*d]", a, 2), "[007]");
	a[0].l = -1;
	CHECK_STR(fmt_args("[%.*d]", a, 2), "[7]");
	a[0].l = 2;
	a[1] = (struct rt_arg)RT_ARG_STR_INIT("abcdef", 6);
	CHECK_STR(fmt_args("[%.*s]", a, 2), "[ab]");
	/* a negative * precision clamps to 0: an empty string */
	a[0].l = -1;
	CHECK_STR(fmt_args("[%.*s]", a, 2), "[]");
	a[0].l = 0;
	CHECK_STR(fmt_args("[%.*s]", a, 2), "[]");
	/* width and precision together, in argument order */
	a[0] = (struct rt_arg)RT_ARG_LONG_INIT(6);
	a[1] = (struct rt_arg)RT_ARG_LONG_INIT(3);
	a[2] = (struct rt_arg)RT_ARG_STR_INIT("abcdef", 6);
	CHECK_STR(fmt_args("[%*.*s]", a, 3), "[   abc]");
	CHECK_STR(fmt_args("[%-*.*s]", a, 3), "[abc   ]");
	/* huge widths are clamped */
	fmt_long("%9000d", 1);
	CHECK(out_len == RT_FMT_FIELD_MAX);
	a[0] = (struct rt_arg)RT_ARG_LONG_INIT(1000000);
	a[1] = (struct rt_arg)RT_ARG_LONG_INIT(1);
	fmt_args("%*d", a, 2);
	CHECK(out_len == RT_FMT_FIELD_MAX);
}

/* ---- binary and memory ---------------------------------------------------- */

static void test_binary(void)
{
	int64_t v = 0x0102030405060708LL;
	int64_t le = v;
	char raw[8];

	memcpy(raw, &le, 8); /* host order */
	fmt_long("%b", v);
	CHECK(out_is(raw, 8));
	fmt_long("%8b", v);
	CHECK(out_is(raw, 8));
	fmt_long("%1b", 0x141);
	CHECK(out_is("A", 1));
	{
		int16_t h = 0x4142;
		int32_t w = 0x41424344;
		char want[8];

		memcpy(want, &h, 2);
		fmt_long("%2b", 0x4142);
		CHECK(out_is(want, 2));
		memcpy(want, &w, 4);
		fmt_long("%4b", 0x41424344);
		CHECK(out_is(want, 4));
		fmt_long("%.4b", 0x41424344);
		CHECK(out_is(want, 4));
		/* width pads with NUL bytes, before or after */
		fmt_long("%6.4b", 0x41424344);
		CHECK(out_len == 6 && out[0] == 0 && out[1] == 0 && memcmp(out + 2, want, 4) == 0);
		fmt_long("%-6.4b", 0x41424344);
		CHECK(out_len == 6 && memcmp(out, want, 4) == 0 && out[4] == 0 && out[5] == 0);
	}
	/* a size outside {1,2,4,8} means 8 */
	fmt_long("%3b", v);
	CHECK(out_is(raw, 8));
	fmt_long("%.3b", v);
	CHECK(out_is(raw, 8));
	fmt_long("%10b", v);
	CHECK(out_len == 10 && out[0] == 0 && out[1] == 0 && memcmp(out + 2, raw, 8) == 0);
	fmt_long("x%1by", 'Q');
	CHECK(out_is("xQy", 3));
}

static void test_memory(void)
{
	static const char mem[] = {'\x01', '\xab', '\xff', '\x10', 'A', 'B'};

	fmt_bytes("[%m]", "ABC", 3);
	CHECK(out_is("[A]", 3)); /* default: one byte */
	fmt_bytes("[%.3m]", "ABC", 3);
	CHECK(out_is("[ABC]", 5));
	fmt_bytes("[%5.2m]", "ABC", 3);
	CHECK(out_is("[   AB]", 7));
	fmt_bytes("[%-5.2m]", "ABC", 3);
	CHECK(out_is("[AB   ]", 7));
	/* %m does not stop at NUL bytes; missing bytes read as 0 */
	fmt_bytes("[%.4m]", "A\0B", 3);
	CHECK(out_is("[A\0B\0]", 6));
	fmt_bytes("[%.4M]", mem, sizeof(mem));
	CHECK(out_is("[01abff10]", 10));
	fmt_bytes("[%M]", mem, sizeof(mem));
	CHECK(out_is("[01]", 4));
	fmt_bytes("[%10.2M]", mem, sizeof(mem));
	CHECK(out_is("[      01ab]", 12));
	fmt_bytes("[%-6.2M]", mem, sizeof(mem));
	CHECK(out_is("[01ab  ]", 8));
	fmt_bytes("[%3.2M]", mem, sizeof(mem)); /* width below the hex size */
	CHECK(out_is("[01ab]", 6));
	fmt_bytes("[%#.2M]", "AB", 2); /* '#' only selects user memory */
	CHECK(out_is("[4142]", 6));
	{
		struct rt_arg a[2] = {RT_ARG_LONG_INIT(3), RT_ARG_STR_INIT("xyz", 3)};
		fmt_args("%.*m", a, 2);
		CHECK(out_is("xyz", 3));
		fmt_args("%.*M", a, 2);
		CHECK(out_is("78797a", 6));
	}
}

/* ---- literals, arguments, truncation ------------------------------------- */

static void test_literals_and_args(void)
{
	CHECK_STR(fmt_args("hello", NULL, 0), "hello");
	CHECK_STR(fmt_args("100%%", NULL, 0), "100%");
	CHECK_STR(fmt_args("a%%b%%", NULL, 0), "a%b%");
	CHECK_STR(fmt_args("%%d", NULL, 0), "%d");
	CHECK_STR(fmt_args("", NULL, 0), "");
	/* missing arguments read as 0 and "" */
	CHECK_STR(fmt_args("[%d|%s|%x]", NULL, 0), "[0||0]");
	/* wrong kinds too */
	{
		struct rt_arg a[2] = {RT_ARG_STR_INIT("s", 1), RT_ARG_LONG_INIT(5)};
		CHECK_STR(fmt_args("[%d|%s]", a, 2), "[0|]");
	}
	{
		struct rt_arg a[4] = {RT_ARG_LONG_INIT(-1), RT_ARG_STR_INIT("cat", 3),
				      RT_ARG_LONG_INIT(65), RT_ARG_LONG_INIT(0xbeef)};
		CHECK_STR(fmt_args("%d %s %c %#x\n", a, 4), "-1 cat A 0xbeef\n");
	}
}

static void test_truncation(void)
{
	struct rt_fmt_spec specs[4];
	struct rt_arg a = RT_ARG_STR_INIT("world", 5);
	char small[6];
	int n = rt_format_parse("hello %s", specs, 4);
	size_t len;

	CHECK(n == 2);
	len = rt_format(small, sizeof(small), specs, n, &a, 1);
	CHECK(len == 11);
	CHECK_STR(small, "hello");
	len = rt_format(NULL, 0, specs, n, &a, 1);
	CHECK(len == 11);
	memset(small, 'x', sizeof(small));
	len = rt_format(small, 1, specs, n, &a, 1);
	CHECK(len == 11 && small[0] == '\0' && small[1] == 'x');
}

struct collect {
	char data[256];
	size_t len;
	int calls;
};

static void collect_write(void *ctx, const char *data, size_t len)
{
	struct collect *c = ctx;

	memcpy(c->data + c->len, data, len);
	c->len += len;
	c->calls++;
}

static void test_sink_callback(void)
{
	struct rt_fmt_spec specs[8];
	struct rt_arg a[2] = {RT_ARG_LONG_INIT(12345), RT_ARG_STR_INIT("streaming", 9)};
	struct collect c = {{0}, 0, 0};
	char scratch[4];
	struct rt_sink s;
	int n = rt_format_parse("value=%-8d name=%12s!", specs, 8);

	rt_sink_init_fn(&s, scratch, sizeof(scratch), collect_write, &c);
	rt_format_sink(&s, specs, n, a, 2);
	rt_sink_flush(&s);
	c.data[c.len] = '\0';
	CHECK_STR(c.data, "value=12345    name=   streaming!");
	CHECK(s.total == c.len);
	CHECK(c.calls > 1);
	/* no scratch space: every piece goes straight to the callback */
	memset(&c, 0, sizeof(c));
	rt_sink_init_fn(&s, NULL, 0, collect_write, &c);
	rt_format_sink(&s, specs, n, a, 2);
	c.data[c.len] = '\0';
	CHECK_STR(c.data, "value=12345    name=   streaming!");
}

/* ---- parsing ---------------------------------------------------------------- */

static void check_error(const char *fmt, int want_offset, const char *want_msg)
{
	int off = -1;
	const char *msg = rt_format_check(fmt, &off);

	CHECK(msg != NULL);
	if (msg)
		CHECK_STR(msg, want_msg);
	CHECK(off == want_offset);
	CHECK(rt_format_parse(fmt, NULL, 0) == -(want_offset + 1));
}

static void test_parse_errors(void)
{
	const char *bad = "invalid or missing conversion specifier";
	const char *trailing = "trailing incomplete print format conversion";

	check_error("%", 1, bad);
	check_error("abc%", 4, bad);
	check_error("%%%", 3, bad);
	check_error("%q", 1, bad);
	check_error("%n", 1, bad);
	check_error("%hd", 1, bad);
	check_error("%lld", 2, bad);
	check_error("%+-5d", 2, bad);   /* only one flag */
	check_error("%-#x", 2, bad);
	check_error("x %5%", 4, bad);
	check_error("%-", 2, trailing);
	check_error("%5", 2, trailing);
	check_error("%5.", 3, trailing);
	check_error("%.5", 3, trailing);
	check_error("%*", 2, trailing);
	check_error("%.*", 3, trailing);
	check_error("%l", 2, trailing);
	check_error("ok %d then %5l", 14, trailing);
	CHECK(rt_format_check("%d %s %ls %lb %%", NULL) == NULL);
	CHECK(rt_format_check("", NULL) == NULL);
}

static void test_parse_specs(void)
{
	struct rt_fmt_spec sp[16];
	int kinds[8];
	int n = rt_format_parse("a%5.3d|%-*s%%", sp, 16);

	CHECK(n == 5);
	CHECK(sp[0].conv == RT_FMT_LITERAL && sp[0].len == 1 && sp[0].text[0] == 'a');
	CHECK(sp[1].conv == RT_FMT_SIGNED && sp[1].width == 5 && sp[1].precision == 3);
	CHECK(sp[1].offset == 1 && sp[1].len == 5);
	CHECK(sp[2].conv == RT_FMT_LITERAL && sp[2].len == 1 && sp[2].text[0] == '|');
	CHECK(sp[3].conv == RT_FMT_STRING && sp[3].flags == RT_FMT_F_LEFT);
	CHECK(sp[3].width == RT_FMT_DYNAMIC && sp[3].precision == RT_FMT_UNSET);
	/* "%%" ends a literal piece that keeps the first '%' */
	CHECK(sp[4].conv == RT_FMT_LITERAL && sp[4].len == 1 && sp[4].text[0] == '%');
	CHECK(rt_format_nargs(sp, n) == 3);
	CHECK(rt_format_arg_kinds(sp, n, kinds, 8) == 3);
	CHECK(kinds[0] == RT_ARG_LONG && kinds[1] == RT_ARG_LONG && kinds[2] == RT_ARG_STR);
	n = rt_format_parse("x%%y", sp, 8);
	CHECK(n == 2 && sp[0].len == 2 && sp[1].len == 1 && sp[1].text[0] == 'y');

	n = rt_format_parse("%.*M %m %p %c %b", sp, 16);
	CHECK(n == 9);
	CHECK(rt_format_arg_kinds(sp, n, kinds, 8) == 6);
	for (int i = 0; i < 6; i++)
		CHECK(kinds[i] == RT_ARG_LONG);
	CHECK(sp[4].conv == RT_FMT_POINTER && (sp[4].flags & RT_FMT_F_SPECIAL));
	CHECK(sp[6].conv == RT_FMT_CHAR && sp[6].flags == 0);
	CHECK(sp[0].conv == RT_FMT_MEMORY_HEX && sp[0].precision == RT_FMT_DYNAMIC);
	CHECK(rt_fmt_mem_len(&sp[0], 6) == 6);
	CHECK(rt_fmt_mem_len(&sp[0], -3) == 1);
	CHECK(rt_fmt_mem_len(&sp[2], 0) == 1);
	n = rt_format_parse("%.4m", sp, 8);
	CHECK(n == 1 && rt_fmt_mem_len(&sp[0], 0) == 4);

	/* too small an array: the count still tells how many are needed */
	CHECK(rt_format_parse("a%db%dc%d", sp, 2) == 6);
	CHECK(rt_format_parse("a%db%dc%d", NULL, 0) == 6);
	/* flags */
	n = rt_format_parse("%0d%+d% d%#x%-d", sp, 8);
	CHECK(n == 5);
	CHECK(sp[0].flags == RT_FMT_F_ZEROPAD && sp[1].flags == RT_FMT_F_PLUS);
	CHECK(sp[2].flags == RT_FMT_F_SPACE && sp[3].flags == RT_FMT_F_SPECIAL);
	CHECK(sp[4].flags == RT_FMT_F_LEFT);
}

int main(void)
{
	test_numbers_vs_c();
	test_strings_vs_c();
	test_chars_vs_c();
	test_numbers_stap();
	test_pointer();
	test_strings_stap();
	test_chars_stap();
	test_dynamic_fields();
	test_binary();
	test_memory();
	test_literals_and_args();
	test_truncation();
	test_sink_callback();
	test_parse_errors();
	test_parse_specs();
	return CHECK_DONE();
}
