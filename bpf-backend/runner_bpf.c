/* The BPF runtime's operations for the runner (runner/runner_runtime.h):
 * the privileges BPF needs, the maps (runner_maps.c), the object and its
 * probes (runner_load.c), kernel memory for runner probes (runner_kread.c),
 * and the output ring buffer read through libbpf. */
#include "runner_bpf.h"

#include <bpf/bpf.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <stdlib.h>

#include "loader.h"
#include "translator/diag.h"
#include "translator/util.h"

#define CAP_SYS_ADMIN_BIT 21
#define CAP_PERFMON_BIT 38
#define CAP_BPF_BIT 39

/* Loading BPF and opening perf events needs CAP_BPF and CAP_PERFMON, or
 * CAP_SYS_ADMIN: say which is missing rather than fail on EPERM later. */
static bool bpf_can_run(void)
{
	unsigned long long caps = runner_effective_caps();
	bool bpf = caps & (1ull << CAP_BPF_BIT), perfmon = caps & (1ull << CAP_PERFMON_BIT);
	if (caps & (1ull << CAP_SYS_ADMIN_BIT) || (bpf && perfmon))
		return true;
	diag_plain_error("running probes needs %s%s%s (or CAP_SYS_ADMIN): run btap as root",
			 bpf ? "" : "CAP_BPF", !bpf && !perfmon ? " and " : "",
			 perfmon ? "" : "CAP_PERFMON");
	return false;
}

static bool bpf_create_maps(struct runner *r)
{
	struct bpf_run *b = xcalloc(1, sizeof(*b));
	b->globals_fd = -1;
	r->kernel = b;
	return bpf_run_create_maps(r);
}

static int bpf_output_fd(struct runner *r)
{
	struct bpf_run *b = bpf_run_of(r);
	return b && b->obj ? bpfl_ringbuf_epoll_fd(b->obj) : -1;
}

static void bpf_drain(struct runner *r)
{
	struct bpf_run *b = bpf_run_of(r);
	if (b && b->obj)
		bpfl_ringbuf_drain(b->obj);
}

static void bpf_detach(struct runner *r)
{
	struct bpf_run *b = bpf_run_of(r);
	if (!b || !b->obj)
		return;
	/* the probes return at once from now on: the session is over */
	struct btap_globals_hdr *g = runner_globals(r);
	if (g)
		__atomic_store_n(&g->exit_requested, 1, __ATOMIC_SEQ_CST);
	bpfl_detach_all(b->obj, g != NULL);
}

static int bpf_stack_frames(struct runner *r, bool user, uint32_t id, void *buf, size_t size)
{
	struct bpfl_obj *o = bpf_run_of(r) ? bpf_run_of(r)->obj : NULL;
	int fd = o ? bpfl_map_fd(o, user ? "btap_ustacks" : "btap_kstacks") : -1;
	if (fd < 0)
		return -ENOENT;
	memset(buf, 0, size);
	return bpf_map_lookup_elem(fd, &id, buf) == 0 ? 0 : -errno;
}

static void bpf_bind_ops(struct btap_runner_ops *ops)
{
	bpf_run_bind_map_ops(ops);
	runner_bind_kread_ops(ops);
}

static void bpf_release(struct runner *r)
{
	struct bpf_run *b = bpf_run_of(r);
	runner_kread_close();
	if (!b)
		return;
	bpfl_close(b->obj);
	b->obj = NULL;
	bpf_run_close_maps(r);
	free(b);
	r->kernel = NULL;
}

const struct runner_runtime runner_runtime_bpf = {
	.name = "bpf",
	.can_run = bpf_can_run,
	.create_maps = bpf_create_maps,
	.bind_map_ops = bpf_bind_ops,
	.stat_read = bpf_run_stat_read,
	.print_hist_record = bpf_run_print_hist_record,
	.load = bpf_run_load,
	.attach = bpf_run_attach,
	.output_fd = bpf_output_fd,
	.drain = bpf_drain,
	.detach = bpf_detach,
	.release = bpf_release,
	.stack_frames = bpf_stack_frames,
};
