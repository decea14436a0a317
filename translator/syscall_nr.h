#ifndef BTAP_SYSCALL_NR_H
#define BTAP_SYSCALL_NR_H

/* The number of the system call a syscalls:sys_enter_NAME (or
 * sys_exit_NAME) tracepoint's NAME names on this build's architecture
 * (runtime/btap_syscall_names.h: "newstat" is call "stat", "sendfile64"
 * is "sendfile"), or -1. */
int syscall_number(const char *name);

/* One past the largest number the table may hold. */
#define SYSCALL_NR_MAX 512

#endif
