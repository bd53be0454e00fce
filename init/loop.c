/* SPDX-License-Identifier: MIT */
/*
 * The one loop of PID 1 and the only dispatcher: a ppoll over the signalfd
 * and the probe pipes whose timeout is the nearest deadline of any module.
 * Each turn reads a bounded batch of signals, reaps every exited process
 * and routes it (child, probe, orphan), fires due deadlines, and hands each
 * outcome to the module it concerns; then the report writes the state file
 * if what it shows changed. No module calls another; this file does.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "log.h"
#include "spawn.h"
#include "sys.h"
#include "vigil.h"

/* Real-time signals queue: a bounded batch keeps timers and reaping fed. */
#define LOOP_SIGNAL_BATCH 16

/* The supervisor's effects, for real. */
static int
loop_spawn(void *ctx, pid_t *pid, int *errfd)
{
	const struct vigil *v = ctx;

	return spawn_child(v->cfg->argv, &v->cfg->priv, &v->spawn, pid, errfd);
}

static int
loop_signal(void *ctx, enum sup_scope scope, pid_t child, int sig)
{
	const struct vigil *v = ctx;

	switch (scope) {
	case SUP_SCOPE_CHILD:
		if (kill(v->cfg->group ? -child : child, sig) < 0)
			return -errno;
		return 1;
	case SUP_SCOPE_ALL:
		/*
		 * As PID 1 the whole namespace, `docker exec` sessions too, as
		 * the runtime would; vigil itself is spared by kill(-1).
		 */
		if (v->pid1)
			return kill(-1, sig) < 0 ? -errno : 1;
		/* FALLTHROUGH */
	case SUP_SCOPE_OURS:
		break;
	case SUP_SCOPE_SELF:
		return kill(v->self, sig) < 0 ? -errno : 1;
	}
	return sys_signal_descendants(v->self, sig);
}

static int
loop_exec_error(void *ctx, int errfd, struct spawn_error *e)
{
	(void)ctx;
	return spawn_error_read(errfd, e);
}

static const struct sup_ops loop_ops = {
	.ctx = NULL,
	.spawn = loop_spawn,
	.signal = loop_signal,
	.exec_error = loop_exec_error,
};
static struct sup_ops loop_ops_bound;

/* What the supervisor was before an event, to follow what it became. */
struct loop_mark {
	long generation;
	enum sup_phase phase;
};

static struct loop_mark
loop_mark(const struct vigil *v)
{
	return (struct loop_mark){ v->sup.generation, v->sup.phase };
}

/*
 * The probers follow the supervisor: the --wait set ends with the wait
 * phase, the health probes with their generation, and a new generation
 * starts its probes afresh.
 */
static void
loop_follow(struct vigil *v, struct loop_mark m, int64_t now_ns)
{
	const struct sup *s = &v->sup;

	if (m.phase == SUP_WAIT && s->phase != SUP_WAIT)
		prober_cancel(&v->wait);
	if ((m.phase == SUP_RUN && s->phase != SUP_RUN) ||
	    s->generation != m.generation) {
		prober_cancel(&v->health);
		prober_cancel(&v->ready);
	}
	if (s->generation != m.generation && s->phase == SUP_RUN) {
		prober_arm(&v->health, now_ns);
		prober_arm(&v->ready, now_ns);
		notify_child(&v->notify, s->child, now_ns);
	}
}

static void
loop_wait_outcome(struct vigil *v, enum prober_outcome o, int64_t now_ns)
{
	struct loop_mark m = loop_mark(v);

	if (o != PROBER_DONE)
		return;
	sup_wait_passed(&v->sup, now_ns);
	loop_follow(v, m, now_ns);
}

static void
loop_health_outcome(struct vigil *v, enum prober_outcome o, int64_t now_ns)
{
	struct loop_mark m = loop_mark(v);

	if (o != PROBER_UNHEALTHY)
		return;
	sup_on_unhealthy(&v->sup, now_ns);
	loop_follow(v, m, now_ns);
}

/* The watchdog missed or was triggered: unhealthy, as a probe would say. */
static void
loop_notify_outcome(struct vigil *v, enum notify_outcome o, int64_t now_ns)
{
	struct loop_mark m = loop_mark(v);

	if (o != NOTIFY_UNHEALTHY || v->sup.phase != SUP_RUN)
		return;
	sup_on_unhealthy(&v->sup, now_ns);
	loop_follow(v, m, now_ns);
}

static void
loop_child_exited(struct vigil *v, int status, int64_t now_ns)
{
	struct loop_mark m = loop_mark(v);

	sup_on_exit(&v->sup, status, now_ns);
	loop_follow(v, m, now_ns);
}

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
		struct loop_mark m;
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
		m = loop_mark(v);
		sup_on_signal(&v->sup, sig, now_ns);
		loop_follow(v, m, now_ns);
	}
}

static int
loop_is_probe(void *ctx, pid_t pid)
{
	const struct vigil *v = ctx;

	return prober_owns(&v->health, pid) || prober_owns(&v->wait, pid) ||
	    prober_owns(&v->ready, pid) ||
	    responder_owns(&v->metrics, pid);
}

/* Reaps everything that has exited and routes each pid. */
static void
loop_reap(struct vigil *v, int64_t now_ns)
{
	pid_t child = v->sup.child, pid;
	int status;

	/*
	 * The child first: a probe result reaped in the same pass must not
	 * act (say, restart on unhealthy) on a child that is already gone.
	 */
	if (child > 0 && waitpid(child, &status, WNOHANG) == child)
		loop_child_exited(v, status, now_ns);
	while ((pid = sys_reap_next(loop_is_probe, v, &status)) > 0) {
		if (pid == v->sup.child)
			loop_child_exited(v, status, now_ns);
		else if (prober_owns(&v->health, pid))
			loop_health_outcome(v, prober_reaped(&v->health, pid,
			    status, now_ns), now_ns);
		else if (prober_owns(&v->ready, pid))
			/* Readiness never restarts: the outcome only shows. */
			prober_reaped(&v->ready, pid, status, now_ns);
		else if (prober_owns(&v->wait, pid))
			loop_wait_outcome(v, prober_reaped(&v->wait, pid,
			    status, now_ns), now_ns);
		else if (responder_owns(&v->metrics, pid))
			responder_reaped(&v->metrics, pid);
		else if (++v->orphans_reaped, v->cfg->warn_reap ||
		    log_enabled(LOGL_DEBUG)) {
			log_begin(v->cfg->warn_reap ? LOGL_WARN : LOGL_DEBUG,
			    "reaped orphan");
			log_int("pid", pid);
			log_end();
		}
	}
	v->no_children = pid == -ECHILD;
}

static void
loop_tick(struct vigil *v, int64_t now_ns)
{
	struct loop_mark m = loop_mark(v);

	sup_tick(&v->sup, now_ns, v->no_children);
	loop_follow(v, m, now_ns);
	responder_tick(&v->metrics, now_ns);
	if (v->sup.phase == SUP_WAIT)
		loop_wait_outcome(v, prober_tick(&v->wait, now_ns), now_ns);
	else if (v->sup.phase == SUP_RUN) {
		loop_health_outcome(v, prober_tick(&v->health, now_ns),
		    now_ns);
		if (v->sup.phase == SUP_RUN)
			prober_tick(&v->ready, now_ns);
	}
	if (v->sup.phase == SUP_RUN)
		loop_notify_outcome(v, notify_tick(&v->notify, now_ns), now_ns);
}

static int64_t
loop_deadline(const struct vigil *v)
{
	int64_t d = sup_deadline(&v->sup, v->no_children), p;

	if ((p = prober_deadline(&v->wait)) < d)
		d = p;
	if ((p = prober_deadline(&v->health)) < d)
		d = p;
	if ((p = prober_deadline(&v->ready)) < d)
		d = p;
	if ((p = report_deadline(&v->report)) < d)
		d = p;
	if ((p = responder_deadline(&v->metrics)) < d)
		d = p;
	if (v->sup.phase == SUP_RUN && (p = notify_deadline(&v->notify)) < d)
		d = p;
	return d;
}

/*
 * What every generation starts with. dumb-init's session mode gives the
 * terminal up, so the child can take it; giving it up as the session's
 * leader makes the kernel send us SIGHUP and SIGCONT, which are ours, not
 * the child's. dumb-init also leaves its own working directory for /, so
 * it holds no mount busy; the child still starts where vigil was started.
 */
static void
loop_child_setup(struct vigil *v, const struct config *c)
{
	struct timespec zero = { 0, 0 };
	sigset_t hupcont;

	v->spawn.setsid = c->setsid;
	v->spawn.keep_signals = c->keep_signals;
	v->spawn.fail_code = c->exec_fail_code;
	v->spawn.cwdfd = -1;
	if (c->setsid && isatty(STDIN_FILENO) &&
	    ioctl(STDIN_FILENO, TIOCNOTTY) == 0 && getsid(0) == v->self) {
		sigemptyset(&hupcont);
		sigaddset(&hupcont, SIGHUP);
		sigaddset(&hupcont, SIGCONT);
		while (sigtimedwait(&hupcont, NULL, &zero) > 0)
			;
	}
	if (c->chdir_root) {
		v->spawn.cwdfd = open(".", O_PATH | O_DIRECTORY | O_CLOEXEC);
		if (chdir("/") < 0)
			log_msg(LOGL_WARN, "cannot change to /");
	}
}

int
loop_setup(struct vigil *v, const struct config *c)
{
	int64_t now = sys_now_ns();
	sigset_t set;
	int rc;

	/* *v is static and zero; clearing it would only make it resident. */
	v->cfg = c;
	v->self = getpid();
	v->pid1 = v->self == 1;
	if (sys_signals_block(&set, !c->keep_signals) < 0 ||
	    (v->sfd = signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK)) < 0) {
		fprintf(stderr, "vigil: cannot set up signals: %s\n",
		    strerror(errno));
		return -1;
	}
	loop_child_setup(v, c);
	/* Not PID 1 (docker --init, shared pid namespace): adopt orphans. */
	if (!v->pid1 && (c->subreaper || c->auto_subreaper)) {
		if (prctl(PR_SET_CHILD_SUBREAPER, 1) < 0)
			log_msg(LOGL_WARN, "cannot become a subreaper");
		else
			log_msg(LOGL_DEBUG, "not PID 1: running as a child "
			    "subreaper");
	} else if (!v->pid1)
		log_msg(LOGL_WARN, "not PID 1 and not a subreaper: orphans "
		    "will not be reaped (run as PID 1, or add -s)");
	/* Before anything starts: a port in use ends vigil right here. */
	if ((rc = responder_open(&v->metrics, c->metrics_ip,
	    c->metrics_port)) < 0) {
		fprintf(stderr, "vigil: --metrics: cannot listen on port %d: "
		    "%s\n", c->metrics_port, strerror(-rc));
		return -1;
	}
	log_begin(LOGL_DEBUG, "vigil starting");
	log_str("version", VIGIL_VERSION);
	log_int("pid", v->self);
	log_end();
	if (c->pdeathsig > 0)
		prctl(PR_SET_PDEATHSIG, c->pdeathsig);
	/* The runtime KILLs at its own timeout: say so if ours is longer. */
	if (c->stop_budget_ns > 0 && (config_stop_need(c) < 0 ||
	    config_stop_need(c) > c->stop_budget_ns)) {
		log_begin(LOGL_WARN, "the stop may outlast the runtime's timeout");
		log_dur("budget", c->stop_budget_ns);
		if (config_stop_need(c) >= 0)
			log_dur("need", config_stop_need(c));
		else
			log_str("need", "unbounded (no --grace, no ladder)");
		log_end();
	}
	prober_init(&v->wait, PROBER_WAIT, c->waits, c->nwaits, c);
	prober_init(&v->health, PROBER_HEALTH, c->probes, c->nprobes, c);
	prober_init(&v->ready, PROBER_HEALTH, c->readies, c->nreadies, c);
	v->health.priv = &c->priv;
	v->ready.priv = &c->priv;
	v->wait.priv = &c->priv;
	report_init(&v->report, c->state_file, c, now);
	if ((rc = notify_init(&v->notify, c, v->self, (uint32_t)now)) < 0) {
		fprintf(stderr, "vigil: cannot create the notify socket: %s\n",
		    strerror(-rc));
		return -1;
	}
	v->report.notify = &v->notify;
	if (v->notify.fd >= 0) {
		v->spawn.notify_socket = v->notify.name;
		v->spawn.watchdog_usec = c->watchdog_ns / 1000;
	}
	v->msrc = (struct metrics_src){ &v->sup, &v->health, &v->wait,
		&v->ready, &v->report, 0, sys_wall_ms() };
	loop_ops_bound = loop_ops;
	loop_ops_bound.ctx = v;
	sup_init(&v->sup, c, &loop_ops_bound, v->pid1, isatty(STDIN_FILENO),
	    (uint32_t)now ^ (uint32_t)v->self, now);
	if (v->sup.phase == SUP_WAIT)
		prober_arm(&v->wait, now);
	else if (v->sup.phase == SUP_RUN) {
		prober_arm(&v->health, now);
		prober_arm(&v->ready, now);
	}
	if (v->sup.phase == SUP_RUN)
		notify_child(&v->notify, v->sup.child, now);
	return 0;
}

int
loop_run(struct vigil *v)
{
	/* Signals, three probe sets, the notify socket, the responder. */
	struct pollfd pfd[3 + 3 * CFG_PROBES_MAX];

	for (;;) {
		int64_t now = sys_now_ns(), deadline;
		struct timespec ts, *tsp = NULL;
		int n = 1, mfd, nfd = -1;

		loop_tick(v, now);
		report_update(&v->report, &v->sup, &v->health, &v->wait,
		    &v->ready, now);
		if (v->sup.phase == SUP_DONE)
			return v->sup.exit_code;

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
		n += prober_pollfds(&v->health, pfd + n, CFG_PROBES_MAX);
		n += prober_pollfds(&v->ready, pfd + n, CFG_PROBES_MAX);
		if (v->notify.fd >= 0) {
			nfd = n;
			pfd[n].fd = v->notify.fd;
			pfd[n].events = POLLIN;
			pfd[n++].revents = 0;
		}
		mfd = n;
		n += responder_pollfd(&v->metrics, pfd + n);
		/* With every signal blocked, EINTR is a defence, not a path. */
		if (ppoll(pfd, (nfds_t)n, tsp, NULL) < 0 && errno != EINTR) {
			log_begin(LOGL_ERROR, "ppoll failed");
			log_str("error", strerror(errno));
			log_end();
		}
		now = sys_now_ns();
		if (pfd[0].revents & POLLIN)
			loop_signals(v, now);
		if (mfd > 1) {
			prober_drain(&v->wait);
			prober_drain(&v->health);
			prober_drain(&v->ready);
		}
		if (n > mfd && (pfd[mfd].revents & POLLIN)) {
			/* The snapshot a responder inherits: counts as of now. */
			v->msrc.orphans_reaped = v->orphans_reaped;
			responder_accept(&v->metrics, &v->msrc, now);
		}
		loop_reap(v, now);
		/* After the reap: a datagram is judged against the live child. */
		if (nfd > 0 && (pfd[nfd].revents & POLLIN))
			loop_notify_outcome(v, notify_drain(&v->notify, now),
			    now);
	}
}
