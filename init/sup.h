/* SPDX-License-Identifier: MIT */
/*
 * The supervisor: the child's life cycle as decisions. It owns struct sup
 * and nothing else; every effect on the world (start the command, send a
 * signal to a scope, read an exec failure) goes through struct sup_ops, and
 * time comes in as arguments. Production passes the real table (loop.c);
 * unit tests pass a recorder and a fake clock.
 */
#ifndef INIT_SUP_H
#define INIT_SUP_H

#include <stdint.h>
#include <sys/types.h>

#include "config.h"
#include "spawn.h"

enum sup_phase {
	SUP_WAIT,			/* --wait specs before the first start */
	SUP_RUN,			/* the child runs */
	SUP_DRAIN,			/* --stop-delay: not ready, still runs */
	SUP_STOP,			/* the stop ladder runs against the child */
	SUP_CLEAN,			/* child gone, leftovers being ended */
	SUP_BACKOFF,			/* waiting to start the next child */
	SUP_DONE,			/* exit with exit_code */
};

enum sup_why {
	SUP_WHY_NONE,
	SUP_WHY_SIGNAL,			/* a stop request reached vigil */
	SUP_WHY_UNHEALTHY_RESTART,
	SUP_WHY_UNHEALTHY_EXIT,
};

/* How a child ended, as the exits are counted. */
enum sup_exit {
	SUP_EXIT_CODE,			/* exited with a code */
	SUP_EXIT_SIGNAL,		/* killed by a signal */
	SUP_EXIT_EXEC_FAILED,		/* never ran the command */
	SUP_EXITS,
};

/* Whom a signal is for. */
enum sup_scope {
	SUP_SCOPE_CHILD,		/* the child, or its group with -g */
	SUP_SCOPE_OURS,			/* every descendant of vigil */
	SUP_SCOPE_ALL,			/* as PID 1 the namespace, else ours */
	SUP_SCOPE_SELF,			/* vigil (job control: stop with it) */
};

struct sup_ops {
	void *ctx;
	/* Starts the command: 0 with *pid and *errfd, or -errno. */
	int (*spawn)(void *ctx, pid_t *pid, int *errfd);
	/* Sends sig to scope (child: the child's pid); count or -errno. */
	int (*signal)(void *ctx, enum sup_scope scope, pid_t child, int sig);
	/* The reaped child's report: 1 and *e if it failed before exec. */
	int (*exec_error)(void *ctx, int errfd, struct spawn_error *e);
};

/*
 * One ladder serves both stops: the child's (--stop-sequence, or one step)
 * and the leftovers' (TERM, --orphan-grace, KILL). After its last step, or
 * at kill_at_ns, KILL goes to the scope and is repeated until the loop
 * reports no children left.
 */
struct sup_ladder {
	struct stop_step steps[PARSE_STEPS_MAX];
	int n;
	int step;
	enum sup_scope scope;
	int64_t step_end_ns;
	int64_t kill_at_ns;		/* --grace; NEVER when unbounded */
	int64_t next_kill_ns;		/* the next repeated KILL */
	int killed;			/* the final KILL went out */
	uint64_t sent;			/* bit n-1: signal n went out */
};

struct sup {
	const struct config *cfg;
	const struct sup_ops *ops;
	int pid1;
	int tty;			/* stdin is a terminal */

	enum sup_phase phase;
	enum sup_why why;
	int stop_requested;		/* never restart once set */
	int exit_code;			/* valid in SUP_DONE */

	pid_t child;			/* 0 when none runs */
	int errfd;			/* the child's exec-error pipe */
	int64_t start_ns;
	long generation;
	int last_sent;			/* last signal sent to the child */
	int has_last;
	int last_code;			/* 0-255 or 128+N, before -e */
	int last_signal;		/* N when the child died of signal N */
	int last_exec_failed;

	struct sup_ladder ladder;
	int then_restart;		/* SUP_CLEAN: then SUP_BACKOFF */
	int64_t settle_ns;		/* SUP_CLEAN: give up on leftovers */
	int64_t restart_at_ns;
	long consecutive;		/* restarts since the last reset */
	long restarts;			/* restarts in total */
	uint32_t rnd;
	int64_t wait_deadline_ns;
	int64_t drain_end_ns;		/* SUP_DRAIN: when the stop begins */
	int drain_sig;			/* ... with this signal */
	int64_t request_ns;		/* the stop request; --grace counts */
	int64_t said_ns;		/* the last "stop requested" line */
	long unsaid;			/* requests since, not logged */

	/* Counters for the metrics endpoint; nothing decides by them. */
	long exits[SUP_EXITS];		/* by enum sup_exit */
	long unhealthy_actions[2];	/* 0 restart, 1 exit */
	long forwarded[PARSE_SIGMAX + 1];	/* by the signal received */
};

/* A wait status as an exit code: the code, or 128+N for signal N. */
int sup_code_of(int status);
/* 0 when -e listed code, else code. */
int sup_remapped(const uint8_t *remap, int code);

/* Sets up *s; then SUP_WAIT (with --wait) or the first start. */
void sup_init(struct sup *s, const struct config *c, const struct sup_ops *ops,
    int pid1, int tty, uint32_t seed, int64_t now_ns);
/* Every --wait spec passed: the first start. */
void sup_wait_passed(struct sup *s, int64_t now_ns);
/* The child was reaped with this wait status. */
void sup_on_exit(struct sup *s, int status, int64_t now_ns);
/* A signal from outside (SIGCHLD excluded): a stop request or forwarded. */
void sup_on_signal(struct sup *s, int sig, int64_t now_ns);
/* The health probes turned unhealthy. */
void sup_on_unhealthy(struct sup *s, int64_t now_ns);
/* Fires due deadlines; no_children: the last reap saw ECHILD. */
void sup_tick(struct sup *s, int64_t now_ns, int no_children);
/* The nearest deadline, NEVER when none. */
int64_t sup_deadline(const struct sup *s, int no_children);

#endif
