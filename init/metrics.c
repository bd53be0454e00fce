/* SPDX-License-Identifier: MIT */
/*
 * The exposition, in one pure function. Names follow Prometheus' own
 * conventions (base units, _total on counters); OpenMetrics differs only
 * in naming counter families without _total, its Content-Type and the
 * closing "# EOF". Times are integers turned into decimals here, so no
 * floating point is involved.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "metrics.h"
#include "parse.h"
#include "prober.h"
#include "report.h"
#include "sup.h"

/* The buckets' upper bounds as the exposition spells them. */
static const char *const metrics_le[PROBER_BUCKETS - 1] = {
	"0.001", "0.0025", "0.005", "0.01", "0.025", "0.05", "0.1", "0.25",
	"0.5", "1", "2.5", "5", "10",
};

struct mbuf {
	char *buf;
	size_t len;
	size_t cap;
	int full;
	int om;				/* OpenMetrics */
};

static void __attribute__((format(printf, 2, 3)))
mb_add(struct mbuf *m, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (m->full)
		return;
	va_start(ap, fmt);
	n = vsnprintf(m->buf + m->len, m->cap - m->len, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= m->cap - m->len) {
		m->full = 1;
		return;
	}
	m->len += (size_t)n;
}

/* HELP and TYPE; a counter family drops its _total in OpenMetrics. */
static void
mb_family(struct mbuf *m, const char *name, const char *type,
    const char *help)
{
	size_t n = strlen(name);

	if (m->om && strcmp(type, "counter") == 0 && n > 6 &&
	    strcmp(name + n - 6, "_total") == 0)
		n -= 6;
	mb_add(m, "# HELP %.*s %s\n# TYPE %.*s %s\n", (int)n, name, help,
	    (int)n, name, type);
}

/* ms as seconds with three decimals. */
static void
mb_seconds_ms(struct mbuf *m, int64_t ms)
{
	mb_add(m, "%lld.%03lld", (long long)(ms / 1000),
	    (long long)(ms % 1000));
}

void
metrics_escape(const char *in, char *out, size_t outlen)
{
	size_t o = 0;

	if (outlen == 0)
		return;
	for (; *in != '\0'; in++) {
		const char *rep = NULL;
		char one[2] = { *in, '\0' };
		size_t k;

		if (*in == '\\')
			rep = "\\\\";
		else if (*in == '"')
			rep = "\\\"";
		else if (*in == '\n')
			rep = "\\n";
		else
			rep = one;
		k = strlen(rep);
		if (o + k >= outlen)
			break;
		memcpy(out + o, rep, k);
		o += k;
	}
	out[o] = '\0';
}

const char *
metrics_content_type(int format)
{
	return format == METRICS_OPENMETRICS ?
	    "application/openmetrics-text; version=1.0.0; charset=utf-8" :
	    "text/plain; version=0.0.4; charset=utf-8";
}

static void
metrics_child(struct mbuf *m, const struct metrics_src *src)
{
	static const char *const exits[SUP_EXITS] = {
		"exit", "signal", "exec_failed",
	};
	const struct sup *s = src->sup;
	int i;

	mb_family(m, "vigil_child_up", "gauge",
	    "1 while the child runs.");
	mb_add(m, "vigil_child_up %d\n", s->child > 0);
	mb_family(m, "vigil_child_start_time_seconds", "gauge",
	    "When the last child started.");
	mb_add(m, "vigil_child_start_time_seconds ");
	mb_seconds_ms(m, s->start_ns > 0 ? s->start_ns / NS_PER_MS +
	    src->report->wall_offset_ms : 0);
	mb_add(m, "\n");
	mb_family(m, "vigil_child_restarts_total", "counter",
	    "Child restarts.");
	mb_add(m, "vigil_child_restarts_total %ld\n", s->restarts);
	if (s->has_last) {
		mb_family(m, "vigil_child_last_exit_code", "gauge",
		    "The last child's exit code.");
		mb_add(m, "vigil_child_last_exit_code %d\n", s->last_code);
	}
	mb_family(m, "vigil_child_exits_total", "counter",
	    "Child exits.");
	for (i = 0; i < SUP_EXITS; i++)
		mb_add(m, "vigil_child_exits_total{reason=\"%s\"} %ld\n",
		    exits[i], s->exits[i]);
}

static void
metrics_health(struct mbuf *m, const struct metrics_src *src)
{
	static const char *const actions[2] = { "restart", "exit" };
	struct hfile_record rec;
	int i;

	report_derive(src->sup, src->health, src->wait, src->ready,
	    src->report->wall_offset_ms, &rec);
	/* The record as the health file has it, the workload's word too. */
	report_notify(src->report->notify, src->sup, &rec);
	mb_family(m, "vigil_ready", "gauge",
	    "1 while the container should get traffic.");
	mb_add(m, "vigil_ready %d\n", rec.ready);
	mb_family(m, "vigil_health_status", "gauge",
	    "The health state.");
	for (i = HEALTH_STARTING; i <= HEALTH_STOPPING; i++)
		mb_add(m, "vigil_health_status{status=\"%s\"} %d\n",
		    health_name((enum health_status)i), rec.status ==
		    (enum health_status)i);
	mb_family(m, "vigil_health_transitions_total", "counter",
	    "Health state changes.");
	for (i = HEALTH_STARTING; i <= HEALTH_STOPPING; i++)
		mb_add(m, "vigil_health_transitions_total{to=\"%s\"} %ld\n",
		    health_name((enum health_status)i),
		    src->report->transitions[i]);
	mb_family(m, "vigil_unhealthy_actions_total", "counter",
	    "Actions on unhealthy.");
	for (i = 0; i < 2; i++)
		mb_add(m, "vigil_unhealthy_actions_total{action=\"%s\"} %ld\n",
		    actions[i], src->sup->unhealthy_actions[i]);
}

/*
 * One set's runs (runs) or durations; set tells --probe and --wait specs
 * apart, which may name the same target.
 */
static void
metrics_probes(struct mbuf *m, const struct prober *pr, const char *set,
    int runs)
{
	static const char *const results[PROBER_RESULTS] = {
		"pass", "fail", "timeout",
	};
	char label[2 * sizeof(pr->specs[0].display)];
	int i, j, b;

	for (i = 0; i < pr->n; i++) {
		long cum = 0;

		metrics_escape(pr->specs[i].display, label, sizeof(label));
		if (runs) {
			for (j = 0; j < PROBER_RESULTS; j++)
				mb_add(m, "vigil_probe_runs_total{set=\"%s\","
				    "probe=\"%s\",result=\"%s\"} %ld\n", set,
				    label, results[j],
				    pr->results[i][j]);
			continue;
		}
		for (b = 0; b < PROBER_BUCKETS; b++) {
			cum += pr->buckets[i][b];
			mb_add(m, "vigil_probe_duration_seconds_bucket{set="
			    "\"%s\",probe=\"%s\",le=\"%s\"} %ld\n", set,
			    label, b <
			    PROBER_BUCKETS - 1 ? metrics_le[b] : "+Inf", cum);
		}
		mb_add(m, "vigil_probe_duration_seconds_sum{set=\"%s\","
		    "probe=\"%s\"} %lld.%09lld\n", set, label,
		    (long long)(pr->dur_sum_ns[i] / NS_PER_S),
		    (long long)(pr->dur_sum_ns[i] % NS_PER_S));
		mb_add(m, "vigil_probe_duration_seconds_count{set=\"%s\","
		    "probe=\"%s\"} %ld\n", set, label, cum);
	}
}

static void
metrics_vigil(struct mbuf *m, const struct metrics_src *src,
    const struct metrics_proc *proc)
{
	char name[16];
	int sig;

	mb_family(m, "vigil_orphans_reaped_total", "counter",
	    "Orphans reaped.");
	mb_add(m, "vigil_orphans_reaped_total %ld\n", src->orphans_reaped);
	mb_family(m, "vigil_signals_forwarded_total", "counter",
	    "Signals forwarded.");
	for (sig = 1; sig <= PARSE_SIGMAX; sig++)
		if (src->sup->forwarded[sig] > 0)
			mb_add(m, "vigil_signals_forwarded_total{signal=\"%s\"}"
			    " %ld\n", parse_signal_name(sig, name,
			    sizeof(name)), src->sup->forwarded[sig]);
	mb_family(m, "vigil_state_file_write_errors_total", "counter",
	    "Failed health file writes.");
	mb_add(m, "vigil_state_file_write_errors_total %ld\n",
	    src->report->write_errors);
	mb_family(m, "vigil_build_info", "gauge", "vigil's version.");
	mb_add(m, "vigil_build_info{version=\"%s\"} 1\n", VIGIL_VERSION);
	if (proc->rss_bytes >= 0) {
		mb_family(m, "process_resident_memory_bytes", "gauge",
		    "vigil's resident memory.");
		mb_add(m, "process_resident_memory_bytes %lld\n",
		    proc->rss_bytes);
	}
	if (proc->open_fds >= 0) {
		mb_family(m, "process_open_fds", "gauge",
		    "vigil's open descriptors.");
		mb_add(m, "process_open_fds %ld\n", proc->open_fds);
	}
	mb_family(m, "process_start_time_seconds", "gauge",
	    "When vigil started.");
	mb_add(m, "process_start_time_seconds ");
	mb_seconds_ms(m, src->start_wall_ms);
	mb_add(m, "\n");
}

int
metrics_format(const struct metrics_src *src,
    const struct metrics_proc *proc, int format, char *buf, size_t len)
{
	struct mbuf m = { buf, 0, len, len == 0, format ==
	    METRICS_OPENMETRICS };

	metrics_child(&m, src);
	metrics_health(&m, src);
	mb_family(&m, "vigil_probe_runs_total", "counter",
	    "Probe runs.");
	metrics_probes(&m, src->health, "health", 1);
	metrics_probes(&m, src->wait, "wait", 1);
	mb_family(&m, "vigil_probe_duration_seconds", "histogram",
	    "Probe run durations.");
	metrics_probes(&m, src->health, "health", 0);
	metrics_probes(&m, src->wait, "wait", 0);
	metrics_vigil(&m, src, proc);
	if (m.om)
		mb_add(&m, "# EOF\n");
	return m.full ? -ENOSPC : (int)m.len;
}
