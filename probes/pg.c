/* SPDX-License-Identifier: MIT */
/*
 * The postgres:// probe, judged the way pg_isready judges (an answer from
 * the server, unless it is 57P03 cannot_connect_now) but quiet in the
 * server's log. It sends a v3 StartupMessage, as pg_isready does through
 * libpq, and reads the answer:
 *  - a request for credentials proves the server up; the probe hangs up
 *    then, which the server takes silently (a client that has no password
 *    to offer is allowed to leave);
 *  - AuthenticationOk (trust) starts a session: the probe reads on to
 *    ReadyForQuery and ends it with Terminate, so that the server logs no
 *    lost connection;
 *  - an ErrorResponse is what the server itself logged, passed on.
 * The user (default "postgres", the role initdb makes in Debian and in the
 * official images) and database (default: the user's name) come from the
 * spec, so that under trust no "role does not exist" is logged either.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "probe.h"
#include "probe_impl.h"

/* Startup-phase messages are small; a longer one is not postgres. */
#define PG_MSG_MAX 8192
#define PG_PROTOCOL_3_0 0x00030000u

/* All a session start sends before its first message: a few dozen. */
#define PG_REPLY_MAX (2 * PG_MSG_MAX)

static uint32_t
be32(const unsigned char *b)
{
	return (uint32_t)b[0] << 24 | (uint32_t)b[1] << 16 |
	    (uint32_t)b[2] << 8 | b[3];
}

static void
put_be32(unsigned char *b, uint32_t v)
{
	b[0] = (unsigned char)(v >> 24);
	b[1] = (unsigned char)(v >> 16);
	b[2] = (unsigned char)(v >> 8);
	b[3] = (unsigned char)v;
}

/* Appends "key\0value\0" at *off when it fits; 0 or -ENOSPC. */
static int
put_param(unsigned char *buf, size_t len, size_t *off, const char *key,
    const char *value)
{
	size_t k = strlen(key) + 1, v = strlen(value) + 1;

	if (len - *off < k + v)
		return -ENOSPC;
	memcpy(buf + *off, key, k);
	memcpy(buf + *off + k, value, v);
	*off += k + v;
	return 0;
}

size_t
probe_pg_startup(unsigned char *buf, size_t len, const char *user,
    const char *db)
{
	size_t off = 8;

	/* Length, protocol, NUL-separated pairs, and a final NUL. */
	if (len < off + 1 || put_param(buf, len - 1, &off, "user", user) < 0 ||
	    put_param(buf, len - 1, &off, "database", db) < 0 ||
	    put_param(buf, len - 1, &off, "application_name", "vigil") < 0)
		return 0;
	buf[off++] = '\0';
	put_be32(buf, (uint32_t)off);
	put_be32(buf + 4, PG_PROTOCOL_3_0);
	return off;
}

/*
 * Walks the fields of an ErrorResponse body (type byte, C string, ...,
 * NUL) for the SQLSTATE 'C' and the message 'M'. Returns -EPROTO when a
 * field runs past the end.
 */
static int
pg_error_fields(const unsigned char *b, size_t n, const char **code,
    size_t *codelen, const char **text, size_t *textlen)
{
	const unsigned char *nul;
	size_t i = 0;
	unsigned char type;

	*code = *text = NULL;
	*codelen = *textlen = 0;
	while (i < n && b[i] != '\0') {
		type = b[i++];
		nul = memchr(b + i, '\0', n - i);
		if (nul == NULL)
			return -EPROTO;
		if (type == 'C') {
			*code = (const char *)b + i;
			*codelen = (size_t)(nul - (b + i));
		} else if (type == 'M') {
			*text = (const char *)b + i;
			*textlen = (size_t)(nul - (b + i));
		}
		i = (size_t)(nul - b) + 1;
	}
	return i < n ? 0 : -EPROTO;
}

/* Judges one ErrorResponse body the way pg_isready does. */
static int
pg_error(const unsigned char *body, size_t n, char *msg, size_t msglen)
{
	const char *code, *text;
	size_t codelen, textlen;
	char m[120], c[8];

	if (pg_error_fields(body, n, &code, &codelen, &text, &textlen) < 0) {
		snprintf(msg, msglen, "malformed error message");
		return -EPROTO;
	}
	probe_printable(m, sizeof m, text != NULL ? text : "", textlen);
	/* pg_isready counts an error without a SQLSTATE as no answer. */
	if (code == NULL || codelen != 5) {
		snprintf(msg, msglen, "error without SQLSTATE: %s", m);
		return -EPROTO;
	}
	probe_printable(c, sizeof c, code, codelen);
	if (strcmp(c, "57P03") == 0) {
		snprintf(msg, msglen, "%s %s", c, m);
		return PROBE_PG_REJECT;
	}
	snprintf(msg, msglen, "accepting connections (%s %s)", c, m);
	return PROBE_PG_UP;
}

int
probe_pg_reply(const unsigned char *buf, size_t len, char *msg,
    size_t msglen)
{
	const unsigned char *m;
	size_t off, left;
	int authed = 0;
	char t[20];
	uint32_t n;

	for (off = 0;; off += (size_t)n + 1) {
		m = buf + off;
		left = len - off;
		if (left == 0)
			return -EAGAIN;
		/*
		 * Before AuthenticationOk only R and E are answers; a
		 * session start adds ParameterStatus, BackendKeyData and
		 * NoticeResponse before ReadyForQuery.
		 */
		if (m[0] != 'R' && m[0] != 'E' && (!authed || (m[0] != 'S' &&
		    m[0] != 'K' && m[0] != 'N' && m[0] != 'Z'))) {
			probe_printable(t, 17, (const char *)m, left);
			snprintf(msg, msglen, "unexpected reply '%s'", t);
			return -EPROTO;
		}
		if (left < 5)
			return -EAGAIN;
		n = be32(m + 1);
		if (n < 4 || n > PG_MSG_MAX || (m[0] == 'R' && n < 8)) {
			snprintf(msg, msglen, "bad message length %u",
			    (unsigned)n);
			return -EPROTO;
		}
		if (left < (size_t)n + 1)
			return -EAGAIN;
		switch (m[0]) {
		case 'E':
			return pg_error(m + 5, n - 4, msg, msglen);
		case 'R':
			if (be32(m + 5) != 0) {
				snprintf(msg, msglen, "accepting connections");
				return PROBE_PG_UP;
			}
			if (authed) {
				snprintf(msg, msglen, "AuthenticationOk twice");
				return -EPROTO;
			}
			authed = 1;
			break;
		case 'Z':
			snprintf(msg, msglen, "accepting connections");
			return PROBE_PG_READY;
		}
	}
}

int
probe_pg_run(const struct probe_spec *p, int out_fd)
{
	static const unsigned char terminate[] = { 'X', 0, 0, 0, 4 };
	unsigned char start[256], buf[PG_REPLY_MAX];
	char peer[64], why[PROBE_LINE_MAX], msg[PROBE_LINE_MAX];
	size_t len = 0, n;
	ssize_t got;
	int fd, r;

	fd = probe_connect_host(p->host, p->port, peer, sizeof peer, why,
	    sizeof why);
	if (fd < 0) {
		probe_say(out_fd, "%s", why);
		return 1;
	}
	n = probe_pg_startup(start, sizeof start, p->pg_user, p->pg_db);
	if ((r = probe_send_all(fd, start, n)) < 0) {
		close(fd);
		probe_say(out_fd, "postgres: send %s: %s", peer, strerror(-r));
		return 1;
	}
	while ((r = probe_pg_reply(buf, len, msg, sizeof msg)) == -EAGAIN) {
		if (len == sizeof buf) {
			close(fd);
			probe_say(out_fd,
			    "postgres: %s: session start too long", peer);
			return 1;
		}
		got = recv(fd, buf + len, sizeof buf - len, 0);
		if (got < 0 && errno == EINTR)
			continue;
		if (got <= 0) {
			r = got < 0 ? errno : 0;
			close(fd);
			if (r != 0)
				probe_say(out_fd, "postgres: read %s: %s", peer,
				    strerror(r));
			else
				probe_say(out_fd, "postgres: %s closed the "
				    "connection%s", peer,
				    len > 0 ? " mid-message" : "");
			return 1;
		}
		len += (size_t)got;
	}
	/* A session ends with Terminate, or the server logs it as lost. */
	if (r == PROBE_PG_READY)
		probe_send_all(fd, terminate, sizeof terminate);
	close(fd);
	probe_say(out_fd, "postgres: %s", msg);
	return r == PROBE_PG_UP || r == PROBE_PG_READY ? 0 : 1;
}
