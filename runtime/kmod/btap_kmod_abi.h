/* What the module's file (/proc/<module>) and the runner agree on, besides
 * read (output records), write (arm) and mmap (globals): the array
 * operations, one ioctl with this argument. Included by the module
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
};

struct btap_kmod_req {
	uint32_t map;  /* index in the descriptor's maps */
	uint32_t op;
	uint64_t key;  /* user address of the key (key_size bytes) */
	uint64_t value; /* user address of the value (value_size bytes), or 0 */
	uint64_t pos;
};

#endif
