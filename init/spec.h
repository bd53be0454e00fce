/* SPDX-License-Identifier: MIT */
/*
 * Probe specs: the parsed form of "tcp://db:5432", "http://web/healthz" and
 * kin. PID 1 parses every spec once at start-up (pure: no I/O, no peer
 * bytes); the forked probe process gets the result by value and never
 * parses text.
 */
#ifndef INIT_SPEC_H
#define INIT_SPEC_H

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
	char port[8];			/* numeric, filled for network kinds */
	char path[PROBE_TEXT_MAX];	/* http request path, unix/file path,
					   redis password file */
	char password[128];		/* redis AUTH, empty when none */
	char pg_user[64];		/* postgres startup user */
	char pg_db[64];			/* postgres startup database */
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

#endif
