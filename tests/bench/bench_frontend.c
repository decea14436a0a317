/* Passes 1-2 over the whole tapset library plus a script, repeated in
 * process; reports the median and the fastest run. Target: < 5 ms. */
#include "translator/elaborate.h"
#include "translator/parser.h"
#include "translator/session.h"
#include "translator/tapset_load.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		fprintf(stderr, "usage: bench_frontend SCRIPT [RUNS]\n");
		return 2;
	}
	int runs = argc > 2 ? atoi(argv[2]) : 50;
	if (runs < 1)
		runs = 1;
	size_t len;
	char *text = read_file(argv[1], &len);
	if (!text) {
		perror(argv[1]);
		return 2;
	}
	double *t = calloc((size_t)runs, sizeof(double));
	int ntapset = 0, nprobes = 0;
	for (int i = 0; i < runs; i++) {
		struct session s;
		session_init(&s);
		s.suppress_warnings = true;
		session_setup_pp(&s);
		double t0 = now_ms();
		bool ok = tapset_load_all(&s);
		struct src_file *f = src_register(argv[1], text, len, false);
		s.user_file = parse_file(&s.arena, f, &s.pp, false);
		ok = ok && !diag_error_count() && elaborate(&s);
		t[i] = now_ms() - t0;
		if (!ok) {
			fprintf(stderr, "bench: passes 1-2 failed on %s\n", argv[1]);
			return 1;
		}
		ntapset = s.tapset_files.n;
		nprobes = s.prog.probes.n;
		session_free(&s);
	}
	qsort(t, (size_t)runs, sizeof(double), cmp_double);
	printf("passes 1-2: %s + %d tapset files -> %d probes: median %.2f ms, best %.2f ms over %d runs (target < 5 ms)\n",
	       argv[1], ntapset, nprobes, t[runs / 2], t[0], runs);
	free(t);
	free(text);
	return 0;
}
