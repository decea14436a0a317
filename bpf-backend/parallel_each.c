/* Run a call per item on several threads: see parallel_each.h. */
#include "parallel_each.h"

#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>

#include "translator/util.h"

struct share {
	int first, n, stride;
	void (*fn)(int i, void *ctx);
	void *ctx;
};

static void *run_share(void *arg)
{
	struct share *s = arg;
	for (int i = s->first; i < s->n; i += s->stride)
		s->fn(i, s->ctx);
	return NULL;
}

void parallel_each(int n, int max_threads, void (*fn)(int i, void *ctx), void *ctx)
{
	int nt = n < max_threads ? n : max_threads;
	if (nt <= 0)
		return;
	pthread_t *tid = xcalloc((size_t)nt, sizeof *tid);
	struct share *share = xcalloc((size_t)nt, sizeof *share);
	bool *started = xcalloc((size_t)nt, sizeof *started);
	for (int t = 0; t < nt; t++)
		share[t] = (struct share){t, n, nt, fn, ctx};
	for (int t = 1; t < nt; t++)
		started[t] = pthread_create(&tid[t], NULL, run_share, &share[t]) == 0;
	for (int t = 0; t < nt; t++)
		if (t == 0 || !started[t])
			run_share(&share[t]);
	for (int t = 1; t < nt; t++)
		if (started[t])
			pthread_join(tid[t], NULL);
	free(tid);
	free(share);
	free(started);
}
