/* SPDX-License-Identifier: MIT */
/*
 * A set of probes run together in rounds: the health probes (feeding the
 * HEALTHCHECK state machine), the --wait specs (gating the first start), or
 * one round for `vigil probe`. The prober owns its runs and, for health, the
 * state machine; each call returns an outcome that the caller acts on. It
 * calls nothing above it.
 */
#ifndef INIT_PROBER_H
#define INIT_PROBER_H

#include <poll.h>
#include <stdint.h>
#include <sys/types.h>

#include "config.h"
#include "health.h"
#include "runner.h"

struct priv_sandbox;

enum prober_mode {
	PROBER_HEALTH,			/* forever, while the child runs */
	PROBER_WAIT,			/* until every spec passed once */
	PROBER_ONCE,			/* one round */
};

enum prober_outcome {
	PROBER_NOTHING,
	PROBER_ROUND,			/* a health round ended */
	PROBER_UNHEALTHY,		/* ... and turned the state unhealthy */
	PROBER_DONE,			/* wait: all passed; once: round over */
};

/* A finished run, as the runs are counted. */
enum prober_result {
	PROBER_PASS,
	PROBER_FAIL,
	PROBER_TIMEOUT,
	PROBER_RESULTS,
};

/* Duration buckets (upper bounds) for runs of 1 ms to 10 s; one more: +Inf. */
#define PROBER_BUCKETS 14
extern const int64_t prober_bucket_ns[PROBER_BUCKETS - 1];

/* The last health rounds kept for the health file's log. */
#define PROBER_HISTORY 5
#define PROBER_HISTORY_OUT 256

struct prober_round {
	int64_t start_ns;
	int64_t dur_ns;
	enum prober_result result;
	int code;			/* exit status, 128+N; -1: none */
	size_t len;
	char out[PROBER_HISTORY_OUT];	/* the round's summary, raw */
};

struct prober {
	enum prober_mode mode;
	const struct probe_spec *specs;
	int n;
	const struct priv *priv;	/* exec probes run with it; or NULL */
	const struct priv_sandbox *sandbox;	/* other kinds; or NULL */
	int64_t timeout_ns;
	int64_t interval_ns;
	int64_t start_interval_ns;
	int passed[CFG_PROBES_MAX];	/* wait mode: passed once, done */
	int active;			/* a round is in flight */
	int64_t next_ns;		/* next round, NEVER when unscheduled */
	long rounds;
	int64_t round_ns;		/* when the current round started */

	struct health health;		/* PROBER_HEALTH only */
	struct health_cfg hcfg;
	int reported;			/* the spec the output is of */
	size_t output_len;

	/* Counters for the metrics endpoint, per spec. */
	int64_t ended_ns[CFG_PROBES_MAX];	/* when the run was reaped */
	long results[CFG_PROBES_MAX][PROBER_RESULTS];
	long buckets[CFG_PROBES_MAX][PROBER_BUCKETS];	/* not cumulative */
	int64_t dur_sum_ns[CFG_PROBES_MAX];

	struct prober_round hist[PROBER_HISTORY];	/* newest first */
	int nhist;

	/*
	 * The big buffers last: the fields above share a page, and a prober
	 * that never runs a probe never touches the 40 KiB below (PID 1's RSS).
	 */
	char output[PROBE_OUTPUT_MAX];	/* the last round's summary, raw */
	struct probe_run runs[CFG_PROBES_MAX];
};

/* Sets up *pr for specs (copied by reference) with c's schedule. */
void prober_init(struct prober *pr, enum prober_mode mode,
    const struct probe_spec *specs, int n, const struct config *c);
/* Schedules the first round: now for wait and once, a start interval on
 * for health (whose state machine is reset: a new child starts). */
void prober_arm(struct prober *pr, int64_t now_ns);
/* Kills every run and unschedules; results in flight are void. */
void prober_cancel(struct prober *pr);
int prober_owns(const struct prober *pr, pid_t pid);
enum prober_outcome prober_reaped(struct prober *pr, pid_t pid, int status,
    int64_t now_ns);
enum prober_outcome prober_tick(struct prober *pr, int64_t now_ns);
int64_t prober_deadline(const struct prober *pr);
int prober_pollfds(const struct prober *pr, struct pollfd *pfd, int max);
void prober_drain(struct prober *pr);
/* The one rule for the current round interval. */
int64_t prober_interval(const struct prober *pr);

#endif
