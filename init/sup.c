/* SPDX-License-Identifier: MIT */
/*
 * The child's life cycle: start, stop ladder, exit, cleanup of leftovers,
 * restart with backoff. Every wait is a deadline that the loop turns into
 * its ppoll timeout; nothing here sleeps or blocks. After start-up this code
 * never exits on an error: it logs, and only hands on the child's status.
 */
#include <errno.h>
#include <signal.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "backoff.h"
#include "log.h"
#include "spawn.h"
#include "sys.h"
#include "vigil.h"

/* A self-initiated stop (unhealthy) needs a bound: no runtime will KILL. */
#define SUP_UNHEALTHY_GRACE_NS (10 * NS_PER_S)
/*
 * After the final SIGKILL of leftovers, how long a restart waits for them
 * to be reaped (a tenth of it when vigil, not PID 1, is about to exit).
 */
#define SUP_KILL_SETTLE_NS NS_PER_S

static void
sup_signal(struct vigil *v, int sig)
{
	char name[16];

	if (v->child <= 0)
		return;
	if (kill(v->cfg->group ? -v->child : v->child, sig) < 0 &&
	    errno != ESRCH) {
		log_begin(LOGL_WARN, "cannot signal child");
		log_int("pid", v->child);
		log_str("signal", parse_signal_name(sig, name, sizeof(name)));
		log_str("error", strerror(errno));
		log_end();
	}
	v->last_sent = sig;
}

/*
 * At the final shutdown: everything but vigil, which as PID 1 is the whole
 * namespace (`docker exec` sessions too, as the runtime would), and our own
 * descendants otherwise.
 */
static void
sup_signal_all(struct vigil *v, int sig)
{
	if (v->pid1)
		kill(-1, sig);
	else
		sys_signal_descendants(v->self, sig);
}

/*
 * Between generations: only what descends from vigil, so a restart leaves
 * `docker exec` sessions and running `vigil status` checks alone.
 */
static void
sup_signal_ours(struct vigil *v, int sig)
{
	sys_signal_descendants(v->self, sig);
}

int
sup_code_of(int status)
{
	if (WIFEXITED(status))
		return WEXITSTATUS(status);
	if (WIFSIGNALED(status))
		return 128 + WTERMSIG(status);
	return 1;
}

int
sup_remapped(const uint8_t *remap, int code)
{
	return (remap[code / 8] & (1u << (code % 8))) ? 0 : code;
}

static int
sup_exit_code(const struct vigil *v)
{
	int code = sup_remapped(v->cfg->remap, v->has_last ? v->last_code : 0);

	/* --on-unhealthy exit must look like a failure to the runtime. */
	if (v->stop == STOP_UNHEALTHY_EXIT && code == 0)
		code = 1;
	return code;
}

static void
sup_done(struct vigil *v, int code)
{
	v->exit_code = code;
	v->state = SUP_DONE;
}

static int
sup_start(struct vigil *v, int64_t now_ns)
{
	pid_t pid;
	int errfd, rc;

	rc = spawn_child(v->cfg->argv, &v->cfg->priv, &pid, &errfd);
	if (rc < 0) {
		log_begin(LOGL_ERROR, "cannot start child");
		log_str("command", v->cfg->argv[0]);
		log_str("error", strerror(-rc));
		log_end();
		return rc;
	}
	v->child = pid;
	v->child_errfd = errfd;
	v->child_start_ns = now_ns;
	v->generation++;
	v->last_sent = 0;
	v->stop = STOP_NONE;
	v->no_children = 0;
	v->state = SUP_RUN;
	log_begin(LOGL_INFO, "child started");
	log_int("pid", pid);
	log_str("command", v->cfg->argv[0]);
	if (v->generation > 1)
		log_int("restarts", v->restarts);
	log_end();
	health_child_started(v, now_ns);
	return 0;
}

int
sup_start_first(struct vigil *v, int64_t now_ns)
{
	if (sup_start(v, now_ns) < 0) {
		sup_done(v, 126);
		return -1;
	}
	return 0;
}

/* Child gone: end what it left behind, then restart or exit. */
static void
sup_clean(struct vigil *v, int then_restart)
{
	prober_cancel(&v->probes);
	v->state = SUP_CLEAN;
	v->clean_started = 0;
	v->clean_killed = 0;
	v->clean_then_restart = then_restart;
	health_follow(v, then_restart ? HEALTH_UNHEALTHY : HEALTH_STOPPING);
}

/* Decides whether this exit leads to a restart; logs why not. */
static int
sup_wants_restart(struct vigil *v, int status, int exec_failed)
{
	const struct config *c = v->cfg;
	int failed;

	if (v->stop_requested || v->stop == STOP_UNHEALTHY_EXIT)
		return 0;
	/* A command that never ran is not worth a crash loop. */
	if (exec_failed && v->generation == 1)
		return 0;
	if (v->stop == STOP_UNHEALTHY_RESTART)
		return 1;
	failed = v->last_code != 0 &&
	    !(WIFSIGNALED(status) && WTERMSIG(status) == v->last_sent);
	if (c->restart == CFG_RESTART_ALWAYS)
		return 1;
	return c->restart == CFG_RESTART_ON_FAILURE && failed;
}

void
sup_on_child_exit(struct vigil *v, int status, int64_t now_ns)
{
	const struct config *c = v->cfg;
	struct spawn_error e;
	int exec_failed, restart;
	pid_t pid = v->child;
	char name[16];

	v->child = 0;
	exec_failed = spawn_error_read(v->child_errfd, &e);
	v->child_errfd = -1;
	v->has_last = 1;
	v->last_code = sup_code_of(status);
	/*
	 * Ctrl-C (or Ctrl-\) on a terminal reaches the child's foreground
	 * group, not vigil: it is a stop request all the same.
	 */
	if (v->tty && WIFSIGNALED(status) && (WTERMSIG(status) == SIGINT ||
	    WTERMSIG(status) == SIGQUIT))
		v->stop_requested = 1;
	if (exec_failed) {
		log_begin(LOGL_ERROR, "cannot run command");
		log_str("command", c->argv[0]);
		log_str("stage", e.stage);
		log_str("error", strerror(e.err));
		log_end();
	}
	restart = sup_wants_restart(v, status, exec_failed);
	if (restart && now_ns - v->child_start_ns >= c->backoff_reset_ns)
		v->consecutive = 0;
	if (restart && c->max_restarts >= 0 &&
	    v->consecutive >= c->max_restarts) {
		log_begin(LOGL_ERROR, "giving up: too many restarts");
		log_int("restarts", v->consecutive);
		log_int("max_restarts", c->max_restarts);
		log_end();
		restart = 0;
	}

	log_begin(restart || v->last_code == 0 || v->stop_requested ?
	    LOGL_INFO : LOGL_WARN, "child exited");
	log_int("pid", pid);
	log_int("status", v->last_code);
	if (WIFSIGNALED(status))
		log_str("signal", parse_signal_name(WTERMSIG(status), name,
		    sizeof(name)));
	log_dur("ran", now_ns - v->child_start_ns);
	if (restart) {
		int64_t d;

		v->consecutive++;
		v->restarts++;
		d = backoff_delay_ns(v->consecutive, c->backoff_initial_ns,
		    c->backoff_max_ns, backoff_random(&v->rnd));
		v->restart_at_ns = now_ns + d;
		log_dur("restart_in", d);
		log_int("restarts", v->restarts);
	}
	log_end();
	if (!restart)
		v->exit_code = sup_exit_code(v);
	sup_clean(v, restart);
}

/* Sends the ladder's current step and arms its deadline. */
static void
sup_step(struct vigil *v, int64_t now_ns)
{
	const struct stop_step *s = &v->steps[v->step];
	char name[16];

	log_begin(LOGL_INFO, "stopping child");
	log_int("pid", v->child);
	log_str("signal", parse_signal_name(s->sig, name, sizeof(name)));
	if (s->wait_ns != NEVER)
		log_dur("next_in", s->wait_ns);
	log_end();
	sup_signal(v, s->sig);
	v->stop_sent |= UINT64_C(1) << (s->sig - 1);
	/* A stopped (SIGSTOP, Ctrl-Z) child acts on nothing until continued. */
	if (s->sig != SIGKILL && s->sig != SIGCONT)
		sup_signal(v, SIGCONT);
	v->step_end_ns = s->wait_ns == NEVER ? NEVER : now_ns + s->wait_ns;
}

/*
 * Starts a stop. The ladder is --stop-sequence when given; otherwise one
 * step: `first` (the forwarded signal or --stop-signal) held for `hold`.
 * --grace bounds the whole stop in any case.
 */
static void
sup_begin_stop(struct vigil *v, enum sup_stop why, int first, int64_t hold,
    int64_t now_ns)
{
	const struct config *c = v->cfg;

	prober_cancel(&v->probes);
	v->state = SUP_STOP;
	v->stop = why;
	v->killed = 0;
	v->step = 0;
	v->stop_sent = 0;
	if (c->nladder > 0) {
		memcpy(v->steps, c->ladder, sizeof(c->ladder));
		v->nsteps = c->nladder;
	} else {
		v->steps[0].sig = first;
		v->steps[0].wait_ns = hold;
		v->nsteps = 1;
	}
	v->kill_at_ns = c->grace_ns >= 0 ? now_ns + c->grace_ns : NEVER;
	health_follow(v, why == STOP_UNHEALTHY_RESTART ? HEALTH_UNHEALTHY
						     : HEALTH_STOPPING);
	sup_step(v, now_ns);
}

void
sup_on_stop_signal(struct vigil *v, int sig, int64_t now_ns)
{
	int r = v->cfg->rewrite[sig];
	char name[16];

	if (r == 0) {
		log_begin(LOGL_DEBUG, "signal dropped by rewrite");
		log_str("signal", parse_signal_name(sig, name, sizeof(name)));
		log_end();
		return;
	}
	log_begin(LOGL_INFO, "stop requested");
	log_str("signal", parse_signal_name(sig, name, sizeof(name)));
	log_end();
	v->stop_requested = 1;
	health_follow(v, HEALTH_STOPPING);
	switch (v->state) {
	case SUP_WAIT:
		prober_cancel(&v->wait);
		sup_done(v, 128 + sig);
		break;
	case SUP_RUN:
		sup_begin_stop(v, STOP_SIGNAL, r, NEVER, now_ns);
		break;
	case SUP_STOP:
		/*
		 * A second request is the operator's: pass it on. It ends an
		 * unhealthy restart, but an unhealthy exit stays a failure.
		 */
		if (v->stop == STOP_UNHEALTHY_RESTART)
			v->stop = STOP_SIGNAL;
		health_follow(v, HEALTH_STOPPING);
		/*
		 * The same signal twice is no escalation, and a second TERM
		 * aborts a warm shutdown in some workers (Celery loses the
		 * running task): pass on only what the child has not had.
		 */
		if (v->stop_sent & (UINT64_C(1) << (r - 1))) {
			log_msg(LOGL_INFO, "stop already in progress");
			break;
		}
		v->stop_sent |= UINT64_C(1) << (r - 1);
		sup_signal(v, r);
		break;
	case SUP_CLEAN:
	case SUP_BACKOFF:
		/* Between children: end at once with the last status. */
		if (v->state == SUP_CLEAN && !v->no_children)
			sup_signal_all(v, SIGKILL);
		sup_done(v, sup_exit_code(v));
		break;
	case SUP_DONE:
		break;
	}
}

void
sup_on_unhealthy(struct vigil *v, int64_t now_ns)
{
	const struct config *c = v->cfg;
	int exit = c->on_unhealthy == CFG_UNHEALTHY_EXIT;

	if (v->state != SUP_RUN || c->on_unhealthy == CFG_UNHEALTHY_NONE)
		return;
	log_begin(LOGL_WARN, "child unhealthy");
	log_int("pid", v->child);
	log_str("action", exit ? "exit" : "restart");
	log_end();
	sup_begin_stop(v, exit ? STOP_UNHEALTHY_EXIT : STOP_UNHEALTHY_RESTART,
	    c->stop_signal,
	    c->grace_ns >= 0 ? c->grace_ns : SUP_UNHEALTHY_GRACE_NS, now_ns);
}

void
sup_forward(struct vigil *v, int sig)
{
	int r = v->cfg->rewrite[sig];
	char name[16], to[16];

	if (r != 0 && v->child > 0)
		sup_signal(v, r);
	/* The hot path of a signal storm: format nothing unless asked to. */
	if (!log_enabled(LOGL_DEBUG))
		return;
	log_begin(LOGL_DEBUG, r == 0 ? "signal dropped by rewrite" :
	    v->child > 0 ? "forwarded signal" : "no child to signal");
	log_str("signal", parse_signal_name(sig, name, sizeof(name)));
	if (r != 0 && r != sig)
		log_str("as", parse_signal_name(r, to, sizeof(to)));
	if (v->child > 0)
		log_int("pid", v->child);
	log_end();
}

static void
sup_tick_stop(struct vigil *v, int64_t now_ns)
{
	if (v->killed || (now_ns < v->step_end_ns && now_ns < v->kill_at_ns))
		return;
	if (now_ns < v->kill_at_ns && v->step + 1 < v->nsteps) {
		v->step++;
		sup_step(v, now_ns);
		return;
	}
	log_begin(LOGL_WARN, "stop deadline passed, killing");
	log_int("pid", v->child);
	log_end();
	/* SIGKILL everything, as --grace promises; cleanup follows anyway. */
	sup_signal(v, SIGKILL);
	if (v->stop == STOP_UNHEALTHY_RESTART)
		sup_signal_ours(v, SIGKILL);
	else
		sup_signal_all(v, SIGKILL);
	v->killed = 1;
}

static void
sup_tick_clean(struct vigil *v, int64_t now_ns)
{
	void (*signal_rest)(struct vigil *, int) = v->clean_then_restart ?
	    sup_signal_ours : sup_signal_all;

	if (v->no_children) {
		v->state = v->clean_then_restart ? SUP_BACKOFF : SUP_DONE;
		return;
	}
	if (!v->clean_started) {
		log_msg(LOGL_INFO, "terminating leftover processes");
		signal_rest(v, SIGTERM);
		v->clean_started = 1;
		v->clean_kill_ns = now_ns + v->cfg->orphan_grace_ns;
		return;
	}
	if (now_ns < v->clean_kill_ns)
		return;
	if (!v->clean_killed) {
		log_msg(LOGL_WARN, "leftover processes did not exit, killing");
		signal_rest(v, SIGKILL);
		v->clean_killed = 1;
		/* As PID 1, our exit ends whatever is still dying. */
		if (!v->clean_then_restart && v->pid1) {
			v->state = SUP_DONE;
			return;
		}
		v->clean_kill_ns = now_ns + (v->clean_then_restart ?
		    SUP_KILL_SETTLE_NS : SUP_KILL_SETTLE_NS / 10);
		return;
	}
	if (!v->clean_then_restart) {
		v->state = SUP_DONE;
		return;
	}
	log_msg(LOGL_WARN, "leftover processes remain, starting anyway");
	v->state = SUP_BACKOFF;
}

void
sup_tick(struct vigil *v, int64_t now_ns)
{
	switch (v->state) {
	case SUP_WAIT:
		if (now_ns >= v->wait_deadline_ns) {
			log_msg(LOGL_ERROR, "wait timed out, not starting");
			prober_cancel(&v->wait);
			sup_done(v, 3);
		}
		break;
	case SUP_STOP:
		sup_tick_stop(v, now_ns);
		break;
	case SUP_CLEAN:
		sup_tick_clean(v, now_ns);
		if (v->state != SUP_BACKOFF)
			break;
		/* FALLTHROUGH */
	case SUP_BACKOFF:
		if (now_ns >= v->restart_at_ns && sup_start(v, now_ns) < 0) {
			/* fork failed: try again later, like a crash. */
			v->consecutive++;
			v->restart_at_ns = now_ns + backoff_delay_ns(
			    v->consecutive, v->cfg->backoff_initial_ns,
			    v->cfg->backoff_max_ns, backoff_random(&v->rnd));
		}
		break;
	case SUP_RUN:
	case SUP_DONE:
		break;
	}
}

int64_t
sup_deadline(const struct vigil *v)
{
	switch (v->state) {
	case SUP_WAIT:
		return v->wait_deadline_ns;
	case SUP_STOP:
		if (v->killed)
			return NEVER;
		return v->step_end_ns < v->kill_at_ns ? v->step_end_ns
						       : v->kill_at_ns;
	case SUP_CLEAN:
		return v->clean_started ? v->clean_kill_ns : NEVER;
	case SUP_BACKOFF:
		return v->restart_at_ns;
	case SUP_RUN:
	case SUP_DONE:
		break;
	}
	return NEVER;
}
