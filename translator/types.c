/* The type walker: places ($p->a[i]->b) walked over any type source, the
 * questions of types.h dispatched to the source, C type text resolved
 * against a source, and the name index the sources share. */
#include "type_source.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

/* ==== dispatch ======================================================== */

enum type_kind tsrc_kind(const struct type_source *src, type_id id)
{
	if (!id)
		return TYPE_VOID;
	return src ? src->ops->kind(src, id) : TYPE_UNKNOWN;
}

const char *tsrc_name(const struct type_source *src, type_id id)
{
	return src && id ? src->ops->name(src, id) : NULL;
}

long long tsrc_size(const struct type_source *src, type_id id)
{
	if (!src || !id)
		return 0;
	long long sz = src->ops->size(src, id);
	return sz > 0 ? sz : 0;
}

type_id tsrc_next(const struct type_source *src, type_id id)
{
	return src && id ? src->ops->next(src, id) : 0;
}

bool tsrc_is_signed(const struct type_source *src, type_id id)
{
	return src && id && src->ops->is_signed(src, id);
}

int tsrc_count(const struct type_source *src, type_id id)
{
	return src && id ? src->ops->count(src, id) : 0;
}

bool tsrc_member(const struct type_source *src, type_id id, int i, struct type_member *m)
{
	return src && id && src->ops->member(src, id, i, m);
}

bool tsrc_enumerator(const struct type_source *src, type_id id, int i, const char **name, long long *value)
{
	return src && id && src->ops->enumerator(src, id, i, name, value);
}

type_id tsrc_find(const struct type_source *src, enum type_kind kind, const char *name)
{
	return src && name && *name ? src->ops->find(src, kind, name) : 0;
}

void tsrc_each(const struct type_source *src, enum type_kind kind,
               void (*fn)(type_id id, const char *name, void *ctx), void *ctx)
{
	if (src)
		src->ops->each(src, kind, fn, ctx);
}

static bool is_modifier(enum type_kind k)
{
	return k == TYPE_CONST || k == TYPE_VOLATILE || k == TYPE_RESTRICT || k == TYPE_MODIFIER;
}

type_id tsrc_resolve(const struct type_source *src, type_id id)
{
	for (int guard = 0; guard < 64; guard++) {
		enum type_kind k = tsrc_kind(src, id);
		if (k != TYPE_TYPEDEF && !is_modifier(k))
			return id;
		id = tsrc_next(src, id);
	}
	return 0; /* a loop of typedefs: a broken source */
}

bool type_source_kernel_memory(const struct type_source *src)
{
	return src && (src->kernel_memory || type_source_btf(src));
}

const char *type_source_what(const struct type_source *src)
{
	return src ? src->what : "no type information";
}

const struct btf *type_source_btf(const struct type_source *src)
{
	return src && src->ops->btf ? src->ops->btf(src) : NULL;
}

const struct btf *kernel_btf(void)
{
	return type_source_btf(type_source_kernel());
}

void type_source_close(struct type_source *src)
{
	if (src && src != type_source_kernel())
		src->ops->close(src);
}

/* ==== the name index ================================================== */

static uint64_t name_hash(const char *s, enum type_kind kind)
{
	uint64_t h = 1469598103934665603ull ^ (unsigned)kind;
	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 1099511628211ull;
	return h;
}

/* The slot holding (kind, name), or the empty slot where it would go. */
static uint64_t *index_slot(const struct type_name_index *x, enum type_kind kind, const char *name, uint64_t h)
{
	size_t mask = x->nslots - 1;
	uint64_t tag = h >> 32;
	for (size_t i = h & mask;; i = (i + 1) & mask) {
		uint64_t *s = &x->slots[i];
		if (!*s)
			return s;
		if (*s >> 32 != tag)
			continue;
		const struct type_name_entry *e = &x->v[(uint32_t)*s - 1];
		if (e->kind == kind && strcmp(e->name, name) == 0)
			return s;
	}
}

static uint64_t slot_value(uint64_t h, size_t entry)
{
	return (h >> 32) << 32 | (uint32_t)(entry + 1);
}

/* Room for want entries, the hash at most half full. */
static void index_grow(struct type_name_index *x, size_t want)
{
	if (want > x->cap) {
		x->cap = want > x->cap * 2 ? want : x->cap * 2;
		x->v = xrealloc(x->v, sizeof *x->v * x->cap);
	}
	if (want * 2 <= x->nslots)
		return;
	size_t nslots = x->nslots ? x->nslots : 1024;
	while (nslots < want * 2)
		nslots *= 2;
	free(x->slots);
	x->slots = xcalloc(nslots, sizeof *x->slots);
	x->nslots = nslots;
	for (size_t i = 0; i < x->n; i++) {
		uint64_t h = name_hash(x->v[i].name, x->v[i].kind);
		uint64_t *s = index_slot(x, x->v[i].kind, x->v[i].name, h);
		if (!*s)
			*s = slot_value(h, i);
	}
}

void type_name_index_reserve(struct type_name_index *x, size_t n)
{
	index_grow(x, x->n + n);
}

void type_name_index_put(struct type_name_index *x, enum type_kind kind, const char *name, type_id id)
{
	index_grow(x, x->n + 1);
	x->v[x->n] = (struct type_name_entry){ name, id, kind };
	uint64_t h = name_hash(name, kind);
	uint64_t *s = index_slot(x, kind, name, h);
	if (!*s)
		*s = slot_value(h, x->n); /* the first definition of a name is found */
	x->n++;
}

type_id type_name_index_get(const struct type_name_index *x, enum type_kind kind, const char *name)
{
	if (!x->nslots)
		return 0;
	uint64_t *s = index_slot(x, kind, name, name_hash(name, kind));
	return *s ? x->v[(uint32_t)*s - 1].id : 0;
}

void type_name_index_each(const struct type_name_index *x, enum type_kind kind,
                          void (*fn)(type_id id, const char *name, void *ctx), void *ctx)
{
	for (size_t i = 0; i < x->n; i++)
		if (x->v[i].kind == kind)
			fn(x->v[i].id, x->v[i].name, ctx);
}

void type_name_index_free(struct type_name_index *x)
{
	free(x->v);
	free(x->slots);
	*x = (struct type_name_index){ 0 };
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

int type_text_words(const char *text, char words[][64], int max, int *stars)
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

/* C integer keywords to size, signedness and the names compilers give
 * the type: GCC's (which BTF keeps, as pahole reads GCC's DWARF) and
 * clang's. */
static bool keyword_int(char words[][64], int n, int *size, bool *is_signed, const char **gcc_name,
                        const char **clang_name)
{
	int nlong = 0, nshort = 0, nchar = 0, nunsigned = 0, nsigned = 0, nbool = 0;
	for (int i = 0; i < n; i++) {
		const char *w = words[i];
		if (strcmp(w, "long") == 0) nlong++;
		else if (strcmp(w, "short") == 0) nshort++;
		else if (strcmp(w, "char") == 0) nchar++;
		else if (strcmp(w, "int") == 0) continue;
		else if (strcmp(w, "unsigned") == 0) nunsigned++;
		else if (strcmp(w, "signed") == 0) nsigned++;
		else if (strcmp(w, "_Bool") == 0 || strcmp(w, "bool") == 0) nbool++;
		else return false;
	}
	if (n == 0)
		return false;
	bool u = nunsigned > 0;
	const char *g, *c;
	if (nbool) {
		*size = 1, *is_signed = false, g = c = "_Bool";
	} else if (nchar) {
		*size = 1, *is_signed = nsigned > 0;
		g = c = u ? "unsigned char" : nsigned ? "signed char" : "char";
	} else if (nshort) {
		*size = 2, *is_signed = !u;
		g = u ? "short unsigned int" : "short int", c = u ? "unsigned short" : "short";
	} else if (nlong >= 2) {
		*size = 8, *is_signed = !u;
		g = u ? "long long unsigned int" : "long long int", c = u ? "unsigned long long" : "long long";
	} else if (nlong == 1) {
		*size = 8, *is_signed = !u;
		g = u ? "long unsigned int" : "long int", c = u ? "unsigned long" : "long";
	} else {
		*size = 4, *is_signed = !u, g = c = u ? "unsigned int" : "int";
	}
	*gcc_name = g;
	*clang_name = c;
	return true;
}

bool type_text_int(char words[][64], int n, int *size, bool *is_signed)
{
	const char *g, *c;
	return keyword_int(words, n, size, is_signed, &g, &c);
}

bool tplace_from_text(const struct type_source *src, const char *ctype, struct tplace *p)
{
	char words[8][64];
	int stars;
	int n = type_text_words(ctype, words, 8, &stars);
	*p = (struct tplace){ .src = src, .ptr_depth = stars };
	if (n <= 0 || !src)
		return false;
	if (n == 1 && strcmp(words[0], "void") == 0)
		return true; /* void: id 0 */
	if (n == 2) {
		enum type_kind k = strcmp(words[0], "struct") == 0 ? TYPE_STRUCT
		                 : strcmp(words[0], "union") == 0  ? TYPE_UNION
		                 : strcmp(words[0], "enum") == 0   ? TYPE_ENUM : TYPE_VOID;
		if (k != TYPE_VOID) {
			p->id = tsrc_find(src, k, words[1]);
			return p->id != 0;
		}
	}
	int size;
	bool sgn;
	const char *gcc_name, *clang_name;
	if (keyword_int(words, n, &size, &sgn, &gcc_name, &clang_name)) {
		p->id = tsrc_find(src, TYPE_INT, gcc_name);
		if (!p->id)
			p->id = tsrc_find(src, TYPE_INT, clang_name);
		return p->id != 0;
	}
	if (n == 1) {
		p->id = tsrc_find(src, TYPE_TYPEDEF, words[0]);
		if (!p->id)
			p->id = tsrc_find(src, TYPE_INT, words[0]);
		return p->id != 0;
	}
	return false;
}

bool tplace_for_cast(const struct type_source *src, const char *type_text, struct tplace *p)
{
	memset(p, 0, sizeof *p);
	if (!src)
		return false;
	struct tplace t;
	if (!tplace_from_text(src, type_text, &t)) {
		/* A bare name: stap looks for a struct, then a union. */
		char words[8][64];
		int stars;
		if (type_text_words(type_text, words, 8, &stars) != 1)
			return false;
		t.id = tsrc_find(src, TYPE_STRUCT, words[0]);
		if (!t.id)
			t.id = tsrc_find(src, TYPE_UNION, words[0]);
		if (!t.id)
			return false;
		t.ptr_depth = stars;
	}
	if (!t.id)
		return false;
	*p = (struct tplace){ .src = src, .id = t.id, .ptr_depth = t.ptr_depth + 1 };
	return true;
}

/* ==== places ========================================================== */

static bool is_aggregate(enum type_kind k)
{
	return k == TYPE_STRUCT || k == TYPE_UNION;
}

static bool is_fwd(enum type_kind k)
{
	return k == TYPE_FWD_STRUCT || k == TYPE_FWD_UNION;
}

static bool is_char_int(const struct type_source *src, type_id id)
{
	if (tsrc_kind(src, id) != TYPE_INT || tsrc_size(src, id) != 1)
		return false;
	const char *n = tsrc_name(src, id);
	return n && strstr(n, "char");
}

bool tplace_known(struct tplace p)
{
	return p.id != 0 || p.ptr_depth > 0;
}

enum tplace_class tplace_class(struct tplace p)
{
	if (p.ptr_depth > 0)
		return TPLACE_POINTER;
	if (!p.src || !p.id)
		return TPLACE_UNKNOWN;
	type_id id = tsrc_resolve(p.src, p.id);
	switch (tsrc_kind(p.src, id)) {
	case TYPE_INT:
	case TYPE_ENUM:
		return TPLACE_INT;
	case TYPE_POINTER:
		return TPLACE_POINTER;
	case TYPE_ARRAY:
		return is_char_int(p.src, tsrc_resolve(p.src, tsrc_next(p.src, id))) ? TPLACE_CHAR_ARRAY
		                                                                   : TPLACE_ARRAY;
	case TYPE_STRUCT:
	case TYPE_UNION:
	case TYPE_FWD_STRUCT:
	case TYPE_FWD_UNION:
		return TPLACE_AGGREGATE;
	default:
		return TPLACE_UNKNOWN;
	}
}

/* A declared struct's definition, if the source has one; 0 if not. */
static type_id complete_aggregate(const struct type_source *src, type_id id)
{
	enum type_kind k = tsrc_kind(src, id);
	if (!is_fwd(k))
		return id;
	return tsrc_find(src, k == TYPE_FWD_UNION ? TYPE_UNION : TYPE_STRUCT, tsrc_name(src, id));
}

/* The member called name, searching anonymous members; its offset from
 * the start of agg and its width if a bitfield. */
static bool find_member_at(const struct type_source *src, type_id agg, const char *name, struct type_member *out)
{
	int n = tsrc_count(src, agg);
	for (int i = 0; i < n; i++) {
		struct type_member m;
		if (!tsrc_member(src, agg, i, &m))
			continue;
		if (m.name) {
			if (strcmp(m.name, name) == 0) {
				*out = m;
				return true;
			}
			continue;
		}
		/* Anonymous struct/union: its members belong to this one. */
		type_id sub = tsrc_resolve(src, m.type);
		if (is_aggregate(tsrc_kind(src, sub)) && find_member_at(src, sub, name, out)) {
			out->bit_offset += m.bit_offset;
			return true;
		}
	}
	return false;
}

/* The aggregate a '->' or a member list applies to: through one pointer
 * level of the place (ptr_depth 1) or of its type; 0 if none. */
static type_id aggregate_of(struct tplace p, bool through_type_pointer)
{
	type_id id = tsrc_resolve(p.src, p.id);
	enum type_kind k = tsrc_kind(p.src, id);
	if (p.ptr_depth == 0 && k == TYPE_POINTER && through_type_pointer) {
		id = tsrc_resolve(p.src, tsrc_next(p.src, id));
		k = tsrc_kind(p.src, id);
	}
	if (!is_aggregate(k) && !is_fwd(k))
		return 0;
	return complete_aggregate(p.src, id);
}

bool tplace_member(struct tplace *p, const char *name)
{
	if (!p->src || !p->id || p->ptr_depth > 1)
		return false;
	/* "->" works through one pointer, and on a struct held by value
	 * (a member of an outer struct), as in stap. */
	type_id agg = aggregate_of(*p, true);
	struct type_member m;
	if (!agg || !find_member_at(p->src, agg, name, &m))
		return false;
	p->id = m.type;
	p->ptr_depth = 0;
	p->member_bits = m.bit_offset;
	p->bit_size = m.bit_size;
	return true;
}

bool tplace_index(struct tplace *p)
{
	p->member_bits = p->bit_size = 0;
	if (p->ptr_depth > 0) {
		p->ptr_depth--;
		return true;
	}
	if (!p->src || !p->id)
		return false;
	type_id id = tsrc_resolve(p->src, p->id);
	enum type_kind k = tsrc_kind(p->src, id);
	if (k == TYPE_POINTER || k == TYPE_ARRAY) {
		p->id = tsrc_next(p->src, id);
		return true;
	}
	return false;
}

static void type_name_into(struct strbuf *b, const struct type_source *src, type_id id, int depth)
{
	enum type_kind k = tsrc_kind(src, id);
	const char *n = tsrc_name(src, id);
	switch (k) {
	case TYPE_VOID:
		sb_puts(b, "void");
		break;
	case TYPE_CONST:
		/* a const array of const elements is spelled with one const */
		if (b->len < 6 || strcmp(b->s + b->len - 6, "const ") != 0)
			sb_puts(b, "const ");
		type_name_into(b, src, tsrc_next(src, id), 0);
		break;
	case TYPE_VOLATILE:
	case TYPE_RESTRICT:
	case TYPE_MODIFIER:
		type_name_into(b, src, tsrc_next(src, id), 0);
		break;
	case TYPE_POINTER:
		type_name_into(b, src, tsrc_next(src, id), 1);
		break;
	case TYPE_ARRAY:
		type_name_into(b, src, tsrc_next(src, id), 0);
		sb_printf(b, "[%d]", tsrc_count(src, id));
		break;
	case TYPE_STRUCT:
		sb_printf(b, "struct %s", n ? n : "(anon)");
		break;
	case TYPE_UNION:
		sb_printf(b, "union %s", n ? n : "(anon)");
		break;
	case TYPE_ENUM:
		sb_printf(b, "enum %s", n ? n : "(anon)");
		break;
	case TYPE_FWD_STRUCT:
	case TYPE_FWD_UNION:
		sb_printf(b, "%s %s", k == TYPE_FWD_UNION ? "union" : "struct", n ? n : "?");
		break;
	case TYPE_FUNC:
		sb_puts(b, "function");
		break;
	default:
		sb_puts(b, n ? n : "?");
		break;
	}
	if (depth > 0) {
		sb_putc(b, ' ');
		for (int i = 0; i < depth; i++)
			sb_putc(b, '*');
	}
}

const char *tplace_type_name(struct arena *a, struct tplace p)
{
	struct strbuf b;
	sb_init(&b);
	type_name_into(&b, p.src, p.id, 0);
	for (int i = 0; i < p.ptr_depth; i++)
		sb_puts(&b, i ? "*" : " *");
	char *s = arena_strdup(a, b.s ? b.s : "");
	sb_free(&b);
	return s;
}

bool tplace_int(struct tplace p, int *size, bool *is_signed)
{
	if (tplace_class(p) != TPLACE_INT)
		return false;
	type_id id = tsrc_resolve(p.src, p.id);
	*size = (int)tsrc_size(p.src, id);
	*is_signed = tsrc_is_signed(p.src, id);
	return *size == 1 || *size == 2 || *size == 4 || *size == 8;
}

int tplace_size(struct tplace p)
{
	if (p.ptr_depth > 0)
		return 8;
	return (int)tsrc_size(p.src, p.id);
}

int tplace_array_len(struct tplace p)
{
	if (p.ptr_depth > 0 || !p.src || !p.id)
		return 0;
	type_id id = tsrc_resolve(p.src, p.id);
	return tsrc_kind(p.src, id) == TYPE_ARRAY ? tsrc_count(p.src, id) : 0;
}

const char *tplace_c_name(struct arena *a, struct tplace p, const char **hdr_name)
{
	if (p.ptr_depth > 0 || !p.src || !p.id)
		return NULL;
	type_id id = p.id;
	for (int guard = 0; guard < 64 && is_modifier(tsrc_kind(p.src, id)); guard++)
		id = tsrc_next(p.src, id);
	enum type_kind k = tsrc_kind(p.src, id);
	const char *n = tsrc_name(p.src, id);
	if (!n)
		return NULL;
	const char *kw = k == TYPE_TYPEDEF ? "typedef "
	               : k == TYPE_STRUCT || k == TYPE_FWD_STRUCT ? "struct "
	               : k == TYPE_UNION || k == TYPE_FWD_UNION ? "union " : NULL;
	if (!kw)
		return NULL;
	*hdr_name = arena_printf(a, "%s%s", kw, n);
	return k == TYPE_TYPEDEF ? arena_strdup(a, n) : *hdr_name;
}

int tplace_members(struct tplace p, const char **names, struct tplace *places, int max)
{
	if (p.ptr_depth > 1 || !p.src || !p.id)
		return -1;
	/* At depth 1 the place points to the aggregate; at depth 0 its type
	 * may be that pointer. */
	type_id agg = aggregate_of(p, p.ptr_depth == 0);
	if (!agg)
		return -1;
	int count = tsrc_count(p.src, agg), n = 0;
	for (int i = 0; i < count && n < max; i++) {
		struct type_member m;
		if (!tsrc_member(p.src, agg, i, &m))
			continue;
		names[n] = m.name;
		places[n] = (struct tplace){ .src = p.src, .id = m.type, .member_bits = m.bit_offset,
		                             .bit_size = m.bit_size };
		n++;
	}
	return n;
}

bool tplace_is_char(struct tplace p)
{
	if (p.ptr_depth > 0 || !p.src || !p.id)
		return false;
	return is_char_int(p.src, tsrc_resolve(p.src, p.id));
}
