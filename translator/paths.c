/* Locating the tapset library and the runtime headers: see paths.h. */
#include "paths.h"

#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* The source tree this binary was built from (the Makefile passes it). */
#ifndef BTAP_SOURCE_DIR
#define BTAP_SOURCE_DIR "."
#endif
/* From the directory holding an installed binary to its data. */
#define INSTALLED_DATA_REL "../share/btap"

static char tapset_dir[PATH_MAX];
static char runtime_dir[PATH_MAX];

static bool is_dir(const char *path)
{
	struct stat st;
	return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

/* The directory of the running binary, symlinks resolved; "" if unknown. */
static void exe_dir(char out[PATH_MAX])
{
	out[0] = '\0';
	char *real = realpath("/proc/self/exe", NULL);
	if (!real)
		return;
	char *slash = strrchr(real, '/');
	if (slash && slash != real) {
		*slash = '\0';
		snprintf(out, PATH_MAX, "%s", real);
	}
	free(real);
}

static bool inside(const char *path, const char *dir)
{
	size_t n = strlen(dir);
	return n && strncmp(path, dir, n) == 0 && (path[n] == '/' || path[n] == '\0');
}

/* The directory holding tapset/ and runtime/. */
static void data_dir(char out[PATH_MAX])
{
	char exe[PATH_MAX], cand[PATH_MAX + 32];
	exe_dir(exe);
	char *src = realpath(BTAP_SOURCE_DIR, NULL);
	/* A binary in its own tree never picks up an installed copy. */
	bool in_tree = src && exe[0] && inside(exe, src);
	if (!in_tree && exe[0]) {
		snprintf(cand, sizeof(cand), "%s/" INSTALLED_DATA_REL "/tapset", exe);
		if (is_dir(cand)) {
			snprintf(cand, sizeof(cand), "%s/" INSTALLED_DATA_REL, exe);
			char *real = realpath(cand, NULL);
			snprintf(out, PATH_MAX, "%s", real ? real : cand);
			free(real);
			free(src);
			return;
		}
	}
	snprintf(out, PATH_MAX, "%s", src ? src : BTAP_SOURCE_DIR);
	free(src);
}

static void find_paths(void)
{
	if (tapset_dir[0])
		return;
	char data[PATH_MAX];
	const char *t = getenv("BTAP_TAPSET_DIR"), *r = getenv("BTAP_RUNTIME_DIR");
	bool need_data = !(t && *t) || !(r && *r);
	if (need_data)
		data_dir(data);
	if (t && *t)
		snprintf(tapset_dir, sizeof(tapset_dir), "%s", t);
	else
		snprintf(tapset_dir, sizeof(tapset_dir), "%.*s/tapset", PATH_MAX - 8, data);
	if (r && *r)
		snprintf(runtime_dir, sizeof(runtime_dir), "%s", r);
	else
		snprintf(runtime_dir, sizeof(runtime_dir), "%.*s/runtime", PATH_MAX - 9, data);
}

const char *paths_tapset_dir(void)
{
	find_paths();
	return tapset_dir;
}

const char *paths_runtime_dir(void)
{
	find_paths();
	return runtime_dir;
}
