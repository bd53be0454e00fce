/* SPDX-License-Identifier: MIT */
/*
 * Docker's HEALTHCHECK rules: failures inside the start period do not count
 * until a first pass ends it; `retries` consecutive failures make the state
 * unhealthy; `successes` consecutive passes make it healthy. Pure: time
 * comes in as arguments.
 */
#include <errno.h>
#include <string.h>

#include "health.h"

static const char *const health_names[] = {
	[HEALTH_STARTING] = "starting",
	[HEALTH_HEALTHY] = "healthy",
	[HEALTH_UNHEALTHY] = "unhealthy",
	[HEALTH_STOPPING] = "stopping",
};

const char *
health_name(enum health_status s)
{
	return health_names[s];
}

int
health_from_name(const char *s, enum health_status *out)
{
	int i;

	for (i = HEALTH_STARTING; i <= HEALTH_STOPPING; i++)
		if (strcmp(s, health_names[i]) == 0) {
			*out = (enum health_status)i;
			return 0;
		}
	return -EINVAL;
}

void
health_reset(struct health *h, int64_t now_ns)
{
	h->status = HEALTH_STARTING;
	h->started_ns = now_ns;
	h->started = 0;
	h->failures = 0;
	h->passes = 0;
	h->counted_ns = 0;
}

int
health_set(struct health *h, enum health_status s)
{
	if (h->status == s)
		return 0;
	h->status = s;
	return 1;
}

int
health_result(struct health *h, const struct health_cfg *c, int pass,
    int64_t now_ns)
{
	if (h->status == HEALTH_STOPPING)
		return 0;
	if (pass) {
		h->failures = 0;
		h->passes++;
		h->started = 1;
		if (h->passes >= c->successes)
			return health_set(h, HEALTH_HEALTHY);
		return 0;
	}
	h->passes = 0;
	if (h->status == HEALTH_STARTING && !h->started) {
		if (now_ns - h->started_ns < c->start_period_ns)
			return 0;
		if (h->failures > 0 && now_ns - h->counted_ns < c->interval_ns)
			return 0;
	}
	h->counted_ns = now_ns;
	h->failures++;
	if (h->failures >= c->retries)
		return health_set(h, HEALTH_UNHEALTHY);
	return 0;
}
