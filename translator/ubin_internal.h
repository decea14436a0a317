/* What the parts of the binary catalog share (ubin.c, ubin_sdt.c,
 * ubin_vars.c); the rest of btap includes ubin.h. */
#ifndef BTAP_UBIN_INTERNAL_H
#define BTAP_UBIN_INTERNAL_H

#include "ubin.h"

#include <elfutils/libdw.h>
#include <elfutils/libdwfl.h>
#include <libelf.h>
#include <sys/stat.h>

/* A name and an address (or an index, for the function name index). */
struct ubin_sym {
	const char *name;
	uint64_t addr;
};
int ubin_cmp_sym_name(const void *x, const void *y);

struct ubin_priv {
	struct arena arena;      /* everything of the catalog lives here */
	bool dwfl_tried;         /* libdwfl has been asked for the binary */
	Dwfl *dwfl;
	Dwfl_Module *mod;
	Elf *elf;                /* the binary (owned by dwfl) */
	Dwarf *dw;               /* its DWARF, unbiased; NULL without */
	struct type_source *types;
	bool types_tried;
	char *types_err;
	struct ubin_sym *syms;   /* data symbols by name */
	int nsyms;
	struct ubin_sym *names;  /* every function name and alias -> index in funcs */
	int nnames;
	const struct ubin_func **byaddr;
	bool inlines_read;       /* ubin_inlines */
	struct ubin_func *inlines;
	int ninlines;
};

/* A new, empty catalog for path; its arena holds everything. */
struct ubin *ubin_alloc(const char *path);
void ubin_free(struct ubin *b);
/* Build the name and address indexes of b->funcs (sorted by name). */
void ubin_index(struct ubin *b);
/* Open the binary and its DWARF through libdwfl, once: priv->elf and
 * priv->dw. False when the binary cannot be read any more. */
bool ubin_open_dwarf(const struct ubin *b);

/* The on-disk index (ubin_cache.c): the catalog of a binary whose file,
 * debuginfo and btap are unchanged, without reading its ELF or DWARF. */
bool ubin_cache_key(const char *path, const struct stat *st, char *key, size_t n);
struct ubin *ubin_cache_load(const char *path, const char *key);
void ubin_cache_store(const struct ubin *b, const char *key);

/* Read the .note.stapsdt notes of elf into b->marks. */
void ubin_sdt_read(struct arena *a, struct ubin *b, Elf *elf);

#endif
