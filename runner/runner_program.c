/* The runner half of an artifact: prog.so, its descriptor (checked for
 * the runner's ABI), and running its begin, end and error probes in
 * priority order. */
#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "runner_internal.h"
#include "translator/cache.h"
#include "translator/util.h"

/* An artifact whose begin, end or timer probes read kernel structures at
 * fixed offsets (@cast, task_*()) names the kernel build they are from;
 * another kernel may lay them out differently, so it is refused there
 * (the kernel's half relocates itself; the runner's cannot). */
static bool runner_check_kernel_build(struct runner *r)
{
	char path[4200];
	snprintf(path, sizeof(path), "%s/%s", r->dir, CACHE_KERNEL_BUILD_FILE);
	char *want = read_file(path, NULL);
	if (!want)
		return true;
	want[strcspn(want, "\n")] = 0;
	const char *have = cache_kernel_build();
	bool same = strcmp(want, have) == 0;
	if (!same)
		runner_fail(r, "%s was built for another kernel build (%.12s, this one is %.12s): its begin, end or "
			    "timer probes read kernel structures at that kernel's offsets; build it on this kernel "
			    "(btap -p4 SCRIPT)", r->dir, want, *have ? have : "unknown");
	free(want);
	return same;
}

bool runner_load_shared(struct runner *r)
{
	char path[4200];
	snprintf(path, sizeof(path), "%s/prog.so", r->dir);
	r->dl = dlopen(path, RTLD_NOW | RTLD_LOCAL);
	if (!r->dl) {
		runner_fail(r, "cannot load compiled program %s: %s", path, dlerror());
		return false;
	}
	r->prog = dlsym(r->dl, BTAP_PROGRAM_SYMBOL);
	if (!r->prog) {
		runner_fail(r, "%s has no %s: not a btap artifact", path, BTAP_PROGRAM_SYMBOL);
		return false;
	}
	if (r->prog->abi != BTAP_ABI_VERSION) {
		runner_fail(r, "%s was built for runner ABI %u, this btap speaks %u: recompile it",
			    path, r->prog->abi, BTAP_ABI_VERSION);
		return false;
	}
	return runner_check_kernel_build(r);
}


static const struct btap_probe_desc **probes_of(struct runner *r, enum btap_probe_kind kind,
						int *n)
{
	const struct btap_probe_desc **v = xcalloc(r->prog->nprobes + 1, sizeof(*v));
	*n = 0;
	for (uint32_t i = 0; i < r->prog->nprobes; i++)
		if (r->prog->probes[i].kind == kind && r->prog->probes[i].run)
			v[(*n)++] = &r->prog->probes[i];
	/* Insertion sort: stable, so equal priorities keep script order. */
	for (int i = 1; i < *n; i++) {
		const struct btap_probe_desc *p = v[i];
		int j = i;
		for (; j > 0 && v[j - 1]->priority > p->priority; j--)
			v[j] = v[j - 1];
		v[j] = p;
	}
	return v;
}

/* Run every probe of a kind in priority order. A begin probe stops the
 * sequence once the run is ending (exit() or an error), as in stap; end
 * and error probes all run. */
void runner_run_probes(struct runner *r, enum btap_probe_kind kind)
{
	int n;
	const struct btap_probe_desc **v = probes_of(r, kind, &n);
	for (int i = 0; i < n; i++) {
		if (kind == BTAP_PROBE_BEGIN && r->stop)
			break;
		if (r->end == RUNNER_END_ABORT)
			break;
		/* JSON writes displayed globals as records, after the end probes */
		if (r->json && v[i]->display)
			continue;
		v[i]->run();
	}
	free(v);
}

bool runner_stat_desc(const struct btap_map_desc *d, struct rt_stat_desc *sd)
{
	int shift = d->bit_shift;
	rt_stat_desc_init(sd, shift < 0 ? 0 : shift > RT_STAT_MAX_SHIFT ? RT_STAT_MAX_SHIFT : shift);
	if (d->hist_kind == 1) {
		rt_hist_init_log(&sd->hist);
	} else if (d->hist_kind == 2) {
		if (rt_hist_init_linear(&sd->hist, d->hist_start, d->hist_stop, d->hist_interval,
					NULL) != 0)
			return false;
	}
	return true;
}
