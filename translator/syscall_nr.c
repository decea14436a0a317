/* System call numbers by the name their tracepoints use. See syscall_nr.h. */
#include "syscall_nr.h"

#include <stdint.h>
#include <string.h>

#include "runtime/btap_syscall_names.h"

int syscall_number(const char *name)
{
	/* the kernel's definition named unlike the call's number */
	static const char *const renamed[][2] = {{"sendfile64", "sendfile"}, {"umount", "umount2"}};
	for (size_t i = 0; i < sizeof renamed / sizeof renamed[0]; i++)
		if (strcmp(name, renamed[i][0]) == 0)
			name = renamed[i][1];
	for (int pass = 0; pass < 2; pass++) {
		for (int nr = 0; nr < (int)BTAP_NSYSCALL_NAMES && nr < SYSCALL_NR_MAX; nr++)
			if (strcmp(btap_syscall_names[nr], name) == 0)
				return nr;
		if (strncmp(name, "new", 3) != 0)
			break;
		name += 3;
	}
	return -1;
}
