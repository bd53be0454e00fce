/* SPDX-License-Identifier: MIT */
/*
 * The one loop of PID 1: a ppoll over the signalfd and the probe pipes whose
 * timeout is the nearest deadline (none: no timeout, no wakeups). Each turn
 * reads a bounded batch of signals, drains waitpid and routes every pid to
 * the child, a probe or the orphans, fires due deadlines, and writes the
 * state file when it changed.
 */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "health.h"
#include "hfile.h"
#include "log.h"
#include "sys.h"
#include "vigil.h"

/* Real-time signals queue: a bounded batch keeps timers and reaping fed. */
#define LOOP_SIGNAL_BATCH 16
#define LOOP_FILE_RETRY_MAX_NS (60 * NS_PER_S)

static void
loop_signals(struct vigil *v, int64_t now_ns)
{
	struct signalfd_siginfo si[LOOP_SIGNAL_BATCH];
	ssize_t n;
	size_t i;

	n = read(v->sfd, si, sizeof(si));
	if (n <= 0)
		return;
	for (i = 0; i < (size_t)n / sizeof(si[0]); i++) {
		int sig = (int)si[i].ssi_signo;
		char name[16];

		if (sig == SIGCHLD)
			continue;
		/* A SIGPIPE or SIGXFSZ we caused ourselves is ours alone. */
		if ((pid_t)si[i].ssi_pid == v->self &&
		    (si[i].ssi_code == SI_USER || si[i].ssi_code == SI_TKILL)) {
			log_begin(LOGL_DEBUG, "ignoring own signal");
			log_str("signal", parse_signal_name(sig, name,
			    sizeof(name)));
			log_end();
			continue;
		}
		if (sig == SIGTERM || sig == SIGINT || sig == SIGQUIT)
			sup_on_stop_signal(v, sig, now_ns);
		else
			sup_forward(v, sig);
	}
}

/*
 * Reaps everything that has exited. waitid(WNOWAIT) peeks first, so a
 * probe's process group is killed while its leader's pid is still reserved
 * and cannot have been reused by an unrelated process.
 */
static void
loop_reap(struct vigil *v, int64_t now_ns)
{
	int status;

	/*
	 * The child first: a probe result reaped in the same pass must not
	 * act (say, restart on unhealthy) on a child that is already gone.
	 */
	if (v->child > 0 && waitpid(v->child, &status, WNOHANG) == v->child)
		sup_on_child_exit(v, status, now_ns);
	for (;;) {
		siginfo_t si;
		pid_t pid;
		int probe;

		memset(&si, 0, sizeof(si));
		if (waitid(P_ALL, 0, &si, WEXITED | WNOHANG | WNOWAIT) < 0) {
			if (errno == EINTR)
				continue;
			v->no_children = errno == ECHILD;
			return;
		}
		v->no_children = 0;
		if ((pid = si.si_pid) == 0)
			return;
		probe = prober_owns(&v->probes, pid) ||
		    prober_owns(&v->wait, pid);
		if (probe)
			kill(-pid, SIGKILL);
		if (waitpid(pid, &status, WNOHANG) != pid)
			return;
		if (pid == v->child)
			sup_on_child_exit(v, status, now_ns);
		else if (probe)
			prober_reaped(v, pid, status, now_ns);
		else if (v->cfg->warn_reap || log_enabled(LOGL_DEBUG)) {
			log_begin(v->cfg->warn_reap ? LOGL_WARN : LOGL_DEBUG,
			    "reaped orphan");
			log_int("pid", pid);
			log_end();
		}
	}
}

static int64_t
loop_interval(const struct vigil *v)
{
	const struct config *c = v->cfg;

	return v->health.status == HEALTH_STARTING ? c->probe_start_interval_ns
						   : c->probe_interval_ns;
}

void
loop_flush_state(struct vigil *v, int64_t now_ns)
{
	const struct config *c = v->cfg;
	struct health_record r;
	char buf[HEALTH_FILE_MAX];
	int len, rc;

	if (!v->dirty || (v->file_failing && now_ns < v->file_retry_ns))
		return;
	memset(&r, 0, sizeof(r));
	r.status = v->health.status;
	r.since = v->since;
	r.updated = sys_wall_s();
	if (c->nprobes > 0) {
		int64_t span = 2 * loop_interval(v) + c->probe_timeout_ns;

		r.stale_after = r.updated + (span + NS_PER_S - 1) / NS_PER_S;
		snprintf(r.probe, sizeof(r.probe), "%s",
		    c->probes[v->reported].display);
		health_escape(v->output, v->output_len, r.output,
		    sizeof(r.output));
	}
	r.pid = v->child;
	r.restarts = v->restarts;
	r.has_last_exit = v->has_last;
	r.last_exit = v->last_code;
	r.failures = v->health.failures;
	len = health_format(&r, buf, sizeof(buf));
	rc = len < 0 ? len : hfile_write(v->state_path, buf, (size_t)len);
	if (rc < 0) {
		if (!v->file_failing) {
			log_begin(LOGL_WARN, "cannot write state file");
			log_str("path", v->state_path);
			log_str("error", strerror(-rc));
			log_end();
			v->file_retry_step_ns = NS_PER_S;
		} else if (v->file_retry_step_ns < LOOP_FILE_RETRY_MAX_NS)
			v->file_retry_step_ns *= 2;
		v->file_failing = 1;
		v->file_retry_ns = now_ns + v->file_retry_step_ns;
		return;
	}
	if (v->file_failing) {
		log_begin(LOGL_INFO, "state file written again");
		log_str("path", v->state_path);
		log_end();
	}
	v->file_failing = 0;
	v->dirty = 0;
}

static int64_t
loop_deadline(const struct vigil *v)
{
	int64_t d = sup_deadline(v), p;

	if ((p = prober_deadline(&v->wait)) < d)
		d = p;
	if ((p = prober_deadline(&v->probes)) < d)
		d = p;
	if (v->dirty && v->file_failing && v->file_retry_ns < d)
		d = v->file_retry_ns;
	return d;
}

int
loop_run(struct vigil *v)
{
	struct pollfd pfd[1 + 2 * CFG_PROBES_MAX];

	for (;;) {
		int64_t now = sys_now_ns(), deadline;
		struct timespec ts, *tsp = NULL;
		int n = 1;

		sup_tick(v, now);
		prober_tick(v, now);
		loop_flush_state(v, now);
		if (v->state == SUP_DONE)
			return v->exit_code;

		deadline = loop_deadline(v);
		if (deadline != NEVER) {
			int64_t left = deadline > now ? deadline - now : 0;

			ts.tv_sec = (time_t)(left / NS_PER_S);
			ts.tv_nsec = (long)(left % NS_PER_S);
			tsp = &ts;
		}
		pfd[0].fd = v->sfd;
		pfd[0].events = POLLIN;
		pfd[0].revents = 0;
		n += prober_pollfds(&v->wait, pfd + n, CFG_PROBES_MAX);
		n += prober_pollfds(&v->probes, pfd + n, CFG_PROBES_MAX);
		/* With every signal blocked, EINTR is a defence, not a path. */
		if (ppoll(pfd, (nfds_t)n, tsp, NULL) < 0 && errno != EINTR) {
			log_begin(LOGL_ERROR, "ppoll failed");
			log_str("error", strerror(errno));
			log_end();
		}
		now = sys_now_ns();
		if (pfd[0].revents & POLLIN)
			loop_signals(v, now);
		if (n > 1) {
			prober_drain(&v->wait);
			prober_drain(&v->probes);
		}
		loop_reap(v, now);
	}
}
