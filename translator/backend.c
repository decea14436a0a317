/* The table of runtimes (backend.h): BPF and the kernel module runtime. */
#include "backend.h"

#include "diag.h"
#include "kconfig.h"
#include "kmod-backend/kbuild.h"

#include <dirent.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

const struct backend *backend_for(enum runtime_kind rt)
{
	return rt == RT_KMOD ? &backend_kmod : &backend_bpf;
}

bool backend_ready(const struct backend *b)
{
	if (!b->missing)
		return true;
	diag_plain_error("%s is not implemented yet in this version of btap", b->missing);
	return false;
}

/* A cached artifact of the kmod runtime holds its module. */
static bool artifact_has_module(const char *dir)
{
	DIR *d = opendir(dir);
	bool ko = false;
	for (struct dirent *e; d && !ko && (e = readdir(d));) {
		size_t n = strlen(e->d_name);
		ko = n > 3 && strcmp(e->d_name + n - 3, ".ko") == 0;
	}
	if (d)
		closedir(d);
	return ko;
}

bool backend_choose(struct session *s)
{
	if (s->runtime != RT_AUTO)
		return true;
	if (s->run_artifact) {
		s->runtime = artifact_has_module(s->run_artifact) ? RT_KMOD : RT_BPF;
		if (s->verbose)
			fprintf(stderr, "btap: runtime %s: the artifact holds %s\n", s->runtime == RT_KMOD ? "kmod" : "bpf",
				s->runtime == RT_KMOD ? "a kernel module" : "no kernel module");
		return true;
	}
	const char *no_bpf = NULL;
	if (access("/sys/kernel/btf/vmlinux", R_OK) != 0)
		no_bpf = "the kernel has no BTF (/sys/kernel/btf/vmlinux)";
	else if (kconfig_known(s->kconfig) && !kconfig_lookup("CONFIG_BPF_SYSCALL", s->kconfig))
		no_bpf = "the kernel's configuration has no CONFIG_BPF_SYSCALL";
	if (!no_bpf) {
		s->runtime = RT_BPF;
		if (s->verbose)
			fprintf(stderr, "btap: runtime bpf: the kernel has BTF and BPF\n");
		return true;
	}
	char tree[PATH_MAX], makefile[PATH_MAX + 16];
	kbuild_tree(s, tree, sizeof tree);
	snprintf(makefile, sizeof makefile, "%s/Makefile", tree);
	if (access(makefile, R_OK) == 0) {
		s->runtime = RT_KMOD;
		if (s->verbose)
			fprintf(stderr, "btap: runtime kmod: %s, and a kernel build tree is at %s\n", no_bpf, tree);
		return true;
	}
	if (s->last_pass <= 2) { /* parsing and elaborating need neither */
		s->runtime = RT_BPF;
		if (s->verbose)
			fprintf(stderr, "btap: runtime bpf for passes 1-2 (%s, and no kernel build tree at %s)\n", no_bpf,
				tree);
		return true;
	}
	diag_plain_error("no runtime can serve this kernel: BPF cannot (%s), and a kernel module cannot be built "
			 "(no kernel build tree at %s; install the kernel's headers, or name a tree with -r DIR)",
			 no_bpf, tree);
	return false;
}
