/* Pass 3 for regular expressions: `s =~ "re"` and `s !~ "re"`.
 *
 * Each distinct pattern is compiled once into a DFA (
 * regex_dfa.c); its tables join the program's three regex tables, and a
 * match is one call of the shared matcher (runtime/btap_regex.h) with the
 * pattern's offsets into them, the same text in both builds. The runner
 * build also notes the subject of the last match, for matched() and
 * ngroups(), which re-run it with libc's regexec (a DFA has no groups). */
#include <inttypes.h>
#include <string.h>

#include "translator/diag.h"
#include "emit_internal.h"
#include "regex_dfa.h"
#include "translator/util.h"

/* A bigger DFA is "too complex": its table would outgrow what a probe
 * should carry (nstates * nclasses cells of 2 bytes). */
#define EM_REGEX_MAX_STATES 1024
#define EM_REGEX_MAX_CELLS (1 << 16)

struct em_regex {
	const char *pattern;    /* decoded */
	size_t len;
	int classes, next, end; /* offsets in btap_re_class / _next / _end */
	int nclasses, start, nstates;
	unsigned char *byte_class;
	uint16_t *cells;
	unsigned char *at_end;
};

struct em_regexes {
	struct vec all;         /* struct em_regex* */
	int nclass, nnext, nend;
};

static struct em_regex *find_regex(struct em_regexes *rs, const char *pat, size_t len)
{
	VEC_FOREACH(rs->all, i) {
		struct em_regex *r = VEC_AT(rs->all, i, struct em_regex *);
		if (r->len == len && memcmp(r->pattern, pat, len) == 0)
			return r;
	}
	return NULL;
}

static struct em_regex *compile_regex(struct emitter *em, const char *pat, size_t len, struct loc at)
{
	if (!em->regexes) {
		em->regexes = arena_alloc(em->a, sizeof(*em->regexes));
	}
	struct em_regexes *rs = em->regexes;
	struct em_regex *r = find_regex(rs, pat, len);
	if (r)
		return r;
	struct re_dfa d;
	const char *err = NULL;
	size_t off = 0;
	if (re_compile(pat, len, EM_REGEX_MAX_STATES, &d, &err, &off) < 0) {
		if (strstr(err, "too complex"))
			diag_error(at, "regular expression too complex (more than %d DFA states)",
				   EM_REGEX_MAX_STATES);
		else
			diag_error(at, "invalid regular expression: %s (at offset %zu of the pattern)", err, off);
		return NULL;
	}
	size_t cells = (size_t)d.nstates * (size_t)d.nclasses;
	if (cells > EM_REGEX_MAX_CELLS) {
		diag_error(at, "regular expression too complex (a %d x %d transition table)", d.nstates,
			   d.nclasses);
		re_dfa_free(&d);
		return NULL;
	}
	r = arena_alloc(em->a, sizeof(*r));
	r->pattern = arena_strndup(em->a, pat, len);
	r->len = len;
	r->nclasses = d.nclasses;
	r->start = d.start;
	r->nstates = d.nstates;
	r->byte_class = arena_alloc(em->a, 256);
	memcpy(r->byte_class, d.byte_class, 256);
	r->cells = arena_alloc(em->a, sizeof(uint16_t) * cells);
	memcpy(r->cells, d.next, sizeof(uint16_t) * cells);
	r->at_end = arena_alloc(em->a, (size_t)d.nstates);
	memcpy(r->at_end, d.match_at_end, (size_t)d.nstates);
	re_dfa_free(&d);
	r->classes = rs->nclass;
	r->next = rs->nnext;
	r->end = rs->nend;
	rs->nclass += 256;
	rs->nnext += (int)cells;
	rs->nend += r->nstates;
	vec_push(em->a, &rs->all, r);
	return r;
}

const char *em_regex_match(struct em_fn *f, struct expr *e)
{
	bool negate = e->op && strcmp(e->op, "!~") == 0;
	if (!e->right || e->right->kind != E_STR) {
		diag_error(e->loc, "the right side of '%s' must be a string literal", e->op);
		return "0";
	}
	size_t len;
	const char *pat = em_decode_str(f->em->a, e->right->str, &len);
	struct em_regex *r = compile_regex(f->em, pat, len, e->right->loc);
	const char *s = em_expr(f, e->left);
	if (!r)
		return "0";
	const char *t = em_tmp_long(f);
	em_line(f, "%s = btap_regex_match(%s, %d, %d, %d, %d, %d);", t, s, r->classes, r->next, r->end,
		r->nclasses, r->start);
	if (em_in_runner(f)) {
		struct strbuf lit;
		sb_init(&lit);
		em_c_string(&lit, r->pattern, r->len);
		em_line(f, "%s = btap_regex_note(c, %s, %s, %s);", t, lit.s, s, t);
		sb_free(&lit);
	}
	return negate ? arena_printf(f->em->a, "((int64_t)!(%s))", t) : t;
}

static void put_bytes(struct strbuf *b, const unsigned char *v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		sb_printf(b, "%u,%s", v[i], i % 32 == 31 ? "\n" : "");
}

void em_regex_tables(struct emitter *em, struct strbuf *b)
{
	struct em_regexes *rs = em->regexes;
	if (!rs || !rs->all.n)
		return;
	sb_printf(b, "#define BTAP_RE_CLASS_SIZE %d\n#define BTAP_RE_NEXT_SIZE %d\n#define BTAP_RE_END_SIZE %d\n",
		  rs->nclass, rs->nnext, rs->nend);
	/* All three in .rodata: clang puts a 4-, 8- or 16-byte constant in a
	 * mergeable .rodata.cstN section while its BTF says .rodata, and
	 * newer kernels then refuse the BTF (overlapping variables) and with
	 * it the loop callbacks the matcher needs. */
	sb_puts(b, "static const unsigned char btap_re_class[BTAP_RE_CLASS_SIZE] __attribute__((section(\".rodata\"))) = {\n");
	VEC_FOREACH(rs->all, i) {
		struct em_regex *r = VEC_AT(rs->all, i, struct em_regex *);
		sb_printf(b, "/* pattern %d */\n", i);
		put_bytes(b, r->byte_class, 256);
	}
	sb_puts(b, "};\nstatic const uint16_t btap_re_next[BTAP_RE_NEXT_SIZE] __attribute__((section(\".rodata\"))) = {\n");
	VEC_FOREACH(rs->all, i) {
		struct em_regex *r = VEC_AT(rs->all, i, struct em_regex *);
		sb_printf(b, "/* pattern %d: %d states x %d classes */\n", i, r->nstates, r->nclasses);
		for (int st = 0; st < r->nstates; st++) {
			for (int k = 0; k < r->nclasses; k++)
				sb_printf(b, "%u,", r->cells[st * r->nclasses + k]);
			sb_putc(b, '\n');
		}
	}
	sb_puts(b, "};\nstatic const unsigned char btap_re_end[BTAP_RE_END_SIZE] __attribute__((section(\".rodata\"))) = {\n");
	VEC_FOREACH(rs->all, i) {
		struct em_regex *r = VEC_AT(rs->all, i, struct em_regex *);
		put_bytes(b, r->at_end, (size_t)r->nstates);
		sb_putc(b, '\n');
	}
	sb_puts(b, "};\n#include \"btap_regex.h\"\n\n");
}

/* ---- capture groups: runner only ------------------------------------------ */

static bool reads_groups(const struct expr *e)
{
	const char *code = e->kind == E_CALL && e->func ? e->func->embedded : NULL;
	return code && (strstr(code, "btap_matched(") || strstr(code, "btap_ngroups("));
}

static void note_group_call(struct expr *e, void *ctx)
{
	(void)ctx;
	if (reads_groups(e))
		diag_error(e->loc, "%s() is not supported in kernel-context probes: capture groups are "
			   "read in the runner (begin, end and timer probes)", e->func->name);
}

void em_regex_check_kernel(struct emitter *em)
{
	VEC_FOREACH(em->probes, i) {
		struct em_probe *p = VEC_AT(em->probes, i, struct em_probe *);
		if (p->where != EM_CTX_KERNEL)
			continue;
		if (p->p->resolved_point && p->p->resolved_point->cond)
			em_walk_expr(p->p->resolved_point->cond, note_group_call, NULL);
		em_walk_stmt(p->p->body, note_group_call, NULL);
	}
	VEC_FOREACH(em->funcs, i) {
		struct em_func *f = VEC_AT(em->funcs, i, struct em_func *);
		if ((f->where & EM_CTX_KERNEL) && !f->f->embedded)
			em_walk_stmt(f->f->body, note_group_call, NULL);
	}
}
