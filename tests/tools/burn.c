/* A CPU burner for flamegraph.stp's test: main -> outer -> inner for 1.5 s
 * of wall time, built with frame pointers so the user stack walks. */
#include <time.h>
static volatile unsigned long sink;
__attribute__((noinline)) static void inner(void) { for (int i = 0; i < 1000; i++) sink += i; }
__attribute__((noinline)) static void outer(double secs) {
	struct timespec a, b;
	clock_gettime(CLOCK_MONOTONIC, &a);
	do { inner(); clock_gettime(CLOCK_MONOTONIC, &b); } while ((b.tv_sec - a.tv_sec) + (b.tv_nsec - a.tv_nsec) / 1e9 < secs);
}
int main(void) { outer(1.5); return 0; }
