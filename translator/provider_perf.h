/* The perf event behind a concrete perf.sw.NAME / perf.hw.NAME point, for
 * the backends. */
#ifndef BTAP_PROVIDER_PERF_H
#define BTAP_PROVIDER_PERF_H

#include "session.h"

/* stap's sample period when a point names none. */
#define PERF_DEFAULT_SAMPLE_PERIOD 1000000

struct perf_sampling {
	uint32_t type;     /* PERF_TYPE_HARDWARE / PERF_TYPE_SOFTWARE */
	uint64_t config;   /* PERF_COUNT_HW_x / PERF_COUNT_SW_x */
	uint64_t period;   /* every `period` events, or `period` Hz when freq */
	bool freq;
};

/* Fill *out for a point the perf provider expanded; false for any other. */
bool perf_point_sampling(const struct probe_point *pp, struct perf_sampling *out);

#endif
