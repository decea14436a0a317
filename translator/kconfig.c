/* CONFIG_* values for preprocessor conditions, read on first use from
 * /proc/config.gz, /boot/config-KREL or a build tree's .config. */
#include "kconfig.h"
#include "util.h"

#include <stdbool.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <zlib.h>

struct kconfig {
	char *release;
	bool loaded;
	char **names, **values;
	int n, cap;
};

struct kconfig *kconfig_new(const char *release)
{
	struct kconfig *kc = xcalloc(1, sizeof(*kc));
	kc->release = release ? xstrdup(release) : NULL;
	return kc;
}

void kconfig_free(struct kconfig *kc)
{
	if (!kc)
		return;
	for (int i = 0; i < kc->n; i++) {
		free(kc->names[i]);
		free(kc->values[i]);
	}
	free(kc->names);
	free(kc->values);
	free(kc->release);
	free(kc);
}

static void add_line(struct kconfig *kc, char *line)
{
	if (strncmp(line, "CONFIG_", 7) != 0)
		return;
	char *eq = strchr(line, '=');
	if (!eq)
		return;
	*eq = 0;
	char *val = eq + 1;
	val[strcspn(val, "\r\n")] = 0;
	if (kc->n == kc->cap) {
		kc->cap = kc->cap ? kc->cap * 2 : 1024;
		kc->names = xrealloc(kc->names, sizeof(char *) * (size_t)kc->cap);
		kc->values = xrealloc(kc->values, sizeof(char *) * (size_t)kc->cap);
	}
	kc->names[kc->n] = xstrdup(line);
	kc->values[kc->n] = xstrdup(val);
	kc->n++;
}

/* gzopen reads plain files too, so one reader serves every source. */
static bool load_file(struct kconfig *kc, const char *path)
{
	gzFile f = gzopen(path, "rb");
	if (!f)
		return false;
	char line[4096];
	while (gzgets(f, line, sizeof line))
		add_line(kc, line);
	gzclose(f);
	return true;
}

static void load(struct kconfig *kc)
{
	kc->loaded = true;
	char path[4096];
	if (!kc->release) {
		if (load_file(kc, "/proc/config.gz"))
			return;
		return;
	}
	struct stat st;
	if (stat(kc->release, &st) == 0 && S_ISDIR(st.st_mode)) {
		snprintf(path, sizeof path, "%s/.config", kc->release);
		load_file(kc, path);
		return;
	}
	snprintf(path, sizeof path, "/boot/config-%s", kc->release);
	if (load_file(kc, path))
		return;
	snprintf(path, sizeof path, "/usr/src/linux-headers-%s/.config", kc->release);
	load_file(kc, path);
}

const char *kconfig_lookup(const char *name, void *ctx)
{
	struct kconfig *kc = ctx;
	if (!kc)
		return NULL;
	if (!kc->loaded)
		load(kc);
	for (int i = 0; i < kc->n; i++)
		if (strcmp(kc->names[i], name) == 0)
			return kc->values[i];
	return NULL;
}

bool kconfig_known(struct kconfig *kc)
{
	if (kc && !kc->loaded)
		load(kc);
	return kc && kc->n > 0;
}

int64_t kconfig_hz(struct kconfig *kc)
{
	const char *v = kconfig_lookup("CONFIG_HZ", kc);
	int64_t hz = v ? strtoll(v, NULL, 10) : 0;
	return hz > 0 ? hz : 250;
}
