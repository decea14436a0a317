/* --format=json: what the runner writes, as one JSON object a line
 * (docs/json-output.md is the schema). Records go through the same sink
 * as text, so they keep the order in which the script produced them. */
#include <stdlib.h>
#include <string.h>

#include "runner_internal.h"
#include "runtime/json.h"
#include "translator/util.h"

static void put(struct rt_sink *s, const char *text)
{
	rt_sink_put(s, text, strlen(text));
}

/* A string, stack and symbol tokens expanded (runner_stacks.c). */
static void json_text(struct rt_sink *s, const char *text, size_t len)
{
	if (!runner_current || !memchr(text, '\001', len)) {
		rt_json_string(s, text, len);
		return;
	}
	struct strbuf b;
	sb_init(&b);
	runner_expand_string(runner_current, text, len, &b);
	rt_json_string(s, b.s ? b.s : "", b.len);
	sb_free(&b);
}

static void json_arg(struct rt_sink *s, const struct rt_arg *a)
{
	if (a->kind == RT_ARG_STR)
		json_text(s, a->s ? a->s : "", a->s ? a->slen : 0);
	else
		rt_json_long(s, a->l);
}

/* {"type":"print","text":…,"format":…,"args":[…]} */
void runner_json_print(struct runner *r, const struct runner_format *f, const char *format,
		       const struct rt_arg *args, int nargs)
{
	size_t len = rt_format(r->textbuf, r->textcap, f->specs, f->nspecs, args, nargs);
	if (len >= r->textcap) {
		r->textcap = len + 1;
		r->textbuf = xrealloc(r->textbuf, r->textcap);
		rt_format(r->textbuf, r->textcap, f->specs, f->nspecs, args, nargs);
	}
	struct rt_sink *s = &r->sink;
	put(s, "{\"type\":\"print\",\"text\":");
	json_text(s, r->textbuf, len);
	put(s, ",\"format\":");
	rt_json_cstring(s, format);
	put(s, ",\"args\":[");
	for (int i = 0; i < nargs; i++) {
		if (i)
			put(s, ",");
		json_arg(s, &args[i]);
	}
	put(s, "]}\n");
}

/* [k1,k2,…] of an element's key */
static void json_key(struct runner *r, const struct btap_map_desc *d, const char *key)
{
	put(&r->sink, "[");
	for (int i = 0; i < d->nkeys; i++) {
		if (i)
			put(&r->sink, ",");
		struct rt_arg a = runner_key_field(d, key, i);
		json_arg(&r->sink, &a);
	}
	put(&r->sink, "]");
}

/* [{"min":…,"max":…,"count":…},…]: the buckets that counted something;
 * an end a linear histogram's underflow or overflow lacks is null. */
static void json_buckets(struct rt_sink *s, const struct rt_hist_desc *h, const int64_t *buckets)
{
	put(s, "[");
	bool first = true;
	for (int b = 0; b < h->nbuckets; b++) {
		if (!buckets[b])
			continue;
		int64_t lo, hi;
		int ends = rt_hist_bucket_range(h, b, &lo, &hi);
		put(s, first ? "{\"min\":" : ",{\"min\":");
		first = false;
		if (ends & RT_HIST_LOW)
			rt_json_long(s, lo);
		else
			put(s, "null");
		put(s, ",\"max\":");
		if (ends & RT_HIST_HIGH)
			rt_json_long(s, hi);
		else
			put(s, "null");
		put(s, ",\"count\":");
		rt_json_long(s, buckets[b]);
		put(s, "}");
	}
	put(s, "]");
}

static const char *hist_kind(const struct rt_hist_desc *h)
{
	return h->type == RT_HIST_LOG ? "log" : "linear";
}

/* {"type":"hist","name":…[,"key":[…]],"kind":…,"count":…,"buckets":[…]} */
void runner_json_hist(struct runner *r, uint32_t map, const void *key,
		      const struct rt_stat_result *res, const int64_t *buckets)
{
	struct rt_sink *s = &r->sink;
	struct rt_stat_desc sd;
	if (res->count == 0) /* as in text: an empty histogram prints nothing */
		return;
	if (map >= r->prog->nmaps || !runner_stat_desc(&r->prog->maps[map], &sd))
		return;
	const struct btap_map_desc *d = &r->prog->maps[map];
	put(s, "{\"type\":\"hist\",\"name\":");
	rt_json_cstring(s, d->name);
	if (key && d->nkeys > 0) {
		put(s, ",\"key\":");
		json_key(r, d, key);
	}
	put(s, ",\"kind\":");
	rt_json_cstring(s, hist_kind(&sd.hist));
	put(s, ",\"count\":");
	rt_json_long(s, res->count);
	put(s, ",\"buckets\":");
	json_buckets(s, &sd.hist, buckets);
	put(s, "}\n");
}

/* {"type":"error"|"warning","message":…[,"near":…][,"at":…]} */
void runner_json_message(struct runner *r, const char *type, const char *msg, size_t len,
			 const struct btap_error_site *site)
{
	struct rt_sink *s = &r->sink;
	put(s, "{\"type\":");
	rt_json_cstring(s, type);
	put(s, ",\"message\":");
	rt_json_string(s, msg, len);
	if (site && site->what && *site->what) {
		put(s, ",\"near\":");
		rt_json_cstring(s, site->what);
	}
	if (site && site->loc) {
		put(s, ",\"at\":");
		rt_json_cstring(s, site->loc);
	}
	put(s, "}\n");
}

/* The last record of every run. */
void runner_json_summary(struct runner *r, int64_t lost, int64_t errors, int64_t skipped)
{
	struct rt_sink *s = &r->sink;
	put(s, "{\"type\":\"summary\",\"lost_records\":");
	rt_json_long(s, lost);
	put(s, ",\"errors\":");
	rt_json_long(s, errors);
	put(s, ",\"skipped_probes\":");
	rt_json_long(s, skipped);
	put(s, "}\n");
}

/* ---- the end-of-run dump ----------------------------------------------- */

static void json_stat(struct runner *r, const struct runner_value *v)
{
	struct rt_sink *s = &r->sink;
	static const struct {
		const char *name;
		enum rt_stat_op op;
	} ops[] = {{"count", RT_STAT_COUNT}, {"sum", RT_STAT_SUM}, {"min", RT_STAT_MIN},
		   {"max", RT_STAT_MAX},     {"avg", RT_STAT_AVG}};
	put(s, "{");
	for (size_t i = 0; i < sizeof(ops) / sizeof(ops[0]); i++) {
		int64_t x;
		put(s, i ? ",\"" : "\"");
		put(s, ops[i].name);
		put(s, "\":");
		if (rt_stat_value(&v->stat, ops[i].op, &x) == RT_STAT_OK)
			rt_json_long(s, x);
		else
			put(s, "null"); /* an empty aggregate has no min, max or avg */
	}
	put(s, "}");
}

static void json_value(struct runner *r, const struct runner_value *v)
{
	if (v->g->type == BTAP_T_STATS)
		json_stat(r, v);
	else if (v->g->type == BTAP_T_STRING)
		rt_json_cstring(&r->sink, v->str);
	else
		rt_json_long(&r->sink, v->num);
}

/* ,{"key":[…],"value":…} of one element (the first without the comma) */
static void json_entry(struct runner *r, const struct runner_value *v, void *ctx)
{
	bool *first = ctx;
	put(&r->sink, *first ? "{\"key\":" : ",{\"key\":");
	*first = false;
	json_key(r, v->d, v->key);
	put(&r->sink, ",\"value\":");
	json_value(r, v);
	put(&r->sink, "}");
}

static void json_scalar(struct runner *r, const struct runner_value *v, void *ctx)
{
	put(&r->sink, ",\"value\":");
	json_value(r, v);
}

/* {"type":"global","name":…,"value":…} for a scalar,
 * (a statistic: {"count":…,"sum":…,"min":…,"max":…,"avg":…}; no
 * histogram, since a global used with @hist_* is read, so not printed),
 * {"type":"global","name":…,"entries":[{"key":[…],"value":…},…]} for an
 * array: the globals the text format prints at the end, in its order. */
void runner_json_dump_globals(struct runner *r)
{
	for (uint32_t i = 0; i < r->prog->nglobals; i++) {
		const struct btap_global_desc *g = &r->prog->globals[i];
		if (!g->display)
			continue;
		bool array = g->map >= 0 && g->map < (int)r->prog->nmaps && r->prog->maps[g->map].nkeys > 0;
		put(&r->sink, "{\"type\":\"global\",\"name\":");
		rt_json_cstring(&r->sink, g->name);
		if (array) {
			bool first = true;
			put(&r->sink, ",\"entries\":[");
			runner_each_value(r, g, true, json_entry, &first);
			put(&r->sink, "]");
		} else if (!runner_each_value(r, g, true, json_scalar, NULL)) {
			put(&r->sink, ",\"value\":null");
		}
		put(&r->sink, "}\n");
	}
}
