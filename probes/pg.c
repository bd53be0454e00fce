/* SPDX-License-Identifier: MIT */
/*
 * The postgres:// probe, judged the way pg_isready judges: send a v3
 * StartupMessage, read the first message back. An authentication request
 * or any error but 57P03 (cannot_connect_now) means the server is up; no
 * credentials are needed and the session is never completed.
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

static const char pg_params[] = "user\0vigil\0database\0vigil\0"
    "application_name\0vigil\0";

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

size_t
probe_pg_startup(unsigned char *buf, size_t len)
{
	/* Length, protocol, NUL-separated pairs, and a final NUL. */
	size_t n = 8 + sizeof pg_params;

	if (len < n)
		return 0;
	put_be32(buf, (uint32_t)n);
	put_be32(buf + 4, PG_PROTOCOL_3_0);
	memcpy(buf + 8, pg_params, sizeof pg_params);
	return n;
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

int
probe_pg_reply(const unsigned char *buf, size_t len, char *msg,
    size_t msglen)
{
	const char *code, *text;
	size_t codelen, textlen;
	char m[120], c[8];
	uint32_t n;

	if (len == 0)
		return -EAGAIN;
	if (buf[0] != 'R' && buf[0] != 'E') {
		probe_printable(m, 17, (const char *)buf, len);
		snprintf(msg, msglen, "unexpected reply '%s'", m);
		return -EPROTO;
	}
	if (len < 5)
		return -EAGAIN;
	n = be32(buf + 1);
	if (n < 4 || n > PG_MSG_MAX || (buf[0] == 'R' && n < 8)) {
		snprintf(msg, msglen, "bad message length %u", (unsigned)n);
		return -EPROTO;
	}
	if (len < (size_t)n + 1)
		return -EAGAIN;
	if (buf[0] == 'R') {
		snprintf(msg, msglen, "accepting connections");
		return PROBE_PG_UP;
	}
	if (pg_error_fields(buf + 5, n - 4, &code, &codelen, &text,
	    &textlen) < 0) {
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
probe_pg_run(const struct probe_spec *p, int out_fd)
{
	/* PG_MSG_MAX + 1 holds the largest message probe_pg_reply takes. */
	unsigned char start[64], buf[PG_MSG_MAX + 1];
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
	n = probe_pg_startup(start, sizeof start);
	if ((r = probe_send_all(fd, start, n)) < 0) {
		close(fd);
		probe_say(out_fd, "postgres: send %s: %s", peer, strerror(-r));
		return 1;
	}
	while ((r = probe_pg_reply(buf, len, msg, sizeof msg)) == -EAGAIN) {
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
	close(fd);
	probe_say(out_fd, "postgres: %s", msg);
	return r == PROBE_PG_UP ? 0 : 1;
}
