/* The kernel-module runtime's operations for the runner (runner_kmod.c). */
#ifndef BTAP_RUNNER_KMOD_H
#define BTAP_RUNNER_KMOD_H

#include "runner/runner_runtime.h"

extern const struct runner_runtime runner_runtime_kmod;

#endif
