/* Pass 4 of the kernel-module runtime (kbuild.h). */
#include "kbuild.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <unistd.h>

#include "bpf-backend/clang_driver.h"
#include "bpf-backend/compile.h"
#include "translator/cache.h"
#include "translator/diag.h"
#include "translator/session.h"
#include "translator/util.h"

void kbuild_tree(const struct session *s, char *out, size_t n)
{
	const char *r = s->kernel_release;
	struct utsname u;
	if (r && strchr(r, '/'))
		snprintf(out, n, "%s", r);
	else if (r)
		snprintf(out, n, "/lib/modules/%s/build", r);
	else
		snprintf(out, n, "/lib/modules/%s/build", uname(&u) == 0 ? u.release : "unknown");
}

/* The compiler the kernel was built with, as its .config names it
 * (CONFIG_CC_VERSION_TEXT="gcc-12 (Debian 12.2.0-14) 12.2.0"): kbuild
 * wants the same one for modules. */
static void kernel_cc(const char *tree, char *out, size_t n)
{
	char path[4200], line[512];
	snprintf(out, n, "gcc");
	snprintf(path, sizeof path, "%s/.config", tree);
	FILE *f = fopen(path, "r");
	while (f && fgets(line, sizeof line, f)) {
		char cc[64];
		if (sscanf(line, "CONFIG_CC_VERSION_TEXT=\"%63[^ \"]", cc) == 1) {
			char *p = path_find_program(cc);
			if (p)
				snprintf(out, n, "%s", cc);
			free(p);
			break;
		}
	}
	if (f)
		fclose(f);
}

/* What of the build tree goes into the artifact's key: its path and the
 * size and time of the files a module is built against. */
static void tree_identity(const char *tree, const char *cc, char *out, size_t n)
{
	static const char *const files[] = {"Module.symvers", ".config", "include/generated/utsrelease.h"};
	size_t o = (size_t)snprintf(out, n, "\n/* kmod: build tree %s, %s", tree, cc);
	for (size_t i = 0; i < sizeof files / sizeof *files && o < n; i++) {
		char path[4200];
		struct stat st;
		snprintf(path, sizeof path, "%s/%s", tree, files[i]);
		if (stat(path, &st) == 0)
			o += (size_t)snprintf(out + o, n - o, ", %s %lld %lld", files[i], (long long)st.st_size,
					      (long long)st.st_mtime);
	}
	if (o < n)
		snprintf(out + o, n - o, " */\n");
}

static bool run_make(struct session *s, const char *tree, const char *dir, const char *cc, char **log)
{
	char *make = path_find_program("make");
	if (!make) {
		*log = xstrdup("no make found in PATH (kbuild needs it)\n");
		return false;
	}
	/* kbuild's compiler probes are answered from the cache (kbuild_cc.h):
	 * btap itself is the compiler kbuild calls */
	char self[4096];
	ssize_t n = readlink("/proc/self/exe", self, sizeof self - 1);
	if (n > 0)
		self[n] = '\0';
	char *c_arg = arena_printf(&s->arena, "-C%s", tree), *m_arg = arena_printf(&s->arena, "M=%s", dir),
	     *cc_arg = n > 0 ? arena_printf(&s->arena, "CC=%s --kbuild-cc %s", self, cc)
			     : arena_printf(&s->arena, "CC=%s", cc);
	/* No BTF of the module's own (kernels with CONFIG_DEBUG_INFO_BTF_MODULES
	 * would run pahole against the tree's vmlinux, as Debian's 6.12
	 * headers ship one): the module needs none, and pahole need not be
	 * installed. */
	char no_btf[] = "CONFIG_DEBUG_INFO_BTF_MODULES=";
	char *argv[] = {make, "-s", c_arg, m_arg, cc_arg, no_btf, "modules", NULL};
	if (s->verbose >= 2)
		fprintf(stderr, "Pass 4: %s -s %s %s %s %s modules\n", make, c_arg, m_arg, cc_arg, no_btf);
	int st = clang_run_captured(argv, -1, log);
	free(make);
	return st == 0;
}

static bool build_module(struct session *s, const char *artifact, const char *tree, const char *cc)
{
	char dir[4300], path[4400];
	snprintf(dir, sizeof dir, "%s/kbuild.XXXXXX", artifact);
	if (!mkdtemp(dir)) {
		diag_plain_error("cannot make a build directory in %s: %m", artifact);
		return false;
	}
	size_t len;
	snprintf(path, sizeof path, "%s/prog.c", artifact);
	char *text = read_file(path, &len);
	char mod[64], src[80];
	kbuild_module_name(artifact, mod, sizeof mod);
	snprintf(src, sizeof src, "%s.c", mod);
	char kb[8200];
	snprintf(kb, sizeof kb,
		 "obj-m := %s.o\n"
		 "ccflags-y := -DBTAP_TARGET_KMOD -I%s -Wno-declaration-after-statement -Wno-unused-function "
		 "-Wno-unused-label -Wno-unused-variable\n",
		 mod, compile_runtime_dir(s));
	/* stap's answers about the kernel (STAPCONF_*) that scripts' embedded
	 * C tests, found as stap's autoconf finds them: in the tree's headers */
	if (s->guru)
		snprintf(kb + strlen(kb), sizeof kb - strlen(kb),
			 "btap_h := $(srctree)/include\n"
			 "ccflags-y += -DSTAPCONF_DPATH_PATH\n"
			 "ccflags-y += $(if $(wildcard $(btap_h)/linux/uidgid.h),-DSTAPCONF_LINUX_UIDGID_H)\n"
			 "ccflags-y += $(if $(wildcard $(btap_h)/linux/filelock.h),-DSTAPCONF_LINUX_FILELOCK_H)\n"
			 "ccflags-y += $(if $(shell grep -ls 'struct file_lock_core {' $(btap_h)/linux/filelock.h),"
			 "-DSTAPCONF_FILE_LOCK_CORE)\n"
			 "ccflags-y += $(if $(shell grep -ls files_lookup_fd_raw $(btap_h)/linux/fdtable.h),"
			 "-DSTAPCONF_FILES_LOOKUP_FD_RAW)\n"
			 "ccflags-y += $(if $(shell grep -ls do_sock_getsockopt $(btap_h)/net/sock.h),"
			 "-DSTAPCONF_DO_SOCK_GETSOCKOPT)\n");
	bool ok = text && cache_write_file(dir, src, text, len) &&
		  cache_write_file(dir, "Kbuild", kb, strlen(kb));
	free(text);
	char *log = NULL;
	if (ok && !(ok = run_make(s, tree, dir, cc, &log)))
		diag_plain_error("building the module with kbuild (%s) failed:\n%s", tree, log ? log : "");
	else if (s->verbose >= 3 && log)
		fputs(log, stderr);
	free(log);
	char ko[4400], dst[4400];
	snprintf(ko, sizeof ko, "%s/%s.ko", dir, mod);
	snprintf(dst, sizeof dst, "%s/%s.ko", artifact, mod);
	if (ok && rename(ko, dst) != 0) {
		diag_plain_error("cannot store %s: %m", dst);
		ok = false;
	}
	if (s->keep_tmp)
		fprintf(stderr, "Keeping temporary directory \"%s\"\n", dir);
	else
		cache_remove_dir(dir);
	return ok;
}

static bool kbuild_was_cached;

void kbuild_module_name(const char *artifact, char *out, size_t n)
{
	const char *base = strrchr(artifact, '/') ? strrchr(artifact, '/') + 1 : artifact;
	snprintf(out, n, "btap_%.16s", base);
}

bool kbuild_compile(struct session *s, const char *c_text, size_t len, char *artifact,
		    size_t n)
{
	char tree[4096], cc[64], id[8400], path[4200];
	kbuild_tree(s, tree, sizeof tree);
	snprintf(path, sizeof path, "%s/Makefile", tree);
	if (access(path, R_OK) != 0) {
		diag_plain_error("the kmod runtime builds its module with kbuild, and there is no kernel build tree "
				 "at %s: install the kernel's headers (linux-headers-<release>) or name a build "
				 "tree with -r DIR",
				 tree);
		return false;
	}
	kernel_cc(tree, cc, sizeof cc);
	tree_identity(tree, cc, id, sizeof id);
	struct strbuf keyed;
	sb_init(&keyed);
	sb_putn(&keyed, c_text, len);
	sb_puts(&keyed, id);
	bool ok = compile_program(s, keyed.s, keyed.len, false, artifact, n);
	sb_free(&keyed);
	kbuild_was_cached = ok && compile_was_cached();
	if (!ok)
		return false;
	char mod[64];
	kbuild_module_name(artifact, mod, sizeof mod);
	snprintf(path, sizeof path, "%s/%s.ko", artifact, mod);
	if (access(path, R_OK) == 0)
		return true;
	kbuild_was_cached = false;
	return build_module(s, artifact, tree, cc);
}

bool kbuild_compile_was_cached(void)
{
	return kbuild_was_cached;
}
