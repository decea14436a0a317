/* The kernel-module runtime's side of pass 3 (emit/emit_runtime.h). */
#ifndef BTAP_EMIT_KMOD_H
#define BTAP_EMIT_KMOD_H

#include "emit/emit_internal.h"

extern const struct em_runtime em_runtime_kmod;

#endif
