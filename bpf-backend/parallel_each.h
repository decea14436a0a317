/* Run a call per item on several threads: closes that each wait for a
 * grace period overlap where the kernel does not serialise them. */
#ifndef BTAP_PARALLEL_EACH_H
#define BTAP_PARALLEL_EACH_H

/* fn(i, ctx) for every i in [0, n), on at most max_threads threads (the
 * items striped over them; this thread takes a share, and any share whose
 * thread did not start). Returns when all are done. */
void parallel_each(int n, int max_threads, void (*fn)(int i, void *ctx), void *ctx);

#endif
