/* The kernel-module runtime's row of the backend table
 * (translator/backend.h): pass 3 with the kmod lowering (emit_kmod.c),
 * pass 4 with kbuild (kbuild.c). Pass 5 (loading the module with libkmod
 * and reading its output) is not there yet: it says so. */
#include "translator/backend.h"

#include "kmod-backend/emit_kmod.h"
#include "kmod-backend/kbuild.h"
#include "translator/diag.h"

static bool kmod_emit(struct session *s, struct emit_result *out)
{
	return emit_program(s, &em_runtime_kmod, out);
}

static bool kmod_compile(struct session *s, const struct emit_result *em, char *artifact, size_t n)
{
	return kbuild_compile(s, em->c.s, em->c.len, em->has_kernel, artifact, n);
}

static int kmod_run(struct session *s, const char *artifact)
{
	diag_plain_error("running a module (pass 5 of --runtime=kmod) is not implemented yet in this version of "
			 "btap; -p4 builds it in %s",
			 artifact);
	return 1;
}

const struct backend backend_kmod = {
	.name = "kmod",
	.emit = kmod_emit,
	.compile = kmod_compile,
	.compile_was_cached = kbuild_compile_was_cached,
	.run = kmod_run,
};
