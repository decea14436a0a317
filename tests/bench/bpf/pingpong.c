/* Workload for what @perf's counters cost a context switch: two processes
 * pinned to one CPU pass a byte back and forth through pipes, two context
 * switches a round trip. `pingpong N` prints the median of 5 rounds of N
 * round trips as "NS ns per switch"; each round trip of the parent calls
 * round_trip(), where a script may read a counter. */
#define _GNU_SOURCE
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

__attribute__((noinline)) void round_trip(int to, int from)
{
	char c = 0;
	if (write(to, &c, 1) != 1 || read(from, &c, 1) != 1)
		exit(1);
}

static double now_ns(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec * 1e9 + t.tv_nsec;
}

static int cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

int main(int argc, char **argv)
{
	int n = argc > 1 ? atoi(argv[1]) : 100000, a[2], b[2];
	cpu_set_t one;
	CPU_ZERO(&one);
	CPU_SET(sched_getcpu(), &one);
	sched_setaffinity(0, sizeof(one), &one);
	if (pipe(a) || pipe(b))
		return 1;
	pid_t child = fork();
	if (child == 0) {
		char c;
		close(a[1]); /* EOF once the parent closes its end */
		close(b[0]);
		while (read(a[0], &c, 1) == 1 && write(b[1], &c, 1) == 1)
			;
		_exit(0);
	}
	double ns[5];
	for (int r = 0; r < 5; r++) {
		double t0 = now_ns();
		for (int i = 0; i < n; i++)
			round_trip(a[1], b[0]);
		ns[r] = (now_ns() - t0) / n / 2;
	}
	close(a[1]);
	waitpid(child, NULL, 0);
	qsort(ns, 5, sizeof(ns[0]), cmp);
	printf("%.0f ns per switch\n", ns[2]);
	return 0;
}
