/* One run's state: its defaults, the preprocessor's facts about the
 * target kernel (release, architecture, runtime, CONFIG_*) once options
 * are known, and freeing everything with the session's arena. */
#include "session.h"
#include "kconfig.h"
#include "paths.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>

/* "6.18.44-fc-v769" -> "6.18.44": the numeric version part of a release. */
static const char *version_of(struct arena *a, const char *release)
{
	size_t n = strspn(release, "0123456789.");
	while (n && release[n - 1] == '.')
		n--;
	return arena_strndup(a, release, n);
}

void session_init(struct session *s)
{
	memset(s, 0, sizeof(*s));
	arena_init(&s->arena);
	s->last_pass = 5;
	s->runtime = RT_AUTO;
	s->remote_id = -1;
	s->tapset_dir = paths_tapset_dir();
}

/* Preprocessor facts, once options are known (-r changes the kernel). */
void session_setup_pp(struct session *s)
{
	struct utsname u;
	uname(&u);
	const char *release = arena_strdup(&s->arena, u.release);
	bool release_is_dir = s->kernel_release && strchr(s->kernel_release, '/');
	if (s->kernel_release && !release_is_dir)
		release = s->kernel_release;
	if (release_is_dir) { /* a build tree names the release it is for (uname -r's) */
		char path[4200];
		size_t len;
		snprintf(path, sizeof path, "%s/include/generated/utsrelease.h", s->kernel_release);
		char *text = read_file(path, &len);
		const char *q = text ? strstr(text, "UTS_RELEASE \"") : NULL;
		if (q) {
			q += strlen("UTS_RELEASE \"");
			release = arena_strndup(&s->arena, q, strcspn(q, "\"\n"));
		}
		free(text);
	}
	s->pp.args = s->args;
	s->pp.nargs = s->nargs;
	s->pp.kernel_vr = release;
	s->pp.kernel_v = version_of(&s->arena, release);
	s->pp.arch = strcmp(u.machine, "aarch64") == 0 ? "arm64" : arena_strdup(&s->arena, u.machine);
	s->pp.runtime = s->runtime == RT_KMOD ? "kmod" : "bpf";
	s->pp.systemtap_v = s->compatible ? s->compatible : "4.8";
	s->pp.guru_mode = s->guru;
	s->kconfig = kconfig_new(s->kernel_release);
	s->pp.config_lookup = kconfig_lookup;
	s->pp.config_ctx = s->kconfig;
}

void session_free(struct session *s)
{
	kconfig_free(s->kconfig);
	arena_free(&s->arena);
	src_reset();
	diag_reset();
}
