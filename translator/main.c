/* btap: run SystemTap scripts through BPF. */
#include "driver.h"
#include "kmod-backend/kbuild_cc.h"
#include "bpf-backend/deferred_close.h"
#include "heap.h"
#include "options.h"
#include "remote.h"
#include "session.h"

#include <string.h>

int main(int argc, char **argv)
{
	/* kbuild's compiler, for the kmod runtime's builds (kbuild_cc.h) */
	if (argc >= 3 && strcmp(argv[1], "--kbuild-cc") == 0)
		return kbuild_cc_main(argc - 2, argv + 2);
	/* a helper making the slow last closes of tracing links (deferred_close.h) */
	if (argc >= 3 && strcmp(argv[1], "--deferred-close") == 0)
		return deferred_close_main(argc - 2, argv + 2);
	deferred_close_enable();
	heap_prepare();
	struct session s;
	session_init(&s);
	int rc;
	switch (options_parse(&s, argc, argv)) {
	case OPT_EXIT_OK: rc = 0; break;
	case OPT_EXIT_ERROR: rc = 1; break;
	default: rc = s.remote_hosts ? remote_run(&s) : driver_run(&s); break;
	}
	session_free(&s);
	return rc;
}
