/* kbuild's compiler, with its probes remembered (kbuild_cc.h). */
#include "kbuild_cc.h"

#include <errno.h>
#include <fcntl.h>
#include <spawn.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "translator/cache.h"
#include "translator/util.h"

extern char **environ;

/* Options whose value is the next argument (not an input file). */
static bool takes_value(const char *a)
{
	static const char *const opts[] = {"-o", "-x", "-include", "-imacros", "-isystem", "-idirafter", "-I",
					   "-MF", "-MT", "-MQ", "-Xassembler", "-Xlinker", NULL};
	for (int i = 0; opts[i]; i++)
		if (strcmp(a, opts[i]) == 0)
			return true;
	return false;
}

/* A probe compiles no file of its own: its input is /dev/null or stdin,
 * or it only asks (--version, -print-file-name=...), and it writes no
 * dependency file. */
static bool is_probe(int argc, char **argv, const char **out_file, bool *reads_stdin)
{
	bool input = false, query = false;
	*out_file = NULL;
	*reads_stdin = false;
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		if (takes_value(a) && i + 1 < argc) {
			if (strcmp(a, "-o") == 0)
				*out_file = argv[i + 1];
			i++;
		} else if (strcmp(a, "/dev/null") == 0) {
			input = true;
		} else if (strcmp(a, "-") == 0) {
			input = *reads_stdin = true;
		} else if (a[0] != '-') {
			return false; /* a source file */
		} else if (strstr(a, "-MD") || strstr(a, "-MMD")) {
			return false;
		} else if (strcmp(a, "--version") == 0 || strncmp(a, "-print-", 7) == 0 || strncmp(a, "-dump", 5) == 0) {
			query = true;
		}
	}
	return input || query;
}

static void hash_file_identity(struct cache_hash *h, const char *path)
{
	struct stat st;
	if (path && stat(path, &st) == 0) {
		cache_hash_str(h, path);
		cache_hash_put(h, &st.st_size, sizeof st.st_size);
		cache_hash_put(h, &st.st_mtime, sizeof st.st_mtime);
	}
}

static char *read_all_fd(int fd, size_t *len)
{
	struct strbuf b;
	sb_init(&b);
	char buf[65536];
	ssize_t n;
	while ((n = read(fd, buf, sizeof buf)) > 0 || (n < 0 && errno == EINTR))
		if (n > 0)
			sb_putn(&b, buf, (size_t)n);
	*len = b.len;
	return b.s ? sb_steal(&b) : (sb_free(&b), xstrdup(""));
}

static bool write_all_fd(int fd, const char *p, size_t n)
{
	while (n) {
		ssize_t w = write(fd, p, n);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return false;
		p += w;
		n -= (size_t)w;
	}
	return true;
}

/* Run the compiler: stdin from in (n bytes) when given, stdout and stderr
 * captured. The exit status, or -1. */
static int run(char **argv, const char *in, size_t n, char **out, size_t *nout, char **err, size_t *nerr)
{
	int fds[3] = {memfd_create("kcc-in", MFD_CLOEXEC), memfd_create("kcc-out", MFD_CLOEXEC),
		      memfd_create("kcc-err", MFD_CLOEXEC)};
	int status = -1;
	*out = *err = NULL;
	if (fds[0] >= 0 && fds[1] >= 0 && fds[2] >= 0 && (!in || write_all_fd(fds[0], in, n)) &&
	    lseek(fds[0], 0, SEEK_SET) == 0) {
		posix_spawn_file_actions_t fa;
		posix_spawn_file_actions_init(&fa);
		for (int i = 0; i < 3; i++)
			posix_spawn_file_actions_adddup2(&fa, fds[i], i);
		pid_t pid;
		if (posix_spawnp(&pid, argv[0], &fa, NULL, argv, environ) == 0) {
			int ws;
			while (waitpid(pid, &ws, 0) < 0 && errno == EINTR)
				;
			status = WIFEXITED(ws) ? WEXITSTATUS(ws) : 128 + (WIFSIGNALED(ws) ? WTERMSIG(ws) : 0);
		}
		posix_spawn_file_actions_destroy(&fa);
		lseek(fds[1], 0, SEEK_SET);
		lseek(fds[2], 0, SEEK_SET);
		*out = read_all_fd(fds[1], nout);
		*err = read_all_fd(fds[2], nerr);
	}
	for (int i = 0; i < 3; i++)
		if (fds[i] >= 0)
			close(fds[i]);
	return status;
}

static char *entry_file(const char *entry, const char *name, size_t *len)
{
	char path[4200];
	snprintf(path, sizeof path, "%s/%s", entry, name);
	return read_file(path, len);
}

/* Answer from a kept entry: its output, its file, its status. */
static int replay(const char *entry, const char *out_file)
{
	size_t n;
	char *rc = entry_file(entry, "rc", &n), *out = entry_file(entry, "out", &n);
	if (!rc || !out) {
		free(rc);
		free(out);
		return -1;
	}
	write_all_fd(1, out, n);
	free(out);
	char *err = entry_file(entry, "err", &n);
	if (err)
		write_all_fd(2, err, n);
	free(err);
	char *obj = out_file && strcmp(out_file, "-") != 0 ? entry_file(entry, "obj", &n) : NULL;
	if (obj) {
		int fd = open(out_file, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
		if (fd >= 0) {
			write_all_fd(fd, obj, n);
			close(fd);
		}
		free(obj);
	}
	int status = atoi(rc);
	free(rc);
	return status;
}

int kbuild_cc_main(int argc, char **argv)
{
	const char *out_file;
	bool reads_stdin;
	const char *root = argc > 0 ? cache_root() : NULL;
	if (argc < 1)
		return 2;
	if (!root || !is_probe(argc, argv, &out_file, &reads_stdin)) {
		execvp(argv[0], argv);
		fprintf(stderr, "btap --kbuild-cc: cannot run %s: %s\n", argv[0], strerror(errno));
		return 127;
	}
	size_t nin = 0;
	char *in = reads_stdin ? read_all_fd(0, &nin) : NULL;
	struct cache_hash h;
	cache_hash_init(&h);
	cache_hash_str(&h, "kbuild-cc 1");
	char *cc = path_find_program(argv[0]);
	hash_file_identity(&h, cc);
	char *as = path_find_program("as");
	hash_file_identity(&h, as);
	free(cc);
	free(as);
	for (int i = 1; i < argc; i++) {
		bool out_value = i > 1 && strcmp(argv[i - 1], "-o") == 0;
		cache_hash_str(&h, out_value ? "<out>" : argv[i]); /* kbuild's -o is a temporary */
		if (!out_value)
			hash_file_identity(&h, argv[i]); /* an -include'd header ... */
	}
	cache_hash_put(&h, in ? in : "", nin);
	char hex[65], name[80], entry[4200];
	cache_hash_hex(&h, hex);
	snprintf(name, sizeof name, "kcc-%s", hex);
	snprintf(entry, sizeof entry, "%s/%s", root, name);
	int status = replay(entry, out_file);
	if (status >= 0) {
		free(in);
		return status;
	}
	char *out, *err;
	size_t nout, nerr;
	status = run(argv, in, nin, &out, &nout, &err, &nerr);
	free(in);
	if (status < 0) {
		fprintf(stderr, "btap --kbuild-cc: cannot run %s\n", argv[0]);
		return 127;
	}
	write_all_fd(1, out, nout);
	write_all_fd(2, err, nerr);
	char tmp[4200], rc[16], published[4200];
	if (cache_make_tmpdir(tmp, sizeof tmp)) {
		size_t nobj = 0;
		char *obj = out_file && strcmp(out_file, "-") != 0 ? read_file(out_file, &nobj) : NULL;
		snprintf(rc, sizeof rc, "%d", status);
		bool ok = cache_write_file(tmp, "out", out, nout) && cache_write_file(tmp, "err", err, nerr) &&
			  (!obj || cache_write_file(tmp, "obj", obj, nobj)) &&
			  cache_write_file(tmp, "rc", rc, strlen(rc)); /* last: an entry with rc is whole */
		free(obj);
		if (!ok || !cache_publish(tmp, name, published, sizeof published))
			cache_remove_dir(tmp);
	}
	free(out);
	free(err);
	return status;
}
