/* SPDX-License-Identifier: MIT */
/*
 * The child's life cycle: start, stop ladder, exit, cleanup of leftovers,
 * restart with backoff. Decisions only: effects go through s->ops and time
 * comes in as arguments, so every rule is a table test. Every wait is a
 * deadline that the loop turns into its ppoll timeout. After start-up this
 * code never exits on an error: it logs, and only hands on the child's
 * status.
 */
#include <errno.h>
#include <signal.h>
#include <string.h>
#include <sys/wait.h>

#include "backoff.h"
#include "log.h"
#include "sup.h"

/* A self-initiated stop (unhealthy) needs a bound: no runtime will KILL. */
#define SUP_UNHEALTHY_GRACE_NS (10 * NS_PER_S)
/* After the final KILL of leftovers: how often to look again, how long. */
#define SUP_KILL_REPEAT_NS (100 * NS_PER_MS)
/*
 * KILL cannot be refused, only delayed: thousands of processes dying on
 * busy cores take more than a second to be gone. Past this bound only
 * a process stuck in the kernel is left.
 */
#define SUP_KILL_SETTLE_NS (5 * NS_PER_S)

#define SUP_BIT(sig) (UINT64_C(1) << ((sig) - 1))

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

static void
sup_send(struct sup *s, enum sup_scope scope, int sig)
{
	char name[16];
	int rc;

	if (scope == SUP_SCOPE_CHILD && s->child <= 0)
		return;
	rc = s->ops->signal(s->ops->ctx, scope, s->child, sig);
	if (scope == SUP_SCOPE_CHILD)
		s->last_sent = sig;
	if (rc < 0 && rc != -ESRCH) {
		log_begin(LOGL_WARN, "cannot signal");
		log_int("pid", s->child);
		log_str("signal", parse_signal_name(sig, name, sizeof(name)));
		log_str("error", strerror(-rc));
		log_end();
	}
}

static int
sup_exit_code(const struct sup *s)
{
	int code = sup_remapped(s->cfg->remap, s->has_last ? s->last_code : 0);

	/* --on-unhealthy exit must look like a failure to the runtime. */
	if (s->why == SUP_WHY_UNHEALTHY_EXIT && code == 0)
		code = 1;
	return code;
}

static void
sup_done(struct sup *s, int code)
{
	s->exit_code = code;
	s->phase = SUP_DONE;
}

static int64_t
sup_backoff_ns(struct sup *s)
{
	return backoff_delay_ns(s->consecutive, s->cfg->backoff_initial_ns,
	    s->cfg->backoff_max_ns, backoff_random(&s->rnd));
}

/* The restart budget; logs once when it is spent. */
static int
sup_may_restart(struct sup *s)
{
	long max = s->cfg->max_restarts;

	if (max < 0 || s->consecutive < max)
		return 1;
	log_begin(LOGL_ERROR, "giving up: too many restarts");
	log_int("restarts", s->consecutive);
	log_int("max_restarts", max);
	log_end();
	return 0;
}

static void
sup_schedule(struct sup *s, int64_t now_ns)
{
	s->consecutive++;
	s->restarts++;
	s->restart_at_ns = now_ns + sup_backoff_ns(s);
	s->phase = SUP_BACKOFF;
}

/*
 * Starts a generation. A fork or pipe failure is a resource shortage, not a
 * verdict on the command: it is retried under the backoff when the restart
 * policy allows, on the first start too.
 */
static void
sup_start(struct sup *s, int64_t now_ns)
{
	pid_t pid = 0;
	int errfd = -1, rc;

	rc = s->ops->spawn(s->ops->ctx, &pid, &errfd);
	if (rc < 0) {
		log_begin(LOGL_ERROR, "cannot start child");
		log_str("command", s->cfg->argv[0]);
		log_str("error", strerror(-rc));
		log_end();
		s->has_last = 1;
		s->last_code = 126;
		if (s->cfg->restart != CFG_RESTART_NO && !s->stop_requested &&
		    sup_may_restart(s)) {
			sup_schedule(s, now_ns);
			return;
		}
		sup_done(s, 126);
		return;
	}
	s->child = pid;
	s->errfd = errfd;
	s->start_ns = now_ns;
	s->generation++;
	s->last_sent = 0;
	s->why = SUP_WHY_NONE;
	s->phase = SUP_RUN;
	log_begin(LOGL_INFO, "child started");
	log_int("pid", pid);
	log_str("command", s->cfg->argv[0]);
	if (s->generation > 1)
		log_int("restarts", s->restarts);
	log_end();
}

void
sup_init(struct sup *s, const struct config *c, const struct sup_ops *ops,
    int pid1, int tty, uint32_t seed, int64_t now_ns)
{
	memset(s, 0, sizeof(*s));
	s->cfg = c;
	s->ops = ops;
	s->pid1 = pid1;
	s->tty = tty;
	s->errfd = -1;
	s->rnd = seed;
	if (c->nwaits > 0) {
		s->phase = SUP_WAIT;
		s->wait_deadline_ns = c->wait_timeout_ns > 0 ?
		    now_ns + c->wait_timeout_ns : NEVER;
		return;
	}
	sup_start(s, now_ns);
}

void
sup_wait_passed(struct sup *s, int64_t now_ns)
{
	if (s->phase == SUP_WAIT)
		sup_start(s, now_ns);
}

/* Sends the ladder's current step and arms its deadline. */
static void
sup_ladder_step(struct sup *s, int64_t now_ns)
{
	struct sup_ladder *l = &s->ladder;
	const struct stop_step *st = &l->steps[l->step];
	char name[16];

	log_begin(LOGL_INFO, l->scope == SUP_SCOPE_CHILD ? "stopping child" :
	    "terminating leftover processes");
	if (l->scope == SUP_SCOPE_CHILD)
		log_int("pid", s->child);
	log_str("signal", parse_signal_name(st->sig, name, sizeof(name)));
	if (st->wait_ns != NEVER)
		log_dur("next_in", st->wait_ns);
	log_end();
	sup_send(s, l->scope, st->sig);
	l->sent |= SUP_BIT(st->sig);
	/*
	 * A stopped (SIGSTOP, Ctrl-Z) child acts on nothing until continued;
	 * tini and dumb-init send no CONT, so neither do their personalities
	 * unless a ladder asks vigil to own the stop.
	 */
	if (st->sig != SIGKILL && st->sig != SIGCONT &&
	    (s->cfg->cont_after_signal || s->cfg->nladder > 0))
		sup_send(s, l->scope, SIGCONT);
	l->step_end_ns = st->wait_ns == NEVER ? NEVER : now_ns + st->wait_ns;
}

static void
sup_ladder_start(struct sup *s, const struct stop_step *steps, int n,
    enum sup_scope scope, int64_t kill_at_ns, int64_t now_ns)
{
	struct sup_ladder *l = &s->ladder;

	memset(l, 0, sizeof(*l));
	memcpy(l->steps, steps, (size_t)n * sizeof(steps[0]));
	l->n = n;
	l->scope = scope;
	l->kill_at_ns = kill_at_ns;
	sup_ladder_step(s, now_ns);
}

/*
 * The scope the final KILL of a stop reaches beyond the child. Between
 * generations only what descends from vigil: `docker exec` sessions and
 * running `vigil status` checks are left alone.
 */
static enum sup_scope
sup_rest_scope(int then_restart)
{
	return then_restart ? SUP_SCOPE_OURS : SUP_SCOPE_ALL;
}

/* Returns 1 when the ladder sent its final KILL in this call. */
static int
sup_ladder_tick(struct sup *s, int64_t now_ns)
{
	struct sup_ladder *l = &s->ladder;

	if (l->killed) {
		if (now_ns >= l->next_kill_ns) {
			sup_send(s, l->scope, SIGKILL);
			l->next_kill_ns = now_ns + SUP_KILL_REPEAT_NS;
		}
		return 0;
	}
	if (now_ns < l->step_end_ns && now_ns < l->kill_at_ns)
		return 0;
	if (now_ns < l->kill_at_ns && l->step + 1 < l->n) {
		l->step++;
		sup_ladder_step(s, now_ns);
		return 0;
	}
	if (l->scope == SUP_SCOPE_CHILD) {
		log_begin(LOGL_WARN, "stop deadline passed, killing");
		log_int("pid", s->child);
		log_end();
		/* KILL everything, as --grace promises; cleanup follows. */
		sup_send(s, SUP_SCOPE_CHILD, SIGKILL);
		sup_send(s, sup_rest_scope(s->why == SUP_WHY_UNHEALTHY_RESTART),
		    SIGKILL);
	} else {
		log_msg(LOGL_WARN, "leftover processes did not exit, killing");
		sup_send(s, l->scope, SIGKILL);
	}
	l->killed = 1;
	l->next_kill_ns = now_ns + SUP_KILL_REPEAT_NS;
	return 1;
}

/*
 * Starts a stop of the child. The ladder is --stop-sequence when given;
 * otherwise one step: `first` (the forwarded signal or --stop-signal) held
 * for `hold`. --grace bounds the whole stop in any case.
 */
static void
sup_begin_stop(struct sup *s, enum sup_why why, int first, int64_t hold,
    int64_t now_ns)
{
	const struct config *c = s->cfg;
	struct stop_step one = { first, hold };
	/* After a drain, --grace still counts from the request. */
	int64_t from = s->phase == SUP_DRAIN ? s->request_ns : now_ns;
	int64_t kill_at = c->grace_ns >= 0 ? from + c->grace_ns : NEVER;

	s->phase = SUP_STOP;
	s->why = why;
	if (c->nladder > 0)
		sup_ladder_start(s, c->ladder, c->nladder, SUP_SCOPE_CHILD,
		    kill_at, now_ns);
	else
		sup_ladder_start(s, &one, 1, SUP_SCOPE_CHILD, kill_at, now_ns);
}

/* Child gone: end what it left behind, then restart or exit. */
static void
sup_clean(struct sup *s, int then_restart, int64_t now_ns)
{
	struct sup_ladder *l = &s->ladder;

	s->phase = SUP_CLEAN;
	s->then_restart = then_restart;
	s->settle_ns = NEVER;
	/* Nothing is sent until the loop says there is something left. */
	memset(l, 0, sizeof(*l));
	l->steps[0].sig = SIGTERM;
	l->steps[0].wait_ns = s->cfg->orphan_grace_ns;
	l->n = 1;
	l->scope = sup_rest_scope(then_restart);
	l->step = -1;
	l->kill_at_ns = NEVER;
	(void)now_ns;
}

/* Decides whether this exit leads to a restart. */
static int
sup_wants_restart(const struct sup *s, int status, int exec_failed)
{
	const struct config *c = s->cfg;
	int failed;

	if (s->stop_requested || s->why == SUP_WHY_UNHEALTHY_EXIT)
		return 0;
	/* A command that never ran is not worth a crash loop. */
	if (exec_failed && s->generation == 1)
		return 0;
	if (s->why == SUP_WHY_UNHEALTHY_RESTART)
		return 1;
	/* A death by the signal we passed on is what the sender asked. */
	failed = s->last_code != 0 &&
	    !(WIFSIGNALED(status) && WTERMSIG(status) == s->last_sent);
	if (c->restart == CFG_RESTART_ALWAYS)
		return 1;
	return c->restart == CFG_RESTART_ON_FAILURE && failed;
}

void
sup_on_exit(struct sup *s, int status, int64_t now_ns)
{
	const struct config *c = s->cfg;
	struct spawn_error e;
	int exec_failed, restart;
	pid_t pid = s->child;
	char name[16];

	if (pid <= 0)
		return;
	s->child = 0;
	exec_failed = s->ops->exec_error(s->ops->ctx, s->errfd, &e) == 1;
	s->errfd = -1;
	s->has_last = 1;
	s->last_code = sup_code_of(status);
	s->last_signal = WIFSIGNALED(status) ? WTERMSIG(status) : 0;
	s->last_exec_failed = exec_failed;
	s->exits[exec_failed ? SUP_EXIT_EXEC_FAILED : s->last_signal ?
	    SUP_EXIT_SIGNAL : SUP_EXIT_CODE]++;
	/*
	 * Ctrl-C (or Ctrl-\) on a terminal reaches the child's foreground
	 * group, not vigil: it is a stop request all the same.
	 */
	if (s->tty && (s->last_signal == SIGINT || s->last_signal == SIGQUIT))
		s->stop_requested = 1;
	if (exec_failed) {
		log_begin(LOGL_ERROR, "cannot run command");
		log_str("command", c->argv[0]);
		log_str("stage", e.stage);
		log_str("error", strerror(e.err));
		log_end();
	}
	restart = sup_wants_restart(s, status, exec_failed);
	if (restart && now_ns - s->start_ns >= c->backoff_reset_ns)
		s->consecutive = 0;
	if (restart)
		restart = sup_may_restart(s);

	/* A failure is news; the peers' personalities make none of it. */
	log_begin(restart || s->last_code == 0 || s->stop_requested ||
	    c->persona != CFG_PERSONA_VIGIL ? LOGL_INFO : LOGL_WARN,
	    "child exited");
	log_int("pid", pid);
	log_int("status", s->last_code);
	if (s->last_signal)
		log_str("signal", parse_signal_name(s->last_signal, name,
		    sizeof(name)));
	log_dur("ran", now_ns - s->start_ns);
	if (restart) {
		s->consecutive++;
		s->restarts++;
		s->restart_at_ns = now_ns + sup_backoff_ns(s);
		log_dur("restart_in", s->restart_at_ns - now_ns);
		log_int("restarts", s->restarts);
	}
	log_end();
	if (!restart)
		s->exit_code = sup_exit_code(s);
	sup_clean(s, restart, now_ns);
}

/*
 * A repeat of a signal the child already had in this stop. Under
 * --stop-sequence vigil owns the escalation and absorbs it (logged once);
 * otherwise the operator means it, and it is passed on.
 */
static void
sup_stop_again(struct sup *s, int r)
{
	struct sup_ladder *l = &s->ladder;

	if (s->cfg->nladder > 0 && (l->sent & SUP_BIT(r))) {
		if (!(l->sent & SUP_BIT(SIGKILL)) || r == SIGKILL)
			log_msg(LOGL_INFO, "stop already in progress");
		/* SIGKILL's bit marks "logged"; it is never forwarded. */
		l->sent |= SUP_BIT(SIGKILL);
		return;
	}
	l->sent |= SUP_BIT(r);
	sup_send(s, SUP_SCOPE_CHILD, r);
}

static void
sup_stop_request(struct sup *s, int sig, int r, int64_t now_ns)
{
	char name[16];

	/* A storm of requests is one line a second, with its count. */
	if (s->phase != SUP_STOP || (s->cfg->nladder == 0 &&
	    now_ns - s->said_ns >= NS_PER_S)) {
		log_begin(LOGL_INFO, "stop requested");
		log_str("signal", parse_signal_name(sig, name, sizeof(name)));
		if (s->unsaid > 0)
			log_int("repeated", s->unsaid);
		log_end();
		s->said_ns = now_ns;
		s->unsaid = 0;
	} else if (s->cfg->nladder == 0)
		s->unsaid++;
	s->stop_requested = 1;
	switch (s->phase) {
	case SUP_WAIT:
		sup_done(s, 128 + sig);
		break;
	case SUP_RUN:
		/*
		 * --stop-delay: out of rotation at once (the report says not
		 * ready), the child keeps serving until the delay ends.
		 */
		if (s->cfg->stop_delay_ns > 0) {
			s->phase = SUP_DRAIN;
			s->why = SUP_WHY_SIGNAL;
			s->request_ns = now_ns;
			s->drain_end_ns = now_ns + s->cfg->stop_delay_ns;
			s->drain_sig = r;
			log_begin(LOGL_INFO, "draining");
			log_dur("stop_in", s->cfg->stop_delay_ns);
			log_end();
			break;
		}
		sup_begin_stop(s, SUP_WHY_SIGNAL, r, NEVER, now_ns);
		break;
	case SUP_DRAIN:
		/* A second request cuts the drain short. */
		sup_begin_stop(s, SUP_WHY_SIGNAL, r, NEVER, now_ns);
		break;
	case SUP_STOP:
		/*
		 * It ends an unhealthy restart; an unhealthy exit stays a
		 * failure.
		 */
		if (s->why == SUP_WHY_UNHEALTHY_RESTART)
			s->why = SUP_WHY_SIGNAL;
		sup_stop_again(s, r);
		break;
	case SUP_CLEAN:
	case SUP_BACKOFF:
		/* Between children: end at once with the last status. */
		if (s->phase == SUP_CLEAN)
			sup_send(s, SUP_SCOPE_ALL, SIGKILL);
		s->why = SUP_WHY_SIGNAL;
		sup_done(s, sup_exit_code(s));
		break;
	case SUP_DONE:
		break;
	}
}

void
sup_on_signal(struct sup *s, int sig, int64_t now_ns)
{
	int r = s->cfg->rewrite[sig];
	char name[16], to[16];

	if (r != 0 && (sig == SIGTERM || sig == SIGINT || sig == SIGQUIT)) {
		sup_stop_request(s, sig, r, now_ns);
		return;
	}
	if (r != 0 && s->child > 0) {
		s->forwarded[sig]++;
		sup_send(s, SUP_SCOPE_CHILD, r);
	}
	/*
	 * dumb-init's job control: the child stopped, vigil stops too, so
	 * Ctrl-Z suspends the whole job and `fg` (a CONT, passed on)
	 * resumes it.
	 */
	if (s->cfg->stop_self && r != 0 && (sig == SIGTSTP || sig == SIGTTIN ||
	    sig == SIGTTOU))
		sup_send(s, SUP_SCOPE_SELF, SIGSTOP);
	/* The hot path of a signal storm: format nothing unless asked to. */
	if (!log_enabled(LOGL_DEBUG))
		return;
	log_begin(LOGL_DEBUG, r == 0 ? "signal dropped by rewrite" :
	    s->child > 0 ? "forwarded signal" : "no child to signal");
	log_str("signal", parse_signal_name(sig, name, sizeof(name)));
	if (r != 0 && r != sig)
		log_str("as", parse_signal_name(r, to, sizeof(to)));
	if (s->child > 0)
		log_int("pid", s->child);
	log_end();
}

void
sup_on_unhealthy(struct sup *s, int64_t now_ns)
{
	const struct config *c = s->cfg;
	int exit = c->on_unhealthy == CFG_UNHEALTHY_EXIT;

	if (s->phase != SUP_RUN || c->on_unhealthy == CFG_UNHEALTHY_NONE)
		return;
	s->unhealthy_actions[exit]++;
	log_begin(LOGL_WARN, "child unhealthy");
	log_int("pid", s->child);
	log_str("action", exit ? "exit" : "restart");
	log_end();
	sup_begin_stop(s, exit ? SUP_WHY_UNHEALTHY_EXIT :
	    SUP_WHY_UNHEALTHY_RESTART, c->stop_signal,
	    c->grace_ns >= 0 ? c->grace_ns : SUP_UNHEALTHY_GRACE_NS, now_ns);
}

static void
sup_clean_over(struct sup *s, int64_t now_ns)
{
	if (!s->then_restart) {
		s->phase = SUP_DONE;
		return;
	}
	s->phase = SUP_BACKOFF;
	if (now_ns >= s->restart_at_ns)
		sup_start(s, now_ns);
}

static void
sup_tick_clean(struct sup *s, int64_t now_ns, int no_children)
{
	struct sup_ladder *l = &s->ladder;

	if (no_children) {
		sup_clean_over(s, now_ns);
		return;
	}
	if (l->step < 0) {
		l->step = 0;
		sup_ladder_step(s, now_ns);
		/* --orphan-grace 0: TERM the leftovers and do not wait. */
		if (!s->then_restart && s->cfg->orphan_grace_ns == 0)
			s->phase = SUP_DONE;
		return;
	}
	if (sup_ladder_tick(s, now_ns)) {
		/* As PID 1, our exit ends whatever is still dying. */
		if (!s->then_restart && s->pid1) {
			s->phase = SUP_DONE;
			return;
		}
		s->settle_ns = now_ns + SUP_KILL_SETTLE_NS;
		return;
	}
	if (l->killed && now_ns >= s->settle_ns) {
		log_msg(LOGL_WARN, s->then_restart ?
		    "leftover processes remain, starting anyway" :
		    "leftover processes remain");
		sup_clean_over(s, now_ns);
	}
}

void
sup_tick(struct sup *s, int64_t now_ns, int no_children)
{
	switch (s->phase) {
	case SUP_WAIT:
		if (now_ns >= s->wait_deadline_ns) {
			log_msg(LOGL_ERROR, "wait timed out, not starting");
			sup_done(s, 3);
		}
		break;
	case SUP_DRAIN:
		if (now_ns >= s->drain_end_ns)
			sup_begin_stop(s, SUP_WHY_SIGNAL, s->drain_sig, NEVER,
			    now_ns);
		break;
	case SUP_STOP:
		/* After the final KILL only the child's exit moves us on. */
		if (!s->ladder.killed)
			sup_ladder_tick(s, now_ns);
		break;
	case SUP_CLEAN:
		sup_tick_clean(s, now_ns, no_children);
		break;
	case SUP_BACKOFF:
		if (now_ns >= s->restart_at_ns)
			sup_start(s, now_ns);
		break;
	case SUP_RUN:
	case SUP_DONE:
		break;
	}
}

static int64_t
sup_ladder_deadline(const struct sup_ladder *l)
{
	if (l->killed)
		return l->next_kill_ns;
	return l->step_end_ns < l->kill_at_ns ? l->step_end_ns : l->kill_at_ns;
}

int64_t
sup_deadline(const struct sup *s, int no_children)
{
	int64_t d;

	switch (s->phase) {
	case SUP_WAIT:
		return s->wait_deadline_ns;
	case SUP_DRAIN:
		return s->drain_end_ns;
	case SUP_STOP:
		/* After the final KILL only the child's exit moves us on. */
		return s->ladder.killed ? NEVER : sup_ladder_deadline(
		    &s->ladder);
	case SUP_CLEAN:
		/* Due now: the first step, or nothing left to wait for. */
		if (no_children || s->ladder.step < 0)
			return 0;
		d = sup_ladder_deadline(&s->ladder);
		return s->settle_ns < d ? s->settle_ns : d;
	case SUP_BACKOFF:
		return s->restart_at_ns;
	case SUP_RUN:
	case SUP_DONE:
		break;
	}
	return NEVER;
}
