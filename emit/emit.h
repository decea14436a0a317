/* Pass 3 of the BPF backend: the elaborated program (s->prog) as ONE C
 * translation unit.
 *
 * Probe bodies and functions are emitted once, as C against the runtime
 * interface (runtime/bpf/btap_bpf.h, runtime/user/btap_user.h: strings,
 * maps, statistics, output records, runtime errors). The unit is compiled
 * twice (see runtime/btap_program.h):
 *
 *     clang -target bpf -O2 -g -DBTAP_TARGET_BPF -I<runtime_dir>   (if has_bpf)
 *     cc -shared -fPIC -O1 -DBTAP_TARGET_USER -I<runtime_dir>
 *
 * The BPF build holds the kernel-context probes (SEC("tracepoint/g/e"),
 * SEC("perf_event")) and the functions they call, with the minimal kernel
 * header from BTF inlined; the user build holds the runner's probes, their
 * functions and the `btap_program` descriptor. `#line` directives point
 * clang's and the verifier's messages at the script.
 *
 * What the emitter cannot translate yet gets a located error (diag_error)
 * and emit_program returns false. */
#ifndef BTAP_EMIT_H
#define BTAP_EMIT_H

#include "translator/session.h"
#include "translator/util.h"

struct emit_result {
	struct strbuf c;           /* the translation unit */
	bool has_bpf;              /* kernel probes: compile the BPF build */
	const char *runtime_dir;   /* -I for both builds (holds bpf/, user/) */
	const char *src_name;      /* the script's name, as in #line */
	int nprobes;               /* probes in the descriptor */
};

/* Translate s->prog. out is initialised here (it need not be on entry);
 * free with emit_result_free, also after a failure. */
bool emit_program(struct session *s, struct emit_result *out);
void emit_result_free(struct emit_result *out);

#endif
