/* The script's globals in the Prometheus text exposition format (0.0.4),
 * for --metrics (docs/json-output.md, "Metrics"):
 *
 *   long scalar          # TYPE n gauge           n 5
 *   string scalar        # TYPE s gauge           s{value="text"} 1
 *   array                name{key="k"} v          (keys key1, key2, ... when
 *                                                  there are several; a
 *                                                  string value: value="…" 1)
 *   statistics           # TYPE x summary         x_count, x_sum, and the
 *                        gauges x_min, x_max (elements with a value)
 *   with a histogram     # TYPE x histogram       x_bucket{le="…"}
 *                        cumulative, from the lowest bucket that counted
 *                        to the highest, then le="+Inf"; x_sum, x_count
 *
 * and btap's own counters: btap_lost_records_total, btap_errors_total,
 * btap_skipped_probes_total. Each array is read once per scrape, through
 * the same operations as foreach. */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "runner_internal.h"
#include "runtime/json.h"
#include "translator/util.h"

/* A label value: \ " and newline escaped; bytes that are not UTF-8
 * become U+FFFD (the format is UTF-8). */
static void label_value(struct strbuf *b, const char *p, size_t n)
{
	sb_putc(b, '"');
	for (size_t i = 0; i < n;) {
		unsigned char c = (unsigned char)p[i];
		size_t len = rt_utf8_len((const unsigned char *)p + i, n - i);
		if (c == '\\' || c == '"')
			sb_putc(b, '\\'), sb_putc(b, (char)c), i++;
		else if (c == '\n')
			sb_puts(b, "\\n"), i++;
		else if (len)
			sb_putn(b, p + i, len), i += len;
		else
			sb_puts(b, "\xef\xbf\xbd"), i++;
	}
	sb_putc(b, '"');
}

/* {key="…",…[,extra="…"]}, nothing for a scalar without extra. */
static void labels(struct strbuf *b, struct runner *r, const struct runner_value *v,
		   const char *extra, const char *extra_value, size_t extra_len)
{
	int nkeys = v->key ? v->d->nkeys : 0;
	if (!nkeys && !extra)
		return;
	sb_putc(b, '{');
	for (int i = 0; i < nkeys; i++) {
		if (nkeys == 1)
			sb_puts(b, "key=");
		else
			sb_printf(b, "%skey%d=", i ? "," : "", i + 1);
		struct rt_arg a = runner_key_field(v->d, v->key, i);
		if (a.kind == RT_ARG_STR) {
			label_value(b, a.s, a.slen);
		} else {
			char num[24];
			int len = snprintf(num, sizeof(num), "%" PRId64, a.l);
			label_value(b, num, (size_t)len);
		}
	}
	if (extra) {
		sb_printf(b, "%s%s=", nkeys ? "," : "", extra);
		label_value(b, extra_value, extra_len);
	}
	sb_putc(b, '}');
}

static void sample(struct strbuf *b, struct runner *r, const struct runner_value *v,
		   const char *suffix, const char *extra, const char *extra_value, int64_t value)
{
	sb_puts(b, v->g->name);
	sb_puts(b, suffix);
	labels(b, r, v, extra, extra_value, extra_value ? strlen(extra_value) : 0);
	sb_printf(b, " %" PRId64 "\n", value);
}

/* The families of one global, each kept apart while its elements are
 * read once, then written one after the other. */
struct families {
	struct strbuf main, min, max;
};

static void histogram_samples(struct strbuf *b, struct runner *r, const struct runner_value *v)
{
	const struct rt_hist_desc *h = &v->sd.hist;
	int first = -1, last = -1;
	for (int i = 0; i < h->nbuckets; i++)
		if (v->buckets[i]) {
			if (first < 0)
				first = i;
			last = i;
		}
	int64_t cum = 0;
	for (int i = first < 0 ? h->nbuckets : first; i <= last; i++) {
		int64_t lo, hi;
		cum += v->buckets[i];
		if (!(rt_hist_bucket_range(h, i, &lo, &hi) & RT_HIST_HIGH))
			break; /* an overflow bucket ends at +Inf */
		char le[24];
		snprintf(le, sizeof(le), "%" PRId64, hi);
		sample(b, r, v, "_bucket", "le", le, cum);
	}
	/* _count is the buckets' total, so +Inf and _count agree even when
	 * a CPU adds a value while its partial is being read */
	int64_t total = 0;
	for (int i = 0; i < h->nbuckets; i++)
		total += v->buckets[i];
	sample(b, r, v, "_bucket", "le", "+Inf", total);
	sample(b, r, v, "_sum", NULL, NULL, v->stat.sum);
	sample(b, r, v, "_count", NULL, NULL, total);
}

static void one_value(struct runner *r, const struct runner_value *v, void *ctx)
{
	struct families *f = ctx;
	switch (v->g->type) {
	case BTAP_T_LONG:
		sample(&f->main, r, v, "", NULL, NULL, v->num);
		break;
	case BTAP_T_STRING:
		sample(&f->main, r, v, "", "value", v->str, 1);
		break;
	case BTAP_T_STATS:
		if (v->buckets) {
			histogram_samples(&f->main, r, v);
		} else {
			sample(&f->main, r, v, "_sum", NULL, NULL, v->stat.sum);
			sample(&f->main, r, v, "_count", NULL, NULL, v->stat.count);
		}
		if (v->stat.count > 0) {
			sample(&f->min, r, v, "_min", NULL, NULL, v->stat.min);
			sample(&f->max, r, v, "_max", NULL, NULL, v->stat.max);
		}
		break;
	}
}

static void family(struct strbuf *out, const char *name, const char *suffix, const char *type,
		   struct strbuf *samples)
{
	sb_printf(out, "# TYPE %s%s %s\n", name, suffix, type);
	if (samples->len)
		sb_putn(out, samples->s, samples->len);
}

static void render_global(struct runner *r, const struct btap_global_desc *g, struct strbuf *out)
{
	struct families f;
	sb_init(&f.main);
	sb_init(&f.min);
	sb_init(&f.max);
	runner_each_value(r, g, false, one_value, &f);
	if (g->type != BTAP_T_STATS) {
		family(out, g->name, "", "gauge", &f.main);
	} else {
		bool hist = g->map >= 0 && g->map < (int)r->prog->nmaps &&
			    r->prog->maps[g->map].hist_kind != 0;
		family(out, g->name, "", hist ? "histogram" : "summary", &f.main);
		family(out, g->name, "_min", "gauge", &f.min);
		family(out, g->name, "_max", "gauge", &f.max);
	}
	sb_free(&f.main);
	sb_free(&f.min);
	sb_free(&f.max);
}

static void counter(struct strbuf *out, const char *name, const char *help, int64_t v)
{
	sb_printf(out, "# HELP %s %s\n# TYPE %s counter\n%s %" PRId64 "\n", name, help, name, name, v);
}

void runner_prom_render(struct runner *r, struct strbuf *out)
{
	for (uint32_t i = 0; i < r->prog->nglobals; i++)
		if (!r->prog->globals[i].library)
			render_global(r, &r->prog->globals[i], out);
	const struct btap_globals_hdr *g = runner_globals(r);
	int64_t lost = 0;
	for (int i = 0; g && i < 256; i++)
		lost += g->lost_records[i];
	int64_t errors = g && g->errors > r->errors_seen ? g->errors : r->errors_seen;
	counter(out, "btap_lost_records_total", "Output records lost (the buffer was full).", lost);
	counter(out, "btap_errors_total", "Runtime errors in probe handlers.", errors);
	counter(out, "btap_skipped_probes_total", "Probe runs skipped.", g ? g->skipped : 0);
}
