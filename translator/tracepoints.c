#include "tracepoints.h"

#include <bpf/btf.h>
#include <bpf/libbpf.h>

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fnmatch.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

/* ==== tracefs ========================================================= */

#define TRACEFS_DEFAULT "/sys/kernel/tracing"

static char *tracefs_override;     /* tp_set_tracefs_dir */
static bool tracefs_overridden;
static const char *tracefs_found;  /* cached lookup result */
static bool tracefs_searched;

static bool has_events_dir(const char *root)
{
	char path[4096];
	struct stat st;
	snprintf(path, sizeof path, "%s/events", root);
	return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

/* A tracefs mounted somewhere unusual (containers, tools that mount their own). */
static const char *tracefs_from_mounts(void)
{
	static char dir[4096];
	FILE *f = fopen("/proc/self/mounts", "r");
	if (!f)
		return NULL;
	char line[8192];
	const char *found = NULL;
	while (!found && fgets(line, sizeof line, f)) {
		char src[256], mnt[4096], type[64];
		if (sscanf(line, "%255s %4095s %63s", src, mnt, type) != 3)
			continue;
		if (strcmp(type, "tracefs") == 0 && has_events_dir(mnt)) {
			snprintf(dir, sizeof dir, "%s", mnt);
			found = dir;
		}
	}
	fclose(f);
	return found;
}

static const char *find_tracefs(void)
{
	if (has_events_dir(TRACEFS_DEFAULT))
		return TRACEFS_DEFAULT;
	if (has_events_dir("/sys/kernel/debug/tracing"))
		return "/sys/kernel/debug/tracing";
	/* Not mounted: do what a user would have to do by hand. */
	if ((mount("tracefs", TRACEFS_DEFAULT, "tracefs", 0, NULL) == 0 || errno == EBUSY) &&
	    has_events_dir(TRACEFS_DEFAULT))
		return TRACEFS_DEFAULT;
	return tracefs_from_mounts();
}

const char *tp_tracefs_dir(void)
{
	if (tracefs_overridden)
		return tracefs_override && *tracefs_override ? tracefs_override : NULL;
	if (!tracefs_searched) {
		tracefs_found = find_tracefs();
		tracefs_searched = true;
	}
	return tracefs_found;
}

void tp_set_tracefs_dir(const char *dir)
{
	free(tracefs_override);
	tracefs_override = dir ? xstrdup(dir) : NULL;
	tracefs_overridden = dir != NULL;
}

/* ==== patterns ======================================================== */

bool tp_pattern_match(const char *pattern, const char *group, const char *name)
{
	const char *colon = strchr(pattern, ':');
	if (!colon)
		return fnmatch(pattern, name, 0) == 0;
	/* An event listed without its group (BTF only) matches any group. */
	char gpat[256];
	size_t glen = (size_t)(colon - pattern);
	if (glen >= sizeof gpat)
		return false;
	memcpy(gpat, pattern, glen);
	gpat[glen] = 0;
	if (*group && fnmatch(gpat, group, 0) != 0)
		return false;
	return fnmatch(colon + 1, name, 0) == 0;
}

/* ==== BTF ============================================================= */

/* Name index over vmlinux BTF: libbpf's lookup by name is a linear scan,
 * and listing all syscall events resolves thousands of type names. */
struct name_slot {
	const char *name;
	int id;
	char cls; /* 's' struct, 'u' union, 'e' enum, 't' typedef, 'i' int */
};
struct raw_sig {
	char *sig;
	int id;
};

static struct btf *vmlinux_btf;
static bool btf_tried;
static struct name_slot *name_index;
static size_t name_index_cap;
static struct raw_sig *raw_sigs;
static int nraw_sigs;

static uint64_t name_hash(const char *s, char cls)
{
	uint64_t h = 1469598103934665603ull ^ (unsigned char)cls;
	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 1099511628211ull;
	return h;
}

static void name_index_put(const char *name, char cls, int id)
{
	size_t mask = name_index_cap - 1;
	for (size_t i = name_hash(name, cls) & mask;; i = (i + 1) & mask) {
		struct name_slot *s = &name_index[i];
		if (!s->name) {
			*s = (struct name_slot){ name, id, cls };
			return;
		}
		if (s->cls == cls && strcmp(s->name, name) == 0)
			return; /* keep the first definition */
	}
}

static int name_index_get(const char *name, char cls)
{
	if (!name_index)
		return 0;
	size_t mask = name_index_cap - 1;
	for (size_t i = name_hash(name, cls) & mask;; i = (i + 1) & mask) {
		struct name_slot *s = &name_index[i];
		if (!s->name)
			return 0;
		if (s->cls == cls && strcmp(s->name, name) == 0)
			return s->id;
	}
}

static char kind_class(const struct btf_type *t)
{
	switch (btf_kind(t)) {
	case BTF_KIND_STRUCT: return 's';
	case BTF_KIND_UNION: return 'u';
	case BTF_KIND_ENUM:
	case BTF_KIND_ENUM64: return 'e';
	case BTF_KIND_TYPEDEF: return 't';
	case BTF_KIND_INT: return 'i';
	default: return 0;
	}
}

static const char *raw_member_name(const char *n)
{
	/* BTF names a __data_loc field's u32 "__data_loc_<field>". */
	if (strncmp(n, "__data_loc_", 11) == 0)
		return n + 11;
	if (strncmp(n, "__rel_loc_", 10) == 0)
		return n + 10;
	return n;
}

/* "name@offset;..." of a trace_event_raw_* struct, without the common
 * header (ent) and the trailing flexible __data. */
static char *raw_struct_signature(const struct btf_type *t)
{
	struct strbuf b;
	sb_init(&b);
	const struct btf_member *m = btf_members(t);
	for (int i = 0; i < btf_vlen(t); i++, m++) {
		const char *n = btf__name_by_offset(vmlinux_btf, m->name_off);
		if (!n || strcmp(n, "ent") == 0 || strcmp(n, "__data") == 0)
			continue;
		sb_printf(&b, "%s@%u;", raw_member_name(n), btf_member_bit_offset(t, (__u32)i) / 8);
	}
	return sb_steal(&b);
}

static int cmp_raw_sig(const void *x, const void *y)
{
	const struct raw_sig *a = x, *b = y;
	int c = strcmp(a->sig, b->sig);
	return c ? c : a->id - b->id;
}

static void build_btf_indexes(void)
{
	int n = (int)btf__type_cnt(vmlinux_btf);
	name_index_cap = 1;
	while (name_index_cap < (size_t)n * 2)
		name_index_cap <<= 1;
	name_index = xcalloc(name_index_cap, sizeof *name_index);
	int raw_cap = 0;
	for (int id = 1; id < n; id++) {
		const struct btf_type *t = btf__type_by_id(vmlinux_btf, (__u32)id);
		char cls = kind_class(t);
		const char *name = btf__name_by_offset(vmlinux_btf, t->name_off);
		if (!cls || !name || !*name)
			continue;
		name_index_put(name, cls, id);
		if (cls == 's' && strncmp(name, "trace_event_raw_", 16) == 0) {
			if (nraw_sigs == raw_cap) {
				raw_cap = raw_cap ? raw_cap * 2 : 1024;
				raw_sigs = xrealloc(raw_sigs, sizeof *raw_sigs * (size_t)raw_cap);
			}
			raw_sigs[nraw_sigs++] = (struct raw_sig){ raw_struct_signature(t), id };
		}
	}
	qsort(raw_sigs, (size_t)nraw_sigs, sizeof *raw_sigs, cmp_raw_sig);
}

const struct btf *tp_btf(void)
{
	if (!btf_tried) {
		btf_tried = true;
		/* Quiet: no BTF is a supported case (format files still work). */
		libbpf_print_fn_t old = libbpf_set_print(NULL);
		struct btf *b = btf__load_vmlinux_btf();
		libbpf_set_print(old);
		if (b && !libbpf_get_error(b)) {
			vmlinux_btf = b;
			build_btf_indexes();
		}
	}
	return vmlinux_btf;
}

void tp_release(void)
{
	btf__free(vmlinux_btf);
	vmlinux_btf = NULL;
	btf_tried = false;
	free(name_index);
	name_index = NULL;
	name_index_cap = 0;
	for (int i = 0; i < nraw_sigs; i++)
		free(raw_sigs[i].sig);
	free(raw_sigs);
	raw_sigs = NULL;
	nraw_sigs = 0;
	free(tracefs_override);
	tracefs_override = NULL;
	tracefs_overridden = false;
}

static const struct btf_type *type_at(int id)
{
	return btf__type_by_id(vmlinux_btf, (__u32)id);
}

/* Skip typedefs, const, volatile, restrict and type tags. */
static const struct btf_type *skip_mods(int *id)
{
	const struct btf_type *t = type_at(*id);
	while (t && (btf_is_typedef(t) || btf_is_mod(t))) {
		*id = (int)t->type;
		t = type_at(*id);
	}
	return t;
}

/* ==== C type text ===================================================== */

static bool is_qualifier(const char *w)
{
	static const char *const q[] = { "const", "volatile", "restrict", "__user", "__seg_gs",
	                                 "__seg_fs", "__iomem", "__rcu", "__percpu", "__force" };
	for (size_t i = 0; i < sizeof q / sizeof q[0]; i++)
		if (strcmp(w, q[i]) == 0)
			return true;
	return false;
}

/* Split a type text into words (qualifiers dropped), counting '*'. */
static int type_words(const char *text, char words[][64], int max, int *stars)
{
	int n = 0;
	*stars = 0;
	for (const char *p = text; *p;) {
		if (*p == '*') {
			(*stars)++;
			p++;
		} else if (isalnum((unsigned char)*p) || *p == '_') {
			const char *s = p;
			while (isalnum((unsigned char)*p) || *p == '_')
				p++;
			size_t len = (size_t)(p - s);
			char w[64];
			if (len >= sizeof w)
				return -1;
			memcpy(w, s, len);
			w[len] = 0;
			if (is_qualifier(w))
				continue;
			if (n == max)
				return -1;
			memcpy(words[n++], w, len + 1);
		} else {
			p++;
		}
	}
	return n;
}

/* C integer keywords ("unsigned long", "short int", "_Bool") to size,
 * signedness and the name the compiler gives the type in BTF. */
static bool keyword_int(char words[][64], int n, int *size, bool *is_signed, const char **btf_name)
{
	int nlong = 0, nshort = 0, nchar = 0, nint = 0, nunsigned = 0, nsigned = 0, nbool = 0;
	for (int i = 0; i < n; i++) {
		const char *w = words[i];
		if (strcmp(w, "long") == 0) nlong++;
		else if (strcmp(w, "short") == 0) nshort++;
		else if (strcmp(w, "char") == 0) nchar++;
		else if (strcmp(w, "int") == 0) nint++;
		else if (strcmp(w, "unsigned") == 0) nunsigned++;
		else if (strcmp(w, "signed") == 0) nsigned++;
		else if (strcmp(w, "_Bool") == 0 || strcmp(w, "bool") == 0) nbool++;
		else return false;
	}
	if (n == 0)
		return false;
	bool u = nunsigned > 0;
	if (nbool) {
		*size = 1, *is_signed = false, *btf_name = "_Bool";
	} else if (nchar) {
		*size = 1, *is_signed = nsigned > 0;
		*btf_name = u ? "unsigned char" : nsigned ? "signed char" : "char";
	} else if (nshort) {
		*size = 2, *is_signed = !u, *btf_name = u ? "short unsigned int" : "short int";
	} else if (nlong >= 2) {
		*size = 8, *is_signed = !u, *btf_name = u ? "long long unsigned int" : "long long int";
	} else if (nlong == 1) {
		*size = 8, *is_signed = !u, *btf_name = u ? "long unsigned int" : "long int";
	} else {
		*size = 4, *is_signed = !u, *btf_name = u ? "unsigned int" : "int";
	}
	(void)nint;
	return true;
}

bool tp_btf_type_from_text(const char *ctype, int *id, int *ptr_depth)
{
	char words[8][64];
	int stars;
	int n = type_words(ctype, words, 8, &stars);
	*id = 0;
	*ptr_depth = stars;
	if (n <= 0 || !tp_btf())
		return false;
	if (n == 1 && strcmp(words[0], "void") == 0)
		return true; /* void: id 0 */
	if (n == 2) {
		char cls = strcmp(words[0], "struct") == 0 ? 's'
		         : strcmp(words[0], "union") == 0  ? 'u'
		         : strcmp(words[0], "enum") == 0   ? 'e' : 0;
		if (cls) {
			*id = name_index_get(words[1], cls);
			return *id != 0;
		}
	}
	int size;
	bool sgn;
	const char *btf_name;
	if (keyword_int(words, n, &size, &sgn, &btf_name)) {
		*id = name_index_get(btf_name, 'i');
		return *id != 0;
	}
	if (n == 1) {
		*id = name_index_get(words[0], 't');
		if (!*id)
			*id = name_index_get(words[0], 'i');
		return *id != 0;
	}
	return false;
}

/* ==== places (BTF walks for $p->a[i]) ================================= */

static bool is_char_int(const struct btf_type *t)
{
	if (!btf_is_int(t) || t->size != 1)
		return false;
	const char *n = btf__name_by_offset(vmlinux_btf, t->name_off);
	return n && strstr(n, "char");
}

enum tp_value_class tp_place_class(struct tp_place p)
{
	if (p.ptr_depth > 0)
		return TP_VALUE_POINTER;
	if (!vmlinux_btf || p.id <= 0)
		return TP_VALUE_UNKNOWN;
	int id = p.id;
	const struct btf_type *t = skip_mods(&id);
	if (!t)
		return TP_VALUE_UNKNOWN;
	switch (btf_kind(t)) {
	case BTF_KIND_INT:
	case BTF_KIND_ENUM:
	case BTF_KIND_ENUM64:
		return TP_VALUE_INT;
	case BTF_KIND_PTR:
		return TP_VALUE_POINTER;
	case BTF_KIND_ARRAY: {
		int eid = (int)btf_array(t)->type;
		const struct btf_type *e = skip_mods(&eid);
		return e && is_char_int(e) ? TP_VALUE_CHAR_ARRAY : TP_VALUE_ARRAY;
	}
	case BTF_KIND_STRUCT:
	case BTF_KIND_UNION:
	case BTF_KIND_FWD:
		return TP_VALUE_AGGREGATE;
	default:
		return TP_VALUE_UNKNOWN;
	}
}

/* A forward declaration's full definition, if vmlinux has one. */
static const struct btf_type *complete_aggregate(const struct btf_type *t, int *id)
{
	if (!btf_is_fwd(t))
		return t;
	const char *n = btf__name_by_offset(vmlinux_btf, t->name_off);
	int full = n ? name_index_get(n, btf_kflag(t) ? 'u' : 's') : 0;
	if (!full)
		return NULL;
	*id = full;
	return type_at(full);
}

/* The member called name, searching anonymous members; *bits gets its
 * offset from the start of agg, *bit_size its width if a bitfield. */
static bool find_member_at(const struct btf_type *agg, const char *name, int *out_id, int *bits,
                           int *bit_size)
{
	const struct btf_member *m = btf_members(agg);
	for (int i = 0; i < btf_vlen(agg); i++, m++) {
		const char *n = btf__name_by_offset(vmlinux_btf, m->name_off);
		int off = (int)btf_member_bit_offset(agg, (__u32)i);
		if (n && *n) {
			if (strcmp(n, name) == 0) {
				*out_id = (int)m->type;
				*bits = off;
				*bit_size = (int)btf_member_bitfield_size(agg, (__u32)i);
				return true;
			}
			continue;
		}
		/* Anonymous struct/union: its members belong to this one. */
		int sub = (int)m->type;
		const struct btf_type *st = skip_mods(&sub);
		if (st && btf_is_composite(st) && find_member_at(st, name, out_id, bits, bit_size)) {
			*bits += off;
			return true;
		}
	}
	return false;
}

static bool find_member(const struct btf_type *agg, const char *name, int *out_id)
{
	int bits, bit_size;
	return find_member_at(agg, name, out_id, &bits, &bit_size);
}

bool tp_place_member(struct tp_place *p, const char *name)
{
	if (!vmlinux_btf || p->id <= 0 || p->ptr_depth > 1)
		return false;
	int id = p->id;
	const struct btf_type *t = skip_mods(&id);
	if (!t)
		return false;
	/* "->" works through one pointer, and on a struct held by value
	 * (a member of an outer struct), as in stap. */
	if (p->ptr_depth == 0 && btf_is_ptr(t)) {
		id = (int)t->type;
		t = skip_mods(&id);
	} else if (p->ptr_depth == 0 && !btf_is_composite(t) && !btf_is_fwd(t)) {
		return false;
	}
	if (!t || !(btf_is_composite(t) || btf_is_fwd(t)))
		return false;
	t = complete_aggregate(t, &id);
	int mid, bits, bit_size;
	if (!t || !find_member_at(t, name, &mid, &bits, &bit_size))
		return false;
	p->id = mid;
	p->ptr_depth = 0;
	p->member_bits = bits;
	p->bit_size = bit_size;
	return true;
}

bool tp_place_index(struct tp_place *p)
{
	p->member_bits = p->bit_size = 0;
	if (p->ptr_depth > 0) {
		p->ptr_depth--;
		return true;
	}
	if (!vmlinux_btf || p->id <= 0)
		return false;
	int id = p->id;
	const struct btf_type *t = skip_mods(&id);
	if (t && btf_is_ptr(t)) {
		p->id = (int)t->type;
		return true;
	}
	if (t && btf_is_array(t)) {
		p->id = (int)btf_array(t)->type;
		return true;
	}
	return false;
}

static void type_name_into(struct strbuf *b, int id, int depth)
{
	const struct btf_type *t = id > 0 && vmlinux_btf ? type_at(id) : NULL;
	if (!t) {
		sb_puts(b, id == 0 ? "void" : "?");
	} else {
		const char *n = btf__name_by_offset(vmlinux_btf, t->name_off);
		switch (btf_kind(t)) {
		case BTF_KIND_CONST:
			sb_puts(b, "const ");
			type_name_into(b, (int)t->type, 0);
			break;
		case BTF_KIND_VOLATILE:
		case BTF_KIND_RESTRICT:
		case BTF_KIND_TYPE_TAG:
			type_name_into(b, (int)t->type, 0);
			break;
		case BTF_KIND_PTR:
			type_name_into(b, (int)t->type, 1);
			break;
		case BTF_KIND_ARRAY:
			type_name_into(b, (int)btf_array(t)->type, 0);
			sb_printf(b, "[%u]", btf_array(t)->nelems);
			break;
		case BTF_KIND_STRUCT:
			sb_printf(b, "struct %s", n && *n ? n : "(anon)");
			break;
		case BTF_KIND_UNION:
			sb_printf(b, "union %s", n && *n ? n : "(anon)");
			break;
		case BTF_KIND_ENUM:
		case BTF_KIND_ENUM64:
			sb_printf(b, "enum %s", n && *n ? n : "(anon)");
			break;
		case BTF_KIND_FWD:
			sb_printf(b, "%s %s", btf_kflag(t) ? "union" : "struct", n ? n : "?");
			break;
		case BTF_KIND_FUNC_PROTO:
			sb_puts(b, "function");
			break;
		default:
			sb_puts(b, n && *n ? n : "?");
			break;
		}
	}
	if (depth > 0) {
		sb_putc(b, ' ');
		for (int i = 0; i < depth; i++)
			sb_putc(b, '*');
	}
}

const char *tp_place_type_name(struct arena *a, struct tp_place p)
{
	struct strbuf b;
	sb_init(&b);
	type_name_into(&b, p.id, p.ptr_depth);
	char *s = arena_strdup(a, b.s ? b.s : "");
	sb_free(&b);
	return s;
}

bool tp_place_int(struct tp_place p, int *size, bool *is_signed)
{
	if (tp_place_class(p) != TP_VALUE_INT)
		return false;
	int id = p.id;
	const struct btf_type *t = skip_mods(&id);
	*size = (int)t->size;
	*is_signed = btf_is_int(t) ? (btf_int_encoding(t) & BTF_INT_SIGNED) != 0 : btf_kflag(t);
	return *size == 1 || *size == 2 || *size == 4 || *size == 8;
}

int tp_place_size(struct tp_place p)
{
	if (p.ptr_depth > 0)
		return 8;
	if (!vmlinux_btf || p.id <= 0)
		return 0;
	long long sz = btf__resolve_size(vmlinux_btf, (__u32)p.id);
	return sz > 0 ? (int)sz : 0;
}

int tp_place_array_len(struct tp_place p)
{
	if (p.ptr_depth > 0 || !vmlinux_btf || p.id <= 0)
		return 0;
	int id = p.id;
	const struct btf_type *t = skip_mods(&id);
	return t && btf_is_array(t) ? (int)btf_array(t)->nelems : 0;
}

const char *tp_place_c_name(struct arena *a, struct tp_place p, const char **hdr_name)
{
	if (p.ptr_depth > 0 || !vmlinux_btf || p.id <= 0)
		return NULL;
	const struct btf_type *t = type_at(p.id);
	while (t && btf_is_mod(t))
		t = type_at((int)t->type);
	if (!t)
		return NULL;
	const char *n = btf__name_by_offset(vmlinux_btf, t->name_off);
	if (!n || !*n)
		return NULL;
	const char *kw = btf_is_typedef(t) ? "typedef " : btf_is_struct(t) ? "struct "
	               : btf_is_union(t) ? "union " : btf_is_fwd(t) ? (btf_kflag(t) ? "union " : "struct ") : NULL;
	if (!kw)
		return NULL;
	*hdr_name = arena_printf(a, "%s%s", kw, n);
	return btf_is_typedef(t) ? arena_strdup(a, n) : *hdr_name;
}

int tp_place_members(struct tp_place p, const char **names, struct tp_place *places, int max)
{
	if (p.ptr_depth > 1 || !vmlinux_btf || p.id <= 0)
		return -1;
	int id = p.id;
	const struct btf_type *t = skip_mods(&id);
	if (t && (p.ptr_depth == 1 || btf_is_ptr(t))) {
		if (p.ptr_depth == 0)
			id = (int)t->type;
		t = skip_mods(&id);
	}
	if (!t || !(btf_is_composite(t) || btf_is_fwd(t)))
		return -1;
	t = complete_aggregate(t, &id);
	if (!t)
		return -1;
	const struct btf_member *m = btf_members(t);
	int n = 0;
	for (int i = 0; i < btf_vlen(t) && n < max; i++, m++) {
		const char *name = btf__name_by_offset(vmlinux_btf, m->name_off);
		names[n] = name && *name ? name : NULL;
		places[n] = (struct tp_place){ .id = (int)m->type,
		                               .member_bits = (int)btf_member_bit_offset(t, (__u32)i),
		                               .bit_size = (int)btf_member_bitfield_size(t, (__u32)i) };
		n++;
	}
	return n;
}

bool tp_place_is_char(struct tp_place p)
{
	if (p.ptr_depth > 0 || !vmlinux_btf || p.id <= 0)
		return false;
	int id = p.id;
	const struct btf_type *t = skip_mods(&id);
	return t && is_char_int(t);
}

bool tp_place_for_cast(const char *type_text, struct tp_place *p)
{
	memset(p, 0, sizeof *p);
	if (!tp_btf())
		return false;
	int id = 0, depth = 0;
	if (!tp_btf_type_from_text(type_text, &id, &depth)) {
		/* A bare name: stap looks for a struct, then a union. */
		char words[8][64];
		int stars;
		if (type_words(type_text, words, 8, &stars) != 1)
			return false;
		id = name_index_get(words[0], 's');
		if (!id)
			id = name_index_get(words[0], 'u');
		if (!id)
			return false;
		depth = stars;
	}
	if (id <= 0)
		return false;
	p->id = id;
	p->ptr_depth = depth + 1;
	return true;
}

/* ==== format files ==================================================== */

static char *trim(char *s)
{
	while (isspace((unsigned char)*s))
		s++;
	char *e = s + strlen(s);
	while (e > s && isspace((unsigned char)e[-1]))
		*--e = 0;
	return s;
}

static int field_attr(const char *rest, const char *key)
{
	const char *p = strstr(rest, key);
	return p ? atoi(p + strlen(key)) : 0;
}

/* Size and signedness of an integer type text, through BTF typedefs. */
static bool int_type_info(const char *ctype, int *size, bool *is_signed, bool *is_pointer,
                          bool *is_aggregate)
{
	char words[8][64];
	int stars;
	int n = type_words(ctype, words, 8, &stars);
	const char *btf_name;
	*is_pointer = stars > 0;
	*is_aggregate = false;
	if (n > 0 && !stars && keyword_int(words, n, size, is_signed, &btf_name))
		return true;
	int id, depth;
	if (!tp_btf_type_from_text(ctype, &id, &depth) || depth)
		return false;
	const struct btf_type *t = skip_mods(&id);
	if (!t)
		return false;
	if (btf_is_ptr(t)) {
		*is_pointer = true;
	} else if (btf_is_int(t)) {
		*size = (int)t->size;
		*is_signed = btf_int_encoding(t) & BTF_INT_SIGNED;
		return true;
	} else if (btf_is_any_enum(t)) {
		*size = (int)t->size;
		*is_signed = btf_kflag(t);
		return true;
	} else if (btf_is_composite(t) || btf_is_array(t)) {
		*is_aggregate = true;
	}
	return false;
}

/* Size of any type text BTF knows (cpumask_t, struct foo); 0 if unknown. */
static int btf_text_size(const char *ctype)
{
	int id, depth;
	if (!tp_btf_type_from_text(ctype, &id, &depth))
		return 0;
	if (depth)
		return 8;
	long long sz = btf__resolve_size(vmlinux_btf, (__u32)id);
	return sz > 0 ? (int)sz : 0;
}

static bool is_plain_char(const char *ctype)
{
	char words[8][64];
	int stars;
	int n = type_words(ctype, words, 8, &stars);
	return n == 1 && !stars && strcmp(words[0], "char") == 0;
}

static void classify_data_loc(struct arena *a, struct tp_field *f, const char *after, bool rel)
{
	/* after: "char[]", "u64[]", "cpumask_t" */
	char *elem = arena_strdup(a, after);
	char *br = strstr(elem, "[]");
	if (br)
		*br = 0;
	elem = trim(elem);
	f->elem_ctype = elem;
	bool str = is_plain_char(elem);
	f->kind = rel ? (str ? TP_FIELD_REL_LOC_STR : TP_FIELD_REL_LOC_ARRAY)
	              : (str ? TP_FIELD_DATA_LOC_STR : TP_FIELD_DATA_LOC_ARRAY);
	int sz;
	bool sgn, ptr, agg;
	f->elem_size = str ? 1 : (int_type_info(elem, &sz, &sgn, &ptr, &agg) ? sz : ptr ? 8 : btf_text_size(elem));
}

static void classify_array(struct arena *a, struct tp_field *f, const char *len_text)
{
	f->elem_ctype = f->ctype;
	bool str = is_plain_char(f->ctype);
	int sz;
	bool sgn, ptr, agg;
	if (str)
		f->elem_size = 1;
	else if (int_type_info(f->ctype, &sz, &sgn, &ptr, &agg))
		f->elem_size = sz;
	else if (ptr)
		f->elem_size = 8;
	else
		f->elem_size = btf_text_size(f->ctype);
	char *end;
	long n = strtol(len_text, &end, 0);
	if (*len_text && !*end)
		f->array_len = (int)n;
	else if (f->elem_size)
		f->array_len = f->size / f->elem_size; /* length written as a macro */
	f->kind = str ? TP_FIELD_CHAR_ARRAY : TP_FIELD_ARRAY;
	f->ctype = arena_printf(a, "%s[%s]", f->elem_ctype, len_text);
}

static char *pointee_text(struct arena *a, const char *ctype)
{
	char *t = arena_strdup(a, ctype);
	char *star = strrchr(t, '*');
	if (star)
		*star = 0;
	return trim(t);
}

static void classify_scalar(struct arena *a, struct tp_field *f)
{
	int sz;
	bool sgn, ptr, agg;
	if (int_type_info(f->ctype, &sz, &sgn, &ptr, &agg)) {
		f->kind = TP_FIELD_INT;
		/* Narrower C type than storage: syscall args widened to long. */
		if (sz < f->size) {
			f->val_size = sz;
			f->val_signed = sgn;
		}
		return;
	}
	if (ptr) {
		f->kind = TP_FIELD_POINTER;
		f->elem_ctype = strchr(f->ctype, '*') ? pointee_text(a, f->ctype) : NULL;
		return;
	}
	if (!agg && (f->size == 1 || f->size == 2 || f->size == 4 || f->size == 8)) {
		f->kind = TP_FIELD_INT; /* unknown typedef: trust the format file */
		return;
	}
	f->kind = TP_FIELD_OTHER;
}

/* Parse "TYPE NAME[LEN]" (the part after "field:"). */
static bool parse_decl(struct arena *a, char *decl, struct tp_field *f, char **len_text, bool *is_array)
{
	decl = trim(decl);
	char *end = decl + strlen(decl);
	*is_array = false;
	*len_text = NULL;
	if (end > decl && end[-1] == ']') {
		char *open = strrchr(decl, '[');
		if (!open)
			return false;
		end[-1] = 0;
		*len_text = trim(open + 1);
		*open = 0;
		*is_array = true;
		end = open;
	}
	while (end > decl && isspace((unsigned char)end[-1]))
		*--end = 0;
	char *name = end;
	while (name > decl && (isalnum((unsigned char)name[-1]) || name[-1] == '_'))
		name--;
	if (name == end)
		return false;
	f->name = arena_strdup(a, name);
	*name = 0;
	f->ctype = arena_strdup(a, trim(decl));
	return *f->ctype != 0;
}

static bool parse_field_line(struct arena *a, char *line, struct tp_field *f)
{
	char *decl = strstr(line, "field:");
	if (!decl)
		return false;
	decl += 6;
	char *semi = strchr(decl, ';');
	if (!semi)
		return false;
	*semi = 0;
	const char *rest = semi + 1;
	f->offset = field_attr(rest, "offset:");
	f->size = field_attr(rest, "size:");
	f->is_signed = field_attr(rest, "signed:") != 0;

	char *len_text;
	bool is_array;
	if (!parse_decl(a, decl, f, &len_text, &is_array))
		return false;
	f->is_common = strncmp(f->name, "common_", 7) == 0;
	f->val_size = f->size;
	f->val_signed = f->is_signed;
	if (strncmp(f->ctype, "__data_loc ", 11) == 0)
		classify_data_loc(a, f, f->ctype + 11, false);
	else if (strncmp(f->ctype, "__rel_loc ", 10) == 0)
		classify_data_loc(a, f, f->ctype + 10, true);
	else if (is_array)
		classify_array(a, f, len_text);
	else
		classify_scalar(a, f);
	return true;
}

static void parse_format(struct arena *a, char *text, struct tp_event *ev, struct vec *fields)
{
	for (char *line = text; line && *line;) {
		char *nl = strchr(line, '\n');
		if (nl)
			*nl = 0;
		if (strncmp(line, "ID:", 3) == 0) {
			ev->id = atoi(line + 3);
		} else {
			struct tp_field f = { 0 };
			if (parse_field_line(a, line, &f)) {
				struct tp_field *copy = arena_alloc(a, sizeof *copy);
				*copy = f;
				vec_push(a, fields, copy);
			}
		}
		line = nl ? nl + 1 : NULL;
	}
}

/* ==== BTF enrichment ================================================== */

static int find_raw_struct(const char *sig)
{
	int lo = 0, hi = nraw_sigs - 1;
	while (lo <= hi) {
		int mid = (lo + hi) / 2;
		int c = strcmp(raw_sigs[mid].sig, sig);
		if (c == 0) {
			while (mid > 0 && strcmp(raw_sigs[mid - 1].sig, sig) == 0)
				mid--;
			return raw_sigs[mid].id;
		}
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid - 1;
	}
	return 0;
}

/* The trace_event_raw_* struct laid out like this event's record: the
 * event's own, else its class's (events defined from a shared class use
 * the class's struct), matched by member names and offsets. */
static int raw_struct_for(struct tp_event *ev)
{
	struct strbuf b;
	sb_init(&b);
	for (int i = 0; i < ev->nfields; i++)
		if (!ev->fields[i].is_common)
			sb_printf(&b, "%s@%d;", ev->fields[i].name, ev->fields[i].offset);
	char *sig = sb_steal(&b);
	char own[512];
	snprintf(own, sizeof own, "trace_event_raw_%s", ev->name);
	int id = name_index_get(own, 's');
	if (id) {
		char *own_sig = raw_struct_signature(type_at(id));
		if (strcmp(own_sig, sig) != 0)
			id = 0;
		free(own_sig);
	}
	if (!id)
		id = find_raw_struct(sig);
	free(sig);
	return id;
}

static void attach_btf_types(struct arena *a, struct tp_event *ev)
{
	if (!tp_btf())
		return;
	int sid = raw_struct_for(ev);
	const struct btf_type *st = sid ? type_at(sid) : NULL;
	if (st)
		ev->btf_struct = arena_strdup(a, btf__name_by_offset(vmlinux_btf, st->name_off));
	for (int i = 0; i < ev->nfields; i++) {
		struct tp_field *f = &ev->fields[i];
		if (f->is_common || f->kind >= TP_FIELD_DATA_LOC_STR)
			continue; /* a u32 locator in BTF: nothing to add */
		int mid = 0;
		if (st && find_member(st, f->name, &mid)) {
			f->btf_id = mid;
			f->btf_ptr_depth = 0;
		} else if (f->kind != TP_FIELD_ARRAY && f->kind != TP_FIELD_CHAR_ARRAY) {
			tp_btf_type_from_text(f->ctype, &f->btf_id, &f->btf_ptr_depth);
		}
		/* A typedef'd pointer (cap_user_header_t) names its pointee in BTF only. */
		if (f->kind == TP_FIELD_POINTER && !f->elem_ctype && f->btf_id) {
			struct tp_place p = { .id = f->btf_id, .ptr_depth = f->btf_ptr_depth };
			if (tp_place_index(&p))
				f->elem_ctype = tp_place_type_name(a, p);
		}
	}
}

/* ==== BTF-only catalog (no tracefs) =================================== */

static void btf_fields_from_struct(struct arena *a, struct tp_event *ev, int sid, struct vec *fields)
{
	const struct btf_type *st = type_at(sid);
	const struct btf_member *m = btf_members(st);
	for (int i = 0; i < btf_vlen(st); i++, m++) {
		const char *n = btf__name_by_offset(vmlinux_btf, m->name_off);
		if (!n || !*n || strcmp(n, "__data") == 0)
			continue;
		int off = (int)btf_member_bit_offset(st, (__u32)i) / 8;
		if (strcmp(n, "ent") == 0) {
			/* struct trace_entry: the common fields. */
			int eid = (int)m->type;
			const struct btf_type *et = skip_mods(&eid);
			if (et && btf_is_struct(et)) {
				int first = fields->n;
				btf_fields_from_struct(a, ev, eid, fields);
				for (int k = first; k < fields->n; k++) {
					struct tp_field *cf = fields->v[k];
					cf->is_common = true;
					cf->name = arena_printf(a, "common_%s", cf->name);
				}
			}
			continue;
		}
		struct tp_field *f = arena_alloc(a, sizeof *f);
		f->name = arena_strdup(a, raw_member_name(n));
		f->offset = off;
		f->size = (int)btf__resolve_size(vmlinux_btf, m->type);
		f->btf_id = (int)m->type;
		struct tp_place p = { .id = f->btf_id };
		f->ctype = tp_place_type_name(a, p);
		if (raw_member_name(n) != n) {
			/* BTF cannot tell the element type: most are strings. */
			f->kind = TP_FIELD_DATA_LOC_STR;
			f->elem_ctype = "char";
			f->elem_size = 1;
			f->btf_id = 0;
		} else {
			switch (tp_place_class(p)) {
			case TP_VALUE_INT: {
				int id = f->btf_id;
				const struct btf_type *t = skip_mods(&id);
				f->kind = TP_FIELD_INT;
				f->is_signed = btf_is_int(t) ? (btf_int_encoding(t) & BTF_INT_SIGNED) != 0
				                             : btf_kflag(t);
				break;
			}
			case TP_VALUE_POINTER: f->kind = TP_FIELD_POINTER; break;
			case TP_VALUE_CHAR_ARRAY:
			case TP_VALUE_ARRAY: {
				int id = f->btf_id;
				const struct btf_type *t = skip_mods(&id);
				f->kind = tp_place_class(p) == TP_VALUE_CHAR_ARRAY ? TP_FIELD_CHAR_ARRAY
				                                                   : TP_FIELD_ARRAY;
				f->array_len = (int)btf_array(t)->nelems;
				f->elem_size = f->array_len ? f->size / f->array_len : 0;
				struct tp_place e = { .id = (int)btf_array(t)->type };
				f->elem_ctype = tp_place_type_name(a, e);
				break;
			}
			default: f->kind = TP_FIELD_OTHER; break;
			}
		}
		f->val_size = f->size;
		f->val_signed = f->is_signed;
		vec_push(a, fields, f);
	}
}

static const char *btf_trace_event_name(int id)
{
	const struct btf_type *t = type_at(id);
	if (!btf_is_typedef(t))
		return NULL;
	const char *n = btf__name_by_offset(vmlinux_btf, t->name_off);
	return n && strncmp(n, "btf_trace_", 10) == 0 ? n + 10 : NULL;
}

/* Every tracepoint has a btf_trace_<name> typedef; its group is unknown. */
static void list_from_btf(struct arena *a, const char *pattern, struct vec *out)
{
	int n = (int)btf__type_cnt(vmlinux_btf);
	for (int id = 1; id < n; id++) {
		const char *name = btf_trace_event_name(id);
		if (!name || !tp_pattern_match(pattern, "", name))
			continue;
		struct tp_event *ev = arena_alloc(a, sizeof *ev);
		ev->group = "";
		ev->name = arena_strdup(a, name);
		ev->id = -1;
		vec_push(a, out, ev);
	}
}

/* ==== listing ========================================================= */

static bool is_dir_entry(int dfd, const struct dirent *d)
{
	if (d->d_name[0] == '.')
		return false;
	if (d->d_type == DT_DIR)
		return true;
	if (d->d_type != DT_UNKNOWN)
		return false;
	struct stat st;
	return fstatat(dfd, d->d_name, &st, 0) == 0 && S_ISDIR(st.st_mode);
}

static bool is_event_dir(const char *dir)
{
	char path[4096];
	snprintf(path, sizeof path, "%s/id", dir);
	if (access(path, F_OK) == 0)
		return true;
	snprintf(path, sizeof path, "%s/format", dir);
	return access(path, F_OK) == 0;
}

static void list_group(struct arena *a, const char *events, const char *group,
                       const char *pattern, struct vec *out)
{
	char gdir[4096];
	snprintf(gdir, sizeof gdir, "%s/%s", events, group);
	DIR *d = opendir(gdir);
	if (!d)
		return;
	struct dirent *e;
	while ((e = readdir(d))) {
		if (!is_dir_entry(dirfd(d), e) || !tp_pattern_match(pattern, group, e->d_name))
			continue;
		char edir[4096 + 256];
		snprintf(edir, sizeof edir, "%s/%s", gdir, e->d_name);
		if (!is_event_dir(edir))
			continue;
		struct tp_event *ev = arena_alloc(a, sizeof *ev);
		ev->group = arena_strdup(a, group);
		ev->name = arena_strdup(a, e->d_name);
		ev->id = -1;
		vec_push(a, out, ev);
	}
	closedir(d);
}

static bool group_may_match(const char *pattern, const char *group)
{
	const char *colon = strchr(pattern, ':');
	if (!colon)
		return true;
	char gpat[256];
	size_t glen = (size_t)(colon - pattern);
	if (glen >= sizeof gpat)
		return false;
	memcpy(gpat, pattern, glen);
	gpat[glen] = 0;
	return fnmatch(gpat, group, 0) == 0;
}

static void list_from_tracefs(struct arena *a, const char *root, const char *pattern, struct vec *out)
{
	char events[4096];
	snprintf(events, sizeof events, "%s/events", root);
	DIR *d = opendir(events);
	if (!d)
		return;
	struct dirent *g;
	while ((g = readdir(d))) {
		/* ftrace/ describes the tracer's own records, not tracepoints. */
		if (!is_dir_entry(dirfd(d), g) || strcmp(g->d_name, "ftrace") == 0 ||
		    !group_may_match(pattern, g->d_name))
			continue;
		list_group(a, events, g->d_name, pattern, out);
	}
	closedir(d);
}

static int cmp_events(const void *x, const void *y)
{
	const struct tp_event *a = *(const struct tp_event *const *)x;
	const struct tp_event *b = *(const struct tp_event *const *)y;
	int c = strcmp(a->group, b->group);
	return c ? c : strcmp(a->name, b->name);
}

int tp_list(struct arena *a, const char *pattern, struct vec *out)
{
	int before = out->n;
	const char *root = tp_tracefs_dir();
	if (root)
		list_from_tracefs(a, root, pattern, out);
	else if (tp_btf())
		list_from_btf(a, pattern, out);
	else
		return -1;
	int added = out->n - before;
	if (added > 1)
		qsort(out->v + before, (size_t)added, sizeof(void *), cmp_events);
	return added;
}

/* ==== loading one event =============================================== */

static void set_fields(struct arena *a, struct tp_event *ev, struct vec *fields)
{
	ev->nfields = fields->n;
	ev->fields = arena_alloc(a, sizeof(struct tp_field) * (size_t)(fields->n ? fields->n : 1));
	for (int i = 0; i < fields->n; i++)
		ev->fields[i] = *(struct tp_field *)fields->v[i];
	ev->fields_loaded = true;
}

static bool load_from_tracefs(struct arena *a, const char *root, struct tp_event *ev)
{
	char path[4096];
	snprintf(path, sizeof path, "%s/events/%s/%s/format", root, ev->group, ev->name);
	char *text = read_file(path, NULL);
	if (!text)
		return false;
	struct vec fields = { 0 };
	parse_format(a, text, ev, &fields);
	free(text);
	set_fields(a, ev, &fields);
	attach_btf_types(a, ev);
	return true;
}

static bool load_from_btf(struct arena *a, struct tp_event *ev)
{
	if (!tp_btf())
		return false;
	char tname[512];
	snprintf(tname, sizeof tname, "btf_trace_%s", ev->name);
	if (!name_index_get(tname, 't'))
		return false;
	struct vec fields = { 0 };
	snprintf(tname, sizeof tname, "trace_event_raw_%s", ev->name);
	int sid = name_index_get(tname, 's');
	if (sid) {
		btf_fields_from_struct(a, ev, sid, &fields);
		ev->btf_struct = arena_strdup(a, tname);
	}
	set_fields(a, ev, &fields);
	return true;
}

bool tp_event_load_fields(struct arena *a, struct tp_event *ev)
{
	if (ev->fields_loaded)
		return true;
	const char *root = tp_tracefs_dir();
	if (root && *ev->group)
		return load_from_tracefs(a, root, ev);
	return load_from_btf(a, ev);
}

struct tp_event *tp_event_load(struct arena *a, const char *group, const char *name)
{
	if (strchr(group, '/') || strchr(name, '/') || !*name || strcmp(group, "ftrace") == 0)
		return NULL;
	struct tp_event *ev = arena_alloc(a, sizeof *ev);
	ev->group = arena_strdup(a, group);
	ev->name = arena_strdup(a, name);
	ev->id = -1;
	return tp_event_load_fields(a, ev) ? ev : NULL;
}

const struct tp_field *tp_event_field(const struct tp_event *ev, const char *name)
{
	for (int i = 0; i < ev->nfields; i++)
		if (strcmp(ev->fields[i].name, name) == 0)
			return &ev->fields[i];
	return NULL;
}

bool tp_field_is_string(const struct tp_field *f)
{
	return f->kind == TP_FIELD_CHAR_ARRAY || f->kind == TP_FIELD_DATA_LOC_STR ||
	       f->kind == TP_FIELD_REL_LOC_STR;
}
