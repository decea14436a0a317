/* One run of btap: the options from the command line and what each pass
 * produced. */
#ifndef BTAP_SESSION_H
#define BTAP_SESSION_H

#include "ast.h"
#include "preproc.h"

struct kconfig;

enum runtime_kind { RT_BPF, RT_KMOD, RT_AUTO };
/* How kernel functions attach (--kfunc): BPF trampolines or kprobes. */
enum kfunc_lowering { KFUNC_AUTO, KFUNC_FENTRY, KFUNC_KPROBE };
enum output_format { OUT_TEXT, OUT_JSON };

/* What pass 2 produced: only what the script uses. */
struct program {
	struct vec probes;     /* struct probe*: derived, concrete probes */
	struct vec functions;  /* struct funcdecl*: used functions */
	struct vec globals;    /* struct vardecl*: used globals */
	struct vec embeds;     /* struct embedded_block*: from used files */
};

struct session {
	struct arena arena;

	/* options */
	const char *script_path;     /* NULL with -e */
	const char *script_text;     /* -e text */
	int last_pass;               /* -p N (5 = run) */
	int verbose;                 /* -v count */
	bool keep_tmp;               /* -k */
	bool guru;                   /* -g */
	bool suppress_warnings;      /* -w */
	bool warnings_are_errors;    /* -W */
	bool skip_badvars;           /* --skip-badvars: unresolved $x reads 0 */
	bool suppress_handler_errors;
	const char *output_file;     /* -o */
	int64_t switch_bytes;        /* -S SIZE (MB) in bytes: 0 none */
	int switch_keep;             /* -S SIZE,N: the newest N files; 0 all */
	enum output_format format;   /* --format, or -o FILE.json */
	const char *metrics_addr;    /* --metrics=ADDR:PORT */
	const char *remote_hosts;    /* --remote HOST[,HOST...] */
	int remote_id;               /* --remote-id (set by --remote): remote_id(), -1 */
	const char *remote_uri;      /* --remote-uri: remote_uri() */
	int target_ns_pid;           /* --target-namespaces PID: ns_*(), 0: the runner's */
	const char *command;         /* -c */
	int target_pid;              /* -x */
	struct vec include_dirs;     /* -I: char* */
	struct vec defines;          /* -D NAME=VAL: char* */
	struct vec global_sets;      /* -G NAME=VALUE: char*, set by the runner */
	struct vec symbol_files;     /* -d PATH: char*, programs and libraries
					the runner names user frames from */
	const char *module_name;     /* -m */
	const char *kernel_release;  /* -r: release or build dir */
	const char *compatible;       /* --compatible=VERSION: systemtap_v (default 4.8) */
	const char *debuginfo;        /* --debuginfo: the kernel's vmlinux with DWARF, or where it is */
	int timeout_secs;            /* -T */
	int bufsize_mb;              /* -s */
	bool bulk;                   /* -b */
	enum runtime_kind runtime;
	enum kfunc_lowering kfunc;   /* --kfunc */
	enum kfunc_lowering kfunc_chosen; /* AUTO's answer, from the kernel's config */
	const char *list_pattern;    /* -l / -L */
	bool list_vars;              /* -L */
	const char *run_artifact;    /* --run */
	const char *const *args;     /* script arguments */
	int nargs;
	const char *tapset_dir;      /* the installed library */

	/* environment facts used by the preprocessor */
	struct pp_config pp;
	struct kconfig *kconfig;

	/* pass 1 */
	struct stapfile *user_file;
	struct vec tapset_files;     /* struct stapfile*: those parsed so far */
	struct tapset_index *tapset_index; /* tapset_load.c: who declares what */

	/* pass 2 */
	struct program prog;
	/* perf counters (probe perf.EVENT.counter("NAME")), struct
	 * perf_counter*, in declaration order: @perf("NAME") reads the
	 * running thread's count of counters[k] */
	struct vec perf_counters;
	/* Pass 2 read user-space binaries (process("PATH") probes): what it
	 * produced depends on files the script cache does not track. */
	bool reads_user_binaries;
	/* Resolving the operand of @defined: a missing target variable or
	 * member is an answer (false), not an error. */
	bool quiet_targets;
	/* Why an optional point resolved to nothing (its module is not
	 * loaded), the first such reason since the script's point being
	 * resolved: said when none of an alias's optional points resolves. */
	const char *optional_miss;
};

struct perf_counter {
	const char *name;
	struct loc loc;   /* the .counter component */
	uint32_t type;    /* perf_event_attr's, once the point is expanded */
	uint64_t config;
	bool expanded;
};

void session_init(struct session *s);
/* Fill s->pp from the options and the (target) kernel. */
void session_setup_pp(struct session *s);
void session_free(struct session *s);

#endif
