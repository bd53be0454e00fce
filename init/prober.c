/* SPDX-License-Identifier: MIT */
/*
 * Probe rounds: every spec of a set runs at once, each in its own process
 * with its own deadline; a round passes when all pass. Rounds are deadlines
 * in the caller's loop, measured from the end of the last round as Docker
 * does. Results come back as outcomes; nothing here starts or stops the
 * child.
 */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>

#include "log.h"
#include "prober.h"

void
prober_init(struct prober *pr, enum prober_mode mode,
    const struct probe_spec *specs, int n, const struct config *c)
{
	int i;

	/*
	 * *pr is static and zero already: touch only the runs in use, or the
	 * 4 KiB output buffers of all eight would become resident.
	 */
	pr->mode = mode;
	pr->specs = specs;
	pr->n = n;
	pr->timeout_ns = c->probe_timeout_ns;
	pr->interval_ns = c->probe_interval_ns;
	pr->start_interval_ns = c->probe_start_interval_ns;
	pr->hcfg = (struct health_cfg){ c->probe_start_period_ns,
		c->probe_interval_ns, c->probe_retries, c->probe_successes };
	pr->next_ns = NEVER;
	for (i = 0; i < n; i++)
		pr->runs[i].fd = -1;
}

int64_t
prober_interval(const struct prober *pr)
{
	/* Until the state settles, rounds come at the start interval. */
	if (pr->mode == PROBER_WAIT || pr->health.status == HEALTH_STARTING)
		return pr->start_interval_ns;
	return pr->interval_ns;
}

void
prober_arm(struct prober *pr, int64_t now_ns)
{
	if (pr->n == 0)
		return;
	if (pr->mode == PROBER_HEALTH) {
		health_reset(&pr->health, now_ns);
		pr->output_len = 0;
		pr->reported = 0;
		pr->next_ns = now_ns + pr->start_interval_ns;
		return;
	}
	pr->next_ns = now_ns;
}

void
prober_cancel(struct prober *pr)
{
	int i;

	for (i = 0; i < pr->n; i++)
		if (pr->runs[i].pid > 0)
			probe_cancel(&pr->runs[i]);
	pr->active = 0;
	pr->next_ns = NEVER;
}

static int
prober_slot(const struct prober *pr, pid_t pid)
{
	int i;

	for (i = 0; i < pr->n; i++)
		if (pr->runs[i].pid == pid)
			return i;
	return -1;
}

int
prober_owns(const struct prober *pr, pid_t pid)
{
	return pid > 0 && prober_slot(pr, pid) >= 0;
}

static int
prober_skips(const struct prober *pr, int i)
{
	return pr->mode == PROBER_WAIT && pr->passed[i];
}

const int64_t prober_bucket_ns[PROBER_BUCKETS - 1] = {
	1 * NS_PER_MS, INT64_C(2500000), 5 * NS_PER_MS, 10 * NS_PER_MS,
	25 * NS_PER_MS, 50 * NS_PER_MS, 100 * NS_PER_MS, 250 * NS_PER_MS,
	500 * NS_PER_MS, NS_PER_S, 2500 * NS_PER_MS, 5 * NS_PER_S,
	10 * NS_PER_S,
};

/* Counts the finished runs of a round: result and duration. */
static void
prober_count(struct prober *pr)
{
	int i, b;

	for (i = 0; i < pr->n; i++) {
		const struct probe_run *r = &pr->runs[i];
		int64_t d;

		if (prober_skips(pr, i) || r->cancelled)
			continue;
		if (r->timed_out)
			d = pr->timeout_ns;
		else if (r->started_ns == 0 || pr->ended_ns[i] < r->started_ns)
			d = 0;		/* it could not even start */
		else
			d = pr->ended_ns[i] - r->started_ns;
		pr->results[i][r->timed_out ? PROBER_TIMEOUT :
		    probe_passed(r) ? PROBER_PASS : PROBER_FAIL]++;
		for (b = 0; b < PROBER_BUCKETS - 1; b++)
			if (d <= prober_bucket_ns[b])
				break;
		pr->buckets[i][b]++;
		pr->dur_sum_ns[i] += d;
	}
}

static void
prober_round(struct prober *pr, int64_t now_ns)
{
	int i, rc;

	for (i = 0; i < pr->n; i++) {
		struct probe_run *r = &pr->runs[i];

		if (prober_skips(pr, i))
			continue;
		if (r->pid > 0) {
			/* The last run is not reaped yet: count it failed. */
			r->finished = 1;
			r->timed_out = 1;
			continue;
		}
		rc = probe_start(r, &pr->specs[i], pr->priv, pr->sandbox,
		    now_ns, pr->timeout_ns);
		if (rc < 0) {
			r->finished = 1;
			r->status = 1 << 8;
			r->len = (size_t)snprintf(r->out, sizeof(r->out),
			    "cannot start probe: %s", strerror(-rc));
		}
	}
	pr->active = 1;
	pr->rounds++;
	pr->round_ns = now_ns;
}

static int
prober_round_over(const struct prober *pr)
{
	int i;

	for (i = 0; i < pr->n; i++)
		if (!prober_skips(pr, i) && !pr->runs[i].finished)
			return 0;
	return 1;
}

static void
prober_log(int level, const char *msg, const struct probe_spec *p,
    const char *out, long failures)
{
	if (!log_enabled(level))
		return;
	log_begin(level, msg);
	log_str("probe", p->display);
	if (failures >= 0)
		log_int("failures", failures);
	log_str("output", out);
	log_end();
}

/* A --wait round ended: done once every spec has passed. */
static enum prober_outcome
prober_wait_done(struct prober *pr, int64_t now_ns)
{
	char out[PROBE_OUTPUT_MAX];
	int i, left = 0;

	for (i = 0; i < pr->n; i++) {
		struct probe_run *r = &pr->runs[i];

		if (pr->passed[i])
			continue;
		probe_summary(r, pr->timeout_ns, out, sizeof(out));
		if (probe_passed(r)) {
			pr->passed[i] = 1;
			prober_log(LOGL_INFO, "wait passed", &pr->specs[i], out,
			    -1);
			continue;
		}
		left++;
		/* The first failure and then one line in ten, not a flood. */
		if (pr->rounds % 10 == 1)
			prober_log(LOGL_INFO, "waiting", &pr->specs[i], out,
			    pr->rounds);
	}
	if (left > 0) {
		pr->next_ns = now_ns + prober_interval(pr);
		return PROBER_NOTHING;
	}
	pr->next_ns = NEVER;
	return PROBER_DONE;
}

/* Keeps the round that just ended at the head of the history. */
static void
prober_remember(struct prober *pr, int pass, int64_t now_ns)
{
	const struct probe_run *r = &pr->runs[pr->reported];
	struct prober_round *h = &pr->hist[0];

	memmove(&pr->hist[1], &pr->hist[0],
	    (PROBER_HISTORY - 1) * sizeof(pr->hist[0]));
	if (pr->nhist < PROBER_HISTORY)
		pr->nhist++;
	h->start_ns = pr->round_ns;
	h->dur_ns = now_ns - pr->round_ns;
	h->result = pass ? PROBER_PASS : r->timed_out ? PROBER_TIMEOUT :
	    PROBER_FAIL;
	h->code = r->timed_out ? -1 : WIFEXITED(r->status) ?
	    WEXITSTATUS(r->status) : WIFSIGNALED(r->status) ?
	    128 + WTERMSIG(r->status) : -1;
	h->len = pr->output_len < sizeof(h->out) ? pr->output_len :
	    sizeof(h->out);
	memcpy(h->out, pr->output, h->len);
}

/* A health round ended: one result for the state machine. */
static enum prober_outcome
prober_health_done(struct prober *pr, int64_t now_ns)
{
	enum health_status was = pr->health.status;
	long failures = pr->health.failures;
	int i, pass = 1, changed;

	pr->reported = 0;
	for (i = 0; i < pr->n; i++)
		if (!probe_passed(&pr->runs[i])) {
			pass = 0;
			pr->reported = i;
			break;
		}
	pr->output_len = probe_summary(&pr->runs[pr->reported], pr->timeout_ns,
	    pr->output, sizeof(pr->output));
	prober_remember(pr, pass, now_ns);
	/* Docker judges the start period by when the probe started. */
	changed = health_result(&pr->health, &pr->hcfg, pass, pr->round_ns);
	/* A failure that does not count (start period) is no news. */
	if (!pass)
		prober_log(pr->health.failures > failures ? LOGL_WARN :
		    LOGL_DEBUG, "probe failed", &pr->specs[pr->reported],
		    pr->output, pr->health.failures);
	else
		prober_log(LOGL_DEBUG, "probe passed", &pr->specs[0],
		    pr->output, -1);
	if (changed) {
		log_begin(pr->health.status == HEALTH_HEALTHY ? LOGL_INFO :
		    LOGL_WARN, "health changed");
		log_str("from", health_name(was));
		log_str("status", health_name(pr->health.status));
		log_end();
	}
	pr->next_ns = now_ns + prober_interval(pr);
	return changed && pr->health.status == HEALTH_UNHEALTHY ?
	    PROBER_UNHEALTHY : PROBER_ROUND;
}

static enum prober_outcome
prober_done(struct prober *pr, int64_t now_ns)
{
	pr->active = 0;
	prober_count(pr);
	switch (pr->mode) {
	case PROBER_WAIT:
		return prober_wait_done(pr, now_ns);
	case PROBER_HEALTH:
		return prober_health_done(pr, now_ns);
	case PROBER_ONCE:
		break;
	}
	pr->next_ns = NEVER;
	return PROBER_DONE;
}

enum prober_outcome
prober_reaped(struct prober *pr, pid_t pid, int status, int64_t now_ns)
{
	int i = prober_slot(pr, pid);
	struct probe_run *r;

	if (i < 0)
		return PROBER_NOTHING;
	r = &pr->runs[i];
	if (!r->finished)
		pr->ended_ns[i] = now_ns;
	probe_reaped(r, status);
	if (r->cancelled || !pr->active || !prober_round_over(pr))
		return PROBER_NOTHING;
	return prober_done(pr, now_ns);
}

int
prober_pollfds(const struct prober *pr, struct pollfd *pfd, int max)
{
	int i, n = 0;

	for (i = 0; i < pr->n && n < max; i++)
		if (pr->runs[i].fd >= 0) {
			pfd[n].fd = pr->runs[i].fd;
			pfd[n].events = POLLIN;
			pfd[n].revents = 0;
			n++;
		}
	return n;
}

void
prober_drain(struct prober *pr)
{
	int i;

	for (i = 0; i < pr->n; i++)
		if (pr->runs[i].fd >= 0)
			probe_drain(&pr->runs[i]);
}

enum prober_outcome
prober_tick(struct prober *pr, int64_t now_ns)
{
	int i, expired = 0;

	for (i = 0; i < pr->n; i++)
		expired |= probe_expire(&pr->runs[i], now_ns);
	/* Timed-out runs are final: that may end the round. */
	if (expired && pr->active && prober_round_over(pr))
		return prober_done(pr, now_ns);
	if (!pr->active && now_ns >= pr->next_ns) {
		pr->next_ns = NEVER;
		prober_round(pr, now_ns);
		/* Runs that could not even start finish the round at once. */
		if (prober_round_over(pr))
			return prober_done(pr, now_ns);
	}
	return PROBER_NOTHING;
}

int64_t
prober_deadline(const struct prober *pr)
{
	int64_t d = pr->active ? NEVER : pr->next_ns;
	int i;

	/* Finished or cancelled runs have no deadline left: no busy loop. */
	for (i = 0; i < pr->n; i++)
		if (pr->runs[i].pid > 0 && !pr->runs[i].finished &&
		    !pr->runs[i].cancelled && pr->runs[i].deadline_ns < d)
			d = pr->runs[i].deadline_ns;
	return d;
}
