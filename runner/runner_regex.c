/* Capture groups for matched() and ngroups() in runner probes: the DFA
 * behind =~ answers only "does it match", so the runner re-runs the last
 * matched pattern on its subject with libc's POSIX regexec. */
#include <regex.h>
#include <stdio.h>

#include "runner_internal.h"

#define RUNNER_REGEX_MAX_GROUPS 64

static int64_t op_regex_group(const char *pattern, const char *subject, int64_t n, char *buf,
			      uint64_t bufsz)
{
	regex_t rx;
	if (bufsz)
		buf[0] = 0;
	if (regcomp(&rx, pattern, REG_EXTENDED) != 0)
		return -1;
	regmatch_t m[RUNNER_REGEX_MAX_GROUPS];
	size_t count = rx.re_nsub + 1 < RUNNER_REGEX_MAX_GROUPS ? rx.re_nsub + 1 : RUNNER_REGEX_MAX_GROUPS;
	int64_t rc = -1;
	if (regexec(&rx, subject, count, m, 0) == 0) {
		rc = (int64_t)rx.re_nsub + 1;
		if (n >= 0 && (size_t)n < count && m[n].rm_so >= 0 && bufsz)
			snprintf(buf, bufsz, "%.*s", (int)(m[n].rm_eo - m[n].rm_so), subject + m[n].rm_so);
	}
	regfree(&rx);
	return rc;
}

void runner_bind_regex_ops(struct btap_runner_ops *ops)
{
	ops->regex_group = op_regex_group;
}
