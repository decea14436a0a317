/* Stacks and symbols in the output: the runner expands the tokens the
 * probes put in strings (runtime/btap_stacks.h) as the text is written.
 * Kernel frames are named from /proc/kallsyms; user frames arrive as an
 * object's build-id and a file offset and are named from that object's
 * catalog (translator/ubin.h: symbols and DWARF), the object found among
 * the programs the script probes, the -c command's program, the libraries
 * they need and the mappings of processes still running. */
#include <ctype.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <elfutils/libdw.h>
#include <fcntl.h>
#include <gelf.h>
#include <unistd.h>
#include <linux/bpf.h>

#include "kallsyms.h"
#include "runner_internal.h"
#include "translator/kernel_dwarf.h"
#include "translator/session.h"
#include "translator/ubin.h"
#include "translator/util.h"

#define BTAP_STACKS_CONSTANTS_ONLY
#include "runtime/btap_stacks.h"

/* ---- kernel symbols ------------------------------------------------------- */

/* What the stacks keep: the modules' extents, the user objects. */
static struct arena ksym_arena;
static bool arena_ready;

static struct arena *stacks_arena(void)
{
	if (!arena_ready) {
		arena_init(&ksym_arena);
		arena_ready = true;
	}
	return &ksym_arena;
}

/* Where each module's code lies (/proc/modules): an address past a
 * module's end is not its symbol's, but code kallsyms does not list
 * (a BPF trampoline). */
struct kmodule {
	const char *name;
	uint64_t lo, hi;
};
static struct vec kmodules; /* struct kmodule * */

static void read_modules(void)
{
	FILE *f = fopen("/proc/modules", "r");
	if (!f)
		return;
	char line[4096];
	while (fgets(line, sizeof line, f)) {
		char name[128];
		unsigned long long size, addr;
		if (sscanf(line, "%127s %llu %*s %*s %*s %llx", name, &size, &addr) != 3 || !addr)
			continue;
		struct kmodule *m = arena_alloc(stacks_arena(), sizeof(*m));
		*m = (struct kmodule){arena_strdup(stacks_arena(), name), addr, addr + size};
		vec_push(stacks_arena(), &kmodules, m);
	}
	fclose(f);
}

/* Is addr outside the code of module `name` (false when unknown)? */
static bool past_module(const char *name, uint64_t addr)
{
	VEC_FOREACH(kmodules, i) {
		const struct kmodule *m = VEC_AT(kmodules, i, const struct kmodule *);
		if (strcmp(m->name, name) == 0)
			return addr < m->lo || addr >= m->hi;
	}
	return false;
}

static bool modules_read;

/* The symbol holding addr and its extent (to the next symbol). */
static const struct ksym *ksym_at(uint64_t addr, uint64_t *size)
{
	if (!modules_read) {
		modules_read = true;
		read_modules();
	}
	const struct ksym *k = kallsyms_at(addr, size);
	if (k && k->module && strcmp(k->module, "bpf") != 0 && past_module(k->module, addr))
		return NULL;
	return k;
}

/* A frame of the probe machinery, above the probed code: BPF's own (a
 * program, or a trampoline kallsyms does not name, or names after the
 * nearest ftrace trampoline of "__builtin__ftrace"), or a tracepoint's
 * iterator (there when more than one callback is registered). */
static bool machinery_frame(uint64_t addr)
{
	uint64_t size;
	const struct ksym *k = ksym_at(addr, &size);
	return !k || (k->module && (strcmp(k->module, "bpf") == 0 || strncmp(k->module, "__builtin__", 11) == 0)) ||
	       strncmp(k->name, "__traceiter_", 12) == 0;
}

static void put_ksym(struct strbuf *out, uint64_t addr, bool data)
{
	uint64_t size;
	const struct ksym *k = ksym_at(addr, &size);
	if (!k) {
		sb_printf(out, "0x%" PRIx64, addr);
		return;
	}
	sb_puts(out, k->name);
	if (data)
		sb_printf(out, "+0x%" PRIx64 "/0x%" PRIx64 " [%s]", addr - k->addr, size, k->module ? k->module : "kernel");
}

/* modname(): the module of the symbol at addr, "kernel" for the kernel's
 * own, "<unknown>" where kallsyms has nothing. */
static void put_kmod(struct strbuf *out, uint64_t addr)
{
	uint64_t size;
	const struct ksym *k = ksym_at(addr, &size);
	sb_puts(out, !k ? "<unknown>" : k->module ? k->module : "kernel");
}

/* symfileline() and friends: the kernel's DWARF line table when its
 * debuginfo is there (kdwarf_kernel_path), shifted by where the kernel was
 * placed (KASLR: kallsyms' _text against the file's first loaded segment,
 * where _text is linked); modules' addresses and a kernel without
 * debuginfo give the address in hex, as stap does when it knows no line.
 * libdw straight on the file (its address ranges find the unit, then that
 * unit's lines): the binary catalog's symbol tables of a 600 MB vmlinux
 * took over a minute to read in an emulated guest. */
static Dwarf *kernel_dwarf;
static int64_t kernel_shift;

static bool first_load_vaddr(Elf *elf, uint64_t *out)
{
	size_t n;
	if (!elf || elf_getphdrnum(elf, &n) != 0)
		return false;
	for (size_t i = 0; i < n; i++) {
		GElf_Phdr ph;
		if (gelf_getphdr(elf, (int)i, &ph) && ph.p_type == PT_LOAD) {
			*out = ph.p_vaddr;
			return true;
		}
	}
	return false;
}

static Dwarf *kernel_line_table(struct runner *r)
{
	static bool tried;
	if (tried)
		return kernel_dwarf;
	tried = true;
	const char *why;
	const char *path = kdwarf_kernel_path(r->s, &why);
	int fd = path ? open(path, O_RDONLY | O_CLOEXEC) : -1;
	Dwarf *dw = fd >= 0 ? dwarf_begin(fd, DWARF_C_READ) : NULL;
	uint64_t linked;
	if (!dw || !first_load_vaddr(dwarf_getelf(dw), &linked)) {
		if (dw)
			dwarf_end(dw);
		if (fd >= 0)
			close(fd);
		return NULL;
	}
	const struct ksym *const *text;
	int n = kallsyms_named("_text", &text);
	for (int i = 0; i < n; i++)
		if (!text[i]->module) {
			kernel_shift = (int64_t)(text[i]->addr - linked);
			kernel_dwarf = dw; /* and fd with it, for the run */
			return dw;
		}
	dwarf_end(dw);
	close(fd);
	return NULL;
}

/* The source file and line of a kernel address, from the kernel's
 * debuginfo; false without one (or for a module's address). */
static bool kernel_src_line(struct runner *r, uint64_t addr, const char **file, int *line)
{
	uint64_t size;
	const struct ksym *k = ksym_at(addr, &size);
	Dwarf *dw = k && !k->module ? kernel_line_table(r) : NULL;
	Dwarf_Die cu;
	Dwarf_Line *l = dw && dwarf_addrdie(dw, addr - (uint64_t)kernel_shift, &cu)
				? dwarf_getsrc_die(&cu, addr - (uint64_t)kernel_shift)
				: NULL;
	*file = l ? dwarf_linesrc(l, NULL, NULL) : NULL;
	return *file && dwarf_lineno(l, line) == 0;
}

static void put_kline(struct runner *r, struct strbuf *out, uint64_t addr, int kind)
{
	const char *file;
	int line;
	if (!kernel_src_line(r, addr, &file, &line)) {
		sb_printf(out, "0x%" PRIx64, addr);
		return;
	}
	if (kind != BTAP_TOK_KSRCLINE)
		sb_puts(out, file);
	if (kind != BTAP_TOK_KSRCFILE)
		sb_printf(out, kind == BTAP_TOK_KSRCLINE ? "%d" : ":%d", line);
}

/* A backtrace line's symbol as stap's brief and fuller formats print it:
 * "sym+0x12" (the address when there is no symbol), or the full line's
 * "sym+0x12/0x40 at file.c:42 [module]" (" at" only where the line is
 * known). */
static void put_sym_styled(struct strbuf *out, const char *name, uint64_t off, uint64_t size, const char *module,
			   const char *file, int line, bool brief)
{
	if (brief) {
		sb_printf(out, "%s+0x%" PRIx64 "\n", name, off);
		return;
	}
	sb_printf(out, "%s+0x%" PRIx64 "/0x%" PRIx64, name, off, size);
	if (file)
		sb_printf(out, " at %s:%d", file, line);
	sb_printf(out, " [%s]\n", module);
}

/* ---- user objects ---------------------------------------------------------- */

/* Every object a user frame may be in, by build-id, found once. */
static struct vec objects; /* const struct ubin * */
static bool objects_listed;

static void add_object(const char *path, int depth)
{
	char *err = NULL;
	const struct ubin *b = ubin_open(path, &err);
	free(err);
	if (!b)
		return;
	VEC_FOREACH(objects, i)
		if (VEC_AT(objects, i, const struct ubin *) == b)
			return;
	vec_push(stacks_arena(), &objects, (void *)b);
	/* and the libraries it needs, as the dynamic loader finds them */
	const char *needed[64];
	int n = depth < 4 ? ubin_needed(b, needed, 64) : 0;
	for (int i = 0; i < n && i < 64; i++) {
		const char *why;
		char *lib = ubin_resolve_path(needed[i], &why);
		if (lib)
			add_object(lib, depth + 1);
		free(lib);
	}
}

static void list_objects(struct runner *r)
{
	objects_listed = true;
	for (uint32_t i = 0; i < r->prog->nprobes; i++)
		if (r->prog->probes[i].kind == BTAP_PROBE_UPROBE && r->prog->probes[i].up_path)
			add_object(r->prog->probes[i].up_path, 0);
	VEC_FOREACH(r->s->symbol_files, i) /* -d */
		add_object(VEC_AT(r->s->symbol_files, i, const char *), 0);
	if (r->s && r->s->command) {
		const char *p = r->s->command;
		while (*p == ' ' || *p == '\t')
			p++;
		char *word = xstrdup(p);
		word[strcspn(word, " \t\n;|&<>()")] = 0;
		const char *why;
		char *path = ubin_resolve_path(word, &why);
		if (path)
			add_object(path, 0);
		free(path);
		free(word);
	}
}

/* The objects a live process maps, added to the list. */
static void add_process_objects(int64_t pid)
{
	char path[64], line[4096 + 128];
	snprintf(path, sizeof path, "/proc/%" PRId64 "/maps", pid);
	FILE *f = fopen(path, "r");
	if (!f)
		return;
	while (fgets(line, sizeof line, f)) {
		char *file = strchr(line, '/');
		if (!file)
			continue;
		file[strcspn(file, "\n")] = 0;
		add_object(file, 3);
	}
	fclose(f);
}

static const struct ubin *object_by_build_id(const unsigned char *id)
{
	char hex[41];
	for (int i = 0; i < 20; i++)
		snprintf(hex + 2 * i, 3, "%02x", id[i]);
	VEC_FOREACH(objects, i) {
		const struct ubin *b = VEC_AT(objects, i, const struct ubin *);
		if (b->build_id[0] && strncmp(b->build_id, hex, strlen(b->build_id)) == 0)
			return b;
	}
	return NULL;
}

/* The object mapped at a live process's address, and the file offset. */
static const struct ubin *object_at(int64_t pid, uint64_t addr, uint64_t *off)
{
	char path[64], line[4096 + 128];
	snprintf(path, sizeof path, "/proc/%" PRId64 "/maps", pid);
	FILE *f = fopen(path, "r");
	if (!f)
		return NULL;
	const struct ubin *b = NULL;
	while (!b && fgets(line, sizeof line, f)) {
		unsigned long long lo, hi, pgoff;
		if (sscanf(line, "%llx-%llx %*s %llx", &lo, &hi, &pgoff) != 3 || addr < lo || addr >= hi)
			continue;
		char *file = strchr(line, '/');
		if (!file)
			break;
		file[strcspn(file, "\n")] = 0;
		char *err = NULL;
		b = ubin_open(file, &err);
		free(err);
		*off = addr - lo + pgoff;
	}
	fclose(f);
	return b;
}

/* "name" or "name+0x12/0x40 [path]" of a file offset in b. */
static bool put_usym(struct strbuf *out, const struct ubin *b, uint64_t off, bool data)
{
	uint64_t vaddr;
	const struct ubin_func *fn = ubin_vaddr_of_offset(b, off, &vaddr) ? ubin_func_at(b, vaddr) : NULL;
	if (!fn)
		return false;
	sb_puts(out, fn->name);
	if (data)
		sb_printf(out, "+0x%" PRIx64 "/0x%" PRIx64 " [%s]", vaddr - fn->addr, fn->size, b->path);
	return true;
}

/* ---- expanding one token ------------------------------------------------------ */

static void expand_kstack(struct runner *r, struct strbuf *out, int kind, uint32_t id)
{
	uint64_t ips[BTAP_STACK_DEPTH];
	if (id == BTAP_STACK_EMPTY)
		return;
	int n = r->rt->stack_frames ? r->rt->stack_frames(r, false, id, ips, sizeof ips) : -1;
	if (n < 0) {
		sb_puts(out, kind == BTAP_TOK_KSTACK_SYMS || kind == BTAP_TOK_KSTACK_LINES
				     ? " [kernel stack not collected: the stack map is full]\n"
			     : kind == BTAP_TOK_KSTACK_FOLDED ? "[kernel_stack_lost]" /* one frame, no space */
							      : "[kernel stack not collected]");
		return;
	}
	int depth = 0, top = 0;
	while (depth < BTAP_STACK_DEPTH && ips[depth])
		depth++;
	/* from the probed code on, as stap prints it (fentry's stacks start
	 * in the BPF program and its trampoline) */
	while (top < depth - 1 && machinery_frame(ips[top]))
		top++;
	memmove(ips, ips + top, sizeof(ips[0]) * (size_t)(depth - top));
	depth -= top;
	for (int i = 0; i < depth; i++) {
		if (kind == BTAP_TOK_KSTACK) {
			sb_printf(out, "%s0x%016" PRIx64, i ? " " : "", ips[i]);
		} else if (kind == BTAP_TOK_KSTACK_SYMS) {
			sb_printf(out, " 0x%016" PRIx64 " : ", ips[i]);
			put_ksym(out, ips[i], true);
			sb_putc(out, '\n');
		} else if (kind == BTAP_TOK_KSTACK_LINES) {
			uint64_t size;
			const struct ksym *k = ksym_at(ips[i], &size);
			const char *file;
			int line;
			sb_printf(out, " 0x%016" PRIx64 " : ", ips[i]);
			if (!k)
				sb_printf(out, "0x%" PRIx64 "\n", ips[i]);
			else
				put_sym_styled(out, k->name, ips[i] - k->addr, size, k->module ? k->module : "kernel",
					       kernel_src_line(r, ips[i], &file, &line) ? file : NULL, line, false);
		} else {
			if (i)
				sb_putc(out, ';');
			put_ksym(out, ips[depth - 1 - i], false);
		}
	}
}

/* The object among those listed whose file is inode ino. */
static const struct ubin *object_by_inode(uint64_t ino)
{
	VEC_FOREACH(objects, i) {
		const struct ubin *b = VEC_AT(objects, i, const struct ubin *);
		struct stat st;
		if (stat(b->path, &st) == 0 && (uint64_t)st.st_ino == ino)
			return b;
	}
	return NULL;
}

/* A user frame's object and the file offset in it: by build-id, by the
 * file the probe found (both hold after the process has gone), else
 * through the live process's maps. */
static const struct ubin *frame_object(const struct bpf_stack_build_id *f, int64_t pid, uint64_t *off)
{
	const struct ubin *b = NULL;
	*off = f->offset;
	if (f->status == BPF_STACK_BUILD_ID_VALID) {
		b = object_by_build_id(f->build_id);
		if (!b) {
			add_process_objects(pid);
			b = object_by_build_id(f->build_id);
		}
	} else if (f->status == BTAP_FRAME_FILE) {
		uint64_t ino, ip;
		memcpy(&ino, f->build_id, 8);
		memcpy(&ip, f->build_id + 8, 8);
		if (!(b = object_by_inode(ino)) && pid > 0) {
			add_process_objects(pid);
			b = object_by_inode(ino);
		}
		if (!b)
			b = object_at(pid, ip, off);
	} else if (f->status == BPF_STACK_BUILD_ID_IP) {
		b = object_at(pid, f->ip, off);
	}
	return b;
}

/* The address a frame prints as: its object's own when known. */
static uint64_t frame_address(const struct bpf_stack_build_id *f, const struct ubin *b, uint64_t off)
{
	uint64_t vaddr, ip = f->offset;
	if (f->status == BTAP_FRAME_FILE)
		memcpy(&ip, f->build_id + 8, 8);
	if (f->status != BPF_STACK_BUILD_ID_IP && b && ubin_vaddr_of_offset(b, off, &vaddr))
		return vaddr;
	return ip;
}

static void put_uframe(struct strbuf *out, const struct bpf_stack_build_id *f, bool data, int64_t pid)
{
	uint64_t off;
	const struct ubin *b = frame_object(f, pid, &off);
	if (b && put_usym(out, b, off, data))
		return;
	sb_printf(out, "0x%" PRIx64, frame_address(f, b, off));
	if (data)
		sb_puts(out, " [unknown]");
}

static void expand_ustack(struct runner *r, struct strbuf *out, int kind, uint32_t id, int64_t pid)
{
	struct bpf_stack_build_id frames[BTAP_STACK_DEPTH];
	if (id == BTAP_STACK_EMPTY)
		return;
	int n = r->rt->stack_frames ? r->rt->stack_frames(r, true, id, frames, sizeof frames) : -1;
	if (n < 0) {
		sb_puts(out, kind == BTAP_TOK_USTACK_SYMS || kind == BTAP_TOK_USTACK_LINES || kind == BTAP_TOK_USTACK_BRIEF
				     ? " [user stack not collected: the stack map is full]\n"
			     : kind == BTAP_TOK_USTACK_FOLDED ? "[user_stack_lost]"
							      : "[user stack not collected]");
		return;
	}
	if (!objects_listed)
		list_objects(r);
	int depth = 0;
	while (depth < BTAP_STACK_DEPTH && frames[depth].status != BPF_STACK_BUILD_ID_EMPTY)
		depth++;
	for (int i = 0; i < depth; i++) {
		const struct bpf_stack_build_id *f = &frames[i];
		if (kind == BTAP_TOK_USTACK_BRIEF || kind == BTAP_TOK_USTACK_LINES) {
			uint64_t off, vaddr;
			const struct ubin *b = frame_object(f, pid, &off);
			const struct ubin_func *fn = b && ubin_vaddr_of_offset(b, off, &vaddr) ? ubin_func_at(b, vaddr) : NULL;
			const char *file = NULL;
			int line = 0;
			if (kind == BTAP_TOK_USTACK_LINES)
				sb_printf(out, " 0x%016" PRIx64 " : ", frame_address(f, b, off));
			if (!fn) {
				sb_printf(out, "0x%" PRIx64 "\n", frame_address(f, b, off));
				continue;
			}
			if (kind == BTAP_TOK_USTACK_LINES && !ubin_src_line(b, vaddr, &file, &line))
				file = NULL;
			put_sym_styled(out, fn->name, vaddr - fn->addr, fn->size, b->path, file, line,
				       kind == BTAP_TOK_USTACK_BRIEF);
		} else if (kind == BTAP_TOK_USTACK || kind == BTAP_TOK_USTACK_SYMS) {
			uint64_t off;
			const struct ubin *b = frame_object(f, pid, &off);
			uint64_t addr = frame_address(f, b, off);
			if (kind == BTAP_TOK_USTACK)
				sb_printf(out, "%s0x%" PRIx64, i ? " " : "", addr);
			else {
				sb_printf(out, " 0x%016" PRIx64 " : ", addr);
				put_uframe(out, f, true, pid);
				sb_putc(out, '\n');
			}
		} else {
			if (i)
				sb_putc(out, ';');
			put_uframe(out, &frames[depth - 1 - i], false, pid);
		}
	}
}

/* A user address: by the file and offset the probe found (it holds after
 * the process has gone), else through the live process's maps. */
static void expand_usym(struct runner *r, struct strbuf *out, int kind, uint64_t addr, int64_t pid, uint64_t ino,
			uint64_t off)
{
	const struct ubin *b = NULL;
	if (ino) {
		if (!objects_listed)
			list_objects(r);
		if (!(b = object_by_inode(ino)) && pid > 0) {
			add_process_objects(pid);
			b = object_by_inode(ino);
		}
	}
	if (!b)
		b = object_at(pid, addr, &off);
	if (kind == BTAP_TOK_UMOD) {
		sb_puts(out, b ? b->path : "<unknown>");
		return;
	}
	if (kind == BTAP_TOK_UBUILDID) { /* "" for an object without one */
		sb_puts(out, b ? b->build_id : "<unknown>");
		return;
	}
	if (kind == BTAP_TOK_USRCFILE || kind == BTAP_TOK_USRCLINE || kind == BTAP_TOK_USRCFILELINE) {
		uint64_t vaddr;
		const char *file;
		int line;
		if (b && ubin_vaddr_of_offset(b, off, &vaddr) && ubin_src_line(b, vaddr, &file, &line)) {
			if (kind != BTAP_TOK_USRCLINE)
				sb_puts(out, file);
			if (kind != BTAP_TOK_USRCFILE)
				sb_printf(out, kind == BTAP_TOK_USRCLINE ? "%d" : ":%d", line);
		} else {
			sb_printf(out, "0x%" PRIx64, addr); /* as stap: no line known */
		}
		return;
	}
	if (!b || !put_usym(out, b, off, kind == BTAP_TOK_USYMDATA))
		sb_printf(out, "0x%" PRIx64, addr);
}

/* The token at p (p[0] is BTAP_TOKEN_START, end its BTAP_TOKEN_END). */
static void expand_token(struct runner *r, struct strbuf *out, const char *p, const char *end)
{
	int kind = p[1];
	char *q;
	uint64_t value = strtoull(p + 2, &q, 16);
	int64_t pid = -1;
	uint64_t ino = 0, off = 0;
	if (*q == '.')
		pid = (int64_t)strtoull(q + 1, &q, 16);
	if (*q == ':') {
		ino = strtoull(q + 1, &q, 16);
		if (*q == ':')
			off = strtoull(q + 1, &q, 16);
	}
	if (q != end) {
		sb_putn(out, p, (size_t)(end - p + 1));
		return;
	}
	switch (kind) {
	case BTAP_TOK_KSTACK:
	case BTAP_TOK_KSTACK_SYMS:
	case BTAP_TOK_KSTACK_LINES:
	case BTAP_TOK_KSTACK_FOLDED: expand_kstack(r, out, kind, (uint32_t)value); break;
	case BTAP_TOK_USTACK:
	case BTAP_TOK_USTACK_SYMS:
	case BTAP_TOK_USTACK_BRIEF:
	case BTAP_TOK_USTACK_LINES:
	case BTAP_TOK_USTACK_FOLDED: expand_ustack(r, out, kind, (uint32_t)value, pid); break;
	case BTAP_TOK_KSYM:
	case BTAP_TOK_KSYMDATA: put_ksym(out, value, kind == BTAP_TOK_KSYMDATA); break;
	case BTAP_TOK_KMOD: put_kmod(out, value); break;
	case BTAP_TOK_KSRCFILE:
	case BTAP_TOK_KSRCLINE:
	case BTAP_TOK_KSRCFILELINE: put_kline(r, out, value, kind); break;
	case BTAP_TOK_USYM:
	case BTAP_TOK_USYMDATA:
	case BTAP_TOK_USRCFILE:
	case BTAP_TOK_USRCLINE:
	case BTAP_TOK_USRCFILELINE:
	case BTAP_TOK_UBUILDID:
	case BTAP_TOK_UMOD: expand_usym(r, out, kind, value, pid, ino, off); break;
	default: sb_putn(out, p, (size_t)(end - p + 1)); break;
	}
}

/* ---- the output filter ------------------------------------------------------------- */

/* The longest token: start, kind, 16 hex digits, '.', 16, ':', 16, ':', 16, end. */
#define TOKEN_MAX 74
_Static_assert(sizeof(((struct runner *)0)->tok) >= TOKEN_MAX, "struct runner's tok holds a token");

void runner_write_expanded(struct runner *r, const char *data, size_t len,
			   void (*write)(struct runner *r, const char *data, size_t len))
{
	/* a token split by a flush waits in r->tok for the rest */
	if (r->ntok) {
		size_t take = 0;
		while (take < len && r->ntok + take < TOKEN_MAX && data[take] != BTAP_TOKEN_END)
			take++;
		if (take < len && data[take] == BTAP_TOKEN_END && r->ntok + take < TOKEN_MAX) {
			char tok[TOKEN_MAX + 1];
			memcpy(tok, r->tok, r->ntok);
			memcpy(tok + r->ntok, data, take + 1);
			struct strbuf sb;
			sb_init(&sb);
			expand_token(r, &sb, tok, tok + r->ntok + take);
			write(r, sb.s ? sb.s : "", sb.len);
			sb_free(&sb);
			r->ntok = 0;
			data += take + 1;
			len -= take + 1;
		} else if (take == len) {
			memcpy(r->tok + r->ntok, data, len);
			r->ntok += len;
			return;
		} else { /* not a token after all */
			write(r, r->tok, r->ntok);
			r->ntok = 0;
		}
	}
	while (len) {
		const char *s = memchr(data, BTAP_TOKEN_START, len);
		if (!s) {
			write(r, data, len);
			return;
		}
		write(r, data, (size_t)(s - data));
		len -= (size_t)(s - data);
		data = s;
		const char *e = memchr(data, BTAP_TOKEN_END, len < TOKEN_MAX ? len : TOKEN_MAX);
		if (!e) {
			if (len < TOKEN_MAX) { /* the rest comes with the next flush */
				memcpy(r->tok, data, len);
				r->ntok = len;
				return;
			}
			write(r, data, 1);
			data++;
			len--;
			continue;
		}
		struct strbuf sb;
		sb_init(&sb);
		expand_token(r, &sb, data, e);
		write(r, sb.s ? sb.s : "", sb.len);
		sb_free(&sb);
		len -= (size_t)(e - data + 1);
		data = e + 1;
	}
}

void runner_expand_string(struct runner *r, const char *s, size_t len, struct strbuf *out)
{
	while (len) {
		const char *t = memchr(s, BTAP_TOKEN_START, len);
		const char *e = t ? memchr(t, BTAP_TOKEN_END, len - (size_t)(t - s)) : NULL;
		if (!t || !e || e - t > TOKEN_MAX) {
			sb_putn(out, s, len);
			return;
		}
		sb_putn(out, s, (size_t)(t - s));
		expand_token(r, out, t, e);
		len -= (size_t)(e + 1 - s);
		s = e + 1;
	}
}

void runner_stacks_release(void)
{
	kallsyms_release();
	if (arena_ready)
		arena_free(&ksym_arena);
	arena_ready = false;
	modules_read = false;
	kmodules = (struct vec){0};
	objects = (struct vec){0};
	objects_listed = false;
}
