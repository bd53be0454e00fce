/* SPDX-License-Identifier: MIT */
/*
 * The metrics endpoint as PID 1 sees it: a listening socket in its poll
 * set and at most RESPONDER_MAX forked responders, tracked like probes
 * (own group, deadline, SIGKILL, reaped by the loop). PID 1 accepts and
 * forks; it never reads a byte of a request. The responder inherits a
 * copy-on-write snapshot of the state, drops every privilege (as the
 * probe sandbox does), reads at most RESPONDER_REQ_MAX bytes before its
 * deadline, answers once and exits.
 */
#ifndef INIT_RESPONDER_H
#define INIT_RESPONDER_H

#include <poll.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "metrics.h"
#include "parse.h"

#define RESPONDER_MAX 4
#define RESPONDER_REQ_MAX 4096
/* A responder's whole life, PID 1's bound; its own read bound is less. */
#define RESPONDER_DEADLINE_NS (5 * NS_PER_S)
/* Connections taken per loop turn: the loop stays fed under a flood. */
#define RESPONDER_ACCEPT_BATCH 16

struct responder {
	int fd;				/* listening socket, -1 when off */
	pid_t pid[RESPONDER_MAX];	/* 0: free slot */
	int64_t deadline_ns[RESPONDER_MAX];
	long served;			/* responders forked */
	long refused;			/* connections closed unread: busy */
};

/* port 0: off. Binds and listens; 0 or -errno. */
int responder_open(struct responder *r, uint32_t ip, int port);
int responder_pollfd(const struct responder *r, struct pollfd *pfd);
/*
 * Accepts a bounded batch; forks a responder for each while fewer than
 * RESPONDER_MAX run, closes the rest unread.
 */
void responder_accept(struct responder *r, const struct metrics_src *src,
    int64_t now_ns);
int responder_owns(const struct responder *r, pid_t pid);
void responder_reaped(struct responder *r, pid_t pid);
/* Kills the groups of responders past their deadline. */
void responder_tick(struct responder *r, int64_t now_ns);
int64_t responder_deadline(const struct responder *r);

/*
 * Pure: judges a request read so far. 0 while the head is incomplete,
 * else the HTTP status to answer (200, 400, 404, 405); *format is the
 * one asked for by Accept.
 */
int responder_request(const char *buf, size_t len, int *format);

#endif
