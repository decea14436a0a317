/* JSON text into an rt_sink, for the runner's --format=json records.
 *
 * Strings are written as JSON strings whatever bytes they hold: valid
 * UTF-8 is copied, control characters, '"' and '\\' are escaped, and each
 * byte that is not part of a valid UTF-8 sequence becomes \u00XX (its
 * Latin-1 reading), so every record parses. Numbers are 64-bit longs in
 * decimal. Like the rest of runtime/, no stdio and no allocation. */
#ifndef BTAP_RUNTIME_JSON_H
#define BTAP_RUNTIME_JSON_H

#include "format.h"

/* Bytes of the valid UTF-8 sequence at p (at most n), or 0 if invalid. */
size_t rt_utf8_len(const unsigned char *p, size_t n);

void rt_json_string(struct rt_sink *s, const char *p, size_t n);
void rt_json_cstring(struct rt_sink *s, const char *p); /* NUL-terminated; NULL is null */
void rt_json_long(struct rt_sink *s, int64_t v);
/* "name": — a member's name and the colon (name is trusted ASCII). */
void rt_json_member(struct rt_sink *s, const char *name);

#endif
