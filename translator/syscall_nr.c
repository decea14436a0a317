/* System call numbers by the name their tracepoints use. See syscall_nr.h. */
#include "syscall_nr.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "runtime/btap_syscall_names.h"

static int by_name(const void *a, const void *b)
{
	return strcmp(btap_syscall_names[*(const int *)a], btap_syscall_names[*(const int *)b]);
}

/* The table's numbers sorted by name (built at the first call: a
 * syscall.* point asks for hundreds). */
static int lookup(const char *name)
{
	static int sorted[(BTAP_NSYSCALL_NAMES < SYSCALL_NR_MAX ? BTAP_NSYSCALL_NAMES : SYSCALL_NR_MAX) + 1];
	static int n = -1;
	if (n < 0) {
		n = 0;
		for (int nr = 0; nr < (int)BTAP_NSYSCALL_NAMES && nr < SYSCALL_NR_MAX; nr++)
			if (btap_syscall_names[nr][0])
				sorted[n++] = nr;
		qsort(sorted, (size_t)n, sizeof sorted[0], by_name);
	}
	int lo = 0, hi = n;
	while (lo < hi) {
		int mid = (lo + hi) / 2, c = strcmp(btap_syscall_names[sorted[mid]], name);
		if (c == 0) {
			/* the lowest number of that name, as a scan would find */
			while (mid > 0 && strcmp(btap_syscall_names[sorted[mid - 1]], name) == 0)
				mid--;
			return sorted[mid];
		}
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return -1;
}

int syscall_number(const char *name)
{
	/* the kernel's definition named unlike the call's number */
	static const char *const renamed[][2] = {{"sendfile64", "sendfile"}, {"umount", "umount2"}};
	for (size_t i = 0; i < sizeof renamed / sizeof renamed[0]; i++)
		if (strcmp(name, renamed[i][0]) == 0)
			name = renamed[i][1];
	for (int pass = 0; pass < 2; pass++) {
		int nr = lookup(name);
		if (nr >= 0)
			return nr;
		if (strncmp(name, "new", 3) != 0)
			break;
		name += 3;
	}
	return -1;
}
