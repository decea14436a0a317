/* A guess, from the script's text alone, whether it has probes that run
 * in the kernel: before pass 1 it decides whether pass 4's compiler is
 * worth starting early. A wrong guess costs a clang started for nothing,
 * or no head start; never a wrong result. */
#ifndef BTAP_KERNEL_HINT_H
#define BTAP_KERNEL_HINT_H

#include <stdbool.h>
#include <stddef.h>

/* True when some `probe` point's first component names something other
 * than what runs in the runner alone (begin, end, error, never, timer
 * other than timer.profile, procfs, input). */
bool script_probes_kernel_likely(const char *text, size_t len);

#endif
