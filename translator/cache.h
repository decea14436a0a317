/* The compile cache: one directory per compiled program.
 *
 * An artifact is a directory $XDG_CACHE_HOME/btap/<hash> (or ~/.cache/btap)
 * named by a SHA-256 of everything that changes the compiled result. It is
 * built in a temporary sibling directory and renamed into place, so a reader
 * never sees half an artifact and two concurrent btaps never mix files. */
#ifndef BTAP_CACHE_H
#define BTAP_CACHE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* ---- SHA-256 ------------------------------------------------------- */
struct cache_hash {
	uint32_t h[8];
	uint64_t total;
	unsigned char block[64];
	size_t used;
};

void cache_hash_init(struct cache_hash *c);
void cache_hash_put(struct cache_hash *c, const void *data, size_t len);
/* A string with its terminating NUL, so "ab"+"c" differs from "a"+"bc". */
void cache_hash_str(struct cache_hash *c, const char *s);
/* 64 hex digits and a NUL into out. */
void cache_hash_hex(struct cache_hash *c, char out[65]);
/* The identity of the files under dir (down to max_depth levels) whose
 * names end in one of suffixes (NULL-terminated): path, size, mtime and
 * inode of each, summed so readdir order does not matter, and the count.
 * Only stat: no file is read. */
void cache_hash_tree(struct cache_hash *c, const char *dir, const char *const *suffixes, int max_depth);

/* ---- identities for the key ---------------------------------------- */
/* The running kernel, cheaply: release, version string, the build-id note
 * (/sys/kernel/notes) and the size and mtime of /sys/kernel/btf/vmlinux.
 * Static buffer. */
const char *cache_kernel_identity(void);
/* The running kernel's build: a hash of its notes (the build-id), in hex;
 * "" when /sys/kernel/notes cannot be read. Static buffer. */
const char *cache_kernel_build(void);
/* An artifact whose runner reads kernel structures at the offsets of the
 * kernel it was built for names that kernel's build in this file. */
#define CACHE_KERNEL_BUILD_FILE "kernel-build"

/* ---- directories --------------------------------------------------- */
/* The cache root, created if missing: $XDG_CACHE_HOME/btap, ~/.cache/btap,
 * else /tmp/btap-cache-UID. Static buffer; NULL if none can be made. */
const char *cache_root(void);

/* A fresh private directory inside the cache root for building an
 * artifact, into buf. false on failure. Temporary directories left by
 * compiles that never finished (unchanged for an hour) are removed first. */
bool cache_make_tmpdir(char *buf, size_t n);

/* Publish a finished tmpdir as root/name (atomic rename). When another
 * process published the same name first, tmpdir is removed and theirs is
 * kept. The final path goes into out. */
bool cache_publish(const char *tmpdir, const char *name, char *out, size_t n);

/* Remove a directory and the files in it (one level, as artifacts are). */
void cache_remove_dir(const char *dir);

/* Write len bytes to dir/name. */
bool cache_write_file(const char *dir, const char *name, const void *data, size_t len);

/* Does dir/name exist as a regular file? */
bool cache_has_file(const char *dir, const char *name);

#endif
