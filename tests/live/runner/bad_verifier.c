/* A program the BPF verifier rejects: its probe reads far beyond its
 * context. The runner must name the script line (badv.stp:3)
 * that the #line directive gives the faulting statement. */
#line 1 "badv.stp"
#ifdef BTAP_TARGET_BPF
typedef unsigned int __u32;
typedef unsigned long long __u64;
typedef long long __s64;
typedef int __s32;
typedef unsigned short __u16;
typedef unsigned char __u8;
typedef __u16 __be16;
typedef __u32 __be32;
typedef __u32 __wsum;
typedef __s64 int64_t;
typedef __u32 uint32_t;
typedef __u64 uint64_t;
#define __CLANG_STDINT_H
#include <bpf/bpf_helpers.h>
#include "btap_program.h"

struct bv_globals {
	struct btap_globals_hdr hdr;
	int64_t y;
};

struct {
	__uint(type, 2);
	__uint(map_flags, 1024);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct bv_globals);
} btap_globals SEC(".maps");

SEC("tracepoint/syscalls/sys_enter_getpgid")
int bv_probe(void *ctx)
{
	__u32 zero = 0;
	struct bv_globals *g = bpf_map_lookup_elem(&btap_globals, &zero);
	if (!g)
		return 0;
#line 3 "badv.stp"
	return (int)g->y + *(int *)((char *)ctx + 100000);
}

char LICENSE[] SEC("license") = "GPL";
#else
#include "btap_program.h"

struct bv_globals {
	struct btap_globals_hdr hdr;
	int64_t y;
};

static const struct btap_probe_desc bv_probes[] = {
	{.kind = BTAP_PROBE_TRACEPOINT, .pp = "kernel.trace(\"syscalls:sys_enter_getpgid\")",
	 .origin = "badv.stp:1:7", .bpf_prog = "bv_probe", .tp_group = "syscalls",
	 .tp_name = "sys_enter_getpgid"},
};

const struct btap_program btap_program = {
	.abi = BTAP_ABI_VERSION,
	.maxstringlen = 128,
	.probes = bv_probes,
	.nprobes = 1,
	.globals_size = sizeof(struct bv_globals),
	.has_bpf = 1,
};
#endif
