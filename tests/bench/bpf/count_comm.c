/* Loader for count_comm.bpf.o: load, attach, run a command (or wait for a
 * signal or a time limit), then print the per-comm counts summed over CPUs.
 *
 *   count_comm OBJECT [-T SECONDS] [-c CMD]
 *
 * Mirrors how a tracer is benchmarked: CMD starts only once the program is
 * attached, and the loader exits when CMD does. */
#include <errno.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

static volatile sig_atomic_t stop_requested;

static void on_signal(int sig)
{
	stop_requested = 1;
}

static pid_t start_command(const char *cmd)
{
	pid_t pid = fork();
	if (pid == 0) {
		execl("/bin/sh", "sh", "-c", cmd, (char *)NULL);
		_exit(127);
	}
	return pid;
}

/* Wait for the command, a signal or the time limit, whichever comes first. */
static void wait_until_done(pid_t child, int seconds)
{
	for (long ticks = 0; !stop_requested; ticks++) {
		if (seconds > 0 && ticks >= seconds * 100L)
			break;
		if (child > 0 && waitpid(child, NULL, WNOHANG) == child) {
			child = 0;
			break;
		}
		usleep(10000);
	}
	if (child > 0) {
		kill(child, SIGTERM);
		waitpid(child, NULL, 0);
	}
}

static void print_counts(struct bpf_map *map)
{
	int fd = bpf_map__fd(map);
	int ncpus = libbpf_num_possible_cpus();
	size_t key_size = bpf_map__key_size(map);
	unsigned long long *values = calloc((size_t)ncpus, sizeof(*values));
	char *key = calloc(2, key_size + 1);	/* current and next, NUL-terminated */
	char *next = key ? key + key_size + 1 : NULL;
	bool have_key = false;

	if (!values || !key || bpf_map__value_size(map) != sizeof(*values))
		goto out;
	while (bpf_map_get_next_key(fd, have_key ? key : NULL, next) == 0) {
		unsigned long long sum = 0;
		if (bpf_map_lookup_elem(fd, next, values) == 0)
			for (int i = 0; i < ncpus; i++)
				sum += values[i];
		printf("%-16.16s %llu\n", next, sum);
		memcpy(key, next, key_size);
		have_key = true;
	}
out:
	free(values);
	free(key);
}

int main(int argc, char **argv)
{
	const char *cmd = NULL;
	int seconds = 0, opt;

	while ((opt = getopt(argc, argv, "T:c:")) != -1) {
		if (opt == 'T')
			seconds = atoi(optarg);
		else if (opt == 'c')
			cmd = optarg;
		else
			return 2;
	}
	if (optind >= argc) {
		fprintf(stderr, "usage: count_comm OBJECT [-T SECONDS] [-c CMD]\n");
		return 2;
	}
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);

	struct bpf_object *obj = bpf_object__open_file(argv[optind], NULL);
	if (!obj || libbpf_get_error(obj)) {
		fprintf(stderr, "count_comm: cannot open %s\n", argv[optind]);
		return 1;
	}
	if (bpf_object__load(obj) != 0) {
		fprintf(stderr, "count_comm: cannot load %s: %s\n", argv[optind], strerror(errno));
		bpf_object__close(obj);
		return 1;
	}
	struct bpf_program *prog = bpf_object__find_program_by_name(obj, "count_getpid");
	struct bpf_link *link = prog ? bpf_program__attach(prog) : NULL;
	if (!link || libbpf_get_error(link)) {
		fprintf(stderr, "count_comm: cannot attach: %s\n", strerror(errno));
		bpf_object__close(obj);
		return 1;
	}

	pid_t child = cmd ? start_command(cmd) : 0;
	wait_until_done(child, seconds);

	bpf_link__destroy(link);
	print_counts(bpf_object__find_map_by_name(obj, "counts"));
	bpf_object__close(obj);
	return 0;
}
