/* SPDX-License-Identifier: MIT */
/*
 * Stream connections for the network probes, and the tcp:// and unix://
 * probes themselves. A name may resolve to several addresses (musl can put
 * ::1 before 127.0.0.1), so every address is tried, in order, until one
 * accepts. All sockets are close-on-exec and write with MSG_NOSIGNAL.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <inttypes.h>
#include <netdb.h>
#include <netinet/in.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "probe.h"
#include "probe_impl.h"

/* "127.0.0.1:80" or "[::1]:80", for reports. */
static void
format_addr(const struct sockaddr *sa, char *buf, size_t len)
{
	const struct sockaddr_in6 *s6 = (const void *)sa;
	const struct sockaddr_in *s4 = (const void *)sa;
	char ip[INET6_ADDRSTRLEN];

	if (sa->sa_family == AF_INET6) {
		inet_ntop(AF_INET6, &s6->sin6_addr, ip, sizeof ip);
		snprintf(buf, len, "[%s]:%u", ip,
		    (unsigned)ntohs(s6->sin6_port));
	} else {
		inet_ntop(AF_INET, &s4->sin_addr, ip, sizeof ip);
		snprintf(buf, len, "%s:%u", ip,
		    (unsigned)ntohs(s4->sin_port));
	}
}

int
probe_connect_addrs(const struct addrinfo *list, char *peer, size_t peerlen,
    char *why, size_t whylen)
{
	char addr[INET6_ADDRSTRLEN + 10] = "";
	const struct addrinfo *ai;
	int fd, err = 0, tried = 0;

	for (ai = list; ai != NULL; ai = ai->ai_next) {
		if (ai->ai_family != AF_INET && ai->ai_family != AF_INET6)
			continue;
		tried++;
		format_addr(ai->ai_addr, addr, sizeof addr);
		fd = socket(ai->ai_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
		if (fd < 0) {
			err = errno;
			continue;
		}
		if (connect(fd, ai->ai_addr, ai->ai_addrlen) == 0) {
			snprintf(peer, peerlen, "%s", addr);
			return fd;
		}
		err = errno;
		close(fd);
	}
	if (tried == 0)
		snprintf(why, whylen, "no IPv4 or IPv6 address");
	else if (tried == 1)
		snprintf(why, whylen, "connect %s: %s", addr, strerror(err));
	else
		snprintf(why, whylen, "connect %s: %s (%d addresses tried)",
		    addr, strerror(err), tried);
	return -1;
}

int
probe_connect_host(const char *host, const char *port, char *peer,
    size_t peerlen, char *why, size_t whylen)
{
	struct addrinfo hints, *res;
	int fd, r;

	memset(&hints, 0, sizeof hints);
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	/*
	 * No AI_ADDRCONFIG: in a container with only a loopback interface it
	 * can hide the very addresses the probe is meant to reach.
	 */
	hints.ai_flags = AI_NUMERICSERV;
	r = getaddrinfo(host, port, &hints, &res);
	if (r != 0) {
		snprintf(why, whylen, "resolve %s: %s", host,
		    r == EAI_SYSTEM ? strerror(errno) : gai_strerror(r));
		return -1;
	}
	fd = probe_connect_addrs(res, peer, peerlen, why, whylen);
	freeaddrinfo(res);
	if (fd < 0 && strncmp(why, "connect ", 8) != 0)
		snprintf(why, whylen, "resolve %s: no IPv4 or IPv6 address",
		    host);
	return fd;
}

int
probe_send_all(int fd, const void *buf, size_t len)
{
	const char *b = buf;
	ssize_t n;

	while (len > 0) {
		n = send(fd, b, len, MSG_NOSIGNAL);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		b += n;
		len -= (size_t)n;
	}
	return 0;
}

static int
connect_unix(const char *path, int out_fd)
{
	struct sockaddr_un sun;
	size_t n = strlen(path);
	int fd, e;

	/* The parser already refuses paths that do not fit. */
	if (n >= sizeof sun.sun_path) {
		probe_say(out_fd, "connect %s: %s", path,
		    strerror(ENAMETOOLONG));
		return -1;
	}
	memset(&sun, 0, sizeof sun);
	sun.sun_family = AF_UNIX;
	memcpy(sun.sun_path, path, n);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		probe_say(out_fd, "socket: %s", strerror(errno));
		return -1;
	}
	if (connect(fd, (struct sockaddr *)&sun, sizeof sun) < 0) {
		e = errno;
		close(fd);
		/* The sandbox's identity may not reach it: say which to use. */
		if (e == EACCES || e == EPERM)
			probe_say(out_fd, "connect %s: %s (probes run "
			    "sandboxed as --probe-user, default 65534: give "
			    "it access, or set --probe-user)", path,
			    strerror(e));
		else
			probe_say(out_fd, "connect %s: %s", path, strerror(e));
		return -1;
	}
	return fd;
}

int
probe_net_run(const struct probe_spec *p, int out_fd)
{
	char peer[INET6_ADDRSTRLEN + 10], why[PROBE_LINE_MAX];
	int64_t t0 = probe_now_ms();
	int fd;

	if (p->kind == PROBE_UNIX) {
		if ((fd = connect_unix(p->path, out_fd)) < 0)
			return 1;
	} else {
		fd = probe_connect_host(p->host, p->port, peer, sizeof peer,
		    why, sizeof why);
		if (fd < 0) {
			probe_say(out_fd, "%s", why);
			return 1;
		}
	}
	close(fd);
	probe_say(out_fd, "connected to %s in %" PRId64 "ms",
	    p->kind == PROBE_UNIX ? p->path : peer, probe_now_ms() - t0);
	return 0;
}
