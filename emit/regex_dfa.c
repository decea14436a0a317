/* POSIX extended regular expressions: parse to a small tree, build a
 * Thompson NFA from it, determinize by subset construction (see regex_dfa.h).
 *
 * Anchors are assertions on NFA edges: '^' holds only before the first
 * byte, '$' only after the last. A DFA state is the set of NFA states that
 * consume a byte, wait on '$', or accept; the start state is added back
 * after every byte, which makes the search unanchored. Reaching the
 * accepting NFA state ends the search, so all such sets are one state. */
#include "regex_dfa.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#define RE_MAX_NODES 20000   /* NFA states: bounds {m,n} expansion */
#define RE_MAX_DEPTH 200     /* nesting of groups */
#define RE_DUP_LIMIT 255     /* largest count in {m,n} (POSIX RE_DUP_MAX) */
#define RE_INF (-1)

typedef struct {
	uint64_t w[4];
} byteset;

static void set_add(byteset *s, unsigned b)
{
	s->w[b >> 6] |= 1ull << (b & 63);
}

static bool set_has(const byteset *s, unsigned b)
{
	return (s->w[b >> 6] >> (b & 63)) & 1;
}

/* ---- parse tree ------------------------------------------------------------ */

enum tree_kind { T_EMPTY, T_SET, T_CAT, T_ALT, T_REPEAT, T_BOL, T_EOL };

struct tree {
	enum tree_kind kind;
	int a, b;          /* children (CAT, ALT; REPEAT uses a) */
	int min, max;      /* REPEAT; max RE_INF for no bound */
	byteset set;       /* SET */
};

struct parser {
	const char *p, *end, *start;
	struct tree *t;
	int nt, capt;
	int depth;
	int ngroups;
	const char *err;
	size_t err_off;
};

static int fail(struct parser *ps, const char *at, const char *msg)
{
	if (!ps->err) {
		ps->err = msg;
		ps->err_off = (size_t)(at - ps->start);
	}
	return -1;
}

static int new_tree(struct parser *ps, enum tree_kind k, int a, int b)
{
	if (ps->err)
		return -1;
	if (ps->nt == ps->capt) {
		int cap = ps->capt ? ps->capt * 2 : 64;
		struct tree *t = realloc(ps->t, sizeof(*t) * (size_t)cap);
		if (!t)
			return fail(ps, ps->p, "out of memory");
		ps->t = t;
		ps->capt = cap;
	}
	struct tree *n = &ps->t[ps->nt];
	memset(n, 0, sizeof(*n));
	n->kind = k;
	n->a = a;
	n->b = b;
	return ps->nt++;
}

/* The C locale's character classes, by name. */
static bool class_has(const char *name, size_t n, unsigned c)
{
	bool upper = c >= 'A' && c <= 'Z', lower = c >= 'a' && c <= 'z';
	bool digit = c >= '0' && c <= '9';
	bool alpha = upper || lower;
	bool cntrl = c < 32 || c == 127;
	bool print = c >= 32 && c < 127;
	bool space = c == ' ' || (c >= '\t' && c <= '\r');
#define IS(s) (n == sizeof(s) - 1 && memcmp(name, s, n) == 0)
	if (IS("alpha")) return alpha;
	if (IS("digit")) return digit;
	if (IS("alnum")) return alpha || digit;
	if (IS("upper")) return upper;
	if (IS("lower")) return lower;
	if (IS("space")) return space;
	if (IS("blank")) return c == ' ' || c == '\t';
	if (IS("punct")) return print && c != ' ' && !alpha && !digit;
	if (IS("print")) return print;
	if (IS("graph")) return print && c != ' ';
	if (IS("cntrl")) return cntrl;
	if (IS("xdigit")) return digit || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
#undef IS
	return false;
}

static bool class_known(const char *name, size_t n)
{
	static const char *const names[] = {"alpha", "digit", "alnum", "upper", "lower", "space",
					     "blank", "punct", "print", "graph", "cntrl", "xdigit"};
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (strlen(names[i]) == n && memcmp(names[i], name, n) == 0)
			return true;
	return false;
}

/* After "[.", "[=" or "[:" : the text up to the closing ".]" (etc.). */
static const char *bracket_word_end(struct parser *ps, char kind)
{
	for (const char *q = ps->p; q + 1 < ps->end; q++)
		if (q[0] == kind && q[1] == ']')
			return q;
	return NULL;
}

/* One endpoint of a bracket item: a byte, or a one-byte [.x.] / [=x=].
 * Returns the byte, or -1 on error. */
static int bracket_char(struct parser *ps)
{
	if (ps->p + 1 < ps->end && ps->p[0] == '[' && (ps->p[1] == '.' || ps->p[1] == '=')) {
		char kind = ps->p[1];
		const char *at = ps->p;
		ps->p += 2;
		const char *e = bracket_word_end(ps, kind);
		if (!e)
			return fail(ps, at, "unterminated collating element in bracket expression");
		if (e - ps->p != 1)
			return fail(ps, at, "multi-character collating elements are not supported");
		int c = (unsigned char)ps->p[0];
		ps->p = e + 2;
		return c;
	}
	return (unsigned char)*ps->p++;
}

static int parse_bracket(struct parser *ps)
{
	const char *open = ps->p - 1;
	byteset s = {{0}};
	bool neg = false, first = true;
	if (ps->p < ps->end && *ps->p == '^') {
		neg = true;
		ps->p++;
	}
	for (;;) {
		if (ps->p >= ps->end)
			return fail(ps, open, "unterminated bracket expression");
		if (*ps->p == ']' && !first) {
			ps->p++;
			break;
		}
		first = false;
		if (ps->p + 1 < ps->end && ps->p[0] == '[' && ps->p[1] == ':') {
			const char *at = ps->p;
			ps->p += 2;
			const char *e = bracket_word_end(ps, ':');
			if (!e || !class_known(ps->p, (size_t)(e - ps->p)))
				return fail(ps, at, "unknown character class");
			for (unsigned c = 1; c < 256; c++)
				if (class_has(ps->p, (size_t)(e - ps->p), c))
					set_add(&s, c);
			ps->p = e + 2;
			continue;
		}
		const char *at = ps->p;
		int lo = bracket_char(ps);
		if (lo < 0)
			return -1;
		int hi = lo;
		if (ps->p + 1 < ps->end && ps->p[0] == '-' && ps->p[1] != ']') {
			ps->p++;
			if (ps->p + 1 < ps->end && ps->p[0] == '[' && ps->p[1] == ':')
				return fail(ps, ps->p, "a character class cannot end a range");
			hi = bracket_char(ps);
			if (hi < 0)
				return -1;
			if (hi < lo)
				return fail(ps, at, "invalid range in bracket expression");
		}
		for (int c = lo; c <= hi; c++)
			if (c)
				set_add(&s, (unsigned)c);
	}
	if (neg)
		for (int k = 0; k < 4; k++)
			s.w[k] = ~s.w[k];
	s.w[0] &= ~1ull; /* NUL ends the subject: never matched */
	int t = new_tree(ps, T_SET, -1, -1);
	if (t >= 0)
		ps->t[t].set = s;
	return t;
}

static int set_tree(struct parser *ps, const byteset *s)
{
	int t = new_tree(ps, T_SET, -1, -1);
	if (t >= 0)
		ps->t[t].set = *s;
	return t;
}

static int named_class_tree(struct parser *ps, const char *name, bool underscore, bool neg)
{
	byteset s = {{0}};
	for (unsigned c = 1; c < 256; c++) {
		bool in = class_has(name, strlen(name), c) || (underscore && c == '_');
		if (in != neg)
			set_add(&s, c);
	}
	return set_tree(ps, &s);
}

static int parse_escape(struct parser *ps)
{
	const char *at = ps->p - 1;
	if (ps->p >= ps->end)
		return fail(ps, at, "trailing backslash");
	unsigned char c = (unsigned char)*ps->p++;
	switch (c) {
	case 'w': return named_class_tree(ps, "alnum", true, false);
	case 'W': return named_class_tree(ps, "alnum", true, true);
	case 's': return named_class_tree(ps, "space", false, false);
	case 'S': return named_class_tree(ps, "space", false, true);
	case 'b': case 'B': case '<': case '>': case '`': case '\'':
		return fail(ps, at, "word and buffer assertions (\\b \\B \\< \\> \\` \\') are not supported");
	default:
		break;
	}
	if (c >= '1' && c <= '9')
		return fail(ps, at, "back-references are not supported");
	byteset s = {{0}};
	set_add(&s, c);
	return set_tree(ps, &s);
}

static int parse_alt(struct parser *ps);

static int parse_atom(struct parser *ps)
{
	const char *at = ps->p;
	unsigned char c = (unsigned char)*ps->p++;
	switch (c) {
	case '(': {
		if (++ps->depth > RE_MAX_DEPTH)
			return fail(ps, at, "groups nested too deeply");
		ps->ngroups++;
		int t = parse_alt(ps);
		if (t < 0)
			return -1;
		if (ps->p >= ps->end || *ps->p != ')')
			return fail(ps, at, "unmatched '('");
		ps->p++;
		ps->depth--;
		return t;
	}
	case '.': {
		byteset s;
		memset(&s, 0xff, sizeof(s));
		s.w[0] &= ~1ull;
		return set_tree(ps, &s);
	}
	case '[':
		return parse_bracket(ps);
	case '^':
		return new_tree(ps, T_BOL, -1, -1);
	case '$':
		return new_tree(ps, T_EOL, -1, -1);
	case '\\':
		return parse_escape(ps);
	case '*': case '+': case '?': case '{':
		return fail(ps, at, "nothing to repeat");
	case ')':
		return fail(ps, at, "unmatched ')'");
	default: {
		byteset s = {{0}};
		set_add(&s, c);
		return set_tree(ps, &s);
	}
	}
}

static int parse_count(struct parser *ps, int *v)
{
	if (ps->p >= ps->end || *ps->p < '0' || *ps->p > '9')
		return 0;
	long n = 0;
	while (ps->p < ps->end && *ps->p >= '0' && *ps->p <= '9') {
		n = n * 10 + (*ps->p++ - '0');
		if (n > RE_DUP_LIMIT)
			n = RE_DUP_LIMIT + 1;
	}
	*v = (int)n;
	return 1;
}

/* {m}, {m,}, {m,n}, {,n}: after the '{'. */
static int parse_interval(struct parser *ps, int *min, int *max)
{
	const char *at = ps->p - 1;
	int lo = 0, hi;
	bool has_lo = parse_count(ps, &lo);
	if (ps->p < ps->end && *ps->p == ',') {
		ps->p++;
		if (!parse_count(ps, &hi))
			hi = RE_INF;
		else if (!has_lo)
			lo = 0;
	} else {
		if (!has_lo)
			return fail(ps, at, "invalid interval: expected a count after '{'");
		hi = lo;
	}
	if (ps->p >= ps->end || *ps->p != '}')
		return fail(ps, at, "unterminated interval '{'");
	ps->p++;
	if (lo > RE_DUP_LIMIT || hi > RE_DUP_LIMIT)
		return fail(ps, at, "repetition count too large (at most 255)");
	if (hi != RE_INF && hi < lo)
		return fail(ps, at, "invalid interval: the maximum is below the minimum");
	*min = lo;
	*max = hi;
	return 0;
}

static int parse_repeat(struct parser *ps)
{
	bool anchor = *ps->p == '^' || *ps->p == '$';
	int t = parse_atom(ps);
	while (t >= 0 && ps->p < ps->end) {
		int min, max;
		char c = *ps->p;
		bool quant = c == '*' || c == '+' || c == '?' || c == '{';
		if (quant && anchor)
			return fail(ps, ps->p, "nothing to repeat (an anchor cannot be repeated)");
		if (c == '*')
			min = 0, max = RE_INF;
		else if (c == '+')
			min = 1, max = RE_INF;
		else if (c == '?')
			min = 0, max = 1;
		else if (c == '{') {
			ps->p++;
			if (parse_interval(ps, &min, &max) < 0)
				return -1;
			ps->p--; /* the '}' is consumed below */
		} else
			break;
		ps->p++;
		int r = new_tree(ps, T_REPEAT, t, -1);
		if (r < 0)
			return -1;
		ps->t[r].min = min;
		ps->t[r].max = max;
		t = r;
	}
	return t;
}

static int parse_concat(struct parser *ps)
{
	int t = -1;
	while (ps->p < ps->end && *ps->p != '|' && *ps->p != ')') {
		int r = parse_repeat(ps);
		if (r < 0)
			return -1;
		t = t < 0 ? r : new_tree(ps, T_CAT, t, r);
		if (t < 0)
			return -1;
	}
	return t < 0 ? new_tree(ps, T_EMPTY, -1, -1) : t;
}

static int parse_alt(struct parser *ps)
{
	int t = parse_concat(ps);
	while (t >= 0 && ps->p < ps->end && *ps->p == '|') {
		ps->p++;
		int r = parse_concat(ps);
		if (r < 0)
			return -1;
		t = new_tree(ps, T_ALT, t, r);
	}
	return t;
}

/* ---- NFA ----------------------------------------------------------------- */

enum node_kind { N_CHAR, N_SPLIT, N_EPS, N_BOL, N_EOL, N_MATCH };

struct node {
	enum node_kind kind;
	int out1, out2;
	int tree;          /* N_CHAR: the T_SET tree holding its bytes */
};

struct nfa {
	struct node *n;
	int nn, cap;
	bool full;
	const struct tree *t;
};

static int new_node(struct nfa *m, enum node_kind k, int out1, int out2)
{
	if (m->full)
		return 0;
	if (m->nn >= RE_MAX_NODES) {
		m->full = true;
		return 0;
	}
	if (m->nn == m->cap) {
		int cap = m->cap ? m->cap * 2 : 64;
		struct node *n = realloc(m->n, sizeof(*n) * (size_t)cap);
		if (!n) {
			m->full = true;
			return 0;
		}
		m->n = n;
		m->cap = cap;
	}
	m->n[m->nn] = (struct node){k, out1, out2, -1};
	return m->nn++;
}

/* The NFA of tree t followed by state next; returns its entry state. */
static int build(struct nfa *m, int t, int next)
{
	const struct tree *x = &m->t[t];
	switch (x->kind) {
	case T_EMPTY:
		return next;
	case T_SET: {
		int s = new_node(m, N_CHAR, next, -1);
		if (!m->full)
			m->n[s].tree = t;
		return s;
	}
	case T_CAT:
		return build(m, x->a, build(m, x->b, next));
	case T_ALT: {
		int l = build(m, x->a, next), r = build(m, x->b, next);
		return new_node(m, N_SPLIT, l, r);
	}
	case T_BOL:
		return new_node(m, N_BOL, next, -1);
	case T_EOL:
		return new_node(m, N_EOL, next, -1);
	case T_REPEAT:
		break;
	}
	int s = next;
	if (x->max == RE_INF) {
		int loop = new_node(m, N_SPLIT, -1, next);
		int body = build(m, x->a, loop);
		if (m->full)
			return 0;
		m->n[loop].out1 = body;
		s = loop;
	} else {
		for (int k = 0; k < x->max - x->min && !m->full; k++)
			s = new_node(m, N_SPLIT, build(m, x->a, s), next);
	}
	for (int k = 0; k < x->min && !m->full; k++)
		s = build(m, x->a, s);
	return s;
}

/* ---- subset construction ------------------------------------------------- */

struct dstates {
	int words;             /* uint64_t per set */
	uint64_t *sets;        /* [state * words] */
	int n, cap;
	int *hash;             /* open addressing: state + 1, 0 empty */
	int hcap;
};

struct closure {
	const struct nfa *m;
	int *stack;
	unsigned *seen;
	unsigned gen;
};

/* Follow epsilon edges from node s; '^' only when bol, '$' only when eol.
 * Adds the nodes a set keeps to out; returns true if MATCH was reached. */
static bool close_from(struct closure *c, int s, bool bol, bool eol, uint64_t *out)
{
	bool match = false;
	int sp = 0;
	c->stack[sp++] = s;
	while (sp) {
		int k = c->stack[--sp];
		if (k < 0 || c->seen[k] == c->gen)
			continue;
		c->seen[k] = c->gen;
		const struct node *n = &c->m->n[k];
		switch (n->kind) {
		case N_SPLIT:
			c->stack[sp++] = n->out2;
			c->stack[sp++] = n->out1;
			break;
		case N_EPS:
			c->stack[sp++] = n->out1;
			break;
		case N_BOL:
			if (bol)
				c->stack[sp++] = n->out1;
			break;
		case N_EOL:
			if (eol)
				c->stack[sp++] = n->out1;
			else if (out)
				out[k >> 6] |= 1ull << (k & 63);
			break;
		case N_MATCH:
			match = true;
			/* fall through */
		case N_CHAR:
			if (out)
				out[k >> 6] |= 1ull << (k & 63);
			break;
		}
	}
	return match;
}

static uint64_t set_hash(const uint64_t *s, int words)
{
	uint64_t h = 1469598103934665603ull;
	for (int i = 0; i < words; i++)
		h = (h ^ s[i]) * 1099511628211ull;
	return h ^ (h >> 29);
}

/* The state holding set s, added if new; -1 when there are too many. */
static int intern(struct dstates *d, const uint64_t *s, int max_states)
{
	size_t bytes = sizeof(uint64_t) * (size_t)d->words;
	uint64_t h = set_hash(s, d->words);
	int i = (int)(h & (uint64_t)(d->hcap - 1));
	for (; d->hash[i]; i = (i + 1) & (d->hcap - 1))
		if (memcmp(d->sets + (size_t)(d->hash[i] - 1) * (size_t)d->words, s, bytes) == 0)
			return d->hash[i] - 1;
	if (d->n >= max_states)
		return -1;
	if (d->n == d->cap) {
		int cap = d->cap * 2;
		uint64_t *ns = realloc(d->sets, bytes * (size_t)cap);
		if (!ns)
			return -1;
		d->sets = ns;
		d->cap = cap;
	}
	memcpy(d->sets + (size_t)d->n * (size_t)d->words, s, bytes);
	d->hash[i] = d->n + 1;
	return d->n++;
}

/* Byte classes: bytes no NFA edge tells apart share a class. */
static void byte_classes(const struct nfa *m, struct re_dfa *out)
{
	unsigned char cls[256] = {0};
	int ncls = 1;
	for (int k = 0; k < m->nn; k++) {
		if (m->n[k].kind != N_CHAR)
			continue;
		const byteset *s = &m->t[m->n[k].tree].set;
		int remap[256][2];
		memset(remap, -1, sizeof(remap));
		int n2 = 0;
		for (int b = 0; b < 256; b++) {
			int in = set_has(s, (unsigned)b);
			int *r = &remap[cls[b]][in];
			if (*r < 0)
				*r = n2++;
			cls[b] = (unsigned char)*r;
		}
		ncls = n2;
	}
	memcpy(out->byte_class, cls, sizeof(cls));
	out->nclasses = ncls;
}

static int determinize(const struct nfa *m, int start, int max_states, struct re_dfa *out)
{
	byte_classes(m, out);
	int ncls = out->nclasses;
	int sample[256];
	for (int b = 255; b >= 0; b--)
		sample[out->byte_class[b]] = b;

	struct dstates d = {0};
	d.words = (m->nn + 63) / 64;
	d.cap = 16;
	d.sets = calloc((size_t)d.cap * (size_t)d.words, sizeof(uint64_t));
	d.hcap = 1;
	while (d.hcap < 2 * max_states)
		d.hcap <<= 1;
	d.hash = calloc((size_t)d.hcap, sizeof(int));
	struct closure c = {m, malloc(sizeof(int) * (size_t)(2 * m->nn + 2)),
			    calloc((size_t)m->nn, sizeof(unsigned)), 0};
	uint64_t *cur = calloc((size_t)d.words, sizeof(uint64_t));
	uint64_t *rowset = calloc((size_t)d.words, sizeof(uint64_t));
	size_t cap_cells = 64;
	uint16_t *next = malloc(sizeof(uint16_t) * cap_cells);
	int rc = -1;
	if (!d.sets || !d.hash || !c.stack || !c.seen || !cur || !rowset || !next)
		goto done;

	/* DEAD is the empty set; MATCH is a marker set no real state equals
	 * (real sets never hold a MATCH node: such sets become MATCH). */
	intern(&d, cur, max_states);
	int match_node = -1;
	for (int k = 0; k < m->nn; k++)
		if (m->n[k].kind == N_MATCH)
			match_node = k;
	cur[match_node >> 6] |= 1ull << (match_node & 63);
	intern(&d, cur, max_states);

	/* The initial state is the only one where '^' holds: it is built
	 * apart from the interned sets (a later state with the same set
	 * differs at the end of the subject). */
	uint64_t *init = calloc((size_t)d.words, sizeof(uint64_t));
	if (!init)
		goto done;
	c.gen++;
	bool init_match = close_from(&c, start, true, false, init);
	int nstates = 3; /* DEAD, MATCH, initial; interned states follow */
	int total = 2;

	/* Rows are computed in state order: row 2 is the initial state,
	 * rows 3.. are interned states 2.. (offset by one). */
	out->start = init_match ? RE_STATE_MATCH : 2;
	unsigned char *at_end = calloc((size_t)max_states + 2, 1);
	if (!at_end) {
		free(init);
		goto done;
	}
	at_end[RE_STATE_MATCH] = 1;
	for (int row = 0; row < (init_match ? 2 : nstates); row++) {
		if ((size_t)(row + 1) * (size_t)ncls > cap_cells) {
			while ((size_t)(row + 1) * (size_t)ncls > cap_cells)
				cap_cells *= 2;
			uint16_t *nn = realloc(next, sizeof(uint16_t) * cap_cells);
			if (!nn) {
				free(init);
				free(at_end);
				goto done;
			}
			next = nn;
		}
		uint16_t *r = next + (size_t)row * (size_t)ncls;
		if (row < 2) {
			for (int k = 0; k < ncls; k++)
				r[k] = (uint16_t)row;
			continue;
		}
		/* a copy: interning below may move d.sets */
		memcpy(rowset, row == 2 ? init : d.sets + (size_t)(row - 1) * (size_t)d.words,
		       sizeof(uint64_t) * (size_t)d.words);
		const uint64_t *s = rowset;
		/* matches at the end: '$' holds (and '^' too, before any byte) */
		c.gen++;
		for (int k = 0; k < m->nn && !at_end[row]; k++)
			if ((s[k >> 6] >> (k & 63)) & 1 && m->n[k].kind == N_EOL)
				at_end[row] = close_from(&c, k, row == 2, true, NULL);
		for (int cl = 0; cl < ncls; cl++) {
			memset(cur, 0, sizeof(uint64_t) * (size_t)d.words);
			c.gen++;
			bool match = close_from(&c, start, false, false, cur);
			for (int k = 0; k < m->nn && !match; k++) {
				const struct node *n = &m->n[k];
				if (!((s[k >> 6] >> (k & 63)) & 1) || n->kind != N_CHAR ||
				    !set_has(&m->t[n->tree].set, (unsigned)sample[cl]))
					continue;
				match = close_from(&c, n->out1, false, false, cur);
			}
			int to;
			if (match) {
				to = RE_STATE_MATCH;
			} else {
				int id = intern(&d, cur, max_states - 1);
				if (id < 0) {
					free(init);
					free(at_end);
					goto done;
				}
				to = id == 0 ? RE_STATE_DEAD : id + 1;
				if (id + 2 > nstates)
					nstates = id + 2;
			}
			r[cl] = (uint16_t)to;
		}
		total = row + 1;
	}
	if (init_match)
		total = 2;
	free(init);
	out->nstates = total;
	out->next = next;
	out->match_at_end = at_end;
	next = NULL;
	rc = 0;
done:
	free(next);
	free(cur);
	free(rowset);
	free(c.stack);
	free(c.seen);
	free(d.sets);
	free(d.hash);
	return rc;
}

int re_compile(const char *pat, size_t len, int max_states, struct re_dfa *out, const char **err,
	       size_t *err_off)
{
	memset(out, 0, sizeof(*out));
	struct parser ps = {pat, pat + len, pat, NULL, 0, 0, 0, 0, NULL, 0};
	for (size_t i = 0; i < len; i++)
		if (!pat[i]) {
			fail(&ps, pat + i, "NUL byte in regular expression");
			break;
		}
	int root = ps.err ? -1 : parse_alt(&ps);
	if (root >= 0 && ps.p < ps.end)
		root = fail(&ps, ps.p, "unmatched ')'");
	if (root < 0) {
		*err = ps.err ? ps.err : "invalid regular expression";
		*err_off = ps.err_off;
		free(ps.t);
		return -1;
	}
	struct nfa m = {0};
	m.t = ps.t;
	int match = new_node(&m, N_MATCH, -1, -1);
	int start = build(&m, root, match);
	int rc = 0;
	if (m.full) {
		*err = "regular expression too complex";
		*err_off = 0;
		rc = -1;
	} else if (determinize(&m, start, max_states < 3 ? 3 : max_states, out) < 0) {
		*err = "regular expression too complex";
		*err_off = 0;
		rc = -1;
	}
	out->ngroups = ps.ngroups;
	free(m.n);
	free(ps.t);
	if (rc)
		re_dfa_free(out);
	return rc;
}

void re_dfa_free(struct re_dfa *d)
{
	free(d->next);
	free(d->match_at_end);
	d->next = NULL;
	d->match_at_end = NULL;
}

int re_dfa_match(const struct re_dfa *d, const char *s, size_t n)
{
	int st = d->start;
	for (size_t i = 0; i < n && s[i]; i++) {
		if (st == RE_STATE_DEAD || st == RE_STATE_MATCH)
			break;
		st = d->next[(size_t)st * (size_t)d->nclasses + d->byte_class[(unsigned char)s[i]]];
	}
	return d->match_at_end[st];
}
