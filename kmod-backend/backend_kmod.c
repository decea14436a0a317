/* The kernel-module runtime's row of the backend table
 * (translator/backend.h): pass 3 with the kmod lowering (emit_kmod.c),
 * pass 4 with kbuild (kbuild.c), pass 5 with the runner over libkmod
 * (runner_kmod.c). */
#include "translator/backend.h"

#include "kmod-backend/emit_kmod.h"
#include "kmod-backend/kbuild.h"
#include "kmod-backend/runner_kmod.h"
#include "runner/runner.h"

static bool kmod_emit(struct session *s, struct emit_result *out)
{
	return emit_program(s, &em_runtime_kmod, out);
}

static bool kmod_compile(struct session *s, const struct emit_result *em, char *artifact, size_t n)
{
	/* Running here needs module support: say so before building. */
	if (s->last_pass >= 5 && !runner_runtime_kmod.can_run())
		return false;
	return kbuild_compile(s, em->c.s, em->c.len, artifact, n);
}

static int kmod_run(struct session *s, const char *artifact)
{
	return runner_run(s, &runner_runtime_kmod, artifact);
}

const struct backend backend_kmod = {
	.name = "kmod",
	.emit = kmod_emit,
	.compile = kmod_compile,
	.compile_was_cached = kbuild_compile_was_cached,
	.run = kmod_run,
};
