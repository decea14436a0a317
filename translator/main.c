/* btap: run SystemTap scripts through BPF. */
#include "driver.h"
#include "heap.h"
#include "options.h"
#include "remote.h"
#include "session.h"

int main(int argc, char **argv)
{
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
