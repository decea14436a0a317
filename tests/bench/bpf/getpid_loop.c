/* Workload for the per-event benchmarks: calls getpid(2) through syscall()
 * (no libc caching) N times, R rounds, and reports the median ns per call.
 *
 *   getpid_loop [-n CALLS] [-r ROUNDS] [-c CPU] [-o FILE] [-u | -a]
 *
 * With -u each call is to bench_uprobe_target(), an empty function of this
 * program, instead: the workload of the uprobe benchmark. With -a each call
 * is an openat(2) of a path that does not exist (fails at once): the
 * workload of the argstr benchmark.
 *
 * Prints, to stdout or to FILE when given (so that the result survives a
 * tracer that owns stdout):
 *   ns_per_call=X min_ns_per_call=Y cpu_ns_per_call=Z calls=N rounds=R seconds=S
 * X and S come from the median round by wall time, Y from the fastest round,
 * Z from the round that used the least CPU time of this thread (user+system,
 * which includes what BPF programs run in the syscall path, but not the time
 * the thread waited for a CPU: the figure least disturbed by other load). */
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

static double clock_ns(clockid_t id)
{
	struct timespec ts;
	clock_gettime(id, &ts);
	return ts.tv_sec * 1e9 + ts.tv_nsec;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

/* What the uprobe benchmark probes: a call that does nothing. */
__attribute__((noinline)) void bench_uprobe_target(long i)
{
	__asm__ volatile("" : : "r"(i) : "memory");
}

static void pin_to_cpu(int cpu)
{
	cpu_set_t set;
	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	if (sched_setaffinity(0, sizeof(set), &set) != 0)
		perror("getpid_loop: sched_setaffinity");
}

int main(int argc, char **argv)
{
	long calls = 2000000, rounds = 5;
	int cpu = -1, opt;
	const char *out_path = NULL;

	int user_calls = 0, open_calls = 0;
	while ((opt = getopt(argc, argv, "n:r:c:o:ua")) != -1) {
		switch (opt) {
		case 'n': calls = atol(optarg); break;
		case 'r': rounds = atol(optarg); break;
		case 'c': cpu = atoi(optarg); break;
		case 'o': out_path = optarg; break;
		case 'u': user_calls = 1; break;
		case 'a': open_calls = 1; break;
		default:
			fprintf(stderr, "usage: getpid_loop [-n CALLS] [-r ROUNDS] [-c CPU] [-o FILE] [-u | -a]\n");
			return 2;
		}
	}
	if (calls < 1 || rounds < 1 || rounds > 100) {
		fprintf(stderr, "getpid_loop: bad -n or -r\n");
		return 2;
	}
	if (cpu >= 0)
		pin_to_cpu(cpu);

	double secs[100], cpu_secs[100];
	for (long r = 0; r < rounds; r++) {
		double t0 = clock_ns(CLOCK_MONOTONIC);
		double c0 = clock_ns(CLOCK_THREAD_CPUTIME_ID);
		if (user_calls)
			for (long i = 0; i < calls; i++)
				bench_uprobe_target(i);
		else if (open_calls)
			for (long i = 0; i < calls; i++)
				syscall(SYS_openat, AT_FDCWD, "/nonexistent/getpid_loop", O_RDONLY | O_CLOEXEC);
		else
			for (long i = 0; i < calls; i++)
				syscall(SYS_getpid);
		cpu_secs[r] = (clock_ns(CLOCK_THREAD_CPUTIME_ID) - c0) / 1e9;
		secs[r] = (clock_ns(CLOCK_MONOTONIC) - t0) / 1e9;
	}
	qsort(secs, (size_t)rounds, sizeof(secs[0]), cmp_double);
	qsort(cpu_secs, (size_t)rounds, sizeof(cpu_secs[0]), cmp_double);
	double median = secs[rounds / 2];

	FILE *out = out_path ? fopen(out_path, "w") : stdout;
	if (!out) {
		perror(out_path);
		return 1;
	}
	fprintf(out, "ns_per_call=%.1f min_ns_per_call=%.1f cpu_ns_per_call=%.1f calls=%ld rounds=%ld seconds=%.4f\n",
		median * 1e9 / (double)calls, secs[0] * 1e9 / (double)calls,
		cpu_secs[0] * 1e9 / (double)calls, calls * rounds, rounds, median);
	if (out != stdout)
		fclose(out);
	return 0;
}
