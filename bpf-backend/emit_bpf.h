/* The BPF runtime's side of pass 3 (emit/emit_runtime.h): em_runtime_bpf
 * and the pieces of it in other files. */
#ifndef BTAP_EMIT_BPF_H
#define BTAP_EMIT_BPF_H

#include "emit/emit_internal.h"

extern const struct em_runtime em_runtime_bpf;

/* bpf_snprintf takes at most this many values a call. */
#define BPF_SNPRINTF_MAX_ARGS 12

/* emit_bpf_print.c: sprintf in bpf_snprintf's dialect */
void *bpf_format_prepare(struct em_fn *f, struct loc at, const char *fmt, int nargs, const char **kfmt);
void bpf_format_arg(struct em_fn *f, void *plan, int i, const struct em_print_arg *args);

#endif
