/* Load, attach and run BPF objects with libbpf: see loader.h. */
#include "loader.h"
#include "kernel_lacks.h"
#include "deferred_close.h"
#include "parallel_each.h"
#include "runner/kallsyms.h"
#include "translator/tracepoints.h"

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <errno.h>
#include <stdbool.h>
#include <fcntl.h>
#include <linux/perf_event.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "translator/util.h"

/* Verifier log kept for a rejected program. Recent kernels keep the tail
 * of a longer log, which is where the error is. */
#define BPFL_VERIFIER_LOG_SIZE (4u << 20)

/* BPF_PROG_TYPE_NETFILTER and BPF_NETFILTER (Linux 6.4 UAPI), which the
 * system's headers may not have */
#define BPFL_PROG_TYPE_NETFILTER 32
#define BPFL_ATTACH_NETFILTER 45

struct bpfl_obj {
	struct bpf_object *obj;
	struct bpf_link **links;
	bool *slow;            /* per link: its close waits for grace periods */
	int n_links, cap_links;
	int *nf_links;         /* netfilter links: descriptors libbpf 1.1 cannot wrap */
	int n_nf_links;
	int *um_links;         /* uprobe_multi links, as those (slow to release) */
	int n_um_links;
	struct ring_buffer *rb;
	struct bpfl_mapping {
		void *addr;
		size_t len;
		const struct bpf_map *map;
	} *mappings;
	int n_mappings;
	struct strbuf err;     /* last error */
	struct strbuf log;     /* libbpf's messages */
	char *verifier_log;    /* rejected program's log, or NULL */
	char *failed_prog;
};

/* --- libbpf messages --------------------------------------------------- */

/* libbpf has one process-wide print callback; messages go to the object
 * being worked on, if any. */
static struct strbuf *log_target;
static bool verbose_log;

static int print_to_target(enum libbpf_print_level level, const char *fmt, va_list args)
{
	if (level == LIBBPF_DEBUG && !verbose_log)
		return 0;
	if (verbose_log || !log_target) {
		va_list copy;
		va_copy(copy, args);
		vfprintf(stderr, fmt, copy);
		va_end(copy);
	}
	if (log_target)
		sb_vprintf(log_target, fmt, args);
	return 0;
}

void bpfl_set_verbose(bool on)
{
	verbose_log = on;
}

/* Route libbpf's messages to o until the matching capture_end. */
static void capture_begin(struct bpfl_obj *o)
{
	libbpf_set_print(print_to_target);
	log_target = &o->log;
	o->err.len = 0;
	if (o->err.s)
		o->err.s[0] = '\0';
}

static void capture_end(void)
{
	log_target = NULL;
}

static int fail(struct bpfl_obj *o, int err, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static int fail(struct bpfl_obj *o, int err, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	o->err.len = 0;
	sb_vprintf(&o->err, fmt, ap);
	va_end(ap);
	if (err > 0)
		err = -err;
	if (err < 0)
		sb_printf(&o->err, ": %s", strerror(-err));
	capture_end();
	return err < 0 ? err : -EINVAL;
}

/* --- open / load / close ----------------------------------------------- */

static struct bpfl_obj *wrap_opened(struct bpfl_obj *o, struct bpf_object *obj,
				    const char *name, char **err)
{
	int e = obj ? 0 : -errno;
	capture_end();
	if (obj) {
		o->obj = obj;
		return o;
	}
	if (err) {
		struct strbuf b;
		sb_init(&b);
		sb_printf(&b, "cannot open BPF object %s: %s\n%s", name, strerror(-e),
			  o->log.s ? o->log.s : "");
		*err = sb_steal(&b);
	}
	bpfl_close(o);
	return NULL;
}

struct bpfl_obj *bpfl_open_file(const char *path, char **err)
{
	struct bpfl_obj *o = xcalloc(1, sizeof(*o));
	capture_begin(o);
	return wrap_opened(o, bpf_object__open_file(path, NULL), path, err);
}

struct bpfl_obj *bpfl_open_mem(const void *buf, size_t len, const char *name, char **err)
{
	struct bpfl_obj *o = xcalloc(1, sizeof(*o));
	LIBBPF_OPTS(bpf_object_open_opts, opts, .object_name = name);
	capture_begin(o);
	return wrap_opened(o, bpf_object__open_mem(buf, len, &opts), name, err);
}

/* Without memcg accounting (before Linux 5.11) maps count against
 * RLIMIT_MEMLOCK; raising it may be refused, which is fine where the
 * kernel accounts memory otherwise. Each kprobe or uprobe attachment
 * holds a perf event's descriptor: a pattern over a thousand functions
 * needs more than the usual soft limit of 1024 open files. */
static void raise_limits(void)
{
	struct rlimit r = {RLIM_INFINITY, RLIM_INFINITY};
	setrlimit(RLIMIT_MEMLOCK, &r);
	if (getrlimit(RLIMIT_NOFILE, &r) == 0 && r.rlim_cur < r.rlim_max) {
		r.rlim_cur = r.rlim_max;
		setrlimit(RLIMIT_NOFILE, &r);
	}
}

/* The program libbpf says the kernel refused ("prog 'NAME': BPF program
 * load failed" in its messages): after a failure libbpf unloads every
 * program, so which one has no fd says nothing. NULL if it said none. */
static char *refused_prog(const struct strbuf *log)
{
	const char *end = log->s ? strstr(log->s, "': BPF program load failed") : NULL;
	if (!end)
		return NULL;
	const char *start = end;
	while (start > log->s && start[-1] != '\'')
		start--;
	if (start == log->s || end - start > 128)
		return NULL;
	char *name = xmalloc((size_t)(end - start) + 1);
	memcpy(name, start, (size_t)(end - start));
	name[end - start] = 0;
	return name;
}

/* Where libbpf said nothing: libbpf loads programs in order and stops at
 * the first rejection, so the first autoloaded program without an fd, if
 * the others kept theirs. */
static const char *first_unloaded_prog(struct bpf_object *obj)
{
	struct bpf_program *p;
	bpf_object__for_each_program(p, obj)
		if (bpf_program__autoload(p) && bpf_program__fd(p) < 0)
			return bpf_program__name(p);
	return NULL;
}

static struct bpf_program *find_prog(struct bpfl_obj *o, const char *name)
{
	return bpf_object__find_program_by_name(o->obj, name);
}

int bpfl_load(struct bpfl_obj *o)
{
	raise_limits();
	/* Not zero-filled: the kernel writes the log only when a load fails,
	 * and untouched pages of a large malloc cost nothing. */
	char *vlog = xmalloc(BPFL_VERIFIER_LOG_SIZE);
	vlog[0] = 0;
	struct bpf_program *p;
	bpf_object__for_each_program(p, o->obj) {
		bpf_program__set_log_buf(p, vlog, BPFL_VERIFIER_LOG_SIZE);
		if (strcmp(bpf_program__section_name(p), "netfilter") == 0) { /* a type libbpf 1.1 does not name */
			bpf_program__set_type(p, BPFL_PROG_TYPE_NETFILTER);
			bpf_program__set_expected_attach_type(p, BPFL_ATTACH_NETFILTER);
		}
	}
	capture_begin(o);
	int rc = bpf_object__load(o->obj);
	if (rc) {
		const char *prog = first_unloaded_prog(o->obj);
		free(o->failed_prog);
		free(o->verifier_log);
		o->failed_prog = refused_prog(&o->log);
		if (!o->failed_prog)
			o->failed_prog = prog ? xstrdup(prog) : NULL;
		o->verifier_log = vlog[0] ? xstrdup(vlog) : NULL;
	}
	/* libbpf reads the buffer only while loading (and refuses to forget
	 * it afterwards), so it can go now. */
	free(vlog);
	if (rc) {
		/* a map the kernel would not create fails the load before any
		 * program is verified: name the map, not a program */
		const char *m = o->verifier_log ? NULL : strstr(o->log.s ? o->log.s : "", "map '");
		const char *end = m ? strstr(m + 5, "': failed to create") : NULL;
		if (end)
			return fail(o, rc, "cannot create BPF map %.*s", (int)(end - m - 5), m + 5);
		struct bpf_program *fp = o->failed_prog ? find_prog(o, o->failed_prog) : NULL;
		if (fp && bpf_program__type(fp) == BPF_PROG_TYPE_TRACING) {
			const char *sec = bpf_program__section_name(fp), *slash = strchr(sec, '/');
			char alt[512];
			kernel_function_alternative(slash ? slash + 1 : sec, alt, sizeof alt);
			return fail(o, rc, "cannot load BPF program %s (%s): kernel functions are probed with "
				    "fentry/fexit, which need BPF trampolines; this kernel refused it%s%s",
				    o->failed_prog, sec,
				    kernel_has_kprobes() ? " (--kfunc=kprobe uses kprobes, which it has)"
							 : ", and it has no kprobes either", alt);
		}
		if (fp && bpf_program__type(fp) == BPF_PROG_TYPE_LSM) {
			char lsm[600];
			kernel_lsm_list(lsm, sizeof lsm);
			return fail(o, rc, "cannot load BPF program %s (%s): LSM probes are BPF LSM programs, which "
				    "need BPF trampolines and \"bpf\" in the kernel's list of security modules; "
				    "this kernel refused it (%s)", o->failed_prog, bpf_program__section_name(fp), lsm);
		}
		if (fp && strcmp(bpf_program__section_name(fp), "netfilter") == 0)
			return fail(o, rc, "cannot load BPF program %s: netfilter probes are BPF netfilter programs, "
				    "which need Linux 6.4 or later built with CONFIG_NETFILTER_BPF_LINK; this kernel "
				    "refused it (--runtime=kmod registers them as kernel hooks)", o->failed_prog);
		if (o->failed_prog)
			return fail(o, rc, "cannot load BPF program %s", o->failed_prog);
		return fail(o, rc, "cannot load BPF object %s", bpf_object__name(o->obj));
	}
	capture_end();
	return 0;
}

/* Detaching a tracepoint's perf event waits for grace periods (~35 ms
 * here); each link destroyed on its own thread makes those waits overlap
 * where the kernel does not serialise them. Used when no helper process
 * can take the closes (deferred_close.h). */
#define DETACH_THREADS 16

static void destroy_link(int i, void *links)
{
	bpf_link__destroy(((struct bpf_link **)links)[i]);
}

void bpfl_detach_all(struct bpfl_obj *o, bool inert)
{
	/* the quick ones here; the slow ones to the helper when the programs
	 * no longer act, else on parallel threads */
	int n_slow = 0;
	for (int i = 0; i < o->n_links; i++) {
		if (inert && o->slow[i])
			o->links[n_slow++] = o->links[i];
		else
			bpf_link__destroy(o->links[i]);
	}
	int done_fd = -1;
	int n_um = inert ? o->n_um_links : 0; /* uprobe_multi links go along */
	if (n_slow || n_um) {
		int *fds = xcalloc((size_t)(n_slow + n_um), sizeof *fds);
		for (int i = 0; i < n_slow; i++)
			fds[i] = bpf_link__fd(o->links[i]);
		for (int i = 0; i < n_um; i++)
			fds[n_slow + i] = o->um_links[i];
		deferred_close_handoff(fds, n_slow + n_um, &done_fd);
		free(fds);
	}
	if (done_fd >= 0) { /* our copies: no longer the last */
		for (int i = 0; i < n_slow; i++)
			bpf_link__destroy(o->links[i]);
		close(done_fd);
	} else {
		parallel_each(n_slow, DETACH_THREADS, destroy_link, o->links);
	}
	o->n_links = 0;
	for (int i = 0; i < o->n_nf_links; i++)
		close(o->nf_links[i]);
	o->n_nf_links = 0;
	/* ours, after the helper took its copies (or closed here when it
	 * could not start) */
	for (int i = 0; i < o->n_um_links; i++)
		close(o->um_links[i]);
	o->n_um_links = 0;
}

void bpfl_close(struct bpfl_obj *o)
{
	if (!o)
		return;
	bpfl_detach_all(o, false);
	free(o->links);
	free(o->slow);
	free(o->nf_links);
	free(o->um_links);
	for (int i = 0; i < o->n_mappings; i++)
		munmap(o->mappings[i].addr, o->mappings[i].len);
	free(o->mappings);
	ring_buffer__free(o->rb);
	bpf_object__close(o->obj);
	sb_free(&o->err);
	sb_free(&o->log);
	free(o->verifier_log);
	free(o->failed_prog);
	free(o);
}

/* --- attach ------------------------------------------------------------ */

/* slow: a tracing link (a tracepoint's, kprobe's or uprobe's perf event,
 * a trampoline), whose close waits for grace periods (deferred_close.h) */
static void keep_link(struct bpfl_obj *o, struct bpf_link *l, bool slow)
{
	if (o->n_links == o->cap_links) {
		o->cap_links = o->cap_links ? o->cap_links * 2 : 8;
		o->links = xrealloc(o->links, (size_t)o->cap_links * sizeof(*o->links));
		o->slow = xrealloc(o->slow, (size_t)o->cap_links * sizeof(*o->slow));
	}
	o->slow[o->n_links] = slow;
	o->links[o->n_links++] = l;
}


static bool is_plain_name(const char *s)
{
	return *s && *s != '.' && !strchr(s, '/');
}

static int tracepoint_id(const char *group, const char *event)
{
	if (!is_plain_name(group) || !is_plain_name(event))
		return -EINVAL;
	const char *tracefs = tp_tracefs_dir();
	if (!tracefs)
		return -ENOENT;
	char path[512];
	snprintf(path, sizeof(path), "%s/events/%s/%s/id", tracefs, group, event);
	FILE *f = fopen(path, "r");
	if (!f)
		return -errno;
	int id = -EINVAL;
	if (fscanf(f, "%d", &id) != 1)
		id = -EINVAL;
	fclose(f);
	return id;
}

static int perf_open(struct perf_event_attr *attr, int cpu)
{
	return (int)syscall(SYS_perf_event_open, attr, -1, cpu, -1, PERF_FLAG_FD_CLOEXEC);
}

/* Attach through a perf event fd; the link owns the fd from then on. */
static int attach_perf_fd(struct bpfl_obj *o, struct bpf_program *prog, int pfd, bool slow)
{
	struct bpf_link *l = bpf_program__attach_perf_event(prog, pfd);
	if (!l) {
		int e = -errno;
		close(pfd);
		return e;
	}
	keep_link(o, l, slow);
	return 0;
}

/* Opened by hand rather than via libbpf so tracefs may be mounted anywhere. */
int bpfl_attach_tracepoint(struct bpfl_obj *o, const char *prog, const char *group,
			   const char *event)
{
	capture_begin(o);
	struct bpf_program *p = find_prog(o, prog);
	if (!p)
		return fail(o, -ENOENT, "no BPF program %s", prog);
	int id = tracepoint_id(group, event);
	if (id < 0)
		return fail(o, id, "tracepoint %s:%s not found%s", group, event,
			    tp_tracefs_dir() ? "" : " (tracefs unavailable)");
	struct perf_event_attr attr = {
		.type = PERF_TYPE_TRACEPOINT,
		.size = sizeof(attr),
		.config = (uint64_t)id,
		.sample_period = 1,
		.wakeup_events = 1,
	};
	int pfd = perf_open(&attr, 0);
	if (pfd < 0)
		return fail(o, -errno, "cannot open tracepoint %s:%s", group, event);
	int rc = attach_perf_fd(o, p, pfd, true);
	if (rc)
		return fail(o, rc, "cannot attach %s to tracepoint %s:%s", prog, group, event);
	capture_end();
	return 0;
}

int bpfl_attach_raw_tracepoint(struct bpfl_obj *o, const char *prog, const char *tp)
{
	capture_begin(o);
	struct bpf_program *p = find_prog(o, prog);
	if (!p)
		return fail(o, -ENOENT, "no BPF program %s", prog);
	struct bpf_link *l = bpf_program__attach_raw_tracepoint(p, tp);
	if (!l)
		return fail(o, -errno, "cannot attach %s to raw tracepoint %s", prog, tp);
	keep_link(o, l, false);
	capture_end();
	return 0;
}

/* Why a kprobe by name may fail where one by address works: the name is
 * several functions' (EADDRNOTAVAIL; some stable kernels say EINVAL). */
static uint64_t ambiguous_name_address(const char *name, int err)
{
	int n = 0;
	uint64_t addr = err == EADDRNOTAVAIL || err == EINVAL ? kallsyms_first(name, true, &n) : 0;
	return n > 1 || err == EADDRNOTAVAIL ? addr : 0;
}

/* A kprobe program whose section ("kprobe/NAME[+0xOFF]") names a function
 * more than one has (static ones of several files): the kernel wants an
 * address, and btap probes the first (as pass 2's warning says; the kmod
 * runtime's register_kprobe takes the first by itself). */
static struct bpf_link *attach_kprobe_by_address(struct bpf_program *p)
{
	const char *sec = bpf_program__section_name(p), *slash = strchr(sec, '/');
	char name[256];
	unsigned long long off = 0;
	if (!slash || sscanf(slash + 1, "%255[^+]+%llx", name, &off) < 1)
		return NULL;
	int err = errno;
	uint64_t addr = ambiguous_name_address(name, err);
	if (!addr) {
		errno = err;
		return NULL;
	}
	LIBBPF_OPTS(bpf_kprobe_opts, opts, .retprobe = strncmp(sec, "kretprobe", 9) == 0,
		    .offset = (size_t)(addr + off));
	return bpf_program__attach_kprobe_opts(p, NULL, &opts);
}

/* A kprobe program that did not attach (what: its section or function,
 * func: the function): why, and what else covers the event. */
static int kprobe_failed(struct bpfl_obj *o, int err, const char *prog, const char *what, const char *func)
{
	char alt[512];
	kernel_function_alternative(func, alt, sizeof alt);
	return fail(o, err, "cannot attach %s to kernel function %s%s%s", prog, what,
		    kernel_has_kprobes() ? "" : ": this kernel has no kprobes", alt);
}

int bpfl_attach_traced(struct bpfl_obj *o, const char *prog)
{
	capture_begin(o);
	struct bpf_program *p = find_prog(o, prog);
	if (!p)
		return fail(o, -ENOENT, "no BPF program %s", prog);
	struct bpf_link *l = bpf_program__attach(p);
	if (!l && (errno == EADDRNOTAVAIL || errno == EINVAL) && bpf_program__type(p) == BPF_PROG_TYPE_KPROBE)
		l = attach_kprobe_by_address(p);
	if (!l && bpf_program__type(p) == BPF_PROG_TYPE_KPROBE) {
		const char *sec = bpf_program__section_name(p), *slash = strchr(sec, '/');
		return kprobe_failed(o, -errno, prog, sec, slash ? slash + 1 : sec);
	}
	if (!l)
		return fail(o, -errno, "cannot attach %s to kernel function %s (fentry/fexit and LSM programs need "
			    "BPF trampolines)", prog, bpf_program__section_name(p));
	keep_link(o, l, true);
	capture_end();
	return 0;
}

int bpfl_attach_kprobe_cookie(struct bpfl_obj *o, const char *prog, const char *func, uint64_t cookie)
{
	capture_begin(o);
	struct bpf_program *p = find_prog(o, prog);
	if (!p)
		return fail(o, -ENOENT, "no BPF program %s", prog);
	bool ret = strncmp(bpf_program__section_name(p), "kretprobe", 9) == 0;
	LIBBPF_OPTS(bpf_kprobe_opts, opts, .retprobe = ret, .bpf_cookie = cookie);
	struct bpf_link *l = bpf_program__attach_kprobe_opts(p, func, &opts);
	uint64_t addr;
	if (!l && (addr = ambiguous_name_address(func, errno))) {
		/* as attach_kprobe_by_address */
		opts.offset = (size_t)addr;
		l = bpf_program__attach_kprobe_opts(p, NULL, &opts);
	}
	if (!l)
		return kprobe_failed(o, -errno, prog, func, func);
	keep_link(o, l, true);
	capture_end();
	return 0;
}

int bpfl_attach_uprobe(struct bpfl_obj *o, const char *prog, const struct bpfl_uprobe *u)
{
	capture_begin(o);
	struct bpf_program *p = find_prog(o, prog);
	if (!p)
		return fail(o, -ENOENT, "no BPF program %s", prog);
	/* the kernel counts attached probes in a USDT semaphore itself
	 * (ref_ctr_offset) and sets it in processes that start later too */
	LIBBPF_OPTS(bpf_uprobe_opts, opts, .retprobe = u->ret, .ref_ctr_offset = (size_t)u->semaphore,
		    .bpf_cookie = u->cookie);
	struct bpf_link *l = bpf_program__attach_uprobe_opts(p, u->pid > 0 ? (pid_t)u->pid : -1, u->path,
							     (size_t)u->offset, &opts);
	if (!l)
		return fail(o, -errno, "cannot attach a uprobe to %s at offset 0x%llx", u->path,
			    (unsigned long long)u->offset);
	keep_link(o, l, true);
	capture_end();
	return 0;
}

/* The link_create part of union bpf_attr for a netfilter hook (Linux 6.4;
 * the system's linux/bpf.h and libbpf 1.1 predate it). */
struct bpfl_nf_link_attr {
	uint32_t prog_fd, target_fd, attach_type, flags;
	uint32_t pf, hooknum;
	int32_t priority;
	uint32_t nf_flags;
};

int bpfl_attach_netfilter(struct bpfl_obj *o, const char *prog, int pf, int hook, int priority)
{
	capture_begin(o);
	struct bpf_program *p = find_prog(o, prog);
	if (!p)
		return fail(o, -ENOENT, "no BPF program %s", prog);
	struct bpfl_nf_link_attr attr = {
		.prog_fd = (uint32_t)bpf_program__fd(p), .attach_type = BPFL_ATTACH_NETFILTER,
		.pf = (uint32_t)pf, .hooknum = (uint32_t)hook, .priority = priority,
	};
	/* The kernel gives each BPF program on a hook a priority of its own
	 * (EBUSY: taken, by another probe of this script or another tool):
	 * the next free one after it, as close as can be. */
	int fd = (int)syscall(SYS_bpf, BPF_LINK_CREATE, &attr, sizeof attr);
	for (int tries = 0; fd < 0 && errno == EBUSY && tries < 1000 && attr.priority < INT32_MAX - 1; tries++) {
		attr.priority++;
		fd = (int)syscall(SYS_bpf, BPF_LINK_CREATE, &attr, sizeof attr);
	}
	if (fd < 0)
		return fail(o, -errno, "cannot attach %s to netfilter hook %d of protocol family %d (priority %d): %s",
			    prog, hook, pf, priority, strerror(errno));
	o->nf_links = xrealloc(o->nf_links, (size_t)(o->n_nf_links + 1) * sizeof *o->nf_links);
	o->nf_links[o->n_nf_links++] = fd;
	capture_end();
	return 0;
}

/* BPF_LINK_CREATE's part of union bpf_attr for uprobe_multi (Linux 6.6
 * UAPI, newer than the system's headers and libbpf 1.1). */
struct bpfl_uprobe_multi_attr {
	uint32_t prog_fd, target_fd, attach_type, flags;
	uint64_t path, offsets, ref_ctr_offsets, cookies;
	uint32_t cnt, um_flags, pid;
};
#define BPFL_F_UPROBE_MULTI_RETURN 1u

static int64_t uprobe_multi_type(void)
{
	int64_t v = -1;
	return kernel_enum_value("bpf_attach_type", "BPF_TRACE_UPROBE_MULTI", &v) ? v : -1;
}

bool bpfl_has_uprobe_multi(void)
{
	return uprobe_multi_type() >= 0;
}

void bpfl_use_uprobe_multi(struct bpfl_obj *o, const char *prog)
{
	struct bpf_program *p = find_prog(o, prog);
	if (p && bpfl_has_uprobe_multi())
		bpf_program__set_expected_attach_type(p, (enum bpf_attach_type)uprobe_multi_type());
}

int bpfl_attach_uprobe_multi(struct bpfl_obj *o, const char *prog, const char *path, const uint64_t *offsets,
			     const uint64_t *ref_ctr_offsets, const uint64_t *cookies, int n, bool ret, int64_t pid)
{
	capture_begin(o);
	struct bpf_program *p = find_prog(o, prog);
	if (!p)
		return fail(o, -ENOENT, "no BPF program %s", prog);
	struct bpfl_uprobe_multi_attr attr = {
		.prog_fd = (uint32_t)bpf_program__fd(p), .attach_type = (uint32_t)uprobe_multi_type(),
		.path = (uint64_t)(uintptr_t)path, .offsets = (uint64_t)(uintptr_t)offsets,
		.ref_ctr_offsets = (uint64_t)(uintptr_t)ref_ctr_offsets, .cookies = (uint64_t)(uintptr_t)cookies,
		.cnt = (uint32_t)n, .um_flags = ret ? BPFL_F_UPROBE_MULTI_RETURN : 0, .pid = pid > 0 ? (uint32_t)pid : 0,
	};
	int fd = (int)syscall(SYS_bpf, BPF_LINK_CREATE, &attr, sizeof attr);
	if (fd < 0)
		return fail(o, -errno, "cannot attach %d uprobes to %s with %s: %s", n, path, prog, strerror(errno));
	o->um_links = xrealloc(o->um_links, (size_t)(o->n_um_links + 1) * sizeof *o->um_links);
	o->um_links[o->n_um_links++] = fd;
	capture_end();
	return 0;
}

/* Online CPUs from a list such as "0-3,6,8-9"; returns how many were put
 * in cpus (at most max), or -1. */
static int online_cpus(int *cpus, int max)
{
	FILE *f = fopen("/sys/devices/system/cpu/online", "r");
	if (!f)
		return -1;
	char buf[1024];
	int n = 0;
	if (fgets(buf, sizeof(buf), f)) {
		for (char *s = buf; *s && *s != '\n';) {
			char *end;
			long lo = strtol(s, &end, 10), hi = lo;
			if (end == s)
				break;
			if (*end == '-')
				hi = strtol(end + 1, &end, 10);
			for (long c = lo; c <= hi && n < max; c++)
				cpus[n++] = (int)c;
			s = *end == ',' ? end + 1 : end;
		}
	}
	fclose(f);
	return n;
}

/* ENOENT and EOPNOTSUPP mean the event does not exist here (a virtual
 * machine without a PMU for hardware events): say so plainly. */
static int perf_open_failed(struct bpfl_obj *o, int err, const struct bpfl_perf *pe, int cpu)
{
	unsigned long long config = (unsigned long long)pe->config;
	const char *kind = pe->type == PERF_TYPE_HARDWARE ? "hardware "
			   : pe->type == PERF_TYPE_SOFTWARE ? "software "
							    : "";
	if (err == -ENOENT || err == -EOPNOTSUPP)
		return fail(o, err, "this CPU or kernel does not provide %sperf event %u:%llu%s", kind,
			    pe->type, config,
			    pe->type == PERF_TYPE_HARDWARE ? " (no hardware performance counters?)" : "");
	return fail(o, err, "cannot open %sperf event %u:%llu on CPU %d", kind, pe->type, config, cpu);
}

int bpfl_attach_perf_event(struct bpfl_obj *o, const char *prog, const struct bpfl_perf *pe)
{
	capture_begin(o);
	struct bpf_program *p = find_prog(o, prog);
	if (!p)
		return fail(o, -ENOENT, "no BPF program %s", prog);
	enum { MAX_CPUS = 4096 };
	int *cpus = xcalloc(MAX_CPUS, sizeof(int));
	int n = online_cpus(cpus, MAX_CPUS), attached = 0, rc = 0;
	if (n <= 0) {
		free(cpus);
		return fail(o, -ENOENT, "cannot read the online CPUs");
	}
	struct perf_event_attr attr = {
		.type = pe->type,
		.size = sizeof(attr),
		.config = pe->config,
		.sample_period = pe->period,
		.freq = pe->freq,
	};
	if (pe->bp_type) { /* kernel.data: where the kernel put the symbol at boot */
		attr.bp_type = pe->bp_type;
		attr.bp_len = pe->bp_len;
		attr.bp_addr = pe->bp_symbol ? kallsyms_first(pe->bp_symbol, false, NULL) : pe->bp_addr;
		if (!attr.bp_addr) {
			free(cpus);
			return fail(o, -ENOENT, "no kernel symbol %s in /proc/kallsyms (a variable is there only with "
				    "CONFIG_KALLSYMS_ALL; addresses are hidden under kernel.kptr_restrict)", pe->bp_symbol);
		}
	}
	for (int i = 0; i < n && !rc; i++) {
		int pfd = perf_open(&attr, cpus[i]);
		if (pfd < 0) {
			if (errno == ENODEV) /* went offline meanwhile */
				continue;
			rc = perf_open_failed(o, -errno, pe, cpus[i]);
		} else if ((rc = attach_perf_fd(o, p, pfd, false)) != 0) {
			rc = fail(o, rc, "cannot attach %s to perf event on CPU %d", prog, cpus[i]);
		} else {
			attached++;
		}
	}
	free(cpus);
	if (!rc && !attached)
		rc = fail(o, -ENODEV, "no CPU to attach %s to", prog);
	if (!rc)
		capture_end();
	return rc;
}

int bpfl_fill_perf_counter(struct bpfl_obj *o, const char *map, uint32_t k, uint32_t n, const struct bpfl_perf *pe)
{
	capture_begin(o);
	int mfd = bpfl_map_fd(o, map);
	if (mfd < 0)
		return fail(o, mfd, "no map %s in the BPF object", map);
	enum { MAX_CPUS = 4096 };
	int *cpus = xcalloc(MAX_CPUS, sizeof(int));
	int ncpus = online_cpus(cpus, MAX_CPUS), opened = 0, rc = 0;
	struct perf_event_attr attr = {.type = pe->type, .size = sizeof(attr), .config = pe->config};
	for (int i = 0; i < ncpus && !rc; i++) {
		int pfd = perf_open(&attr, cpus[i]);
		if (pfd < 0) {
			if (errno != ENODEV) /* else it went offline meanwhile */
				rc = perf_open_failed(o, -errno, pe, cpus[i]);
			continue;
		}
		uint32_t index = (uint32_t)cpus[i] * n + k;
		/* the array keeps the event: the fd can go */
		if (bpf_map_update_elem(mfd, &index, &pfd, BPF_ANY) != 0)
			rc = fail(o, -errno, "cannot put the counter of CPU %d in %s", cpus[i], map);
		else
			opened++;
		close(pfd);
	}
	free(cpus);
	if (!rc && !opened)
		rc = fail(o, -ENODEV, "no CPU to count on");
	if (!rc)
		capture_end();
	return rc;
}

static bool has_prefix(const char *s, const char *prefix)
{
	return strncmp(s, prefix, strlen(prefix)) == 0;
}

/* "tracepoint/G/E" or "tp/G/E": split into group and event. */
static bool split_tracepoint(const char *sec, char *group, size_t gsz, const char **event)
{
	const char *rest = has_prefix(sec, "tracepoint/") ? sec + 11
			   : has_prefix(sec, "tp/")       ? sec + 3
							  : NULL;
	const char *slash = rest ? strchr(rest, '/') : NULL;
	if (!slash || (size_t)(slash - rest) >= gsz)
		return false;
	memcpy(group, rest, (size_t)(slash - rest));
	group[slash - rest] = '\0';
	*event = slash + 1;
	return true;
}

int bpfl_attach_auto(struct bpfl_obj *o)
{
	struct bpf_program *p;
	bpf_object__for_each_program(p, o->obj) {
		const char *sec = bpf_program__section_name(p);
		const char *name = bpf_program__name(p);
		char group[256];
		const char *event;
		if (!bpf_program__autoload(p) || strcmp(sec, "perf_event") == 0)
			continue;
		int rc;
		if (split_tracepoint(sec, group, sizeof(group), &event)) {
			rc = bpfl_attach_tracepoint(o, name, group, event);
		} else {
			capture_begin(o);
			struct bpf_link *l = bpf_program__attach(p);
			if (!l) {
				rc = fail(o, -errno, "cannot attach %s (section %s)", name, sec);
			} else {
				keep_link(o, l, bpf_program__type(p) != BPF_PROG_TYPE_RAW_TRACEPOINT);
				capture_end();
				rc = 0;
			}
		}
		if (rc)
			return rc;
	}
	return 0;
}

int bpfl_link_count(const struct bpfl_obj *o)
{
	return o->n_links + o->n_nf_links + o->n_um_links;
}

/* --- ring buffers ------------------------------------------------------ */

int bpfl_ringbuf_add(struct bpfl_obj *o, const char *map, bpfl_record_fn fn, void *ctx)
{
	capture_begin(o);
	int fd = bpfl_map_fd(o, map);
	if (fd < 0)
		return fail(o, -ENOENT, "no ring buffer map %s", map);
	if (!o->rb) {
		o->rb = ring_buffer__new(fd, fn, ctx, NULL);
		if (!o->rb)
			return fail(o, -errno, "cannot read ring buffer %s", map);
	} else {
		int rc = ring_buffer__add(o->rb, fd, fn, ctx);
		if (rc)
			return fail(o, rc, "cannot read ring buffer %s", map);
	}
	capture_end();
	return 0;
}

int bpfl_ringbuf_poll(struct bpfl_obj *o, int timeout_ms)
{
	return o->rb ? ring_buffer__poll(o->rb, timeout_ms) : -ENOENT;
}

int bpfl_ringbuf_drain(struct bpfl_obj *o)
{
	return o->rb ? ring_buffer__consume(o->rb) : -ENOENT;
}

int bpfl_ringbuf_epoll_fd(const struct bpfl_obj *o)
{
	return o->rb ? ring_buffer__epoll_fd(o->rb) : -1;
}

/* --- global data ------------------------------------------------------- */

static bool has_suffix(const char *s, const char *suffix)
{
	size_t n = strlen(s), m = strlen(suffix);
	return n >= m && strcmp(s + n - m, suffix) == 0;
}

void *bpfl_global_data(struct bpfl_obj *o, const char *section, size_t *size)
{
	struct bpf_map *m, *found = NULL;
	bpf_object__for_each_map(m, o->obj)
		if (has_suffix(bpf_map__name(m), section) && (found = m))
			break;
	if (!found || bpf_map__fd(found) < 0 || !(bpf_map__map_flags(found) & BPF_F_MMAPABLE))
		return NULL;
	size_t len = (size_t)bpf_map__value_size(found);
	if (size)
		*size = len;
	for (int i = 0; i < o->n_mappings; i++)
		if (o->mappings[i].map == found)
			return o->mappings[i].addr;
	/* Frozen sections (.rodata) refuse a writable mapping. */
	int prot = has_suffix(section, ".rodata") ? PROT_READ : PROT_READ | PROT_WRITE;
	long page = sysconf(_SC_PAGESIZE);
	size_t maplen = (len + (size_t)page - 1) / (size_t)page * (size_t)page;
	void *addr = mmap(NULL, maplen, prot, MAP_SHARED, bpf_map__fd(found), 0);
	if (addr == MAP_FAILED)
		return NULL;
	o->mappings = xrealloc(o->mappings, (size_t)(o->n_mappings + 1) * sizeof(*o->mappings));
	o->mappings[o->n_mappings++] = (struct bpfl_mapping){addr, maplen, found};
	return addr;
}

/* --- accessors --------------------------------------------------------- */

struct bpf_object *bpfl_bpf_object(struct bpfl_obj *o)
{
	return o->obj;
}

int bpfl_map_fd(struct bpfl_obj *o, const char *map)
{
	struct bpf_map *m = bpf_object__find_map_by_name(o->obj, map);
	return m ? bpf_map__fd(m) : -ENOENT;
}

const char *bpfl_error(const struct bpfl_obj *o)
{
	return o->err.s ? o->err.s : "";
}

const char *bpfl_log(const struct bpfl_obj *o)
{
	return o->log.s ? o->log.s : "";
}

const char *bpfl_verifier_log(const struct bpfl_obj *o)
{
	return o->verifier_log;
}

const char *bpfl_failed_prog(const struct bpfl_obj *o)
{
	return o->failed_prog;
}
