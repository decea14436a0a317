/* Whether a script likely has kernel-side probes: see kernel_hint.h. */
#include "kernel_hint.h"

#include <ctype.h>
#include <string.h>

static bool ident_char(char c)
{
	return isalnum((unsigned char)c) || c == '_';
}

/* Points of the runner alone, by their first component. */
static bool runner_only(const char *p, size_t n, const char *rest, const char *end)
{
	static const char *const names[] = {"begin", "end", "error", "never", "procfs", "input"};
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (strlen(names[i]) == n && memcmp(names[i], p, n) == 0)
			return true;
	if (n == 5 && memcmp(p, "timer", 5) == 0)
		return !((size_t)(end - rest) >= 8 && memcmp(rest, ".profile", 8) == 0);
	return false;
}

bool script_probes_kernel_likely(const char *text, size_t len)
{
	const char *end = text + len;
	for (const char *p = text; p + 5 <= end; p++) {
		if (memcmp(p, "probe", 5) != 0 || (p > text && ident_char(p[-1])) ||
		    (p + 5 < end && ident_char(p[5])))
			continue;
		/* the points up to the body: "a.b(...), c ... {" */
		const char *q = p + 5;
		int depth = 0;
		bool at_point = true;
		for (; q < end && !(depth == 0 && *q == '{'); q++) {
			if (*q == '(')
				depth++;
			else if (*q == ')')
				depth--;
			else if (depth == 0 && (*q == ',' || *q == '='))
				at_point = true;
			else if (at_point && ident_char(*q)) {
				const char *w = q;
				while (q < end && ident_char(*q))
					q++;
				if (!runner_only(w, (size_t)(q - w), q, end))
					return true;
				at_point = false;
				q--;
			}
		}
		p = q < end ? q : end - 1;
	}
	return false;
}
