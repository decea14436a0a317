/* The =~ matcher, shared by the BPF and the user build of generated code.
 *
 * Pass 3 compiles every pattern into a DFA (emit/regex_dfa.c) and
 * emits the tables of all of them before including this header:
 *   btap_re_class[BTAP_RE_CLASS_SIZE]  byte -> class, 256 a pattern
 *   btap_re_next[BTAP_RE_NEXT_SIZE]    state * nclasses + class -> state
 *   btap_re_end[BTAP_RE_END_SIZE]      state -> matches at the subject's end
 * A pattern is its offsets into the three tables. State 0 means no match
 * can follow, state 1 that the pattern matched: either stops the scan.
 * Every index is checked against the table's constant size, which is
 * what lets the BPF verifier accept the lookups. */
#ifndef BTAP_REGEX_H
#define BTAP_REGEX_H

struct btap_regex_run {
	const char *s;
	int64_t classes, next, end, nclasses;
	int64_t state, matched;
};

/* One byte of the subject: 1 stops the scan with r->matched set. */
static long btap_regex_step(uint32_t i, void *data)
{
	struct btap_regex_run *r = data;
	if (r->state == 0 || r->state == 1) {
		r->matched = r->state;
		return 1;
	}
	unsigned char ch = 0;
	if (i < MAXSTRINGLEN - 1)
		ch = (unsigned char)r->s[i];
	if (!ch) {
		int64_t e = r->end + r->state;
		r->matched = e >= 0 && e < BTAP_RE_END_SIZE ? btap_re_end[e] : 0;
		return 1;
	}
	int64_t k = r->classes + ch;
	if (k < 0 || k >= BTAP_RE_CLASS_SIZE)
		return 1;
	int64_t x = r->next + r->state * r->nclasses + btap_re_class[k];
	if (x < 0 || x >= BTAP_RE_NEXT_SIZE)
		return 1;
	r->state = btap_re_next[x];
	return 0;
}

static BTAP_INLINE int64_t btap_regex_match(const char *s, int64_t classes, int64_t next, int64_t end,
					    int64_t nclasses, int64_t start)
{
	struct btap_regex_run r = {s, classes, next, end, nclasses, start, 0};
#ifdef BTAP_TARGET_BPF
	bpf_loop(MAXSTRINGLEN, btap_regex_step, &r, 0);
	return btap_loop_result(&r.matched);
#else
	for (uint32_t i = 0; i < MAXSTRINGLEN; i++)
		if (btap_regex_step(i, &r))
			break;
	return r.matched;
#endif
}

/* The runner keeps the last match of a probe for matched() and
 * ngroups() (btap_user.h); kernel probes have no capture groups. */
#ifdef BTAP_TARGET_BPF
#define btap_regex_note(c, pattern, s, m) (m)
#endif

#endif
