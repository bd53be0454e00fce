/* SPDX-License-Identifier: MIT */
/*
 * sd_notify from the workload (--notify): a datagram socket private to the
 * child, named to it in NOTIFY_SOCKET as systemd does for Type=notify. Only
 * the child and its descendants are heard; each datagram is parsed by a
 * pure parser into what it says (READY=1, STATUS=..., WATCHDOG=1, ...), and
 * the state here follows one generation of the child. With --watchdog DUR a
 * generation that sends no WATCHDOG=1 within DUR turns unhealthy. PID 1
 * reads a bounded batch per loop turn and never blocks on a peer.
 */
#ifndef INIT_NOTIFY_H
#define INIT_NOTIFY_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "config.h"

#define NOTIFY_DGRAM_MAX 4096		/* larger datagrams are dropped */
#define NOTIFY_BATCH 64			/* datagrams read per loop turn */
#define NOTIFY_DEPTH_MAX 64		/* ppid steps from sender to vigil */
#define NOTIFY_STATUS_MAX 256
#define NOTIFY_NAME_MAX 108		/* sun_path, with a leading '@' */

/* What one datagram says; later assignments of a key win. */
enum {
	NOTIFY_READY = 1 << 0,		/* READY=1 */
	NOTIFY_STOPPING = 1 << 1,	/* STOPPING=1 */
	NOTIFY_RELOADING = 1 << 2,	/* RELOADING=1 */
	NOTIFY_WATCHDOG = 1 << 3,	/* WATCHDOG=1 */
	NOTIFY_TRIGGER = 1 << 4,	/* WATCHDOG=trigger */
	NOTIFY_STATUS = 1 << 5,		/* STATUS=... */
};

struct notify_msg {
	unsigned flags;
	const char *status;		/* into the parsed buffer; not ended */
	size_t status_len;
};

/*
 * Pure: newline-separated KEY=VALUE lines. Unknown keys, MAINPID=, ERRNO=
 * and EXTEND_TIMEOUT_USEC= are ignored. Returns 0, or -EINVAL for a
 * datagram that is empty, holds a NUL byte, or a line without '='.
 */
int notify_parse(const char *buf, size_t len, struct notify_msg *m);

enum notify_outcome {
	NOTIFY_NONE,
	NOTIFY_UNHEALTHY,		/* the watchdog missed or was triggered */
};

enum notify_why {
	NOTIFY_WHY_NONE,
	NOTIFY_WHY_MISSED,		/* no WATCHDOG=1 within --watchdog */
	NOTIFY_WHY_TRIGGER,		/* WATCHDOG=trigger */
};

struct notify {
	int fd;				/* -1 without --notify */
	char name[NOTIFY_NAME_MAX];	/* NOTIFY_SOCKET's value */
	pid_t self;
	int64_t watchdog_ns;		/* 0: no watchdog */

	/* One generation of the child. */
	pid_t child;
	int ready;			/* READY=1, and no STOPPING/RELOADING since */
	int said_ready;			/* READY=1 came at least once */
	char status[NOTIFY_STATUS_MAX];
	size_t status_len;
	int64_t watchdog_due_ns;	/* NEVER when no watchdog runs */
	enum notify_why why;		/* != NONE: unhealthy */
	long pings;

	/* Refusals, logged at most once a second with a count. */
	long refused;
	long dropped;
	int64_t logged_ns;
	long total_refused;
	long total_dropped;
};

/*
 * Sets *n up; with c->notify a fresh abstract socket of a random name.
 * 0 or -errno.
 */
int notify_init(struct notify *n, const struct config *c, pid_t self,
    uint32_t seed);
/* A new generation: not ready, no status, the watchdog armed from now. */
void notify_child(struct notify *n, pid_t child, int64_t now_ns);
/* Reads a bounded batch of datagrams; NOTIFY_UNHEALTHY on a trigger. */
enum notify_outcome notify_drain(struct notify *n, int64_t now_ns);
/* NOTIFY_UNHEALTHY when the watchdog's time ran out. */
enum notify_outcome notify_tick(struct notify *n, int64_t now_ns);
/* The watchdog's deadline, or the next log line owed; NEVER when none. */
int64_t notify_deadline(const struct notify *n);
/* The reason line for an unhealthy generation ("watchdog: no ping ..."). */
void notify_reason(const struct notify *n, char *buf, size_t len);

#endif
