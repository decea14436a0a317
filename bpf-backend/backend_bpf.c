/* The BPF runtime's row of the backend table (translator/backend.h): pass
 * 3 with the BPF lowering (emit_bpf.c), pass 4 with clang and the host
 * compiler (compile.c), pass 5 with the runner over libbpf (runner_bpf.c). */
#include "translator/backend.h"

#include "bpf-backend/compile.h"
#include "bpf-backend/emit_bpf.h"
#include "runner/runner.h"
#include "bpf-backend/runner_bpf.h"

static bool bpf_emit(struct session *s, struct emit_result *out)
{
	return emit_program(s, &em_runtime_bpf, out);
}

static bool bpf_compile(struct session *s, const struct emit_result *em, char *artifact, size_t n)
{
	return compile_program(s, em->c.s, em->c.len, em->has_kernel, artifact, n);
}

static int bpf_run(struct session *s, const char *artifact)
{
	return runner_run(s, &runner_runtime_bpf, artifact);
}

const struct backend backend_bpf = {
	.name = "bpf",
	.emit = bpf_emit,
	.compile = bpf_compile,
	.compile_early = compile_start_early,
	.compile_early_cancel = compile_cancel_early,
	.compile_was_cached = compile_was_cached,
	.run = bpf_run,
};
