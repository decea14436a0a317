/* Passes 1-3 of a script for a runtime, in memory, for the unit tests of
 * pass 3 (test_emit.c for BPF, test_kmod.c for the kernel module). */
#ifndef BTAP_TEST_P3_H
#define BTAP_TEST_P3_H

#include <stdlib.h>
#include <string.h>

#include "emit/emit.h"
#include "translator/backend.h"
#include "translator/diag.h"
#include "translator/elaborate.h"
#include "translator/parser.h"
#include "translator/session.h"
#include "translator/tapset_load.h"
#include "translator/util.h"

struct te_p3 {
	bool ok;
	char *c;        /* the unit (heap) */
	char *diags;
	bool has_bpf;
};

static void te_p3_free(struct te_p3 *r)
{
	free(r->c);
	free(r->diags);
}

static struct te_p3 te_translate_for(enum runtime_kind rt, const char *script, const char *const *defines,
				     int ndefines)
{
	struct te_p3 r = {0};
	struct session s;
	session_init(&s);
	s.tapset_dir = BTAP_TAPSET_DIR;
	s.runtime = rt;
	for (int i = 0; i < ndefines; i++)
		vec_push(&s.arena, &s.defines, (void *)defines[i]);
	session_setup_pp(&s);
	diag_capture_begin();
	bool ok = tapset_load_all(&s);
	struct src_file *f = src_register("t.stp", script, strlen(script), false);
	s.user_file = parse_file(&s.arena, f, &s.pp, false);
	ok = ok && diag_error_count() == 0 && elaborate(&s);
	struct emit_result er = {0};
	if (ok)
		ok = backend_for(rt)->emit(&s, &er);
	r.ok = ok && diag_error_count() == 0;
	r.has_bpf = er.has_kernel;
	r.c = er.c.s ? xstrdup(er.c.s) : xstrdup("");
	emit_result_free(&er);
	r.diags = diag_capture_take();
	diag_capture_end();
	diag_reset();
	session_free(&s);
	src_reset();
	return r;
}

#endif
