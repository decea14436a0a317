/* The catalog of a user-space binary: path resolution, symbols, DWARF
 * subprograms, loaded segments (see ubin.h). USDT notes are read by
 * ubin_sdt.c, variables and prologues by ubin_vars.c. */
#include "ubin_internal.h"

#include <dwarf.h>
#include <errno.h>
#include <fnmatch.h>
#include <gelf.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* ---- paths ------------------------------------------------------------- */

#if defined(__x86_64__)
#define MULTIARCH "x86_64-linux-gnu"
#elif defined(__aarch64__)
#define MULTIARCH "aarch64-linux-gnu"
#else
#define MULTIARCH "unknown"
#endif

static const char *const library_dirs[] = {
	"/lib/" MULTIARCH, "/usr/lib/" MULTIARCH, "/lib64", "/usr/lib64", "/lib", "/usr/lib", NULL,
};

static bool is_regular(const char *path, bool need_exec)
{
	struct stat st;
	return stat(path, &st) == 0 && S_ISREG(st.st_mode) && (!need_exec || access(path, X_OK) == 0);
}

/* The first directory of a ':'-separated list (empty entries are the
 * working directory, as for execvp) holding name. */
static bool search_list(const char *list, const char *name, bool need_exec, char *out, size_t n)
{
	for (const char *p = list; p;) {
		const char *colon = strchr(p, ':');
		size_t len = colon ? (size_t)(colon - p) : strlen(p);
		snprintf(out, n, "%.*s%s%s", (int)len, p, len ? "/" : "", name);
		if (is_regular(out, need_exec))
			return true;
		p = colon ? colon + 1 : NULL;
	}
	return false;
}

char *ubin_multiarch_path(const char *path)
{
	const char *rest = path;
	if (strncmp(rest, "/usr", 4) == 0)
		rest += 4;
	if (strncmp(rest, "/lib", 4) != 0)
		return NULL;
	rest += 4;
	rest += strspn(rest, "0123456789*?"); /* lib, lib64, lib*, lib?? */
	if (*rest != '/' || strchr(rest + 1, '/') || !rest[1] || strcmp(MULTIARCH, "unknown") == 0)
		return NULL;
	char *out;
	if (asprintf(&out, "/usr/lib/%s%s", MULTIARCH, rest) < 0)
		return NULL;
	return out;
}

char *ubin_resolve_path(const char *spec, const char **why)
{
	char found[PATH_MAX];
	*why = NULL;
	if (!spec || !*spec) {
		*why = "an empty path";
		return NULL;
	}
	if (strchr(spec, '/')) {
		snprintf(found, sizeof found, "%s", spec);
	} else if (strstr(spec, ".so")) {
		const char *ld = getenv("LD_LIBRARY_PATH");
		bool ok = ld && *ld && search_list(ld, spec, false, found, sizeof found);
		for (int i = 0; !ok && library_dirs[i]; i++) {
			snprintf(found, sizeof found, "%s/%s", library_dirs[i], spec);
			ok = is_regular(found, false);
		}
		if (!ok) {
			*why = "no such library in $LD_LIBRARY_PATH or the system's library directories";
			return NULL;
		}
	} else {
		const char *path = getenv("PATH");
		/* then the current directory, as stap does: process("a.out") */
		if (!search_list(path && *path ? path : "/usr/local/bin:/usr/bin:/bin", spec, true, found,
				 sizeof found) &&
		    !search_list(".", spec, true, found, sizeof found)) {
			*why = "no such command in $PATH or the current directory";
			return NULL;
		}
	}
	char *real = realpath(found, NULL);
	if (!real) {
		*why = errno == ENOENT ? "no such file" : "the file cannot be reached";
		return NULL;
	}
	if (!is_regular(real, false)) {
		free(real);
		*why = "not a regular file";
		return NULL;
	}
	return real;
}

/* ---- reading a binary -------------------------------------------------- */

static char *debuginfo_path;
static const Dwfl_Callbacks offline_callbacks = {
	.find_elf = dwfl_build_id_find_elf,
	.find_debuginfo = dwfl_standard_find_debuginfo,
	.section_address = dwfl_offline_section_address,
	.debuginfo_path = &debuginfo_path,
};

Dwfl *ubin_dwfl_begin(void)
{
	return dwfl_begin(&offline_callbacks);
}

#if defined(__x86_64__)
#define HOST_MACHINE EM_X86_64
#elif defined(__aarch64__)
#define HOST_MACHINE EM_AARCH64
#else
#define HOST_MACHINE EM_NONE
#endif

/* A growable array of functions while reading. */
struct func_list {
	struct ubin_func *v;
	int n, cap;
	/* per function: its symbol binding rank for choosing a primary name */
};

static struct ubin_func *func_add(struct func_list *l)
{
	if (l->n == l->cap) {
		l->cap = l->cap ? l->cap * 2 : 256;
		l->v = xrealloc(l->v, sizeof(*l->v) * (size_t)l->cap);
	}
	memset(&l->v[l->n], 0, sizeof(*l->v));
	return &l->v[l->n++];
}

static void read_segments(struct ubin *b, Elf *elf)
{
	size_t n = 0;
	if (elf_getphdrnum(elf, &n) != 0)
		return;
	b->segs = arena_alloc(&b->priv->arena, sizeof(*b->segs) * (n ? n : 1));
	for (size_t i = 0; i < n; i++) {
		GElf_Phdr ph;
		if (!gelf_getphdr(elf, (int)i, &ph) || ph.p_type != PT_LOAD)
			continue;
		struct ubin_seg *s = &b->segs[b->nsegs++];
		s->vaddr = ph.p_vaddr;
		s->memsz = ph.p_memsz;
		s->offset = ph.p_offset;
		s->filesz = ph.p_filesz;
		s->exec = (ph.p_flags & PF_X) != 0;
	}
}

static void read_build_id(struct ubin *b)
{
	const unsigned char *bits;
	GElf_Addr vaddr;
	int n = dwfl_module_build_id(b->priv->mod, &bits, &vaddr);
	for (int i = 0; i < n && i < 20; i++)
		snprintf(b->build_id + 2 * i, 3, "%02x", bits[i]);
}

/* A subprogram's name, through its abstract origin or specification. */
static const char *die_name(Dwarf_Die *die)
{
	Dwarf_Attribute attr;
	const char *n = dwarf_formstring(dwarf_attr_integrate(die, DW_AT_name, &attr));
	return n && *n ? n : NULL;
}

static bool is_declaration(Dwarf_Die *die)
{
	Dwarf_Attribute attr;
	bool flag = false;
	return dwarf_attr(die, DW_AT_declaration, &attr) && dwarf_formflag(&attr, &flag) == 0 && flag;
}

/* Every concrete subprogram of a scope (a unit or a namespace). */
static void index_subprograms(struct ubin *b, struct func_list *l, Dwarf_Die *scope)
{
	Dwarf_Die c;
	if (dwarf_child(scope, &c) != 0)
		return;
	do {
		int tag = dwarf_tag(&c);
		if (tag == DW_TAG_namespace) {
			index_subprograms(b, l, &c);
			continue;
		}
		Dwarf_Addr entry = 0, first_end = 0;
		if (tag != DW_TAG_subprogram || is_declaration(&c))
			continue;
		if (dwarf_entrypc(&c, &entry) != 0 || !entry) {
			/* code in pieces (a hot part and a cold one): DW_AT_ranges
			 * without DW_AT_low_pc, the entry's piece listed first */
			Dwarf_Addr base, start, end;
			if (dwarf_ranges(&c, 0, &base, &start, &end) <= 0 || !start)
				continue;
			entry = start;
			first_end = end;
		}
		const char *name = die_name(&c);
		if (!name)
			continue;
		struct ubin_func *f = func_add(l);
		f->name = arena_strdup(&b->priv->arena, name);
		const char *file = dwarf_decl_file(&c);
		f->file = file ? arena_strdup(&b->priv->arena, file) : "";
		int line = 0;
		dwarf_decl_line(&c, &line);
		f->line = line;
		f->addr = entry;
		Dwarf_Addr lo, hi;
		if (dwarf_lowpc(&c, &lo) == 0 && dwarf_highpc(&c, &hi) == 0 && hi > lo && lo == entry)
			f->size = hi - lo;
		else if (first_end > entry)
			f->size = first_end - entry;
		f->die = dwarf_dieoffset(&c);
	} while (dwarf_siblingof(&c, &c) == 0);
}

static void read_dwarf(struct ubin *b, struct func_list *l)
{
	Dwarf_Addr bias;
	Dwarf *dw = dwfl_module_getdwarf(b->priv->mod, &bias);
	if (!dw)
		return;
	Dwarf_CU *cu = NULL;
	Dwarf_Die cudie, subdie;
	uint8_t unit_type;
	Dwarf_Half version;
	while (dwarf_get_units(dw, cu, &cu, &version, &unit_type, &cudie, &subdie) == 0)
		if (unit_type == DW_UT_compile || unit_type == DW_UT_partial)
			index_subprograms(b, l, &cudie);
	if (!l->n)
		return; /* only line tables, say: nothing to name variables with */
	b->priv->dw = dw;
	b->has_dwarf = true;
	const char *mainfile = NULL, *debugfile = NULL;
	dwfl_module_info(b->priv->mod, NULL, NULL, NULL, NULL, NULL, &mainfile, &debugfile);
	b->debug_path = arena_strdup(&b->priv->arena, debugfile ? debugfile : mainfile ? mainfile : b->path);
}

/* How good a name is as the primary one among aliases at one address:
 * global before weak before local, fewer leading underscores, shorter. */
static int name_rank(const char *name, int bind)
{
	int under = 0;
	while (name[under] == '_')
		under++;
	int b = bind == STB_GLOBAL ? 0 : bind == STB_WEAK ? 1 : 2;
	return b * 1000000 + under * 10000 + (int)strlen(name);
}

struct sym_rec {
	const char *name;
	uint64_t addr, size;
	int rank;
	bool func;
};

static int cmp_sym_addr(const void *x, const void *y)
{
	const struct sym_rec *a = x, *b = y;
	if (a->addr != b->addr)
		return a->addr < b->addr ? -1 : 1;
	if (a->rank != b->rank)
		return a->rank < b->rank ? -1 : 1;
	return strcmp(a->name, b->name);
}

static int cmp_func_addr(const void *x, const void *y)
{
	const struct ubin_func *a = x, *b = y;
	return a->addr < b->addr ? -1 : a->addr > b->addr;
}

/* The symbol table: data symbols for USDT operands, function symbols as
 * functions (or as aliases of the DWARF function at their address). */
static void read_symbols(struct ubin *b, struct func_list *l)
{
	struct ubin_priv *p = b->priv;
	int n = dwfl_module_getsymtab(p->mod);
	struct sym_rec *syms = xcalloc((size_t)(n > 0 ? n : 1), sizeof(*syms));
	int ns = 0;
	for (int i = 1; i < n; i++) {
		GElf_Sym sym;
		GElf_Addr addr;
		GElf_Word shndx;
		Elf *elf;
		Dwarf_Addr bias;
		const char *name = dwfl_module_getsym_info(p->mod, i, &sym, &addr, &shndx, &elf, &bias);
		int type = GELF_ST_TYPE(sym.st_info);
		if (!name || !*name || shndx == SHN_UNDEF || !sym.st_value)
			continue;
		if (type != STT_FUNC && type != STT_GNU_IFUNC && type != STT_OBJECT && type != STT_NOTYPE &&
		    type != STT_TLS)
			continue;
		/* "name@@VERSION" from some symbol tables: the name alone */
		const char *at = strchr(name, '@');
		struct sym_rec *r = &syms[ns++];
		r->name = arena_strndup(&p->arena, name, at ? (size_t)(at - name) : strlen(name));
		/* a kernel module's (relocatable) symbols are section offsets:
		 * placed where libdwfl put the section, as its DWARF is */
		Elf *own = elf;
		GElf_Ehdr eh;
		bool rel = own && gelf_getehdr(own, &eh) && eh.e_type == ET_REL;
		r->addr = rel ? addr : sym.st_value;
		r->size = sym.st_size;
		r->rank = name_rank(r->name, GELF_ST_BIND(sym.st_info));
		r->func = type == STT_FUNC || type == STT_GNU_IFUNC;
	}
	qsort(syms, (size_t)ns, sizeof(*syms), cmp_sym_addr);
	/* data symbols by name, for ubin_symbol_addr */
	p->syms = arena_alloc(&p->arena, sizeof(*p->syms) * (size_t)(ns ? ns : 1));
	for (int i = 0; i < ns; i++)
		if (!syms[i].func && syms[i].rank < 2000000)
			p->syms[p->nsyms++] = (struct ubin_sym){syms[i].name, syms[i].addr};
	qsort(p->syms, (size_t)p->nsyms, sizeof(*p->syms), ubin_cmp_sym_name);

	/* DWARF functions by address, to attach aliases */
	int ndw = l->n;
	if (ndw)
		qsort(l->v, (size_t)ndw, sizeof(*l->v), cmp_func_addr);
	struct vec *aliases = arena_alloc(&p->arena, sizeof(struct vec) * (size_t)(ndw + ns + 1));
	for (int i = 0; i < ns;) {
		int j = i;
		while (j < ns && syms[j].addr == syms[i].addr)
			j++;
		/* the run [i, j) shares one address, best name first */
		bool any_func = false;
		for (int k = i; k < j; k++)
			any_func |= syms[k].func;
		if (!any_func) {
			i = j;
			continue;
		}
		struct ubin_func key = {.addr = syms[i].addr};
		struct ubin_func *dwf = ndw ? bsearch(&key, l->v, (size_t)ndw, sizeof(*l->v), cmp_func_addr) : NULL;
		int owner;
		int from = i;
		if (dwf) {
			owner = (int)(dwf - l->v);
		} else {
			struct ubin_func *f = func_add(l);
			f->name = syms[i].name;
			f->addr = syms[i].addr;
			f->size = syms[i].size;
			owner = l->n - 1;
			from = i + 1;
		}
		for (int k = from; k < j; k++) {
			if (!syms[k].func || strcmp(syms[k].name, l->v[owner].name) == 0)
				continue;
			bool dup = false;
			VEC_FOREACH(aliases[owner], m)
				if (strcmp(VEC_AT(aliases[owner], m, const char *), syms[k].name) == 0)
					dup = true;
			if (!dup)
				vec_push(&p->arena, &aliases[owner], (void *)syms[k].name);
		}
		if (dwf && !dwf->size)
			dwf->size = syms[i].size;
		i = j;
	}
	for (int i = 0; i < l->n; i++) {
		if (!aliases[i].n)
			continue;
		vec_push(&p->arena, &aliases[i], NULL);
		l->v[i].aliases = (const char *const *)aliases[i].v;
	}
	free(syms);
}

static int cmp_func_name(const void *x, const void *y)
{
	const struct ubin_func *a = x, *b = y;
	int c = strcmp(a->name, b->name);
	if (c)
		return c;
	return a->addr < b->addr ? -1 : a->addr > b->addr;
}

int ubin_cmp_sym_name(const void *x, const void *y)
{
	return strcmp(((const struct ubin_sym *)x)->name, ((const struct ubin_sym *)y)->name);
}

static int cmp_ptr_addr(const void *x, const void *y)
{
	const struct ubin_func *a = *(const struct ubin_func *const *)x, *b = *(const struct ubin_func *const *)y;
	return a->addr < b->addr ? -1 : a->addr > b->addr;
}

void ubin_index(struct ubin *b)
{
	struct ubin_priv *p = b->priv;
	int n = 0;
	for (int i = 0; i < b->nfuncs; i++) {
		n++;
		for (const char *const *al = b->funcs[i].aliases; al && *al; al++)
			n++;
	}
	p->names = arena_alloc(&p->arena, sizeof(*p->names) * (size_t)(n ? n : 1));
	for (int i = 0; i < b->nfuncs; i++) {
		p->names[p->nnames++] = (struct ubin_sym){b->funcs[i].name, (uint64_t)i};
		for (const char *const *al = b->funcs[i].aliases; al && *al; al++)
			p->names[p->nnames++] = (struct ubin_sym){*al, (uint64_t)i};
	}
	qsort(p->names, (size_t)p->nnames, sizeof(*p->names), ubin_cmp_sym_name);
	p->byaddr = arena_alloc(&p->arena, sizeof(*p->byaddr) * (size_t)(b->nfuncs ? b->nfuncs : 1));
	for (int i = 0; i < b->nfuncs; i++)
		p->byaddr[i] = &b->funcs[i];
	qsort(p->byaddr, (size_t)b->nfuncs, sizeof(*p->byaddr), cmp_ptr_addr);
}

void ubin_free(struct ubin *b)
{
	if (!b)
		return;
	if (b->priv->types)
		type_source_close(b->priv->types);
	if (b->priv->dwfl)
		dwfl_end(b->priv->dwfl);
	free(b->priv->types_err);
	struct arena a = b->priv->arena;
	arena_free(&a);
}

struct ubin *ubin_alloc(const char *path)
{
	struct arena a;
	arena_init(&a);
	struct ubin *b = arena_alloc(&a, sizeof(*b));
	b->priv = arena_alloc(&a, sizeof(*b->priv));
	b->priv->arena = a;
	b->path = arena_strdup(&b->priv->arena, path);
	return b;
}

/* Report the binary to libdwfl (which finds its separate debuginfo). */
static bool report(struct ubin *b, GElf_Ehdr *eh)
{
	struct ubin_priv *p = b->priv;
	p->dwfl_tried = true;
	p->dwfl = ubin_dwfl_begin();
	p->mod = p->dwfl ? dwfl_report_offline(p->dwfl, b->path, b->path, -1) : NULL;
	if (p->dwfl)
		dwfl_report_end(p->dwfl, NULL, NULL);
	Dwarf_Addr bias;
	p->elf = p->mod ? dwfl_module_getelf(p->mod, &bias) : NULL;
	return p->elf && gelf_getehdr(p->elf, eh);
}

bool ubin_open_dwarf(const struct ubin *cb)
{
	struct ubin *b = (struct ubin *)cb; /* the catalog's caches are its own business */
	struct ubin_priv *p = b->priv;
	if (!p->dwfl_tried) {
		GElf_Ehdr eh;
		if (report(b, &eh) && b->has_dwarf) {
			Dwarf_Addr bias;
			p->dw = dwfl_module_getdwarf(p->mod, &bias);
		}
	}
	return p->elf != NULL;
}

static struct ubin *read_binary(const char *path, char **err)
{
	struct ubin *b = ubin_alloc(path);
	struct ubin_priv *p = b->priv;
	char msg[PATH_MAX + 200];
	GElf_Ehdr eh;
	if (!report(b, &eh)) {
		snprintf(msg, sizeof msg, "%s is not an ELF file%s%s", path, p->dwfl ? ": " : "",
			 p->dwfl ? dwfl_errmsg(-1) : "");
		*err = xstrdup(msg);
		ubin_free(b);
		return NULL;
	}
	/* a kernel module (relocatable: libdwfl placed its sections) is read
	 * for its DWARF, never probed by file offset */
	const char *ko = strstr(path, ".ko");
	bool module = eh.e_type == ET_REL && ko && (!ko[3] || ko[3] == '.');
	if (eh.e_type != ET_EXEC && eh.e_type != ET_DYN && !module) {
		snprintf(msg, sizeof msg, "%s is not an executable or a shared library", path);
		*err = xstrdup(msg);
		ubin_free(b);
		return NULL;
	}
	if (eh.e_machine != HOST_MACHINE) {
		snprintf(msg, sizeof msg, "%s is built for another architecture (ELF machine %u)", path,
			 (unsigned)eh.e_machine);
		*err = xstrdup(msg);
		ubin_free(b);
		return NULL;
	}
	b->is_dyn = eh.e_type == ET_DYN;
	read_segments(b, p->elf);
	read_build_id(b);
	struct func_list l = {0};
	read_dwarf(b, &l);
	read_symbols(b, &l);
	if (l.n)
		qsort(l.v, (size_t)l.n, sizeof(*l.v), cmp_func_name);
	b->funcs = arena_alloc(&p->arena, sizeof(*b->funcs) * (size_t)(l.n ? l.n : 1));
	if (l.n)
		memcpy(b->funcs, l.v, sizeof(*b->funcs) * (size_t)l.n);
	b->nfuncs = l.n;
	free(l.v);
	ubin_index(b);
	ubin_sdt_read(&p->arena, b, p->elf);
	return b;
}

/* ---- the per-process cache --------------------------------------------- */

struct cached {
	struct cached *next;
	char *path;
	dev_t dev;
	ino_t ino;
	off_t size;
	struct timespec mtime;
	struct ubin *bin;
};
static struct cached *cache;

const struct ubin *ubin_open(const char *path, char **err)
{
	*err = NULL;
	struct stat st;
	if (stat(path, &st) != 0) {
		char msg[PATH_MAX + 64];
		snprintf(msg, sizeof msg, "cannot open %s: %s", path, strerror(errno));
		*err = xstrdup(msg);
		return NULL;
	}
	for (struct cached *c = cache; c; c = c->next)
		if (strcmp(c->path, path) == 0 && c->dev == st.st_dev && c->ino == st.st_ino &&
		    c->size == st.st_size && c->mtime.tv_sec == st.st_mtim.tv_sec &&
		    c->mtime.tv_nsec == st.st_mtim.tv_nsec)
			return c->bin;
	char key[128];
	bool keyed = ubin_cache_key(path, &st, key, sizeof key);
	struct ubin *b = keyed ? ubin_cache_load(path, key) : NULL;
	if (!b) {
		b = read_binary(path, err);
		if (!b)
			return NULL;
		if (keyed)
			ubin_cache_store(b, key);
	}
	struct cached *c = xcalloc(1, sizeof(*c));
	c->path = xstrdup(path);
	c->dev = st.st_dev;
	c->ino = st.st_ino;
	c->size = st.st_size;
	c->mtime = st.st_mtim;
	c->bin = b;
	c->next = cache;
	cache = c;
	return b;
}

void ubin_release_all(void)
{
	while (cache) {
		struct cached *c = cache;
		cache = c->next;
		ubin_free(c->bin);
		free(c->path);
		free(c);
	}
}

/* ---- questions ----------------------------------------------------------- */

int ubin_funcs_named(const struct ubin *b, const char *name, const struct ubin_func **out, int max)
{
	const struct ubin_priv *p = b->priv;
	struct ubin_sym key = {name, 0};
	const struct ubin_sym *hit = bsearch(&key, p->names, (size_t)p->nnames, sizeof(*p->names), ubin_cmp_sym_name);
	if (!hit)
		return 0;
	while (hit > p->names && strcmp(hit[-1].name, name) == 0)
		hit--;
	int n = 0;
	for (; hit < p->names + p->nnames && strcmp(hit->name, name) == 0; hit++) {
		const struct ubin_func *f = &b->funcs[hit->addr];
		bool dup = false;
		for (int i = 0; i < n && i < max; i++)
			dup |= out[i] == f;
		if (dup)
			continue;
		if (n < max)
			out[n] = f;
		n++;
	}
	return n;
}

const struct ubin_func *ubin_func_at(const struct ubin *b, uint64_t addr)
{
	const struct ubin_priv *p = b->priv;
	int lo = 0, hi = b->nfuncs - 1, best = -1;
	while (lo <= hi) {
		int mid = (lo + hi) / 2;
		if (p->byaddr[mid]->addr <= addr) {
			best = mid;
			lo = mid + 1;
		} else {
			hi = mid - 1;
		}
	}
	if (best < 0)
		return NULL;
	const struct ubin_func *f = p->byaddr[best];
	if (f->size && addr >= f->addr + f->size)
		return NULL;
	return f;
}

bool ubin_symbol_addr(const struct ubin *b, const char *name, uint64_t *addr)
{
	const struct ubin_priv *p = b->priv;
	struct ubin_sym key = {name, 0};
	const struct ubin_sym *hit = bsearch(&key, p->syms, (size_t)p->nsyms, sizeof(*p->syms), ubin_cmp_sym_name);
	if (hit) {
		*addr = hit->addr;
		return true;
	}
	const struct ubin_func *f;
	if (ubin_funcs_named(b, name, &f, 1) > 0) {
		*addr = f->addr;
		return true;
	}
	return false;
}

bool ubin_file_offset(const struct ubin *b, uint64_t addr, uint64_t *off)
{
	for (int i = 0; i < b->nsegs; i++) {
		const struct ubin_seg *s = &b->segs[i];
		if (addr >= s->vaddr && addr - s->vaddr < s->filesz) {
			*off = addr - s->vaddr + s->offset;
			return true;
		}
	}
	return false;
}

bool ubin_vaddr_of_offset(const struct ubin *b, uint64_t off, uint64_t *addr)
{
	for (int i = 0; i < b->nsegs; i++) {
		const struct ubin_seg *s = &b->segs[i];
		if (off >= s->offset && off - s->offset < s->filesz) {
			*addr = off - s->offset + s->vaddr;
			return true;
		}
	}
	return false;
}

/* The strings of the dynamic section's entries with this tag (DT_NEEDED,
 * DT_RUNPATH ...): how many, at most max into out (the catalog's copies). */
static int dynamic_strings(const struct ubin *b, int64_t tag, const char **out, int max)
{
	if (!ubin_open_dwarf(b))
		return 0;
	Elf *elf = b->priv->elf;
	int n = 0;
	for (Elf_Scn *scn = elf_nextscn(elf, NULL); scn; scn = elf_nextscn(elf, scn)) {
		GElf_Shdr sh;
		if (!gelf_getshdr(scn, &sh) || sh.sh_type != SHT_DYNAMIC)
			continue;
		Elf_Data *data = elf_getdata(scn, NULL);
		for (size_t i = 0; data && sh.sh_entsize && i < sh.sh_size / sh.sh_entsize; i++) {
			GElf_Dyn dyn;
			if (!gelf_getdyn(data, (int)i, &dyn) || dyn.d_tag != tag)
				continue;
			const char *name = elf_strptr(elf, sh.sh_link, dyn.d_un.d_val);
			if (name && n < max)
				out[n++] = arena_strdup(&b->priv->arena, name);
		}
	}
	return n;
}

int ubin_needed(const struct ubin *b, const char **out, int max)
{
	return dynamic_strings(b, DT_NEEDED, out, max);
}

/* DT_RUNPATH (else DT_RPATH) of b, "$ORIGIN" replaced by b's directory;
 * a malloc'd ':'-separated list, or NULL. */
static char *runpath(const struct ubin *b)
{
	const char *rp = NULL, *rpath = NULL;
	dynamic_strings(b, DT_RUNPATH, &rp, 1);
	dynamic_strings(b, DT_RPATH, &rpath, 1);
	const char *list = rp ? rp : rpath;
	if (!list)
		return NULL;
	const char *slash = strrchr(b->path, '/');
	size_t dirlen = slash ? (size_t)(slash - b->path) : 0;
	struct strbuf out;
	sb_init(&out);
	for (const char *p = list; *p;) {
		if (strncmp(p, "$ORIGIN", 7) == 0 || strncmp(p, "${ORIGIN}", 9) == 0) {
			sb_putn(&out, b->path, dirlen);
			p += p[1] == '{' ? 9 : 7;
		} else {
			sb_putc(&out, *p++);
		}
	}
	return out.s; /* owned by the caller */
}

char *ubin_find_library(const struct ubin *exe, const char *name, const char **why)
{
	const char *needed[128];
	int n = ubin_needed(exe, needed, 128);
	char *rp = runpath(exe);
	char *found = NULL;
	for (int i = 0; i < n && i < 128 && !found; i++) {
		const char *base = strrchr(needed[i], '/');
		base = base ? base + 1 : needed[i];
		/* "libc.so.6" or "libc" names "libc.so.6" */
		size_t len = strlen(name);
		if (strcmp(base, name) != 0 && !(strncmp(base, name, len) == 0 && base[len] == '.'))
			continue;
		char cand[PATH_MAX];
		for (const char *p = rp; p && *p && !found;) {
			const char *colon = strchr(p, ':');
			size_t dl = colon ? (size_t)(colon - p) : strlen(p);
			snprintf(cand, sizeof cand, "%.*s/%s", (int)dl, p, needed[i]);
			if (is_regular(cand, false))
				found = realpath(cand, NULL);
			p = colon ? colon + 1 : NULL;
		}
		if (!found)
			found = ubin_resolve_path(needed[i], why);
	}
	free(rp);
	if (!found)
		found = ubin_resolve_path(name, why);
	return found;
}

int ubin_plt(const struct ubin *b, const char **names, uint64_t *addrs, int max)
{
	if (!ubin_open_dwarf(b))
		return 0;
	Elf *elf = b->priv->elf;
	size_t shstrndx;
	if (elf_getshdrstrndx(elf, &shstrndx) != 0)
		return 0;
	Elf_Scn *rela = NULL;
	GElf_Addr plt = 0, plt_sec = 0;
	for (Elf_Scn *scn = elf_nextscn(elf, NULL); scn; scn = elf_nextscn(elf, scn)) {
		GElf_Shdr sh;
		const char *name = gelf_getshdr(scn, &sh) ? elf_strptr(elf, shstrndx, sh.sh_name) : NULL;
		if (!name)
			continue;
		if (strcmp(name, ".rela.plt") == 0)
			rela = scn;
		else if (strcmp(name, ".plt") == 0)
			plt = sh.sh_addr;
		else if (strcmp(name, ".plt.sec") == 0)
			plt_sec = sh.sh_addr;
	}
	GElf_Shdr rsh;
	if (!rela || !plt || !gelf_getshdr(rela, &rsh) || !rsh.sh_entsize)
		return 0;
	Elf_Data *data = elf_getdata(rela, NULL);
	Elf_Scn *symscn = elf_getscn(elf, rsh.sh_link);
	GElf_Shdr ssh;
	Elf_Data *syms = symscn ? elf_getdata(symscn, NULL) : NULL;
	if (!data || !syms || !gelf_getshdr(symscn, &ssh))
		return 0;
	int n = 0;
	for (size_t i = 0; i < rsh.sh_size / rsh.sh_entsize; i++) {
		GElf_Rela r;
		GElf_Sym sym;
		if (!gelf_getrela(data, (int)i, &r) || GELF_R_TYPE(r.r_info) != R_X86_64_JUMP_SLOT ||
		    !gelf_getsym(syms, (int)GELF_R_SYM(r.r_info), &sym))
			continue;
		const char *name = elf_strptr(elf, ssh.sh_link, sym.st_name);
		if (!name || !*name)
			continue;
		/* entry i: the i-th 16-byte stub of .plt.sec (IBT), else of .plt
		 * after its 16-byte header */
		if (n < max) {
			names[n] = arena_strdup(&b->priv->arena, name);
			addrs[n] = plt_sec ? plt_sec + 16 * i : plt + 16 * (i + 1);
		}
		n++;
	}
	return n;
}

/* Every inlined_subroutine below die (through lexical blocks and nested
 * inlines), as functions of the subprogram `frame`. */
static void collect_inlines(struct ubin *b, struct func_list *l, Dwarf_Die *die, Dwarf_Off frame)
{
	Dwarf_Die c;
	if (dwarf_child(die, &c) != 0)
		return;
	do {
		int tag = dwarf_tag(&c);
		if (tag == DW_TAG_inlined_subroutine) {
			Dwarf_Addr entry;
			const char *name = die_name(&c);
			if (name && dwarf_entrypc(&c, &entry) == 0 && entry) {
				struct ubin_func *f = func_add(l);
				f->name = arena_strdup(&b->priv->arena, name);
				Dwarf_Attribute attr;
				Dwarf_Die origin;
				const char *file = NULL;
				int line = 0;
				if (dwarf_attr(&c, DW_AT_abstract_origin, &attr) && dwarf_formref_die(&attr, &origin)) {
					file = dwarf_decl_file(&origin);
					dwarf_decl_line(&origin, &line);
				}
				f->file = file ? arena_strdup(&b->priv->arena, file) : "";
				f->line = line;
				f->addr = entry;
				f->die = dwarf_dieoffset(&c);
				f->frame_die = frame;
			}
		}
		if (tag == DW_TAG_inlined_subroutine || tag == DW_TAG_lexical_block)
			collect_inlines(b, l, &c, frame);
	} while (dwarf_siblingof(&c, &c) == 0);
}

/* The labels below die (through lexical blocks, not into code inlined
 * there) whose name matches pattern, appended to l. */
static void collect_labels(struct arena *a, Dwarf_Die *die, const char *pattern, struct vec *l)
{
	Dwarf_Die c;
	if (dwarf_child(die, &c) != 0)
		return;
	do {
		int tag = dwarf_tag(&c);
		Dwarf_Addr pc;
		const char *name = tag == DW_TAG_label ? die_name(&c) : NULL;
		if (name && fnmatch(pattern, name, 0) == 0 && dwarf_lowpc(&c, &pc) == 0 && pc) {
			struct ubin_label *lb = arena_alloc(a, sizeof(*lb));
			lb->name = arena_strdup(a, name);
			lb->addr = pc;
			Dwarf_Attribute attr;
			Dwarf_Die origin, *decl = &c;
			if (dwarf_attr(&c, DW_AT_abstract_origin, &attr) && dwarf_formref_die(&attr, &origin))
				decl = &origin;
			dwarf_decl_line(decl, &lb->line);
			vec_push(a, l, lb);
		}
		if (tag == DW_TAG_lexical_block)
			collect_labels(a, &c, pattern, l);
	} while (dwarf_siblingof(&c, &c) == 0);
}

int ubin_labels(struct arena *a, const struct ubin *b, const struct ubin_func *f, const char *pattern,
		struct ubin_label ***out)
{
	struct vec l = {0};
	Dwarf_Die die;
	if (f->die && ubin_open_dwarf(b) && b->priv->dw && dwarf_offdie(b->priv->dw, f->die, &die))
		collect_labels(a, &die, pattern, &l);
	*out = (struct ubin_label **)l.v;
	return l.n;
}

int ubin_inlines(const struct ubin *cb, const struct ubin_func **out)
{
	struct ubin *b = (struct ubin *)cb; /* found once, kept in the catalog */
	struct ubin_priv *p = b->priv;
	if (!p->inlines_read) {
		p->inlines_read = true;
		struct func_list l = {0};
		Dwarf_Die die;
		for (int i = 0; i < b->nfuncs; i++)
			if (b->funcs[i].die && ubin_open_dwarf(b) && p->dw && dwarf_offdie(p->dw, b->funcs[i].die, &die))
				collect_inlines(b, &l, &die, b->funcs[i].die);
		p->inlines = arena_alloc(&p->arena, sizeof(*p->inlines) * (size_t)(l.n ? l.n : 1));
		if (l.n)
			memcpy(p->inlines, l.v, sizeof(*l.v) * (size_t)l.n);
		p->ninlines = l.n;
		free(l.v);
	}
	*out = p->inlines;
	return p->ninlines;
}
