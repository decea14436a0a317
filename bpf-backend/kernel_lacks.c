/* What to tell the user when the kernel refuses a kernel-function or LSM
 * program: what the kernel lacks, and where one exists, a probe that
 * covers the same event without it (a tracepoint of the function's name,
 * the system-call tapset for a system call's implementation). */
#include "kernel_lacks.h"
#include "translator/tracepoints.h"

#include <dirent.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

bool kernel_has_kprobes(void)
{
	/* the kprobe PMU that BPF kprobes attach through */
	return access("/sys/bus/event_source/devices/kprobe/type", R_OK) == 0;
}

/* A tracepoint GROUP:FN, when some group has an event of that name. */
static bool tracepoint_named(const char *fn, char *group, size_t n)
{
	const char *tracefs = tp_tracefs_dir();
	char path[4096];
	if (!tracefs)
		return false;
	snprintf(path, sizeof path, "%s/events", tracefs);
	DIR *d = opendir(path);
	if (!d)
		return false;
	bool found = false;
	struct dirent *e;
	struct stat st;
	while (!found && (e = readdir(d))) {
		if (e->d_name[0] == '.')
			continue;
		snprintf(path, sizeof path, "%s/events/%s/%s", tracefs, e->d_name, fn);
		if (stat(path, &st) == 0 && S_ISDIR(st.st_mode)) {
			snprintf(group, n, "%s", e->d_name);
			found = true;
		}
	}
	closedir(d);
	return found;
}

void kernel_function_alternative(const char *fn, char *out, size_t n)
{
	/* a system call's own entry points (not helpers such as
	 * do_sys_openat2, which several calls share) */
	static const char *const syscall_prefixes[] = {"__x64_sys_", "__ia32_sys_", "__se_sys_", "__do_sys_", NULL};
	char group[256];
	out[0] = 0;
	if (tracepoint_named(fn, group, sizeof group)) {
		snprintf(out, n, "; the tracepoint kernel.trace(\"%s:%s\") covers the same event", group, fn);
		return;
	}
	for (int i = 0; syscall_prefixes[i]; i++) {
		size_t len = strlen(syscall_prefixes[i]);
		if (strncmp(fn, syscall_prefixes[i], len) == 0 && fn[len]) {
			snprintf(out, n, "; syscall.%s covers the system call", fn + len);
			return;
		}
	}
}

void kernel_lsm_list(char *out, size_t n)
{
	FILE *f = fopen("/sys/kernel/security/lsm", "r");
	out[0] = 0;
	if (!f) {
		snprintf(out, n, "its list cannot be read: securityfs is not mounted");
		return;
	}
	char list[512] = "";
	if (!fgets(list, sizeof list, f))
		list[0] = 0;
	fclose(f);
	list[strcspn(list, "\n")] = 0;
	bool has = false;
	for (char *p = list; (p = strstr(p, "bpf")); p += 3)
		if ((p == list || p[-1] == ',') && (p[3] == ',' || p[3] == 0))
			has = true;
	snprintf(out, n, "its list is \"%s\"%s", list, has ? "" : ", without bpf: boot with lsm=...,bpf");
}
