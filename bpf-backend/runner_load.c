/* The BPF object of an artifact: loaded with the runner's maps, verifier
 * failures located in the script, the kernel probes attached. */
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "compile.h"
#include "translator/diag.h"
#include "loader.h"
#include "runner_bpf.h"
#include "runner/runner_tasks.h"
#include "translator/session.h"
#include "translator/util.h"

/* ---- verifier failures --------------------------------------------- */

/* "; text @ file:line" -> file and line. */
static bool parse_line_info(const char *line, char *file, size_t fsz, int *lno)
{
	if (line[0] != ';')
		return false;
	const char *at = strstr(line, " @ ");
	if (!at)
		return false;
	const char *name = at + 3, *colon = strrchr(name, ':');
	if (!colon || colon == name || (size_t)(colon - name) >= fsz)
		return false;
	char *end;
	long l = strtol(colon + 1, &end, 10);
	if (end == colon + 1 || l <= 0)
		return false;
	memcpy(file, name, (size_t)(colon - name));
	file[colon - name] = '\0';
	*lno = (int)l;
	return true;
}

/* The verifier's reason: the last line before "processed N insns" that is
 * not an instruction dump or line info. */
static void verifier_reason(const char *log, char *out, size_t n)
{
	snprintf(out, n, "rejected by the BPF verifier");
	char line[1024];
	for (const char *p = log; p && *p;) {
		const char *nl = strchr(p, '\n');
		size_t len = nl ? (size_t)(nl - p) : strlen(p);
		snprintf(line, sizeof(line), "%.*s", (int)len, p);
		p = nl ? nl + 1 : NULL;
		if (strncmp(line, "processed ", 10) == 0)
			break;
		/* instruction dumps, and register states (" frame2: R1=...",
		 * "from 12 to 14: R0=...") are context, not the reason */
		bool insn = (line[0] >= '0' && line[0] <= '9' && strchr(line, ':')) || line[0] == ' ' ||
			    strncmp(line, "frame", 5) == 0 || strncmp(line, "from ", 5) == 0 ||
			    strstr(line, " R1=") || strstr(line, " R0=");
		if (line[0] && line[0] != ';' && !insn && strncmp(line, "func#", 5) != 0 &&
		    strncmp(line, "verification time", 17) != 0 && strncmp(line, "stack depth", 11) != 0)
			snprintf(out, n, "%s", line);
	}
}

/* The probes' frames live in per-CPU scratch maps (bs<N>), which the
 * kernel caps at 32 KB a CPU: say what makes one too big. */
static void scratch_hint(struct runner *r)
{
	const char *err = bpfl_error(bpf_run_of(r)->obj);
	const char *m = strstr(err, "cannot create BPF map bs");
	char name[64] = "";
	if (m)
		sscanf(m + 22, "%63[^:]", name);
	struct bpf_map *map = name[0] ? bpf_object__find_map_by_name(bpfl_bpf_object(bpf_run_of(r)->obj), name) : NULL;
	if (!map) {
		runner_fail(r, "%s", err);
		return;
	}
	runner_fail(r, "%s (a probe needs %u bytes of per-CPU scratch space for its strings and locals; "
		       "the kernel allows 32768: lower MAXSTRINGLEN or split the probe)",
		    err, bpf_map__value_size(map));
}

/* Where the probe whose program is prog starts in the script: a failure
 * the verifier's path pins on no script line is at least this probe's. */
static void probe_origin(struct runner *r, const char *prog, const struct src_file **file, int *line)
{
	for (uint32_t i = 0; prog && i < r->prog->nprobes; i++) {
		const struct btap_probe_desc *p = &r->prog->probes[i];
		if (!p->bpf_prog || strcmp(p->bpf_prog, prog) != 0 || !p->origin)
			continue;
		char name[1024];
		int l = 0;
		const char *colon = strrchr(p->origin, ':');
		/* "file:line:col": the line sits between the last two colons */
		const char *c2 = colon ? colon - 1 : NULL;
		while (c2 && c2 > p->origin && *c2 != ':')
			c2--;
		if (!c2 || c2 == p->origin || (size_t)(c2 - p->origin) >= sizeof(name))
			return;
		snprintf(name, sizeof(name), "%.*s", (int)(c2 - p->origin), p->origin);
		l = atoi(c2 + 1);
		*file = compile_find_source(r->s, name);
		*line = *file && l > 0 ? l : 0;
		if (!*line)
			*file = NULL;
		return;
	}
}

/* Lines in a source file (a last line without its newline counts). */
static int src_line_count(const struct src_file *f)
{
	int n = 0;
	for (size_t i = 0; i < f->len; i++)
		n += f->text[i] == '\n';
	return n + (f->len && f->text[f->len - 1] != '\n');
}

static void report_verifier_failure(struct runner *r)
{
	const char *log = bpfl_verifier_log(bpf_run_of(r)->obj);
	const char *prog = bpfl_failed_prog(bpf_run_of(r)->obj);
	if (!log) {
		scratch_hint(r);
		return;
	}
	char file[1024] = "", lastfile[1024] = "", reason[1024];
	int lno = 0, lastline = 0, scriptline = 0;
	const struct src_file *script = NULL;
	for (const char *p = log; p && *p;) {
		const char *nl = strchr(p, '\n');
		char line[1024];
		snprintf(line, sizeof(line), "%.*s", (int)(nl ? (size_t)(nl - p) : strlen(p)), p);
		if (parse_line_info(line, file, sizeof(file), &lno)) {
			snprintf(lastfile, sizeof(lastfile), "%s", file);
			lastline = lno;
			/* the last statement of the script the path went through:
			 * where a failing runtime helper was called from */
			const struct src_file *sf = compile_find_source(r->s, file);
			if (sf) {
				script = sf;
				scriptline = lno;
			}
		}
		p = nl ? nl + 1 : NULL;
	}
	verifier_reason(log, reason, sizeof(reason));
	/* what the kernel refuses by program type: say which probes can */
	if (strstr(reason, "calling kernel function bpf_task_from_pid is not allowed"))
		snprintf(reason + strlen(reason), sizeof(reason) - strlen(reason), "%s",
			 " (pid2task() and the task_*(tid) functions work in probes on BTF-typed programs: "
			 "kernel.function, and kernel.trace probes that read a prototype argument such as $prev; "
			 "this kind of probe cannot call it on BPF, --runtime=kmod can)");
	if (strstr(reason, "cannot use helper bpf_probe_write_user"))
		snprintf(reason + strlen(reason), sizeof(reason) - strlen(reason), "%s",
			 " (set_user_*() writes user memory from BPF, which this kernel forbids: kernel lockdown "
			 "does; --runtime=kmod writes it)");
	if (strstr(reason, "combined stack size"))
		snprintf(reason + strlen(reason), sizeof(reason) - strlen(reason), "%s",
			 " (the probe and the functions it calls, down to the deepest, need more than BPF's 512 "
			 "bytes of stack: move some of its work to another probe or into a function it calls "
			 "less deeply, or run it with --runtime=kmod)");
	runner_flush(r);
	const struct src_file *f = lastline ? compile_find_source(r->s, lastfile) : NULL;
	/* refused before any instruction was checked (the stack over the
	 * call chain): the probe, where it was written */
	if (!f && !script)
		probe_origin(r, prog, &script, &scriptline);
	if (!f && script) {
		char where[1100];
		if (lastline) {
			snprintf(where, sizeof(where), "%s (in the runtime at %s:%d)", reason, lastfile, lastline);
			snprintf(reason, sizeof(reason), "%s", where);
		}
		f = script;
		lastline = scriptline;
	}
	if (f && lastline > src_line_count(f)) {
		/* the line info of the code after a statement's last directive
		 * counts on past it: the probe itself, then */
		const struct src_file *pf = NULL;
		int pl = 0;
		probe_origin(r, prog, &pf, &pl);
		lastline = pf ? pl : src_line_count(f);
		f = pf ? pf : f;
	}
	if (f) {
		char text[512];
		src_line_text(f, lastline, text, sizeof(text));
		int col = 1;
		while (text[col - 1] == ' ' || text[col - 1] == '\t')
			col++;
		struct loc at = {f, lastline, text[col - 1] ? col : 1, NULL};
		diag_error(at, "the BPF verifier rejected this probe: %s", reason);
	} else if (lastline) {
		diag_plain_error("%s:%d: the BPF verifier rejected this probe: %s", lastfile, lastline,
				 reason);
	} else {
		diag_plain_error("the BPF verifier rejected program %s: %s", prog ? prog : "?", reason);
	}
	if (r->s->verbose)
		fprintf(stderr, "verifier log of %s:\n%s\n", prog ? prog : "?", log);
}

/* ---- the BPF object -------------------------------------------------- */

static int reuse(struct bpf_map *m, int fd, struct runner *r)
{
	if (bpf_map__reuse_fd(m, fd) != 0) {
		runner_fail(r, "cannot hand map %s to the BPF object: %s", bpf_map__name(m),
			    strerror(errno));
		return -1;
	}
	return 0;
}

/* The output ring buffer: -s MB (default 4, -b 16), a power of two. */
static uint32_t ringbuf_size(struct session *s)
{
	uint64_t mb = s->bufsize_mb > 0 ? (uint64_t)s->bufsize_mb : s->bulk ? 16 : 4;
	uint64_t size = 1;
	while (size < mb << 20 && size < (1ull << 31))
		size <<= 1;
	return (uint32_t)size;
}

/* Give every map the runner created to the object, by name, and size the
 * object's own output buffer. */
static bool share_maps(struct runner *r)
{
	struct bpf_object *obj = bpfl_bpf_object(bpf_run_of(r)->obj);
	struct bpf_map *m;
	bpf_object__for_each_map(m, obj) {
		const char *name = bpf_map__name(m);
		int fd = -1;
		if (strcmp(name, BTAP_EVENTS_MAP) == 0) {
			bpf_run_of(r)->ringbuf_size = ringbuf_size(r->s);
			if (bpf_map__set_max_entries(m, bpf_run_of(r)->ringbuf_size) != 0) {
				runner_fail(r, "cannot size the output buffer: %s", strerror(errno));
				return false;
			}
			continue;
		}
		if (strcmp(name, BTAP_PERFC_MAP) == 0) { /* counter k of CPU n at n * counters + k */
			int ncpu = libbpf_num_possible_cpus();
			if (ncpu <= 0 || bpf_map__set_max_entries(m, (uint32_t)ncpu * r->prog->nperf_counters) != 0) {
				runner_fail(r, "cannot size the perf counters' array: %s", strerror(errno));
				return false;
			}
			continue;
		}
		if (strcmp(name, BTAP_GLOBALS_MAP) == 0)
			fd = bpf_run_of(r)->globals_fd;
		for (int i = 0; fd < 0 && i < bpf_run_of(r)->nmaps; i++) {
			const struct runner_map *rm = &bpf_run_of(r)->maps[i];
			if (rm->d->bpf_name && strcmp(rm->d->bpf_name, name) == 0)
				fd = rm->fd;
		}
		if (fd >= 0 && reuse(m, fd, r) != 0)
			return false;
	}
	return true;
}

/* The script's perf counters (@perf), each counting on every CPU into the
 * object's array. */
static bool open_perf_counters(struct runner *r)
{
	const struct btap_program *p = r->prog;
	for (uint32_t k = 0; k < p->nperf_counters; k++) {
		const struct btap_perf_counter_desc *pc = &p->perf_counters[k];
		struct bpfl_perf pe = {.type = pc->type, .config = pc->config};
		if (pc->declared &&
		    bpfl_fill_perf_counter(bpf_run_of(r)->obj, BTAP_PERFC_MAP, k, p->nperf_counters, &pe) != 0) {
			runner_fail(r, "cannot open perf counter '%s' at %s: %s", pc->name, pc->origin,
				    bpfl_error(bpf_run_of(r)->obj));
			return false;
		}
	}
	return true;
}

bool bpf_run_load(struct runner *r)
{
	if (!r->prog->has_bpf)
		return true;
	char path[4200], *err = NULL;
	snprintf(path, sizeof(path), "%s/prog.bpf.o", r->dir);
	bpfl_set_verbose(r->s->verbose >= 3);
	bpf_run_of(r)->obj = bpfl_open_file(path, &err);
	if (!bpf_run_of(r)->obj) {
		runner_fail(r, "%s", err ? err : path);
		free(err);
		return false;
	}
	if (!share_maps(r))
		return false;
	/* programs that several uprobes run: one link per binary (Linux 6.6) */
	bool multi = bpfl_has_uprobe_multi();
	for (uint32_t i = 0; multi && i < r->prog->nprobes; i++) {
		const struct btap_probe_desc *p = &r->prog->probes[i];
		if (p->kind == BTAP_PROBE_UPROBE && p->bpf_cookie)
			bpfl_use_uprobe_multi(bpf_run_of(r)->obj, p->bpf_prog);
	}
	if (bpfl_load(bpf_run_of(r)->obj) != 0) {
		report_verifier_failure(r);
		return false;
	}
	if (!open_perf_counters(r))
		return false;
	/* A program that never prints has no output buffer. */
	if (bpfl_map_fd(bpf_run_of(r)->obj, BTAP_EVENTS_MAP) >= 0 &&
	    bpfl_ringbuf_add(bpf_run_of(r)->obj, BTAP_EVENTS_MAP, runner_on_record, r) != 0) {
		runner_fail(r, "%s", bpfl_error(bpf_run_of(r)->obj));
		return false;
	}
	return true;
}

/* The process a uprobe is in (0: every one). */
static int64_t uprobe_pid(struct runner *r, const struct btap_probe_desc *p)
{
	return p->up_pid < 0 ? r->target_pid : p->up_pid;
}

static int attach_one(struct runner *r, const struct btap_probe_desc *p)
{
	if (p->kind == BTAP_PROBE_TRACEPOINT)
		return bpfl_attach_tracepoint(bpf_run_of(r)->obj, p->bpf_prog, p->tp_group, p->tp_name);
	if (p->kind == BTAP_PROBE_RAW_TP)
		return bpfl_attach_raw_tracepoint(bpf_run_of(r)->obj, p->bpf_prog, p->tp_name);
	/* a program several probes run: the probe's index as its cookie */
	uint64_t cookie = p->bpf_cookie ? (uint64_t)(p - r->prog->probes) : 0;
	if (p->kind == BTAP_PROBE_KFUNC && p->bpf_cookie)
		return bpfl_attach_kprobe_cookie(bpf_run_of(r)->obj, p->bpf_prog, p->tp_name, cookie);
	if (p->kind == BTAP_PROBE_KFUNC)
		return bpfl_attach_traced(bpf_run_of(r)->obj, p->bpf_prog);
	if (p->kind == BTAP_PROBE_UPROBE) {
		struct bpfl_uprobe u = {p->up_path, p->up_offset, p->up_semaphore, uprobe_pid(r, p), p->up_ret != 0,
					cookie};
		return bpfl_attach_uprobe(bpf_run_of(r)->obj, p->bpf_prog, &u);
	}
	if (p->kind == BTAP_PROBE_NETFILTER)
		return bpfl_attach_netfilter(bpf_run_of(r)->obj, p->bpf_prog, p->nf_pf, p->nf_hook, p->nf_priority);
	struct bpfl_perf pe = {p->perf_type, p->perf_config, p->perf_period, p->perf_freq != 0,
			       p->perf_bp_addr, p->perf_bp_symbol, p->perf_bp_len, p->perf_bp_type};
	return bpfl_attach_perf_event(bpf_run_of(r)->obj, p->bpf_prog, &pe);
}

/* ---- the tasks probes sift by (runner/runner_tasks.c), into maps -------- */

static bool bpf_set_exe(struct runner *r, uint32_t probe, const struct runner_exe *want)
{
	int fd = bpfl_map_fd(bpf_run_of(r)->obj, "btap_exes");
	if (fd < 0 || bpf_map_update_elem(fd, &probe, want, BPF_ANY) != 0) {
		runner_fail(r, "cannot set the executable filter: %s", strerror(fd < 0 ? ENOENT : errno));
		return false;
	}
	return true;
}

/* keyed (probe, pid); the count per probe lets a switch skip the lookup */
static bool bpf_set_running(struct runner *r, uint32_t probe, const uint32_t *tgids, size_t n)
{
	const char *pp = r->prog->probes[probe].pp;
	int fd = bpfl_map_fd(bpf_run_of(r)->obj, "btap_running");
	int left_fd = bpfl_map_fd(bpf_run_of(r)->obj, "btap_running_left");
	if (fd < 0 || left_fd < 0) {
		runner_fail(r, "probe %s: the running processes' maps are missing", pp);
		return false;
	}
	uint64_t in = 0, full = 0;
	for (size_t i = 0; i < n; i++) {
		struct {
			uint32_t probe, tgid;
		} key = {probe, tgids[i]};
		uint8_t one = 1;
		if (bpf_map_update_elem(fd, &key, &one, BPF_ANY) == 0)
			in++;
		else
			full++;
	}
	if (full)
		fprintf(stderr, "WARNING: probe %s: %" PRIu64 " running processes left out (table full)\n", pp, full);
	if (bpf_map_update_elem(left_fd, &probe, &in, BPF_ANY) != 0) {
		runner_fail(r, "probe %s: cannot count the running processes: %s", pp, strerror(errno));
		return false;
	}
	return true;
}

static const struct runner_task_sink bpf_task_sink = {bpf_set_exe, bpf_set_running};

static bool same_uprobe_link(struct runner *r, const struct btap_probe_desc *a, const struct btap_probe_desc *b)
{
	return b->kind == BTAP_PROBE_UPROBE && b->bpf_cookie && strcmp(a->bpf_prog, b->bpf_prog) == 0 &&
	       strcmp(a->up_path, b->up_path) == 0 && uprobe_pid(r, a) == uprobe_pid(r, b);
}

/* The uprobes whose programs they share, one link per program, binary and
 * process (bpfl_attach_uprobe_multi), each probe's index its cookie. */
static bool attach_uprobe_links(struct runner *r)
{
	uint32_t n = r->prog->nprobes;
	bool *done = xcalloc(n ? n : 1, sizeof *done);
	uint64_t *offs = xcalloc(n ? n : 1, sizeof *offs), *refs = xcalloc(n ? n : 1, sizeof *refs);
	uint64_t *cookies = xcalloc(n ? n : 1, sizeof *cookies);
	bool ok = true;
	for (uint32_t i = 0; ok && i < n; i++) {
		const struct btap_probe_desc *p = &r->prog->probes[i];
		if (done[i] || p->kind != BTAP_PROBE_UPROBE || !p->bpf_cookie)
			continue;
		int k = 0;
		for (uint32_t j = i; j < n; j++) {
			const struct btap_probe_desc *q = &r->prog->probes[j];
			if (done[j] || !same_uprobe_link(r, p, q))
				continue;
			done[j] = true;
			offs[k] = q->up_offset;
			refs[k] = q->up_semaphore;
			cookies[k++] = j;
		}
		if (bpfl_attach_uprobe_multi(bpf_run_of(r)->obj, p->bpf_prog, p->up_path, offs, refs, cookies, k,
					     p->up_ret != 0, uprobe_pid(r, p)) != 0) {
			runner_fail(r, "cannot attach probe %s%s%s: %s", p->pp ? p->pp : p->bpf_prog,
				    p->origin ? " at " : "", p->origin ? p->origin : "", bpfl_error(bpf_run_of(r)->obj));
			ok = false;
		}
	}
	free(done);
	free(offs);
	free(refs);
	free(cookies);
	return ok;
}

bool bpf_run_attach(struct runner *r)
{
	if (bpf_run_of(r)->obj && !runner_set_task_filters(r, &bpf_task_sink))
		return false;
	bool multi_uprobes = bpfl_has_uprobe_multi();
	if (multi_uprobes && bpf_run_of(r)->obj && !attach_uprobe_links(r))
		return false;
	unsigned missed = 0, attached = 0;
	const struct btap_probe_desc *first_missed = NULL;
	for (uint32_t i = 0; i < r->prog->nprobes; i++) {
		const struct btap_probe_desc *p = &r->prog->probes[i];
		if (p->kind != BTAP_PROBE_TRACEPOINT && p->kind != BTAP_PROBE_PERF &&
		    p->kind != BTAP_PROBE_RAW_TP && p->kind != BTAP_PROBE_KFUNC && p->kind != BTAP_PROBE_UPROBE &&
		    p->kind != BTAP_PROBE_NETFILTER)
			continue;
		if (!bpf_run_of(r)->obj || !p->bpf_prog) {
			runner_fail(r, "probe %s has no BPF program", p->pp ? p->pp : "?");
			return false;
		}
		if (p->kind == BTAP_PROBE_UPROBE && p->bpf_cookie && multi_uprobes)
			continue; /* attach_uprobe_links */
		if (attach_one(r, p) == 0) {
			attached += p->tolerant != 0;
			continue;
		}
		if (!p->tolerant) {
			runner_fail(r, "cannot attach probe %s%s%s: %s", p->pp ? p->pp : p->bpf_prog,
				    p->origin ? " at " : "", p->origin ? p->origin : "",
				    bpfl_error(bpf_run_of(r)->obj));
			return false;
		}
		/* one of a pattern's matches the kernel will not probe: a
		 * warning, as in stap */
		fprintf(stderr, "WARNING: probe %s not attached: %s\n", p->pp ? p->pp : p->bpf_prog,
			bpfl_error(bpf_run_of(r)->obj));
		if (!missed++)
			first_missed = p;
	}
	if (missed && !attached) {
		runner_fail(r, "no probe of the pattern at %s attached", first_missed->origin ? first_missed->origin : "?");
		return false;
	}
	if (missed)
		fprintf(stderr, "WARNING: %u of %u probes from patterns not attached\n", missed, missed + attached);
	return true;
}
