/* SPDX-License-Identifier: MIT */
/*
 * The Prometheus exposition of PID 1's state: a pure formatter from the
 * modules' own structs (and a few figures of the process read by the
 * caller) to the text format 0.0.4 or OpenMetrics 1.0. It runs only in a
 * forked responder, on its copy-on-write snapshot; PID 1 never formats.
 */
#ifndef INIT_METRICS_H
#define INIT_METRICS_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

struct prober;
struct report;
struct sup;

/* Everything the exposition shows, by reference to its owners. */
struct metrics_src {
	const struct sup *sup;
	const struct prober *health;
	const struct prober *wait;
	const struct prober *ready;
	const struct report *report;
	long orphans_reaped;
	int64_t start_wall_ms;		/* vigil's own start */
};

/* Figures of vigil's process; -1 when unknown (then left out). */
struct metrics_proc {
	long long rss_bytes;
	long open_fds;
};

#define METRICS_TEXT 0			/* text/plain; version=0.0.4 */
#define METRICS_OPENMETRICS 1		/* application/openmetrics-text */

/*
 * Pure: formats the exposition into buf; returns the length, or -ENOSPC
 * when buf is too small (nothing usable is left in it then).
 */
int metrics_format(const struct metrics_src *src,
    const struct metrics_proc *proc, int format, char *buf, size_t len);
/* The Content-Type of a format. */
const char *metrics_content_type(int format);
/* Escapes a label value (\\, \", \n) into out; truncates on a boundary. */
void metrics_escape(const char *in, char *out, size_t outlen);

#endif
