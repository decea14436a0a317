/* The parts of the tracepoint catalog (tracepoints.h), for one another:
 * format files (tp_format.c) and what the kernel's BTF says about events
 * (tp_btf.c). */
#ifndef BTAP_TP_CATALOG_H
#define BTAP_TP_CATALOG_H

#include "tracepoints.h"

/* Parse a tracefs `format` file (text is modified): the event id into
 * ev->id, each field (struct tp_field*) appended to fields. */
void tp_format_parse(struct arena *a, char *text, struct tp_event *ev, struct vec *fields);

/* Add BTF types to the fields of an event read from its format file: the
 * trace_event_raw_* struct laid out like the record, member types. */
void tp_btf_attach_types(struct arena *a, struct tp_event *ev);
/* Events matching pattern known to BTF (a btf_trace_<name> typedef each;
 * the group is unknown), appended to out. */
void tp_btf_list(struct arena *a, const char *pattern, struct vec *out);
/* The fields of an event from BTF alone; false if BTF has no such event. */
bool tp_btf_fields(struct arena *a, struct tp_event *ev, struct vec *fields);
/* Free the index of trace_event_raw_* structs. */
void tp_btf_release(void);

#endif
