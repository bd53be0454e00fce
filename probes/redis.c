/* SPDX-License-Identifier: MIT */
/*
 * The redis:// probe: optional AUTH, then PING, passing only on "+PONG".
 * redis-cli exits 0 on -LOADING and -NOAUTH; this probe fails on them and
 * reports the server's error line instead. Commands go out as RESP arrays
 * so that a password may hold any byte.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "probe.h"
#include "probe_impl.h"

/* Enough for any status or error line a healthy server sends. */
#define REDIS_REPLY_MAX 512

int
probe_redis_reply(const char *buf, size_t len, const char *want, char *msg,
    size_t msglen)
{
	const char *eol = memchr(buf, '\n', len);
	size_t n, w = strlen(want);

	if (eol == NULL)
		return -EAGAIN;
	n = (size_t)(eol - buf);
	if (n > 0 && buf[n - 1] == '\r')
		n--;
	if (n == w + 1 && buf[0] == '+' && memcmp(buf + 1, want, w) == 0)
		return 0;
	if (n == 0)
		snprintf(msg, msglen, "empty reply line");
	else
		probe_printable(msg, msglen, buf, n);
	return -EPROTO;
}

/* Sends one command and checks its reply; 0 or 1 after saying why. */
static int
redis_call(int fd, const char *cmd, size_t cmdlen, const char *want,
    const char *peer, int out_fd)
{
	char buf[REDIS_REPLY_MAX], msg[160];
	size_t len = 0;
	ssize_t got;
	int r;

	if ((r = probe_send_all(fd, cmd, cmdlen)) < 0) {
		probe_say(out_fd, "redis: send %s: %s", peer, strerror(-r));
		return 1;
	}
	for (;;) {
		r = probe_redis_reply(buf, len, want, msg, sizeof msg);
		if (r == 0)
			return 0;
		if (r != -EAGAIN) {
			probe_say(out_fd, "redis: %s", msg);
			return 1;
		}
		if (len == sizeof buf) {
			probe_say(out_fd, "redis: reply line too long");
			return 1;
		}
		got = recv(fd, buf + len, sizeof buf - len, 0);
		if (got < 0 && errno == EINTR)
			continue;
		if (got < 0) {
			probe_say(out_fd, "redis: read %s: %s", peer,
			    strerror(errno));
			return 1;
		}
		if (got == 0 && len == 0) {
			probe_say(out_fd, "redis: %s closed the connection",
			    peer);
			return 1;
		}
		if (got == 0) {
			probe_printable(msg, sizeof msg, buf, len);
			probe_say(out_fd, "redis: %s closed after '%s'", peer,
			    msg);
			return 1;
		}
		len += (size_t)got;
	}
}

int
probe_redis_run(const struct probe_spec *p, int out_fd)
{
	static const char ping[] = "*1\r\n$4\r\nPING\r\n";
	char cmd[sizeof p->password + 64], peer[64], why[PROBE_LINE_MAX];
	int64_t t0 = probe_now_ms();
	size_t pwlen = strlen(p->password);
	int fd, n, r;

	fd = probe_connect_host(p->host, p->port, peer, sizeof peer, why,
	    sizeof why);
	if (fd < 0) {
		probe_say(out_fd, "%s", why);
		return 1;
	}
	if (pwlen > 0) {
		n = snprintf(cmd, sizeof cmd, "*2\r\n$4\r\nAUTH\r\n$%zu\r\n",
		    pwlen);
		memcpy(cmd + n, p->password, pwlen);
		memcpy(cmd + n + pwlen, "\r\n", 2);
		r = redis_call(fd, cmd, (size_t)n + pwlen + 2, "OK", peer,
		    out_fd);
		explicit_bzero(cmd, sizeof cmd);
		if (r != 0) {
			close(fd);
			return 1;
		}
	}
	r = redis_call(fd, ping, sizeof ping - 1, "PONG", peer, out_fd);
	close(fd);
	if (r == 0)
		probe_say(out_fd, "PONG in %" PRId64 "ms", probe_now_ms() - t0);
	return r;
}
