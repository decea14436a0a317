/* Histograms with SystemTap's bucketing and ASCII layout.
 *
 * @hist_log(v): 128 buckets. Bucket 64 holds 0; a positive value v goes to
 * 65 + floor(log2(v)) (label 2^floor(log2 v)); a negative one mirrors it
 * below 64 (label -2^k). @hist_linear(v, start, stop, interval): bucket 0
 * counts values below start (label "<start"), buckets 1.. count
 * [start + (i-1)*interval, start + i*interval), the last bucket counts the
 * overflow (label ">" + the last regular bucket's start).
 *
 * Printing follows stap exactly: a header "value |---...--- count" (50
 * dashes), rows "<value> |<bar><count>" with '@' bars scaled so the largest
 * count fits 50 columns, up to two empty rows kept on each side of the
 * data, runs of empty rows elided to a "~" line, and a blank line at the
 * end. Output goes to an rt_sink (fixed buffer or write callback). */
#ifndef BTAP_RUNTIME_HIST_H
#define BTAP_RUNTIME_HIST_H

#include "format.h"

#define RT_HIST_LOG_BUCKETS 128
#define RT_HIST_LOG_ZERO    64  /* bucket of the value 0 */
#define RT_HIST_MAX_BUCKETS 128 /* linear: regular buckets + 2 */
#define RT_HIST_WIDTH       50  /* columns of the largest bar */
#define RT_HIST_ELISION     2   /* empty rows kept around data */

enum rt_hist_type { RT_HIST_NONE = 0, RT_HIST_LOG, RT_HIST_LINEAR };

struct rt_hist_desc {
	enum rt_hist_type type;
	int64_t start, stop, interval; /* linear only */
	int nbuckets;                  /* 0 for RT_HIST_NONE */
};

/* Descriptors. rt_hist_init_linear returns 0, or -1 with *msg (if non-NULL)
 * set to the reason (zero interval, or a bucket count outside 1..126). */
void rt_hist_init_none(struct rt_hist_desc *h);
void rt_hist_init_log(struct rt_hist_desc *h);
int rt_hist_init_linear(struct rt_hist_desc *h, int64_t start, int64_t stop,
			int64_t interval, const char **msg);

/* Bucket index of a value, and the label value of a log bucket. */
int rt_hist_bucket(const struct rt_hist_desc *h, int64_t v);
int rt_hist_log_bucket(int64_t v);
int64_t rt_hist_log_value(int bucket);

/* The values bucket b counts, both ends included: [*lo, *hi]. Returns
 * which ends are bounds (RT_HIST_LOW | RT_HIST_HIGH): a linear
 * histogram's underflow bucket has no low end, its overflow no high end. */
#define RT_HIST_LOW  1
#define RT_HIST_HIGH 2
int rt_hist_bucket_range(const struct rt_hist_desc *h, int b, int64_t *lo, int64_t *hi);

/* Print buckets (h->nbuckets counters) in stap's layout. Returns 0, or -1
 * when every bucket is empty (stap reports "empty aggregate" instead). */
int rt_hist_print(struct rt_sink *s, const struct rt_hist_desc *h,
		  const int64_t *buckets);

/* snprintf-style convenience: returns the full length (0 when empty). */
size_t rt_hist_format(char *buf, size_t bufsz, const struct rt_hist_desc *h,
		      const int64_t *buckets);

#endif
