/* SPDX-License-Identifier: MIT */
/*
 * The report: the health record derived, in one place, from the state the
 * supervisor and the probers own, and written whenever it differs from
 * what was last written (less the time stamps) or the heartbeat is due.
 * There is no flag to forget. A write that fails removes the old file, so
 * no reader is ever left with a record vigil could not keep true.
 */
#ifndef INIT_REPORT_H
#define INIT_REPORT_H

#include <stddef.h>
#include <stdint.h>

#include "hfile.h"
#include "notify.h"
#include "prober.h"
#include "sup.h"

/* The file is rewritten at least this often; stale three beats later. */
#define REPORT_HEARTBEAT_NS (10 * NS_PER_S)

struct report {
	char path[HFILE_PATH_MAX];
	int64_t wall_offset_ms;		/* wall ms = mono ms + offset */
	int64_t span_s;			/* stale_after = updated + span */
	size_t key_len;
	int written;
	int64_t written_ns;
	int has_status;
	enum health_status status;
	int64_t since;
	int failing;
	int64_t retry_ns;
	int64_t retry_step_ns;
	long write_errors;
	long transitions[HEALTH_STOPPING + 1];	/* by the status changed to */
	const struct notify *notify;	/* --notify: ready=, STATUS=, watchdog */
	char key[HFILE_MAX];		/* last written, stamps zeroed */
};

/* path: --state-file, or "" for the default place of our uid. */
void report_init(struct report *r, const char *path, const struct config *c,
    int64_t now_ns);
/*
 * Pure: the record as it stands (no time stamps; since is the caller's).
 * wall_offset_ms converts monotonic deadlines into unix milliseconds.
 */
void report_derive(const struct sup *s, const struct prober *health,
    const struct prober *wait, const struct prober *ready,
    int64_t wall_offset_ms, struct hfile_record *out);
/*
 * Pure: what --notify adds to a derived record: ready= also waits for
 * READY=1, the watchdog's verdict, STATUS= as the output while no probe
 * has any.
 */
void report_notify(const struct notify *n, const struct sup *s,
    struct hfile_record *out);
/* Derives, and writes when due. */
void report_update(struct report *r, const struct sup *s,
    const struct prober *health, const struct prober *wait,
    const struct prober *ready, int64_t now_ns);
/* The next heartbeat or retry. */
int64_t report_deadline(const struct report *r);

#endif
