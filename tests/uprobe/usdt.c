/* USDT marks for the uprobe tests (<sys/sdt.h>, as applications write
 * them): arguments in registers, in memory and constants, and a mark
 * guarded by a semaphore: the program calls semaphore_seen() when the
 * semaphore says a probe is attached. Built with -O2 so operands are
 * registers, as in real programs. It prints nothing. */
#define _SDT_HAS_SEMAPHORES 1
#include <stdlib.h>
#include <sys/sdt.h>

/* <sys/sdt.h> names a mark's semaphore provider_name_semaphore; the
 * kernel counts attached probes in it. */
unsigned short ufix_request_semaphore __attribute__((section(".probes"), used));
unsigned short ufix_start_semaphore __attribute__((section(".probes"), used));
unsigned short ufix_finish_semaphore __attribute__((section(".probes"), used));

volatile long counter = 5; /* global: the mark reads it from memory */

__attribute__((noinline)) void semaphore_seen(void)
{
	__asm__ volatile("" ::: "memory");
}

__attribute__((noinline)) static void request(const char *path, long id, int code)
{
	if (ufix_request_semaphore)
		semaphore_seen();
	STAP_PROBE3(ufix, request, path, id, code);
}

/* Read before the marks fire: a uprobe cannot fault in a page the
 * program has not touched yet. */
static const char page[] = "/index.html";

int main(int argc, char **argv)
{
	const char *volatile touch = page;
	if (!touch[0])
		return 1;
	int rounds = argc > 1 ? atoi(argv[1]) : 1;
	counter += argc;
	STAP_PROBE2(ufix, start, rounds, counter);
	for (int i = 0; i < rounds; i++)
		request(page, 100 + i, -2);
	STAP_PROBE(ufix, finish);
	return 0;
}
