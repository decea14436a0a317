/* Output sink for the printf benchmark: discards a tracer's stdout like
 * /dev/null would, but counts what arrived. Lines "Lost N events" (bpftrace
 * reports lost perf-buffer records on stdout) are summed apart, and
 * "Attaching ..." banners and empty lines are not counted. Prints, at end of input:
 *   lines=N lost=M */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

struct sink_counts {
	unsigned long long lines, lost;
};

/* Classify one complete line (without its newline). */
static void count_line(struct sink_counts *c, const char *line, size_t len)
{
	if (len >= 5 && line[0] == 'L' && memcmp(line, "Lost ", 5) == 0) {
		c->lost += strtoull(line + 5, NULL, 10);
		return;
	}
	if (len == 0 || (len >= 10 && line[0] == 'A' && memcmp(line, "Attaching ", 10) == 0))
		return;
	c->lines++;
}

int main(void)
{
	static char buf[1 << 16];
	char pending[256];		/* start of a line split across reads */
	size_t pending_len = 0;
	struct sink_counts c = {0, 0};
	ssize_t n;

	while ((n = read(0, buf, sizeof(buf))) > 0) {
		const char *p = buf, *end = buf + n, *nl;
		while ((nl = memchr(p, '\n', (size_t)(end - p))) != NULL) {
			if (pending_len) {
				size_t take = (size_t)(nl - p);
				if (take > sizeof(pending) - pending_len)
					take = sizeof(pending) - pending_len;
				memcpy(pending + pending_len, p, take);
				count_line(&c, pending, pending_len + take);
				pending_len = 0;
			} else {
				count_line(&c, p, (size_t)(nl - p));
			}
			p = nl + 1;
		}
		size_t rest = (size_t)(end - p);
		if (rest > sizeof(pending) - pending_len)
			rest = sizeof(pending) - pending_len;
		memcpy(pending + pending_len, p, rest);
		pending_len += rest;
	}
	if (pending_len)
		count_line(&c, pending, pending_len);
	printf("lines=%llu lost=%llu\n", c.lines, c.lost);
	return 0;
}
