/* Probes that share one kernel program. A pattern that names a thousand
 * places (process.library("*").plt, kernel.function("tcp_*")) gives a
 * thousand probes with the same body; compiling a program for each takes
 * clang minutes and the kernel a program per place. Where the runtime can
 * tell the attachments of one program apart (BPF: each attachment's
 * cookie), probes whose bodies and entries come out the same run one
 * program, which reads its probe from the cookie: pp(), $$name and the
 * like then come from tables indexed by the probe. */
#include "emit_internal.h"

#include <stdlib.h>
#include <string.h>

/* A string that differs by probe at one place of the script ($$name at a
 * PLT entry): its value for each probe. */
struct em_probe_str {
	struct loc at;
	const char **values; /* by probe index; NULL: the probe has none */
};

static bool same_loc(struct loc a, struct loc b)
{
	return a.file == b.file && a.line == b.line && a.col == b.col;
}

const char *em_probe_str(struct em_fn *f, struct loc at, const char *text)
{
	if (!f->probe)
		return em_str_literal(f, text);
	struct emitter *em = f->em;
	struct em_probe_str *ps = NULL;
	int k = 0;
	for (; k < em->probe_strs.n; k++) {
		struct em_probe_str *x = VEC_AT(em->probe_strs, k, struct em_probe_str *);
		if (same_loc(x->at, at)) {
			ps = x;
			break;
		}
	}
	if (!ps) {
		ps = arena_alloc(em->a, sizeof(*ps));
		ps->at = at;
		ps->values = arena_alloc(em->a, sizeof(*ps->values) * (size_t)(em->probes.n ? em->probes.n : 1));
		vec_push(em->a, &em->probe_strs, ps);
	}
	ps->values[f->probe->index] = arena_strdup(em->a, text);
	const char *s = em_tmp_str(f);
	em_line(f, "btap_ps%d_tab_(c, %s);", k, s);
	return s;
}

/* NAME_tab_(c, s): the running probe's text of values (by probe index)
 * into s, from a table of rows as wide as the longest (a switch of
 * literal copies grows a shared program past BPF's jump range with a
 * thousand probes); a row is copied whole, as a literal is. */
void em_probe_table(struct emitter *em, struct strbuf *b, const char *name, const char **values)
{
	size_t width = 1;
	VEC_FOREACH(em->probes, i) {
		size_t n = values[i] ? strlen(values[i]) : 0;
		if (n > (size_t)em->msl - 1)
			n = (size_t)em->msl - 1;
		if (n + 1 > width)
			width = n + 1;
	}
	int rows = em->probes.n ? em->probes.n : 1;
	sb_printf(b, "static const char %s_rows_[%d][%zu] = {\n", name, rows, width);
	VEC_FOREACH(em->probes, i) {
		size_t n = values[i] ? strlen(values[i]) : 0;
		if (n > width - 1)
			n = width - 1;
		sb_puts(b, "\t");
		em_c_string(b, values[i] ? values[i] : "", n);
		sb_puts(b, ",\n");
	}
	if (!em->probes.n)
		sb_puts(b, "\t\"\",\n");
	sb_printf(b, "};\nstatic BTAP_INLINE char *%s_tab_(struct btap_ctx *c, char *s)\n{\n"
		     "\tunsigned i = (unsigned)c->probe;\n"
		     "\tif (i >= %d) {\n\t\ts[0] = 0;\n\t\treturn s;\n\t}\n"
		     "\treturn btap_str_lit(s, %s_rows_[i]);\n}\n\n", name, rows, name);
}

void em_probe_str_functions(struct emitter *em, struct strbuf *b)
{
	VEC_FOREACH(em->probe_strs, k) {
		const struct em_probe_str *ps = VEC_AT(em->probe_strs, k, const struct em_probe_str *);
		em_probe_table(em, b, arena_printf(em->a, "btap_ps%d", (int)k), ps->values);
	}
}

static uint64_t hash_text(uint64_t h, const char *s)
{
	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 1099511628211ull;
	return (h ^ 0xff) * 1099511628211ull;
}

struct share_slot {
	uint64_t hash;
	const char *key;
	struct em_probe *rep;
};

void em_share_programs(struct emitter *em)
{
	if (!em->rt->share_key || em->probes.n < 2)
		return;
	size_t cap = 16;
	while (cap < (size_t)em->probes.n * 2)
		cap <<= 1;
	struct share_slot *table = xcalloc(cap, sizeof(*table));
	VEC_FOREACH(em->probes, i) {
		struct em_probe *ep = VEC_AT(em->probes, i, struct em_probe *);
		const char *key = ep->where == EM_CTX_KERNEL ? em->rt->share_key(em, ep) : NULL;
		if (!key)
			continue;
		uint64_t h = hash_text(hash_text(hash_text(14695981039346656037ull, key), ep->types_text),
				       ep->code_text);
		size_t at = (size_t)h & (cap - 1);
		for (;; at = (at + 1) & (cap - 1)) {
			struct share_slot *s = &table[at];
			if (!s->rep) {
				*s = (struct share_slot){h, key, ep};
				break;
			}
			if (s->hash == h && strcmp(s->key, key) == 0 && strcmp(s->rep->types_text, ep->types_text) == 0 &&
			    strcmp(s->rep->code_text, ep->code_text) == 0) {
				ep->rep = s->rep;
				s->rep->shared = true;
				/* a kprobe's entry copies the widest probe's arguments
				 * (registers past a function's own are unread) */
				if (ep->at.kind == ATTACH_KPROBE && ep->at.kprobe.nslots > s->rep->at.kprobe.nslots)
					s->rep->at.kprobe.nslots = ep->at.kprobe.nslots;
				break;
			}
		}
	}
	free(table);
}

void em_put_tagged(struct strbuf *out, const char *text, int index)
{
	for (const char *s = text; *s;) {
		const char *tag = strchr(s, EM_PROBE_TAG_CHAR);
		if (!tag) {
			sb_puts(out, s);
			return;
		}
		sb_putn(out, s, (size_t)(tag - s));
		sb_printf(out, "%d", index);
		s = tag + 1;
	}
}
