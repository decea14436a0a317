/* The BPF runtime's side of pass 3 (emit/emit_runtime.h): em_runtime_bpf
 * and the pieces of it in other files. */
#ifndef BTAP_EMIT_BPF_H
#define BTAP_EMIT_BPF_H

#include "emit/emit_internal.h"

extern const struct em_runtime em_runtime_bpf;

#endif
