/* USDT marks: the .note.stapsdt notes <sys/sdt.h> writes (one per
 * STAP_PROBE site: its address, the .stapsdt.base address it was linked
 * against, the semaphore, provider, name and the argument operands as the
 * assembler wrote them), and those operands turned into uexprs. The
 * operands are x86-64 AT&T syntax: "-4@%edi", "8@-8(%rbp)", "4@$5",
 * "8@16(%rsp,%rdx,8)", "8@counter(%rip)". */
#include "ubin_internal.h"

#include <ctype.h>
#include <gelf.h>
#include <stdlib.h>
#include <string.h>

#define NT_STAPSDT 3

static uint64_t read_addr(const unsigned char *p, bool wide)
{
	if (wide) {
		uint64_t v;
		memcpy(&v, p, 8);
		return v;
	}
	uint32_t v;
	memcpy(&v, p, 4);
	return v;
}

static int count_args(const char *args)
{
	int n = 0;
	for (const char *p = args; *p;) {
		while (*p == ' ')
			p++;
		if (!*p)
			break;
		n++;
		while (*p && *p != ' ')
			p++;
	}
	return n;
}

static int cmp_mark(const void *x, const void *y)
{
	const struct ubin_mark *a = x, *b = y;
	int c = strcmp(a->provider, b->provider);
	if (!c)
		c = strcmp(a->name, b->name);
	if (!c)
		c = a->addr < b->addr ? -1 : a->addr > b->addr;
	return c;
}

static bool section_named(Elf *elf, Elf_Scn *scn, size_t shstrndx, const char *want, GElf_Shdr *sh)
{
	if (!gelf_getshdr(scn, sh))
		return false;
	const char *name = elf_strptr(elf, shstrndx, sh->sh_name);
	return name && strcmp(name, want) == 0;
}

void ubin_sdt_read(struct arena *a, struct ubin *b, Elf *elf)
{
	size_t shstrndx;
	if (elf_getshdrstrndx(elf, &shstrndx) != 0)
		return;
	GElf_Ehdr eh;
	bool wide = gelf_getehdr(elf, &eh) && eh.e_ident[EI_CLASS] == ELFCLASS64;
	size_t asz = wide ? 8 : 4;
	uint64_t base_addr = 0;
	Elf_Scn *notes = NULL, *scn = NULL;
	GElf_Shdr sh;
	while ((scn = elf_nextscn(elf, scn))) {
		if (section_named(elf, scn, shstrndx, ".stapsdt.base", &sh))
			base_addr = sh.sh_addr;
		else if (section_named(elf, scn, shstrndx, ".note.stapsdt", &sh) && sh.sh_type == SHT_NOTE)
			notes = scn;
	}
	Elf_Data *data = notes ? elf_getdata(notes, NULL) : NULL;
	if (!data)
		return;
	struct vec marks = {0};
	GElf_Nhdr nh;
	size_t off = 0, name_off, desc_off, next;
	while ((next = gelf_getnote(data, off, &nh, &name_off, &desc_off)) > 0) {
		off = next;
		const char *nm = (const char *)data->d_buf + name_off;
		if (nh.n_type != NT_STAPSDT || nh.n_namesz != 8 || memcmp(nm, "stapsdt", 8) != 0 ||
		    nh.n_descsz < 3 * asz + 3)
			continue;
		const unsigned char *d = (const unsigned char *)data->d_buf + desc_off;
		const char *end = (const char *)d + nh.n_descsz;
		const char *prov = (const char *)d + 3 * asz;
		const char *name = prov + strnlen(prov, (size_t)(end - prov)) + 1;
		const char *args = name < end ? name + strnlen(name, (size_t)(end - name)) + 1 : end;
		if (args >= end)
			args = "";
		struct ubin_mark *m = arena_alloc(a, sizeof(*m));
		m->addr = read_addr(d, wide);
		uint64_t linked_base = read_addr(d + asz, wide);
		m->semaphore = read_addr(d + 2 * asz, wide);
		/* a binary prelinked after the notes were written moved the
		 * code: .stapsdt.base says by how much */
		if (base_addr && linked_base) {
			m->addr += base_addr - linked_base;
			if (m->semaphore)
				m->semaphore += base_addr - linked_base;
		}
		m->provider = arena_strndup(a, prov, strnlen(prov, (size_t)(end - prov)));
		m->name = name < end ? arena_strndup(a, name, strnlen(name, (size_t)(end - name))) : "";
		m->args = arena_strndup(a, args, strnlen(args, (size_t)(end - args)));
		m->nargs = count_args(m->args);
		vec_push(a, &marks, m);
	}
	b->marks = arena_alloc(a, sizeof(*b->marks) * (size_t)(marks.n ? marks.n : 1));
	VEC_FOREACH(marks, i)
		b->marks[i] = *VEC_AT(marks, i, struct ubin_mark *);
	b->nmarks = marks.n;
	qsort(b->marks, (size_t)b->nmarks, sizeof(*b->marks), cmp_mark);
}

/* ---- operands ------------------------------------------------------------ */

struct reg_name {
	const char *name;
	int reg;   /* DWARF number */
	int width; /* bytes */
};

/* x86-64's registers in DWARF numbering, by every width's name. */
static const struct reg_name regs[] = {
	{"rax", 0, 8}, {"eax", 0, 4}, {"ax", 0, 2}, {"al", 0, 1},
	{"rdx", 1, 8}, {"edx", 1, 4}, {"dx", 1, 2}, {"dl", 1, 1},
	{"rcx", 2, 8}, {"ecx", 2, 4}, {"cx", 2, 2}, {"cl", 2, 1},
	{"rbx", 3, 8}, {"ebx", 3, 4}, {"bx", 3, 2}, {"bl", 3, 1},
	{"rsi", 4, 8}, {"esi", 4, 4}, {"si", 4, 2}, {"sil", 4, 1},
	{"rdi", 5, 8}, {"edi", 5, 4}, {"di", 5, 2}, {"dil", 5, 1},
	{"rbp", 6, 8}, {"ebp", 6, 4}, {"bp", 6, 2}, {"bpl", 6, 1},
	{"rsp", 7, 8}, {"esp", 7, 4}, {"sp", 7, 2}, {"spl", 7, 1},
	{"r8", 8, 8}, {"r9", 9, 8}, {"r10", 10, 8}, {"r11", 11, 8},
	{"r12", 12, 8}, {"r13", 13, 8}, {"r14", 14, 8}, {"r15", 15, 8},
	{"rip", UREG_IP, 8},
	{NULL, 0, 0},
};

/* "%name" at *p: its register; r8-r15 also as r8d, r8w, r8b. */
static bool parse_reg(const char **p, int *reg, int *width)
{
	if (**p != '%')
		return false;
	const char *s = *p + 1;
	size_t n = 0;
	while (isalnum((unsigned char)s[n]))
		n++;
	for (int i = 0; regs[i].name; i++) {
		size_t k = strlen(regs[i].name);
		if (k == n && strncmp(s, regs[i].name, n) == 0) {
			*reg = regs[i].reg;
			*width = regs[i].width;
			*p = s + n;
			return true;
		}
		if (regs[i].reg >= 8 && regs[i].reg <= 15 && n == k + 1 && strncmp(s, regs[i].name, k) == 0 &&
		    strchr("dwb", s[k])) {
			*reg = regs[i].reg;
			*width = s[k] == 'd' ? 4 : s[k] == 'w' ? 2 : 1;
			*p = s + n;
			return true;
		}
	}
	return false;
}

static struct uexpr *ux(struct arena *a, enum uexpr_op op)
{
	struct uexpr *e = arena_alloc(a, sizeof(*e));
	e->op = op;
	e->size = 8;
	return e;
}

static const struct uexpr *bin(struct arena *a, const char *op, const struct uexpr *l, const struct uexpr *r)
{
	struct uexpr *e = ux(a, UX_BIN);
	e->bin = op;
	e->a = l;
	e->b = r;
	return e;
}

static const struct uexpr *constant(struct arena *a, int64_t v)
{
	struct uexpr *e = ux(a, UX_CONST);
	e->v = v;
	return e;
}

/* A displacement: a number, or a symbol with an optional +/- number. */
static bool parse_disp(struct arena *a, const struct ubin *b, const char **p, const struct uexpr **out,
		       bool *symbolic, const char **why)
{
	const char *s = *p;
	*symbolic = false;
	if (isalpha((unsigned char)*s) || *s == '_' || *s == '.') {
		size_t n = 0;
		while (isalnum((unsigned char)s[n]) || s[n] == '_' || s[n] == '.')
			n++;
		char *name = arena_strndup(a, s, n);
		uint64_t addr;
		if (!ubin_symbol_addr(b, name, &addr)) {
			*why = arena_printf(a, "the operand names symbol '%s', which %s does not define", name,
					    b->path);
			return false;
		}
		s += n;
		int64_t off = 0;
		if (*s == '+' || *s == '-') {
			char *end;
			off = strtoll(s, &end, 0);
			s = end;
		}
		struct uexpr *e = ux(a, UX_ADDR);
		e->v = (int64_t)(addr + (uint64_t)off);
		*out = e;
		*symbolic = true;
		*p = s;
		return true;
	}
	char *end;
	int64_t v = strtoll(s, &end, 0);
	*out = constant(a, end == s ? 0 : v);
	*p = end;
	return true;
}

bool ubin_sdt_arg(struct arena *a, const struct ubin *b, const struct ubin_mark *m, int i,
		  const struct uexpr **out, const char **why)
{
	/* the i-th space-separated operand */
	const char *p = m->args;
	for (int k = 0;; k++) {
		while (*p == ' ')
			p++;
		if (!*p) {
			*why = arena_printf(a, "mark '%s' has %d argument%s", m->name, m->nargs, m->nargs == 1 ? "" : "s");
			return false;
		}
		if (k == i)
			break;
		while (*p && *p != ' ')
			p++;
	}
	size_t len = strcspn(p, " ");
	const char *text = arena_strndup(a, p, len);
	const char *s = text;
	int size = 8;
	bool sgn = false;
	const char *at = strchr(s, '@');
	if (at) {
		char *end;
		long n = strtol(s, &end, 10);
		if (end != at || n == 0 || labs(n) > 8) {
			*why = arena_printf(a, "cannot read USDT operand '%s'", text);
			return false;
		}
		sgn = n < 0;
		size = (int)labs(n);
		s = at + 1;
	}
	if (*s == '$') { /* a constant */
		char *end;
		int64_t v = strtoll(s + 1, &end, 0);
		if (*end || end == s + 1) {
			*why = arena_printf(a, "cannot read USDT operand '%s'", text);
			return false;
		}
		*out = constant(a, v);
		return true;
	}
	int reg, width;
	if (*s == '%') {
		if (!parse_reg(&s, &reg, &width) || *s) {
			*why = arena_printf(a, "USDT operand '%s' names a register btap cannot read", text);
			return false;
		}
		struct uexpr *e = ux(a, UX_REG);
		e->reg = reg;
		e->size = size < width ? size : width;
		e->sgn = sgn;
		*out = e;
		return true;
	}
	/* memory: disp(%base[,%index[,scale]]) or a bare symbol */
	const struct uexpr *addr = NULL;
	bool symbolic = false;
	if (*s != '(' && !parse_disp(a, b, &s, &addr, &symbolic, why))
		return false;
	if (*s == '(') {
		s++;
		int base = -1, index = -1;
		long scale = 1;
		if (*s == '%' && !parse_reg(&s, &base, &width))
			goto bad;
		if (*s == ',') {
			s++;
			if (!parse_reg(&s, &index, &width))
				goto bad;
			if (*s == ',') {
				char *end;
				scale = strtol(s + 1, &end, 10);
				s = end;
			}
		}
		if (*s != ')' || s[1])
			goto bad;
		if (base == UREG_IP) {
			/* the assembler wrote sym(%rip): the symbol is the address */
			if (!symbolic) {
				*why = arena_printf(a, "USDT operand '%s' is relative to an instruction btap does not know", text);
				return false;
			}
		} else if (base >= 0) {
			struct uexpr *r = ux(a, UX_REG);
			r->reg = base;
			addr = addr ? bin(a, "+", r, addr) : r;
		}
		if (index >= 0) {
			struct uexpr *r = ux(a, UX_REG);
			r->reg = index;
			addr = bin(a, "+", addr ? addr : constant(a, 0), bin(a, "*", r, constant(a, scale)));
		}
	} else if (*s || !symbolic) {
		goto bad;
	}
	struct uexpr *d = ux(a, UX_DEREF);
	d->a = addr ? addr : constant(a, 0);
	d->size = size;
	d->sgn = sgn;
	*out = d;
	return true;
bad:
	*why = arena_printf(a, "cannot read USDT operand '%s'", text);
	return false;
}
