/* Minimal C headers from kernel BTF.
 *
 * A generated BPF program needs only a handful of kernel types; compiling it
 * against the full vmlinux.h costs clang most of its time. btf_hdr emits a
 * header holding exactly the requested types and what they depend on (via
 * libbpf's btf_dump), marked preserve_access_index for CO-RE, plus the basic
 * integer typedefs (u8..u64, s8..s64, __u8..__s64, __be16, __be32, __wsum,
 * bool) that BPF programs and the libbpf headers use.
 *
 * The header compiles alone and together with bpf/bpf_helpers.h,
 * bpf/bpf_tracing.h and bpf/bpf_core_read.h. Programs using the PT_REGS
 * macros of bpf_tracing.h must request "pt_regs"; perf_event programs
 * "bpf_perf_event_data". Do not include <stdbool.h> after it (the kernel's
 * `typedef _Bool bool` is already there). */
#ifndef BTAP_BTF_HEADER_H
#define BTAP_BTF_HEADER_H

#include <stddef.h>

struct btf;
struct btf_hdr;

/* btf_path NULL: the running kernel's BTF (/sys/kernel/btf/vmlinux);
 * otherwise a raw BTF file or an ELF file with a .BTF section. The BTF is
 * loaded on first need. Never returns NULL. */
struct btf_hdr *btf_hdr_new(const char *btf_path);
void btf_hdr_free(struct btf_hdr *h);
/* Take the types of a loaded module too (/sys/kernel/btf/MODULE, split
 * over the running kernel's): for its functions' parameters. Several
 * modules' types are merged, those they share once. */
void btf_hdr_add_module(struct btf_hdr *h, const char *module);

/* The loaded BTF (for callers that want to inspect types), or NULL with a
 * message in *err (caller frees) when it cannot be loaded. */
const struct btf *btf_hdr_btf(struct btf_hdr *h, char **err);

/* A short hex string identifying the BTF contents (hash of the file), for
 * cache keys. NULL if the file cannot be read. */
const char *btf_hdr_identity(struct btf_hdr *h);

/* Emit the header for `names` (n of them). A name is "task_struct" (looked
 * up as struct, union, typedef, enum in that order), "struct x", "union x",
 * "enum x", "typedef x", or an enumerator such as "BPF_MAP_TYPE_RINGBUF"
 * (its enum is emitted). Duplicates and order do not matter: the output
 * depends only on the set. cache_dir, if not NULL, holds generated headers
 * keyed by BTF identity and name set (created if missing); a hit does not
 * load the BTF.
 * Returns the header (caller frees) or NULL with *err set (caller frees),
 * e.g. "unknown kernel type 'foo'". */
char *btf_hdr_generate(struct btf_hdr *h, const char *const *names, int n,
		       const char *cache_dir, char **err);

#endif
