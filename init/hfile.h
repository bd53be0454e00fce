/* SPDX-License-Identifier: MIT */
/*
 * The health state file: its line-based key=value format (pure: built and
 * read here), the one reason formatter that turns a record into the line
 * `vigil status` prints, where the file lives by default, and its atomic
 * replacement through a path walked without following anyone's links.
 */
#ifndef INIT_HFILE_H
#define INIT_HFILE_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "health.h"

#define HFILE_OUTPUT_MAX 256
/* The history lines made 2 KiB too tight: five rounds of 256 bytes. */
#define HFILE_MAX 4096
#define HFILE_HISTORY 5
#define HFILE_PATH_MAX 1024

/* What the supervisor is doing, as the file names it. */
enum hfile_phase {
	HFILE_WAITING,			/* --wait before the first start */
	HFILE_RUNNING,
	HFILE_DRAINING,			/* --stop-delay: out of rotation */
	HFILE_STOPPING,
	HFILE_CLEANING,			/* child gone, leftovers ending */
	HFILE_RESTARTING,		/* under the backoff */
	HFILE_EXITED,
};

/* One health probe round, as Docker's health log keeps them. */
enum hfile_result {
	HFILE_PASS,
	HFILE_FAIL,
	HFILE_TIMEOUT,
};

struct hfile_round {
	int64_t start_ms;		/* unix ms */
	int64_t dur_ms;
	enum hfile_result result;
	int code;			/* exit status, 128+N; -1: none */
	char output[HFILE_OUTPUT_MAX + 1];	/* already escaped */
};

/* What the file holds. Times are unix seconds unless named _ms. */
struct hfile_record {
	enum health_status status;
	enum hfile_phase phase;
	int has_phase;			/* files of older writers have none */
	int64_t since;
	int64_t updated;
	int64_t stale_after;		/* 0: never stale (older writers) */
	int64_t next_start_ms;		/* restarting: when; else 0 */
	long pid;			/* 0 when no child runs */
	long restarts;
	int has_last_exit;
	int last_exit;
	long failures;
	char probe[512];
	char output[HFILE_OUTPUT_MAX + 1];	/* already escaped */
	int has_ready;			/* files of older writers have none */
	int ready;
	char ready_reason[HFILE_OUTPUT_MAX + 320];	/* when not ready */
	int nlog;			/* rounds in log, newest first */
	struct hfile_round log[HFILE_HISTORY];	/* keys log1 .. log5 */
};

/* Escapes raw probe output into one line of at most 256 bytes. */
void hfile_escape(const char *raw, size_t len, char *out, size_t outlen);
/* Serializes *r; returns the length, or -ENOSPC. */
int hfile_format(const struct hfile_record *r, char *buf, size_t len);
/* Parses a state file; -EINVAL when it is not one. */
int hfile_parse(const char *buf, size_t len, struct hfile_record *r);
/* The one line that says what is true now, e.g. "unhealthy: restarting in
 * 1.2s after exit 137 (restarts 1)". */
void hfile_reason(const struct hfile_record *r, int64_t now_ms, char *buf,
    size_t len);
const char *hfile_phase_name(enum hfile_phase p);
/*
 * Alive by the liveness rules: running or starting and not unhealthy,
 * draining, or restarting after a crash under the backoff.
 */
int hfile_alive(const struct hfile_record *r);
const char *hfile_result_name(enum hfile_result r);

/*
 * The default path for uid: /run/vigil/health for root; for anyone else
 * /run/vigil-UID/health when /run can take it (a tmpfs on /run serves
 * both), else $TMPDIR (or /tmp)/vigil-UID/health. `n` picks among the
 * candidates a reader tries in turn; -1 when there are no more.
 */
int hfile_default(uid_t uid, int n, char *buf, size_t len);

/*
 * Replaces the file at the absolute path with data: missing directories
 * are created, no link is followed unless root owns it, the last
 * directory must be closed to others, and a reader sees the old file or
 * the new one. Returns 0 or -errno (-ELOOP: a link in the way).
 */
int hfile_write(const char *path, const char *data, size_t len);
/* Removes the file (after a failed write: better missing than stale). */
int hfile_remove(const char *path);
/*
 * Opens the file for reading with the writer's rules: no foreign link on
 * the way, the directory and the file owned by one of the trusted uids and
 * writable by nobody else. Returns an fd or -errno; *why names a refusal.
 */
int hfile_open_trusted(const char *path, const uid_t *trusted, int ntrusted,
    const char **why);

#endif
