/* The tapset library: it parses, every public function and probe alias is
 * documented, its native bodies call only the runtime interface documented
 * in tapset/RUNTIME-INTERFACE.md, and scripts using all of it elaborate. */
#include "check.h"

#include "translator/elaborate.h"
#include "translator/parser.h"
#include "translator/session.h"
#include "translator/tapset_load.h"
#include "translator/tracepoints.h"

#include <stdlib.h>
#include <string.h>

/* A session with the tapset loaded and, when script is not NULL, the script
 * parsed and elaborated. Diagnostics are captured into *diags (caller
 * frees). Returns whether everything succeeded. */
/* The C body of the function a session calls alone: its marks ask for
 * guru mode and the kmod runtime (set_kernel_*()). */
static const char *called_body;
/* A library function that calls a guru function is for guru mode too. */
static bool calls_guru;

static bool tapset_session(struct session *s, const char *script, char **diags)
{
	session_init(s);
	if ((called_body && strstr(called_body, "/* guru */")) || calls_guru)
		s->guru = true;
	if (called_body && strstr(called_body, "/* kmod-only: "))
		s->runtime = RT_KMOD;
	session_setup_pp(s);
	diag_capture_begin();
	bool ok = tapset_load_all(s) && diag_error_count() == 0;
	if (ok && script) {
		struct src_file *f = src_register("<test>", script, strlen(script), false);
		s->user_file = parse_file(&s->arena, f, &s->pp, false);
		ok = diag_error_count() == 0 && elaborate(s) && diag_error_count() == 0;
	}
	*diags = diag_capture_take();
	diag_capture_end();
	return ok;
}

static void check_script(const char *script)
{
	struct session s;
	char *diags;
	bool ok = tapset_session(&s, script, &diags);
	CHECK(ok);
	if (!ok)
		fprintf(stderr, "script:\n%s\ndiagnostics:\n%s\n", script, diags);
	free(diags);
	session_free(&s);
}

/* The btap_* names declared in the interface document's C block:
 * functions, and the structs their tables are made of. */
static char *read_interface(void)
{
	size_t len;
	return read_file(BTAP_TAPSET_DIR "/RUNTIME-INTERFACE.md", &len);
}

static bool interface_declares(const char *doc, const char *name, size_t n)
{
	const char *end = strstr(doc, "\n```\n");  /* end of the first C block */
	for (const char *p = doc; (p = strstr(p, "btap_")) && (!end || p < end); p++)
		if (strncmp(p, name, n) == 0 &&
		    (p[n] == '(' || (p[n] == ' ' && p - doc >= 7 && strncmp(p - 7, "struct ", 7) == 0)))
			return true;
	return false;
}

/* Each btap_xxx( in an embedded body must be declared in the document. */
static void check_natives_declared(const struct session *s, const char *doc)
{
	int natives = 0;
	for (int i = 0; i < s->tapset_files.n; i++) {
		const struct stapfile *file = s->tapset_files.v[i];
		for (int j = 0; j < file->functions.n; j++) {
			const struct funcdecl *fn = file->functions.v[j];
			if (!fn->embedded)
				continue;
			natives++;
			const char *p = fn->embedded;
			while ((p = strstr(p, "btap_"))) {
				size_t n = strspn(p, "btap_abcdefghijklmnopqrstuvwxyz0123456789");
				bool ok = interface_declares(doc, p, n);
				CHECK(ok);
				if (!ok)
					fprintf(stderr, "%s calls %.*s, not in RUNTIME-INTERFACE.md\n",
						fn->name, (int)n, p);
				p += n;
			}
		}
	}
	CHECK(natives >= 30);
}

/* Public functions ("__" prefix: internal) and aliases carry a doc comment
 * " * NAME - summary" (aliases: " * probe NAME - summary"). */
static void check_documented(const struct session *s)
{
	char want[256];
	for (int i = 0; i < s->tapset_files.n; i++) {
		const struct stapfile *file = s->tapset_files.v[i];
		const char *text = file->src->text;
		for (int j = 0; j < file->functions.n; j++) {
			const struct funcdecl *fn = file->functions.v[j];
			if (strncmp(fn->name, "__", 2) == 0)
				continue;
			snprintf(want, sizeof want, "\n * %s - ", fn->name);
			CHECK(strstr(text, want) != NULL);
			if (!strstr(text, want))
				fprintf(stderr, "%s: function %s has no doc comment\n", file->src->name, fn->name);
		}
		for (int j = 0; j < file->aliases.n; j++) {
			const struct probe_alias *al = file->aliases.v[j];
			const struct probe_point *pp = al->aliases.v[0];
			char name[200] = "";
			for (int k = 0; k < pp->comps.n; k++) {
				const struct pp_component *c = pp->comps.v[k];
				if (k)
					strncat(name, ".", sizeof name - strlen(name) - 1);
				strncat(name, c->name, sizeof name - strlen(name) - 1);
			}
			if (strncmp(name, "__", 2) == 0) /* the library's own, as __ functions */
				continue;
			/* A .return alias has a doc comment of its own, or is
			 * documented with its entry alias. */
			snprintf(want, sizeof want, "\n * probe %s - ", name);
			char *ret = strstr(name, ".return");
			if (!strstr(text, want) && ret && ret[7] == '\0') {
				*ret = '\0';
				snprintf(want, sizeof want, "\n * probe %s - ", name);
			}
			CHECK(strstr(text, want) != NULL);
			if (!strstr(text, want))
				fprintf(stderr, "%s: probe %s has no doc comment\n", file->src->name, name);
		}
	}
}

static void test_library_loads(void)
{
	struct session s;
	char *diags;
	CHECK(tapset_session(&s, NULL, &diags));
	CHECK_STR(diags, "");
	CHECK(s.tapset_files.n >= 12);
	char *doc = read_interface();
	CHECK(doc != NULL);
	if (doc)
		check_natives_declared(&s, doc);
	check_documented(&s);
	free(doc);
	free(diags);
	session_free(&s);
}

/* Every public function, once, with the arities stap has. */
static const char every_function[] =
	"probe begin {\n"
	"  printf(\"%s %s %d %d %d %d %d %d %d %d %d %s\\n\", execname(), pexecname(), pid(), tid(),\n"
	"         ppid(), uid(), euid(), gid(), egid(), cpu(), target(), pp())\n"
	"  printf(\"%d %d %d %d %d %d\\n\", cpuid(), gettimeofday_s(), gettimeofday_ms(),\n"
	"         gettimeofday_us(), gettimeofday_ns(), ktime_get_ns())\n"
	"  printf(\"%d %d %d %d %d\\n\", local_clock_ns(), local_clock_us(), local_clock_ms(),\n"
	"         local_clock_s(), jiffies())\n"
	"  printf(\"%d %d %d %d %d %d\\n\", cpu_clock_ns(0), cpu_clock_us(0), cpu_clock_ms(0),\n"
	"         cpu_clock_s(0), HZ(), get_cycles())\n"
	"  log(\"x\"); warn(\"y\"); assert(1); assert(1, \"m\")\n"
	"  printf(\"%d %s %d %d %d %s %d %d\\n\", strlen(\"ab\"), substr(\"abc\", 1, 1),\n"
	"         stringat(\"abc\", 1), isinstr(\"abc\", \"b\"), strpos(\"abc\", \"c\"),\n"
	"         str_replace(\"aXbX\", \"X\", \"yy\"), strtol(\"0x10\", 16), isdigit(\"1a\"))\n"
	"  printf(\"%s %s %s %s %s\\n\", text_str(\"a\"), text_strn(\"abc\", 2, 1),\n"
	"         string_quoted(\"q\"), tokenize(\"a b c\", \" \"), tokenize(\" \"))\n"
	"  printf(\"%s %s %s %s %s\\n\", user_string(0), user_string(0, \"e\"), user_string2(0, \"e\"),\n"
	"         user_string_nofault(0), user_string_warn(0))\n"
	"  printf(\"%s %s %s %s %s %s %s\\n\", user_string_quoted(0), user_string_n(0, 3),\n"
	"         user_string_n(0, 3, \"e\"), user_string_n2(0, 3, \"e\"), user_string_n_nofault(0, 3),\n"
	"         user_string_n_warn(0, 3), user_string_n_quoted(0, 3))\n"
	"  printf(\"%s %s %s %s %s\\n\", kernel_string(0), kernel_string(0, \"e\"),\n"
	"         kernel_string2(0, \"e\"), kernel_string_n(0, 4), kernel_string_quoted(0))\n"
	"  printf(\"%d %d %d %d %d %d %d %d\\n\", user_char(0), user_short(0), user_ushort(0),\n"
	"         user_int(0), user_long(0), user_int8(0), user_uint8(0), user_int16(0))\n"
	"  printf(\"%d %d %d %d %d %d %d %d\\n\", user_uint16(0), user_int32(0), user_uint32(0),\n"
	"         user_int64(0), user_uint64(0), user_char_error(0), user_short_error(0),\n"
	"         user_int_error(0))\n"
	"  printf(\"%d %d %d %d %d %d\\n\", user_long_error(0), kernel_char(0), kernel_short(0),\n"
	"         kernel_int(0), kernel_long(0), kernel_pointer(0))\n"
	"  printf(\"%s %d %d %s %s %s\\n\", thread_indent(1), thread_indent_depth(-1),\n"
	"         indent_depth(1), indent(-1), ctime(0), ctime())\n"
	"  printf(\"%s %d %s %s %s\\n\", errno_str(2), errno_p(-2), return_str(1, -2),\n"
	"         signal_str(9), tcp_sockstate_str(1))\n"
	"  printf(\"%d\\n\", @MAXSTRINGLEN)\n"
	"  exit()\n"
	"}\n"
	"probe end { abort() }\n"
	"probe error { error(\"z\") }\n";

/* Every probe alias, with its common variables. */
static const char every_alias[] =
	"probe syscall.* { printf(\"%s(%s)\\n\", name, argstr) }\n"
	"probe syscall.*.return { printf(\"%s = %s %d\\n\", name, retstr, retval) }\n"
	"probe scheduler.*, signal.*, tcp.* { printf(\"%s\\n\", name) }\n"
	"probe syscall.openat { printf(\"%s %s %d %s\\n\", filename, flags_str, mode, dfd_str) }\n"
	"probe syscall.read, syscall.write { printf(\"%d %d %d\\n\", fd, buf_uaddr, count) }\n"
	"probe syscall.execve { printf(\"%s %s %s\\n\", filename, args, env_str) }\n"
	"probe scheduler.ctxswitch { printf(\"%s %s %d %d %d\\n\", prev_task_name,\n"
	"      next_task_name, prev_pid, next_tid, prevtsk_state) }\n"
	"probe scheduler.process_fork { printf(\"%d %d\\n\", parent_pid, child_pid) }\n"
	"probe signal.send { printf(\"%s %d %s\\n\", sig_name, sig_pid, pid_name) }\n"
	"probe tcp.state_change { printf(\"%s:%d %s:%d %s\\n\", saddr, sport, daddr, dport,\n"
	"      newstate_str) }\n";

/* Does `probe CTX { CALL }` elaborate, CALL being name(args) with each
 * unknown-typed parameter given a long or a string as bit i of combo
 * says? */
static bool call_elaborates(const char *ctx, const struct funcdecl *fd, unsigned combo, char **diags)
{
	struct strbuf b;
	sb_init(&b);
	sb_printf(&b, "probe %s {\n\t%s(", ctx, fd->name);
	VEC_FOREACH(fd->params, i) {
		const struct vardecl *v = VEC_AT(fd->params, i, const struct vardecl *);
		bool str = v->type == TY_STRING || (v->type != TY_LONG && (combo >> i & 1));
		sb_printf(&b, "%s%s", i ? ", " : "", str ? "\"\"" : "0");
	}
	sb_puts(&b, ")\n}\n");
	struct session s;
	called_body = fd->embedded;
	bool ok = tapset_session(&s, b.s, diags);
	called_body = NULL;
	session_free(&s);
	sb_free(&b);
	return ok;
}

/* Every public function elaborates in a script that calls it and nothing
 * else: a library function must not depend on what else the script uses
 * (thread_indent_depth() without thread_indent(), say). */
static void test_each_function_alone(void)
{
	struct session lib;
	char *diags;
	CHECK(tapset_session(&lib, NULL, &diags));
	free(diags);
	bool kernel = tp_tracefs_dir() || kernel_btf();
	int tried = 0;
	VEC_FOREACH(lib.tapset_files, i) {
		const struct stapfile *file = VEC_AT(lib.tapset_files, i, const struct stapfile *);
		VEC_FOREACH(file->functions, k) {
			const struct funcdecl *fd = VEC_AT(file->functions, k, const struct funcdecl *);
			if (fd->is_private || strncmp(fd->name, "__", 2) == 0)
				continue;
			tried++;
			bool ok = false;
			char *why = NULL;
			unsigned combos = 1u << (fd->params.n < 6 ? fd->params.n : 6);
			for (unsigned c = 0; c < combos && !ok; c++) {
				free(why);
				why = NULL;
				ok = call_elaborates("begin", fd, c, &why) ||
				     (kernel && (free(why), why = NULL,
						 call_elaborates("kernel.trace(\"sched:sched_switch\")", fd, c, &why)));
			}
			if (!ok && why && strstr(why, "is for guru mode only (-g)")) {
				calls_guru = true;
				free(why);
				why = NULL;
				ok = call_elaborates("kernel.trace(\"sched:sched_switch\")", fd, combos - 1, &why);
				calls_guru = false;
			}
			/* a fact of this kernel, not of the library: addr_to_node()
			 * reads variables only a full kallsyms places */
			if (!ok && why && strstr(why, "built without CONFIG_KALLSYMS_ALL")) {
				printf("%s: not elaborated here (the kernel's kallsyms has no data symbols)\n", fd->name);
				ok = true;
			}
			/* a fact of this machine: the types of a module that is not
			 * loaded here (sunrpc's, nfs's); the VM tier runs them */
			if (!ok && why && strstr(why, "cannot read BTF from /sys/kernel/btf/")) {
				printf("%s: not elaborated here (a module it reads is not loaded)\n", fd->name);
				ok = true;
			}
			CHECK(ok);
			if (!ok)
				fprintf(stderr, "%s alone does not elaborate:\n%s\n", fd->name, why ? why : "");
			free(why);
		}
	}
	CHECK(tried > 100);
	printf("each of %d public tapset functions elaborates alone\n", tried);
	session_free(&lib);
}

int main(void)
{
	test_each_function_alone();
	test_library_loads();
	check_script(every_function);
	/* The aliases need the kernel's tracepoint catalog. */
	if (tp_tracefs_dir() || kernel_btf())
		check_script(every_alias);
	else
		fprintf(stderr, "test_tapset: no tracefs or BTF, probe aliases not checked\n");
	tp_release();
	return CHECK_DONE();
}
