/* SPDX-License-Identifier: MIT */
/*
 * One probe run as seen from PID 1: a forked process in its own process
 * group, its output pipe, and its deadline. PID 1 only copies at most 4 KiB
 * of output bytes and reads the exit status; it never interprets what a
 * peer sent, and it kills the whole group at the deadline.
 */
#ifndef INIT_RUNNER_H
#define INIT_RUNNER_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "priv.h"
#include "probe.h"

struct probe_run {
	pid_t pid;			/* 0 when no process is outstanding */
	int fd;				/* output pipe, -1 when closed */
	int64_t deadline_ns;
	int64_t started_ns;
	int timed_out;
	int cancelled;			/* result to be discarded */
	int finished;			/* reaped, result below is final */
	int status;			/* wait status */
	size_t len;
	char out[PROBE_OUTPUT_MAX];
};

struct priv_sandbox;

/*
 * Forks a probe process for p, in its own group and named after the spec.
 * Exec probes run with the workload's privileges pv (NULL: unchanged), the
 * other kinds in the sandbox sb (NULL: none). 0 or -errno.
 */
int probe_start(struct probe_run *r, const struct probe_spec *p,
    const struct priv *pv, const struct priv_sandbox *sb, int64_t now_ns,
    int64_t timeout_ns);
/* Drains the pipe without blocking; output past 4 KiB is discarded. */
void probe_drain(struct probe_run *r);
/* The process was reaped with this wait status. */
void probe_reaped(struct probe_run *r, int status);
/*
 * At the deadline: kills the probe (group and leader) and makes its result
 * final (a timeout) without waiting for the reap; returns 1 if it did.
 */
int probe_expire(struct probe_run *r, int64_t now_ns);
/* Kills the probe's group and marks its result void. */
void probe_cancel(struct probe_run *r);
/* True when finished with exit status 0 and not timed out. */
int probe_passed(const struct probe_run *r);
/* A one-line summary (raw bytes; escape before storing). */
size_t probe_summary(const struct probe_run *r, int64_t timeout_ns,
    char *buf, size_t len);

#endif
