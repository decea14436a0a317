/* Explanations for kernel-function and LSM programs the kernel refuses
 * (kernel_lacks.c). */
#ifndef BTAP_KERNEL_LACKS_H
#define BTAP_KERNEL_LACKS_H

#include <stdbool.h>
#include <stddef.h>

/* Does the running kernel have kprobes for BPF (the kprobe PMU)? */
bool kernel_has_kprobes(void);
/* "; the tracepoint ... covers the same event" or "; syscall.X covers ...",
 * or "" when no probe is known to cover kernel function fn. */
void kernel_function_alternative(const char *fn, char *out, size_t n);
/* The kernel's LSM list as a clause: whether it has bpf. */
void kernel_lsm_list(char *out, size_t n);

#endif
