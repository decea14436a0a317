/* Background activity inside the test VM: a live system reads files all
 * the time, so vfs_read-style probes have events to see. Reads FILE (first
 * argument, default /etc/os-release) every MS milliseconds (second
 * argument, default 5) until killed. */
#include <fcntl.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	const char *path = argc > 1 ? argv[1] : "/etc/os-release";
	long ms = argc > 2 ? atol(argv[2]) : 5;
	struct timespec pause = { .tv_sec = ms / 1000, .tv_nsec = (ms % 1000) * 1000000L };
	char buf[512];
	for (;;) {
		int fd = open(path, O_RDONLY);
		if (fd >= 0) {
			while (read(fd, buf, sizeof buf) > 0)
				;
			close(fd);
		}
		nanosleep(&pause, NULL);
	}
}
