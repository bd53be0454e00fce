/* SPDX-License-Identifier: MIT */
/*
 * The whole runtime state of PID 1, in one struct passed by pointer. It is
 * allocated once (static in main.c); nothing in the loop allocates.
 */
#ifndef INIT_VIGIL_H
#define INIT_VIGIL_H

#include <poll.h>
#include <stdint.h>
#include <sys/types.h>

#include "config.h"
#include "health.h"
#include "runner.h"

#define NEVER INT64_MAX

enum sup_state {
	SUP_WAIT,			/* --wait specs before the first start */
	SUP_RUN,			/* the child runs */
	SUP_STOP,			/* the stop ladder runs against the child */
	SUP_CLEAN,			/* child gone, leftovers being ended */
	SUP_BACKOFF,			/* waiting to start the next child */
	SUP_DONE,			/* exit with exit_code */
};

enum sup_stop {
	STOP_NONE,
	STOP_SIGNAL,			/* TERM, INT or QUIT reached vigil */
	STOP_UNHEALTHY_RESTART,
	STOP_UNHEALTHY_EXIT,
};

/* A set of probes run together: the health probes or the --wait specs. */
struct prober {
	const struct probe_spec *specs;
	int n;
	struct probe_run runs[CFG_PROBES_MAX];
	int passed[CFG_PROBES_MAX];	/* wait mode: passed once, done */
	int active;			/* a round is in flight */
	int64_t next_ns;		/* next round, NEVER when unscheduled */
	int rounds;
	int64_t round_ns;		/* when the current round started */
};

struct vigil {
	const struct config *cfg;
	pid_t self;
	int pid1;
	int tty;			/* stdin is a terminal */
	int sfd;			/* signalfd */
	int no_children;		/* the last reap pass saw ECHILD */

	enum sup_state state;
	enum sup_stop stop;
	int stop_requested;		/* never restart once set */
	int exit_code;

	pid_t child;			/* 0 when none runs */
	int child_errfd;
	int64_t child_start_ns;
	long generation;
	int last_sent;			/* last signal vigil sent the child */
	int has_last;
	int last_code;			/* 0-255 or 128+N, before -e */

	struct stop_step steps[PARSE_STEPS_MAX];
	int nsteps;
	int step;
	int64_t step_end_ns;
	int64_t kill_at_ns;		/* --grace, NEVER when unbounded */
	uint64_t stop_sent;		/* bit n-1: signal n sent in this stop */
	int killed;			/* the final SIGKILL went out */

	int clean_started;
	int clean_then_restart;
	int64_t clean_kill_ns;
	int clean_killed;

	int64_t restart_at_ns;
	long consecutive;		/* restarts since the last reset */
	long restarts;			/* restarts in total */
	uint32_t rnd;

	int64_t wait_deadline_ns;
	struct prober wait;
	struct prober probes;
	struct health health;
	struct health_cfg hcfg;
	int reported;			/* index of the probe in the file */
	char output[PROBE_OUTPUT_MAX];	/* the reported probe's summary */
	size_t output_len;

	char state_path[CFG_PATH_MAX];
	int64_t since;			/* wall time of the last status change */
	int dirty;			/* the state file needs writing */
	int file_failing;
	int64_t file_retry_ns;
	int64_t file_retry_step_ns;
};

/* sup.c: the child's life cycle. */
/* A wait status as an exit code: the code, or 128+N for signal N. */
int sup_code_of(int status);
/* 0 when -e listed code, else code. */
int sup_remapped(const uint8_t *remap, int code);
int sup_start_first(struct vigil *v, int64_t now_ns);
void sup_on_child_exit(struct vigil *v, int status, int64_t now_ns);
void sup_on_stop_signal(struct vigil *v, int sig, int64_t now_ns);
void sup_on_unhealthy(struct vigil *v, int64_t now_ns);
void sup_forward(struct vigil *v, int sig);
void sup_tick(struct vigil *v, int64_t now_ns);
int64_t sup_deadline(const struct vigil *v);

/* prober.c: probe rounds, the health state and the --wait phase. */
void prober_init(struct prober *pr, const struct probe_spec *specs, int n);
void prober_cancel(struct prober *pr);
int prober_owns(const struct prober *pr, pid_t pid);
void prober_reaped(struct vigil *v, pid_t pid, int status, int64_t now_ns);
int prober_pollfds(const struct prober *pr, struct pollfd *pfd, int max);
void prober_drain(struct prober *pr);
void prober_tick(struct vigil *v, int64_t now_ns);
int64_t prober_deadline(const struct prober *pr);
void health_child_started(struct vigil *v, int64_t now_ns);
void health_follow(struct vigil *v, enum health_status s);

/* loop.c */
int loop_run(struct vigil *v);
void loop_flush_state(struct vigil *v, int64_t now_ns);

#endif
