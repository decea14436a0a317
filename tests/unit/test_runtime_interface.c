/* The interface between generated code and the runtimes
 * (runtime/btap_runtime.h) is checked, not assumed:
 *   - every btap_/BTAP_/STAP_ name in the C the emitter writes (string
 *     literals of emit/ and bpf-backend/emit_bpf*.c) and in the tapset's
 *     %{ %} bodies is listed there, and every listed name is still used;
 *   - every runtime header (with what it includes) defines the names its
 *     WHO promises, and none defines a name the unit reserves;
 *   - a generated unit that uses most of the language compiles against
 *     each runtime's header: the kernel build with clang -target bpf, the
 *     runner build with cc, warnings as errors. */
#include "check.h"

#include "translator/util.h"

#include <glob.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

enum who { BOTH, KERNEL, RUNNER, UNIT, KMOD };
struct entry {
	enum who who;
	const char *name;
	bool used;
};
static struct entry entries[] = {
#define BTAP_IFACE(who, name, what) {who, #name, false},
#include "runtime/btap_runtime.h"
#undef BTAP_IFACE
};
#define NENTRIES (sizeof(entries) / sizeof(entries[0]))

static char *slurp(const char *path)
{
	size_t n;
	return read_file(path, &n);
}

/* Blank out C comments (keeping string literals) so that a name only
 * mentioned in prose counts for nothing. */
static void strip_comments(char *s)
{
	for (char *p = s; *p; p++) {
		if (*p == '"' || *p == '\'') {
			char q = *p;
			for (p++; *p && *p != q; p++)
				if (*p == '\\' && p[1])
					p++;
			if (!*p)
				return;
		} else if (p[0] == '/' && p[1] == '*') {
			char *e = strstr(p + 2, "*/");
			char *end = e ? e + 2 : p + strlen(p);
			memset(p, ' ', (size_t)(end - p));
			p = end - 1;
		} else if (p[0] == '/' && p[1] == '/') {
			while (*p && *p != '\n')
				*p++ = ' ';
			if (!*p)
				return;
		}
	}
}

static bool is_ident(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
}

static bool has_prefix(const char *s, size_t n)
{
	return (n > 5 && (!strncmp(s, "btap_", 5) || !strncmp(s, "BTAP_", 5) || !strncmp(s, "STAP_", 5)));
}

/* The entry naming s[0..n): the name itself, or a family (a name ending in
 * '_') s extends. */
static struct entry *lookup(const char *s, size_t n)
{
	struct entry *family = NULL;
	for (size_t i = 0; i < NENTRIES; i++) {
		size_t l = strlen(entries[i].name);
		if (l == n && !strncmp(entries[i].name, s, n))
			return &entries[i];
		if (l < n && entries[i].name[l - 1] == '_' && !strncmp(entries[i].name, s, l))
			family = &entries[i];
	}
	return family;
}

/* Each interface name in text[0..len): listed (marked used) or reported. */
static void check_names(const char *file, const char *text, size_t len)
{
	for (size_t i = 0; i < len; i++) {
		if (!is_ident(text[i]) || (i > 0 && is_ident(text[i - 1])))
			continue;
		size_t n = 0;
		while (i + n < len && is_ident(text[i + n]))
			n++;
		if (has_prefix(text + i, n)) {
			struct entry *e = lookup(text + i, n);
			if (e)
				e->used = true;
			else
				fprintf(stderr, "%s: %.*s is not in runtime/btap_runtime.h\n", file, (int)n, text + i);
			CHECK(e != NULL);
		}
		i += n;
	}
}

/* The C the emitter writes: its string literals. */
static void scan_emitter(const char *pattern)
{
	glob_t g;
	CHECK(glob(pattern, 0, NULL, &g) == 0);
	for (size_t k = 0; k < g.gl_pathc; k++) {
		char *s = slurp(g.gl_pathv[k]);
		CHECK(s != NULL);
		if (!s)
			continue;
		strip_comments(s);
		for (char *p = s; (p = strchr(p, '"'));) {
			char *q = p + 1;
			while (*q && *q != '"' && *q != '\n')
				q += (*q == '\\' && q[1]) ? 2 : 1;
			if (p == s || p[-1] != '\'')
				check_names(g.gl_pathv[k], p + 1, (size_t)(q - p - 1));
			p = *q ? q + 1 : q;
		}
		free(s);
	}
	globfree(&g);
}

/* The tapset's embedded C: its %{ %} bodies. */
static void scan_tapset(const char *pattern)
{
	glob_t g;
	CHECK(glob(pattern, 0, NULL, &g) == 0);
	for (size_t k = 0; k < g.gl_pathc; k++) {
		char *s = slurp(g.gl_pathv[k]);
		for (char *p = s; p && (p = strstr(p, "%{"));) {
			char *q = strstr(p + 2, "%}");
			if (!q)
				break;
			check_names(g.gl_pathv[k], p + 2, (size_t)(q - p - 2));
			p = q + 2;
		}
		free(s);
	}
	globfree(&g);
}

/* A runtime header and the headers it includes by "path", comments
 * stripped, appended to out. */
static void header_closure(const char *path, struct strbuf *out, int depth)
{
	char *s = slurp(path);
	CHECK(s != NULL && depth < 8);
	if (!s || depth >= 8) {
		fprintf(stderr, "cannot read %s\n", path);
		free(s);
		return;
	}
	strip_comments(s);
	sb_puts(out, s);
	for (char *p = s; (p = strstr(p, "#include \""));) {
		p += strlen("#include \"");
		char *q = strchr(p, '"');
		if (!q)
			break;
		const char *slash = strrchr(path, '/');
		struct strbuf inc;
		sb_init(&inc);
		sb_printf(&inc, "%.*s/%.*s", slash ? (int)(slash - path) : 1, slash ? path : ".", (int)(q - p), p);
		header_closure(inc.s, out, depth + 1);
		sb_free(&inc);
		p = q;
	}
	free(s);
}

static bool defines_name(const char *text, const char *name)
{
	size_t n = strlen(name);
	for (const char *p = text; (p = strstr(p, name)); p += n)
		if ((p == text || !is_ident(p[-1])) && (name[n - 1] == '_' || !is_ident(p[n])))
			return true;
	return false;
}

/* What the kmod runtime does not provide yet (the emitter rejects their
 * uses with a located error under --runtime=kmod): none today; a name
 * goes here while the kmod runtime lacks it. */
static const char *const kmod_not_yet[] = {
	NULL,
};

/* Kernel names that only the BPF lowering has: the verifier's string
 * mask, the BTF types and maps a unit asks for, the program prologue. */
static const char *const bpf_lowering[] = {
	"BTAP_STRMASK", "BTAP_NEED_TASK", "BTAP_TASK_OVERRIDE", "BTAP_NEED_KSTACK", "BTAP_NEED_USTACK", "BTAP_EXIT_GROUP_DEAD",
	"btap_bpf_enter", "BTAP_NEED_EXE", "BTAP_NEED_RUNNING", "BTAP_HAVE_FIND_VMA", "BTAP_NEED_CMDLINE", "BTAP_NEED_STRCMP",
	"BTAP_HAVE_TASK_FROM_PID", "btap_perf_regs", "BTAP_NEED_FRAMES", "BTAP_NEED_LOADAVG", "BTAP_NEED_FP", "BTAP_HAVE_SNPRINTF", NULL,
};

static bool listed(const char *const *list, const char *name)
{
	for (int i = 0; list[i]; i++)
		if (strcmp(list[i], name) == 0)
			return true;
	return false;
}

static bool kmod_lacks(const char *header, const char *name)
{
	return strstr(header, "/kmod/") && (listed(kmod_not_yet, name) || listed(bpf_lowering, name));
}

/* Each runtime provides what its WHO promises and nothing the unit
 * reserves. */
static void check_runtime(const char *header, enum who mine)
{
	struct strbuf text;
	sb_init(&text);
	header_closure(header, &text, 0);
	for (size_t i = 0; i < NENTRIES; i++) {
		const struct entry *e = &entries[i];
		bool has = defines_name(text.s ? text.s : "", e->name);
		bool want = ((e->who == BOTH || e->who == mine) && !kmod_lacks(header, e->name)) ||
			    (e->who == KMOD && strstr(header, "/kmod/"));
		if (want && !has)
			fprintf(stderr, "%s lacks %s\n", header, e->name);
		if (e->who == UNIT && has)
			fprintf(stderr, "%s defines %s, which the unit reserves\n", header, e->name);
		CHECK(!want || has);
		CHECK(e->who != UNIT || !has);
	}
	sb_free(&text);
}

/* ---- a generated unit against each runtime ------------------------------ */

static const char script[] =
	"global a[10], s, n = 3\n"
	"function f:string (x:long) { if (x > 2) return sprintf(\"%d:%s\", x, execname()); return \"z\" }\n"
	"probe kernel.trace(\"sched:sched_switch\") { a[pid(), execname()] <<< $next_pid; s .= f(n) }\n"
	"probe kernel.trace(\"syscalls:sys_enter_close\"), kernel.trace(\"sched:sched_wakeup\") { n++ }\n"
	"probe timer.s(1) { foreach ([p, e] in a- limit 3) printf(\"%d %s %d\\n\", p, e, @count(a[p, e]))\n"
	"  try { error(\"x\") } catch (m) { println(m) } }\n"
	"probe begin { for (i = 0; i < 3; i++) n += i; while (n > 0) { n--; if (n == 1) break }\n"
	"  if (\"abc\" =~ \"b+\") println(matched(0)) }\n"
	"probe end { print(@hist_log(a[1, \"x\"])); println(strlen(user_string(0))); exit() }\n";

static int run(const char *cmd)
{
	int rc = system(cmd);
	if (rc != 0)
		fprintf(stderr, "failed (%d): %s\n", rc, cmd);
	return rc;
}

static void check_generated_unit(void)
{
	/* The kernel probe's types come from the running kernel's BTF. */
	if (access("/sys/kernel/btf/vmlinux", R_OK) != 0) {
		printf("SKIP generated unit: no kernel BTF\n");
		return;
	}
	char dir[] = "/tmp/btap-iface-XXXXXX";
	CHECK(mkdtemp(dir) != NULL);
	struct strbuf p;
	sb_init(&p);
	sb_printf(&p, "%s/t.stp", dir);
	FILE *f = fopen(p.s, "w");
	CHECK(f && fputs(script, f) >= 0 && fclose(f) == 0);
	struct strbuf cmd;
	sb_init(&cmd);
	sb_printf(&cmd, "%s/build/san/btap -p3 %s/t.stp >%s/u.c", BTAP_SOURCE_DIR, dir, dir);
	CHECK(run(cmd.s) == 0);
	/* The unit has both halves: each build must see real code. */
	char *unit = NULL;
	sb_free(&p); sb_init(&p);
	sb_printf(&p, "%s/u.c", dir);
	unit = slurp(p.s);
	CHECK(unit && strstr(unit, "BTAP_PROBE_TRACEPOINT") && strstr(unit, "BTAP_PROBE_BEGIN"));
	free(unit);
	sb_free(&cmd); sb_init(&cmd);
	sb_printf(&cmd, "cc -std=gnu11 -fsyntax-only -Wall -Wextra -Werror -DBTAP_TARGET_USER -I%s/runtime %s/u.c",
		  BTAP_SOURCE_DIR, dir);
	CHECK(run(cmd.s) == 0);
	/* Unused static functions are the BPF runtime's way (every probe gets
	 * the whole interface); anything else is an error. */
	sb_free(&cmd); sb_init(&cmd);
	sb_printf(&cmd, "clang -target bpf -O2 -fsyntax-only -Wall -Werror -Wno-unused-function "
		  "-Wno-pragma-clang-attribute -DBTAP_TARGET_BPF -I%s/runtime %s/u.c", BTAP_SOURCE_DIR, dir);
	CHECK(run(cmd.s) == 0);
	sb_free(&cmd); sb_init(&cmd);
	sb_printf(&cmd, "rm -rf %s", dir);
	CHECK(run(cmd.s) == 0);
	sb_free(&cmd);
	sb_free(&p);
}

int main(void)
{
	scan_emitter("emit/*.[ch]");
	scan_emitter("bpf-backend/emit_bpf*.c");
	scan_tapset("tapset/*.stp*");
	for (size_t i = 0; i < NENTRIES; i++) {
		if (!entries[i].used)
			fprintf(stderr, "runtime/btap_runtime.h lists %s, which nothing uses\n", entries[i].name);
		CHECK(entries[i].used);
	}
	check_runtime("runtime/bpf/btap_bpf.h", KERNEL);
	check_runtime("runtime/user/btap_user.h", RUNNER);
	/* The kmod runtime: every kernel name but those it rejects yet and
	 * the BPF lowering's own. */
	check_runtime("runtime/kmod/btap_kmod.h", KERNEL);
	check_generated_unit();
	return CHECK_DONE();
}
