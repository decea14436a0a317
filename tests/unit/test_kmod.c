/* The kernel-module runtime's passes 3 and 4 on their own: the module C
 * pass 3 writes (tables, maps, the module macro, located errors for what it
 * does not lower yet) and how pass 4 names the build tree and the module.
 * Building and running modules is the VM tier's (tests/vm/kmod-cases.sh). */
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "kmod-backend/kbuild.h"
#include "p3.h"

static struct te_p3 translate(const char *script)
{
	return te_translate_for(RT_KMOD, script, NULL, 0);
}

static bool has(const char *text, const char *what)
{
	bool found = text && strstr(text, what);
	if (!found)
		fprintf(stderr, "missing: %s\n", what);
	return found;
}

static void test_counter(void)
{
	struct te_p3 r = translate("global n; probe kernel.trace(\"sched:sched_switch\") { n[cpu()]++ }\n"
				   "probe end { foreach (k+ in n) printf(\"%d %d\\n\", k, n[k]) }\n");
	CHECK(r.ok);
	CHECK(has(r.c, "#ifdef BTAP_TARGET_KMOD\n#include \"kmod/btap_kmod.h\""));
	CHECK(has(r.c, "BTAP_DECLARE_MAP(bm0_n, sizeof(struct bk0), sizeof(int64_t), 2048, 0);"));
	CHECK(has(r.c, "static void bp0(void *data);"));
	CHECK(has(r.c, "static struct btap_kmap *const btap_kmaps[] = {&bm0_n, NULL};"));
	CHECK(has(r.c, "{\"sched_switch\", (void *)bp0},"));
	CHECK(has(r.c, "BTAP_MODULE(btap_kmaps, btap_ktps);"));
	CHECK(has(r.c, "btap_kmod_enter(&c, data, 0)"));
	CHECK(has(r.c, ".has_bpf = 1,"));
	te_p3_free(&r);
}

/* No kernel probes: still a module, for the globals and arrays. */
static void test_runner_only(void)
{
	struct te_p3 r = translate("global a; probe begin { a[1] = 2; printf(\"hi %d\\n\", a[1]); exit() }\n");
	CHECK(r.ok);
	CHECK(has(r.c, "BTAP_MODULE(btap_kmaps, btap_ktps);"));
	CHECK(has(r.c, "static struct btap_ktp btap_ktps[] = {\n\t{NULL, NULL},\n};"));
	CHECK(has(r.c, ".has_bpf = 1,"));
	te_p3_free(&r);
}

/* What the first slice does not lower: located errors, not dropped. */
static void test_rejected(void)
{
	struct te_p3 r = translate("global s\nprobe begin { s <<< 1; exit() }\n");
	CHECK(!r.ok);
	CHECK(has(r.diags, "t.stp:1:8: error: statistics ('s') are not supported yet by the kmod runtime"));
	te_p3_free(&r);
	r = translate("global x\nprobe kernel.trace(\"sched:sched_switch\") { x = sprintf(\"%d\", 1) }\n");
	CHECK(!r.ok);
	CHECK(has(r.diags, "t.stp:2:"));
	CHECK(has(r.diags, "sprintf is not supported yet in kernel-context probes (kmod)"));
	te_p3_free(&r);
	r = translate("probe perf.sw.cpu_clock { next }\n");
	CHECK(!r.ok);
	CHECK(has(r.diags, "t.stp:1:"));
	te_p3_free(&r);
}

static void test_kbuild_names(void)
{
	struct session s;
	session_init(&s);
	char out[4096];
	s.kernel_release = "6.1.0-57-amd64";
	kbuild_tree(&s, out, sizeof out);
	CHECK_STR(out, "/lib/modules/6.1.0-57-amd64/build");
	s.kernel_release = "/srv/linux-headers";
	kbuild_tree(&s, out, sizeof out);
	CHECK_STR(out, "/srv/linux-headers");
	s.kernel_release = NULL;
	kbuild_tree(&s, out, sizeof out);
	CHECK(strncmp(out, "/lib/modules/", 13) == 0 && strstr(out, "/build"));
	session_free(&s);
	kbuild_module_name("/cache/btap/0123456789abcdef0123456789", out, sizeof out);
	CHECK_STR(out, "btap_0123456789abcdef");
}

int main(void)
{
	test_counter();
	test_runner_only();
	test_rejected();
	test_kbuild_names();
	return CHECK_DONE();
}
