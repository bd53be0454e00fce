/* SPDX-License-Identifier: MIT */
/*
 * The supervisor's life-cycle rules as table tests: a recorder stands in
 * for the effects (spawn, signals, exec-error reports) and time is a plain
 * number, so every rule of the README runs in microseconds.
 */
#include <check.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>

#include "config.h"
#include "log.h"
#include "sup.h"

#define S(n) ((int64_t)(n) * NS_PER_S)
#define MS(n) ((int64_t)(n) * NS_PER_MS)

/* What the supervisor did, as a string: "spawn", "child:TERM", ... */
struct rec {
	char log[4096];
	int spawn_fail;			/* -errno for the next spawns */
	int spawn_fails_left;
	int exec_fail;			/* the next exit reports exec failure */
	pid_t next_pid;
};

static struct rec rec;
static struct config cfg;
static struct sup sup;

static void
rec_add(const char *what)
{
	size_t n = strlen(rec.log);

	snprintf(rec.log + n, sizeof(rec.log) - n, "%s%s", n ? " " : "", what);
}

static int
rec_spawn(void *ctx, pid_t *pid, int *errfd)
{
	(void)ctx;
	if (rec.spawn_fails_left > 0) {
		rec.spawn_fails_left--;
		rec_add("spawn-failed");
		return rec.spawn_fail;
	}
	rec_add("spawn");
	*pid = ++rec.next_pid;
	*errfd = 100 + *pid;
	return 0;
}

static int
rec_signal(void *ctx, enum sup_scope scope, pid_t child, int sig)
{
	static const char *const scopes[] = { "child", "ours", "all",
		"self" };
	char buf[32], name[16];

	(void)ctx;
	(void)child;
	snprintf(buf, sizeof(buf), "%s:%s", scopes[scope],
	    parse_signal_name(sig, name, sizeof(name)));
	rec_add(buf);
	return 1;
}

static int
rec_exec_error(void *ctx, int errfd, struct spawn_error *e)
{
	(void)ctx;
	ck_assert_int_ge(errfd, 100);
	if (!rec.exec_fail)
		return 0;
	rec.exec_fail = 0;
	e->err = ENOENT;
	snprintf(e->stage, sizeof(e->stage), "exec");
	return 1;
}

static const struct sup_ops ops = { NULL, rec_spawn, rec_signal,
	rec_exec_error };

/* Parses a flag list as argv0 would and starts the supervisor at t=0. */
static void
start_as(char *argv0, char **flags, int tty)
{
	static char *argv[32];
	char err[256];
	int argc = 1;

	/* The config keeps pointers into argv: it must outlive the call. */
	memset(argv, 0, sizeof(argv));
	argv[0] = argv0;
	while (*flags != NULL)
		argv[argc++] = *flags++;
	argv[argc++] = "--";
	argv[argc++] = "worker";
	memset(&cfg, 0, sizeof(cfg));
	memset(&rec, 0, sizeof(rec));
	ck_assert_msg(config_parse(&cfg, argc, argv, NULL, err, sizeof(err)) ==
	    0, "%s", err);
	log_setup(LOGL_ERROR - 1, 0);
	sup_init(&sup, &cfg, &ops, 1, tty, 42, 0);
}

static void
start(char **flags, int tty)
{
	start_as("vigil", flags, tty);
}

static void
clear(void)
{
	rec.log[0] = '\0';
}

#define EXPECT(want) ck_assert_str_eq(rec.log, want)

START_TEST(stop_ladder_timing_and_escalation)
{
	char *f[] = { "--stop-sequence", "TERM:5s,INT:3s,KILL:1s", NULL };

	start(f, 0);
	EXPECT("spawn");
	ck_assert_int_eq(sup.phase, SUP_RUN);
	ck_assert_int_eq(sup_deadline(&sup, 0), NEVER);
	clear();
	sup_on_signal(&sup, SIGTERM, S(10));
	EXPECT("child:TERM child:CONT");
	ck_assert_int_eq(sup.phase, SUP_STOP);
	ck_assert_int_eq(sup_deadline(&sup, 0), S(15));
	clear();
	sup_tick(&sup, S(15) - 1, 0);
	EXPECT("");
	sup_tick(&sup, S(15), 0);
	EXPECT("child:INT child:CONT");
	ck_assert_int_eq(sup_deadline(&sup, 0), S(18));
	clear();
	sup_tick(&sup, S(18), 0);
	EXPECT("child:KILL");
	clear();
	/* The last step's wait ends: everything is killed. */
	sup_tick(&sup, S(19), 0);
	EXPECT("child:KILL all:KILL");
	ck_assert_int_eq(sup_deadline(&sup, 0), NEVER);
	clear();
	sup_on_exit(&sup, W_EXITCODE(0, SIGKILL), S(19));
	ck_assert_int_eq(sup.phase, SUP_CLEAN);
	sup_tick(&sup, S(19), 1);
	ck_assert_int_eq(sup.phase, SUP_DONE);
	ck_assert_int_eq(sup.exit_code, 137);
	EXPECT("");
}
END_TEST

START_TEST(grace_bounds_the_stop)
{
	char *f[] = { "--grace", "2s", NULL };

	start(f, 0);
	clear();
	sup_on_signal(&sup, SIGTERM, S(1));
	EXPECT("child:TERM child:CONT");
	ck_assert_int_eq(sup_deadline(&sup, 0), S(3));
	clear();
	sup_tick(&sup, S(3), 0);
	EXPECT("child:KILL all:KILL");
}
END_TEST

START_TEST(repeated_stop_signal)
{
	char *plain[] = { NULL };
	char *ladder[] = { "--stop-sequence", "TERM:30s,KILL:1s", NULL };

	/* Without a ladder the operator's repeat is passed on. */
	start(plain, 0);
	sup_on_signal(&sup, SIGINT, S(1));
	clear();
	sup_on_signal(&sup, SIGINT, S(2));
	EXPECT("child:INT");
	/* A different stop signal is passed on too. */
	clear();
	sup_on_signal(&sup, SIGQUIT, S(3));
	EXPECT("child:QUIT");
	/* Under --stop-sequence vigil owns the escalation: absorbed. */
	start(ladder, 0);
	sup_on_signal(&sup, SIGTERM, S(1));
	clear();
	sup_on_signal(&sup, SIGTERM, S(2));
	sup_on_signal(&sup, SIGTERM, S(2));
	EXPECT("");
	sup_on_signal(&sup, SIGINT, S(3));
	EXPECT("child:INT");
}
END_TEST

START_TEST(term_during_backoff_exits_at_once)
{
	char *f[] = { "--restart", "always", "--backoff-initial", "4s", NULL };

	start(f, 0);
	sup_on_exit(&sup, W_EXITCODE(3, 0), S(1));
	ck_assert_int_eq(sup.phase, SUP_CLEAN);
	sup_tick(&sup, S(1), 1);
	ck_assert_int_eq(sup.phase, SUP_BACKOFF);
	ck_assert_int_le(sup_deadline(&sup, 1), S(5));
	ck_assert_int_ge(sup_deadline(&sup, 1), S(1) + MS(3600));
	clear();
	sup_on_signal(&sup, SIGTERM, S(2));
	EXPECT("");
	ck_assert_int_eq(sup.phase, SUP_DONE);
	ck_assert_int_eq(sup.exit_code, 3);
}
END_TEST

START_TEST(exec_failure_first_start_is_final)
{
	char *f[] = { "--restart", "always", NULL };

	start(f, 0);
	rec.exec_fail = 1;
	sup_on_exit(&sup, W_EXITCODE(127, 0), MS(5));
	sup_tick(&sup, MS(5), 1);
	ck_assert_int_eq(sup.phase, SUP_DONE);
	ck_assert_int_eq(sup.exit_code, 127);
	ck_assert_int_eq(sup.restarts, 0);
}
END_TEST

START_TEST(exec_failure_later_is_a_failure)
{
	char *f[] = { "--restart", "on-failure", NULL };

	start(f, 0);
	sup_on_exit(&sup, W_EXITCODE(1, 0), S(1));
	sup_tick(&sup, S(1), 1);
	sup_tick(&sup, S(3), 1);
	ck_assert_int_eq(sup.generation, 2);
	rec.exec_fail = 1;
	sup_on_exit(&sup, W_EXITCODE(127, 0), S(4));
	sup_tick(&sup, S(4), 1);
	ck_assert_int_eq(sup.phase, SUP_BACKOFF);
	ck_assert_int_eq(sup.restarts, 2);
	/* The metrics' counts of how children ended. */
	ck_assert_int_eq(sup.exits[SUP_EXIT_CODE], 1);
	ck_assert_int_eq(sup.exits[SUP_EXIT_EXEC_FAILED], 1);
	ck_assert_int_eq(sup.exits[SUP_EXIT_SIGNAL], 0);
}
END_TEST

/* Runs one exit through a fresh supervisor; returns 1 if it restarts. */
static int
restarts_after(const char *policy, int status)
{
	char *f[] = { "--restart", (char *)policy, NULL };

	start(f, 0);
	sup_on_exit(&sup, status, S(1));
	sup_tick(&sup, S(1), 1);
	return sup.phase == SUP_BACKOFF;
}

START_TEST(restart_policies)
{
	ck_assert_int_eq(restarts_after("no", W_EXITCODE(1, 0)), 0);
	ck_assert_int_eq(sup.exit_code, 1);
	ck_assert_int_eq(restarts_after("on-failure", W_EXITCODE(0, 0)), 0);
	ck_assert_int_eq(sup.exit_code, 0);
	ck_assert_int_eq(restarts_after("on-failure", W_EXITCODE(1, 0)), 1);
	ck_assert_int_eq(restarts_after("on-failure", W_EXITCODE(0, 9)), 1);
	ck_assert_int_eq(restarts_after("always", W_EXITCODE(0, 0)), 1);
}
END_TEST

START_TEST(forwarded_signal_death_is_no_failure)
{
	char *f[] = { "--restart", "on-failure", NULL };

	start(f, 0);
	clear();
	sup_on_signal(&sup, SIGHUP, S(1));
	EXPECT("child:HUP");
	sup_on_exit(&sup, W_EXITCODE(0, SIGHUP), S(1));
	sup_tick(&sup, S(1), 1);
	ck_assert_int_eq(sup.phase, SUP_DONE);
	ck_assert_int_eq(sup.exit_code, 129);
}
END_TEST

START_TEST(max_restarts_gives_up)
{
	char *f[] = { "--restart", "always", "--max-restarts", "2", NULL };
	int i;

	start(f, 0);
	for (i = 0; i < 3; i++) {
		sup_on_exit(&sup, W_EXITCODE(1, 0), S(10 * i + 1));
		sup_tick(&sup, S(10 * i + 1), 1);
		sup_tick(&sup, S(10 * i + 9), 1);
	}
	ck_assert_int_eq(sup.phase, SUP_DONE);
	ck_assert_int_eq(sup.restarts, 2);
	ck_assert_int_eq(sup.exit_code, 1);
}
END_TEST

START_TEST(backoff_grows_and_resets)
{
	char *f[] = { "--restart", "always", "--backoff-initial", "1s",
		"--backoff-max", "8s", "--backoff-reset", "60s", NULL };
	int64_t t = 0, d;
	int i;

	start(f, 0);
	for (i = 1; i <= 4; i++) {
		sup_on_exit(&sup, W_EXITCODE(1, 0), t);
		sup_tick(&sup, t, 1);
		d = sup_deadline(&sup, 1) - t;
		/* 1s, 2s, 4s, 8s less up to 10% jitter. */
		ck_assert_int_le(d, S(1) << (i - 1));
		ck_assert_int_ge(d, (S(1) << (i - 1)) / 10 * 9);
		t += d;
		sup_tick(&sup, t, 1);
		ck_assert_int_eq(sup.phase, SUP_RUN);
	}
	/* A child that ran past --backoff-reset starts the count over. */
	t += S(61);
	sup_on_exit(&sup, W_EXITCODE(1, 0), t);
	sup_tick(&sup, t, 1);
	ck_assert_int_le(sup_deadline(&sup, 1) - t, S(1));
	ck_assert_int_eq(sup.consecutive, 1);
}
END_TEST

START_TEST(unhealthy_restart)
{
	char *f[] = { "--on-unhealthy", "restart", "--probe", "tcp://127.0.0.1:1",
		NULL };

	start(f, 0);
	clear();
	sup_on_unhealthy(&sup, S(30));
	EXPECT("child:TERM child:CONT");
	ck_assert_int_eq(sup.why, SUP_WHY_UNHEALTHY_RESTART);
	/* Bounded even without --grace: no runtime will KILL for us. */
	ck_assert_int_eq(sup_deadline(&sup, 0), S(40));
	clear();
	sup_tick(&sup, S(40), 0);
	/* Between generations only our own descendants. */
	EXPECT("child:KILL ours:KILL");
	sup_on_exit(&sup, W_EXITCODE(0, SIGKILL), S(40));
	sup_tick(&sup, S(40), 1);
	ck_assert_int_eq(sup.phase, SUP_BACKOFF);
	ck_assert_int_eq(sup.restarts, 1);
	ck_assert_int_eq(sup.unhealthy_actions[0], 1);
	ck_assert_int_eq(sup.unhealthy_actions[1], 0);
	ck_assert_int_eq(sup.exits[SUP_EXIT_SIGNAL], 1);
}
END_TEST

START_TEST(unhealthy_exit_is_a_failure)
{
	char *f[] = { "--on-unhealthy", "exit", "--probe", "tcp://127.0.0.1:1",
		"--restart", "always", NULL };

	start(f, 0);
	sup_on_unhealthy(&sup, S(30));
	ck_assert_int_eq(sup.why, SUP_WHY_UNHEALTHY_EXIT);
	sup_on_exit(&sup, W_EXITCODE(0, 0), S(31));
	sup_tick(&sup, S(31), 1);
	ck_assert_int_eq(sup.phase, SUP_DONE);
	ck_assert_int_eq(sup.exit_code, 1);
}
END_TEST

START_TEST(remap_exit_codes)
{
	char *f[] = { "-e", "143", NULL };

	start(f, 0);
	sup_on_signal(&sup, SIGTERM, S(1));
	sup_on_exit(&sup, W_EXITCODE(0, SIGTERM), S(2));
	sup_tick(&sup, S(2), 1);
	ck_assert_int_eq(sup.phase, SUP_DONE);
	ck_assert_int_eq(sup.exit_code, 0);
}
END_TEST

START_TEST(ctrl_c_on_a_tty_stops)
{
	char *f[] = { "--restart", "always", NULL };

	start(f, 1);
	sup_on_exit(&sup, W_EXITCODE(0, SIGINT), S(1));
	sup_tick(&sup, S(1), 1);
	ck_assert_int_eq(sup.phase, SUP_DONE);
	ck_assert_int_eq(sup.exit_code, 130);
	/* Without a terminal the same death is a crash to restart. */
	start(f, 0);
	sup_on_exit(&sup, W_EXITCODE(0, SIGINT), S(1));
	sup_tick(&sup, S(1), 1);
	ck_assert_int_eq(sup.phase, SUP_BACKOFF);
}
END_TEST

START_TEST(transient_spawn_failure_is_retried)
{
	char *none[] = { NULL };
	static char *argv[] = { "vigil", "--restart", "always", "--",
		"worker", NULL };
	char err[256];

	memset(&cfg, 0, sizeof(cfg));
	memset(&rec, 0, sizeof(rec));
	ck_assert_int_eq(config_parse(&cfg, 5, argv, NULL, err, sizeof(err)),
	    0);
	log_setup(LOGL_ERROR - 1, 0);
	rec.spawn_fail = -EAGAIN;
	rec.spawn_fails_left = 1;
	sup_init(&sup, &cfg, &ops, 1, 0, 42, 0);
	EXPECT("spawn-failed");
	ck_assert_int_eq(sup.phase, SUP_BACKOFF);
	sup_tick(&sup, S(2), 1);
	EXPECT("spawn-failed spawn");
	ck_assert_int_eq(sup.phase, SUP_RUN);
	/* With --restart no it is final: 126. */
	start(none, 0);
	memset(&rec, 0, sizeof(rec));
	rec.spawn_fail = -EMFILE;
	rec.spawn_fails_left = 1;
	cfg.restart = CFG_RESTART_NO;
	sup_init(&sup, &cfg, &ops, 1, 0, 42, 0);
	ck_assert_int_eq(sup.phase, SUP_DONE);
	ck_assert_int_eq(sup.exit_code, 126);
}
END_TEST

START_TEST(leftovers_converge)
{
	char *f[] = { "--restart", "always", "--orphan-grace", "2s", NULL };
	int i;

	start(f, 0);
	sup_on_exit(&sup, W_EXITCODE(1, 0), S(1));
	clear();
	/* Something is left: TERM to our descendants, then KILL. */
	ck_assert_int_eq(sup_deadline(&sup, 0), 0);
	sup_tick(&sup, S(1), 0);
	EXPECT("ours:TERM ours:CONT");
	ck_assert_int_eq(sup_deadline(&sup, 0), S(3));
	clear();
	sup_tick(&sup, S(3), 0);
	EXPECT("ours:KILL");
	/* The KILL is repeated while anything is left, up to a bound. */
	for (i = 1; i <= 3; i++)
		sup_tick(&sup, S(3) + MS(100) * i, 0);
	EXPECT("ours:KILL ours:KILL ours:KILL ours:KILL");
	/* Nothing left, and the backoff is over: the next generation. */
	sup_tick(&sup, S(3) + MS(350), 1);
	ck_assert_int_eq(sup.phase, SUP_RUN);
	ck_assert_int_eq(sup.generation, 2);

	/* Nothing left: no signal at all. */
	start(f, 0);
	sup_on_exit(&sup, W_EXITCODE(1, 0), S(1));
	clear();
	sup_tick(&sup, S(1), 1);
	EXPECT("");
	ck_assert_int_eq(sup.phase, SUP_BACKOFF);

	/* At the final exit as PID 1 the scope is the whole namespace. */
	start((char *[]){ NULL }, 0);
	sup_on_exit(&sup, W_EXITCODE(0, 0), S(1));
	clear();
	sup_tick(&sup, S(1), 0);
	EXPECT("all:TERM all:CONT");
	sup_tick(&sup, S(3), 0);
	ck_assert_int_eq(sup.phase, SUP_DONE);
}
END_TEST

START_TEST(leftovers_that_stay)
{
	char *f[] = { "--restart", "always", "--orphan-grace", "1s", NULL };

	start(f, 0);
	sup_on_exit(&sup, W_EXITCODE(1, 0), S(1));
	sup_tick(&sup, S(1), 0);
	sup_tick(&sup, S(2), 0);
	/* Five seconds after the KILL the next generation starts anyway. */
	sup_tick(&sup, S(7) - 1, 0);
	ck_assert_int_eq(sup.phase, SUP_CLEAN);
	sup_tick(&sup, S(7), 0);
	ck_assert_int_ne(sup.phase, SUP_CLEAN);
}
END_TEST

START_TEST(wait_phase)
{
	char *f[] = { "--wait", "tcp://127.0.0.1:1", "--wait-timeout", "5s",
		NULL };

	start(f, 0);
	EXPECT("");
	ck_assert_int_eq(sup.phase, SUP_WAIT);
	ck_assert_int_eq(sup_deadline(&sup, 1), S(5));
	sup_tick(&sup, S(5), 1);
	ck_assert_int_eq(sup.phase, SUP_DONE);
	ck_assert_int_eq(sup.exit_code, 3);
	start(f, 0);
	sup_on_signal(&sup, SIGTERM, S(1));
	ck_assert_int_eq(sup.exit_code, 128 + SIGTERM);
	start(f, 0);
	sup_wait_passed(&sup, S(1));
	EXPECT("spawn");
	ck_assert_int_eq(sup.phase, SUP_RUN);
}
END_TEST

START_TEST(signals_forwarded_and_rewritten)
{
	char *f[] = { "-r", "15:3", "-r", "10:0", NULL };

	start(f, 0);
	clear();
	sup_on_signal(&sup, SIGUSR2, S(1));
	sup_on_signal(&sup, SIGUSR1, S(1));
	sup_on_signal(&sup, SIGSEGV, S(1));
	sup_on_signal(&sup, 40, S(1));
	EXPECT("child:USR2 child:SEGV child:RTMIN+6");
	/* Counted by the signal received; a dropped one is not. */
	ck_assert_int_eq(sup.forwarded[SIGUSR2], 1);
	ck_assert_int_eq(sup.forwarded[SIGUSR1], 0);
	ck_assert_int_eq(sup.forwarded[40], 1);
	/* TERM rewritten to QUIT is still a stop request. */
	sup_on_signal(&sup, SIGTERM, S(2));
	ck_assert_int_eq(sup.phase, SUP_STOP);
	ck_assert_ptr_nonnull(strstr(rec.log, "child:QUIT child:CONT"));
}
END_TEST

START_TEST(personas)
{
	char *none[] = { NULL };
	char *ladder[] = { "--stop-sequence", "TERM:5s,KILL:1s", NULL };

	/* tini and dumb-init send no CONT after a stop signal ... */
	start_as("/sbin/tini", none, 0);
	clear();
	sup_on_signal(&sup, SIGTERM, S(1));
	EXPECT("child:TERM");
	/* ... unless a ladder makes vigil own the stop. */
	start_as("docker-init", ladder, 0);
	clear();
	sup_on_signal(&sup, SIGTERM, S(1));
	EXPECT("child:TERM child:CONT");
	/* Their leftovers get TERM, and vigil exits without waiting. */
	start_as("tini", none, 0);
	sup_on_exit(&sup, W_EXITCODE(5, 0), S(1));
	clear();
	sup_tick(&sup, S(1), 0);
	EXPECT("all:TERM");
	ck_assert_int_eq(sup.phase, SUP_DONE);
	ck_assert_int_eq(sup.exit_code, 5);
	/* dumb-init: Ctrl-Z stops the child (as STOP) and then vigil. */
	start_as("/usr/bin/dumb-init", none, 0);
	clear();
	sup_on_signal(&sup, SIGTSTP, S(1));
	EXPECT("child:STOP self:STOP");
	clear();
	sup_on_signal(&sup, SIGCONT, S(2));
	EXPECT("child:CONT");
	/* vigil's own name: TSTP is passed on as it is, vigil keeps going. */
	start(none, 0);
	clear();
	sup_on_signal(&sup, SIGTSTP, S(1));
	EXPECT("child:TSTP");
}
END_TEST

START_TEST(drain_before_stop)
{
	char *f[] = { "--stop-delay", "5s", "--grace", "8s", NULL };

	start(f, 0);
	clear();
	/* Out of rotation at once; the child is signalled after the delay. */
	sup_on_signal(&sup, SIGTERM, S(10));
	EXPECT("");
	ck_assert_int_eq(sup.phase, SUP_DRAIN);
	ck_assert_int_eq(sup_deadline(&sup, 0), S(15));
	sup_tick(&sup, S(15) - 1, 0);
	EXPECT("");
	sup_tick(&sup, S(15), 0);
	EXPECT("child:TERM child:CONT");
	/* --grace counts from the request, not from the end of the drain. */
	ck_assert_int_eq(sup_deadline(&sup, 0), S(18));
	/* A second request cuts the drain short. */
	start(f, 0);
	sup_on_signal(&sup, SIGTERM, S(10));
	clear();
	sup_on_signal(&sup, SIGINT, S(11));
	EXPECT("child:INT child:CONT");
	ck_assert_int_eq(sup.phase, SUP_STOP);
	/* An unhealthy restart skips the delay. */
	start((char *[]){ "--stop-delay", "5s", "--on-unhealthy", "restart",
	    "--probe", "tcp://127.0.0.1:1", NULL }, 0);
	clear();
	sup_on_unhealthy(&sup, S(3));
	EXPECT("child:TERM child:CONT");
	/* The child leaving during the drain is a stop, not a crash. */
	start((char *[]){ "--stop-delay", "5s", "--restart", "always", NULL },
	    0);
	sup_on_signal(&sup, SIGTERM, S(1));
	sup_on_exit(&sup, W_EXITCODE(0, 0), S(2));
	sup_tick(&sup, S(2), 1);
	ck_assert_int_eq(sup.phase, SUP_DONE);
}
END_TEST

Suite *suite_sup(void);

Suite *
suite_sup(void)
{
	Suite *s = suite_create("sup");
	TCase *tc = tcase_create("rules");

	tcase_add_test(tc, stop_ladder_timing_and_escalation);
	tcase_add_test(tc, grace_bounds_the_stop);
	tcase_add_test(tc, repeated_stop_signal);
	tcase_add_test(tc, term_during_backoff_exits_at_once);
	tcase_add_test(tc, exec_failure_first_start_is_final);
	tcase_add_test(tc, exec_failure_later_is_a_failure);
	tcase_add_test(tc, restart_policies);
	tcase_add_test(tc, forwarded_signal_death_is_no_failure);
	tcase_add_test(tc, max_restarts_gives_up);
	tcase_add_test(tc, backoff_grows_and_resets);
	tcase_add_test(tc, unhealthy_restart);
	tcase_add_test(tc, unhealthy_exit_is_a_failure);
	tcase_add_test(tc, remap_exit_codes);
	tcase_add_test(tc, ctrl_c_on_a_tty_stops);
	tcase_add_test(tc, transient_spawn_failure_is_retried);
	tcase_add_test(tc, leftovers_converge);
	tcase_add_test(tc, leftovers_that_stay);
	tcase_add_test(tc, wait_phase);
	tcase_add_test(tc, signals_forwarded_and_rewritten);
	tcase_add_test(tc, personas);
	tcase_add_test(tc, drain_before_stop);
	suite_add_tcase(s, tc);
	return s;
}
