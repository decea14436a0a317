/* Kernel memory for the probes the runner runs (begin, end, timers) on the
 * BPF runtime: a small raw-tracepoint program, never attached, run with
 * BPF_PROG_TEST_RUN in btap's own context, copies up to KREAD_CHUNK bytes
 * with bpf_probe_read_kernel into a memory-mapped one-element array. Unlike
 * /proc/kcore it needs nothing but what the probes already need, so it works
 * on kernels built without kcore. Loaded at the first read; where it cannot
 * be (a kernel without BPF_PROG_TEST_RUN for raw tracepoints, before 5.10),
 * reads go to /proc/kcore (runner_kcore.c), after a warning that says why.
 * A bad address is -EFAULT, as a kernel probe's read fault. */
#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>
#include <errno.h>
#include <linux/bpf.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "runner_bpf.h"

#define KREAD_CHUNK 16384

static struct {
	bool tried;
	int prog_fd, map_fd;
	void *value; /* the array's element, mapped */
} kr = {.prog_fd = -1, .map_fd = -1};

#define INSN(c, d, s, o, i) ((struct bpf_insn){.code = (c), .dst_reg = (d), .src_reg = (s), .off = (o), .imm = (i)})

/* ctx (the test run's argument array): [0] address, [1] length.
 * Returns bpf_probe_read_kernel's result, -EINVAL for a length over the
 * chunk; a length of 0 stores the current task (btap's) in the element. */
static int kread_load(char *why, size_t whylen)
{
	LIBBPF_OPTS(bpf_map_create_opts, mopts, .map_flags = BPF_F_MMAPABLE);
	kr.map_fd = bpf_map_create(BPF_MAP_TYPE_ARRAY, "btap_kread", 4, KREAD_CHUNK, 1, &mopts);
	if (kr.map_fd < 0) {
		snprintf(why, whylen, "its array: %s", strerror(errno));
		return -1;
	}
	kr.value = mmap(NULL, KREAD_CHUNK, PROT_READ, MAP_SHARED, kr.map_fd, 0);
	if (kr.value == MAP_FAILED) {
		kr.value = NULL;
		snprintf(why, whylen, "mapping its array: %s", strerror(errno));
		return -1;
	}
	const struct bpf_insn insns[] = {
		INSN(BPF_ALU64 | BPF_MOV | BPF_X, BPF_REG_6, BPF_REG_1, 0, 0),
		INSN(BPF_LD | BPF_DW | BPF_IMM, BPF_REG_1, BPF_PSEUDO_MAP_FD, 0, kr.map_fd),
		INSN(0, 0, 0, 0, 0),
		INSN(BPF_ALU64 | BPF_MOV | BPF_X, BPF_REG_2, BPF_REG_10, 0, 0),
		INSN(BPF_ALU64 | BPF_ADD | BPF_K, BPF_REG_2, 0, 0, -8),
		INSN(BPF_ST | BPF_MEM | BPF_DW, BPF_REG_10, 0, -8, 0),
		INSN(BPF_JMP | BPF_CALL, 0, 0, 0, BPF_FUNC_map_lookup_elem),
		INSN(BPF_JMP | BPF_JEQ | BPF_K, BPF_REG_0, 0, 12, 0), /* no element: -EINVAL */
		INSN(BPF_ALU64 | BPF_MOV | BPF_X, BPF_REG_1, BPF_REG_0, 0, 0),
		INSN(BPF_LDX | BPF_MEM | BPF_DW, BPF_REG_2, BPF_REG_6, 8, 0),
		INSN(BPF_JMP | BPF_JNE | BPF_K, BPF_REG_2, 0, 5, 0), /* a read */
		INSN(BPF_ALU64 | BPF_MOV | BPF_X, BPF_REG_7, BPF_REG_0, 0, 0),
		INSN(BPF_JMP | BPF_CALL, 0, 0, 0, BPF_FUNC_get_current_task),
		INSN(BPF_STX | BPF_MEM | BPF_DW, BPF_REG_7, BPF_REG_0, 0, 0),
		INSN(BPF_ALU64 | BPF_MOV | BPF_K, BPF_REG_0, 0, 0, 0),
		INSN(BPF_JMP | BPF_EXIT, 0, 0, 0, 0),
		INSN(BPF_JMP | BPF_JGT | BPF_K, BPF_REG_2, 0, 3, KREAD_CHUNK),
		INSN(BPF_LDX | BPF_MEM | BPF_DW, BPF_REG_3, BPF_REG_6, 0, 0),
		INSN(BPF_JMP | BPF_CALL, 0, 0, 0, BPF_FUNC_probe_read_kernel),
		INSN(BPF_JMP | BPF_EXIT, 0, 0, 0, 0),
		INSN(BPF_ALU64 | BPF_MOV | BPF_K, BPF_REG_0, 0, 0, -EINVAL),
		INSN(BPF_JMP | BPF_EXIT, 0, 0, 0, 0),
	};
	kr.prog_fd = bpf_prog_load(BPF_PROG_TYPE_RAW_TRACEPOINT, "btap_kread", "GPL", insns,
				   sizeof(insns) / sizeof(insns[0]), NULL);
	if (kr.prog_fd < 0) {
		snprintf(why, whylen, "loading its program: %s", strerror(errno));
		return -1;
	}
	return 0;
}

static int kread_chunk(void *dst, uint64_t addr, uint64_t len)
{
	uint64_t args[2] = {addr, len};
	LIBBPF_OPTS(bpf_test_run_opts, t, .ctx_in = args, .ctx_size_in = sizeof(args));
	if (bpf_prog_test_run_opts(kr.prog_fd, &t) != 0)
		return -errno;
	if ((int)t.retval != 0)
		return (int)t.retval;
	memcpy(dst, kr.value, len);
	return 0;
}

static void kread_drop(void)
{
	if (kr.value)
		munmap(kr.value, KREAD_CHUNK);
	if (kr.prog_fd >= 0)
		close(kr.prog_fd);
	if (kr.map_fd >= 0)
		close(kr.map_fd);
	kr.value = NULL;
	kr.prog_fd = kr.map_fd = -1;
}

/* Loaded at the first use; false (after a warning, once) where it cannot be. */
static bool kread_ready(void)
{
	if (!kr.tried) {
		char why[256];
		kr.tried = true;
		if (kread_load(why, sizeof(why)) != 0) {
			fprintf(stderr, "WARNING: kernel memory through BPF for begin, end and timer probes: %s; "
					"trying /proc/kcore\n", why);
			kread_drop();
		}
	}
	return kr.prog_fd >= 0;
}

static int kread(void *dst, uint64_t addr, uint64_t len)
{
	if (!kread_ready())
		return runner_kcore_read(dst, addr, len);
	for (uint64_t done = 0; done < len;) {
		uint64_t n = len - done < KREAD_CHUNK ? len - done : KREAD_CHUNK;
		int rc = kread_chunk((char *)dst + done, addr + done, n);
		if (rc != 0)
			return rc;
		done += n;
	}
	return 0;
}

/* btap's task: the program's current task in a test run, which runs in
 * the caller's context. */
static uint64_t kcurrent(void)
{
	uint64_t task = 0;
	if (kread_ready() && kread_chunk(&task, 0, 0) == 0)
		memcpy(&task, kr.value, sizeof task);
	return task;
}

/* pid2task() in the runner: a syscall program, never attached, run with
 * BPF_PROG_TEST_RUN, takes the task of a pid with the kernel's
 * bpf_task_from_pid (Linux 6.2 and later), writes its address back into
 * its context and drops the reference, as pid2task() in a kernel probe
 * does. Loaded at the first call. */
static struct {
	bool tried;
	int prog_fd;
} pt = {.prog_fd = -1};

/* ctx: [0] the pid (its low 32 bits), [1] the task, written. */
static int pid_task_load(void)
{
	libbpf_print_fn_t old = libbpf_set_print(NULL);
	struct btf *btf = btf__load_vmlinux_btf();
	libbpf_set_print(old);
	if (!btf)
		return -1;
	int from = btf__find_by_name_kind(btf, "bpf_task_from_pid", BTF_KIND_FUNC);
	int release = btf__find_by_name_kind(btf, "bpf_task_release", BTF_KIND_FUNC);
	btf__free(btf);
	if (from <= 0 || release <= 0)
		return -1; /* before 6.2 */
	const struct bpf_insn insns[] = {
		INSN(BPF_ALU64 | BPF_MOV | BPF_X, BPF_REG_6, BPF_REG_1, 0, 0),
		INSN(BPF_LDX | BPF_MEM | BPF_W, BPF_REG_1, BPF_REG_6, 0, 0),
		INSN(BPF_JMP | BPF_CALL, 0, BPF_PSEUDO_KFUNC_CALL, 0, from),
		INSN(BPF_JMP | BPF_JEQ | BPF_K, BPF_REG_0, 0, 3, 0), /* no such task */
		INSN(BPF_STX | BPF_MEM | BPF_DW, BPF_REG_6, BPF_REG_0, 8, 0),
		INSN(BPF_ALU64 | BPF_MOV | BPF_X, BPF_REG_1, BPF_REG_0, 0, 0),
		INSN(BPF_JMP | BPF_CALL, 0, BPF_PSEUDO_KFUNC_CALL, 0, release),
		INSN(BPF_ALU64 | BPF_MOV | BPF_K, BPF_REG_0, 0, 0, 0),
		INSN(BPF_JMP | BPF_EXIT, 0, 0, 0, 0),
	};
	LIBBPF_OPTS(bpf_prog_load_opts, opts, .prog_flags = BPF_F_SLEEPABLE);
	pt.prog_fd = bpf_prog_load(BPF_PROG_TYPE_SYSCALL, "btap_pid_task", "GPL", insns,
				   sizeof(insns) / sizeof(insns[0]), &opts);
	if (pt.prog_fd < 0)
		fprintf(stderr, "WARNING: pid2task() through BPF for begin, end and timer probes: loading its "
				"program: %s\n", strerror(errno));
	return pt.prog_fd < 0 ? -1 : 0;
}

static int kpid_task(int64_t pid, uint64_t *task)
{
	if (!pt.tried) {
		pt.tried = true;
		pid_task_load();
	}
	if (pt.prog_fd < 0)
		return -1;
	uint64_t ctx[2] = {(uint64_t)pid, 0};
	LIBBPF_OPTS(bpf_test_run_opts, t, .ctx_in = ctx, .ctx_size_in = sizeof(ctx));
	if (bpf_prog_test_run_opts(pt.prog_fd, &t) != 0)
		return -1;
	*task = ctx[1];
	return 0;
}

void runner_bind_kread_ops(struct btap_runner_ops *ops)
{
	ops->kernel_read = kread;
	ops->current_task = kcurrent;
	ops->pid_task = kpid_task;
}

void runner_kread_close(void)
{
	kread_drop();
	kr.tried = false;
	if (pt.prog_fd >= 0)
		close(pt.prog_fd);
	pt.prog_fd = -1;
	pt.tried = false;
}
