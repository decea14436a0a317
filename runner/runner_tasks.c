/* What the kernel half needs to know of this machine's tasks before the
 * probes arm: the executables process("PATH") probes filter by, and the
 * processes already running that begin probes fire for. Found where the
 * runner runs, so an artifact built elsewhere filters right; each runtime
 * stores them its own way (the sink). */
#include "runner_tasks.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "runner_internal.h"
#include "translator/util.h"

/* The executable process("PATH") probes want, as this machine has it. */
static bool find_exe(struct runner *r, const struct btap_probe_desc *p, struct stat *st)
{
	if (stat(p->exe_path, st) == 0)
		return true;
	runner_fail(r, "probe %s: cannot find %s: %s", p->pp, p->exe_path, strerror(errno));
	return false;
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

/* The processes running now that probe p wants, into *tgids (*n of them). */
static bool list_running(struct runner *r, const struct btap_probe_desc *p, uint32_t **tgids, size_t *n)
{
	struct stat exe;
	if (p->exe_path && !find_exe(r, p, &exe))
		return false;
	DIR *d = opendir("/proc");
	if (!d) {
		runner_fail(r, "probe %s: cannot list processes: /proc: %s", p->pp, strerror(errno));
		return false;
	}
	size_t cap = 0;
	struct dirent *e;
	while ((e = readdir(d))) {
		char *end;
		long pid = strtol(e->d_name, &end, 10);
		if (*end || pid <= 0 || pid > UINT32_MAX || !wants_process(p, p->exe_path ? &exe : NULL, pid))
			continue;
		if (*n == cap) {
			cap = cap ? 2 * cap : 256;
			*tgids = xrealloc(*tgids, cap * sizeof(**tgids));
		}
		(*tgids)[(*n)++] = (uint32_t)pid;
	}
	closedir(d);
	return true;
}

bool runner_set_task_filters(struct runner *r, const struct runner_task_sink *sink)
{
	for (uint32_t i = 0; i < r->prog->nprobes; i++) {
		const struct btap_probe_desc *p = &r->prog->probes[i];
		if (p->exe_path && !p->running) {
			struct stat st;
			if (!find_exe(r, p, &st))
				return false;
			/* the inode and the name of the file itself (links resolved) */
			struct runner_exe want = {.ino = st.st_ino};
			char *real = realpath(p->exe_path, NULL);
			const char *base = strrchr(real ? real : p->exe_path, '/');
			snprintf(want.name, sizeof want.name, "%s", base ? base + 1 : p->exe_path);
			free(real);
			if (!sink->exe(r, i, &want))
				return false;
		}
		if (p->running) {
			uint32_t *tgids = NULL;
			size_t n = 0;
			bool ok = list_running(r, p, &tgids, &n) && sink->running(r, i, tgids, n);
			free(tgids);
			if (!ok)
				return false;
		}
	}
	return true;
}
