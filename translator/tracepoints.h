/* The kernel's tracepoint catalog: which events exist (tracefs
 * events/<group>/<event>/, mounted on demand) and the fields of each event's
 * record. The tracefs `format` file is authoritative for the field list and
 * layout; the kernel's BTF adds what the text cannot say (what a typedef
 * really is, the struct a pointer points to, member types for $p->a). */
#ifndef BTAP_TRACEPOINTS_H
#define BTAP_TRACEPOINTS_H

#include "util.h"

#include <stdbool.h>

enum tp_field_kind {
	TP_FIELD_INT,            /* integer: read `size` bytes, the value is val_size/val_signed */
	TP_FIELD_POINTER,        /* pointer (kernel or user address); pointee text in elem_ctype */
	TP_FIELD_CHAR_ARRAY,     /* char name[N]: a NUL-padded string of array_len bytes */
	TP_FIELD_ARRAY,          /* other fixed array: array_len elements of elem_size bytes */
	TP_FIELD_DATA_LOC_STR,   /* __data_loc char[]: u32 = len << 16 | offset from record start */
	TP_FIELD_DATA_LOC_ARRAY, /* __data_loc T[] (or __data_loc cpumask_t) */
	TP_FIELD_REL_LOC_STR,    /* __rel_loc char[]: offset counts from the end of the u32 */
	TP_FIELD_REL_LOC_ARRAY,
	TP_FIELD_OTHER,          /* embedded struct or unknown type: not a script value */
};

struct tp_field {
	const char *name;
	const char *ctype;       /* type text from the format file: "const char *",
	                            "char[16]" (for char comm[16]), "__data_loc char[]" */
	int offset, size;        /* place in the record, as the format file says */
	bool is_signed;          /* the format file's signed flag */
	bool is_common;          /* common_type, common_pid, ... */
	enum tp_field_kind kind;
	/* TP_FIELD_INT: the value's C type may be narrower than its storage
	 * (syscall arguments are stored as unsigned long: `int dfd` has size
	 * 8); the value is the low val_size bytes, sign-extended if
	 * val_signed. Equal to size/is_signed for ordinary fields. */
	int val_size;
	bool val_signed;
	/* Arrays and __data_loc: element type text and size (0: unknown);
	 * pointers: the pointee type text ("const char"). */
	const char *elem_ctype;
	int elem_size;
	int array_len;           /* fixed arrays: element count (0: flexible) */
	/* vmlinux BTF type of the field: btf_id with btf_ptr_depth extra
	 * levels of '*' on top (btf_id 0: void or unknown). A pointer field typed
	 * from a format text "struct sockaddr *" is {struct sockaddr, 1}. */
	int btf_id;
	int btf_ptr_depth;
};

struct tp_event {
	const char *group;       /* "" when listed from BTF only (group unknown) */
	const char *name;
	int id;                  /* tracefs event id, -1 if not loaded / unknown */
	const char *btf_struct;  /* trace_event_raw_* struct laid out like the record, or NULL */
	struct tp_field *fields; /* loaded by tp_event_load; common fields first */
	int nfields;
	bool fields_loaded;
};

/* The tracefs directory (holding events/), mounting tracefs on
 * /sys/kernel/tracing if needed; NULL if unavailable. Cached. */
const char *tp_tracefs_dir(void);
/* Tests: use dir as the tracefs root ("" = pretend there is none, so the
 * catalog falls back to BTF); NULL restores the default lookup. */
void tp_set_tracefs_dir(const char *dir);

/* Does "group:event" pattern text match? '*', '?' and [..] globs on each
 * side; a pattern without ':' matches the event name in any group. */
bool tp_pattern_match(const char *pattern, const char *group, const char *name);

/* Append the events matching pattern to out (struct tp_event*, fields not
 * loaded), sorted by (group, name). Returns the number appended, or -1 if
 * no catalog is available at all (no tracefs and no BTF). */
int tp_list(struct arena *a, const char *pattern, struct vec *out);

/* One event with its fields; NULL if it does not exist. */
struct tp_event *tp_event_load(struct arena *a, const char *group, const char *name);
/* Load the fields of an event returned by tp_list (no-op if loaded). */
bool tp_event_load_fields(struct arena *a, struct tp_event *ev);

/* The field called name (common fields too), or NULL. */
const struct tp_field *tp_event_field(const struct tp_event *ev, const char *name);
/* Does the field read as a script string (char arrays, __data_loc char[])? */
bool tp_field_is_string(const struct tp_field *f);

/* ---- BTF (vmlinux), loaded once per process ----------------------- */

struct btf;
/* The kernel's BTF, or NULL if unavailable. */
const struct btf *tp_btf(void);
/* Free the cached BTF and indexes (tests, leak checkers). */
void tp_release(void);

/* Resolve a type text ("struct sockaddr *", "pid_t", "unsigned long")
 * to a BTF base type id plus pointer depth. False if unknown. */
bool tp_btf_type_from_text(const char *ctype, int *id, int *ptr_depth);

/* Walking $field->member[...] through BTF. A place is a BTF type with
 * extra pointer levels on top (as tp_field.btf_id/btf_ptr_depth). */
enum tp_value_class {
	TP_VALUE_INT,     /* integer, enum, bool */
	TP_VALUE_POINTER,
	TP_VALUE_CHAR_ARRAY,
	TP_VALUE_ARRAY,
	TP_VALUE_AGGREGATE, /* struct or union by value */
	TP_VALUE_UNKNOWN,
};
struct tp_place {
	int id;
	int ptr_depth;
	/* Set by tp_place_member: the member's offset in its aggregate (bits,
	 * through anonymous members) and, for a bitfield, its width. */
	int member_bits;
	int bit_size;
};
/* e->target_info of a target variable with components ($p->a[2]) at a
 * kernel.trace point. A bare $field stores its struct tp_field* instead. */
struct tp_access {
	const struct tp_field *field; /* the record field the chain starts from (NULL: @cast) */
	struct tp_place start;        /* the type the chain starts from */
	int first;                    /* components already applied by start (a format-typed array's [i]) */
	struct tp_place place;        /* BTF type of the final value */
	enum tp_value_class value;
	bool resolved;                /* every component was resolved through BTF */
};

/* What kind of value the place holds (after typedefs and qualifiers). */
enum tp_value_class tp_place_class(struct tp_place p);
/* ->name: from a pointer to (or a value of) a struct/union to the member
 * (searching anonymous members). False if there is no such member. */
bool tp_place_member(struct tp_place *p, const char *name);
/* [i]: from a pointer or array to its element. */
bool tp_place_index(struct tp_place *p);
/* Type name of a place for messages: "struct sock *". Arena copy. */
const char *tp_place_type_name(struct arena *a, struct tp_place p);
/* Integers (ints, enums, bool): byte size and signedness. */
bool tp_place_int(struct tp_place p, int *size, bool *is_signed);
/* Size in bytes of the place's type (8 for pointers); 0 if unknown. */
int tp_place_size(struct tp_place p);
/* Element count of an array place; 0 if not an array or flexible. */
int tp_place_array_len(struct tp_place p);
/* The C name that spells a place of depth 0 in a cast ("struct sock",
 * "kuid_t"), qualifiers dropped; NULL for anonymous and non-aggregate
 * types. *hdr_name gets the name to request from the BTF header
 * generator ("struct sock", "typedef kuid_t"). Arena copies. */
const char *tp_place_c_name(struct arena *a, struct tp_place p, const char **hdr_name);
/* The members of an aggregate place (through a pointer to it, too), in
 * order: names (NULL for anonymous members) and places. Returns how many
 * (at most max), -1 if the place is not an aggregate. */
int tp_place_members(struct tp_place p, const char **names, struct tp_place *places, int max);
/* Is the place an integer one byte wide named like char? */
bool tp_place_is_char(struct tp_place p);
/* @cast's type text ("sock", "struct sock", "task_struct *") to the place
 * of a pointer to it; false if BTF has no such type. */
bool tp_place_for_cast(const char *type_text, struct tp_place *p);

/* ---- the kernel.trace provider (provider_tracepoint.c) ------------- */

struct session;
struct probe;
struct probe_point;
struct provider;
extern const struct provider provider_tracepoint;
/* The event a concrete kernel.trace("group:event") point names (fields
 * loaded), or NULL. */
struct tp_event *tp_point_event(struct session *s, const struct probe_point *pp);
/* The event of a derived kernel.trace probe, cached in p->provider_data. */
struct tp_event *tp_probe_event(struct session *s, struct probe *p);
struct expr;
/* Type @cast(ptr, "type"[, "kernel"])->a->b through BTF, in any kernel
 * context (probe p, or a function when p is NULL). False, with nothing
 * reported, when s->quiet_targets and it does not resolve. */
bool tp_resolve_cast(struct session *s, struct probe *p, struct expr *e);

#endif
