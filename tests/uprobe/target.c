/* The program the uprobe tests trace: functions called with known
 * arguments, so a probe's values can be checked against what was passed.
 * `target N` repeats the calls N times; `target loop N` calls tick() N
 * times (the per-event benchmark); `target alloc` allocates with a known
 * pattern and leaks part of it (scripts/mallocstat.stp). It prints
 * nothing, so that a test's output is the script's alone. */
#include <stdlib.h>
#include <string.h>

#include "ufix.h"

struct inner {
	int x;
	const char *label;
};

struct outer {
	long id;
	struct inner *in;
	int arr[4];
};

volatile long sink;
/* Read before the probes fire: a uprobe cannot fault in a page the
 * program has not touched yet, as stap's runtime cannot either. */
static const char bob[] = "bob";

__attribute__((noinline)) int add(int a, int b)
{
	int sum = a + b;
	return sum;
}

__attribute__((noinline)) long chain(struct outer *o)
{
	return o->in->x + o->id;
}

__attribute__((noinline)) int greet(const char *who, int times)
{
	int len = (int)strlen(who);
	return len * times;
}

__attribute__((noinline)) long mixed(signed char c, short s, unsigned int u, long l)
{
	return c + s + (long)u + l;
}

__attribute__((noinline)) int depth(int n)
{
	if (n <= 0)
		return 0;
	return depth(n - 1) + 1;
}

__attribute__((noinline)) void *alloc_a(size_t n)
{
	return malloc(n);
}

__attribute__((noinline)) void *alloc_b(size_t n, size_t size)
{
	return calloc(n, size);
}

/* Outstanding at the end: 2 x 100 bytes from alloc_a, 300 bytes from
 * main's realloc (of alloc_b's block), and 48 freed bytes not at all. */
static void allocations(void)
{
	void *p[3];
	for (int i = 0; i < 3; i++)
		p[i] = alloc_a(100);
	free(p[1]);
	void *q = alloc_b(4, 25);
	q = realloc(q, 300);
	free(malloc(48));
	sink = (long)p[0] + (long)p[2] + (long)q;
}

/* Inlined where it is used at -O2 (.inline probes). */
static inline int square(int x)
{
	int sq = x * x;
	return sq;
}

__attribute__((noinline)) void tick(long i)
{
	__asm__ volatile("" : : "r"(i) : "memory");
}

/* A label the compiler keeps (.label probes), reached by a goto on odd n. */
__attribute__((noinline)) int halve(int n)
{
	if (n & 1)
		goto odd;
	return n / 2;
odd:
	__asm__ volatile("" : "+r"(n) : : "memory");
	return (n + 1) / 2;
}

/* `target pages N` (perf counters, @perf): touch_pages() faults in N new
 * pages, naps() sleeps N times, each a context switch. (Here rather than
 * at the top so the line numbers of the functions above stay as the
 * tests expect them.) */
#include <sys/mman.h>
#include <time.h>

__attribute__((noinline)) void touch_pages(long n)
{
	char *p = mmap(0, (size_t)n * 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED)
		return;
	for (long i = 0; i < n; i++)
		((volatile char *)p)[i * 4096] = 1;
	munmap(p, (size_t)n * 4096);
}

__attribute__((noinline)) void naps(long n)
{
	struct timespec ts = {0, 2000000};
	for (long i = 0; i < n; i++)
		nanosleep(&ts, 0);
}

int main(int argc, char **argv)
{
	if (argc > 2 && strcmp(argv[1], "pages") == 0) {
		touch_pages(atol(argv[2]));
		naps(atol(argv[2]) / 100);
		return 0;
	}
	if (argc > 1 && strcmp(argv[1], "alloc") == 0) {
		allocations();
		return 0;
	}
	if (argc > 2 && strcmp(argv[1], "loop") == 0) {
		long n = atol(argv[2]);
		for (long i = 0; i < n; i++)
			tick(i);
		return 0;
	}
	int rounds = argc > 1 ? atoi(argv[1]) : 1;
	const char *volatile touch = bob;
	sink = strlen(touch);
	struct inner in = {42, "inner-label"};
	struct outer o = {7, &in, {10, 20, 30, 40}};
	long total = 0;
	for (int r = 0; r < rounds; r++) {
		total += add(3, 4);
		total += greet(bob, 2);
		total += chain(&o);
		total += mixed(-5, -300, 4000000000u, -1234567890123L);
		total += depth(3);
		total += ufix_mul(6, 7);
		total += square((int)(total & 7));
		total += halve(2 * r + 1);
	}
	sink = total;
	return 0;
}
