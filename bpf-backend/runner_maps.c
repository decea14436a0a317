/* The runner's maps: created from the descriptor with bpf_map_create, and
 * the map operations generated runner-side code calls (through bpf
 * syscalls, so they see what the BPF programs wrote). */
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "runner_bpf.h"
#include "runner/runner_sort.h"
#include "runner/runner_stats.h"
#include "translator/session.h"
#include "translator/util.h"

/* Default size of a map whose descriptor gives none (stap's MAXMAPENTRIES). */
#define RUNNER_DEFAULT_ENTRIES 2048

/* Kernel object names hold at most 15 characters of [A-Za-z0-9_.]. */
static void kernel_name(char out[16], const char *name)
{
	size_t i = 0;
	for (; name && name[i] && i < 15; i++) {
		char c = name[i];
		bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
			  c == '_' || c == '.';
		out[i] = ok ? c : '_';
	}
	out[i] = '\0';
}

static int create_one(struct runner *r, struct runner_map *m, const struct btap_map_desc *d)
{
	m->d = d;
	m->key_size = d->key_size ? d->key_size : 4;
	m->value_size = d->value_size;
	m->stride = (d->value_size + 7) & ~7u;
	m->max_entries = d->max_entries ? d->max_entries
			 : r->prog->maxmapentries ? r->prog->maxmapentries
						  : RUNNER_DEFAULT_ENTRIES;
	m->type = d->bpf_map_type ? (enum bpf_map_type)d->bpf_map_type
		  : d->percpu		 ? BPF_MAP_TYPE_PERCPU_HASH
		  : d->wrap		 ? BPF_MAP_TYPE_LRU_HASH
					 : BPF_MAP_TYPE_HASH;
	m->percpu = m->type == BPF_MAP_TYPE_PERCPU_HASH || m->type == BPF_MAP_TYPE_PERCPU_ARRAY ||
		    m->type == BPF_MAP_TYPE_LRU_PERCPU_HASH;
	m->is_array = m->type == BPF_MAP_TYPE_ARRAY || m->type == BPF_MAP_TYPE_PERCPU_ARRAY;
	if (m->is_array)
		m->key_size = 4;
	if (d->value_type == BTAP_T_STATS && !runner_stat_desc(d, &m->stat)) {
		runner_fail(r, "bad histogram parameters for '%s'", d->name);
		return -EINVAL;
	}
	if (d->value_type == BTAP_T_STATS && m->value_size < rt_stat_size(&m->stat)) {
		runner_fail(r, "map '%s': value size %u is smaller than its statistic (%zu)",
			    d->name, m->value_size, rt_stat_size(&m->stat));
		return -EINVAL;
	}
	char name[16];
	kernel_name(name, d->bpf_name ? d->bpf_name : d->name);
	m->fd = bpf_map_create(m->type, name, m->key_size, m->value_size, m->max_entries, NULL);
	if (m->fd < 0) {
		int e = errno;
		runner_fail(r, "cannot create map '%s' (%u entries of %u+%u bytes): %s", d->name,
			    m->max_entries, m->key_size, m->value_size, strerror(e));
		return -e;
	}
	return 0;
}

static bool create_globals(struct runner *r)
{
	uint32_t size = r->prog->globals_size;
	if (size < sizeof(struct btap_globals_hdr))
		size = sizeof(struct btap_globals_hdr);
	LIBBPF_OPTS(bpf_map_create_opts, opts, .map_flags = BPF_F_MMAPABLE);
	struct bpf_run *b = bpf_run_of(r);
	b->globals_fd = bpf_map_create(BPF_MAP_TYPE_ARRAY, "btap_globals", 4, size, 1, &opts);
	if (b->globals_fd < 0) {
		runner_fail(r, "cannot create the globals map: %m");
		return false;
	}
	long page = sysconf(_SC_PAGESIZE);
	b->globals_len = (size + (size_t)page - 1) / (size_t)page * (size_t)page;
	void *g = mmap(NULL, b->globals_len, PROT_READ | PROT_WRITE, MAP_SHARED, b->globals_fd, 0);
	if (g == MAP_FAILED) {
		runner_fail(r, "cannot map the globals: %m");
		return false;
	}
	r->globals = g;
	return true;
}

bool bpf_run_create_maps(struct runner *r)
{
	struct bpf_run *b = bpf_run_of(r);
	int n = libbpf_num_possible_cpus();
	b->ncpus = n > 0 ? n : 1;
	if (!create_globals(r))
		return false;
	b->nmaps = (int)r->prog->nmaps;
	b->maps = xcalloc((size_t)b->nmaps + 1, sizeof(*b->maps));
	for (int i = 0; i < b->nmaps; i++)
		b->maps[i].fd = -1;
	for (int i = 0; i < b->nmaps; i++)
		if (create_one(r, &b->maps[i], &r->prog->maps[i]) < 0)
			return false;
	return true;
}

void bpf_run_close_maps(struct runner *r)
{
	struct bpf_run *b = bpf_run_of(r);
	for (int i = 0; i < b->nmaps; i++)
		if (b->maps[i].fd >= 0)
			close(b->maps[i].fd);
	free(b->maps);
	b->maps = NULL;
	if (r->globals)
		munmap(r->globals, b->globals_len);
	r->globals = NULL;
	if (b->globals_fd >= 0)
		close(b->globals_fd);
	b->globals_fd = -1;
}

/* ---- operations ----------------------------------------------------- */

static struct runner_map *map_at(int map)
{
	struct bpf_run *b = runner_current ? bpf_run_of(runner_current) : NULL;
	return b && map >= 0 && map < b->nmaps ? &b->maps[map] : NULL;
}

/* A scalar (0-key) map is addressed with a zero key. */
static const void *key_or_zero(const struct runner_map *m, const void *key)
{
	static const char zero[64];
	return key && m->d->nkeys > 0 ? key : zero;
}

/* Bytes a lookup returns: one value, or one per CPU. */
static size_t value_bytes(const struct runner_map *m)
{
	return m->percpu ? (size_t)m->stride * (size_t)bpf_run_of(runner_current)->ncpus : m->value_size;
}

static int op_lookup(int map, const void *key, void *value)
{
	struct runner_map *m = map_at(map);
	if (!m)
		return -EINVAL;
	void *buf = value && !m->percpu ? value : xmalloc(value_bytes(m));
	int rc = bpf_map_lookup_elem(m->fd, key_or_zero(m, key), buf) ? -errno : 0;
	/* Per-CPU maps hand back the first CPU's value; statistics are read
	 * merged through stat_read. */
	if (buf != value) {
		if (rc == 0 && value)
			memcpy(value, buf, m->value_size);
		free(buf);
	}
	return rc;
}

/* Make room in a full wrapping array (global a%[N]) by evicting one key. */
static bool evict_one(struct runner_map *m)
{
	char *k = xmalloc(m->key_size);
	bool ok = bpf_map_get_next_key(m->fd, NULL, k) == 0 && bpf_map_delete_elem(m->fd, k) == 0;
	free(k);
	return ok;
}

static int op_update(int map, const void *key, const void *value)
{
	struct runner_map *m = map_at(map);
	if (!m)
		return -EINVAL;
	const void *k = key_or_zero(m, key);
	void *percpu = NULL;
	if (m->percpu) {
		/* user space writes every CPU's slot: put the value in the
		 * first, zero the others */
		percpu = xcalloc(1, value_bytes(m));
		memcpy(percpu, value, m->value_size);
		value = percpu;
	}
	int rc = bpf_map_update_elem(m->fd, k, value, BPF_ANY) ? -errno : 0;
	if (rc == -E2BIG && m->d->wrap && evict_one(m))
		rc = bpf_map_update_elem(m->fd, k, value, BPF_ANY) ? -errno : 0;
	free(percpu);
	return rc;
}

/* Array maps (a scalar statistic) cannot lose an element: zero it. */
static int zero_value(struct runner_map *m, const void *key)
{
	void *zero = xcalloc(1, value_bytes(m));
	int rc = bpf_map_update_elem(m->fd, key, zero, BPF_ANY) ? -errno : 0;
	free(zero);
	return rc;
}

static int op_delete(int map, const void *key)
{
	struct runner_map *m = map_at(map);
	if (!m)
		return -EINVAL;
	if (m->is_array)
		return zero_value(m, key_or_zero(m, key));
	return bpf_map_delete_elem(m->fd, key_or_zero(m, key)) ? -errno : 0;
}

/* Every key of m (at most max_entries, guarding against keys deleted
 * under us restarting the walk). Returns the count; *out is malloc'd. */
static int64_t collect_keys(struct runner_map *m, char **out)
{
	size_t cap = 64, n = 0, limit = (size_t)m->max_entries * 2 + 16;
	char *keys = xmalloc(cap * m->key_size);
	char *prev = NULL;
	for (size_t steps = 0; steps < limit; steps++) {
		if (n == cap) {
			cap *= 2;
			keys = xrealloc(keys, cap * m->key_size);
			prev = n ? keys + (n - 1) * m->key_size : NULL;
		}
		char *next = keys + n * m->key_size;
		if (bpf_map_get_next_key(m->fd, prev, next) != 0)
			break;
		prev = next;
		n++;
	}
	*out = keys;
	return (int64_t)n;
}

static int op_clear(int map)
{
	struct runner_map *m = map_at(map);
	if (!m)
		return -EINVAL;
	char *keys;
	int64_t n = collect_keys(m, &keys);
	for (int64_t i = 0; i < n; i++) {
		if (m->is_array)
			zero_value(m, keys + i * m->key_size);
		else
			bpf_map_delete_elem(m->fd, keys + i * m->key_size);
	}
	free(keys);
	return 0;
}

static int64_t op_count(int map)
{
	struct runner_map *m = map_at(map);
	if (!m)
		return 0;
	char *keys;
	int64_t n = collect_keys(m, &keys);
	free(keys);
	return n;
}

/* ---- statistics: runner/runner_stats.c, over the per-CPU values ---------- */

static int stat_get(int map, const void *key, void *buf)
{
	struct runner_map *m = map_at(map);
	return bpf_map_lookup_elem(m->fd, key_or_zero(m, key), buf) ? -errno : 0;
}

static int stat_put(int map, const void *key, const void *buf)
{
	struct runner_map *m = map_at(map);
	const void *k = key_or_zero(m, key);
	int rc = bpf_map_update_elem(m->fd, k, buf, BPF_ANY) ? -errno : 0;
	if (rc == -E2BIG && m->d->wrap && evict_one(m))
		rc = bpf_map_update_elem(m->fd, k, buf, BPF_ANY) ? -errno : 0;
	return rc;
}

/* The statistic map at index map, or false. */
static bool stat_map(int map, struct runner_stat_map *sm)
{
	struct runner_map *m = map_at(map);
	if (!m || m->d->value_type != BTAP_T_STATS)
		return false;
	*sm = (struct runner_stat_map){&m->stat, m->stride, m->percpu ? bpf_run_of(runner_current)->ncpus : 1,
				       stat_get, stat_put};
	return true;
}

int bpf_run_stat_read(struct runner *r, int map, const void *key, struct rt_stat_result *res,
		      int64_t *buckets)
{
	(void)r;
	return runner_stat_read_bound(map, key, res, buckets);
}


/* A histogram a kernel probe merged when it printed it. */
void bpf_run_print_hist_record(struct runner *r, uint32_t map, const char *p, const char *end)
{
	struct bpf_run *b = bpf_run_of(r);
	struct runner_map *m = map < (uint32_t)b->nmaps ? &b->maps[map] : NULL;
	if (m && m->d->value_type == BTAP_T_STATS)
		runner_stat_print_record(r, &m->stat, map, p, end);
}

/* ---- foreach order -------------------------------------------------- */

/* Fill the sort values; keys that vanished meanwhile are dropped. */
static int64_t load_values(struct runner_map *m, struct runner_sort_item *items, int64_t n, char agg,
			   char **values_out)
{
	size_t vb = value_bytes(m);
	char *values = xmalloc((size_t)(n ? n : 1) * vb);
	int64_t kept = 0;
	for (int64_t i = 0; i < n; i++) {
		char *v = values + kept * vb;
		if (m->d->value_type == BTAP_T_STATS) {
			struct rt_stat_result res;
			if (runner_stat_read_bound((int)(m - bpf_run_of(runner_current)->maps), items[i].key, &res,
						   NULL) != 0)
				continue;
			items[i].num = runner_stat_aggregate(&res, agg);
		} else {
			if (bpf_map_lookup_elem(m->fd, items[i].key, v) != 0)
				continue;
			if (m->d->value_type == BTAP_T_STRING)
				items[i].str = v;
			else
				memcpy(&items[i].num, v, 8);
		}
		items[kept++] = items[i];
	}
	*values_out = values;
	return kept;
}

static int64_t op_map_keys(int map, int sort_by, int dir, char agg, int64_t limit, void **keys_out)
{
	*keys_out = NULL;
	struct runner_map *m = map_at(map);
	if (!m)
		return 0;
	char *keys, *values = NULL;
	int64_t n = collect_keys(m, &keys);
	struct runner_sort_item *items = xcalloc((size_t)(n ? n : 1), sizeof(*items));
	for (int64_t i = 0; i < n; i++)
		items[i].key = keys + i * m->key_size;
	if (sort_by < 0)
		n = load_values(m, items, n, agg, &values);
	n = runner_sort_keys(m->d, m->key_size, items, n, sort_by, dir, limit, keys_out);
	free(items);
	free(values);
	free(keys);
	return n;
}

void bpf_run_bind_map_ops(struct btap_runner_ops *ops)
{
	ops->map_lookup = op_lookup;
	ops->map_update = op_update;
	ops->map_delete = op_delete;
	ops->map_clear = op_clear;
	ops->map_count = op_count;
	ops->map_keys = op_map_keys;
	runner_stat_bind_ops(ops, stat_map);
}
