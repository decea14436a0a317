/* libFuzzer target for passes 1-2. Any input must parse or fail with
 * diagnostics — never crash, leak or hang — and whatever parses cleanly must
 * print (-p1) to text that re-parses to the same print. */
#include "translator/elaborate.h"
#include "translator/parser.h"
#include "translator/printer.h"
#include "translator/session.h"
#include "translator/tapset_load.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static char *print_of(struct session *s, const char *name, const char *text, size_t len)
{
	struct src_file *f = src_register(name, text, len, false);
	struct stapfile *sf = parse_file(&s->arena, f, &s->pp, false);
	if (diag_error_count())
		return NULL;
	struct strbuf b;
	sb_init(&b);
	print_file(&b, sf);
	return sb_steal(&b);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const args[] = {"42", "foo"};
	struct session s;
	session_init(&s);
	const char *tapset = getenv("BTAP_FUZZ_TAPSET");
	if (tapset)
		s.tapset_dir = tapset;
	s.suppress_warnings = true;
	s.guru = size && (data[0] & 1);
	s.args = args;
	s.nargs = 2;
	session_setup_pp(&s);
	diag_capture_begin();
	diag_set_max_errors(50);

	char *text = arena_strndup(&s.arena, (const char *)data, size);
	tapset_load_all(&s);
	int tapset_errors = diag_error_count();
	char *p1 = print_of(&s, "fuzz.stp", text, size);
	if (p1 && tapset_errors == 0) {
		/* round trip: print(parse(print(x))) == print(x) */
		char *again = print_of(&s, "fuzz-p1.stp", p1, strlen(p1));
		if (!again || strcmp(p1, again) != 0) {
			fprintf(stderr, "round trip mismatch\n--- first\n%s\n--- second\n%s\n--- diags\n%s\n",
				p1, again ? again : "(parse failed)", diag_capture_take());
			abort();
		}
		free(again);
		/* pass 2 on the first parse */
		struct src_file *f = src_register("fuzz2.stp", text, size, false);
		s.user_file = parse_file(&s.arena, f, &s.pp, false);
		if (!diag_error_count())
			elaborate(&s);
	}
	free(p1);
	free(diag_capture_take());
	diag_capture_end();
	session_free(&s);
	return 0;
}
