/* SPDX-License-Identifier: MIT */
/*
 * Pure parsers for the command line and environment: durations, signals,
 * rewrite pairs, stop ladders and small integers. No I/O, no allocation;
 * each returns 0 or -EINVAL and leaves its output untouched on error.
 */
#ifndef INIT_PARSE_H
#define INIT_PARSE_H

#include <stddef.h>
#include <stdint.h>

#define NS_PER_MS INT64_C(1000000)
#define NS_PER_S INT64_C(1000000000)
/* A deadline that never comes. */
#define NEVER INT64_MAX

/* The kernel's, Docker's and bash's SIGRTMIN, not libc's (musl says 35). */
#define PARSE_SIGRTMIN 34
#define PARSE_SIGMAX 64

#define PARSE_STEPS_MAX 8

struct stop_step {
	int sig;
	int64_t wait_ns;
};

/*
 * The longest duration accepted: ten years. Deadlines add at most a few
 * durations to CLOCK_MONOTONIC, so with this bound they never overflow.
 */
#define PARSE_DURATION_MAX (87600 * 3600 * NS_PER_S)

/* "250ms", "10s", "2m", "1h", "1m30s"; a bare number only when it is 0. */
int parse_duration(const char *s, int64_t *out_ns);
/* "TERM", "SIGTERM", "sigterm", "15", "RTMIN+3", "SIGRTMAX-1". */
int parse_signal(const char *s, int *out);
/* "S:R" with names or numbers; R = 0 means drop S. */
int parse_rewrite(const char *s, int *from, int *to);
/* "TERM:50s,QUIT:8s"; at most PARSE_STEPS_MAX steps. */
int parse_stop_sequence(const char *s, struct stop_step *steps, int *nsteps);
/* A decimal integer in [min, max]. */
int parse_int(const char *s, long min, long max, long *out);
/* "1", "true", "yes", "on" / "0", "false", "no", "off", "". */
int parse_bool(const char *s, int *out);

/* Writes "TERM", "RTMIN+3" or the number into buf; returns buf. */
const char *parse_signal_name(int sig, char *buf, size_t len);
/* Formats a duration the way it is accepted: "1m30s", "250ms", "0s". */
/*
 * The one duration formatter. EXACT reads back through parse_duration
 * ("1m30s", "1s500ms"); WHOLE drops what is below a second ("12s"); TENTHS
 * keeps a tenth under ten seconds ("1.2s"). Below a second all say "250ms".
 */
enum parse_dur_style {
	PARSE_DUR_WHOLE,
	PARSE_DUR_EXACT,
	PARSE_DUR_TENTHS,
};
const char *parse_duration_fmt(int64_t ns, enum parse_dur_style style,
    char *buf, size_t len);

/*
 * ADDR:PORT for --metrics: ":PORT" (every address) or "A.B.C.D:PORT".
 * *ip is in network order. 0, or -EINVAL with a reason in err.
 */
int parse_listen_addr(const char *s, uint32_t *ip, int *port, char *err,
    size_t errlen);

/*
 * The one argument reader of the subcommands: "--name VALUE" or
 * "--name=VALUE" at argv[*i]. 1 with *v (*i then on the last word used),
 * 0 when argv[*i] is another argument, -1 when VALUE is missing.
 */
int parse_subopt(int argc, char **argv, int *i, const char *name,
    const char **v);

#endif
