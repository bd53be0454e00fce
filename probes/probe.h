/* SPDX-License-Identifier: MIT */
/*
 * Probe specs and the code that runs one probe. A spec is parsed once at
 * start-up (pure, no I/O). probe_run() only ever runs inside a short-lived
 * forked probe process: it may block, allocate and parse peer bytes, because
 * PID 1 kills the whole process group at the probe's timeout.
 */
#ifndef PROBES_PROBE_H
#define PROBES_PROBE_H

#include <stddef.h>
#include <stdint.h>

#define PROBE_TEXT_MAX 512
#define PROBE_ARGV_MAX 32
#define PROBE_OUTPUT_MAX 4096

enum probe_kind {
	PROBE_TCP,
	PROBE_HTTP,
	PROBE_UNIX,
	PROBE_REDIS,
	PROBE_POSTGRES,
	PROBE_FILE,
	PROBE_EXEC,
};

/*
 * A parsed spec. It holds no pointers so that it can be copied by value;
 * exec words are NUL-separated in words[] at the offsets in argoff[].
 */
struct probe_spec {
	enum probe_kind kind;
	char display[PROBE_TEXT_MAX];	/* the spec with any password masked */
	char host[256];			/* tcp, http, redis, postgres */
	char port[8];			/* numeric, always filled for network kinds */
	char path[PROBE_TEXT_MAX];	/* http request path, unix/file path */
	char password[128];		/* redis AUTH, empty when none */
	int64_t max_age_ns;		/* file: 0 means existence only */
	int argc;			/* exec */
	uint16_t argoff[PROBE_ARGV_MAX];
	char words[PROBE_TEXT_MAX];
};

/*
 * Parses text into *p. Returns 0, or -EINVAL with a one-line reason in err
 * (which names the spec's problem, not the spec itself).
 */
int probe_parse(struct probe_spec *p, const char *text, char *err,
    size_t errlen);

/*
 * Runs the probe in the calling (forked) process and returns its exit code:
 * 0 when it passes, 1 when it fails. A one-line human summary ("HTTP 200 in
 * 3ms", "connect 127.0.0.1:6379: Connection refused") is written to out_fd.
 * For PROBE_EXEC it execs the command with stdout and stderr on out_fd and
 * returns only if exec fails.
 */
int probe_run(const struct probe_spec *p, int out_fd);

#endif
