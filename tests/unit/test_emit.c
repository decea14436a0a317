/* Pass 3 (emit/emit*.c): scripts through passes 1-3, then
 *   - properties of the C (the sections, #line directives, the descriptor);
 *   - the user build compiled with cc and run by a small in-memory runner
 *     (maps, statistics and printf through runtime/), its output checked;
 *   - the BPF build compiled with clang and loaded: the verifier of the
 *     running kernel must accept it; a tracepoint probe runs and its ring
 *     buffer records are formatted;
 *   - located errors for what the backend does not translate.
 * The BPF parts need root, BTF and clang; they print SKIP otherwise. */
#include "check.h"
#include "p3.h"

#include "runtime/btap_program.h"
#include "bpf-backend/clang_driver.h"
#include "translator/elaborate.h"
#include "emit/emit.h"
#include "translator/backend.h"
#include "runtime/format.h"
#include "bpf-backend/loader.h"
#include "translator/parser.h"
#include "translator/session.h"
#include "runtime/stats.h"
#include "translator/tapset_load.h"

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <dlfcn.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

static char te_dir[] = "/tmp/btap-emit-test-XXXXXX";
static int te_counter;

/* ---- passes 1-3 ------------------------------------------------------------- */

static struct te_p3 te_translate(const char *script, const char *const *defines, int ndefines)
{
	return te_translate_for(RT_BPF, script, defines, ndefines);
}

static char *te_path(const char *ext)
{
	struct strbuf b;
	sb_init(&b);
	sb_printf(&b, "%s/u%d.%s", te_dir, te_counter++, ext);
	return sb_steal(&b);
}

static bool te_write(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");
	if (!f)
		return false;
	bool ok = fputs(text, f) >= 0;
	return fclose(f) == 0 && ok;
}

/* The user build as a shared object; NULL on failure (reported). */
static char *te_build_user(const char *c)
{
	char *src = te_path("c"), *so = te_path("so");
	te_write(src, c);
	struct strbuf cmd;
	sb_init(&cmd);
	sb_printf(&cmd, "cc -shared -fPIC -O1 -Wall -Wextra -Werror -DBTAP_TARGET_USER -I%s/../runtime "
		  "-o %s %s 2>&1", BTAP_TAPSET_DIR, so, src);
	int rc = system(cmd.s);
	sb_free(&cmd);
	free(src);
	if (rc != 0) {
		fprintf(stderr, "user build failed:\n%s\n", c);
		free(so);
		return NULL;
	}
	return so;
}

/* The BPF build; returns the object path or NULL (diagnostics printed). */
static char *te_build_bpf(const char *c)
{
	const char *incs[] = {BTAP_TAPSET_DIR "/../runtime"};
	const char *defs[] = {"BTAP_TARGET_BPF"};
	const char *extra[] = {"-Wno-pragma-clang-attribute", "-Werror"};
	struct clang_opts o = {
		.include_dirs = incs, .n_include_dirs = 1,
		.defines = defs, .n_defines = 1,
		.extra_args = extra, .n_extra_args = 2,
		.src_name = "btap-generated.c",
	};
	char *obj = te_path("o");
	char *d = NULL;
	int rc = clang_compile(&o, c, strlen(c), obj, &d);
	if (rc != 0) {
		fprintf(stderr, "BPF build failed:\n%s\n", d ? d : "");
		free(obj);
		obj = NULL;
	}
	free(d);
	return obj;
}

/* ---- a small in-memory runner ---------------------------------------------------- */

struct te_entry {
	char *key, *value;
	int64_t seq;
};

struct te_map {
	const struct btap_map_desc *d;
	struct rt_stat_desc sd;
	struct te_entry *e;
	int n, cap;
	int64_t seq;
};

static struct {
	const struct btap_program *prog;
	struct te_map maps[64];
	void *globals;
	struct strbuf out, err;
	bool exited;
	struct rt_fmt_spec specs[64][64];
	int nspecs[64];
} te_rt;

static struct te_map *te_m(int m)
{
	return &te_rt.maps[m];
}

static struct te_entry *te_find(struct te_map *m, const void *key)
{
	for (int i = 0; i < m->n; i++)
		if (memcmp(m->e[i].key, key, m->d->key_size) == 0)
			return &m->e[i];
	return NULL;
}

static size_t te_vsize(struct te_map *m)
{
	return m->d->value_size;
}

static int te_lookup(int map, const void *key, void *value)
{
	struct te_entry *e = te_find(te_m(map), key);
	if (!e)
		return -ENOENT;
	if (value)
		memcpy(value, e->value, te_vsize(te_m(map)));
	return 0;
}

static struct te_entry *te_insert(struct te_map *m, const void *key, int *err)
{
	struct te_entry *e = te_find(m, key);
	*err = 0;
	if (e)
		return e;
	if ((uint32_t)m->n >= m->d->max_entries) {
		if (!m->d->wrap) {
			*err = -E2BIG;
			return NULL;
		}
		int oldest = 0;
		for (int i = 1; i < m->n; i++)
			if (m->e[i].seq < m->e[oldest].seq)
				oldest = i;
		free(m->e[oldest].key);
		free(m->e[oldest].value);
		m->e[oldest] = m->e[--m->n];
	}
	if (m->n == m->cap) {
		m->cap = m->cap ? 2 * m->cap : 16;
		m->e = xrealloc(m->e, sizeof(*m->e) * (size_t)m->cap);
	}
	e = &m->e[m->n++];
	e->key = xcalloc(1, m->d->key_size);
	memcpy(e->key, key, m->d->key_size);
	e->value = xcalloc(1, te_vsize(m));
	e->seq = m->seq++;
	return e;
}

static int te_update(int map, const void *key, const void *value)
{
	int err;
	struct te_entry *e = te_insert(te_m(map), key, &err);
	if (!e)
		return err;
	memcpy(e->value, value, te_vsize(te_m(map)));
	return 0;
}

static int te_delete(int map, const void *key)
{
	struct te_map *m = te_m(map);
	struct te_entry *e = te_find(m, key);
	if (!e)
		return -ENOENT;
	free(e->key);
	free(e->value);
	*e = m->e[--m->n];
	return 0;
}

static int te_clear(int map)
{
	struct te_map *m = te_m(map);
	for (int i = 0; i < m->n; i++) {
		free(m->e[i].key);
		free(m->e[i].value);
	}
	m->n = 0;
	return 0;
}

static int64_t te_count(int map)
{
	return te_m(map)->n;
}

static struct {
	struct te_map *m;
	int sort_by, dir;
	char agg;
} te_sort;

static int64_t te_stat_of(struct te_map *m, const struct te_entry *e, char agg)
{
	struct rt_stat_result r;
	rt_stat_merge(&m->sd, e->value, rt_stat_size(&m->sd), 1, &r, NULL);
	switch (agg) {
	case 's': return r.sum;
	case 'm': return r.min;
	case 'M': return r.max;
	case 'a': return r.count ? r.sum / r.count : 0;
	default: return r.count;
	}
}

static int te_cmp_field(enum btap_type t, const char *a, const char *b)
{
	if (t == BTAP_T_STRING)
		return strcmp(a, b);
	int64_t x, y;
	memcpy(&x, a, 8);
	memcpy(&y, b, 8);
	return x < y ? -1 : x > y;
}

static int te_cmp(const void *pa, const void *pb)
{
	const struct te_entry *a = pa, *b = pb;
	struct te_map *m = te_sort.m;
	int r = 0;
	if (te_sort.sort_by > 0) {
		int k = te_sort.sort_by - 1;
		r = te_cmp_field(m->d->key_types[k], a->key + m->d->key_offsets[k], b->key + m->d->key_offsets[k]);
	} else if (te_sort.sort_by < 0) {
		if (m->d->value_type == BTAP_T_STATS) {
			int64_t x = te_stat_of(m, a, te_sort.agg), y = te_stat_of(m, b, te_sort.agg);
			r = x < y ? -1 : x > y;
		} else {
			r = te_cmp_field(m->d->value_type, a->value, b->value);
		}
	}
	if (r == 0)
		r = a->seq < b->seq ? -1 : a->seq > b->seq;
	return r * (te_sort.sort_by ? te_sort.dir : 1);
}

static int64_t te_keys(int map, int sort_by, int dir, char agg, int64_t limit, void **keys)
{
	struct te_map *m = te_m(map);
	struct te_entry *copy = xcalloc((size_t)m->n + 1, sizeof(*copy));
	memcpy(copy, m->e, sizeof(*copy) * (size_t)m->n);
	te_sort.m = m;
	te_sort.sort_by = sort_by;
	te_sort.dir = dir;
	te_sort.agg = agg;
	qsort(copy, (size_t)m->n, sizeof(*copy), te_cmp);
	int64_t n = m->n;
	if (limit >= 0 && limit < n)
		n = limit;
	char *out = xcalloc((size_t)n + 1, m->d->key_size);
	for (int64_t i = 0; i < n; i++)
		memcpy(out + i * m->d->key_size, copy[i].key, m->d->key_size);
	free(copy);
	*keys = out;
	return n;
}

static int te_stat_add(int map, const void *key, int64_t v)
{
	int err;
	struct te_map *m = te_m(map);
	struct te_entry *e = te_insert(m, key, &err);
	if (!e)
		return err;
	rt_stat_add(&m->sd, (struct rt_stat *)e->value, v);
	return 0;
}

static int te_stat_read(int map, const void *key, void *out)
{
	struct te_map *m = te_m(map);
	struct te_entry *e = te_find(m, key);
	if (!e) {
		memset(out, 0, sizeof(struct rt_stat_result));
		return -ENOENT;
	}
	rt_stat_merge(&m->sd, e->value, rt_stat_size(&m->sd), 1, out, NULL);
	return 0;
}

static void te_sink_write(void *ctx, const char *data, size_t len)
{
	sb_putn(ctx, data, len);
}

static void te_print_hist(int map, const void *key)
{
	struct te_map *m = te_m(map);
	struct te_entry *e = te_find(m, key);
	if (!e)
		return;
	struct rt_stat_result r;
	int64_t buckets[RT_HIST_MAX_BUCKETS];
	rt_stat_merge(&m->sd, e->value, rt_stat_size(&m->sd), 1, &r, buckets);
	char buf[256];
	struct rt_sink s;
	rt_sink_init_fn(&s, buf, sizeof buf, te_sink_write, &te_rt.out);
	rt_stat_print_hist(&s, &m->sd, &r, buckets);
	rt_sink_flush(&s);
}

static int te_stat_hist(int map, const void *key, int64_t *buckets, int *nbuckets)
{
	struct te_map *m = te_m(map);
	struct te_entry *e = te_find(m, key);
	struct rt_stat_result r;
	*nbuckets = m->sd.hist.nbuckets;
	if (e)
		rt_stat_merge(&m->sd, e->value, rt_stat_size(&m->sd), 1, &r, buckets);
	else
		memset(buckets, 0, sizeof(int64_t) * (size_t)*nbuckets);
	return 0;
}

static void te_print(uint32_t fmt, const struct rt_arg *args, int nargs)
{
	char buf[256];
	struct rt_sink s;
	rt_sink_init_fn(&s, buf, sizeof buf, te_sink_write, &te_rt.out);
	rt_format_sink(&s, te_rt.specs[fmt], te_rt.nspecs[fmt], args, nargs);
	rt_sink_flush(&s);
}

static uint64_t te_format(uint32_t fmt, const struct rt_arg *args, int nargs, char *buf, uint64_t n)
{
	return rt_format(buf, n, te_rt.specs[fmt], te_rt.nspecs[fmt], args, nargs);
}

static void te_write_out(const char *data, uint64_t len)
{
	sb_putn(&te_rt.out, data, len);
}

static void te_error(uint32_t site, const char *msg)
{
	const struct btap_program *p = te_rt.prog;
	if (site < p->nerror_sites)
		sb_printf(&te_rt.err, "ERROR: %s near %s at %s\n", msg, p->error_sites[site].what,
			  p->error_sites[site].loc);
	else
		sb_printf(&te_rt.err, "ERROR: %s\n", msg);
	((struct btap_globals_hdr *)te_rt.globals)->errors++;
}

static void te_warn(uint32_t site, const char *msg)
{
	sb_printf(&te_rt.err, "WARNING: %s\n", msg);
}

static void te_exit(void)
{
	te_rt.exited = true;
}

static int64_t te_target(void)
{
	return 0;
}

static const struct btap_runner_ops te_ops_template = {
	.map_lookup = te_lookup, .map_update = te_update, .map_delete = te_delete,
	.map_clear = te_clear, .map_count = te_count, .map_keys = te_keys,
	.stat_add = te_stat_add, .stat_read = te_stat_read, .print_hist = te_print_hist,
	.stat_hist = te_stat_hist,
	.print = te_print, .write = te_write_out, .error = te_error, .warn = te_warn,
	.exit = te_exit, .target = te_target, .format = te_format,
};

static void te_run_kind(const struct btap_program *p, enum btap_probe_kind kind)
{
	/* by priority, then declaration order */
	bool done[256] = {0};
	for (uint32_t n = 0; n < p->nprobes; n++) {
		int best = -1;
		for (uint32_t i = 0; i < p->nprobes && i < 256; i++)
			if (!done[i] && p->probes[i].kind == kind &&
			    (best < 0 || p->probes[i].priority < p->probes[best].priority))
				best = (int)i;
		if (best < 0)
			break;
		done[best] = true;
		p->probes[best].run();
	}
}

/* Timers by simulated time, until exit() or 1000 firings. */
static void te_run_timers(const struct btap_program *p)
{
	uint64_t next[64] = {0};
	bool any = false;
	for (uint32_t i = 0; i < p->nprobes && i < 64; i++)
		if (p->probes[i].kind == BTAP_PROBE_TIMER) {
			next[i] = p->probes[i].period_ns;
			any = true;
		}
	for (int fired = 0; any && !te_rt.exited && fired < 1000; fired++) {
		int best = -1;
		for (uint32_t i = 0; i < p->nprobes && i < 64; i++)
			if (p->probes[i].kind == BTAP_PROBE_TIMER && (best < 0 || next[i] < next[best]))
				best = (int)i;
		p->probes[best].run();
		next[best] += p->probes[best].period_ns;
	}
}

/* Load the user build, run begin, timers, end; stdout text in *out,
 * errors in *err (caller frees). */
static bool te_run_user(const char *so, char **out, char **err)
{
	void *h = dlopen(so, RTLD_NOW | RTLD_LOCAL);
	if (!h) {
		fprintf(stderr, "dlopen: %s\n", dlerror());
		return false;
	}
	const struct btap_program *p = dlsym(h, BTAP_PROGRAM_SYMBOL);
	if (!p || p->abi != BTAP_ABI_VERSION) {
		dlclose(h);
		return false;
	}
	memset(&te_rt, 0, sizeof te_rt);
	te_rt.prog = p;
	sb_init(&te_rt.out);
	sb_init(&te_rt.err);
	for (uint32_t i = 0; i < p->nformats && i < 64; i++) {
		te_rt.nspecs[i] = rt_format_parse(p->formats[i], te_rt.specs[i], 64);
		CHECK(te_rt.nspecs[i] >= 0 && te_rt.nspecs[i] <= 64);
	}
	for (uint32_t i = 0; i < p->nmaps && i < 64; i++) {
		const struct btap_map_desc *d = &p->maps[i];
		struct te_map *m = &te_rt.maps[i];
		m->d = d;
		rt_stat_desc_init(&m->sd, d->bit_shift);
		if (d->hist_kind == 1)
			rt_hist_init_log(&m->sd.hist);
		else if (d->hist_kind == 2)
			rt_hist_init_linear(&m->sd.hist, d->hist_start, d->hist_stop, d->hist_interval, NULL);
		if (d->value_type == BTAP_T_STATS)
			CHECK(d->value_size == rt_stat_size(&m->sd));
	}
	te_rt.globals = xcalloc(1, p->globals_size);
	p->init_globals(te_rt.globals);
	struct btap_runner_ops ops = te_ops_template;
	ops.globals = te_rt.globals;
	p->bind(&ops);
	te_run_kind(p, BTAP_PROBE_BEGIN);
	te_run_timers(p);
	if (((struct btap_globals_hdr *)te_rt.globals)->errors)
		te_run_kind(p, BTAP_PROBE_ERROR);
	te_run_kind(p, BTAP_PROBE_END);
	for (uint32_t i = 0; i < p->nmaps && i < 64; i++) {
		te_clear((int)i);
		free(te_rt.maps[i].e);
	}
	free(te_rt.globals);
	*out = sb_steal(&te_rt.out);
	*err = sb_steal(&te_rt.err);
	dlclose(h);
	return true;
}

/* Script -> output of the user build. */
static void check_output(const char *script, const char *want)
{
	struct te_p3 r = te_translate(script, NULL, 0);
	if (!r.ok) {
		fprintf(stderr, "translation failed for:\n%s\n%s", script, r.diags);
		CHECK(r.ok);
		te_p3_free(&r);
		return;
	}
	char *so = te_build_user(r.c);
	CHECK(so != NULL);
	char *out = NULL, *err = NULL;
	if (so && te_run_user(so, &out, &err)) {
		CHECK_STR(out, want);
		if (err && err[0] && strcmp(out, want) != 0)
			fprintf(stderr, "stderr: %s", err);
	}
	free(out);
	free(err);
	free(so);
	te_p3_free(&r);
}

/* Script -> expected stdout and stderr substring. */
static void check_output_err(const char *script, const char *want, const char *want_err)
{
	struct te_p3 r = te_translate(script, NULL, 0);
	CHECK(r.ok);
	char *so = r.ok ? te_build_user(r.c) : NULL;
	char *out = NULL, *err = NULL;
	if (so && te_run_user(so, &out, &err)) {
		CHECK_STR(out, want);
		CHECK(err && strstr(err, want_err));
		if (!err || !strstr(err, want_err))
			fprintf(stderr, "stderr was: %s\n", err ? err : "(null)");
	}
	free(out);
	free(err);
	free(so);
	te_p3_free(&r);
}

/* Translation fails with a located message containing want. */
static void check_error(const char *script, const char *want)
{
	struct te_p3 r = te_translate(script, NULL, 0);
	CHECK(!r.ok);
	CHECK(r.diags && strstr(r.diags, want));
	if (!r.diags || !strstr(r.diags, want))
		fprintf(stderr, "diagnostics were:\n%s\n", r.diags ? r.diags : "");
	te_p3_free(&r);
}

/* ---- the tests ------------------------------------------------------------------------ */

static void test_shape(void)
{
	struct te_p3 r = te_translate("global g = 5\nprobe begin {\n  printf(\"%d\\n\", g)\n  exit()\n}\n", NULL, 0);
	CHECK(r.ok);
	CHECK(!r.has_bpf);
	CHECK(strstr(r.c, "#ifdef BTAP_TARGET_BPF") != NULL);
	CHECK(strstr(r.c, "#include \"user/btap_user.h\"") != NULL);
	CHECK(strstr(r.c, "#line 3 \"t.stp\"") != NULL);
	CHECK(strstr(r.c, "BTAP_EXPORT const struct btap_program btap_program") != NULL);
	CHECK(strstr(r.c, "#define MAXSTRINGLEN 128") != NULL);
	CHECK(strstr(r.c, "\"%d\\n\"") != NULL);
	te_p3_free(&r);

	const char *defs[] = {"MAXSTRINGLEN=256", "MYFLAG=3"};
	r = te_translate("probe begin { exit() }", defs, 2);
	CHECK(r.ok);
	CHECK(strstr(r.c, "#define MAXSTRINGLEN 256") != NULL);
	CHECK(strstr(r.c, "#define MYFLAG 3") != NULL);
	te_p3_free(&r);
}

static void test_user_language(void)
{
	check_output("probe begin { println(\"hi\"); exit() }", "hi\n");
	check_output("probe begin { x = 3; y = x * 4 - 2; printf(\"%d %d %d\\n\", y, y / 3, -y % 4); exit() }",
		     "10 3 -2\n");
	check_output("probe begin { s = \"ab\"; s .= \"cd\"; t = s . \"-\" . s; println(t, \" \", strlen(t)) }",
		     "abcd-abcd 9\n");
	check_output("probe begin { if (\"abc\" < \"abd\" && \"x\" == \"x\") print(\"yes\\n\") else print(\"no\\n\") }",
		     "yes\n");
	check_output("probe begin { i = 0; while (i < 5) { i++; if (i == 2) continue; if (i == 4) break; printf(\"%d \", i) } println(\"\") }",
		     "1 3 \n");
	check_output("probe begin { for (i = 0; i < 3; i++) printd(\",\", i, i * i); println(\"\") }",
		     "0,01,12,4\n");
	check_output("function fib(n) { return n < 2 ? n : fib(n - 1) + fib(n - 2) } probe begin { println(fib(15)) }",
		     "610\n");
	check_output("function f:string(s:string) { return s . \"!\" } probe begin { println(f(f(\"a\"))) }",
		     "a!!\n");
	check_output("probe begin { x = 5; x += 3; x <<= 2; x %= 7; printf(\"%d %d %d\\n\", x, x++, ++x) }",
		     "4 4 6\n");
	check_output("probe begin { printf(\"%5s|%-4d|%x|%c\\n\", \"ab\", 7, 255, 65) }", "   ab|7   |ff|A\n");
	check_output("probe begin { println(sprintf(\"%03d\", 7) . sprint(\"x\", 1)) }", "007x1\n");
	check_output("probe begin { try { error(\"boom\") } catch (m) { println(\"caught \", m) } }",
		     "caught boom\n");
	check_output("probe begin { try { x = 1 / 0; println(x) } catch (m) { println(m) } }", "division by 0\n");
	check_output("probe begin(2) { println(\"b\") } probe begin(1) { println(\"a\") } probe end { println(\"e\") }",
		     "a\nb\ne\n");
	check_output("global n probe timer.ms(10) { n++; if (n == 3) exit() } probe end { println(n) }", "3\n");
	check_output("probe begin { println(substr(\"hello\", 1, 3), strpos(\"hello\", \"ll\"), isinstr(\"ab\", \"b\")) }",
		     "ell21\n");
	check_output("probe begin { println(str_replace(\"a-b-c\", \"-\", \"+\"), \" \", strtol(\"0x1f\", 16)) }",
		     "a+b+c 31\n");
	check_output("probe begin { println(text_strn(\"a\\nb\\\"\", 0, 1)) }", "\"a\\nb\\\"\"\n");
	check_output("global s = \"init\", n = -4 probe begin { println(s, n) }", "init-4\n");
	check_output("probe begin { x = 1 ? 2 : 3; y = 0 || 5; z = !x; println(x, y, z, ~0) }", "210-1\n");
	check_output_err("probe begin { x = 0; println(\"a\"); y = 5 / x; println(\"b\", y) }", "a\n",
			 "ERROR: division by 0 near operator '/' at t.stp:1:");
	check_output("probe begin { println(\"x\"); next; println(\"y\") }", "x\n");
	check_output("probe begin { exit(); println(\"after exit\") }", "after exit\n");
}

static void test_user_arrays(void)
{
	check_output("global a probe begin { a[1] = 10; a[2] = 20; a[1] += 5; println(a[1], \" \", a[2], \" \", a[3]) }",
		     "15 20 0\n");
	check_output("global a probe begin { a[\"x\", 1] = \"s\"; println(a[\"x\", 1], ([\"x\", 1] in a), ([\"y\", 1] in a)) }",
		     "s10\n");
	check_output("global a probe begin { a[3] = 1; a[1] = 2; a[2] = 3; foreach (k in a+) printf(\"%d=%d \", k, a[k]); println(\"\") }",
		     "3=1 1=2 2=3 \n");
	check_output("global a probe begin { a[3] = 1; a[1] = 2; a[2] = 3; foreach ([k] in a- limit 2) printf(\"%d \", k); println(\"\") }",
		     "2 1 \n");
	check_output("global a probe begin { a[\"b\"] = 1; a[\"a\"] = 2; foreach (v = [k] in a) printf(\"%s:%d \", k, v); println(\"\") }",
		     "b:1 a:2 \n");
	check_output("global a probe begin { a[1] = 1; a[2] = 2; delete a[1]; println(1 in a, 2 in a); delete a; println(2 in a) }",
		     "01\n0\n");
	check_output("global a[2] probe begin { a[1] = 1; a[2] = 2; try { a[3] = 3 } catch (m) { println(m) } println(a[1] + a[2]) }",
		     "Array overflow, check MAXMAPENTRIES\n3\n");
	check_output("global a probe begin { a[1,\"x\"] = 1; a[2,\"y\"] = 2; a[1,\"z\"] = 3; foreach ([i, s] in a[1, *]) print(s); println(\"\") }",
		     "xz\n");
	check_output("global a probe begin { a[1]++; a[1]++; a[2]--; println(a[1], a[2]) }", "2-1\n");
}

static void test_user_stats(void)
{
	check_output("global s probe begin { s <<< 1; s <<< 2; s <<< 6; println(@count(s), \" \", @sum(s), \" \", @min(s), \" \", @max(s), \" \", @avg(s)) }",
		     "3 9 1 6 3\n");
	check_output("global s probe begin { s[\"a\"] <<< 4; s[\"a\"] <<< 8; s[\"b\"] <<< 1; foreach (k in s- ) printf(\"%s %d\\n\", k, @count(s[k])) }",
		     "a 2\nb 1\n");
	check_output("global s probe begin { for (i = 0; i < 4; i++) s <<< i; print(@hist_linear(s, 0, 4, 1)) }",
		     "value |-------------------------------------------------- count\n"
		     "    0 |@                                                  1\n"
		     "    1 |@                                                  1\n"
		     "    2 |@                                                  1\n"
		     "    3 |@                                                  1\n"
		     "    4 |                                                   0\n"
		     "\n");
	check_output_err("global s probe begin { println(@count(s)); println(@max(s)) }", "0\n",
			 "empty aggregate");
	check_output("global s probe begin { s <<< 1; s <<< 3; println(@variance(s)) }", "2\n");
	/* buckets: indexes 0 .. last, the empty ones too (the man page's example) */
	check_output("global x probe begin { x <<< -100; x <<< 1; x <<< 2; x <<< 3; x <<< 100\n"
		     "foreach (b in @hist_linear(x, 1, 3, 1)) printf(\"%d:%d \", b, @hist_linear(x, 1, 3, 1)[b]) }",
		     "0:1 1:1 2:1 3:1 4:1 ");
	check_output("global x probe begin { x <<< 5; foreach (b+ in @hist_log(x) limit 2) print(b); println(@hist_log(x)[67]) }",
		     "011\n");
	check_output_err("global x probe begin { x <<< 5; println(@hist_log(x)[128]) }", "",
			 "histogram index out of range");
}

/* ---- BPF ------------------------------------------------------------------------------ */

static bool te_can_bpf(void)
{
	return geteuid() == 0 && access("/sys/kernel/btf/vmlinux", R_OK) == 0 && clang_find() != NULL;
}

/* Translate, build both halves, load the BPF object. Returns the loaded
 * object (caller closes) or NULL; *so_out gets the user build. */
static struct bpfl_obj *te_load(const char *script, char **so_out)
{
	struct te_p3 r = te_translate(script, NULL, 0);
	if (!r.ok)
		fprintf(stderr, "translation failed:\n%s\n%s", script, r.diags);
	CHECK(r.ok);
	CHECK(r.has_bpf);
	struct bpfl_obj *o = NULL;
	char *obj = r.ok ? te_build_bpf(r.c) : NULL;
	char *so = r.ok ? te_build_user(r.c) : NULL;
	CHECK(obj != NULL);
	CHECK(so != NULL);
	if (obj) {
		char *err = NULL;
		o = bpfl_open_file(obj, &err);
		if (!o)
			fprintf(stderr, "open: %s\n", err);
		free(err);
	}
	if (o && bpfl_load(o) != 0) {
		fprintf(stderr, "load failed for:\n%s\n%s\n%s\n%s\n", script, bpfl_error(o), bpfl_log(o),
			bpfl_verifier_log(o) ? bpfl_verifier_log(o) : "");
		CHECK(!"verifier accepted");
		bpfl_close(o);
		o = NULL;
	}
	if (so_out)
		*so_out = so;
	else
		free(so);
	free(obj);
	te_p3_free(&r);
	return o;
}

static void check_loads(const char *script)
{
	struct bpfl_obj *o = te_load(script, NULL);
	CHECK(o != NULL);
	bpfl_close(o);
}

/* Ring-buffer records formatted with the descriptor's formats. */
struct te_rb {
	const struct btap_program *p;
	struct rt_fmt_spec specs[16][64];
	int nspecs[16];
	struct strbuf out;
	int errors, exits;
};

static int te_record(void *ctx, void *data, size_t size)
{
	struct te_rb *rb = ctx;
	struct btap_rec_hdr h;
	memcpy(&h, data, sizeof h);
	const char *args = (const char *)data + sizeof h;
	uint32_t msl = rb->p->maxstringlen;
	if (h.type == BTAP_REC_ERROR) {
		rb->errors++;
		sb_printf(&rb->out, "ERROR: %s\n", args);
		return 0;
	}
	if (h.type == BTAP_REC_EXIT) {
		rb->exits++;
		return 0;
	}
	if (h.type != BTAP_REC_PRINTF || h.id >= 16)
		return 0;
	int kinds[32];
	int n = rt_format_arg_kinds(rb->specs[h.id], rb->nspecs[h.id], kinds, 32);
	struct rt_arg a[32];
	size_t off = 0;
	for (int i = 0; i < n && i < 32; i++) {
		if (kinds[i] == RT_ARG_STR) {
			a[i] = (struct rt_arg)RT_ARG_STR_INIT(args + off, strnlen(args + off, msl));
			off += msl;
		} else {
			int64_t v;
			memcpy(&v, args + off, 8);
			a[i] = (struct rt_arg)RT_ARG_LONG_INIT(v);
			off += 8;
		}
	}
	CHECK(sizeof h + off == size || sizeof h + off + 8 > size); /* ring buffer rounds up */
	char buf[512];
	size_t len = rt_format(buf, sizeof buf, rb->specs[h.id], rb->nspecs[h.id], a, n);
	sb_putn(&rb->out, buf, len < sizeof buf ? len : sizeof buf - 1);
	return 0;
}

static void test_bpf_run(void)
{
	char *so = NULL;
	struct bpfl_obj *o = te_load(
		"global n\n"
		"probe kernel.trace(\"syscalls:sys_enter_getppid\") {\n"
		"  if (pid() != target()) next\n"
		"  n++\n"
		"  printf(\"%s %d %s\\n\", execname(), n, \"abc\" . sprintf(\"<%d>\", n * 2))\n"
		"  if (n == 3) exit()\n"
		"}\n"
		"probe kernel.trace(\"syscalls:sys_enter_getpgid\") {\n"
		"  if (pid() == target()) { x = 10 / $pid; println(\"not here\", x) }\n"
		"}\n",
		&so);
	if (!o) {
		free(so);
		return;
	}
	void *h = dlopen(so, RTLD_NOW | RTLD_LOCAL);
	const struct btap_program *p = h ? dlsym(h, BTAP_PROGRAM_SYMBOL) : NULL;
	CHECK(p != NULL);
	int gfd = bpfl_map_fd(o, BTAP_GLOBALS_MAP);
	CHECK(gfd >= 0);
	size_t gsize = (p ? p->globals_size : 4096);
	size_t msize = (gsize + 4095) & ~(size_t)4095;
	void *g = gfd >= 0 ? mmap(NULL, msize, PROT_READ | PROT_WRITE, MAP_SHARED, gfd, 0) : MAP_FAILED;
	CHECK(g != MAP_FAILED);
	if (p && g != MAP_FAILED) {
		struct btap_globals_hdr *hdr = g;
		hdr->target_pid = getpid();
		static struct te_rb rb;
		memset(&rb, 0, sizeof rb);
		rb.p = p;
		sb_init(&rb.out);
		for (uint32_t i = 0; i < p->nformats && i < 16; i++)
			rb.nspecs[i] = rt_format_parse(p->formats[i], rb.specs[i], 64);
		CHECK(bpfl_ringbuf_add(o, BTAP_EVENTS_MAP, te_record, &rb) == 0);
		CHECK(bpfl_attach_auto(o) == 0);
		syscall(SYS_getpgid, 0);
		for (int i = 0; i < 5; i++)
			syscall(SYS_getppid); /* the third exits: no probe runs after */
		syscall(SYS_getpgid, 0);
		bpfl_ringbuf_poll(o, 50);
		bpfl_ringbuf_drain(o);
		char comm[16] = {0};
		FILE *f = fopen("/proc/self/comm", "r");
		if (f) {
			if (fgets(comm, sizeof comm, f))
				comm[strcspn(comm, "\n")] = 0;
			fclose(f);
		}
		char want[256];
		snprintf(want, sizeof want, "ERROR: division by 0\n%s 1 abc<2>\n%s 2 abc<4>\n%s 3 abc<6>\n",
			 comm, comm, comm);
		CHECK_STR(rb.out.s ? rb.out.s : "", want);
		CHECK(rb.exits == 1);
		CHECK(hdr->exit_requested == 1);
		sb_free(&rb.out);
		munmap(g, msize);
	}
	if (h)
		dlclose(h);
	free(so);
	bpfl_close(o);
}

static void test_bpf_verifier(void)
{
	/* strings, functions, natives, maps, statistics, loops, try/catch */
	check_loads("global a, s, cnt\n"
		    "function f:string(x:string, n) { r = \"\"; for (i = 0; i < n && i < 4; i++) r .= x; return r }\n"
		    "probe kernel.trace(\"sched:sched_process_exec\") {\n"
		    "  a[execname(), pid()] = $filename\n"
		    "  s[execname()] <<< $pid\n"
		    "  cnt += 1\n"
		    "  if (strlen($filename) > 3 && substr($filename, 0, 5) == \"/usr/\") println(f(\"ab\", 3))\n"
		    "  try { x = 10 / ($pid - $pid) } catch (m) { printf(\"%s at %s\\n\", m, pp()) }\n"
		    "  delete a[execname(), pid()]\n"
		    "}\n"
		    "probe end { foreach ([k, p] in a) println(k, p) }\n");
	check_loads("global h, g\n"
		    "probe kernel.trace(\"sched:sched_switch\") { h <<< $prev_pid; g[$next_comm] <<< 1 }\n"
		    "probe end { print(@hist_log(h)); println(@count(g[\"x\"])) }\n");
	check_loads("probe kernel.trace(\"syscalls:sys_enter_openat\") {\n"
		    "  printf(\"%d %s %s %d %d\\n\", $dfd, user_string($filename), user_string_n($filename, 4), uid(), ppid())\n"
		    "}\n");
	check_loads("probe kernel.trace(\"syscalls:sys_enter_openat\") {\n"
		    "  if (pexecname() == \"sh\") println(strtol(\"42\", 10), euid(), egid(), tid(), gid(), cpu())\n"
		    "}\n");
	check_loads("probe kernel.trace(\"syscalls:sys_enter_openat\") { println(text_str(execname())) }");
	/* statistics read in the probe: @variance, histograms printed and indexed */
	check_loads("global l, g, v\n"
		    "probe kernel.trace(\"syscalls:sys_enter_exit_group\") {\n"
		    "  l <<< $error_code; g[pid()] <<< $error_code; v <<< $error_code\n"
		    "  println(@hist_linear(l, 0, 100, 10)); print(@hist_log(g[pid()]))\n"
		    "  printf(\"%d %d %d\\n\", @variance(v, 4), @hist_linear(l, 0, 100, 10)[$error_code % 13], @hist_log(g[pid()])[64])\n"
		    "}\n");
	check_loads("global n probe timer.profile { n++ } probe timer.s(1) { println(n); exit() }");
	check_loads("global n probe perf.sw.page_faults.sample(10), perf.hw.cpu_cycles { n++ }");
	/* the identity natives over another task and over the current one */
	check_loads("probe process.begin {\n"
		    "  printf(\"%d %d %d %s %d %d %d %d %s\\n\", pid(), tid(), ppid(), execname(), uid(), gid(),\n"
		    "         euid(), egid(), pexecname())\n"
		    "}\n"
		    "probe process.end { println(execname(), pid()) }\n"
		    "probe kernel.trace(\"sched:sched_switch\") { println(pid(), tid(), execname(), uid()) }\n");
	check_loads("probe kernel.trace(\"syscalls:sys_enter_write\") {\n"
		    "  s = \"\"\n  i = 0\n"
		    "  while (i < 20) { s = s . \"x\"; i++ }\n"
		    "  printf(\"%s %d\\n\", s, strpos(s, \"y\"))\n"
		    "}\n");
	/* loops as callbacks: nested, in functions, foreach, delete of arrays */
	check_loads("global a, st\n"
		    "function f(n) { s = 0; for (i = 0; i < n; i++) { for (j = 0; j < i; j++) { if (j == 9) return s; s += j } } return s }\n"
		    "function g:string(n) { r = \"\"; while (n-- > 0) r .= \"x\"; return r }\n"
		    "probe kernel.trace(\"sched:sched_switch\") {\n"
		    "  for (i = 0; i < 10000; i++) { a[i % 16, execname()] += i; if (i == 5) continue }\n"
		    "  try { foreach ([k, e] in a[*, \"x\"] limit 3) { st[k] <<< f(k); if (k > 9) break } } catch { next }\n"
		    "  foreach (k in st) println(@count(st[k]), g(k))\n"
		    "  foreach (v = [k, e] in a) if (v < 0) error(\"neg\")\n"
		    "  delete a\n  delete st\n"
		    "}\n"
		    "probe end { println(f(4)) }\n");
}

/* Kernel-context functions called from several places with few enough
 * parameters are BPF subprograms (one copy); the others stay inlined: one
 * call site, too many parameters (5 registers) or too many levels below. */
static void test_function_calls(void)
{
	const char *script =
		"function two:string(a:string, b:string) { return a . b }\n"
		"function once:string(a:string) { return a . \"!\" }\n"
		"function wide(a, b, c, d) { return a + b + c + d }\n"
		"function l3(x) { return x + 1 } function l2(x) { return l3(x) + l3(x) }\n"
		"function l1(x) { return l2(x) + l2(x) } function l0(x) { return l1(x) + l1(x) }\n"
		"probe kernel.trace(\"sched:sched_switch\") {\n"
		"  println(two(\"a\", $prev_comm), two($next_comm, \"b\"), once(\"c\"))\n"
		"  println(wide(1, 2, 3, 4) + wide(5, 6, 7, 8), l0(1), l0(2))\n"
		"}\n";
	struct te_p3 r = te_translate(script, NULL, 0);
	CHECK(r.ok);
	CHECK(strstr(r.c, "BTAP_FUNC_CALL void bf0_two(") != NULL);
	CHECK(strstr(r.c, "BTAP_FUNC void bf1_once(") != NULL);
	CHECK(strstr(r.c, "BTAP_FUNC int64_t bf2_wide(") != NULL);
	/* l3, l2, l1 are 1, 2, 3 levels high: calls; l0 (4) is inlined */
	CHECK(strstr(r.c, "BTAP_FUNC_CALL int64_t bf3_l3(") != NULL);
	CHECK(strstr(r.c, "BTAP_FUNC_CALL int64_t bf5_l1(") != NULL);
	CHECK(strstr(r.c, "BTAP_FUNC int64_t bf6_l0(") != NULL);
	te_p3_free(&r);
	if (te_can_bpf())
		check_loads(script);
}

/* perf.* and process.* probes: kinds, sections and the perf attributes
 * the runner uses. */
static void test_probe_kinds(void)
{
	struct te_p3 r = te_translate("probe perf.sw.page_faults { } probe perf.hw.instructions.sample(5) { }\n"
				      "probe perf.sw.cpu_clock.hz(99) { }", NULL, 0);
	CHECK(r.ok);
	CHECK(strstr(r.c, ".perf_type = 1, .perf_config = 2, .perf_period = 1000000, .perf_freq = 0") != NULL);
	CHECK(strstr(r.c, ".perf_type = 0, .perf_config = 1, .perf_period = 5, .perf_freq = 0") != NULL);
	CHECK(strstr(r.c, ".perf_type = 1, .perf_config = 0, .perf_period = 99, .perf_freq = 1") != NULL);
	CHECK(strstr(r.c, "BTAP_TASK_OVERRIDE") == NULL);
	te_p3_free(&r);
	r = te_translate("probe process.begin { println(pid()) } probe process.end { println(execname()) }", NULL, 0);
	CHECK(r.ok);
	CHECK(strstr(r.c, "SEC(\"raw_tp/sched_process_fork\")") != NULL);
	CHECK(strstr(r.c, "SEC(\"raw_tp/sched_process_exit\")") != NULL);
	CHECK(strstr(r.c, "void *task = btap_proc_begin_task(ctx);") != NULL);
	CHECK(strstr(r.c, "#define BTAP_TASK_OVERRIDE 1") != NULL);
	CHECK(strstr(r.c, ".kind = BTAP_PROBE_RAW_TP") != NULL);
	CHECK(strstr(r.c, ".tp_name = \"sched_process_fork\"") != NULL);
	te_p3_free(&r);
	/* a sorted foreach in a kernel probe: a loop of scans, by aggregate */
	r = te_translate("probe kernel.trace(\"sched:sched_switch\") { foreach (k in a @sum-) println(k) } global a "
			 "probe begin { a[1] <<< 1 }", NULL, 0);
	CHECK(r.ok);
	CHECK(strstr(r.c, "int64_t v = btap_stat_get(c, BTAP_MAPREF(") != NULL);
	CHECK(strstr(r.c, "RT_STAT_SUM") != NULL);
	CHECK(strstr(r.c, "btap_loop(c, ") != NULL);
	te_p3_free(&r);
}

static void test_errors(void)
{
	check_error("function r(n) { return n ? r(n - 1) : 0 } probe kernel.trace(\"sched:sched_switch\") { println(r(3)) }",
		    "t.stp:1:10: error: recursive function 'r' cannot be called from a kernel-context probe");
	check_error("probe begin { if (\"a\" =~ \"(b\") println(1) }",
		    "t.stp:1:26: error: invalid regular expression: unmatched '(' (at offset 0 of the pattern)");
	check_error("probe begin { if (\"a\" !~ \"(a|b)*a(a|b){12}\") println(1) }",
		    "t.stp:1:26: error: regular expression too complex");
	check_error("probe kernel.trace(\"sched:sched_switch\") { if (execname() =~ \"(.)\") println(matched(1)) }",
		    "t.stp:1:77: error: matched() is not supported in kernel-context probes");
	check_error("global s probe kernel.trace(\"sched:sched_switch\") { s <<< 1; foreach (b in @hist_log(s)) println(b) }",
		    "t.stp:1:62: error: foreach over histogram buckets is not supported yet in kernel-context probes");
	check_error("probe kernel.trace(\"sched:sched_switch\") { println(sprintf(\"%b\", 1)) }",
		    "this sprintf format");
	check_error("global s probe begin { s <<< 1; print(@hist_log(s)); print(@hist_linear(s, 0, 10, 1)) }",
		    "two different histograms");
}

int main(void)
{
	if (!mkdtemp(te_dir)) {
		perror("mkdtemp");
		return 1;
	}
	test_shape();
	test_user_language();
	test_user_arrays();
	test_user_stats();
	test_errors();
	test_probe_kinds();
	test_function_calls();
	if (te_can_bpf()) {
		test_bpf_verifier();
		test_bpf_run();
	} else {
		printf("SKIP: BPF parts of test_emit (need root, BTF and clang)\n");
	}
	char cmd[128];
	snprintf(cmd, sizeof cmd, "rm -rf %s", te_dir);
	if (!getenv("BTAP_TEST_KEEP") && system(cmd) != 0)
		fprintf(stderr, "cannot remove %s\n", te_dir);
	return CHECK_DONE();
}
