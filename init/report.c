/* SPDX-License-Identifier: MIT */
/*
 * Derives the health record and keeps the state file equal to it. The
 * comparison is on the serialized record with its time stamps zeroed:
 * whatever a module changes that the file shows reaches the file within
 * the same loop turn.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "report.h"
#include "sys.h"

#define REPORT_RETRY_MAX_NS (60 * NS_PER_S)

/* The status a reader should act on, from what the modules hold. */
static enum health_status
report_status(const struct sup *s, const struct prober *health)
{
	switch (s->phase) {
	case SUP_WAIT:
		return HEALTH_STARTING;
	case SUP_RUN:
		return health->n > 0 ? health->health.status : HEALTH_HEALTHY;
	case SUP_DRAIN:
		return HEALTH_STOPPING;
	case SUP_STOP:
		return s->why == SUP_WHY_UNHEALTHY_RESTART ? HEALTH_UNHEALTHY :
		    HEALTH_STOPPING;
	case SUP_CLEAN:
		return s->then_restart ? HEALTH_UNHEALTHY : HEALTH_STOPPING;
	case SUP_BACKOFF:
		return HEALTH_UNHEALTHY;
	case SUP_DONE:
		break;
	}
	return HEALTH_STOPPING;
}

static enum hfile_phase
report_phase(const struct sup *s)
{
	static const enum hfile_phase map[] = {
		[SUP_WAIT] = HFILE_WAITING,
		[SUP_RUN] = HFILE_RUNNING,
		[SUP_DRAIN] = HFILE_DRAINING,
		[SUP_STOP] = HFILE_STOPPING,
		[SUP_CLEAN] = HFILE_CLEANING,
		[SUP_BACKOFF] = HFILE_RESTARTING,
		[SUP_DONE] = HFILE_EXITED,
	};

	return map[s->phase];
}

/*
 * Ready: the child runs and is not unhealthy, and the --ready-probe specs
 * pass (without them, ready follows healthy). A drain is not ready.
 */
static void
report_ready(const struct sup *s, const struct prober *ready,
    struct hfile_record *out)
{
	char esc[HFILE_OUTPUT_MAX + 1];

	out->ready = 0;
	if (s->phase == SUP_DRAIN) {
		snprintf(out->ready_reason, sizeof(out->ready_reason),
		    "draining before the stop");
		return;
	}
	if (s->phase != SUP_RUN) {
		snprintf(out->ready_reason, sizeof(out->ready_reason),
		    "the child is not running");
		return;
	}
	if (out->status == HEALTH_UNHEALTHY) {
		snprintf(out->ready_reason, sizeof(out->ready_reason),
		    "unhealthy");
		return;
	}
	if (ready->n == 0) {
		out->ready = out->status == HEALTH_HEALTHY;
		snprintf(out->ready_reason, sizeof(out->ready_reason),
		    "not healthy yet");
		return;
	}
	out->ready = ready->health.status == HEALTH_HEALTHY;
	hfile_escape(ready->output, ready->output_len, esc, sizeof(esc));
	snprintf(out->ready_reason, sizeof(out->ready_reason), "%.300s%s%s",
	    ready->specs[ready->reported].display, *esc ? ": " : "",
	    *esc ? esc : ready->rounds ? "" : " not probed yet");
}

/* The health rounds' log, in the file's terms. */
static void
report_log(const struct prober *health, int64_t wall_offset_ms,
    struct hfile_record *out)
{
	static const enum hfile_result results[PROBER_RESULTS] = {
		[PROBER_PASS] = HFILE_PASS,
		[PROBER_FAIL] = HFILE_FAIL,
		[PROBER_TIMEOUT] = HFILE_TIMEOUT,
	};
	int i;

	for (i = 0; i < health->nhist && i < HFILE_HISTORY; i++) {
		const struct prober_round *h = &health->hist[i];
		struct hfile_round *o = &out->log[i];

		o->start_ms = h->start_ns / NS_PER_MS + wall_offset_ms;
		o->dur_ms = h->dur_ns / NS_PER_MS;
		o->result = results[h->result];
		o->code = h->code;
		hfile_escape(h->out, h->len, o->output, sizeof(o->output));
	}
	out->nlog = i;
}

void
report_derive(const struct sup *s, const struct prober *health,
    const struct prober *wait, const struct prober *ready,
    int64_t wall_offset_ms, struct hfile_record *out)
{
	const struct prober *pr = s->phase == SUP_WAIT ? wait : health;

	memset(out, 0, sizeof(*out));
	out->status = report_status(s, health);
	out->phase = report_phase(s);
	out->has_phase = 1;
	out->pid = s->child;
	out->restarts = s->restarts;
	out->has_last_exit = s->has_last;
	out->last_exit = s->last_code;
	out->failures = health->n > 0 ? health->health.failures : 0;
	if (s->phase == SUP_BACKOFF)
		out->next_start_ms = s->restart_at_ns / NS_PER_MS +
		    wall_offset_ms;
	if (pr->n > 0) {
		snprintf(out->probe, sizeof(out->probe), "%s",
		    pr->specs[pr->reported].display);
		hfile_escape(pr->output, pr->output_len, out->output,
		    sizeof(out->output));
	}
	out->has_ready = 1;
	report_ready(s, ready, out);
	report_log(health, wall_offset_ms, out);
}

void
report_notify(const struct notify *n, const struct sup *s,
    struct hfile_record *out)
{
	char why[64];

	if (n == NULL || n->fd < 0)
		return;
	if (n->why != NOTIFY_WHY_NONE && (s->phase == SUP_RUN ||
	    (s->phase == SUP_STOP && s->why == SUP_WHY_UNHEALTHY_RESTART))) {
		out->status = HEALTH_UNHEALTHY;
		out->ready = 0;
		snprintf(out->ready_reason, sizeof(out->ready_reason),
		    "unhealthy");
		snprintf(out->probe, sizeof(out->probe), "watchdog");
		notify_reason(n, why, sizeof(why));
		hfile_escape(why, strlen(why), out->output,
		    sizeof(out->output));
		if (out->failures < 1)
			out->failures = 1;
		return;
	}
	/* With --notify, ready also waits for the child's own READY=1. */
	if (out->ready && !n->ready) {
		out->ready = 0;
		snprintf(out->ready_reason, sizeof(out->ready_reason),
		    "no READY=1 from the child%s", n->said_ready ?
		    " since its STOPPING=1 or RELOADING=1" : " yet");
	}
	/* The child's own word while no probe has said anything. */
	if ((s->phase == SUP_RUN || s->phase == SUP_DRAIN ||
	    s->phase == SUP_STOP) &&
	    out->output[0] == '\0' && n->status_len > 0) {
		if (out->probe[0] == '\0')
			snprintf(out->probe, sizeof(out->probe), "notify");
		hfile_escape(n->status, n->status_len, out->output,
		    sizeof(out->output));
	}
}

void
report_init(struct report *r, const char *path, const struct config *c,
    int64_t now_ns)
{
	int64_t span = 3 * REPORT_HEARTBEAT_NS, probes;
	int n;

	r->wall_offset_ms = sys_wall_ms() - now_ns / NS_PER_MS;
	if (c->nprobes > 0) {
		probes = 2 * (c->probe_interval_ns > c->probe_start_interval_ns ?
		    c->probe_interval_ns : c->probe_start_interval_ns) +
		    c->probe_timeout_ns;
		if (probes > span)
			span = probes;
	}
	r->span_s = (span + NS_PER_S - 1) / NS_PER_S + 1;
	if (path[0] != '\0') {
		snprintf(r->path, sizeof(r->path), "%s", path);
		return;
	}
	/*
	 * The first default whose directory exists or can be made: /run
	 * when a tmpfs (or root) makes it writable, else the temp dir.
	 */
	for (n = 0; hfile_default(geteuid(), n, r->path, sizeof(r->path)) > 0;
	    n++) {
		char dir[HFILE_PATH_MAX], *slash;

		snprintf(dir, sizeof(dir), "%s", r->path);
		if ((slash = strrchr(dir, '/')) != NULL)
			*slash = '\0';
		if (access(dir, W_OK | X_OK) == 0)
			return;
		if ((slash = strrchr(dir, '/')) != NULL && slash != dir)
			*slash = '\0';
		if (access(dir, W_OK | X_OK) == 0)
			return;
	}
	hfile_default(geteuid(), 0, r->path, sizeof(r->path));
}

static void
report_failed(struct report *r, int rc, int64_t now_ns)
{
	r->write_errors++;
	if (!r->failing) {
		log_begin(LOGL_WARN, "cannot write state file");
		log_str("path", r->path);
		log_str("error", rc == -ELOOP ? "a link not owned by root is "
		    "in the path" : strerror(-rc));
		if (rc == -EROFS || rc == -EACCES || rc == -ENOENT)
			log_str("fix", "mount a tmpfs on the state directory "
			    "(docker run --tmpfs /run) or set --state-file");
		log_end();
		r->retry_step_ns = NS_PER_S;
	} else if (r->retry_step_ns < REPORT_RETRY_MAX_NS)
		r->retry_step_ns *= 2;
	/* Better missing than a record we could not keep true. */
	if (!r->failing || r->written)
		hfile_remove(r->path);
	r->written = 0;
	r->key_len = 0;
	r->failing = 1;
	r->retry_ns = now_ns + r->retry_step_ns;
}

void
report_update(struct report *r, const struct sup *s,
    const struct prober *health, const struct prober *wait,
    const struct prober *ready, int64_t now_ns)
{
	struct hfile_record rec;
	char buf[HFILE_MAX];
	int len, rc;

	report_derive(s, health, wait, ready, r->wall_offset_ms, &rec);
	report_notify(r->notify, s, &rec);
	if (!r->has_status || rec.status != r->status) {
		if (r->has_status)
			r->transitions[rec.status]++;
		r->has_status = 1;
		r->status = rec.status;
		r->since = sys_wall_ms() / 1000;
	}
	rec.since = r->since;
	if ((len = hfile_format(&rec, buf, sizeof(buf))) < 0)
		return;
	if (r->written && (size_t)len == r->key_len &&
	    memcmp(buf, r->key, (size_t)len) == 0 &&
	    now_ns - r->written_ns < REPORT_HEARTBEAT_NS)
		return;
	if (r->failing && now_ns < r->retry_ns)
		return;
	memcpy(r->key, buf, (size_t)len);
	r->key_len = (size_t)len;
	rec.updated = sys_wall_ms() / 1000;
	rec.stale_after = rec.updated + r->span_s;
	if ((len = hfile_format(&rec, buf, sizeof(buf))) < 0)
		return;
	if ((rc = hfile_write(r->path, buf, (size_t)len)) < 0) {
		report_failed(r, rc, now_ns);
		return;
	}
	if (r->failing) {
		log_begin(LOGL_INFO, "state file written again");
		log_str("path", r->path);
		log_end();
	}
	r->failing = 0;
	r->written = 1;
	r->written_ns = now_ns;
}

int64_t
report_deadline(const struct report *r)
{
	if (r->failing)
		return r->retry_ns;
	return r->written ? r->written_ns + REPORT_HEARTBEAT_NS : 0;
}
