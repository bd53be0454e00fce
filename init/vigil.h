/* SPDX-License-Identifier: MIT */
/*
 * PID 1 as a whole: a thin holder of the modules' own state, allocated once
 * (static in main.c). Only loop.c reaches into more than one of them; each
 * module sees only its own struct.
 */
#ifndef INIT_VIGIL_H
#define INIT_VIGIL_H

#include <sys/types.h>

#include "config.h"
#include "notify.h"
#include "prober.h"
#include "report.h"
#include "spawn.h"
#include "responder.h"
#include "sup.h"

struct vigil {
	const struct config *cfg;
	pid_t self;
	int pid1;
	int sfd;			/* signalfd */
	int no_children;		/* the last reap pass saw ECHILD */
	struct spawn_opts spawn;
	struct sup sup;
	struct report report;
	struct responder metrics;	/* --metrics */
	struct metrics_src msrc;	/* what a responder shows */
	long orphans_reaped;
	struct notify notify;		/* --notify */
	/* Last: each prober's buffers are 40 KiB, untouched when unused. */
	struct prober wait;		/* --wait specs */
	struct prober health;		/* --probe specs: alive? */
	struct prober ready;		/* --ready-probe specs: traffic? */
};

/* Signals, subreaper, the modules; then the first start. 0 or -1. */
int loop_setup(struct vigil *v, const struct config *c);
/* Runs until the supervisor is done; returns vigil's exit code. */
int loop_run(struct vigil *v);

#endif
