/* The kernel's tracepoint catalog: which events exist (tracefs
 * events/<group>/<event>/, mounted on demand) and the fields of each event's
 * record. The tracefs `format` file is authoritative for the field list and
 * layout; the kernel's BTF adds what the text cannot say (what a typedef
 * really is, the struct a pointer points to, member types for $p->a).
 * Without tracefs the catalog comes from BTF alone. Types are walked
 * with types.h. */
#ifndef BTAP_TRACEPOINTS_H
#define BTAP_TRACEPOINTS_H

#include "types.h"
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
	/* The field's type in the kernel's BTF, with pointer levels on top
	 * when typed from its format text: "struct sockaddr *" is
	 * {struct sockaddr, ptr_depth 1}. Unknown: id 0 and no depth. */
	struct tplace type;
};

struct tp_event {
	const char *group;       /* "" when listed from BTF only (group unknown) */
	const char *name;
	int id;                  /* tracefs event id, -1 if not loaded / unknown */
	const char *btf_struct;  /* trace_event_raw_* struct laid out like the record, or NULL */
	struct tp_field *fields; /* loaded by tp_event_load; common fields first */
	int nfields;
	bool fields_loaded;
	/* The arguments of the tracepoint's prototype (TP_PROTO), from the
	 * BTF of its __bpf_trace_<class> function, as fields of the raw
	 * tracepoint's context: argument i is the u64 at offset 8 * i. */
	bool has_raw;            /* a raw tracepoint exists (tp_event_has_raw) */
	const char *args_module; /* the module whose BTF types them, or NULL */
	struct tp_field *args;
	int nargs;
	bool args_loaded;
};

/* The tracefs directory (holding events/), mounting tracefs on
 * /sys/kernel/tracing if needed; NULL if unavailable. Cached. */
const char *tp_tracefs_dir(void);
/* Tests: use dir as the tracefs root ("" = pretend there is none, so the
 * catalog falls back to BTF); NULL restores the default lookup. */
void tp_set_tracefs_dir(const char *dir);

/* Does "group:event" pattern text match? '*', '?' and [..] globs on each
 * side, and brace groups ("sched:sched_{switch,wakeup}"); a pattern
 * without ':' matches the event name in any group. */
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
/* The prototype argument called name ($prev at sched_switch), or NULL;
 * loaded from BTF on first use. */
const struct tp_field *tp_event_arg(struct arena *a, struct tp_event *ev, const char *name);
/* Is there a raw tracepoint of the event's name (its prototype is in
 * BTF)? Not for system call events, which are built on raw_syscalls. */
bool tp_event_has_raw(struct arena *a, struct tp_event *ev);
/* The parameters of BTF function prototype proto_id from parameter skip
 * on, as fields of a u64 argument array (raw tracepoints, fentry/fexit),
 * and with_return a "return" field after them. Returns how many. */
int tp_btf_proto_fields(struct arena *a, int proto_id, int skip, bool with_return, struct tp_field **out);
/* The same, for a prototype in another BTF (a module's). */
struct type_source;
/* Argument i (an 8-byte slot, as fentry and the kprobes' copies lay them
 * out) named name, of type id in src (BTF or DWARF), into *arg. */
/* 8-byte argument slots a parameter of this type fills (1, or 2 for a
 * 9- to 16-byte struct passed by value) */
int tp_arg_slots(const struct type_source *src, type_id id);
void tp_arg_field(struct arena *a, const struct type_source *src, struct tp_field *arg, const char *name,
		  type_id id, int i);
int tp_btf_proto_fields_of(struct arena *a, const struct type_source *src, int proto_id, int skip,
			   bool with_return, struct tp_field **out);
struct session;
struct expr;
/* Bind target variable e (named name, with its components) to field f of
 * a record or argument array: its type and how it is read. */
bool tp_bind_field(struct session *s, const struct tp_field *f, const char *name, struct expr *e);
/* Does the field read as a script string (char arrays, __data_loc char[])? */
bool tp_field_is_string(const struct tp_field *f);

/* Free the catalog's caches and the kernel's BTF (tests, leak checkers). */
void tp_release(void);

/* e->target_info of a target variable with components ($p->a[2]) at a
 * kernel.trace point. A bare $field stores its struct tp_field* instead. */
struct tp_access {
	const struct tp_field *field; /* the record field the chain starts from (NULL: @cast) */
	struct tplace start;          /* the type the chain starts from */
	int first;                    /* components already applied by start (a format-typed array's [i]) */
	struct tplace place;          /* type of the final value */
	enum tplace_class value;
	bool resolved;                /* every component was resolved through BTF */
	/* @var("sym") of the kernel: the symbol the chain starts at, and
	 * whether it is per-CPU (this CPU's copy) */
	const char *ksym;
	bool ksym_percpu;
	long ksym_offset;             /* bytes after ksym ("sym@file": _text + offset) */
};

/* ---- the kernel.trace provider (provider_tracepoint.c) ------------- */

struct session;
struct probe;
struct probe_point;
struct provider;
struct expr;
/* Type the components of e ($x->a[i]->b, $x$) by walking places from
 * acc->start (components from acc->first on), for any provider whose
 * variables have types: sets acc's place, value class and resolved, and
 * e->type. head names the variable in messages ("$x"). False when a
 * component does not apply (reported unless s->quiet_targets). */
bool tp_type_chain(struct session *s, struct tp_access *acc, const char *head, struct expr *e);
extern const struct provider provider_tracepoint;
/* The event a concrete kernel.trace("group:event") point names (fields
 * loaded), or NULL. */
struct tp_event *tp_point_event(struct session *s, const struct probe_point *pp);
/* The event of a derived kernel.trace probe, cached in p->provider_data. */
struct tp_event *tp_probe_event(struct session *s, struct probe *p);
/* Type @cast(ptr, "type"[, "kernel"])->a->b through the kernel's BTF, in any kernel
 * context (probe p, or a function when p is NULL). False, with nothing
 * reported, when s->quiet_targets and it does not resolve. */
bool tp_resolve_cast(struct session *s, struct probe *p, struct expr *e);
/* A loaded kernel module's BTF (split over the kernel's), opened once per
 * name (provider_kernel.c); NULL with the reason in *why. */
struct type_source;
const struct type_source *kernel_module_types(const char *name, const char **why);
/* @var("sym") of the kernel in a kernel-context probe: a variable BTF
 * types (the per-CPU ones: this CPU's copy), else a symbol of kallsyms,
 * read as an unsigned long. */
bool tp_resolve_kernel_atvar(struct session *s, struct probe *p, struct expr *e);
/* @cast(ptr, "type", "PATH") through the DWARF of a user program or
 * library (provider_uprobe.c); the walk reads user memory. */
bool uprobe_resolve_cast(struct session *s, struct expr *e);

/* Does this kernel's BPF offer a helper (an enumerator of bpf_func_id,
 * "BPF_FUNC_get_attach_cookie")? */
bool kernel_has_bpf_helper(const char *name);
/* An enumerator of the kernel's BTF enum enum_name, and its value. */
bool kernel_enum_value(const char *enum_name, const char *name, int64_t *value);
/* @const("NAME"): the value of the enumerator NAME of any enum of the
 * kernel's BTF (the first that has it); false when none has. */
bool kernel_enum_constant(const char *name, int64_t *value);

#endif
