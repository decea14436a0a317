/* A module file under another name, so that one compiled module can be
 * loaded more than once (two btap sessions running the same script) or
 * under the name -m gives: the kernel takes a module's name from its
 * struct module (section .gnu.linkonce.this_module), libkmod from the
 * file's name, so both are changed in a copy. */
#ifndef BTAP_MODULE_RENAME_H
#define BTAP_MODULE_RENAME_H

#include <stdbool.h>
#include <stddef.h>

/* The longest module name the kernel keeps (MODULE_NAME_LEN - 1). */
#define MODULE_RENAME_MAX 55

/* Copy the module at src, named old, into dir/NAME.ko with its struct
 * module's name set to name; the copy's path into out. False with a
 * message in why (n bytes) when the file is not such a module. */
bool module_rename(const char *src, const char *old, const char *name, const char *dir, char *out, size_t n,
		   char *why, size_t nwhy);

/* Is name usable as a module name (letters, digits, '_'; not too long)? */
bool module_name_ok(const char *name);

#endif
