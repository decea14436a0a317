/* What a type source implements (type_btf.c, type_dwarf.c): the answers
 * types.h asks for, one function each, over the source's own handles.
 * Only the sources and types.c include this. */
#ifndef BTAP_TYPE_SOURCE_H
#define BTAP_TYPE_SOURCE_H

#include "types.h"

#include <stddef.h>
#include <stdint.h>

struct type_source_ops {
	enum type_kind (*kind)(const struct type_source *src, type_id id);
	const char *(*name)(const struct type_source *src, type_id id);
	long long (*size)(const struct type_source *src, type_id id);
	type_id (*next)(const struct type_source *src, type_id id);
	bool (*is_signed)(const struct type_source *src, type_id id);
	int (*count)(const struct type_source *src, type_id id);
	bool (*member)(const struct type_source *src, type_id id, int i, struct type_member *m);
	bool (*enumerator)(const struct type_source *src, type_id id, int i, const char **name,
	                   long long *value);
	type_id (*find)(const struct type_source *src, enum type_kind kind, const char *name);
	void (*each)(const struct type_source *src, enum type_kind kind,
	             void (*fn)(type_id id, const char *name, void *ctx), void *ctx);
	const struct btf *(*btf)(const struct type_source *src);
	void (*close)(struct type_source *src);
};

/* The first member of every source. */
struct type_source {
	const struct type_source_ops *ops;
	const char *what; /* for messages, owned by the source */
	bool kernel_memory; /* DWARF that describes the kernel's memory (headers) */
};

/* ---- a name index shared by the sources -------------------------------
 * Lookups by (kind, name) are hot: listing every syscall tracepoint
 * resolves thousands of type names, and libbpf's own lookup is a scan.
 * Every definition is kept in order (for tsrc_each); the hash finds the
 * first of a name. */
struct type_name_entry {
	const char *name; /* not owned: the source's string table */
	type_id id;
	enum type_kind kind;
};
struct type_name_index {
	struct type_name_entry *v;
	size_t n, cap;
	uint64_t *slots;  /* entry index + 1 (low half; 0: empty) and the
	                     name's hash (high half, checked before the name) */
	size_t nslots;    /* a power of two */
};

/* Make room for n more names (a source that knows its size). */
void type_name_index_reserve(struct type_name_index *x, size_t n);
/* Index name under kind; lookups find the first definition of a name. */
void type_name_index_put(struct type_name_index *x, enum type_kind kind, const char *name, type_id id);
type_id type_name_index_get(const struct type_name_index *x, enum type_kind kind, const char *name);
/* Call fn for each definition of kind, in the order they were put. */
void type_name_index_each(const struct type_name_index *x, enum type_kind kind,
                          void (*fn)(type_id id, const char *name, void *ctx), void *ctx);
void type_name_index_free(struct type_name_index *x);

#endif
