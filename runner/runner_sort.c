/* foreach order over a map's keys (runner_sort.h), for every runtime. */
#include "runner_sort.h"

#include <stdlib.h>
#include <string.h>

#include "runner_internal.h"
#include "translator/util.h"

static struct {
	const struct btap_map_desc *d;
	int sort_by, dir;
	uint32_t maxlen;
} sort_ctx;

static int cmp_field(const struct btap_map_desc *d, int field, const char *a, const char *b)
{
	const char *fa = a + d->key_offsets[field], *fb = b + d->key_offsets[field];
	if (d->key_types[field] == BTAP_T_STRING)
		return strncmp(fa, fb, sort_ctx.maxlen);
	int64_t x, y;
	memcpy(&x, fa, 8);
	memcpy(&y, fb, 8);
	return x < y ? -1 : x > y;
}

/* Ties fall back to the keys in order, so every run prints the same. */
static int cmp_keys(const struct btap_map_desc *d, const char *a, const char *b)
{
	for (int f = 0; f < d->nkeys; f++) {
		int c = cmp_field(d, f, a, b);
		if (c)
			return c;
	}
	return 0;
}

static int cmp_items(const void *pa, const void *pb)
{
	const struct runner_sort_item *a = pa, *b = pb;
	const struct btap_map_desc *d = sort_ctx.d;
	int c = 0;
	if (sort_ctx.sort_by > 0 && sort_ctx.sort_by <= d->nkeys)
		c = cmp_field(d, sort_ctx.sort_by - 1, a->key, b->key);
	else if (sort_ctx.sort_by < 0 && d->value_type == BTAP_T_STRING)
		c = strncmp(a->str, b->str, sort_ctx.maxlen);
	else if (sort_ctx.sort_by < 0)
		c = a->num < b->num ? -1 : a->num > b->num;
	if (c)
		return c * (sort_ctx.dir < 0 ? -1 : 1);
	return cmp_keys(d, a->key, b->key);
}

int64_t runner_stat_aggregate(const struct rt_stat_result *res, char agg)
{
	switch (agg) {
	case 's': return res->sum;
	case 'm': return res->count ? res->min : 0;
	case 'M': return res->count ? res->max : 0;
	case 'a': return res->count ? rt_div64(res->sum, res->count) : 0;
	default: return res->count;
	}
}

int64_t runner_sort_keys(const struct btap_map_desc *d, uint32_t key_size, struct runner_sort_item *items,
			 int64_t n, int sort_by,
			 int dir, int64_t limit, void **keys_out)
{
	sort_ctx.d = d;
	sort_ctx.sort_by = sort_by;
	sort_ctx.dir = dir;
	sort_ctx.maxlen = runner_current->prog->maxstringlen ? runner_current->prog->maxstringlen : 128;
	if (n > 1)
		qsort(items, (size_t)n, sizeof(*items), cmp_items);
	if (limit >= 0 && limit < n)
		n = limit;
	char *out = xmalloc((size_t)(n ? n : 1) * key_size);
	for (int64_t i = 0; i < n; i++)
		memcpy(out + i * key_size, items[i].key, key_size);
	*keys_out = out;
	return n;
}
