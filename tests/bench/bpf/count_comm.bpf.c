/* Hand-written reference for the per-event benchmark: what
 *   global c; probe kernel.trace("syscalls:sys_enter_getpid") { c[execname()] <<< 1 }
 * costs when written directly against libbpf: the task's comm as key, a
 * per-CPU hash holding a count, no atomics. Built a second time with
 * -DKEY_LEN=128 (a key as wide as btap's MAXSTRINGLEN strings) to show what
 * the key width alone costs. */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

#define COMM_LEN 16
#ifndef KEY_LEN
#define KEY_LEN COMM_LEN
#endif

struct comm_key {
	char comm[KEY_LEN];
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_HASH);
	__uint(max_entries, 10240);
	__type(key, struct comm_key);
	__type(value, __u64);
} counts SEC(".maps");

/* Built with -DUPROBE_PATH="\"/path/getpid_loop\"": the same count on a
 * uprobe at the workload's bench_uprobe_target() instead (libbpf attaches
 * it from the section name). */
#ifdef UPROBE_PATH
SEC("uprobe/" UPROBE_PATH ":bench_uprobe_target")
#else
SEC("tracepoint/syscalls/sys_enter_getpid")
#endif
int count_getpid(void *ctx)
{
	(void)ctx;
	struct comm_key key = {};
	bpf_get_current_comm(key.comm, COMM_LEN);

	__u64 *count = bpf_map_lookup_elem(&counts, &key);
	if (count) {
		(*count)++;		/* per-CPU slot: no other writer */
		return 0;
	}
	__u64 one = 1;
	bpf_map_update_elem(&counts, &key, &one, BPF_NOEXIST);
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
