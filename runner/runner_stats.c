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
