/* SPDX-License-Identifier: MIT */
/*
 * The redis:// probe: optional AUTH, then PING, passing only on "+PONG".
 * redis-cli exits 0 on -LOADING and -NOAUTH; this probe fails on them and
 * reports the server's error line instead. Commands go out as RESP arrays
 * so that a password may hold any byte. A password from a file is read
 * here, in the probe process, on every run: a rotated secret is picked up
 * and PID 1 never holds it.
 */
#include <errno.h>
#include <fcntl.h>
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
probe_secret_trim(char *buf, size_t *len)
{
	if (*len > 0 && buf[*len - 1] == '\n')
		(*len)--;
	if (*len > 0 && buf[*len - 1] == '\r')
		(*len)--;
	buf[*len] = '\0';
	if (*len == 0)
		return -ENODATA;
	return memchr(buf, '\n', *len) != NULL ? -EINVAL : 0;
}

/*
 * Reads the password file into pw (size pwsize, twice what a password
 * may hold, so that a file that fills it is too long whatever its line
 * end); returns the password's length, at most max, or -1 after saying
 * why.
 */
static ssize_t
redis_password_file(const char *path, char *pw, size_t pwsize, size_t max,
    int out_fd)
{
	const char *why = NULL;
	size_t len = 0;
	ssize_t got;
	int fd, e = 0;

	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	if (fd < 0) {
		probe_say(out_fd, "redis: password-file %s: %s", path,
		    strerror(errno));
		return -1;
	}
	while (len < pwsize - 1 &&
	    (got = read(fd, pw + len, pwsize - 1 - len)) != 0) {
		if (got < 0 && errno == EINTR)
			continue;
		if (got < 0) {
			e = errno;
			break;
		}
		len += (size_t)got;
	}
	close(fd);
	if (e != 0)
		why = strerror(e);
	else if (len == pwsize - 1)
		why = "too long";
	else if ((e = probe_secret_trim(pw, &len)) == -ENODATA)
		why = "empty";
	else if (e == -EINVAL)
		why = "more than one line";
	else if (len > max)
		why = "too long";
	if (why == NULL)
		return (ssize_t)len;
	explicit_bzero(pw, pwsize);
	if (strcmp(why, "too long") == 0)
		probe_say(out_fd, "redis: password-file %s: too long (max %zu "
		    "bytes)", path, max);
	else
		probe_say(out_fd, "redis: password-file %s: %s", path, why);
	return -1;
}

int
probe_redis_run(const struct probe_spec *p, int out_fd)
{
	static const char ping[] = "*1\r\n$4\r\nPING\r\n";
	char cmd[sizeof p->password + 64], peer[64], why[PROBE_LINE_MAX];
	char pw[2 * sizeof p->password];
	int64_t t0 = probe_now_ms();
	size_t pwlen = strlen(p->password);
	ssize_t flen;
	int fd, n, r;

	memcpy(pw, p->password, pwlen + 1);
	if (p->path[0] != '\0') {
		flen = redis_password_file(p->path, pw, sizeof pw,
		    sizeof p->password - 1, out_fd);
		if (flen < 0)
			return 1;
		pwlen = (size_t)flen;
	}
	fd = probe_connect_host(p->host, p->port, peer, sizeof peer, why,
	    sizeof why);
	if (fd < 0) {
		explicit_bzero(pw, sizeof pw);
		probe_say(out_fd, "%s", why);
		return 1;
	}
	if (pwlen > 0) {
		n = snprintf(cmd, sizeof cmd, "*2\r\n$4\r\nAUTH\r\n$%zu\r\n",
		    pwlen);
		memcpy(cmd + n, pw, pwlen);
		memcpy(cmd + n + pwlen, "\r\n", 2);
		r = redis_call(fd, cmd, (size_t)n + pwlen + 2, "OK", peer,
		    out_fd);
		explicit_bzero(cmd, sizeof cmd);
		explicit_bzero(pw, sizeof pw);
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
