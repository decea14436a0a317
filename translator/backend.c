/* The table of runtimes (backend.h): BPF and the kernel module runtime. */
#include "backend.h"

#include "diag.h"

const struct backend *backend_for(enum runtime_kind rt)
{
	return rt == RT_KMOD ? &backend_kmod : &backend_bpf;
}

bool backend_ready(const struct backend *b)
{
	if (!b->missing)
		return true;
	diag_plain_error("%s is not implemented yet in this version of btap", b->missing);
	return false;
}
