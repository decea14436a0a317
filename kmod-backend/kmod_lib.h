/* libkmod, opened when the kmod runtime first loads a module. Linked into
 * btap it cost every start, BPF runs included, ~3 ms: the dynamic loader
 * relocating it and the libcrypto it brings (warm start 10.2 -> 7 ms). */
#ifndef BTAP_KMOD_LIB_H
#define BTAP_KMOD_LIB_H

#include <libkmod.h>
#include <stddef.h>

struct kmod_lib {
	__typeof__(kmod_new) *new_ctx;
	__typeof__(kmod_unref) *unref_ctx;
	__typeof__(kmod_set_log_priority) *set_log_priority;
	__typeof__(kmod_module_new_from_path) *module_new_from_path;
	__typeof__(kmod_module_new_from_name) *module_new_from_name;
	__typeof__(kmod_module_insert_module) *module_insert;
	__typeof__(kmod_module_remove_module) *module_remove;
	__typeof__(kmod_module_unref) *module_unref;
};

/* The library's functions, or NULL with the reason in why. Loaded once. */
const struct kmod_lib *kmod_lib_load(char *why, size_t n);

#endif
