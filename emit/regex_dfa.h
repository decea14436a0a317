/* POSIX extended regular expressions compiled to a DFA at translation time.
 *
 * The DFA answers "does the pattern match anywhere in the subject" (the
 * =~ operator): it reads the subject's bytes once, left to right, and
 * stops as soon as the answer is known. Bytes are mapped to equivalence
 * classes first, so a transition table row has one cell per class, not
 * per byte. */
#ifndef BTAP_REGEX_DFA_H
#define BTAP_REGEX_DFA_H

#include <stddef.h>
#include <stdint.h>

/* Fixed state numbers: the matcher stops on either. */
#define RE_STATE_DEAD 0    /* no match can follow */
#define RE_STATE_MATCH 1   /* matched: the rest of the subject is irrelevant */

struct re_dfa {
	int nstates;                 /* including DEAD and MATCH */
	int start;                   /* state before the first byte */
	int nclasses;
	unsigned char byte_class[256];
	uint16_t *next;              /* [state * nclasses + class] */
	unsigned char *match_at_end; /* [state]: matches if the subject ends here */
	int ngroups;                 /* parenthesized subexpressions */
};

/* Compile pat (len bytes). On failure returns -1 with a static message in
 * *err and the byte offset it refers to in *err_off; max_states bounds
 * the DFA ("too complex" beyond it). */
int re_compile(const char *pat, size_t len, int max_states, struct re_dfa *out, const char **err,
	       size_t *err_off);
void re_dfa_free(struct re_dfa *d);
/* Run the DFA over s (NUL-terminated, or n bytes): 1 on a match. */
int re_dfa_match(const struct re_dfa *d, const char *s, size_t n);

#endif
