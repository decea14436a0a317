/* The script cache: lets a repeated run skip passes 1-3.
 *
 * The key is a SHA-256 of everything that can change what passes 1-3
 * produce: btap's own build, the script (text and name), its arguments,
 * the translation options, the tapset library's files (path, size, mtime),
 * the runtime headers and the kernel. The index entry
 * <cache root>/scripts/<key> names the artifact directory pass 4 produced
 * for it. Any failure to read or write the cache just means "no entry". */
#ifndef BTAP_SCRIPT_CACHE_H
#define BTAP_SCRIPT_CACHE_H

#include <stdbool.h>
#include <stddef.h>

struct session;

/* The key for this session's script into key (64 hex digits). false when
 * it cannot be computed (e.g. the script file is unreadable): no caching. */
bool script_cache_key(struct session *s, char key[65]);

/* The artifact directory recorded under key, into out, when the entry
 * exists, may be used, and the artifact is still complete. *seen tells
 * whether any entry exists: the script was translated before (pass 4 will
 * likely find its artifact even when passes 1-3 must run again). */
bool script_cache_lookup(const char *key, char *out, size_t n, bool *seen);

/* Record artifact_dir under key (atomically); errors are ignored. An entry
 * that is not usable only says the script was translated before (it read
 * files the key does not cover, or passes 1-3 warned). */
void script_cache_store(const char *key, const char *artifact_dir, bool has_bpf, bool usable);

#endif
