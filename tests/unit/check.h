/* Minimal unit-test harness: CHECK counts, main returns failures. The test
 * runner reads the "unit: N passed, N failed" line each test prints. */
#ifndef BTAP_CHECK_H
#define BTAP_CHECK_H

#include <stdio.h>
#include <string.h>

static int check_passed, check_failed;

#define CHECK(cond)                                                              \
	do {                                                                     \
		if (cond) {                                                      \
			check_passed++;                                          \
		} else {                                                         \
			check_failed++;                                          \
			fprintf(stderr, "%s:%d: CHECK failed: %s\n", __FILE__,   \
				__LINE__, #cond);                                \
		}                                                                \
	} while (0)

#define CHECK_STR(got, want)                                                     \
	do {                                                                     \
		const char *g_ = (got), *w_ = (want);                           \
		if (g_ && w_ && strcmp(g_, w_) == 0) {                           \
			check_passed++;                                          \
		} else {                                                         \
			check_failed++;                                          \
			fprintf(stderr, "%s:%d: CHECK_STR failed:\n  got:  %s\n  want: %s\n", \
				__FILE__, __LINE__, g_ ? g_ : "(null)", w_ ? w_ : "(null)"); \
		}                                                                \
	} while (0)

#define CHECK_DONE()                                                             \
	(printf("unit %s: %d passed, %d failed\n", __FILE__, check_passed,      \
		check_failed),                                                   \
	 check_failed ? 1 : 0)

#endif
