/* The target namespaces of ns_pid() ... ns_egid(): those of
 * --target-namespaces PID, else the runner's own (as stap's, whose default
 * is stapio's). The generated code gets the pid namespace's inode number,
 * which it finds among a task's pid numbers, and the user namespace's id
 * maps, which it applies to a task's credentials (as from_kuid_munged). */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "runner_internal.h"
#include "translator/session.h"

/* /proc/PID/uid_map or gid_map: "first lower-first count" per line. */
static bool read_id_map(struct runner *r, int pid, const char *which, struct btap_globals_hdr *g, int kind)
{
	char path[64];
	snprintf(path, sizeof path, "/proc/%d/%s", pid, which);
	FILE *f = fopen(path, "r");
	if (!f) {
		runner_fail(r, "cannot read %s for the target namespaces: %s", path, strerror(errno));
		return false;
	}
	unsigned long first, lower, count;
	uint32_t n = 0, total = 0;
	while (fscanf(f, "%lu %lu %lu", &first, &lower, &count) == 3) {
		if (n < BTAP_NS_MAP_MAX) {
			g->ns_id_map[kind][n][0] = (uint32_t)first;
			g->ns_id_map[kind][n][1] = (uint32_t)lower;
			g->ns_id_map[kind][n][2] = (uint32_t)count;
			n++;
		}
		total++;
	}
	fclose(f);
	g->ns_id_map_n[kind] = n;
	if (total > n && !r->s->suppress_warnings)
		fprintf(stderr, "WARNING: %s has %u ranges; ns_%s() and ns_e%s() map ids by its first %d only\n", path,
			total, kind ? "gid" : "uid", kind ? "gid" : "uid", BTAP_NS_MAP_MAX);
	return true;
}

bool runner_target_namespaces(struct runner *r, struct btap_globals_hdr *g)
{
	int pid = r->s->target_ns_pid ? r->s->target_ns_pid : (int)getpid();
	char path[64];
	struct stat st;
	snprintf(path, sizeof path, "/proc/%d/ns/pid", pid);
	if (stat(path, &st) != 0) {
		if (errno == ENOENT && r->s->target_ns_pid)
			runner_fail(r, "--target-namespaces %d: no such process", pid);
		else
			runner_fail(r, "cannot read %s for the target namespaces: %s", path, strerror(errno));
		return false;
	}
	g->ns_pid_inum = (uint64_t)st.st_ino;
	return read_id_map(r, pid, "uid_map", g, 0) && read_id_map(r, pid, "gid_map", g, 1);
}
