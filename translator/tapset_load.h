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

/* False if a directory cannot be read or a file has errors (reported). */
bool tapset_load_all(struct session *s);

#endif
