/* Pass 3: the elaborated program (s->prog) as ONE C translation unit, for
 * a runtime (emit_runtime.h; the BPF one is bpf-backend/emit_bpf.c).
 *
 * Probe bodies and functions are emitted once, as C against the runtime
 * interface (runtime/btap_runtime.h: strings, maps, statistics, output
 * records, runtime errors). The unit has two halves, chosen by the
 * runtime's build macros when it is compiled (see runtime/btap_program.h):
 * the kernel half holds the kernel-context probes, the functions they call
 * and what the runtime adds (its kernel types, maps and probe entry
 * points); the runner half holds the runner's probes (begin, end, error,
 * timers), their functions and the `btap_program` descriptor. Functions
 * both call are in both. `#line` directives point compiler and verifier
 * messages at the script.
 *
 * What the emitter cannot translate yet gets a located error (diag_error)
 * and emit_program returns false. */
#ifndef BTAP_EMIT_H
#define BTAP_EMIT_H

#include "translator/session.h"
#include "translator/util.h"

struct em_runtime;

struct emit_result {
	struct strbuf c;           /* the translation unit */
	bool has_kernel;           /* kernel-context probes: compile the kernel half */
	/* the runner reads kernel structures at the offsets of this kernel
	 * (@cast/@var or task_*() in begin, end and timer probes) */
	bool runner_kernel_layout;
	const char *runtime_dir;   /* -I for both halves (holds bpf/, user/) */
	const char *src_name;      /* the script's name, as in #line */
	int nprobes;               /* probes in the descriptor */
};

/* Translate s->prog for runtime rt. out is initialised here (it need not
 * be on entry); free with emit_result_free, also after a failure. */
bool emit_program(struct session *s, const struct em_runtime *rt, struct emit_result *out);
void emit_result_free(struct emit_result *out);

#endif
