/* JSON strings and numbers into an rt_sink (see json.h). */
#include "json.h"

static const char hex[] = "0123456789abcdef";

size_t rt_utf8_len(const unsigned char *p, size_t n)
{
	unsigned c = p[0];
	size_t len;
	unsigned min;
	if (c < 0x80)
		return 1;
	if (c >= 0xc2 && c <= 0xdf)
		len = 2, min = 0x80;
	else if (c >= 0xe0 && c <= 0xef)
		len = 3, min = 0x800;
	else if (c >= 0xf0 && c <= 0xf4)
		len = 4, min = 0x10000;
	else
		return 0;
	if (len > n)
		return 0;
	unsigned cp = c & (0x7fu >> len);
	for (size_t i = 1; i < len; i++) {
		if ((p[i] & 0xc0) != 0x80)
			return 0;
		cp = cp << 6 | (p[i] & 0x3fu);
	}
	/* no overlong forms, surrogates or code points past U+10FFFF */
	if (cp < min || (cp >= 0xd800 && cp <= 0xdfff) || cp > 0x10ffff)
		return 0;
	return len;
}

static void put_u00(struct rt_sink *s, unsigned char c)
{
	char e[6] = {'\\', 'u', '0', '0', hex[c >> 4], hex[c & 15]};
	rt_sink_put(s, e, sizeof(e));
}

void rt_json_string(struct rt_sink *s, const char *str, size_t n)
{
	const unsigned char *p = (const unsigned char *)str;
	size_t run = 0; /* bytes copied as they are, pending */
	rt_sink_put(s, "\"", 1);
	for (size_t i = 0; i < n;) {
		unsigned char c = p[i];
		size_t len = c >= 0x20 && c != '"' && c != '\\' ? rt_utf8_len(p + i, n - i) : 0;
		if (len) {
			run += len;
			i += len;
			continue;
		}
		rt_sink_put(s, (const char *)p + i - run, run);
		run = 0;
		const char *esc = c == '"' ? "\\\"" : c == '\\' ? "\\\\" : c == '\n' ? "\\n"
				: c == '\t' ? "\\t" : c == '\r' ? "\\r" : NULL;
		if (esc)
			rt_sink_put(s, esc, 2);
		else
			put_u00(s, c);
		i++;
	}
	rt_sink_put(s, (const char *)p + n - run, run);
	rt_sink_put(s, "\"", 1);
}

void rt_json_cstring(struct rt_sink *s, const char *p)
{
	if (!p) {
		rt_sink_put(s, "null", 4);
		return;
	}
	size_t n = 0;
	while (p[n])
		n++;
	rt_json_string(s, p, n);
}

void rt_json_long(struct rt_sink *s, int64_t v)
{
	rt_sink_number(s, RT_FMT_SIGNED, 0, RT_FMT_UNSET, RT_FMT_UNSET, v);
}

void rt_json_member(struct rt_sink *s, const char *name)
{
	rt_json_cstring(s, name);
	rt_sink_put(s, ":", 1);
}
