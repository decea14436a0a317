/* What the kernel half needs to know of this machine's tasks before the
 * probes attach: the executables process("PATH") probes filter by, and
 * the processes already running that begin probes fire for. Found where
 * the runner runs, so an artifact built elsewhere filters right. */
#include <bpf/bpf.h>
#include <dirent.h>
#include <errno.h>
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "loader.h"
#include "runner_bpf.h"

/* The executables process("PATH").begin/.end probes want, by inode, as
 * this machine has them. */
bool bpf_run_set_exe_filters(struct runner *r)
{
	int fd = bpfl_map_fd(bpf_run_of(r)->obj, "btap_exes");
	for (uint32_t i = 0; fd >= 0 && i < r->prog->nprobes; i++) {
		const char *path = r->prog->probes[i].exe_path;
		if (!path)
			continue;
		struct stat st;
		if (stat(path, &st) != 0) {
			runner_fail(r, "probe %s: cannot find %s: %s", r->prog->probes[i].pp, path, strerror(errno));
			return false;
		}
		/* the inode and the name of the file itself (links resolved) */
		struct {
			uint64_t ino;
			char name[32];
		} want = {st.st_ino, {0}};
		char *real = realpath(path, NULL);
		const char *base = strrchr(real ? real : path, '/');
		snprintf(want.name, sizeof want.name, "%s", base ? base + 1 : path);
		free(real);
		if (bpf_map_update_elem(fd, &i, &want, BPF_ANY) != 0) {
			runner_fail(r, "cannot set the executable filter: %s", strerror(errno));
			return false;
		}
	}
	return true;
}

/* Is process `pid` one the running-process begin probe p wants? */
static bool wants_process(const struct btap_probe_desc *p, const struct stat *exe, long pid)
{
	char link[64];
	snprintf(link, sizeof link, "/proc/%ld/exe", pid);
	struct stat st;
	if (stat(link, &st) != 0)
		return false; /* a kernel thread, a zombie, or gone */
	if (p->running_pid)
		return pid == p->running_pid;
	return !exe || (st.st_ino == exe->st_ino && st.st_dev == exe->st_dev);
}

/* Every begin probe that fires for the processes running at the start:
 * the processes it wants, keyed (probe, pid), and how many per probe. */
bool bpf_run_list_running(struct runner *r)
{
	int fd = bpfl_map_fd(bpf_run_of(r)->obj, "btap_running");
	int left_fd = bpfl_map_fd(bpf_run_of(r)->obj, "btap_running_left");
	for (uint32_t i = 0; fd >= 0 && left_fd >= 0 && i < r->prog->nprobes; i++) {
		const struct btap_probe_desc *p = &r->prog->probes[i];
		if (!p->running)
			continue;
		struct stat exe;
		if (p->exe_path && stat(p->exe_path, &exe) != 0) {
			runner_fail(r, "probe %s: cannot find %s: %s", p->pp, p->exe_path, strerror(errno));
			return false;
		}
		DIR *d = opendir("/proc");
		if (!d) {
			runner_fail(r, "probe %s: cannot list processes: /proc: %s", p->pp, strerror(errno));
			return false;
		}
		uint64_t n = 0, full = 0;
		struct dirent *e;
		while ((e = readdir(d))) {
			char *end;
			long pid = strtol(e->d_name, &end, 10);
			if (*end || pid <= 0 || !wants_process(p, p->exe_path ? &exe : NULL, pid))
				continue;
			struct {
				uint32_t probe, tgid;
			} key = {i, (uint32_t)pid};
			uint8_t one = 1;
			if (bpf_map_update_elem(fd, &key, &one, BPF_ANY) == 0)
				n++;
			else
				full++;
		}
		closedir(d);
		if (full)
			fprintf(stderr, "WARNING: probe %s: %" PRIu64 " running processes left out (table full)\n",
				p->pp, full);
		if (bpf_map_update_elem(left_fd, &i, &n, BPF_ANY) != 0) {
			runner_fail(r, "probe %s: cannot count the running processes: %s", p->pp, strerror(errno));
			return false;
		}
	}
	return true;
}
