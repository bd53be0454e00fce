/* SPDX-License-Identifier: MIT */
/*
 * The probe process's own header: the pure parsers of peer replies
 * (unit-tested and fuzzed on their own, without sockets), the helpers in
 * say.c and net.c, and the probe kinds. Only code that runs in the forked
 * probe process includes it: PID 1 never parses peer bytes, and the
 * Makefile's layercheck fails the build if anything in init/ includes it.
 */
#ifndef PROBES_PROBE_IMPL_H
#define PROBES_PROBE_IMPL_H

#include <stddef.h>
#include <stdint.h>

#include "probe.h"

/* The longest line probe_run() writes; callers may rely on it. */
#define PROBE_LINE_MAX 200

/* Bytes of HTTP response headers read at most. */
#define PROBE_HTTP_HEAD_MAX 4096


/*
 * Returns the status code (100..599) of an "HTTP/1.x NNN ..." status line
 * at the start of buf, or -EINVAL when the bytes are no such line.
 */
int probe_http_status(const char *buf, size_t len);

/*
 * True when buf holds the end of an HTTP header block (an empty line).
 */
int probe_http_head_done(const char *buf, size_t len);

/*
 * Judges the response head the probe read (len bytes, not terminated).
 * Returns the status code like probe_http_status(), or -EINVAL with the
 * first line (up to its end or len, made printable, shortened to fit) in
 * line.
 */
int probe_http_reply(const char *buf, size_t len, char *line,
    size_t linelen);

/*
 * Looks at the first reply line in buf. Returns 0 when it is "+" want,
 * -EAGAIN when no complete line has arrived yet, and -EPROTO for any other
 * reply, whose text (made printable, shortened) is then put in msg.
 */
int probe_redis_reply(const char *buf, size_t len, const char *want,
    char *msg, size_t msglen);

/*
 * Strips one line end ("\n" or "\r\n") from a secret read from a file,
 * buf[0..*len), and terminates it. Returns 0, -ENODATA when nothing is
 * left, or -EINVAL when a line end remains inside.
 */
int probe_secret_trim(char *buf, size_t *len);

/* How far in the future a heartbeat's mtime may be and still count. */
#define PROBE_FILE_SKEW_NS INT64_C(1000000000)
/* File ages are clamped to ten years either way. */
#define PROBE_AGE_LIMIT_S (INT64_C(10) * 366 * 86400)

struct timespec;

/*
 * now - mtime in nanoseconds: negative for a file modified in the future,
 * clamped to PROBE_AGE_LIMIT_S either way.
 */
int64_t probe_file_age_ns(const struct timespec *now,
    const struct timespec *mtime);

/* probe_pg_reply() results besides -EAGAIN and -EPROTO. */
#define PROBE_PG_UP 0
#define PROBE_PG_REJECT 1
#define PROBE_PG_READY 2

/*
 * Classifies what a PostgreSQL server sent after our StartupMessage, the
 * way pg_isready does: PROBE_PG_UP for a request for credentials or an
 * error with any SQLSTATE but 57P03, PROBE_PG_REJECT for 57P03,
 * PROBE_PG_READY when the server started a session (AuthenticationOk, then
 * everything up to ReadyForQuery), which the caller must end with
 * Terminate. -EAGAIN while the answer is incomplete, -EPROTO for bytes
 * that are no such answer (including an error without a SQLSTATE). msg
 * gets a printable summary in every case but -EAGAIN.
 */
int probe_pg_reply(const unsigned char *buf, size_t len, char *msg,
    size_t msglen);

/*
 * Writes a postgres v3 StartupMessage for user and database into buf;
 * returns its length, or 0 when it does not fit in len.
 */
size_t probe_pg_startup(unsigned char *buf, size_t len, const char *user,
    const char *db);

/*
 * Copies src into dst (always terminated), replacing bytes that would break
 * a one-line summary with '?'. At most n bytes of src are read.
 */
void probe_printable(char *dst, size_t dstlen, const char *src, size_t n);

/* ---- I/O helpers, used only inside a forked probe process ---- */

/* Writes one summary line (at most PROBE_LINE_MAX bytes) to fd. */
void probe_say(int fd, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* Milliseconds on CLOCK_MONOTONIC, for "in 3ms" reports. */
int64_t probe_now_ms(void);

/*
 * Connects a stream socket to host:port, trying every address getaddrinfo
 * returns, in order. Returns the socket, or -1 after putting a one-line
 * reason in why. On success, peer gets the address that answered.
 */
int probe_connect_host(const char *host, const char *port, char *peer,
    size_t peerlen, char *why, size_t whylen);

struct addrinfo;

/*
 * Connects to the first address in list that accepts (the list from
 * getaddrinfo). Returns the socket, or -1 with a reason in why.
 */
int probe_connect_addrs(const struct addrinfo *list, char *peer,
    size_t peerlen, char *why, size_t whylen);

/* Sends all of buf; returns 0 or -errno. */
int probe_send_all(int fd, const void *buf, size_t len);

/*
 * The probes by kind, called by probe_run(): each writes one summary line
 * and returns 0 (pass) or 1 (fail). probe_net_run covers tcp and unix.
 */
int probe_http_run(const struct probe_spec *p, int out_fd);
int probe_redis_run(const struct probe_spec *p, int out_fd);
int probe_pg_run(const struct probe_spec *p, int out_fd);
int probe_net_run(const struct probe_spec *p, int out_fd);

#endif
