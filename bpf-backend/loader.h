/* Load, attach and run BPF objects with libbpf, and read their ring buffers.
 *
 * A bpfl_obj wraps one bpf_object with the links attached from it, the ring
 * buffers read from it and the text libbpf and the verifier produced, so a
 * failed load can be explained with the script's line numbers (compile with
 * -g: the verifier then quotes source lines as "; text @ file:line").
 *
 * Functions returning int give 0 (or a count) on success and a negative
 * errno on failure, with a message in bpfl_error(). */
#ifndef BTAP_LOADER_H
#define BTAP_LOADER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct bpf_object;
struct bpfl_obj;

/* Open an object file or an in-memory ELF image (`name` names it in
 * messages; the buffer must stay valid until bpfl_close). NULL on failure
 * with a message in *err (caller frees). Nothing is loaded yet: maps and
 * global data can still be set up through bpfl_bpf_object(). */
struct bpfl_obj *bpfl_open_file(const char *path, char **err);
struct bpfl_obj *bpfl_open_mem(const void *buf, size_t len, const char *name, char **err);

/* Create the maps and load every program. On failure bpfl_verifier_log()
 * holds the verifier's log of the rejected program and bpfl_failed_prog()
 * its name. RLIMIT_MEMLOCK is raised when possible, never required. */
int bpfl_load(struct bpfl_obj *o);

/* Attach every program whose section names its target:
 * tracepoint/G/E (tp/G/E), raw_tracepoint/T (raw_tp/T) and the other
 * sections libbpf attaches by itself (tp_btf/, fentry/, kprobe/ ...).
 * Programs in section "perf_event" are skipped: they need
 * bpfl_attach_perf_event. Stops at the first failure. */
int bpfl_attach_auto(struct bpfl_obj *o);

int bpfl_attach_tracepoint(struct bpfl_obj *o, const char *prog, const char *group,
			   const char *event);
int bpfl_attach_raw_tracepoint(struct bpfl_obj *o, const char *prog, const char *tp);
/* A program whose section names its target (fentry/F, fexit/F). */
int bpfl_attach_traced(struct bpfl_obj *o, const char *prog);
/* A uprobe (or uretprobe) at a file offset of a binary, in process pid
 * only when pid > 0; semaphore: a USDT semaphore's file offset, or 0. */
struct bpfl_uprobe {
	const char *path;
	uint64_t offset, semaphore;
	int64_t pid;
	bool ret;
	uint64_t cookie;   /* bpf_get_attach_cookie() in the program (0: none) */
};
int bpfl_attach_uprobe(struct bpfl_obj *o, const char *prog, const struct bpfl_uprobe *u);
/* A kprobe program at kernel function func (a kretprobe's where the
 * program's section says so), with a cookie: one program for many
 * functions. */
int bpfl_attach_kprobe_cookie(struct bpfl_obj *o, const char *prog, const char *func, uint64_t cookie);

/* Many uprobes of one binary in one link (BPF_TRACE_UPROBE_MULTI, Linux
 * 6.6): whether the kernel has it; marking prog (before bpfl_load) as one
 * attached so only; the link for prog at n offsets of path, each with its
 * USDT semaphore's offset (0: none) and cookie, in process pid (0: all),
 * at the returns when ret. One registration and one release for all,
 * where a link per uprobe takes a grace period each to release. */
bool bpfl_has_uprobe_multi(void);
void bpfl_use_uprobe_multi(struct bpfl_obj *o, const char *prog);
int bpfl_attach_uprobe_multi(struct bpfl_obj *o, const char *prog, const char *path, const uint64_t *offsets,
			     const uint64_t *ref_ctr_offsets, const uint64_t *cookies, int n, bool ret, int64_t pid);

/* A netfilter program on hook `hook` of protocol family `pf` (NFPROTO_x)
 * in this process's network namespace, at `priority`. */
int bpfl_attach_netfilter(struct bpfl_obj *o, const char *prog, int pf, int hook, int priority);

/* A perf event to sample on: PERF_TYPE_x / PERF_COUNT_x, every `period`
 * events, or `period` times a second when `freq`. */
struct bpfl_perf {
	uint32_t type;
	uint64_t config;
	uint64_t period;
	bool freq;
	/* a breakpoint: address (else the kernel symbol's), bytes, W or RW */
	uint64_t bp_addr;
	const char *bp_symbol;
	uint32_t bp_len, bp_type;
};
/* Attach `prog` to the event on every online CPU (one link each). */
int bpfl_attach_perf_event(struct bpfl_obj *o, const char *prog, const struct bpfl_perf *p);
/* Count the event (type and config) on every online CPU into the
 * PERF_EVENT_ARRAY `map`, CPU c's at index c * n + k. */
int bpfl_fill_perf_counter(struct bpfl_obj *o, const char *map, uint32_t k, uint32_t n, const struct bpfl_perf *pe);

/* Links attached so far. */
int bpfl_link_count(const struct bpfl_obj *o);
/* Destroy every link (the programs stay loaded). inert: the programs no
 * longer act (exit_requested is set), so the links whose closes wait for
 * grace periods may be closed by a helper process (deferred_close.h). */
void bpfl_detach_all(struct bpfl_obj *o, bool inert);
/* Detach, free the ring buffers and close the object. NULL is fine. */
void bpfl_close(struct bpfl_obj *o);

/* Ring buffers: `fn` gets each record; a negative return stops polling and
 * is returned by bpfl_ringbuf_poll. */
typedef int (*bpfl_record_fn)(void *ctx, void *data, size_t size);
int bpfl_ringbuf_add(struct bpfl_obj *o, const char *map, bpfl_record_fn fn, void *ctx);
/* Wait up to timeout_ms (-1: forever) for records and consume them; returns
 * how many were consumed. bpfl_ringbuf_drain consumes without waiting. */
int bpfl_ringbuf_poll(struct bpfl_obj *o, int timeout_ms);
int bpfl_ringbuf_drain(struct bpfl_obj *o);
/* A file descriptor that becomes readable when records arrive (epoll), for
 * callers multiplexing the ring buffers with other inputs; -1 if none. */
int bpfl_ringbuf_epoll_fd(const struct bpfl_obj *o);

/* The live contents of a global-data section after load: `section` is
 * ".bss", ".data", ".rodata" or ".data.NAME" (matched against the end of
 * the map name). Memory-mapped, so the runner's writes reach the programs
 * at once and their writes are visible here; .rodata is read-only (frozen
 * at load; set it before load with bpf_map__set_initial_value). NULL when
 * absent or not mappable. Valid until bpfl_close. */
void *bpfl_global_data(struct bpfl_obj *o, const char *section, size_t *size);

/* The underlying libbpf object (maps, global data), and a map's fd. */
struct bpf_object *bpfl_bpf_object(struct bpfl_obj *o);
int bpfl_map_fd(struct bpfl_obj *o, const char *map);

/* The last error of an operation on o (never NULL; "" if none). */
const char *bpfl_error(const struct bpfl_obj *o);
/* Everything libbpf said about o (warnings; debug too when verbose). */
const char *bpfl_log(const struct bpfl_obj *o);
/* Verifier log of the program a failed load rejected, or NULL. */
const char *bpfl_verifier_log(const struct bpfl_obj *o);
const char *bpfl_failed_prog(const struct bpfl_obj *o);

/* Include libbpf's debug messages in bpfl_log and copy them to stderr. */
void bpfl_set_verbose(bool on);

#endif
