/* The runtimes btap can translate for, one row each: passes 3 to 5 of a
 * runtime (emit, compile, run), chosen by --runtime. The driver runs the
 * passes through the row and knows no runtime by name; a runtime that is
 * not there yet is a row that says so. */
#ifndef BTAP_BACKEND_H
#define BTAP_BACKEND_H

#include <stdbool.h>
#include <stddef.h>

#include "session.h"

struct emit_result;

struct backend {
	const char *name;        /* as --runtime spells it */
	/* Not implemented yet: what to call it in the message (the passes
	 * are NULL). */
	const char *missing;
	/* Pass 3: the C unit. */
	bool (*emit)(struct session *s, struct emit_result *out);
	/* Pass 4: compile it (or find it in the cache) into an artifact
	 * directory, whose path goes into artifact (n bytes). */
	bool (*compile)(struct session *s, const struct emit_result *em, char *artifact, size_t n);
	/* Optional: start pass 4's compiler before pass 1, for a script that
	 * will likely need it, and stop it if pass 4 does not use it. The
	 * driver calls the second before it returns, whatever happened. */
	void (*compile_early)(struct session *s);
	void (*compile_early_cancel)(void);
	/* Was the last compile a cache hit (for -v)? */
	bool (*compile_was_cached)(void);
	/* Pass 5: run an artifact; the exit status. */
	int (*run)(struct session *s, const char *artifact);
};

extern const struct backend backend_bpf;  /* bpf-backend/backend_bpf.c */
extern const struct backend backend_kmod; /* kmod-backend/backend_kmod.c */

/* The row for --runtime (after backend_choose). */
const struct backend *backend_for(enum runtime_kind rt);

/* --runtime=auto, the default, made definite: BPF where the kernel has
 * BTF and BPF, else the kmod runtime where a kernel build tree exists
 * (-r, default /lib/modules/RELEASE/build), else false after one error
 * naming both reasons (passes 1-2 alone: BPF); --run: the artifact's
 * runtime. -v says which and why. */
bool backend_choose(struct session *s);

/* The row can run: else "X is not implemented yet ..." is reported. */
bool backend_ready(const struct backend *b);

#endif
