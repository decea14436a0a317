/* Wall-clock timer for start-up benchmarks: runs a command several times and
 * prints the median, min and max in milliseconds.
 *
 *   timeit [-n RUNS] [-t TIMEOUT_S] [-f] -- CMD [ARGS...]
 *
 * -f gives every run a fresh, empty XDG_CACHE_HOME (a cold start); the
 * directory is removed afterwards. A run that exceeds the timeout is killed.
 * The command's stdout goes to /dev/null; its stderr is kept in a file and
 * shown when a run fails, and then timing stops. Output, one line:
 *   median_ms=M min_ms=A max_ms=B runs=N
 * or "failed: ..." with exit status 1. */
#define _XOPEN_SOURCE 700
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define MAX_RUNS 200

static double now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

static int remove_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	return remove(path);
}

static void remove_tree(const char *dir)
{
	nftw(dir, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
}

static void show_file(const char *path)
{
	FILE *f = fopen(path, "r");
	char line[512];
	int n = 0;
	if (!f)
		return;
	while (n++ < 20 && fgets(line, sizeof(line), f))
		fprintf(stderr, "  | %s", line);
	fclose(f);
}

static pid_t spawn(char **argv, const char *cache_dir, const char *err_path)
{
	pid_t pid = fork();
	if (pid != 0)
		return pid;
	int devnull = open("/dev/null", O_RDWR);
	int err = open(err_path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	if (devnull >= 0) {
		dup2(devnull, 0);
		dup2(devnull, 1);
	}
	if (err >= 0)
		dup2(err, 2);
	if (cache_dir)
		setenv("XDG_CACHE_HOME", cache_dir, 1);
	setpgid(0, 0);
	execvp(argv[0], argv);
	_exit(127);
}

/* Wait for pid; kill its process group once the timeout has passed.
 * Returns the wait status, or -1 on a timeout. */
static int wait_bounded(pid_t pid, double start, double timeout_ms)
{
	int status;
	for (;;) {
		pid_t r = waitpid(pid, &status, WNOHANG);
		if (r == pid)
			return status;
		if (r < 0 && errno != EINTR)
			return 0;
		if (now_ms() - start > timeout_ms) {
			kill(-pid, SIGKILL);
			kill(pid, SIGKILL);
			waitpid(pid, &status, 0);
			return -1;
		}
		usleep(200);
	}
}

int main(int argc, char **argv)
{
	int runs = 10, fresh_cache = 0, opt;
	double timeout_s = 30;

	while ((opt = getopt(argc, argv, "+n:t:f")) != -1) {
		switch (opt) {
		case 'n': runs = atoi(optarg); break;
		case 't': timeout_s = atof(optarg); break;
		case 'f': fresh_cache = 1; break;
		default: return 2;
		}
	}
	if (optind >= argc || runs < 1 || runs > MAX_RUNS) {
		fprintf(stderr, "usage: timeit [-n RUNS] [-t TIMEOUT_S] [-f] -- CMD [ARGS...]\n");
		return 2;
	}
	char err_path[] = "/tmp/timeit-err-XXXXXX";
	int err_fd = mkstemp(err_path);
	if (err_fd < 0) {
		perror("timeit: mkstemp");
		return 1;
	}
	close(err_fd);

	double ms[MAX_RUNS];
	int done = 0;
	for (; done < runs; done++) {
		char cache_dir[] = "/tmp/timeit-cache-XXXXXX";
		if (fresh_cache && !mkdtemp(cache_dir)) {
			perror("timeit: mkdtemp");
			break;
		}
		double start = now_ms();
		pid_t pid = spawn(argv + optind, fresh_cache ? cache_dir : NULL, err_path);
		int status = pid > 0 ? wait_bounded(pid, start, timeout_s * 1e3) : 0;
		ms[done] = now_ms() - start;
		if (fresh_cache)
			remove_tree(cache_dir);
		if (pid < 0 || status == -1 || !WIFEXITED(status) || WEXITSTATUS(status) != 0) {
			if (status == -1)
				printf("failed: timed out after %.0f s\n", timeout_s);
			else
				printf("failed: exit status %d\n",
				       WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status));
			show_file(err_path);
			unlink(err_path);
			return 1;
		}
	}
	unlink(err_path);
	qsort(ms, (size_t)done, sizeof(ms[0]), cmp_double);
	printf("median_ms=%.1f min_ms=%.1f max_ms=%.1f runs=%d\n", ms[done / 2], ms[0], ms[done - 1], done);
	return 0;
}
