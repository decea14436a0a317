/* Statistics for every runtime (runner_stats.h). */
#include "runner_stats.h"

#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "runner_internal.h"
#include "translator/util.h"

int runner_stat_read(const struct runner_stat_map *sm, int map, const void *key, struct rt_stat_result *res,
		     int64_t *buckets)
{
	size_t bytes = (size_t)sm->stride * (size_t)sm->parts;
	char *buf = xmalloc(bytes);
	int rc = sm->get(map, key, buf);
	if (rc == -ENOENT) {
		memset(buf, 0, bytes);
		rt_stat_clear(sm->desc, (struct rt_stat *)buf);
		rc = 0;
	}
	if (rc == 0)
		rt_stat_merge(sm->desc, buf, sm->stride, sm->parts, res, buckets);
	free(buf);
	return rc;
}

int runner_stat_add(const struct runner_stat_map *sm, int map, const void *key, int64_t v)
{
	size_t bytes = (size_t)sm->stride * (size_t)sm->parts;
	char *buf = xcalloc(1, bytes);
	if (sm->get(map, key, buf) != 0) {
		for (int c = 0; c < sm->parts; c++)
			rt_stat_clear(sm->desc, (struct rt_stat *)(buf + (size_t)c * sm->stride));
	}
	rt_stat_add(sm->desc, (struct rt_stat *)buf, v);
	int rc = sm->put(map, key, buf);
	free(buf);
	return rc;
}

void runner_stat_print(struct runner *r, const struct runner_stat_map *sm, int map, const void *key)
{
	if (sm->desc->hist.type == RT_HIST_NONE)
		return;
	int64_t *buckets = xcalloc((size_t)sm->desc->hist.nbuckets, sizeof(int64_t));
	struct rt_stat_result res;
	if (runner_stat_read(sm, map, key, &res, buckets) != 0)
		;
	else if (r->json)
		runner_json_hist(r, (uint32_t)map, key, &res, buckets);
	else
		rt_stat_print_hist(&r->sink, sm->desc, &res, buckets);
	free(buckets);
}

int runner_stat_hist(const struct runner_stat_map *sm, int map, const void *key, int64_t *buckets,
		     int *nbuckets)
{
	*nbuckets = 0;
	if (sm->desc->hist.nbuckets > RT_HIST_MAX_BUCKETS)
		return -EINVAL;
	struct rt_stat_result res;
	int rc = runner_stat_read(sm, map, key, &res, sm->desc->hist.nbuckets > 0 ? buckets : NULL);
	if (rc == 0)
		*nbuckets = sm->desc->hist.nbuckets;
	return rc;
}

void runner_stat_print_record(struct runner *r, const struct rt_stat_desc *desc, uint32_t map, const char *p,
			      const char *end)
{
	if (desc->hist.type == RT_HIST_NONE)
		return;
	int nb = desc->hist.nbuckets;
	if (end - p < (ptrdiff_t)(sizeof(int64_t) * (size_t)(nb + 1)))
		return;
	int64_t *vals = xmalloc(sizeof(int64_t) * (size_t)(nb + 1));
	memcpy(vals, p, sizeof(int64_t) * (size_t)(nb + 1));
	struct rt_stat_result res;
	memset(&res, 0, sizeof res);
	res.count = vals[0];
	if (r->json)
		runner_json_hist(r, map, NULL, &res, vals + 1);
	else
		rt_stat_print_hist(&r->sink, desc, &res, vals + 1);
	free(vals);
}

/* ---- the runner's operations, bound to a runtime's statistics ---------- */

static bool (*stat_map_of)(int map, struct runner_stat_map *sm);

static int op_stat_add(int map, const void *key, int64_t v)
{
	struct runner_stat_map sm;
	return stat_map_of(map, &sm) ? runner_stat_add(&sm, map, key, v) : -EINVAL;
}

static int op_stat_read(int map, const void *key, void *result_out)
{
	struct runner_stat_map sm;
	return stat_map_of(map, &sm) ? runner_stat_read(&sm, map, key, result_out, NULL) : -EINVAL;
}

static void op_print_hist(int map, const void *key)
{
	struct runner_stat_map sm;
	if (stat_map_of(map, &sm))
		runner_stat_print(runner_current, &sm, map, key);
}

static int op_stat_hist(int map, const void *key, int64_t *buckets, int *nbuckets)
{
	struct runner_stat_map sm;
	*nbuckets = 0;
	return stat_map_of(map, &sm) ? runner_stat_hist(&sm, map, key, buckets, nbuckets) : -EINVAL;
}

void runner_stat_bind_ops(struct btap_runner_ops *ops, bool (*map_of)(int map, struct runner_stat_map *sm))
{
	stat_map_of = map_of;
	ops->stat_add = op_stat_add;
	ops->stat_read = op_stat_read;
	ops->print_hist = op_print_hist;
	ops->stat_hist = op_stat_hist;
}

int runner_stat_read_bound(int map, const void *key, struct rt_stat_result *res, int64_t *buckets)
{
	struct runner_stat_map sm;
	if (!stat_map_of || !stat_map_of(map, &sm))
		return -EINVAL;
	return runner_stat_read(&sm, map, key, res, sm.desc->hist.type != RT_HIST_NONE ? buckets : NULL);
}
