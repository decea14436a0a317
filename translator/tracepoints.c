/* The tracepoint catalog: which events exist and the fields of their
 * records. tracefs (mounted here when missing) lists the events and holds
 * each one's `format` file; without tracefs the kernel's BTF stands in.
 * Parsing format files is tp_format.c's job, BTF's part tp_btf.c's. */
#include "tp_catalog.h"

#include <dirent.h>
#include <errno.h>
#include <fnmatch.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

/* ==== tracefs ========================================================= */

#define TRACEFS_DEFAULT "/sys/kernel/tracing"

static char *tracefs_override;     /* tp_set_tracefs_dir */
static bool tracefs_overridden;
static const char *tracefs_found;  /* cached lookup result */
static bool tracefs_searched;

static bool has_events_dir(const char *root)
{
	char path[4096];
	struct stat st;
	snprintf(path, sizeof path, "%s/events", root);
	return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

/* A tracefs mounted somewhere unusual (containers, tools that mount their own). */
static const char *tracefs_from_mounts(void)
{
	static char dir[4096];
	FILE *f = fopen("/proc/self/mounts", "r");
	if (!f)
		return NULL;
	char line[8192];
	const char *found = NULL;
	while (!found && fgets(line, sizeof line, f)) {
		char src[256], mnt[4096], type[64];
		if (sscanf(line, "%255s %4095s %63s", src, mnt, type) != 3)
			continue;
		if (strcmp(type, "tracefs") == 0 && has_events_dir(mnt)) {
			snprintf(dir, sizeof dir, "%s", mnt);
			found = dir;
		}
	}
	fclose(f);
	return found;
}

static const char *find_tracefs(void)
{
	if (has_events_dir(TRACEFS_DEFAULT))
		return TRACEFS_DEFAULT;
	if (has_events_dir("/sys/kernel/debug/tracing"))
		return "/sys/kernel/debug/tracing";
	/* Not mounted: do what a user would have to do by hand. */
	if ((mount("tracefs", TRACEFS_DEFAULT, "tracefs", 0, NULL) == 0 || errno == EBUSY) &&
	    has_events_dir(TRACEFS_DEFAULT))
		return TRACEFS_DEFAULT;
	return tracefs_from_mounts();
}

const char *tp_tracefs_dir(void)
{
	if (tracefs_overridden)
		return tracefs_override && *tracefs_override ? tracefs_override : NULL;
	if (!tracefs_searched) {
		tracefs_found = find_tracefs();
		tracefs_searched = true;
	}
	return tracefs_found;
}

void tp_set_tracefs_dir(const char *dir)
{
	free(tracefs_override);
	tracefs_override = dir ? xstrdup(dir) : NULL;
	tracefs_overridden = dir != NULL;
}

/* ==== patterns ======================================================== */

struct tp_names {
	const char *group, *name;
};

/* Does the group part of one alternative match? True when it has none. */
static bool group_alt_match(const char *pattern, void *ctx)
{
	const struct tp_names *n = ctx;
	const char *colon = strchr(pattern, ':');
	if (!colon)
		return true;
	char gpat[256];
	size_t glen = (size_t)(colon - pattern);
	if (glen >= sizeof gpat)
		return false;
	memcpy(gpat, pattern, glen);
	gpat[glen] = 0;
	return fnmatch(gpat, n->group, 0) == 0;
}

/* Does the group part of "group:event" (brace groups allowed) match? */
static bool group_may_match(const char *pattern, const char *group)
{
	return brace_any(pattern, group_alt_match, &(struct tp_names){group, NULL});
}

static bool tp_alt_match(const char *pattern, void *ctx)
{
	const struct tp_names *n = ctx;
	const char *colon = strchr(pattern, ':');
	if (!colon)
		return fnmatch(pattern, n->name, 0) == 0;
	/* An event listed without its group (BTF only) matches any group. */
	if (*n->group && !group_alt_match(pattern, ctx))
		return false;
	return fnmatch(colon + 1, n->name, 0) == 0;
}

bool tp_pattern_match(const char *pattern, const char *group, const char *name)
{
	return brace_any(pattern, tp_alt_match, &(struct tp_names){group, name});
}

/* ==== listing ========================================================= */

static bool is_dir_entry(int dfd, const struct dirent *d)
{
	if (d->d_name[0] == '.')
		return false;
	if (d->d_type == DT_DIR)
		return true;
	if (d->d_type != DT_UNKNOWN)
		return false;
	struct stat st;
	return fstatat(dfd, d->d_name, &st, 0) == 0 && S_ISDIR(st.st_mode);
}

/* Every directory under a group is an event (its files, enable and
 * filter, are not directories): no need to look into each. */
static void list_group(struct arena *a, const char *events, const char *group,
                       const char *pattern, struct vec *out)
{
	char gdir[4096];
	snprintf(gdir, sizeof gdir, "%s/%s", events, group);
	DIR *d = opendir(gdir);
	if (!d)
		return;
	struct dirent *e;
	while ((e = readdir(d))) {
		if (!is_dir_entry(dirfd(d), e) || !tp_pattern_match(pattern, group, e->d_name))
			continue;
		struct tp_event *ev = arena_alloc(a, sizeof *ev);
		ev->group = arena_strdup(a, group);
		ev->name = arena_strdup(a, e->d_name);
		ev->id = -1;
		vec_push(a, out, ev);
	}
	closedir(d);
}

/* "group:name" with nothing to expand: one stat, not a listing of
 * every group (each listing of the tracefs events is costly). */
static bool list_one(struct arena *a, const char *events, const char *pattern, struct vec *out)
{
	const char *colon = strchr(pattern, ':');
	if (!colon || colon == pattern || !colon[1] || strpbrk(pattern, "*?[]{},\\/") ||
	    strchr(colon + 1, ':'))
		return false;
	char dir[4096];
	snprintf(dir, sizeof dir, "%s/%.*s/%s", events, (int)(colon - pattern), pattern, colon + 1);
	struct stat st;
	if (strncmp(pattern, "ftrace:", 7) != 0 && stat(dir, &st) == 0 && S_ISDIR(st.st_mode)) {
		struct tp_event *ev = arena_alloc(a, sizeof *ev);
		ev->group = arena_strndup(a, pattern, (size_t)(colon - pattern));
		ev->name = arena_strdup(a, colon + 1);
		ev->id = -1;
		vec_push(a, out, ev);
	}
	return true;
}

static void list_from_tracefs(struct arena *a, const char *root, const char *pattern, struct vec *out)
{
	char events[4096];
	snprintf(events, sizeof events, "%s/events", root);
	if (list_one(a, events, pattern, out))
		return;
	/* a literal group ("syscalls:sys_enter_*"): list that group only */
	const char *colon = strchr(pattern, ':');
	if (colon && colon > pattern && !memchr(pattern, '*', (size_t)(colon - pattern)) &&
	    !strpbrk(pattern, "?[]{},\\/")) {
		char *group = arena_strndup(a, pattern, (size_t)(colon - pattern));
		if (strcmp(group, "ftrace") != 0)
			list_group(a, events, group, pattern, out);
		return;
	}
	DIR *d = opendir(events);
	if (!d)
		return;
	struct dirent *g;
	while ((g = readdir(d))) {
		/* ftrace/ describes the tracer's own records, not tracepoints. */
		if (!is_dir_entry(dirfd(d), g) || strcmp(g->d_name, "ftrace") == 0 ||
		    !group_may_match(pattern, g->d_name))
			continue;
		list_group(a, events, g->d_name, pattern, out);
	}
	closedir(d);
}

static int cmp_events(const void *x, const void *y)
{
	const struct tp_event *a = *(const struct tp_event *const *)x;
	const struct tp_event *b = *(const struct tp_event *const *)y;
	int c = strcmp(a->group, b->group);
	return c ? c : strcmp(a->name, b->name);
}

int tp_list(struct arena *a, const char *pattern, struct vec *out)
{
	int before = out->n;
	const char *root = tp_tracefs_dir();
	if (root)
		list_from_tracefs(a, root, pattern, out);
	else if (kernel_btf())
		tp_btf_list(a, pattern, out);
	else
		return -1;
	int added = out->n - before;
	if (added > 1)
		qsort(out->v + before, (size_t)added, sizeof(void *), cmp_events);
	return added;
}

/* ==== loading one event =============================================== */

static void set_fields(struct arena *a, struct tp_event *ev, struct vec *fields)
{
	ev->nfields = fields->n;
	ev->fields = arena_alloc(a, sizeof(struct tp_field) * (size_t)(fields->n ? fields->n : 1));
	for (int i = 0; i < fields->n; i++)
		ev->fields[i] = *(struct tp_field *)fields->v[i];
	ev->fields_loaded = true;
}

static bool load_from_tracefs(struct arena *a, const char *root, struct tp_event *ev)
{
	char path[4096];
	snprintf(path, sizeof path, "%s/events/%s/%s/format", root, ev->group, ev->name);
	char *text = read_file(path, NULL);
	if (!text)
		return false;
	struct vec fields = { 0 };
	tp_format_parse(a, text, ev, &fields);
	free(text);
	set_fields(a, ev, &fields);
	tp_btf_attach_types(a, ev);
	return true;
}

static bool load_from_btf(struct arena *a, struct tp_event *ev)
{
	struct vec fields = { 0 };
	if (!tp_btf_fields(a, ev, &fields))
		return false;
	set_fields(a, ev, &fields);
	return true;
}

bool tp_event_load_fields(struct arena *a, struct tp_event *ev)
{
	if (ev->fields_loaded)
		return true;
	const char *root = tp_tracefs_dir();
	if (root && *ev->group)
		return load_from_tracefs(a, root, ev);
	return load_from_btf(a, ev);
}

struct tp_event *tp_event_load(struct arena *a, const char *group, const char *name)
{
	if (strchr(group, '/') || strchr(name, '/') || !*name || strcmp(group, "ftrace") == 0)
		return NULL;
	struct tp_event *ev = arena_alloc(a, sizeof *ev);
	ev->group = arena_strdup(a, group);
	ev->name = arena_strdup(a, name);
	ev->id = -1;
	return tp_event_load_fields(a, ev) ? ev : NULL;
}

const struct tp_field *tp_event_field(const struct tp_event *ev, const char *name)
{
	for (int i = 0; i < ev->nfields; i++)
		if (strcmp(ev->fields[i].name, name) == 0)
			return &ev->fields[i];
	return NULL;
}

bool tp_field_is_string(const struct tp_field *f)
{
	return f->kind == TP_FIELD_CHAR_ARRAY || f->kind == TP_FIELD_DATA_LOC_STR ||
	       f->kind == TP_FIELD_REL_LOC_STR;
}

void tp_release(void)
{
	tp_btf_release();
	type_source_kernel_release();
	free(tracefs_override);
	tracefs_override = NULL;
	tracefs_overridden = false;
}
