/* btap: run SystemTap scripts through BPF. */
#include <malloc.h>
#include "driver.h"
#include "options.h"
#include "remote.h"
#include "session.h"

/* A short-lived tool: keep the heap it grew rather than hand it back to
 * the kernel and grow it again (each shrink flushes the TLB; under some
 * hypervisors that was a third of a listing's time). */
static void keep_heap(void)
{
	mallopt(M_TRIM_THRESHOLD, 256 << 20);
	mallopt(M_TOP_PAD, 4 << 20);
}

int main(int argc, char **argv)
{
	keep_heap();
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
