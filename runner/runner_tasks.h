/* What the kernel half needs to know of this machine's tasks before its
 * probes arm (runner_tasks.c): found here, where the runner runs, and
 * handed to the runtime through a sink. */
#ifndef BTAP_RUNNER_TASKS_H
#define BTAP_RUNNER_TASKS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct runner;

/* The executable a process("PATH") probe wants: its inode number and the
 * name of the file itself (links resolved), as the kernel half compares
 * them (struct btap_exe of each kernel runtime). */
struct runner_exe {
	uint64_t ino;
	char name[32];
};

struct runner_task_sink {
	/* probe filters by executable *want: false (reported) on failure */
	bool (*exe)(struct runner *r, uint32_t probe, const struct runner_exe *want);
	/* begin probe `probe` fires once for each of the n processes tgids
	 * (running at the start): false (reported) on failure */
	bool (*running)(struct runner *r, uint32_t probe, const uint32_t *tgids, size_t n);
};

/* Hand the sink every probe's executable and running processes. */
bool runner_set_task_filters(struct runner *r, const struct runner_task_sink *sink);

#endif
