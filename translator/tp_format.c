/* The tracefs `format` file of an event: its id and its fields, each
 * classified (integer, pointer, char array, __data_loc string ...) from
 * the type text, with the kernel's BTF for typedefs the text cannot
 * size. */
#include "tp_catalog.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

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
	int n = type_text_words(ctype, words, 8, &stars);
	*is_pointer = stars > 0;
	*is_aggregate = false;
	if (n > 0 && !stars && type_text_int(words, n, size, is_signed))
		return true;
	struct tplace p;
	if (!tplace_from_text(type_source_kernel(), ctype, &p) || p.ptr_depth)
		return false;
	type_id id = tsrc_resolve(p.src, p.id);
	switch (tsrc_kind(p.src, id)) {
	case TYPE_POINTER:
		*is_pointer = true;
		return false;
	case TYPE_INT:
	case TYPE_ENUM:
		*size = (int)tsrc_size(p.src, id);
		*is_signed = tsrc_is_signed(p.src, id);
		return true;
	case TYPE_STRUCT:
	case TYPE_UNION:
	case TYPE_ARRAY:
		*is_aggregate = true;
		return false;
	default:
		return false;
	}
}

/* Size of any type text BTF knows (cpumask_t, struct foo); 0 if unknown. */
static int btf_text_size(const char *ctype)
{
	struct tplace p;
	if (!tplace_from_text(type_source_kernel(), ctype, &p))
		return 0;
	return tplace_size(p);
}

static bool is_plain_char(const char *ctype)
{
	char words[8][64];
	int stars;
	int n = type_text_words(ctype, words, 8, &stars);
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

void tp_format_parse(struct arena *a, char *text, struct tp_event *ev, struct vec *fields)
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
