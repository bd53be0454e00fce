/* SPDX-License-Identifier: MIT */
/*
 * The http:// probe: one HTTP/1.0 GET, passing on a 2xx or 3xx status.
 * Redirects are not followed and the body is never read; at most
 * PROBE_HTTP_HEAD_MAX bytes of the response head are. The head is peer
 * bytes, unterminated: the parsers are pure and bounded by its length, so
 * that they can be tested and fuzzed on bytes alone.
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

static int
is_digit(char c)
{
	return c >= '0' && c <= '9';
}

int
probe_http_status(const char *buf, size_t len)
{
	/* "HTTP/1.x NNN", then the reason phrase or the line's end. */
	if (len < 12 || memcmp(buf, "HTTP/1.", 7) != 0 || !is_digit(buf[7]) ||
	    buf[8] != ' ')
		return -EINVAL;
	if (buf[9] < '1' || buf[9] > '5' || !is_digit(buf[10]) ||
	    !is_digit(buf[11]))
		return -EINVAL;
	if (len > 12 && buf[12] != ' ' && buf[12] != '\r' && buf[12] != '\n')
		return -EINVAL;
	return (buf[9] - '0') * 100 + (buf[10] - '0') * 10 + (buf[11] - '0');
}

int
probe_http_head_done(const char *buf, size_t len)
{
	return memmem(buf, len, "\r\n\r\n", 4) != NULL ||
	    memmem(buf, len, "\n\n", 2) != NULL;
}

int
probe_http_reply(const char *buf, size_t len, char *line, size_t linelen)
{
	const char *eol = memchr(buf, '\n', len);
	size_t n = eol != NULL ? (size_t)(eol - buf) : len;
	int code = probe_http_status(buf, len);

	if (code >= 0)
		return code;
	if (n > 0 && buf[n - 1] == '\r')
		n--;
	probe_printable(line, linelen, buf, n);
	return -EINVAL;
}

int
probe_http_run(const struct probe_spec *p, int out_fd)
{
	char req[PROBE_TEXT_MAX + 512], head[PROBE_HTTP_HEAD_MAX];
	char peer[64], why[PROBE_LINE_MAX], line[48];
	int64_t t0 = probe_now_ms();
	int fd, n, r, v6, code;
	size_t len = 0;
	ssize_t got;

	fd = probe_connect_host(p->host, p->port, peer, sizeof peer, why,
	    sizeof why);
	if (fd < 0) {
		probe_say(out_fd, "%s", why);
		return 1;
	}
	/* Virtual hosts (and Django's ALLOWED_HOSTS) look at Host. */
	v6 = strchr(p->host, ':') != NULL;
	n = snprintf(req, sizeof req, "GET %s HTTP/1.0\r\nHost: %s%s%s%s%s\r\n"
	    "User-Agent: vigil/" VIGIL_VERSION "\r\nAccept: */*\r\n"
	    "Connection: close\r\n\r\n",
	    p->path, v6 ? "[" : "", p->host, v6 ? "]" : "",
	    strcmp(p->port, "80") != 0 ? ":" : "",
	    strcmp(p->port, "80") != 0 ? p->port : "");
	if (n < 0 || (size_t)n >= sizeof req) {
		close(fd);
		probe_say(out_fd, "HTTP: request too long");
		return 1;
	}
	if ((r = probe_send_all(fd, req, (size_t)n)) < 0) {
		close(fd);
		probe_say(out_fd, "send %s: %s", peer, strerror(-r));
		return 1;
	}
	while (len < sizeof head && !probe_http_head_done(head, len)) {
		got = recv(fd, head + len, sizeof head - len, 0);
		if (got < 0 && errno == EINTR)
			continue;
		if (got < 0) {
			r = errno;
			close(fd);
			probe_say(out_fd, "read %s: %s", peer, strerror(r));
			return 1;
		}
		if (got == 0)
			break;
		len += (size_t)got;
	}
	close(fd);
	if (len == 0) {
		probe_say(out_fd, "HTTP: %s closed without a response", peer);
		return 1;
	}
	code = probe_http_reply(head, len, line, sizeof line);
	if (code < 0) {
		probe_say(out_fd, "HTTP: bad status line '%s' from %s", line,
		    peer);
		return 1;
	}
	probe_say(out_fd, "HTTP %d in %" PRId64 "ms", code,
	    probe_now_ms() - t0);
	return code >= 200 && code <= 399 ? 0 : 1;
}
