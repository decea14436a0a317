/* What the module's file (/proc/<module>) and the runner agree on, besides
 * read (output records), write (arm) and mmap (globals): the array
 * operations and the tasks probes sift by, one ioctl with this argument. Included by the module
 * (btap_kmod.h) and the runner (kmod-backend/runner_kmod.c). */
#ifndef BTAP_KMOD_ABI_H
#define BTAP_KMOD_ABI_H

#define BTAP_KMOD_IOCTL 0xb7a0u

enum btap_kmod_op {
	BTAP_KOP_LOOKUP = 1, /* key -> value (value 0: presence only); -ENOENT */
	BTAP_KOP_UPDATE,     /* key, value; -E2BIG when full (wrap arrays evict) */
	BTAP_KOP_DELETE,     /* key */
	BTAP_KOP_CLEAR,
	BTAP_KOP_NEXT,       /* the first key at slot >= pos into key, pos after it; -ENOENT at the end */
	BTAP_KOP_COUNT,      /* returns the number of elements */
	/* the tasks a probe sifts by (map: the probe's index; runner_tasks.c) */
	BTAP_KOP_EXE,        /* value: struct btap_kmod_exe, the executable it wants */
	BTAP_KOP_RUNNING,    /* value: pos process ids it fires for once (before arming) */
	/* a stack's frames (map: 0 kernel, 1 user; pos: its id; value: 8 or
	 * 32 bytes a frame, BTAP_STACK_DEPTH frames); -ENOENT */
	BTAP_KOP_STACK,
	/* the kernel symbols @var reads (pos: the unit's index), before
	 * arming: KSYM_NAME copies the name into value (BTAP_KSYM_NAME_MAX
	 * bytes; -ENOENT past the last), KSYM_SET takes its address in key */
	BTAP_KOP_KSYM_NAME,
	BTAP_KOP_KSYM_SET,
	/* kernel memory for the runner's probes (begin, end, timers): pos
	 * bytes at the kernel address key into value, or -EFAULT (a
	 * fault-tolerant copy, as the module's own reads) */
	BTAP_KOP_KREAD,
	/* run a begin, end or error probe that the module holds (pos: its
	 * place among the module's probes) in the runner's task, now */
	BTAP_KOP_RUN,
	/* the runner's own task (task_current() in its probes) into key */
	BTAP_KOP_CURRENT,
	/* the task of the pid in pos (pid2task() in the runner's probes)
	 * into key, 0 when there is none */
	BTAP_KOP_PID_TASK,
};

#define BTAP_KSYM_NAME_MAX 128

/* An executable, as the runner's stat and realpath see it. */
struct btap_kmod_exe {
	uint64_t ino;
	char name[32];
};

struct btap_kmod_req {
	uint32_t map;  /* index in the descriptor's maps (or probes) */
	uint32_t op;
	uint64_t key;  /* user address of the key (key_size bytes) */
	uint64_t value; /* user address of the value (value_size bytes), or 0 */
	uint64_t pos;
};

#endif
