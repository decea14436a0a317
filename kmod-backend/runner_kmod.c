/* The kernel-module runtime's operations for the runner
 * (runner/runner_runtime.h): the module is inserted and removed with
 * libkmod; a supervising process forked before the insert removes it if
 * btap dies without doing so (SIGKILL). The module's file
 * (/proc/<module>) maps the globals, hands out the output records (laid
 * out as BPF's, printed by the same runner_on_record) and arms the probes.
 * Arrays live in the module; runner-side probes reach them through the
 * file's ioctl (runtime/kmod/btap_kmod_abi.h). */
#include "runner_kmod.h"

#include <errno.h>
#include <fcntl.h>
#include "kmod_lib.h"
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/timerfd.h>
#include <sys/wait.h>
#include <unistd.h>

#include "kmod-backend/kbuild.h"
#include "kmod-backend/module_rename.h"
#include "runner/kallsyms.h"
#include "runner/runner_internal.h"
#include "runner/runner_sort.h"
#include "runner/runner_stats.h"
#include "runner/runner_tasks.h"
#define BTAP_STACKS_CONSTANTS_ONLY
#include "runtime/btap_stacks.h"
#include "runtime/kmod/btap_kmod_abi.h"
#include "translator/diag.h"
#include "translator/session.h"
#include "translator/util.h"

/* How often the runner reads the module's output (the module never wakes
 * it: waking from a tracepoint can deadlock on scheduler locks). */
#define KMOD_POLL_NS (10 * 1000 * 1000)

struct kmod_run {
	const struct kmod_lib *lib; /* set with ctx */
	struct kmod_ctx *ctx;
	struct kmod_module *mod;
	char name[64];
	bool inserted;
	int file;             /* /proc/<name> */
	int timer;            /* timerfd: time to read the output */
	size_t globals_len;
	struct rt_stat_desc *stats; /* per map: how its statistic is laid out */
	pid_t guard;          /* the supervising process */
	int guard_pipe;       /* its end closes when we exit, however we exit */
	char *buf;
};

static struct kmod_run *kr(struct runner *r)
{
	return r->kernel;
}

#define CAP_SYS_MODULE_BIT 16

static bool kmod_can_run(void)
{
	if (access("/proc/modules", F_OK) != 0) {
		diag_plain_error("the kmod runtime loads a kernel module, and this kernel has no module support "
				 "(no /proc/modules): use --runtime=bpf");
		return false;
	}
	if (!(runner_effective_caps() & (1ull << CAP_SYS_MODULE_BIT))) {
		diag_plain_error("loading a kernel module needs CAP_SYS_MODULE: run btap as root");
		return false;
	}
	return true;
}

/* Until the module is in, the globals are an anonymous mapping (the
 * runner initialises them); load moves them into the module's. */
static bool kmod_create_maps(struct runner *r)
{
	struct kmod_run *k = xcalloc(1, sizeof(*k));
	k->file = k->timer = k->guard_pipe = -1;
	r->kernel = k;
	k->stats = xcalloc(r->prog->nmaps + 1, sizeof(*k->stats));
	for (uint32_t i = 0; i < r->prog->nmaps; i++) {
		const struct btap_map_desc *d = &r->prog->maps[i];
		if (d->value_type == BTAP_T_STATS &&
		    (!runner_stat_desc(d, &k->stats[i]) || d->value_size < rt_stat_size(&k->stats[i]))) {
			runner_fail(r, "bad statistic layout for '%s'", d->name);
			return false;
		}
	}
	size_t size = r->prog->globals_size;
	if (size < sizeof(struct btap_globals_hdr))
		size = sizeof(struct btap_globals_hdr);
	long page = sysconf(_SC_PAGESIZE);
	k->globals_len = (size + (size_t)page - 1) / (size_t)page * (size_t)page;
	void *g = mmap(NULL, k->globals_len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (g == MAP_FAILED) {
		runner_fail(r, "cannot allocate the globals: %m");
		return false;
	}
	r->globals = g;
	return true;
}

/* ---- arrays: in the module, through its file's ioctl ---------------------- */

static long kreq(int map, uint32_t op, const void *key, void *value, uint64_t *pos)
{
	struct kmod_run *k = runner_current ? kr(runner_current) : NULL;
	if (!k || k->file < 0 || map < 0 || (uint32_t)map >= runner_current->prog->nmaps)
		return -EINVAL;
	struct btap_kmod_req q = {.map = (uint32_t)map, .op = op, .key = (uint64_t)(uintptr_t)key,
				  .value = (uint64_t)(uintptr_t)value, .pos = pos ? *pos : 0};
	long rc = ioctl(k->file, BTAP_KMOD_IOCTL, &q);
	if (rc < 0)
		return -errno;
	if (pos)
		*pos = q.pos;
	return rc;
}

static int op_lookup(int map, const void *key, void *value)
{
	return (int)kreq(map, BTAP_KOP_LOOKUP, key, value, NULL);
}

static int op_update(int map, const void *key, const void *value)
{
	return (int)kreq(map, BTAP_KOP_UPDATE, key, (void *)value, NULL);
}

static int op_delete(int map, const void *key)
{
	return (int)kreq(map, BTAP_KOP_DELETE, key, NULL, NULL);
}

static int op_clear(int map)
{
	return (int)kreq(map, BTAP_KOP_CLEAR, NULL, NULL, NULL);
}

static int64_t op_count(int map)
{
	long n = kreq(map, BTAP_KOP_COUNT, NULL, NULL, NULL);
	return n < 0 ? 0 : n;
}

static int64_t op_keys(int map, int sort_by, int dir, char agg, int64_t limit, void **keys_out)
{
	*keys_out = NULL;
	long total = kreq(map, BTAP_KOP_COUNT, NULL, NULL, NULL);
	if (total < 0)
		return 0;
	const struct btap_map_desc *d = &runner_current->prog->maps[map];
	size_t cap = (size_t)total + 1, n = 0;
	char *keys = xmalloc(cap * d->key_size), *values = NULL;
	uint64_t pos = 0;
	while (n < cap && kreq(map, BTAP_KOP_NEXT, keys + n * d->key_size, NULL, &pos) == 0)
		n++;
	struct runner_sort_item *items = xcalloc(n ? n : 1, sizeof(*items));
	if (sort_by < 0)
		values = xmalloc((n ? n : 1) * d->value_size);
	size_t kept = 0;
	for (size_t i = 0; i < n; i++) {
		items[kept].key = keys + i * d->key_size;
		if (sort_by < 0) {
			char *v = values + kept * d->value_size;
			struct rt_stat_result res;
			if (d->value_type == BTAP_T_STATS) {
				if (runner_stat_read_bound(map, items[kept].key, &res, NULL) != 0)
					continue;
				items[kept].num = runner_stat_aggregate(&res, agg);
			} else if (op_lookup(map, items[kept].key, v) != 0)
				continue; /* deleted meanwhile */
			else if (d->value_type == BTAP_T_STRING)
				items[kept].str = v;
			else
				memcpy(&items[kept].num, v, 8);
		}
		kept++;
	}
	int64_t r = runner_sort_keys(d, d->key_size, items, (int64_t)kept, sort_by, dir, limit, keys_out);
	free(items);
	free(values);
	free(keys);
	return r;
}

/* ---- statistics: runner/runner_stats.c, over the module's one partial ---- */

static int stat_get(int map, const void *key, void *buf)
{
	return op_lookup(map, key, buf);
}

static int stat_put(int map, const void *key, const void *buf)
{
	return op_update(map, key, buf);
}

static bool stat_map(int map, struct runner_stat_map *sm)
{
	if (!runner_current || map < 0 || (uint32_t)map >= runner_current->prog->nmaps)
		return false;
	const struct btap_map_desc *d = &runner_current->prog->maps[map];
	if (d->value_type != BTAP_T_STATS)
		return false;
	*sm = (struct runner_stat_map){&kr(runner_current)->stats[map], d->value_size, 1, stat_get, stat_put};
	return true;
}


/* The runner's kernel reads through the module (BTAP_KOP_KREAD), which
 * works where the kernel has no /proc/kcore (runner_kcore.c). */
static int op_kernel_read(void *dst, uint64_t addr, uint64_t len)
{
	struct kmod_run *k = runner_current ? kr(runner_current) : NULL;
	if (!k || k->file < 0)
		return -ENOSYS;
	struct btap_kmod_req q = {.op = BTAP_KOP_KREAD, .key = addr, .value = (uint64_t)(uintptr_t)dst, .pos = len};
	return ioctl(k->file, BTAP_KMOD_IOCTL, &q) == 0 ? 0 : -errno;
}

/* btap's task, as the module sees it (BTAP_KOP_CURRENT). */
static uint64_t op_current_task(void)
{
	struct kmod_run *k = runner_current ? kr(runner_current) : NULL;
	struct btap_kmod_req q = {.op = BTAP_KOP_CURRENT};
	if (!k || k->file < 0 || ioctl(k->file, BTAP_KMOD_IOCTL, &q) != 0)
		return 0;
	return q.key;
}

/* pid2task() in the runner: the module's own (BTAP_KOP_PID_TASK). */
static int op_pid_task(int64_t pid, uint64_t *task)
{
	struct kmod_run *k = runner_current ? kr(runner_current) : NULL;
	struct btap_kmod_req q = {.op = BTAP_KOP_PID_TASK, .pos = (uint64_t)pid};
	if (!k || k->file < 0 || ioctl(k->file, BTAP_KMOD_IOCTL, &q) != 0)
		return -1;
	*task = q.key;
	return 0;
}

/* A begin, end or error probe the module holds (it reaches the script's
 * embedded C): run in btap's task by the ioctl, its output printed before
 * the next probe runs. */
static void op_run_kernel_probe(uint32_t kpoint)
{
	struct runner *r = runner_current;
	struct kmod_run *k = r ? kr(r) : NULL;
	if (!k || k->file < 0)
		return;
	struct btap_kmod_req q = {.op = BTAP_KOP_RUN, .pos = kpoint};
	if (ioctl(k->file, BTAP_KMOD_IOCTL, &q) != 0)
		runner_fail(r, "cannot run a probe in the module: %m");
	runner_drain(r, true);
}

static void kmod_bind_map_ops(struct btap_runner_ops *ops)
{
	ops->kernel_read = op_kernel_read;
	ops->current_task = op_current_task;
	ops->pid_task = op_pid_task;
	ops->run_kernel_probe = op_run_kernel_probe;
	ops->map_lookup = op_lookup;
	ops->map_update = op_update;
	ops->map_delete = op_delete;
	ops->map_clear = op_clear;
	ops->map_count = op_count;
	ops->map_keys = op_keys;
	runner_stat_bind_ops(ops, stat_map);
}

static int kmod_stat_read(struct runner *r, int map, const void *key, struct rt_stat_result *res,
			  int64_t *buckets)
{
	(void)r;
	return runner_stat_read_bound(map, key, res, buckets);
}

static void kmod_print_hist_record(struct runner *r, uint32_t map, const char *p, const char *end)
{
	if (map < r->prog->nmaps && r->prog->maps[map].value_type == BTAP_T_STATS)
		runner_stat_print_record(r, &kr(r)->stats[map], map, p, end);
}

/* The supervisor: forked before the insert, it waits for our end of the
 * pipe to close (we exited, or were killed) and removes the module. */
static void guard_main(int fd, const char *name)
{
	char c;
	while (read(fd, &c, 1) < 0 && errno == EINTR)
		;
	char why[256];
	const struct kmod_lib *kl = kmod_lib_load(why, sizeof why); /* loaded before the fork */
	struct kmod_ctx *ctx = kl ? kl->new_ctx(NULL, NULL) : NULL;
	struct kmod_module *mod = NULL;
	if (ctx)
		kl->set_log_priority(ctx, 0); /* gone already: the usual case */
	if (ctx && kl->module_new_from_name(ctx, name, &mod) == 0) {
		for (int i = 0; i < 50 && kl->module_remove(mod, 0) == -EAGAIN; i++)
			usleep(100 * 1000);
		kl->module_unref(mod);
	}
	if (ctx)
		kl->unref_ctx(ctx);
	_exit(0);
}

static bool start_guard(struct runner *r, struct kmod_run *k)
{
	int p[2];
	if (pipe2(p, O_CLOEXEC) != 0)
		return false;
	fflush(NULL);
	k->guard = fork();
	if (k->guard < 0) {
		close(p[0]);
		close(p[1]);
		return false;
	}
	if (k->guard == 0) {
		close(p[1]);
		/* Not the process group's signals: we stop when btap does. */
		setpgid(0, 0);
		guard_main(p[0], k->name);
	}
	close(p[0]);
	k->guard_pipe = p[1];
	return true;
}

static bool kmod_load(struct runner *r)
{
	struct kmod_run *k = kr(r);
	if (!r->prog->has_bpf)
		return true;
	char built[4200], path[4200], why[4400], tmp[] = "/tmp/btap-kmod.XXXXXX";
	kbuild_module_name(r->dir, built, sizeof built);
	/* This run's own name (-m NAME, else the built one and our pid:
	 * runner.c), so that two runs of one script do not collide. */
	snprintf(k->name, sizeof k->name, "%s", r->name);
	snprintf(path, sizeof path, "%s/%s.ko", r->dir, built);
	if (!mkdtemp(tmp) || !module_rename(path, built, k->name, tmp, path, sizeof path, why, sizeof why)) {
		runner_fail(r, "cannot name the module %s: %s", k->name, tmp[0] && why[0] ? why : strerror(errno));
		rmdir(tmp);
		return false;
	}
	char why_lib[256];
	k->lib = kmod_lib_load(why_lib, sizeof why_lib);
	if (!k->lib) {
		runner_fail(r, "%s", why_lib);
		return false;
	}
	k->ctx = k->lib->new_ctx(NULL, NULL);
	int err = k->ctx ? k->lib->module_new_from_path(k->ctx, path, &k->mod) : -ENOMEM;
	if (err < 0) {
		runner_fail(r, "cannot open the module %s: %s", path, strerror(-err));
		return false;
	}
	if (!start_guard(r, k)) {
		runner_fail(r, "cannot start the process that removes the module: %m");
		return false;
	}
	err = k->lib->module_insert(k->mod, 0, NULL);
	unlink(path); /* the kernel has its copy */
	rmdir(tmp);
	if (err < 0) {
		runner_fail(r, "cannot insert the module %s: %s%s", k->name, strerror(-err),
			    err == -EEXIST ? " (another btap runs the same script)" : "");
		return false;
	}
	k->inserted = true;
	snprintf(path, sizeof path, "/proc/%s", k->name);
	k->file = open(path, O_RDWR | O_CLOEXEC);
	void *g = k->file < 0 ? MAP_FAILED
			      : mmap(NULL, k->globals_len, PROT_READ | PROT_WRITE, MAP_SHARED, k->file, 0);
	if (g == MAP_FAILED) {
		runner_fail(r, "cannot map the module's globals (%s): %m", path);
		return false;
	}
	memcpy(g, r->globals, k->globals_len);
	munmap(r->globals, k->globals_len);
	r->globals = g;
	k->buf = xmalloc(1u << 16);
	k->timer = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC | TFD_NONBLOCK);
	struct itimerspec its = {{0, KMOD_POLL_NS}, {0, KMOD_POLL_NS}};
	if (k->timer < 0 || timerfd_settime(k->timer, 0, &its, NULL) != 0) {
		runner_fail(r, "cannot start the output timer: %m");
		return false;
	}
	return true;
}

static bool arm(struct runner *r, const char *v)
{
	struct kmod_run *k = kr(r);
	/* none yet: the run failed before the module was loaded (-c "") */
	return !k || k->file < 0 || pwrite(k->file, v, 1, 0) == 1;
}

/* ---- the tasks probes sift by (runner/runner_tasks.c), into the module ---- */

static bool task_req(struct runner *r, uint32_t probe, uint32_t op, const void *value, uint64_t n)
{
	struct btap_kmod_req q = {.map = probe, .op = op, .value = (uint64_t)(uintptr_t)value, .pos = n};
	if (ioctl(kr(r)->file, BTAP_KMOD_IOCTL, &q) == 0)
		return true;
	runner_fail(r, "probe %s: cannot hand the module its %s: %m", r->prog->probes[probe].pp,
		    op == BTAP_KOP_EXE ? "executable" : "running processes");
	return false;
}

static bool kmod_set_exe(struct runner *r, uint32_t probe, const struct runner_exe *want)
{
	struct btap_kmod_exe e = {.ino = want->ino};
	memcpy(e.name, want->name, sizeof e.name);
	return task_req(r, probe, BTAP_KOP_EXE, &e, 0);
}

static bool kmod_set_running(struct runner *r, uint32_t probe, const uint32_t *tgids, size_t n)
{
	return task_req(r, probe, BTAP_KOP_RUNNING, tgids, n);
}

static const struct runner_task_sink kmod_task_sink = {kmod_set_exe, kmod_set_running};

/* ---- kernel symbols (@var): found in /proc/kallsyms, handed to the module ---- */

/* The address of each symbol the module names (names[i]: the i-th), the
 * kernel's own (not a module's); false (reported) for one missing or
 * ambiguous. */
static bool find_ksyms(struct runner *r, char (*names)[BTAP_KSYM_NAME_MAX], uint64_t *addrs, size_t n)
{
	if (kallsyms_hidden()) {
		runner_fail(r, "kernel symbol %s: /proc/kallsyms hides the kernel's addresses (kernel.kptr_restrict)",
			    names[0]);
		return false;
	}
	for (size_t i = 0; i < n; i++) {
		const struct ksym *const *v;
		int m = kallsyms_named(names[i], &v);
		addrs[i] = 0;
		for (int j = 0; j < m; j++) {
			if (v[j]->module || !v[j]->addr)
				continue;
			if (addrs[i] && addrs[i] != v[j]->addr) {
				runner_fail(r, "kernel symbol %s: /proc/kallsyms has more than one of that name", names[i]);
				return false;
			}
			addrs[i] = v[j]->addr;
		}
		if (!addrs[i]) {
			runner_fail(r, "kernel symbol %s: %s", names[i],
				    access("/proc/kallsyms", R_OK) == 0 ? "no such symbol in /proc/kallsyms"
									: "/proc/kallsyms cannot be read");
			return false;
		}
	}
	return true;
}

static bool kmod_set_ksyms(struct runner *r)
{
	struct kmod_run *k = kr(r);
	char (*names)[BTAP_KSYM_NAME_MAX] = NULL;
	size_t n = 0;
	for (;; n++) {
		names = xrealloc(names, (n + 1) * sizeof(*names));
		struct btap_kmod_req q = {.op = BTAP_KOP_KSYM_NAME, .value = (uint64_t)(uintptr_t)names[n], .pos = n};
		if (ioctl(k->file, BTAP_KMOD_IOCTL, &q) != 0)
			break;
		names[n][BTAP_KSYM_NAME_MAX - 1] = 0;
	}
	uint64_t *addrs = xcalloc(n + 1, sizeof(*addrs));
	bool ok = n == 0 || find_ksyms(r, names, addrs, n);
	for (size_t i = 0; ok && i < n; i++) {
		struct btap_kmod_req q = {.op = BTAP_KOP_KSYM_SET, .key = addrs[i], .pos = i};
		if (ioctl(k->file, BTAP_KMOD_IOCTL, &q) != 0) {
			runner_fail(r, "cannot hand the module the address of %s: %m", names[i]);
			ok = false;
		}
	}
	free(names);
	free(addrs);
	return ok;
}

static bool kmod_attach(struct runner *r)
{
	if (kr(r)->file >= 0 && (!runner_set_task_filters(r, &kmod_task_sink) || !kmod_set_ksyms(r)))
		return false;
	if (!arm(r, "1")) {
		runner_fail(r, "cannot arm the module's probes: %m");
		return false;
	}
	return true;
}

static int kmod_output_fd(struct runner *r)
{
	struct kmod_run *k = kr(r);
	return k ? k->timer : -1;
}

static void kmod_drain(struct runner *r)
{
	struct kmod_run *k = kr(r);
	if (!k || k->file < 0)
		return;
	uint64_t ticks;
	if (k->timer >= 0 && read(k->timer, &ticks, sizeof ticks) < 0) {
		/* not due yet: read anyway */
	}
	ssize_t n;
	/* a read takes its records out of the module: all of them are handed on */
	while (r->drain_left > 0 && (n = pread(k->file, k->buf, 1u << 16, 0)) > 0) {
		for (ssize_t o = 0; o + 8 <= n;) {
			uint32_t len;
			memcpy(&len, k->buf + o, 4);
			runner_on_record(r, k->buf + o + 8, len);
			o += (ssize_t)((len + 8 + 7) & ~7u);
		}
	}
}

static int kmod_stack_frames(struct runner *r, bool user, uint32_t id, void *buf, size_t size)
{
	struct kmod_run *k = kr(r);
	uint64_t frame = user ? 32 : 8; /* btap_kmod.h's struct btap_uframe, or an address */
	if (!k || k->file < 0 || size < frame * BTAP_STACK_DEPTH)
		return -EINVAL;
	memset(buf, 0, size);
	struct btap_kmod_req q = {.map = user, .op = BTAP_KOP_STACK, .value = (uint64_t)(uintptr_t)buf, .pos = id};
	return ioctl(k->file, BTAP_KMOD_IOCTL, &q) == 0 ? 0 : -errno;
}

static void kmod_detach(struct runner *r)
{
	arm(r, "0");
}

static void kmod_release(struct runner *r)
{
	struct kmod_run *k = kr(r);
	if (!k)
		return;
	if (r->globals && k->globals_len) {
		/* The summary has been read: the globals go with the module. */
		munmap(r->globals, k->globals_len);
		r->globals = NULL;
	}
	if (k->timer >= 0)
		close(k->timer);
	if (k->file >= 0)
		close(k->file);
	if (k->inserted) {
		int err = k->lib->module_remove(k->mod, 0);
		if (err < 0)
			diag_plain_error("cannot remove the module %s: %s", k->name, strerror(-err));
	}
	if (k->guard_pipe >= 0)
		close(k->guard_pipe);
	if (k->guard > 0)
		waitpid(k->guard, NULL, 0);
	if (k->mod)
		k->lib->module_unref(k->mod);
	if (k->ctx)
		k->lib->unref_ctx(k->ctx);
	free(k->buf);
	free(k->stats);
	free(k);
	r->kernel = NULL;
}

const struct runner_runtime runner_runtime_kmod = {
	.name = "kmod",
	.can_run = kmod_can_run,
	.create_maps = kmod_create_maps,
	.bind_map_ops = kmod_bind_map_ops,
	.stat_read = kmod_stat_read,
	.print_hist_record = kmod_print_hist_record,
	.load = kmod_load,
	.attach = kmod_attach,
	.output_fd = kmod_output_fd,
	.drain = kmod_drain,
	.detach = kmod_detach,
	.release = kmod_release,
	.stack_frames = kmod_stack_frames,
};
