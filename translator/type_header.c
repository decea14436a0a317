/* Types from the kernel's user-space API headers: see type_header.h. */
#include "type_header.h"

#include "session.h"
#include "type_source.h"
#include "types.h"
#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#define UAPI_INCLUDE "/usr/include"

/* the sources compiled so far, by module argument */
static struct compiled {
	char *module;
	struct type_source *src;
	struct compiled *next;
} *compiled;

/* Run clang on src (C text) into obj; its messages into *msgs. */
static bool compile_headers(const char *src_path, const char *obj, const char *log)
{
	char *clang = path_find_program("clang");
	if (!clang)
		return false;
	pid_t pid = fork();
	if (pid == 0) {
		int fd = open(log, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
		if (fd >= 0) {
			dup2(fd, 1);
			dup2(fd, 2);
		}
		/* every type the headers declare, used or not */
		execl(clang, clang, "-g", "-fno-eliminate-unused-debug-types", "-fstandalone-debug", "-O0",
		      "-I" UAPI_INCLUDE, "-c", "-o", obj, src_path, (char *)NULL);
		_exit(127);
	}
	free(clang);
	int status;
	while (pid > 0 && waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	return pid > 0 && WIFEXITED(status) && WEXITSTATUS(status) == 0;
}

const struct type_source *type_source_headers(struct session *s, const char *module, const char **why)
{
	for (struct compiled *c = compiled; c; c = c->next)
		if (strcmp(c->module, module) == 0)
			return c->src;
	struct strbuf text;
	sb_init(&text);
	sb_puts(&text, "#include <linux/types.h>\n");
	const char *p = strchr(module, '<');
	int n = 0;
	while (p && *p == '<') {
		const char *end = strchr(p, '>');
		if (!end || end == p + 1) {
			*why = "a header is named as <PATH>";
			sb_free(&text);
			return NULL;
		}
		const char *h = p + 1;
		if (strncmp(h, "uapi/", 5) == 0)
			h += 5;
		char *name = arena_strndup(&s->arena, h, (size_t)(end - h));
		char path[4096];
		snprintf(path, sizeof path, "%s%s%s", name[0] == '/' ? "" : UAPI_INCLUDE, name[0] == '/' ? "" : "/",
			 name);
		if (name[0] == '/' && access(path, R_OK) != 0) {
			*why = arena_printf(&s->arena, "no header %s", path);
			sb_free(&text);
			return NULL;
		}
		if (strstr(name, "..") || access(path, R_OK) != 0) {
			*why = arena_printf(&s->arena, "no %s: of the kernel's headers btap reads the user-space API "
					    "ones (kernel<uapi/linux/NAME.h>), from %s (Debian: linux-libc-dev)",
					    path, UAPI_INCLUDE);
			sb_free(&text);
			return NULL;
		}
		sb_printf(&text, "#include <%s>\n", name);
		n++;
		p = end + 1;
	}
	if (!n) {
		*why = "no header between < and >";
		sb_free(&text);
		return NULL;
	}
	char dir[] = "/tmp/btap-hdr.XXXXXX";
	if (!mkdtemp(dir)) {
		*why = "cannot make a temporary directory";
		sb_free(&text);
		return NULL;
	}
	char src[64], obj[64], log[64];
	snprintf(src, sizeof src, "%s/h.c", dir);
	snprintf(obj, sizeof obj, "%s/h.o", dir);
	snprintf(log, sizeof log, "%s/log", dir);
	FILE *f = fopen(src, "w");
	bool ok = f && fputs(text.s, f) >= 0;
	if (f)
		ok = fclose(f) == 0 && ok;
	sb_free(&text);
	struct type_source *ts = NULL;
	char *err = NULL;
	if (!ok) {
		*why = "cannot write a temporary file";
	} else if (!compile_headers(src, obj, log)) {
		char *msg = read_file(log, NULL);
		const char *first = msg ? msg : "clang is not installed";
		*why = arena_printf(&s->arena, "the headers do not compile: %.*s", (int)strcspn(first, "\n"), first);
		free(msg);
	} else if (!(ts = type_source_dwarf_open(obj, &err))) {
		*why = arena_strdup(&s->arena, err ? err : "no DWARF in the compiled headers");
		free(err);
	}
	unlink(src);
	unlink(obj);
	unlink(log);
	rmdir(dir);
	if (!ts)
		return NULL;
	ts->kernel_memory = true;
	struct compiled *c = xcalloc(1, sizeof *c);
	c->module = xstrdup(module);
	c->src = ts;
	c->next = compiled;
	compiled = c;
	return ts;
}
