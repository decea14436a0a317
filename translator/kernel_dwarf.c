/* The kernel's DWARF, read with libdw: where the vmlinux with debuginfo
 * is (--debuginfo, the standard debug paths, a build tree), whether it
 * is the running kernel's build (its GNU build id against
 * /sys/kernel/notes), a module's (its .ko under lib/modules/RELEASE of
 * the same places, relocated by libdwfl), and the functions a "NAME@FILE[:LINE[-LINE]]"
 * pattern names. Only compile units whose own file matches are walked,
 * except for header patterns (functions defined in a .h are declared in
 * many units), so a lookup reads a few units of a 600 MB file. */
#include "kernel_dwarf.h"
#include "ubin.h"
#include "util.h"

#include <dirent.h>
#include <dwarf.h>
#include <elfutils/libdw.h>
#include <elfutils/libdwfl.h>
#include <elfutils/libdwelf.h>
#include <fcntl.h>
#include <gelf.h>
#include <fnmatch.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <unistd.h>

/* A reason kept with a cached lookup: it outlives the session's arena
 * (a process may run several sessions). */
static const char *lasting(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static const char *lasting(const char *fmt, ...)
{
	struct strbuf b;
	sb_init(&b);
	va_list ap;
	va_start(ap, fmt);
	sb_vprintf(&b, fmt, ap);
	va_end(ap);
	return sb_steal(&b);
}

static struct {
	char *key;    /* the --debuginfo and release it was found for */
	bool tried;
	const char *why;
	char *path;   /* of the file found */
	Dwarf *dw;
	Elf *elf;
	int fd;
	/* where the image is linked (_text) and the end of the per-CPU
	 * section (__per_cpu_end), read from the symbol table once */
	bool syms_read, have_text, have_pcpu_end;
	GElf_Addr text, pcpu_end;
} kd;

bool kdwarf_file_matches(const char *file_pat, const char *path)
{
	if (fnmatch(file_pat, path, 0) == 0)
		return true;
	char buf[4096];
	snprintf(buf, sizeof buf, "*/%s", file_pat);
	return fnmatch(buf, path, 0) == 0;
}

/* The release the paths are named after: -r's (a build tree's own),
 * else the running one. */
static const char *release_of(struct session *s, char *buf, size_t len)
{
	if (s->pp.kernel_vr)
		return s->pp.kernel_vr;
	if (s->kernel_release && !strchr(s->kernel_release, '/'))
		return s->kernel_release;
	struct utsname u;
	uname(&u);
	snprintf(buf, len, "%s", u.release);
	return buf;
}

/* The running kernel's build id (the GNU note in /sys/kernel/notes, in
 * the guest's facts under the VM harness), as hex; "" when unknown. */
static void kernel_build_id(char *hex, size_t len)
{
	hex[0] = 0;
	FILE *f = fopen("/sys/kernel/notes", "rb");
	if (!f)
		return;
	unsigned char buf[4096];
	size_t n = fread(buf, 1, sizeof buf, f);
	fclose(f);
	for (size_t off = 0; off + 12 <= n;) {
		unsigned int namesz, descsz, type;
		memcpy(&namesz, buf + off, 4);
		memcpy(&descsz, buf + off + 4, 4);
		memcpy(&type, buf + off + 8, 4);
		size_t name = off + 12, desc = name + ((namesz + 3) & ~3u);
		if (desc + descsz > n)
			break;
		if (type == 3 /* NT_GNU_BUILD_ID */ && namesz == 4 && memcmp(buf + name, "GNU", 4) == 0) {
			for (unsigned int i = 0; i < descsz && 2 * i + 3 <= len; i++)
				snprintf(hex + 2 * i, 3, "%02x", buf[desc + i]);
			return;
		}
		off = desc + ((descsz + 3) & ~3u);
	}
}

static void add_candidates(struct strbuf *list, const char *root, const char *rel)
{
	/* the debug package's layouts, and a directory holding the file */
	static const char *const forms[] = {
		"%s/boot/vmlinux-%s",       "%s/usr/lib/debug/boot/vmlinux-%s", "%s/lib/modules/%s/vmlinux",
		"%s/usr/lib/debug/lib/modules/%s/vmlinux", "%s/vmlinux-%s",
	};
	for (size_t i = 0; i < sizeof forms / sizeof *forms; i++) {
		sb_printf(list, forms[i], root, rel);
		sb_puts(list, "\n");
	}
	sb_printf(list, "%s/vmlinux\n", root);
}

/* Open path if it has DWARF and is this kernel's build; else NULL and a
 * reason when the file exists. */
static bool try_open(const char *path, const char *want_id, struct session *s, const char **why)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return false;
	Elf *elf = elf_begin(fd, ELF_C_READ_MMAP, NULL);
	Dwarf *dw = elf ? dwarf_begin_elf(elf, DWARF_C_READ, NULL) : NULL;
	if (!dw) {
		free((char *)*why);
		*why = lasting("%s has no DWARF (%s)", path, elf ? dwarf_errmsg(-1) : "not an ELF file");
		goto fail;
	}
	const void *id;
	ssize_t idlen = dwelf_elf_gnu_build_id(elf, &id);
	if (want_id[0] && idlen > 0) {
		char hex[129] = "";
		for (ssize_t i = 0; i < idlen && 2 * i + 3 <= (ssize_t)sizeof hex; i++)
			snprintf(hex + 2 * i, 3, "%02x", ((const unsigned char *)id)[i]);
		if (strcmp(hex, want_id) != 0) {
			free((char *)*why);
			*why = lasting("%s is not this kernel's build (build id %s, the kernel's is %s)", path, hex,
				       want_id);
			dwarf_end(dw);
			goto fail;
		}
	}
	kd.dw = dw;
	kd.elf = elf;
	kd.fd = fd;
	kd.path = xstrdup(path);
	return true;
fail:
	if (elf)
		elf_end(elf);
	close(fd);
	return false;
}

static void forget_all(void);

static Dwarf *kernel_dwarf(struct session *s, const char **why)
{
	char relbuf[256], want[129], key[4352];
	const char *rel = release_of(s, relbuf, sizeof relbuf);
	snprintf(key, sizeof key, "%s|%s", s->debuginfo ? s->debuginfo : "", rel);
	if (kd.tried && strcmp(kd.key, key) == 0) {
		*why = kd.why;
		return kd.dw;
	}
	forget_all(); /* another session's kernel or --debuginfo */
	kd.tried = true;
	kd.key = xstrdup(key);
	elf_version(EV_CURRENT);
	kernel_build_id(want, sizeof want);
	struct strbuf list = {0};
	struct stat st;
	if (s->debuginfo && stat(s->debuginfo, &st) == 0 && S_ISREG(st.st_mode))
		sb_printf(&list, "%s\n", s->debuginfo);
	else if (s->debuginfo)
		add_candidates(&list, s->debuginfo, rel);
	else {
		if (s->kernel_release && strchr(s->kernel_release, '/'))
			sb_printf(&list, "%s/vmlinux\n", s->kernel_release);
		sb_printf(&list, "/usr/lib/debug/boot/vmlinux-%s\n/usr/lib/debug/lib/modules/%s/vmlinux\n"
			   "/lib/modules/%s/build/vmlinux\n/boot/vmlinux-%s\n", rel, rel, rel, rel);
	}
	const char *bad = NULL;
	for (char *p = list.s, *nl; p && *p; p = nl + 1) {
		nl = strchr(p, '\n');
		*nl = 0;
		if (try_open(p, want, s, &bad))
			break;
	}
	if (kd.dw)
		free((char *)bad); /* a candidate before the one that worked */
	else
		kd.why = bad ? bad
			 : lasting("no debuginfo for kernel %s in %s (install its debug package, on Debian "
				   "linux-image-%s-dbg, or give --debuginfo DIR)", rel,
				   s->debuginfo ? s->debuginfo : "/usr/lib/debug", rel);
	sb_free(&list);
	*why = kd.why;
	return kd.dw;
}

const char *kdwarf_kernel_path(struct session *s, const char **why)
{
	return kernel_dwarf(s, why) ? kd.path : NULL;
}

/* ---- a module's ------------------------------------------------------------ */

/* A module's DWARF, by name ("-" and "_" alike), opened once. Its .ko is
 * relocatable: libdwfl applies the relocations of its debug sections. */
struct kmod_dwarf {
	char *name;
	char *path; /* its .ko with DWARF */
	Dwfl *dwfl;
	Dwarf *dw;
	const char *why;
};
static struct kmod_dwarf *kmods;
static int nkmods;

/* Close what was opened for another session's kernel. */
static void forget_all(void)
{
	if (kd.dw)
		dwarf_end(kd.dw);
	if (kd.elf)
		elf_end(kd.elf);
	if (kd.dw || kd.elf)
		close(kd.fd);
	free(kd.key);
	free(kd.path);
	free((char *)kd.why);
	memset(&kd, 0, sizeof kd);
	for (int i = 0; i < nkmods; i++) {
		if (kmods[i].dwfl)
			dwfl_end(kmods[i].dwfl);
		free(kmods[i].name);
		free(kmods[i].path);
		free((char *)kmods[i].why);
	}
	free(kmods);
	kmods = NULL;
	nkmods = 0;
}

static bool same_module(const char *a, const char *b)
{
	for (; *a && *b; a++, b++)
		if (*a != *b && !((*a == '-' || *a == '_') && (*b == '-' || *b == '_')))
			return false;
	return !*a && !*b;
}

/* The first MOD.ko (compressed or not) under dir, in *path. */
static bool find_module_file(const char *dir, const char *module, char *path, size_t len, int depth)
{
	DIR *d = opendir(dir);
	if (!d || depth > 8) {
		if (d)
			closedir(d);
		return false;
	}
	bool found = false;
	struct dirent *e;
	while (!found && (e = readdir(d))) {
		if (e->d_name[0] == '.')
			continue;
		char sub[4096];
		snprintf(sub, sizeof sub, "%s/%s", dir, e->d_name);
		char *ko = strstr(e->d_name, ".ko");
		if (ko && (!ko[3] || ko[3] == '.')) {
			char base[256];
			snprintf(base, sizeof base, "%.*s", (int)(ko - e->d_name), e->d_name);
			if (same_module(base, module)) {
				snprintf(path, len, "%s", sub);
				found = true;
			}
		} else if (e->d_type == DT_DIR || e->d_type == DT_UNKNOWN) {
			found = find_module_file(sub, module, path, len, depth + 1);
		}
	}
	closedir(d);
	return found;
}

/* The loaded module's build id (checked only on the running kernel: the
 * facts of another are in /sys/kernel, not in /sys/module). */
static void module_build_id(struct session *s, const char *module, char *hex, size_t len)
{
	hex[0] = 0;
	struct utsname u;
	uname(&u);
	if (s->kernel_release && strcmp(s->kernel_release, u.release) != 0)
		return;
	char path[512];
	snprintf(path, sizeof path, "/sys/module/%s/notes/.note.gnu.build-id", module);
	FILE *f = fopen(path, "rb");
	if (!f)
		return;
	unsigned char buf[256];
	size_t n = fread(buf, 1, sizeof buf, f);
	fclose(f);
	if (n < 16 || memcmp(buf + 12, "GNU", 4) != 0)
		return;
	unsigned int descsz;
	memcpy(&descsz, buf + 4, 4);
	for (unsigned int i = 0; i < descsz && 16 + i < n && 2 * i + 3 <= len; i++)
		snprintf(hex + 2 * i, 3, "%02x", buf[16 + i]);
}

static Dwarf *module_dwarf(struct session *s, const char *module, const char **why)
{
	const char *kwhy;
	kernel_dwarf(s, &kwhy); /* drops the modules another session found */
	for (int i = 0; i < nkmods; i++)
		if (same_module(kmods[i].name, module)) {
			*why = kmods[i].why;
			return kmods[i].dw;
		}
	kmods = xrealloc(kmods, (size_t)(nkmods + 1) * sizeof *kmods);
	struct kmod_dwarf *m = &kmods[nkmods++];
	memset(m, 0, sizeof *m);
	m->name = xstrdup(module);
	elf_version(EV_CURRENT);
	char relbuf[256], path[4096] = "", dir[4096];
	const char *rel = release_of(s, relbuf, sizeof relbuf);
	const char *const forms[] = {"%s/lib/modules/%s", "%s/usr/lib/debug/lib/modules/%s"};
	if (s->debuginfo)
		for (int i = 0; i < 2 && !path[0]; i++) {
			snprintf(dir, sizeof dir, forms[i], s->debuginfo, rel);
			find_module_file(dir, module, path, sizeof path, 0);
		}
	else
		for (int i = 0; i < 2 && !path[0]; i++) {
			snprintf(dir, sizeof dir, i ? "/lib/modules/%s" : "/usr/lib/debug/lib/modules/%s", rel);
			find_module_file(dir, module, path, sizeof path, 0);
		}
	if (!path[0]) {
		m->why = lasting("no debuginfo for module %s of kernel %s in %s (install the kernel's debug package, "
				 "on Debian linux-image-%s-dbg, or give --debuginfo DIR)", module, rel,
				 s->debuginfo ? s->debuginfo : "/usr/lib/debug", rel);
		*why = m->why;
		return NULL;
	}
	m->dwfl = ubin_dwfl_begin();
	Dwfl_Module *dm = m->dwfl ? dwfl_report_offline(m->dwfl, module, path, -1) : NULL;
	if (m->dwfl)
		dwfl_report_end(m->dwfl, NULL, NULL);
	Dwarf_Addr bias;
	m->dw = dm ? dwfl_module_getdwarf(dm, &bias) : NULL;
	char want[129];
	module_build_id(s, module, want, sizeof want);
	const unsigned char *id;
	GElf_Addr vaddr;
	int idlen = dm ? dwfl_module_build_id(dm, &id, &vaddr) : 0;
	if (!m->dw) {
		m->why = lasting("%s has no DWARF (%s)", path, dwfl_errmsg(-1));
	} else if (want[0] && idlen > 0) {
		char hex[129] = "";
		for (int i = 0; i < idlen && 2 * i + 3 <= (int)sizeof hex; i++)
			snprintf(hex + 2 * i, 3, "%02x", id[i]);
		if (strcmp(hex, want) != 0) {
			m->why = lasting("%s is not the loaded module's build (build id %s, the module's is %s)", path,
					 hex, want);
			m->dw = NULL;
		}
	}
	if (m->dw)
		m->path = xstrdup(path);
	*why = m->why;
	return m->dw;
}

const char *kdwarf_module_path(struct session *s, const char *module, const char **why)
{
	if (!module_dwarf(s, module, why))
		return NULL;
	for (int i = 0; i < nkmods; i++)
		if (same_module(kmods[i].name, module))
			return kmods[i].path;
	return NULL;
}

/* ---- the functions of the matching units ---------------------------------- */

struct found {
	struct kdwarf_func *v;
	int n, cap;
};

/* A unit's file path made absolute with its compile directory. */
static const char *unit_path(struct session *s, const char *comp_dir, const char *name)
{
	if (!name || name[0] == '/' || !comp_dir)
		return name;
	return arena_printf(&s->arena, "%s/%s", comp_dir, name);
}

static const char *relative(struct session *s, const char *comp_dir, const char *path)
{
	size_t n = comp_dir ? strlen(comp_dir) : 0;
	if (n && strncmp(path, comp_dir, n) == 0 && path[n] == '/')
		return arena_strdup(&s->arena, path + n + 1);
	return arena_strdup(&s->arena, path);
}

/* Does the function at die span a line of [lo, hi]: from its declaration
 * to the last line of file its code holds? */
static bool spans_lines(Dwarf_Die *die, Dwarf_Lines *lines, size_t nlines, const char *file, int lo, int hi)
{
	Dwarf_Addr low, high;
	int first = 0, last = 0;
	if (dwarf_lowpc(die, &low) != 0 || dwarf_highpc(die, &high) != 0 || dwarf_decl_line(die, &first) != 0)
		return false;
	for (size_t i = 0; i < nlines; i++) {
		Dwarf_Line *l = dwarf_onesrcline(lines, i);
		Dwarf_Addr a;
		int no;
		if (!l || dwarf_lineaddr(l, &a) != 0 || a < low || a >= high || dwarf_lineno(l, &no) != 0 || no <= last)
			continue;
		const char *src = dwarf_linesrc(l, NULL, NULL);
		if (src && strcmp(src, file) == 0)
			last = no;
	}
	return first <= hi && (last > first ? last : first) >= lo;
}

static void walk_unit(struct session *s, Dwarf_Die *cu, const char *func_pat, const char *file_pat, int lo,
		      int hi, struct found *f)
{
	Dwarf_Attribute a;
	const char *comp_dir = dwarf_formstring(dwarf_attr(cu, DW_AT_comp_dir, &a));
	Dwarf_Lines *lines = NULL;
	size_t nlines = 0;
	Dwarf_Die die;
	if (dwarf_child(cu, &die) != 0)
		return;
	do {
		if (dwarf_tag(&die) != DW_TAG_subprogram || dwarf_hasattr(&die, DW_AT_declaration))
			continue;
		Dwarf_Addr low;
		if (dwarf_lowpc(&die, &low) != 0) /* only inlined, or only declared */
			continue;
		const char *name = dwarf_formstring(dwarf_attr_integrate(&die, DW_AT_name, &a));
		if (!name || fnmatch(func_pat, name, 0) != 0)
			continue;
		const char *file = dwarf_decl_file(&die);
		if (!file)
			continue;
		const char *path = unit_path(s, comp_dir, file);
		if (!kdwarf_file_matches(file_pat, path) && !kdwarf_file_matches(file_pat, file))
			continue;
		if (lo > 0) {
			if (!lines && dwarf_getsrclines(cu, &lines, &nlines) != 0)
				return;
			if (!spans_lines(&die, lines, nlines, file, lo, hi))
				continue;
		}
		int line = 0;
		dwarf_decl_line(&die, &line);
		if (f->n == f->cap) {
			f->cap = f->cap ? f->cap * 2 : 16;
			f->v = xrealloc(f->v, (size_t)f->cap * sizeof *f->v);
		}
		f->v[f->n++] = (struct kdwarf_func){arena_strdup(&s->arena, name), relative(s, comp_dir, path), line};
	} while (dwarf_siblingof(&die, &die) == 0);
}

static int cmp_func(const void *a, const void *b)
{
	const struct kdwarf_func *x = a, *y = b;
	int c = strcmp(x->file, y->file);
	return c ? c : x->line - y->line;
}

int kdwarf_functions(struct session *s, const char *module, const char *func_pat, const char *file_pat, int lo,
		     int hi, struct kdwarf_func **out, const char **why)
{
	Dwarf *dw = module ? module_dwarf(s, module, why) : kernel_dwarf(s, why);
	if (!dw)
		return -1;
	/* a header's functions are declared in the units that include it */
	bool every_unit = strstr(file_pat, ".h") || strchr(file_pat, '*') == file_pat + strlen(file_pat) - 1;
	struct found f = {0};
	Dwarf_CU *cu = NULL;
	Dwarf_Die cudie;
	uint8_t unit_type;
	while (dwarf_get_units(dw, cu, &cu, NULL, &unit_type, &cudie, NULL) == 0) {
		if (unit_type != DW_UT_compile)
			continue;
		Dwarf_Attribute a;
		const char *comp_dir = dwarf_formstring(dwarf_attr(&cudie, DW_AT_comp_dir, &a));
		const char *name = dwarf_diename(&cudie);
		if (!every_unit && (!name || (!kdwarf_file_matches(file_pat, name) &&
					      !kdwarf_file_matches(file_pat, unit_path(s, comp_dir, name)))))
			continue;
		walk_unit(s, &cudie, func_pat, file_pat, lo, hi, &f);
	}
	if (f.n)
		qsort(f.v, (size_t)f.n, sizeof *f.v, cmp_func);
	*out = arena_alloc(&s->arena, (size_t)(f.n ? f.n : 1) * sizeof **out);
	if (f.n)
		memcpy(*out, f.v, (size_t)f.n * sizeof *f.v);
	free(f.v);
	return f.n;
}

/* ---- a variable ------------------------------------------------------------ */

/* The C spelling of die's type for BTF to look up ("struct rq *",
 * "unsigned long"); NULL for what has no such name (arrays, functions,
 * anonymous structs). */
static const char *type_text(struct session *s, Dwarf_Die *die)
{
	Dwarf_Attribute a;
	Dwarf_Die t;
	if (!dwarf_attr_integrate(die, DW_AT_type, &a))
		return "void";
	if (!dwarf_formref_die(&a, &t))
		return NULL;
	const char *name = dwarf_diename(&t);
	switch (dwarf_tag(&t)) {
	case DW_TAG_const_type:
	case DW_TAG_volatile_type:
		return type_text(s, &t);
	case DW_TAG_pointer_type: {
		const char *to = type_text(s, &t);
		return to ? arena_printf(&s->arena, "%s *", to) : NULL;
	}
	case DW_TAG_structure_type:
		return name ? arena_printf(&s->arena, "struct %s", name) : NULL;
	case DW_TAG_union_type:
		return name ? arena_printf(&s->arena, "union %s", name) : NULL;
	case DW_TAG_enumeration_type:
		return name ? arena_printf(&s->arena, "enum %s", name) : NULL;
	case DW_TAG_typedef:
	case DW_TAG_base_type:
		return name;
	default:
		return NULL;
	}
}

/* _text and __per_cpu_end of the vmlinux, in one pass over its symbol
 * table (it holds some 200 000 symbols). */
static void read_symbols(void)
{
	if (kd.syms_read)
		return;
	kd.syms_read = true;
	Elf_Scn *scn = NULL;
	while ((scn = elf_nextscn(kd.elf, scn)) && !(kd.have_text && kd.have_pcpu_end)) {
		GElf_Shdr sh;
		if (!gelf_getshdr(scn, &sh) || sh.sh_type != SHT_SYMTAB)
			continue;
		Elf_Data *d = elf_getdata(scn, NULL);
		for (size_t i = 0; d && sh.sh_entsize && i < sh.sh_size / sh.sh_entsize; i++) {
			GElf_Sym sym;
			const char *n;
			if (!gelf_getsym(d, (int)i, &sym) || !(n = elf_strptr(kd.elf, sh.sh_link, sym.st_name)))
				continue;
			if (!kd.have_text && strcmp(n, "_text") == 0) {
				kd.text = sym.st_value;
				kd.have_text = true;
			} else if (!kd.have_pcpu_end && strcmp(n, "__per_cpu_end") == 0) {
				kd.pcpu_end = sym.st_value;
				kd.have_pcpu_end = true;
			}
		}
	}
}

bool kdwarf_variable(struct session *s, const char *name, const char *file_pat, struct kdwarf_var *out,
		     const char **why)
{
	Dwarf *dw = kernel_dwarf(s, why);
	if (!dw) {
		*why = arena_printf(&s->arena, "the file needs the kernel's debuginfo: %s", *why);
		return false;
	}
	memset(out, 0, sizeof *out);
	bool found = false;
	Dwarf_CU *cu = NULL;
	Dwarf_Die cudie;
	uint8_t unit_type;
	while (!found && dwarf_get_units(dw, cu, &cu, NULL, &unit_type, &cudie, NULL) == 0) {
		Dwarf_Attribute a;
		const char *comp_dir = dwarf_formstring(dwarf_attr(&cudie, DW_AT_comp_dir, &a));
		const char *cuname = dwarf_diename(&cudie);
		if (unit_type != DW_UT_compile || !cuname ||
		    (!kdwarf_file_matches(file_pat, cuname) && !kdwarf_file_matches(file_pat, unit_path(s, comp_dir, cuname))))
			continue;
		Dwarf_Die die;
		if (dwarf_child(&cudie, &die) != 0)
			continue;
		do {
			const char *n;
			Dwarf_Op *ops;
			size_t nops;
			if (dwarf_tag(&die) != DW_TAG_variable || !(n = dwarf_diename(&die)) || strcmp(n, name) != 0 ||
			    dwarf_getlocation(dwarf_attr(&die, DW_AT_location, &a), &ops, &nops) != 0 || nops != 1 ||
			    ops[0].atom != DW_OP_addr)
				continue;
			found = true;
			out->file = relative(s, comp_dir, unit_path(s, comp_dir, cuname));
			out->ctype = type_text(s, &die);
			out->address = ops[0].number;
			break;
		} while (dwarf_siblingof(&die, &die) == 0);
	}
	if (!found) {
		*why = arena_printf(&s->arena, "the kernel's debuginfo has no variable '%s' in a file matching '%s'", name,
				    file_pat);
		return false;
	}
	read_symbols();
	if (!kd.have_text) {
		*why = "the kernel's debuginfo has no symbol table (_text)";
		return false;
	}
	/* per-CPU variables live in a section linked at 0 */
	out->percpu = kd.have_pcpu_end && out->address < kd.pcpu_end;
	out->text_offset = (long)(out->address - kd.text);
	return true;
}
