/* A module file under another name (module_rename.h), through libelf. */
#include "module_rename.h"

#include <errno.h>
#include <fcntl.h>
#include <gelf.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "translator/cache.h"
#include "translator/util.h"

bool module_name_ok(const char *name)
{
	size_t n = strlen(name);
	if (n == 0 || n > MODULE_RENAME_MAX)
		return false;
	for (size_t i = 0; i < n; i++) {
		char c = name[i];
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_'))
			return false;
	}
	return true;
}

/* The file offset and size of the section called want, or false. */
static bool find_section(const char *image, size_t len, const char *want, size_t *off, size_t *size)
{
	bool found = false;
	elf_version(EV_CURRENT);
	Elf *e = elf_memory((char *)image, len);
	size_t shstrndx;
	if (!e || elf_getshdrstrndx(e, &shstrndx) != 0) {
		if (e)
			elf_end(e);
		return false;
	}
	for (Elf_Scn *scn = NULL; !found && (scn = elf_nextscn(e, scn));) {
		GElf_Shdr sh;
		const char *name = gelf_getshdr(scn, &sh) ? elf_strptr(e, shstrndx, sh.sh_name) : NULL;
		if (name && strcmp(name, want) == 0 && sh.sh_type == SHT_PROGBITS && sh.sh_offset + sh.sh_size <= len) {
			*off = sh.sh_offset;
			*size = sh.sh_size;
			found = true;
		}
	}
	elf_end(e);
	return found;
}

bool module_rename(const char *src, const char *old, const char *name, const char *dir, char *out, size_t n,
		   char *why, size_t nwhy)
{
	size_t len;
	char *image = read_file(src, &len);
	size_t off, size;
	bool ok = false;
	if (!image) {
		snprintf(why, nwhy, "cannot read %s: %s", src, strerror(errno));
		return false;
	}
	if (!module_name_ok(name) || strlen(old) > MODULE_RENAME_MAX) {
		snprintf(why, nwhy, "'%s' cannot name a module (letters, digits and '_', at most %d)", name,
			 MODULE_RENAME_MAX);
	} else if (!find_section(image, len, ".gnu.linkonce.this_module", &off, &size)) {
		snprintf(why, nwhy, "%s has no struct module (.gnu.linkonce.this_module)", src);
	} else {
		/* the name field: old, NUL-padded to MODULE_NAME_LEN bytes */
		size_t field = MODULE_RENAME_MAX + 1;
		char *hit = NULL;
		for (size_t i = 0; i + field <= size && !hit; i++) {
			char *p = image + off + i;
			if (memcmp(p, old, strlen(old) + 1) == 0)
				hit = p;
		}
		if (!hit) {
			snprintf(why, nwhy, "%s does not hold the module name %s", src, old);
		} else {
			memset(hit, 0, field);
			memcpy(hit, name, strlen(name));
			char file[MODULE_RENAME_MAX + 8];
			snprintf(file, sizeof file, "%s.ko", name);
			snprintf(out, n, "%s/%s", dir, file);
			ok = cache_write_file(dir, file, image, len);
			if (!ok)
				snprintf(why, nwhy, "cannot write %s: %s", out, strerror(errno));
		}
	}
	free(image);
	return ok;
}
