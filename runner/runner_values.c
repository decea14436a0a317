/* The values of the script's globals as the runner itself reads them (the
 * JSON end-of-run dump, the metrics endpoint): the descriptor's globals
 * table says where each lives; arrays are walked through the same map
 * operations generated code uses, so the order is foreach's. */
#include <stdlib.h>
#include <string.h>

#include "runner_internal.h"
#include "translator/util.h"

struct rt_arg runner_key_field(const struct btap_map_desc *d, const char *key, int i)
{
	const char *p = key + d->key_offsets[i];
	if (d->key_types[i] != BTAP_T_STRING) {
		int64_t v;
		memcpy(&v, p, 8);
		return (struct rt_arg)RT_ARG_LONG_INIT(v);
	}
	/* a string field runs to the next field (or the key's end) */
	uint32_t end = i + 1 < d->nkeys ? d->key_offsets[i + 1] : d->key_size;
	size_t room = end > d->key_offsets[i] ? end - d->key_offsets[i] : 0;
	return (struct rt_arg)RT_ARG_STR_INIT(p, strnlen(p, room));
}

/* Read one value (key NULL for a scalar map) into v; false if it vanished. */
static bool read_value(struct runner *r, struct runner_value *v, int64_t *buckets, char *strbuf)
{
	const struct btap_global_desc *g = v->g;
	if (g->map < 0) {
		const char *at = (const char *)r->globals + g->offset;
		if (g->type == BTAP_T_STRING) {
			size_t msl = r->prog->maxstringlen ? r->prog->maxstringlen : 128;
			memcpy(strbuf, at, msl);
			strbuf[msl - 1] = '\0';
			v->str = strbuf;
		} else {
			memcpy(&v->num, at, 8);
		}
		return true;
	}
	if (g->type == BTAP_T_STATS) {
		if (r->rt->stat_read(r, g->map, v->key, &v->stat, buckets) != 0)
			return false;
		v->buckets = v->sd.hist.type != RT_HIST_NONE ? buckets : NULL;
		return true;
	}
	if (r->ops.map_lookup(g->map, v->key, strbuf) != 0)
		return false;
	if (g->type == BTAP_T_STRING) {
		strbuf[v->d->value_size - 1] = '\0';
		v->str = strbuf;
	} else {
		memcpy(&v->num, strbuf, 8);
	}
	return true;
}

int64_t runner_each_value(struct runner *r, const struct btap_global_desc *g, bool sorted,
			  runner_value_fn fn, void *ctx)
{
	if (g->map >= (int)r->prog->nmaps || (g->map < 0 && g->type == BTAP_T_STATS))
		return 0;
	struct runner_value v = {.g = g, .d = g->map >= 0 ? &r->prog->maps[g->map] : NULL};
	if (v.d && v.d->value_type == BTAP_T_STATS && !runner_stat_desc(v.d, &v.sd))
		return 0;
	size_t msl = r->prog->maxstringlen ? r->prog->maxstringlen : 128;
	size_t vsize = v.d && v.d->value_size > msl ? v.d->value_size : msl;
	char *buf = xmalloc(vsize);
	int64_t buckets[RT_HIST_MAX_BUCKETS];
	int64_t n = 0;
	if (!v.d || v.d->nkeys == 0) {
		if (read_value(r, &v, buckets, buf)) {
			fn(r, &v, ctx);
			n = 1;
		}
		free(buf);
		return n;
	}
	void *keys = NULL;
	/* the text dump's order: largest value (statistics: count) first */
	int64_t nkeys = r->ops.map_keys(g->map, sorted ? -1 : 0, -1, 'c', -1, &keys);
	for (int64_t i = 0; i < nkeys; i++) {
		v.key = (const char *)keys + (size_t)i * v.d->key_size;
		if (read_value(r, &v, buckets, buf)) {
			fn(r, &v, ctx);
			n++;
		}
	}
	free(keys);
	free(buf);
	return n;
}
