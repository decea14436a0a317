/* Loading the tapset library (pass 1 for the library).
 *
 * Every .stpm and .stp file under s->tapset_dir and each -I directory,
 * recursively and in sorted order: .stpm files first, into the global
 * macro table every script sees (s->pp.global_macros), then each .stp file
 * parsed as a tapset file into s->tapset_files. A subdirectory named after
 * a runtime ("bpf", "kmod") is read only for that runtime, and one named
 * after an architecture only on that architecture. */
#ifndef BTAP_TAPSET_LOAD_H
#define BTAP_TAPSET_LOAD_H

#include "session.h"

/* Every file parsed now. False if a directory cannot be read or a file
 * has errors (reported). */
bool tapset_load_all(struct session *s);

/* Pass 1 as a script run does it: the .stpm macros, and an index of the
 * names each .stp file declares (a scan of its lines, not a parse); the
 * files are parsed when pass 2 first asks for one of their names
 * (tapset_need), so a script pays for the part of the library it uses. */
bool tapset_load_index(struct session *s);

enum tapset_kind { TAPSET_FUNCTION, TAPSET_GLOBAL, TAPSET_ALIAS };

/* Parse every file not parsed yet that declares NAME as a KIND (an alias
 * by its first component, which may be a wildcard), in load order; each
 * is added to s->tapset_files and to out (struct stapfile*, may be NULL). */
void tapset_need(struct session *s, enum tapset_kind k, const char *name, struct vec *out);
/* Parse every file not parsed yet (-l '*', and the like). */
void tapset_need_all(struct session *s, struct vec *out);

#endif
