/* SPDX-License-Identifier: MIT */
/*
 * The health state machine with Docker's HEALTHCHECK semantics, alone.
 * Pure: time comes in as arguments. The file it is reported in is hfile.c's.
 */
#ifndef INIT_HEALTH_H
#define INIT_HEALTH_H

#include <stddef.h>
#include <stdint.h>

enum health_status {
	HEALTH_STARTING,
	HEALTH_HEALTHY,
	HEALTH_UNHEALTHY,
	HEALTH_STOPPING,
};

struct health_cfg {
	int64_t start_period_ns;
	int64_t interval_ns;		/* see health_result() */
	long retries;
	long successes;
};

struct health {
	enum health_status status;
	int64_t started_ns;		/* the child's start, monotonic */
	int started;			/* a pass ended the start period */
	long failures;			/* consecutive counted failures */
	long passes;			/* consecutive passes */
	int64_t counted_ns;		/* when the last failure counted */
};

/* Back to starting, as on every (re)start of the child. */
void health_reset(struct health *h, int64_t now_ns);
/*
 * Feeds one probe result, of a round that started at now_ns; returns 1 when
 * the status changed. Until a first pass, rounds run every start interval,
 * but a failure counts at most once per interval: a slow start gets as long
 * as Docker would give it (start period + retries x interval), while a pass
 * is seen within a start interval.
 */
int health_result(struct health *h, const struct health_cfg *c, int pass,
    int64_t now_ns);
/* Forces a status (stopping, or the child-following mode). */
int health_set(struct health *h, enum health_status s);
const char *health_name(enum health_status s);
int health_from_name(const char *s, enum health_status *out);

#endif
