/* The contract between generated code and the runner (BPF backend).
 *
 * Pass 3 emits ONE C translation unit for a script. Pass 4 compiles it
 * twice:
 *   - with clang -target bpf -DBTAP_TARGET_BPF: the kernel-context probes
 *     (tracepoints, perf events) and the functions they call, as BPF
 *     programs; maps are declared in the object;
 *   - with the host compiler, -shared -fPIC -DBTAP_TARGET_USER: the probes
 *     that run in the runner (begin, end, error, plain timers), the
 *     functions they call, and `btap_program`, the descriptor below.
 * The runner dlopens the shared object, reads the descriptor, creates every
 * map itself (so runner-only scripts need no BPF object and no clang), hands
 * the map fds to the BPF object (bpf_map__reuse_fd) before loading it,
 * attaches, runs the probes in priority order and formats the output.
 *
 * Everything here is plain C shared by both sides; keep it free of libbpf
 * and kernel types. */
#ifndef BTAP_PROGRAM_H
#define BTAP_PROGRAM_H

#if !defined(BTAP_TARGET_BPF) && !defined(BTAP_TARGET_KMOD)
#include <stdint.h> /* the BPF build gets the int types from btap_bpf.h */
#endif

#define BTAP_ABI_VERSION 12
#define BTAP_MAX_KEYS 9
#define BTAP_NS_MAP_MAX 16 /* ranges of a user namespace's id map the runner hands over */

enum btap_type {
	BTAP_T_LONG = 1,   /* int64_t */
	BTAP_T_STRING = 2, /* char[maxstringlen], NUL-terminated */
	BTAP_T_STATS = 3,  /* struct rt_stat followed by histogram buckets */
};

/* ---- output records (BPF ring buffer -> runner) ---------------------
 * Every record starts with this header. Arguments follow packed in the
 * order the format consumes them: a long is 8 bytes (int64_t), a string is
 * a fixed slot of maxstringlen bytes, NUL-terminated (fixed so the BPF side
 * reserves a constant size). */
enum btap_rec_type {
	BTAP_REC_PRINTF = 1, /* id: format index */
	BTAP_REC_ERROR = 2,  /* id: error-site index; one string arg: message */
	BTAP_REC_EXIT = 3,   /* exit() called in a kernel probe */
	BTAP_REC_WARN = 4,   /* id: error-site index; one string arg: message */
	BTAP_REC_SYSTEM = 6, /* one string arg: a shell command to run (system()) */
	BTAP_REC_LOG = 7,    /* id: a kernel log level 0-7 (printk()) or
	                        BTAP_LOG_FTRACE (ftrace()); one string arg */
	BTAP_REC_SWITCH_FILE = 8, /* switch_file(): output to the next file */
	BTAP_REC_HIST = 5,   /* id: map index; int64 merged count, then the
	                        histogram's merged buckets (print(@hist_*)) */
};

#define BTAP_LOG_FTRACE 8

struct btap_rec_hdr {
	uint32_t type;
	uint32_t id;
};

/* ---- the shared global state ----------------------------------------
 * One array map (1 entry, BPF_F_MMAPABLE) named "btap_globals" holds a
 * struct laid out by the generated code: first this header, then the
 * script's scalar globals. The runner memory-maps it; runner-side probes
 * read and write it in place. */
struct btap_globals_hdr {
	int64_t exit_requested;      /* set by exit() anywhere */
	int64_t errors;              /* runtime errors so far */
	int64_t lost_records[256];   /* per CPU: ring buffer reserve failures */
	int64_t skipped;             /* probes skipped (MAXACTION, nesting) */
	/* Set by the runner before attaching; read by generated code. */
	int64_t target_pid;          /* btap_target(): -x PID or the -c command's pid */
	int64_t walltime_offset_ns;  /* CLOCK_REALTIME - CLOCK_MONOTONIC, for BPF */
	int64_t hz;                  /* CONFIG_HZ of the running kernel (250 if unknown) */
	int64_t runner_pid;          /* btap_stp_pid(): the runner's own pid */
	int64_t tz_gmtoff;           /* the local time zone, seconds west of UTC */
	char tz_name[16];            /* its abbreviation ("UTC", "CET") */
	int64_t remote_id;           /* remote_id(): this host's index in --remote, else -1 */
	char remote_uri[64];         /* remote_uri(): the host as --remote named it, else "" */
	char program_name[64];       /* module_name(): -m NAME, else btap_<key>_<runner pid> */
	/* The target namespaces (--target-namespaces PID, else the runner's):
	 * the pid namespace's inode number, and the user namespace's uid_map
	 * and gid_map ranges (first, lower first, count; as /proc/PID/uid_map
	 * shows them to the runner), for ns_pid() ... ns_egid(). */
	uint64_t ns_pid_inum;
	uint32_t ns_id_map_n[2];
	uint32_t ns_id_map[2][BTAP_NS_MAP_MAX][3];
};

/* Fixed map names in the BPF object.
 *   BTAP_GLOBALS_MAP: BPF_MAP_TYPE_ARRAY, key u32 0, 1 entry,
 *     BPF_F_MMAPABLE, value size btap_program.globals_size (the runner
 *     creates it, as every map of the descriptor, and reuses its fd).
 *   BTAP_EVENTS_MAP: BPF_MAP_TYPE_RINGBUF of output records, declared with
 *     BTAP_EVENTS_DEFAULT_SIZE bytes; libbpf creates it (the runner may
 *     bpf_map__set_max_entries before load, e.g. for -s).
 *   Per-probe scratch maps ("bs_<n>", PERCPU_ARRAY) are the object's own
 *   business: libbpf creates them. */
#define BTAP_GLOBALS_MAP "btap_globals"
#define BTAP_EVENTS_MAP "btap_events"
#define BTAP_EVENTS_DEFAULT_SIZE (4u << 20)

/* ---- maps ----------------------------------------------------------- */
struct btap_map_desc {
	const char *name;          /* the script's name for the array */
	const char *bpf_name;      /* the map's name in the BPF object */
	int nkeys;                 /* 0 for a scalar stats variable */
	enum btap_type key_types[BTAP_MAX_KEYS];
	uint32_t key_offsets[BTAP_MAX_KEYS];
	uint32_t key_size;         /* sizeof the generated key struct */
	enum btap_type value_type;
	uint32_t value_size;       /* long: 8, string: maxstringlen, stats:
	                              rt_stat_size() for the histogram below */
	uint32_t max_entries;
	int wrap;                  /* global a%[N]: evict when full */
	int percpu;                /* stats: per-CPU, merged on read */
	/* stats histogram: 0 none, 1 log, 2 linear(start, stop, interval) */
	int hist_kind;
	int64_t hist_start, hist_stop, hist_interval;
	/* The BPF map type to create (enum bpf_map_type's value): HASH for
	 * long/string arrays, LRU_HASH for wrap arrays, PERCPU_HASH for stats
	 * arrays, PERCPU_ARRAY (1 entry, key u32 0) for a scalar stats
	 * variable. Keys and values are the generated structs: strings are
	 * NUL-padded to maxstringlen in keys. */
	uint32_t bpf_map_type;
	int bit_shift;             /* stats: @variance(x, N) scale (0..62) */
};

/* ---- the script's globals ------------------------------------------
 * One entry per global of the user's script (not the tapset's) that the
 * program keeps, for the runner's own readers of values: --format=json's
 * end-of-run dump and --metrics. A scalar long or string lives in the
 * globals struct at `offset`; arrays and statistics are maps[map]. */
struct btap_global_desc {
	const char *name;
	enum btap_type type;       /* value type */
	int map;                   /* index in maps, or -1 for a scalar */
	uint32_t offset;           /* scalar: offset in the globals struct */
	int display;               /* printed at the end (written, never read) */
	int library;               /* a tapset's (argc, argv_1 ...): -G sets it, exports leave it out */
};

/* ---- probes --------------------------------------------------------- */
enum btap_probe_kind {
	BTAP_PROBE_BEGIN = 1,   /* runner */
	BTAP_PROBE_END,         /* runner */
	BTAP_PROBE_ERROR,       /* runner: after a runtime error ends the run */
	BTAP_PROBE_TIMER,       /* runner: every period_ns (+ random jitter) */
	BTAP_PROBE_TRACEPOINT,  /* BPF: SEC("tracepoint/group/name") */
	BTAP_PROBE_PERF,        /* BPF: SEC("perf_event") on every CPU */
	BTAP_PROBE_RAW_TP,      /* BPF: SEC("raw_tp/tp_name") */
	BTAP_PROBE_KFUNC,       /* a kernel function: BPF SEC("fentry/f") or SEC("fexit/f") */
	BTAP_PROBE_UPROBE,      /* an instruction of a user binary: uprobe or uretprobe */
	BTAP_PROBE_PROCFS_READ, /* runner: a client reads the file procfs_name */
	BTAP_PROBE_PROCFS_WRITE,/* runner: a client writes it */
	BTAP_PROBE_NETFILTER,   /* BPF: SEC("netfilter") on a hook of the runner's network namespace */
};

struct btap_uctx; /* runner-side probe context (generated code's business) */

struct btap_probe_desc {
	enum btap_probe_kind kind;
	const char *pp;            /* concrete probe point, for pp() and messages */
	const char *origin;        /* where the probe is in the script: "file:line:col" */
	int64_t priority;          /* begin/end/error ordering, lowest first */
	/* runner probes */
	void (*run)(void);
	uint64_t period_ns, randomize_ns;
	/* BPF probes */
	const char *bpf_prog;      /* program name in the BPF object */
	int bpf_cookie;            /* attach it with this probe's index as the
				      cookie: probes share the program */
	int tolerant;              /* one of a pattern's matches: failing to
				      attach it is a warning */
	const char *tp_group, *tp_name; /* tracepoint; raw_tp: tp_name only */
	uint32_t perf_type;
	uint64_t perf_config, perf_period;
	int perf_freq;             /* perf_period is a frequency in Hz */
	/* a hardware breakpoint (kernel.data): its address, else the kernel
	 * symbol's the runner finds; bytes; HW_BREAKPOINT_W or _RW */
	uint64_t perf_bp_addr;
	const char *perf_bp_symbol;
	uint32_t perf_bp_len, perf_bp_type;
	/* uprobes: the binary, the file offset, at the return, a USDT
	 * semaphore's file offset (0: none), which process (0: every one;
	 * -1: the -c or -x target) */
	const char *exe_path;      /* only tasks running this executable (process("PATH").begin/.end) */
	/* a begin probe for the processes running at the start: the runner
	 * lists them (those running exe_path, or running_pid, or all) */
	int running;
	int64_t running_pid;
	const char *up_path;
	uint64_t up_offset, up_semaphore;
	int up_ret;
	int64_t up_pid;
	/* The end probe that prints a written-but-unread global (stap's
	 * end-of-run display), as text: --format=json skips it and writes
	 * the global as a record instead (btap_global_desc.display). */
	int display;
	/* procfs probes: the file's name, .maxsize(N) (0: none) */
	const char *procfs_name;
	uint64_t procfs_maxsize;
	/* netfilter probes: NFPROTO_x, the hook, its priority there */
	int nf_pf, nf_hook, nf_priority;
};

/* A runtime error site, for messages like stap's:
 * "ERROR: division by 0 near operator '/' at script.stp:3:10". */
struct btap_error_site {
	const char *loc;           /* "file:line:col" */
	const char *what;          /* "operator '/'", "identifier 'foo'" ... */
};

/* No error site (warn() records and ops->warn). */
#define BTAP_NO_SITE 0xffffffffu

/* ---- what the runner offers runner-side code ------------------------ */
struct rt_arg;
struct btap_runner_ops {
	void *globals;             /* the mapped btap_globals struct */
	/* 0, or -ENOENT; value may be NULL to test presence only */
	int (*map_lookup)(int map, const void *key, void *value);
	int (*map_update)(int map, const void *key, const void *value);
	int (*map_delete)(int map, const void *key);
	int (*map_clear)(int map);
	int64_t (*map_count)(int map);
	/* Keys of `map` in foreach order: sort_by 0 none, 1..n key n, -1
	 * value (for stats: by the aggregate `agg`: 'c'ount 's'um 'm'in 'M'ax
	 * 'a'vg, default count); dir +1/-1; limit < 0 for none. Returns the
	 * count and a malloc'd array of key_size records in *keys. */
	int64_t (*map_keys)(int map, int sort_by, int dir, char agg, int64_t limit, void **keys);
	/* stats: add a value (runner side), read the merged aggregate */
	int (*stat_add)(int map, const void *key, int64_t v);
	int (*stat_read)(int map, const void *key, void *rt_stat_result_out);
	/* print a histogram of a stats value into the output */
	void (*print_hist)(int map, const void *key);
	/* the merged histogram: *nbuckets counters (at most 128) into buckets */
	int (*stat_hist)(int map, const void *key, int64_t *buckets, int *nbuckets);
	void (*print)(uint32_t fmt, const struct rt_arg *args, int nargs);
	void (*write)(const char *data, uint64_t len); /* print/println of a string */
	/* A runtime error (the runner counts it); site indexes error_sites. */
	void (*error)(uint32_t site, const char *msg);
	/* warn(): site is BTAP_NO_SITE (print "WARNING: msg" only). */
	void (*warn)(uint32_t site, const char *msg);
	void (*exit)(void);
	int64_t (*target)(void);   /* -x PID or the -c command's pid, else 0 */
	const char *const *args;   /* script arguments (for argv-style tapset use) */
	int nargs;
	/* sprintf: format like print into buf (snprintf semantics: at most
	 * bufsz - 1 bytes and a NUL); returns the full length. */
	uint64_t (*format)(uint32_t fmt, const struct rt_arg *args, int nargs, char *buf, uint64_t bufsz);
	/* Capture groups of a regular expression (POSIX extended) on subject:
	 * group n (0 the whole match; "" if it took no part) into buf, as
	 * snprintf would. Returns the number of groups with group 0, or -1
	 * if the pattern does not match (or libc refuses it). */
	int64_t (*regex_group)(const char *pattern, const char *subject, int64_t n, char *buf,
			       uint64_t bufsz);
	/* system(): run a shell command once the probe is done */
	void (*system)(const char *cmd);
	/* printk() (where: a level 0-7) and ftrace() (BTAP_LOG_FTRACE) */
	void (*log)(int where, const char *msg);
	/* procfs probes' $value: set (append 0) or append to a read probe's
	 * answer; the text so far, or a write probe's input */
	void (*procfs_put)(const char *s, int append);
	const char *(*procfs_value)(void);
	/* switch_file(): the output goes on in the next file (-o, -S) */
	void (*switch_file)(void);
	/* the stack and symbol tokens of s expanded into buf, as snprintf
	 * would; returns the full length (a runner probe names symbols at
	 * once, so that the script can compare and take the names apart) */
	uint64_t (*expand)(const char *s, char *buf, uint64_t bufsz);
	/* Kernel memory for the probes btap runs (begin, end, timers):
	 * through /proc/kcore. 0, -EFAULT for an address it does not map,
	 * -ENOSYS where the kernel's memory cannot be read from user space. */
	int (*kernel_read)(void *dst, uint64_t addr, uint64_t len);
	/* btap's own task_struct, for task_current() in the runner's probes
	 * (BPF: bpf_get_current_task in a test run; kmod: the module's
	 * current); 0 when the kernel will not say */
	uint64_t (*current_task)(void);
	/* pid2task() in the runner's probes: the address of the task of pid
	 * (in the initial pid namespace) in *task, 0 when there is none.
	 * Returns 0, or -1 where the kernel will not say (BPF before 6.2,
	 * which lacks bpf_task_from_pid). */
	int (*pid_task)(int64_t pid, uint64_t *task);
	/* a kernel symbol's address (kallsyms), 0 when unknown or hidden */
	uint64_t (*kernel_symbol)(const char *name);
	/* Run a begin, end or error probe the kernel half holds (its place
	 * among the kernel probes) in btap's task, and print its output
	 * before returning (kmod: a probe reaching a script's embedded C). */
	void (*run_kernel_probe)(uint32_t kpoint);
};

/* ---- the descriptor, exported by the shared object ------------------- */
struct btap_program {
	uint32_t abi;              /* BTAP_ABI_VERSION */
	uint32_t maxstringlen;
	uint32_t maxmapentries;
	const struct btap_probe_desc *probes;
	uint32_t nprobes;
	const char *const *formats;  /* printf formats by id */
	uint32_t nformats;
	const struct btap_map_desc *maps;
	uint32_t nmaps;
	const struct btap_error_site *error_sites;
	uint32_t nerror_sites;
	uint32_t globals_size;     /* sizeof the generated globals struct */
	void (*init_globals)(void *globals); /* global initializers */
	void (*bind)(const struct btap_runner_ops *ops); /* before any probe runs */
	int has_bpf;               /* the BPF object exists */
	const struct btap_global_desc *globals;
	uint32_t nglobals;
	const char *module_name;   /* -m NAME at compile time, else NULL */
	const struct btap_perf_counter_desc *perf_counters;
	uint32_t nperf_counters;
};

/* ---- perf counters ---------------------------------------------------
 * probe perf.EVENT.counter("NAME") declares one; @perf("NAME") reads it
 * (tapset/perf_counters.stp). The runtime opens counter k on every CPU
 * before the probes attach: BPF, the runner puts its fds in the object's
 * BTAP_PERFC_MAP (PERF_EVENT_ARRAY, index cpu * n + k); the module opens
 * its own. */
struct btap_perf_counter_desc {
	const char *name;
	const char *origin;        /* its .counter in the script: "file:line:col" */
	uint32_t type;             /* perf_event_attr's type and config */
	uint64_t config;
	int declared;              /* 0: its point did not expand (optional) */
};
#define BTAP_PERFC_MAP "btap_perfc"

/* The symbol the runner looks up in the shared object. */
#define BTAP_PROGRAM_SYMBOL "btap_program"

#endif
