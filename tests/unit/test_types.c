/* The type walker over its sources: the DWARF of types_fixture.c as GCC
 * and clang write it (DWARF 4 and 5: old and new bitfield attributes,
 * upper bounds and counts, type units) against offsetof/sizeof of the same types
 * here, the kernel's BTF against the UAPI headers, and one walk through
 * both to check they mean the same. Split BTF is built with libbpf. */
#include "check.h"
#include "translator/types.h"
#include "types_fixture.h"

#include <bpf/btf.h>

#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static struct arena arena;
static char fixture_dir[PATH_MAX];
/* types_fixture.c as built by the Makefile: each compiler, DWARF 5 and 4,
 * and GCC's type units (.debug_types in DWARF 4, units in .debug_info in 5). */
static const char *const variants[] = { "gcc-dwarf5",     "gcc-dwarf4",     "clang-dwarf5",
	                                "clang-dwarf4",   "gcc-typeunits5", "gcc-typeunits4" };

/* ---- what the compiler says ------------------------------------------ */

static int first_bit(const void *p, size_t n)
{
	const unsigned char *b = p;
	for (size_t i = 0; i < n * 8; i++)
		if ((b[i / 8] >> (i % 8)) & 1)
			return (int)i;
	return -1;
}

/* The bit offset of a bitfield: set it to 1 in a zeroed object. */
#define BIT_OF(fn, T, field)                                                     \
	static int fn(void)                                                      \
	{                                                                        \
		static T v;                                                      \
		memset(&v, 0, sizeof v);                                         \
		v.field = 1;                                                     \
		return first_bit(&v, sizeof v);                                  \
	}
BIT_OF(bit_flag_a, struct fx_node, flag_a)
BIT_OF(bit_flag_b, struct fx_node, flag_b)
BIT_OF(bit_flag_c, struct fx_node, flag_c)
BIT_OF(bit_ihl, struct iphdr, ihl)
BIT_OF(bit_version, struct iphdr, version)
BIT_OF(bit_exclude_kernel, struct perf_event_attr, exclude_kernel)
BIT_OF(bit_disabled, struct perf_event_attr, disabled)

/* ---- walking a chain ------------------------------------------------- */

struct walked {
	bool ok;
	struct tplace p;
	long bits; /* from the start of the outer object */
};

/* ".a.b[2].c" from an object of type_text ("struct fx_node"), as @cast
 * walks it: the first member through the pointer @cast makes. */
static struct walked walk(const struct type_source *src, const char *type_text, const char *path)
{
	struct walked w = { 0 };
	if (!tplace_for_cast(src, type_text, &w.p))
		return w;
	for (const char *s = path; *s;) {
		char name[64];
		size_t n = 0;
		if (*s == '.') {
			for (s++; *s && *s != '.' && *s != '[' && n < sizeof name - 1;)
				name[n++] = *s++;
			name[n] = 0;
			if (!tplace_member(&w.p, name))
				return w;
			w.bits += w.p.member_bits;
		} else if (*s == '[') {
			char *end;
			long i = strtol(s + 1, &end, 10);
			s = end + 1;
			if (!tplace_index(&w.p))
				return w;
			w.bits += i * tplace_size(w.p) * 8;
		} else {
			return w;
		}
	}
	w.ok = true;
	return w;
}

struct chain {
	const char *path;
	long bits;
	enum tplace_class cls;
	int size, bit_size, array_len;
	bool is_signed;
};

#define NODE(m) (long)(offsetof(struct fx_node, m) * 8)

static void check_chain(const struct type_source *src, const char *type_text, const struct chain *c)
{
	struct walked w = walk(src, type_text, c->path);
	CHECK(w.ok);
	if (!w.ok) {
		fprintf(stderr, "  %s: %s%s does not walk\n", type_source_what(src), type_text, c->path);
		return;
	}
	bool same = w.bits == c->bits && tplace_class(w.p) == c->cls && tplace_size(w.p) == c->size &&
	            w.p.bit_size == c->bit_size && tplace_array_len(w.p) == c->array_len;
	int size;
	bool sgn = false;
	if (c->cls == TPLACE_INT)
		same = same && tplace_int(w.p, &size, &sgn) && sgn == c->is_signed;
	CHECK(same);
	if (!same)
		fprintf(stderr, "  %s: %s%s: bits %ld (want %ld) class %d (%d) size %d (%d) bit_size %d (%d) "
		                "len %d (%d) signed %d (%d)\n",
		        type_source_what(src), type_text, c->path, w.bits, c->bits, tplace_class(w.p), c->cls,
		        tplace_size(w.p), c->size, w.p.bit_size, c->bit_size, tplace_array_len(w.p), c->array_len,
		        sgn, c->is_signed);
}

static void check_name(const struct type_source *src, const char *type_text, const char *path, const char *want)
{
	struct walked w = walk(src, type_text, path);
	CHECK_STR(w.ok ? tplace_type_name(&arena, w.p) : NULL, want);
}

/* ---- the DWARF fixture ----------------------------------------------- */

static void test_fixture_chains(const struct type_source *src)
{
	static struct fx_node n;
	const struct chain chains[] = {
		{ ".id", NODE(id), TPLACE_INT, 4, 0, 0, true },
		{ ".inner", NODE(inner), TPLACE_AGGREGATE, sizeof n.inner, 0, 0, false },
		{ ".inner.tag", NODE(inner.tag), TPLACE_INT, 2, 0, 0, true },
		{ ".inner.words", NODE(inner.words), TPLACE_ARRAY, sizeof n.inner.words, 0, 3, false },
		{ ".inner.words[2]", NODE(inner.words[2]), TPLACE_INT, 8, 0, 0, false },
		{ ".inner.label", NODE(inner.label), TPLACE_POINTER, 8, 0, 0, false },
		{ ".next_inner", NODE(next_inner), TPLACE_POINTER, 8, 0, 0, false },
		{ ".grid", NODE(grid), TPLACE_ARRAY, sizeof n.grid, 0, 2, false },
		{ ".grid[1]", NODE(grid[1]), TPLACE_ARRAY, sizeof n.grid[1], 0, 3, false },
		{ ".grid[1][2]", NODE(grid[1][2]), TPLACE_AGGREGATE, sizeof(fx_point_t), 0, 0, false },
		{ ".grid[1][2].y", NODE(grid[1][2].y), TPLACE_INT, 4, 0, 0, true },
		{ ".flag_a", bit_flag_a(), TPLACE_INT, 4, 3, 0, false },
		{ ".flag_b", bit_flag_b(), TPLACE_INT, 4, 5, 0, true },
		{ ".flag_c", bit_flag_c(), TPLACE_INT, 4, 12, 0, false },
		{ ".as_long", NODE(as_long), TPLACE_INT, 8, 0, 0, true },
		{ ".hi", NODE(hi), TPLACE_INT, 4, 0, 0, true },
		{ ".value", NODE(value), TPLACE_AGGREGATE, sizeof(union fx_value), 0, 0, false },
		{ ".value.pt.y", NODE(value.pt.y), TPLACE_INT, 4, 0, 0, true },
		{ ".value.bytes", NODE(value.bytes), TPLACE_CHAR_ARRAY, 8, 0, 8, false },
		{ ".color", NODE(color), TPLACE_INT, sizeof(enum fx_color), 0, 0, (enum fx_color)-1 < 0 },
		{ ".name", NODE(name), TPLACE_CHAR_ARRAY, 16, 0, 16, false },
		{ ".name[3]", NODE(name[3]), TPLACE_INT, 1, 0, 0, (char)-1 < 0 },
		{ ".cv", NODE(cv), TPLACE_INT, 4, 0, 0, true },
		{ ".callback", NODE(callback), TPLACE_POINTER, 8, 0, 0, false },
		{ ".opaque", NODE(opaque), TPLACE_POINTER, 8, 0, 0, false },
		{ ".ip.daddr", NODE(ip.daddr), TPLACE_INT, 4, 0, 0, false },
		{ ".ip.addrs.saddr", NODE(ip.addrs.saddr), TPLACE_INT, 4, 0, 0, false },
		{ ".ip.ihl", NODE(ip) + bit_ihl(), TPLACE_INT, 1, 4, 0, false },
		{ ".attr.sample_freq", NODE(attr.sample_freq), TPLACE_INT, 8, 0, 0, false },
		{ ".attr.disabled", NODE(attr) + bit_disabled(), TPLACE_INT, 8, 1, 0, false },
		{ ".map_type", NODE(map_type), TPLACE_INT, sizeof(enum bpf_map_type), 0, 0, false },
		{ ".tail", NODE(tail), TPLACE_ARRAY, 0, 0, 0, false },
	};
	for (size_t i = 0; i < sizeof chains / sizeof chains[0]; i++)
		check_chain(src, "struct fx_node", &chains[i]);

	check_name(src, "struct fx_node", ".inner.label", "const char *");
	check_name(src, "struct fx_node", ".next_inner", "struct fx_inner *");
	check_name(src, "struct fx_node", ".inner.words[2]", "fx_word");
	check_name(src, "struct fx_node", ".name", "char[16]");
	check_name(src, "struct fx_node", ".color", "enum fx_color");
	check_name(src, "struct fx_node", ".value", "union fx_value");
	check_name(src, "struct fx_node", ".cv", "const int");
	check_name(src, "struct fx_node", ".callback", "function *");
	check_name(src, "struct fx_node", ".opaque", "struct fx_opaque *");
	check_name(src, "struct fx_node", ".grid[0][0]", "fx_point_t");
	check_name(src, "struct fx_node", "", "struct fx_node *");

	/* through pointers: each '->' starts at the pointee */
	struct walked w = walk(src, "struct fx_node", ".next.next_inner.tag");
	CHECK(w.ok && w.p.member_bits == (int)offsetof(struct fx_inner, tag) * 8);
	w = walk(src, "struct fx_node", ".next_inner.label");
	CHECK(w.ok && w.p.member_bits == (int)offsetof(struct fx_inner, label) * 8);
	struct tplace c = w.p;
	CHECK(tplace_index(&c) && tplace_is_char(c));

	/* a struct only declared: a pointer to it has nothing to walk */
	w = walk(src, "struct fx_node", ".opaque");
	struct tplace o = w.p;
	CHECK(tplace_index(&o) && tplace_class(o) == TPLACE_AGGREGATE);
	CHECK(!tplace_member(&o, "anything"));
	const char *names[8];
	struct tplace places[8];
	CHECK(tplace_members(w.p, names, places, 8) == -1);
	/* a function pointer's target is not a value */
	w = walk(src, "struct fx_node", ".callback");
	CHECK(w.ok && tplace_index(&w.p) && tplace_class(w.p) == TPLACE_UNKNOWN);
	w = walk(src, "struct fx_node", ".nosuch");
	CHECK(!w.ok);
	w = walk(src, "struct fx_node", ".id.x");
	CHECK(!w.ok);

	/* the members of an aggregate, through the pointer @cast makes */
	struct tplace in;
	CHECK(tplace_for_cast(src, "struct fx_inner", &in));
	int nm = tplace_members(in, names, places, 8);
	CHECK(nm == 3);
	if (nm == 3) {
		CHECK_STR(names[0], "tag");
		CHECK_STR(names[2], "label");
		CHECK(places[1].member_bits == (int)offsetof(struct fx_inner, words) * 8);
		CHECK(tplace_class(places[2]) == TPLACE_POINTER);
	}
	/* anonymous members are listed without a name */
	struct tplace node;
	const char *node_names[64];
	struct tplace node_places[64];
	CHECK(tplace_for_cast(src, "fx_node", &node));
	nm = tplace_members(node, node_names, node_places, 64);
	int anon = -1;
	for (int i = 0; i < nm; i++)
		if (!node_names[i])
			anon = i;
	CHECK(anon >= 0 && node_places[anon].member_bits == NODE(as_long));
	CHECK(nm > 2 && tplace_members(node, node_names, node_places, 2) == 2);
}

/* BPF_MAP_TYPE_RINGBUF as enum bpf_map_type in src says it; -1 if absent. */
static long long ringbuf_value(const struct type_source *src)
{
	type_id maps = tsrc_find(src, TYPE_ENUM, "bpf_map_type");
	for (int i = 0; i < tsrc_count(src, maps); i++) {
		const char *name;
		long long v;
		if (tsrc_enumerator(src, maps, i, &name, &v) && strcmp(name, "BPF_MAP_TYPE_RINGBUF") == 0)
			return v;
	}
	return -1;
}

static void test_fixture_types(const struct type_source *src)
{
	type_id node = tsrc_find(src, TYPE_STRUCT, "fx_node");
	CHECK(tsrc_kind(src, node) == TYPE_STRUCT && tsrc_size(src, node) == (long long)sizeof(struct fx_node));
	type_id pt = tsrc_find(src, TYPE_TYPEDEF, "fx_point_t");
	CHECK(tsrc_kind(src, pt) == TYPE_TYPEDEF && tsrc_size(src, pt) == (long long)sizeof(fx_point_t));
	CHECK_STR(tsrc_name(src, tsrc_resolve(src, pt)), "fx_point");
	type_id val = tsrc_find(src, TYPE_UNION, "fx_value");
	CHECK(tsrc_kind(src, val) == TYPE_UNION && tsrc_size(src, val) == (long long)sizeof(union fx_value));
	CHECK(tsrc_count(src, val) == 3);
	CHECK(tsrc_find(src, TYPE_STRUCT, "fx_opaque") == 0);
	CHECK(tsrc_find(src, TYPE_STRUCT, "fx_value") == 0);

	/* enums: values as the compiler has them, 200 included (one byte) */
	type_id color = tsrc_find(src, TYPE_ENUM, "fx_color");
	CHECK(tsrc_kind(src, color) == TYPE_ENUM && tsrc_count(src, color) == 3);
	CHECK(tsrc_is_signed(src, color) == ((enum fx_color)-1 < 0));
	static const long long want[] = { FX_RED, FX_GREEN, FX_BLUE };
	static const char *const want_names[] = { "FX_RED", "FX_GREEN", "FX_BLUE" };
	for (int i = 0; i < 3; i++) {
		const char *name = NULL;
		long long v = 0;
		CHECK(tsrc_enumerator(src, color, i, &name, &v) && v == want[i]);
		CHECK_STR(name, want_names[i]);
	}
	CHECK(!tsrc_enumerator(src, color, 3, &(const char *){ 0 }, &(long long){ 0 }));
	CHECK(ringbuf_value(src) == BPF_MAP_TYPE_RINGBUF);

	/* type text as format files and @cast write it, in either compiler's names */
	struct tplace p;
	int size;
	bool sgn;
	CHECK(tplace_from_text(src, "unsigned long", &p) && tplace_int(p, &size, &sgn) && size == 8 && !sgn);
	CHECK(tplace_from_text(src, "short", &p) && tplace_int(p, &size, &sgn) && size == 2 && sgn);
	CHECK(tplace_from_text(src, "const fx_word *", &p) && p.ptr_depth == 1 && tplace_index(&p) &&
	      tplace_int(p, &size, &sgn) && size == 8 && !sgn);
	CHECK(tplace_from_text(src, "struct fx_node", &p) && tplace_class(p) == TPLACE_AGGREGATE);
	CHECK(tplace_from_text(src, "enum fx_color", &p) && tplace_class(p) == TPLACE_INT);
	CHECK(tplace_from_text(src, "void *", &p) && p.id == 0 && p.ptr_depth == 1);
	CHECK(!tplace_from_text(src, "struct nosuch", &p));
	CHECK(tplace_for_cast(src, "fx_value", &p) && tplace_class(p) == TPLACE_POINTER);
	CHECK(tplace_member(&p, "l") && tplace_size(p) == 8);
	CHECK(tplace_for_cast(src, "fx_point_t *", &p) && p.ptr_depth == 2);
	CHECK(!tplace_for_cast(src, "nosuch", &p));

	/* the names a cast and the header generator would use */
	const char *hdr = NULL;
	struct walked w = walk(src, "struct fx_node", ".inner");
	CHECK_STR(w.ok ? tplace_c_name(&arena, w.p, &hdr) : NULL, "struct fx_inner");
	CHECK_STR(hdr, "struct fx_inner");
	w = walk(src, "struct fx_node", ".grid[0][1]");
	CHECK_STR(w.ok ? tplace_c_name(&arena, w.p, &hdr) : NULL, "fx_point_t");
	CHECK_STR(hdr, "typedef fx_point_t");
	w = walk(src, "struct fx_node", ".id");
	CHECK(w.ok && tplace_c_name(&arena, w.p, &hdr) == NULL);
}

static void test_dwarf_fixture(const char *variant)
{
	char path[PATH_MAX + 64];
	snprintf(path, sizeof path, "%s/types-fixture-%s", fixture_dir, variant);
	char *err = NULL;
	struct type_source *src = type_source_dwarf_open(path, &err);
	CHECK(src != NULL);
	if (!src) {
		fprintf(stderr, "  %s: %s\n", variant, err);
		free(err);
		return;
	}
	CHECK(strstr(type_source_what(src), "DWARF") != NULL);
	CHECK(type_source_btf(src) == NULL);
	test_fixture_types(src);
	test_fixture_chains(src);
	type_source_close(src);
}

static void test_dwarf_errors(void)
{
	char *err = NULL;
	CHECK(type_source_dwarf_open("/nonexistent/btap", &err) == NULL);
	CHECK(err && strstr(err, "cannot open /nonexistent/btap"));
	free(err);
	char path[PATH_MAX + 64];
	snprintf(path, sizeof path, "%s/types-fixture-nodebug", fixture_dir);
	err = NULL;
	CHECK(type_source_dwarf_open(path, &err) == NULL);
	CHECK(err && strstr(err, "has no DWARF debug information (build it with -g)"));
	free(err);
	err = NULL;
	CHECK(type_source_dwarf_open("tests/unit/types_fixture.h", &err) == NULL);
	CHECK(err && strstr(err, "is not an ELF file"));
	free(err);
}

/* ---- the kernel's BTF ------------------------------------------------ */

static const struct chain ip_chains[] = {
	{ ".ihl", 0, TPLACE_INT, 1, 4, 0, false },
	{ ".version", 0, TPLACE_INT, 1, 4, 0, false },
	{ ".tot_len", offsetof(struct iphdr, tot_len) * 8, TPLACE_INT, 2, 0, 0, false },
	{ ".daddr", offsetof(struct iphdr, daddr) * 8, TPLACE_INT, 4, 0, 0, false },
	{ ".addrs.saddr", offsetof(struct iphdr, addrs.saddr) * 8, TPLACE_INT, 4, 0, 0, false },
};
static const struct chain attr_chains[] = {
	{ ".config", offsetof(struct perf_event_attr, config) * 8, TPLACE_INT, 8, 0, 0, false },
	{ ".sample_freq", offsetof(struct perf_event_attr, sample_freq) * 8, TPLACE_INT, 8, 0, 0, false },
	{ ".bp_addr", offsetof(struct perf_event_attr, bp_addr) * 8, TPLACE_INT, 8, 0, 0, false },
	{ ".exclude_kernel", 0, TPLACE_INT, 8, 1, 0, false },
	{ ".disabled", 0, TPLACE_INT, 8, 1, 0, false },
};

static void check_uapi(const struct type_source *src)
{
	struct chain ip[sizeof ip_chains / sizeof ip_chains[0]];
	memcpy(ip, ip_chains, sizeof ip);
	ip[0].bits = bit_ihl();
	ip[1].bits = bit_version();
	for (size_t i = 0; i < sizeof ip / sizeof ip[0]; i++)
		check_chain(src, "struct iphdr", &ip[i]);
	struct chain attr[sizeof attr_chains / sizeof attr_chains[0]];
	memcpy(attr, attr_chains, sizeof attr);
	attr[3].bits = bit_exclude_kernel();
	attr[4].bits = bit_disabled();
	for (size_t i = 0; i < sizeof attr / sizeof attr[0]; i++)
		check_chain(src, "struct perf_event_attr", &attr[i]);
	CHECK(tsrc_size(src, tsrc_find(src, TYPE_STRUCT, "iphdr")) == (long long)sizeof(struct iphdr));
	check_name(src, "struct iphdr", ".daddr", "__be32");
}

/* The same chains through DWARF and BTF: the same answers, names too. */
static void compare_sources(const struct type_source *a, const struct type_source *b, const char *type_text,
                            const struct chain *chains, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		struct walked x = walk(a, type_text, chains[i].path), y = walk(b, type_text, chains[i].path);
		bool same = x.ok && y.ok && x.bits == y.bits && tplace_class(x.p) == tplace_class(y.p) &&
		            tplace_size(x.p) == tplace_size(y.p) && x.p.bit_size == y.p.bit_size &&
		            strcmp(tplace_type_name(&arena, x.p), tplace_type_name(&arena, y.p)) == 0;
		CHECK(same);
		if (!same)
			fprintf(stderr, "  %s%s differs between %s and %s\n", type_text, chains[i].path,
			        type_source_what(a), type_source_what(b));
	}
}

static void test_kernel_btf(void)
{
	const struct type_source *k = type_source_kernel();
	CHECK(k && type_source_btf(k) == kernel_btf() && kernel_btf() != NULL);
	check_uapi(k);
	CHECK(ringbuf_value(k) == BPF_MAP_TYPE_RINGBUF);
	CHECK(!tsrc_is_signed(k, tsrc_find(k, TYPE_ENUM, "bpf_map_type")));
	/* a kernel path with typedefs and a pointer: task_struct->cred->uid */
	struct walked w = walk(k, "struct task_struct", ".cred.uid");
	CHECK(w.ok && tplace_class(w.p) == TPLACE_AGGREGATE);
	const char *hdr = NULL;
	CHECK_STR(w.ok ? tplace_c_name(&arena, w.p, &hdr) : NULL, "kuid_t");
	CHECK_STR(hdr, "typedef kuid_t");
	CHECK(w.ok && tplace_member(&w.p, "val") && tplace_class(w.p) == TPLACE_INT);
	check_name(k, "struct task_struct", ".comm", "char[16]");
	check_name(k, "struct task_struct", ".real_parent", "struct task_struct *");

	/* the same chains in each compiler's DWARF */
	for (size_t v = 0; v < sizeof variants / sizeof variants[0]; v++) {
		char path[PATH_MAX + 64], *err = NULL;
		snprintf(path, sizeof path, "%s/types-fixture-%s", fixture_dir, variants[v]);
		struct type_source *d = type_source_dwarf_open(path, &err);
		free(err);
		if (!d)
			continue; /* reported by test_dwarf_fixture */
		check_uapi(d);
		compare_sources(d, k, "struct iphdr", ip_chains, sizeof ip_chains / sizeof ip_chains[0]);
		compare_sources(d, k, "struct perf_event_attr", attr_chains, sizeof attr_chains / sizeof attr_chains[0]);
		type_source_close(d);
	}
}

/* A module's BTF is split over the kernel's: build one with libbpf. */
static void test_split_btf(void)
{
	const struct type_source *k = type_source_kernel();
	/* Adding strings makes libbpf rewrite the base's string table, so the
	 * split is built over a copy of the kernel's BTF, not the source's. */
	struct btf *base = btf__load_vmlinux_btf();
	struct btf *split = base ? btf__new_empty_split(base) : NULL;
	int ip = btf__find_by_name_kind(kernel_btf(), "iphdr", BTF_KIND_STRUCT);
	int word = btf__find_by_name_kind(kernel_btf(), "int", BTF_KIND_INT);
	CHECK(split && ip > 0 && word > 0);
	if (!split || ip <= 0 || word <= 0) {
		btf__free(split);
		btf__free(base);
		return;
	}
	int sid = btf__add_struct(split, "btap_split_probe", 24);
	btf__add_field(split, "n", word, 0, 0);
	btf__add_field(split, "ip", ip, 32, 0);
	__u32 size;
	const void *raw = btf__raw_data(split, &size);
	char path[] = "/tmp/btap-split-btf.XXXXXX";
	int fd = mkstemp(path);
	CHECK(fd >= 0 && raw && write(fd, raw, size) == (ssize_t)size);
	if (fd >= 0)
		close(fd);
	btf__free(split);
	btf__free(base);

	char *err = NULL;
	struct type_source *s = type_source_btf_open(path, k, &err);
	CHECK(s != NULL);
	if (s) {
		CHECK(tsrc_find(s, TYPE_STRUCT, "btap_split_probe") == (type_id)sid);
		CHECK(tsrc_find(s, TYPE_STRUCT, "iphdr") == (type_id)ip); /* from the base */
		struct walked w = walk(s, "struct btap_split_probe", ".ip.daddr");
		CHECK(w.ok && w.bits == 32 + (long)offsetof(struct iphdr, daddr) * 8);
		CHECK(tplace_class(w.p) == TPLACE_INT && tplace_size(w.p) == 4);
		type_source_close(s);
	}
	free(err);
	/* without its base it does not read */
	err = NULL;
	CHECK(type_source_btf_open(path, NULL, &err) == NULL && err);
	free(err);
	unlink(path);

	/* the kernel's BTF read as a file walks like the kernel's */
	err = NULL;
	s = type_source_btf_open("/sys/kernel/btf/vmlinux", NULL, &err);
	CHECK(s != NULL);
	if (s) {
		check_uapi(s);
		compare_sources(s, k, "struct iphdr", ip_chains, sizeof ip_chains / sizeof ip_chains[0]);
		type_source_close(s);
	}
	free(err);
}

static void test_modules(void)
{
	char *err = NULL;
	CHECK(type_source_module("btap_nosuch_module", &err) == NULL);
	CHECK(err && strstr(err, "/sys/kernel/btf/btap_nosuch_module"));
	free(err);
	err = NULL;
	CHECK(type_source_module("../vmlinux", &err) == NULL && err);
	free(err);
	/* a loaded module's BTF, where there is one */
	DIR *d = opendir("/sys/kernel/btf");
	struct dirent *e;
	const char *module = NULL;
	while (d && (e = readdir(d)))
		if (e->d_name[0] != '.' && strcmp(e->d_name, "vmlinux") != 0) {
			module = arena_strdup(&arena, e->d_name);
			break;
		}
	if (d)
		closedir(d);
	if (!module) {
		printf("SKIP: module BTF: no module with BTF is loaded\n");
		return;
	}
	err = NULL;
	struct type_source *m = type_source_module(module, &err);
	CHECK(m != NULL && tsrc_find(m, TYPE_STRUCT, "task_struct") != 0);
	free(err);
	type_source_close(m);
}

int main(void)
{
	arena_init(&arena);
	char self[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", self, sizeof self - 1);
	self[n > 0 ? n : 0] = 0;
	char *slash = strrchr(self, '/');
	if (slash)
		*slash = 0;
	snprintf(fixture_dir, sizeof fixture_dir, "%s", self);

	for (size_t i = 0; i < sizeof variants / sizeof variants[0]; i++)
		test_dwarf_fixture(variants[i]);
	test_dwarf_errors();
	if (kernel_btf()) {
		test_kernel_btf();
		test_split_btf();
		test_modules();
	} else {
		printf("SKIP: kernel BTF walks: this kernel has no BTF\n");
	}
	type_source_kernel_release();
	arena_free(&arena);
	return CHECK_DONE();
}
