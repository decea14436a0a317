/* Types from C headers, for @cast(p, "TYPE", "kernel<uapi/linux/X.h>")
 * when the kernel's BTF lacks the type (BTF holds only the types the
 * kernel's code uses): the headers are compiled with clang -g and the
 * object's DWARF read as a type source that describes kernel memory. */
#ifndef BTAP_TYPE_HEADER_H
#define BTAP_TYPE_HEADER_H

struct session;
struct type_source;

/* The types of the headers a @cast module argument names: "kernel<A.h>",
 * "kernel<A.h><B.h>" or "<A.h>". Of the kernel's headers only the
 * user-space API ones can be compiled here (their copy in /usr/include,
 * from the libc's kernel headers package): "uapi/linux/X.h" or
 * "linux/X.h"; other headers by their absolute path. Kept
 * for the process; NULL with *why (static or arena text) when a header
 * cannot be read or compiled. */
const struct type_source *type_source_headers(struct session *s, const char *module, const char **why);

#endif
