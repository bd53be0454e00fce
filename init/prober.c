/* SPDX-License-Identifier: MIT */
/*
 * Probe rounds: every spec of a set runs at once, each in its own process
 * with its own deadline; a round passes when all pass. The health probes
 * feed the state machine in health.c; the --wait set gates the first start.
 * Rounds are deadlines in the one loop, measured from the end of the last
 * round as Docker does.
 */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>

#include "log.h"
#include "sys.h"
#include "vigil.h"

void
prober_init(struct prober *pr, const struct probe_spec *specs, int n)
{
	int i;

	/*
	 * *pr is static and zero already: touch only the runs in use, or the
	 * 4 KiB output buffers of all eight would become resident.
	 */
	pr->specs = specs;
	pr->n = n;
	pr->next_ns = NEVER;
	for (i = 0; i < n; i++)
		pr->runs[i].fd = -1;
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

static void
prober_round(struct vigil *v, struct prober *pr, int wait, int64_t now_ns)
{
	const struct config *c = v->cfg;
	int i, rc;

	for (i = 0; i < pr->n; i++) {
		struct probe_run *r = &pr->runs[i];

		if (wait && pr->passed[i])
			continue;
		if (r->pid > 0) {
			/* The last run is not reaped yet: count it failed. */
			r->finished = 1;
			r->timed_out = 1;
			continue;
		}
		rc = probe_start(r, &pr->specs[i], &c->priv, now_ns,
		    c->probe_timeout_ns);
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
prober_round_over(const struct prober *pr, int wait)
{
	int i;

	for (i = 0; i < pr->n; i++)
		if (!(wait && pr->passed[i]) && !pr->runs[i].finished)
			return 0;
	return 1;
}

static void
prober_log(int level, const char *msg, const struct probe_spec *p,
    const char *out, long failures)
{
	log_begin(level, msg);
	log_str("probe", p->display);
	if (failures >= 0)
		log_int("failures", failures);
	log_str("output", out);
	log_end();
}

/* The --wait round ended: start the child once every spec has passed. */
static void
prober_wait_done(struct vigil *v, int64_t now_ns)
{
	struct prober *pr = &v->wait;
	char out[PROBE_OUTPUT_MAX];
	int i, left = 0;

	pr->active = 0;
	for (i = 0; i < pr->n; i++) {
		struct probe_run *r = &pr->runs[i];

		if (pr->passed[i])
			continue;
		probe_summary(r, v->cfg->probe_timeout_ns, out, sizeof(out));
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
		pr->next_ns = now_ns + v->cfg->probe_start_interval_ns;
		return;
	}
	pr->next_ns = NEVER;
	sup_start_first(v, now_ns);
}

/* A health round ended: one result for the state machine. */
static void
prober_health_done(struct vigil *v, int64_t now_ns)
{
	struct prober *pr = &v->probes;
	const struct config *c = v->cfg;
	int i, pass = 1, was = v->health.status, changed;

	pr->active = 0;
	v->reported = 0;
	for (i = 0; i < pr->n; i++)
		if (!probe_passed(&pr->runs[i])) {
			pass = 0;
			v->reported = i;
			break;
		}
	v->output_len = probe_summary(&pr->runs[v->reported],
	    c->probe_timeout_ns, v->output, sizeof(v->output));
	/* Docker judges the start period by when the probe started. */
	changed = health_result(&v->health, &v->hcfg, pass, pr->round_ns);
	if (!pass)
		prober_log(LOGL_WARN, "probe failed",
		    &pr->specs[v->reported], v->output, v->health.failures);
	else if (log_enabled(LOGL_DEBUG))
		prober_log(LOGL_DEBUG, "probe passed", &pr->specs[0],
		    v->output, -1);
	v->dirty = 1;
	if (changed) {
		v->since = sys_wall_s();
		log_begin(v->health.status == HEALTH_HEALTHY ? LOGL_INFO
							     : LOGL_WARN,
		    "health changed");
		log_str("from", health_name((enum health_status)was));
		log_str("status", health_name(v->health.status));
		log_end();
	}
	pr->next_ns = now_ns + (v->health.status == HEALTH_STARTING
				       ? c->probe_start_interval_ns
				       : c->probe_interval_ns);
	if (changed && v->health.status == HEALTH_UNHEALTHY)
		sup_on_unhealthy(v, now_ns);
}

static void
prober_done(struct vigil *v, int wait, int64_t now_ns)
{
	if (wait)
		prober_wait_done(v, now_ns);
	else
		prober_health_done(v, now_ns);
}

void
prober_reaped(struct vigil *v, pid_t pid, int status, int64_t now_ns)
{
	int wait = prober_owns(&v->wait, pid);
	struct prober *pr = wait ? &v->wait : &v->probes;
	struct probe_run *r = &pr->runs[prober_slot(pr, pid)];

	probe_reaped(r, status);
	if (r->cancelled || !pr->active || !prober_round_over(pr, wait))
		return;
	prober_done(v, wait, now_ns);
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

static void
prober_tick_set(struct vigil *v, struct prober *pr, int wait, int64_t now_ns)
{
	int i, expired = 0;

	for (i = 0; i < pr->n; i++)
		expired |= probe_expire(&pr->runs[i], now_ns);
	/* Timed-out runs are final: that may end the round. */
	if (expired && pr->active && prober_round_over(pr, wait))
		prober_done(v, wait, now_ns);
	if (!pr->active && now_ns >= pr->next_ns) {
		pr->next_ns = NEVER;
		prober_round(v, pr, wait, now_ns);
		/* Runs that could not even start finish the round at once. */
		if (prober_round_over(pr, wait))
			prober_done(v, wait, now_ns);
	}
}

void
prober_tick(struct vigil *v, int64_t now_ns)
{
	if (v->state == SUP_WAIT)
		prober_tick_set(v, &v->wait, 1, now_ns);
	else if (v->state == SUP_RUN && v->probes.n > 0)
		prober_tick_set(v, &v->probes, 0, now_ns);
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

void
health_child_started(struct vigil *v, int64_t now_ns)
{
	int changed = v->health.status != HEALTH_STARTING;

	health_reset(&v->health, now_ns);
	if (v->probes.n == 0) {
		changed = health_set(&v->health, HEALTH_HEALTHY) || changed;
	} else {
		v->probes.next_ns = now_ns + v->cfg->probe_start_interval_ns;
		v->output_len = 0;
	}
	if (changed)
		v->since = sys_wall_s();
	v->dirty = 1;
}

void
health_follow(struct vigil *v, enum health_status s)
{
	if (health_set(&v->health, s)) {
		v->since = sys_wall_s();
		v->dirty = 1;
	}
}
