/* libkmod through dlopen: see kmod_lib.h. */
#include "kmod_lib.h"

#include <dlfcn.h>
#include <stdbool.h>
#include <stdio.h>

#define KMOD_SONAME "libkmod.so.2"

static struct kmod_lib lib;
static bool loaded;

static bool resolve(void *h, const char *name, void *slot, char *why, size_t n)
{
	void *f = dlsym(h, name);
	if (!f) {
		snprintf(why, n, "%s has no %s", KMOD_SONAME, name);
		return false;
	}
	*(void **)slot = f;
	return true;
}

const struct kmod_lib *kmod_lib_load(char *why, size_t n)
{
	if (loaded)
		return &lib;
	void *h = dlopen(KMOD_SONAME, RTLD_NOW | RTLD_LOCAL);
	if (!h) {
		const char *e = dlerror();
		snprintf(why, n, "cannot load %s (the libkmod2 package): %s", KMOD_SONAME, e ? e : "not found");
		return NULL;
	}
	if (!resolve(h, "kmod_new", &lib.new_ctx, why, n) || !resolve(h, "kmod_unref", &lib.unref_ctx, why, n) ||
	    !resolve(h, "kmod_set_log_priority", &lib.set_log_priority, why, n) ||
	    !resolve(h, "kmod_module_new_from_path", &lib.module_new_from_path, why, n) ||
	    !resolve(h, "kmod_module_new_from_name", &lib.module_new_from_name, why, n) ||
	    !resolve(h, "kmod_module_insert_module", &lib.module_insert, why, n) ||
	    !resolve(h, "kmod_module_remove_module", &lib.module_remove, why, n) ||
	    !resolve(h, "kmod_module_unref", &lib.module_unref, why, n)) {
		dlclose(h);
		return NULL;
	}
	loaded = true;
	return &lib;
}
