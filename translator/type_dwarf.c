/* A type source over the DWARF of an ELF file (a program or library built
 * with -g), read through libdw. A handle is the offset of a type's DIE:
 * in .debug_info, or with TYPES_BIT in .debug_types (DWARF 4 type units).
 * DWARF describes `int a[2][3]` as one array with two subranges where BTF
 * has an array of arrays; so that walks agree, the handle of the inner
 * array `a[i]` is the array's with the dimension (1) in bits 48-62. */
#include "type_dwarf.h"
#include "type_source.h"

#include <dwarf.h>
#include <elfutils/libdw.h>
#include <elfutils/libdwfl.h>
#include <errno.h>
#include <fcntl.h>
#include <gelf.h>
#include <libelf.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define DIM_SHIFT 48
#define OFF_MASK ((UINT64_C(1) << DIM_SHIFT) - 1)
#define TYPES_BIT (UINT64_C(1) << 63)

/* The members of one struct or union, read once. */
struct aggregate {
	type_id id;
	int n;
	struct type_member *m;
};

struct dwarf_source {
	struct type_source base;
	int fd;
	Elf *elf;
	Dwarf *dw;
	Dwfl *dwfl;             /* a relocatable file's (a kernel module): owns dw */
	bool big_endian;
	struct type_name_index index;
	struct aggregate *aggs; /* open addressing on id */
	size_t aggs_cap, naggs;
	char *what;
};

static struct dwarf_source *of(const struct type_source *src)
{
	return (struct dwarf_source *)src;
}

static int dim_of(type_id id)
{
	return (int)((id & ~TYPES_BIT) >> DIM_SHIFT);
}

static bool die_at(const struct type_source *src, type_id id, Dwarf_Die *die)
{
	Dwarf_Off off = (Dwarf_Off)(id & OFF_MASK);
	Dwarf *dw = of(src)->dw;
	return (id & TYPES_BIT ? dwarf_offdie_types(dw, off, die) : dwarf_offdie(dw, off, die)) != NULL;
}

/* The handle of a type's DIE. A declaration that names a type unit by
 * its signature stands for the type there. */
static type_id id_of(Dwarf_Die *die)
{
	Dwarf_Attribute attr;
	Dwarf_Die unit_type;
	if (dwarf_attr(die, DW_AT_signature, &attr) && dwarf_formref_die(&attr, &unit_type))
		die = &unit_type;
	type_id id = dwarf_dieoffset(die);
	Dwarf_Half version;
	uint8_t kind;
	if (dwarf_cu_info(die->cu, &version, &kind, NULL, NULL, NULL, NULL, NULL) == 0 && version < 5 &&
	    kind == DW_UT_type)
		id |= TYPES_BIT;
	return id;
}

/* DW_AT_type of die (through abstract origins), 0 for void. */
static type_id type_attr(Dwarf_Die *die)
{
	Dwarf_Attribute attr;
	Dwarf_Die t;
	if (!dwarf_attr_integrate(die, DW_AT_type, &attr) || !dwarf_formref_die(&attr, &t))
		return 0;
	return id_of(&t);
}

type_id type_dwarf_type_of(Dwarf_Die *die)
{
	return type_attr(die);
}

static bool udata_attr(Dwarf_Die *die, unsigned name, Dwarf_Word *out)
{
	Dwarf_Attribute attr;
	return dwarf_attr_integrate(die, name, &attr) && dwarf_formudata(&attr, out) == 0;
}

/* A constant attribute. Producers write a negative value as sdata and
 * others as unsigned data of any width (GCC: 200 in a signed enum is
 * data1 0xc8), so only sdata is read as signed. */
static bool const_attr(Dwarf_Die *die, unsigned name, long long *out)
{
	Dwarf_Attribute attr;
	if (!dwarf_attr_integrate(die, name, &attr))
		return false;
	unsigned form = dwarf_whatform(&attr);
	if (form == DW_FORM_sdata || form == DW_FORM_implicit_const) {
		Dwarf_Sword v;
		if (dwarf_formsdata(&attr, &v) != 0)
			return false;
		*out = v;
		return true;
	}
	Dwarf_Word u;
	if (dwarf_formudata(&attr, &u) != 0)
		return false; /* an expression or a reference: a variable bound */
	*out = (long long)u;
	return true;
}

static bool is_declaration(Dwarf_Die *die)
{
	Dwarf_Attribute attr;
	bool flag = false;
	return dwarf_attr_integrate(die, DW_AT_declaration, &attr) && dwarf_formflag(&attr, &flag) == 0 && flag;
}

/* ---- arrays ---------------------------------------------------------- */

/* The subrange of dimension dim of an array DIE; how many dimensions. */
static int subranges(Dwarf_Die *array, int dim, Dwarf_Die *out)
{
	Dwarf_Die c;
	int n = 0;
	if (dwarf_child(array, &c) != 0)
		return 0;
	do {
		if (dwarf_tag(&c) != DW_TAG_subrange_type)
			continue;
		if (n == dim && out)
			*out = c;
		n++;
	} while (dwarf_siblingof(&c, &c) == 0);
	return n;
}

/* Elements in one dimension; 0 when flexible or variable. */
static int subrange_count(Dwarf_Die *sub)
{
	long long count, upper, lower = 0;
	if (const_attr(sub, DW_AT_count, &count))
		return count > 0 && count <= INT32_MAX ? (int)count : 0;
	if (!const_attr(sub, DW_AT_upper_bound, &upper))
		return 0;
	if (dwarf_hasattr_integrate(sub, DW_AT_lower_bound) && !const_attr(sub, DW_AT_lower_bound, &lower))
		return 0;
	return upper >= lower && upper - lower < INT32_MAX ? (int)(upper - lower + 1) : 0;
}

/* ---- the questions --------------------------------------------------- */

static enum type_kind kind_of(Dwarf_Die *die)
{
	Dwarf_Word enc;
	switch (dwarf_tag(die)) {
	case DW_TAG_base_type:
		if (udata_attr(die, DW_AT_encoding, &enc) && (enc == DW_ATE_float || enc == DW_ATE_complex_float))
			return TYPE_FLOAT;
		return TYPE_INT;
	case DW_TAG_enumeration_type: return TYPE_ENUM;
	case DW_TAG_pointer_type:
	case DW_TAG_reference_type:
	case DW_TAG_rvalue_reference_type: return TYPE_POINTER;
	case DW_TAG_array_type: return TYPE_ARRAY;
	case DW_TAG_structure_type:
	case DW_TAG_class_type: return is_declaration(die) ? TYPE_FWD_STRUCT : TYPE_STRUCT;
	case DW_TAG_union_type: return is_declaration(die) ? TYPE_FWD_UNION : TYPE_UNION;
	case DW_TAG_typedef: return TYPE_TYPEDEF;
	case DW_TAG_const_type: return TYPE_CONST;
	case DW_TAG_volatile_type: return TYPE_VOLATILE;
	case DW_TAG_restrict_type: return TYPE_RESTRICT;
	case DW_TAG_atomic_type: return TYPE_MODIFIER;
	case DW_TAG_subroutine_type: return TYPE_FUNC;
	default: return TYPE_UNKNOWN;
	}
}

static enum type_kind dw_kind(const struct type_source *src, type_id id)
{
	Dwarf_Die die;
	return die_at(src, id, &die) ? kind_of(&die) : TYPE_UNKNOWN;
}

static const char *dw_name(const struct type_source *src, type_id id)
{
	Dwarf_Die die;
	if (dim_of(id) || !die_at(src, id, &die))
		return NULL;
	const char *n = dwarf_diename(&die);
	return n && *n ? n : NULL;
}

static long long dw_size(const struct type_source *src, type_id id)
{
	Dwarf_Die die;
	if (!die_at(src, id, &die))
		return 0;
	if (dim_of(id)) {
		Dwarf_Die sub;
		if (subranges(&die, dim_of(id), &sub) <= dim_of(id))
			return 0;
		return subrange_count(&sub) * tsrc_size(src, tsrc_next(src, id));
	}
	Dwarf_Word size;
	return dwarf_aggregate_size(&die, &size) == 0 ? (long long)size : 0;
}

static type_id dw_next(const struct type_source *src, type_id id)
{
	Dwarf_Die die;
	if (!die_at(src, id, &die))
		return 0;
	if (dwarf_tag(&die) == DW_TAG_array_type && dim_of(id) + 1 < subranges(&die, 0, NULL))
		return (id & (OFF_MASK | TYPES_BIT)) | ((type_id)(dim_of(id) + 1) << DIM_SHIFT);
	return type_attr(&die);
}

static bool dw_is_signed(const struct type_source *src, type_id id)
{
	Dwarf_Die die;
	if (!die_at(src, id, &die))
		return false;
	Dwarf_Word enc;
	if (dwarf_tag(&die) == DW_TAG_enumeration_type) {
		type_id under = type_attr(&die);
		if (under)
			return tsrc_is_signed(src, under);
		for (int i = 0, n = tsrc_count(src, id); i < n; i++) {
			const char *name;
			long long v;
			if (tsrc_enumerator(src, id, i, &name, &v) && v < 0)
				return true;
		}
		return false;
	}
	return udata_attr(&die, DW_AT_encoding, &enc) && (enc == DW_ATE_signed || enc == DW_ATE_signed_char);
}

/* DW_AT_data_member_location: a constant, or the old DW_OP_plus_uconst. */
static Dwarf_Word member_byte_offset(Dwarf_Die *m)
{
	Dwarf_Attribute attr;
	Dwarf_Word off;
	if (!dwarf_attr_integrate(m, DW_AT_data_member_location, &attr))
		return 0; /* union members */
	if (dwarf_formudata(&attr, &off) == 0)
		return off;
	Dwarf_Op *ops;
	size_t nops;
	if (dwarf_getlocation(&attr, &ops, &nops) == 0 && nops == 1 && ops[0].atom == DW_OP_plus_uconst)
		return ops[0].number;
	return 0;
}

static struct type_member read_member(const struct dwarf_source *s, Dwarf_Die *m)
{
	const char *n = dwarf_diename(m);
	struct type_member out = { .name = n && *n ? n : NULL, .type = type_attr(m) };
	int bits = dwarf_bitsize(m);
	out.bit_size = bits > 0 ? bits : 0;
	Dwarf_Word dbo;
	if (udata_attr(m, DW_AT_data_bit_offset, &dbo)) {
		out.bit_offset = (int)dbo;
		return out;
	}
	long long byte = (long long)member_byte_offset(m);
	int msb = dwarf_bitoffset(m);
	if (bits > 0 && msb >= 0) {
		/* DWARF 2/3: bits from the most significant end of a storage unit */
		int unit = dwarf_bytesize(m);
		if (unit <= 0)
			unit = (int)tsrc_size(&s->base, out.type);
		out.bit_offset = (int)(byte * 8) + (s->big_endian ? msb : unit * 8 - msb - bits);
	} else {
		out.bit_offset = (int)(byte * 8);
	}
	return out;
}

static const struct aggregate *members_of(const struct type_source *src, type_id id)
{
	struct dwarf_source *s = of(src);
	if ((s->naggs + 1) * 2 > s->aggs_cap) {
		size_t cap = s->aggs_cap ? s->aggs_cap * 2 : 64;
		struct aggregate *aggs = xcalloc(cap, sizeof *aggs);
		for (size_t i = 0; i < s->aggs_cap; i++) {
			if (!s->aggs[i].id)
				continue;
			size_t k = (size_t)(s->aggs[i].id * 0x9e3779b97f4a7c15ull) & (cap - 1);
			while (aggs[k].id)
				k = (k + 1) & (cap - 1);
			aggs[k] = s->aggs[i];
		}
		free(s->aggs);
		s->aggs = aggs;
		s->aggs_cap = cap;
	}
	size_t k = (size_t)(id * 0x9e3779b97f4a7c15ull) & (s->aggs_cap - 1);
	for (; s->aggs[k].id; k = (k + 1) & (s->aggs_cap - 1))
		if (s->aggs[k].id == id)
			return &s->aggs[k];
	struct aggregate *a = &s->aggs[k];
	a->id = id;
	s->naggs++;
	Dwarf_Die die, c;
	if (!die_at(src, id, &die) || dwarf_child(&die, &c) != 0)
		return a;
	int cap = 0;
	do {
		if (dwarf_tag(&c) != DW_TAG_member)
			continue;
		if (a->n == cap) {
			cap = cap ? cap * 2 : 16;
			a->m = xrealloc(a->m, sizeof *a->m * (size_t)cap);
		}
		a->m[a->n++] = read_member(s, &c);
	} while (dwarf_siblingof(&c, &c) == 0);
	return a;
}

static bool is_aggregate_die(const struct type_source *src, type_id id)
{
	enum type_kind k = dw_kind(src, id);
	return !dim_of(id) && (k == TYPE_STRUCT || k == TYPE_UNION);
}

/* The enumerator DIEs of an enum, one at a time. */
static bool nth_enumerator(const struct type_source *src, type_id id, int i, Dwarf_Die *out)
{
	Dwarf_Die die;
	if (dim_of(id) || !die_at(src, id, &die) || dwarf_tag(&die) != DW_TAG_enumeration_type ||
	    dwarf_child(&die, out) != 0)
		return false;
	int n = 0;
	do {
		if (dwarf_tag(out) == DW_TAG_enumerator && n++ == i)
			return true;
	} while (dwarf_siblingof(out, out) == 0);
	return false;
}

static int dw_count(const struct type_source *src, type_id id)
{
	Dwarf_Die die;
	if (!die_at(src, id, &die))
		return 0;
	switch (dwarf_tag(&die)) {
	case DW_TAG_array_type: {
		Dwarf_Die sub;
		return subranges(&die, dim_of(id), &sub) > dim_of(id) ? subrange_count(&sub) : 0;
	}
	case DW_TAG_enumeration_type: {
		int n = 0;
		Dwarf_Die e;
		while (nth_enumerator(src, id, n, &e))
			n++;
		return n;
	}
	default:
		return is_aggregate_die(src, id) ? members_of(src, id)->n : 0;
	}
}

static bool dw_member(const struct type_source *src, type_id id, int i, struct type_member *m)
{
	if (!is_aggregate_die(src, id))
		return false;
	const struct aggregate *a = members_of(src, id);
	if (i < 0 || i >= a->n)
		return false;
	*m = a->m[i];
	return true;
}

static bool dw_enumerator(const struct type_source *src, type_id id, int i, const char **name,
                          long long *value)
{
	Dwarf_Die e;
	if (!nth_enumerator(src, id, i, &e) || !const_attr(&e, DW_AT_const_value, value))
		return false;
	*name = dwarf_diename(&e);
	return true;
}

static type_id dw_find(const struct type_source *src, enum type_kind kind, const char *name)
{
	return type_name_index_get(&of(src)->index, kind, name);
}

static void dw_each(const struct type_source *src, enum type_kind kind,
                    void (*fn)(type_id id, const char *name, void *ctx), void *ctx)
{
	type_name_index_each(&of(src)->index, kind, fn, ctx);
}

static void dw_close(struct type_source *src)
{
	struct dwarf_source *s = of(src);
	for (size_t i = 0; i < s->aggs_cap; i++)
		free(s->aggs[i].m);
	free(s->aggs);
	type_name_index_free(&s->index);
	if (s->dwfl)
		dwfl_end(s->dwfl);
	else if (s->dw)
		dwarf_end(s->dw);
	if (s->elf)
		elf_end(s->elf);
	if (s->fd >= 0)
		close(s->fd);
	free(s->what);
	free(s);
}

static const struct type_source_ops dwarf_ops = {
	.kind = dw_kind,
	.name = dw_name,
	.size = dw_size,
	.next = dw_next,
	.is_signed = dw_is_signed,
	.count = dw_count,
	.member = dw_member,
	.enumerator = dw_enumerator,
	.find = dw_find,
	.each = dw_each,
	.close = dw_close,
};

/* ---- opening --------------------------------------------------------- */

/* Index the named type definitions of a scope (a unit, or a struct whose
 * scope C types declared inside it share). */
static void index_scope(struct dwarf_source *s, Dwarf_Die *scope)
{
	Dwarf_Die c;
	if (dwarf_child(scope, &c) != 0)
		return;
	do {
		type_id id = id_of(&c);
		enum type_kind k = kind_of(&c);
		if (k == TYPE_STRUCT || k == TYPE_UNION)
			index_scope(s, &c);
		if (k == TYPE_FWD_STRUCT || k == TYPE_FWD_UNION || k == TYPE_FLOAT ||
		    (k == TYPE_ENUM && is_declaration(&c)))
			continue;
		const char *n = dwarf_diename(&c);
		if (n && *n && (k == TYPE_STRUCT || k == TYPE_UNION || k == TYPE_ENUM || k == TYPE_TYPEDEF ||
		                k == TYPE_INT))
			type_name_index_put(&s->index, k, n, id);
	} while (dwarf_siblingof(&c, &c) == 0);
}

static struct type_source *fail(struct dwarf_source *s, char **err, const char *fmt, const char *path,
                                const char *why)
{
	char msg[4096];
	snprintf(msg, sizeof msg, fmt, path, why);
	*err = xstrdup(msg);
	dw_close(&s->base);
	return NULL;
}

struct type_source *type_source_dwarf_open(const char *path, char **err)
{
	*err = NULL;
	struct dwarf_source *s = xcalloc(1, sizeof *s);
	s->base.ops = &dwarf_ops;
	s->fd = -1;
	elf_version(EV_CURRENT);
	s->fd = open(path, O_RDONLY | O_CLOEXEC);
	if (s->fd < 0)
		return fail(s, err, "cannot open %s: %s", path, strerror(errno));
	s->elf = elf_begin(s->fd, ELF_C_READ_MMAP, NULL);
	if (!s->elf || elf_kind(s->elf) != ELF_K_ELF)
		return fail(s, err, "%s is not an ELF file%s", path, "");
	GElf_Ehdr eh;
	bool rel = false;
	if (gelf_getehdr(s->elf, &eh)) {
		s->big_endian = eh.e_ident[EI_DATA] == ELFDATA2MSB;
		rel = eh.e_type == ET_REL;
	}
	if (rel) {
		/* a kernel module: its DWARF names strings and types through
		 * relocations, which libdwfl applies */
		static const Dwfl_Callbacks offline = {
			.find_debuginfo = dwfl_standard_find_debuginfo,
			.section_address = dwfl_offline_section_address,
		};
		s->dwfl = dwfl_begin(&offline);
		Dwfl_Module *m = s->dwfl ? dwfl_report_offline(s->dwfl, path, path, -1) : NULL;
		if (s->dwfl)
			dwfl_report_end(s->dwfl, NULL, NULL);
		Dwarf_Addr bias;
		s->dw = m ? dwfl_module_getdwarf(m, &bias) : NULL;
	} else {
		s->dw = dwarf_begin_elf(s->elf, DWARF_C_READ, NULL);
	}
	if (!s->dw)
		return fail(s, err, "%s has no DWARF debug information (build it with -g): %s", path,
		            dwarf_errmsg(-1));
	Dwarf_CU *cu = NULL;
	Dwarf_Die cudie, subdie;
	uint8_t unit_type;
	Dwarf_Half version;
	while (dwarf_get_units(s->dw, cu, &cu, &version, &unit_type, &cudie, &subdie) == 0)
		index_scope(s, &cudie);
	char what[4096];
	snprintf(what, sizeof what, "the DWARF of %s", path);
	s->what = xstrdup(what);
	s->base.what = s->what;
	return &s->base;
}
