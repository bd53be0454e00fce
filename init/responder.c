/* SPDX-License-Identifier: MIT */
/*
 * The metrics endpoint. PID 1's side only accepts, forks and keeps count;
 * everything that touches a request runs in the forked responder, after
 * it dropped every privilege, with a bounded buffer and a deadline of its
 * own under the one PID 1 enforces.
 */
#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <grp.h>
#include <seccomp.h>
#include <sys/capability.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "priv.h"
#include "responder.h"
#include "sys.h"

/* The responder's own bound on reading a request and writing its answer. */
#define RESPONDER_IO_MS 3000
/* The exposition; in the responder's BSS, never touched by PID 1. */
#define RESPONDER_OUT_MAX 65536

int
responder_open(struct responder *r, uint32_t ip, int port)
{
	struct sockaddr_in sa;
	int fd, one = 1, i;

	r->fd = -1;
	for (i = 0; i < RESPONDER_MAX; i++)
		r->pid[i] = 0;
	if (port == 0)
		return 0;
	fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0)
		return -errno;
	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	sa.sin_port = htons((uint16_t)port);
	sa.sin_addr.s_addr = ip;
	/* A restarted container must not wait out TIME_WAIT to bind. */
	(void)setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 ||
	    listen(fd, 64) < 0) {
		int e = errno;

		close(fd);
		return -e;
	}
	r->fd = fd;
	return 0;
}

int
responder_pollfd(const struct responder *r, struct pollfd *pfd)
{
	if (r->fd < 0)
		return 0;
	pfd->fd = r->fd;
	pfd->events = POLLIN;
	pfd->revents = 0;
	return 1;
}

static int
resp_ieq(const char *a, const char *b, size_t n)
{
	return strncasecmp(a, b, n) == 0;
}

int
responder_request(const char *buf, size_t len, int *format)
{
	const char *p = buf, *end = buf + len, *eol, *sp;
	size_t head;

	*format = METRICS_TEXT;
	for (head = 0; head + 1 < len; head++)
		if (buf[head] == '\n' && (buf[head + 1] == '\n' ||
		    (buf[head + 1] == '\r' && head + 2 < len &&
		    buf[head + 2] == '\n')))
			break;
	if (head + 1 >= len)
		return len >= RESPONDER_REQ_MAX ? 400 : 0;
	end = buf + head + 1;
	if ((eol = memchr(p, '\n', (size_t)(end - p))) == NULL)
		return 400;
	if ((sp = memchr(p, ' ', (size_t)(eol - p))) == NULL)
		return 400;
	if (!((sp - p == 3 && memcmp(p, "GET", 3) == 0)))
		return 405;
	p = sp + 1;
	if ((size_t)(eol - p) < 9 || memcmp(p, "/metrics", 8) != 0 ||
	    (p[8] != ' ' && p[8] != '?'))
		return 404;
	/* Headers: only Accept matters. */
	for (p = eol + 1; p < end; p = eol + 1) {
		const char *v;

		if ((eol = memchr(p, '\n', (size_t)(end - p))) == NULL)
			break;
		if ((size_t)(eol - p) < 7 || !resp_ieq(p, "accept:", 7))
			continue;
		for (v = p + 7; v + 28 <= eol; v++)
			if (resp_ieq(v, "application/openmetrics-text", 28))
				*format = METRICS_OPENMETRICS;
	}
	return 200;
}

/*
 * Exactly the probes' drop: nobody (65534) without groups, no capability in
 * any set, no_new_privs, and the one allowlist in priv_sandbox.c; anything
 * else kills the responder.
 */
static int
resp_drop(const char **stage)
{
	return priv_sandbox_apply(NULL, stage);
}

/* Figures of PID 1, read before the drop closes /proc to us. */
static void
resp_proc(pid_t vigil, struct metrics_proc *mp)
{
	char path[64], buf[4096], *p;
	struct dirent *d;
	ssize_t n;
	DIR *dir;
	int fd;

	mp->rss_bytes = -1;
	mp->open_fds = -1;
	snprintf(path, sizeof(path), "/proc/%d/status", (int)vigil);
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) >= 0) {
		n = read(fd, buf, sizeof(buf) - 1);
		close(fd);
		if (n > 0) {
			buf[n] = '\0';
			if ((p = strstr(buf, "\nVmRSS:")) != NULL) {
				long long kb = 0;

				for (p += 7; *p == ' ' || *p == '\t'; p++)
					;
				for (; *p >= '0' && *p <= '9'; p++)
					kb = kb * 10 + (*p - '0');
				mp->rss_bytes = kb * 1024;
			}
		}
	}
	snprintf(path, sizeof(path), "/proc/%d/fd", (int)vigil);
	if ((dir = opendir(path)) != NULL) {
		mp->open_fds = 0;
		while ((d = readdir(dir)) != NULL)
			if (d->d_name[0] != '.')
				mp->open_fds++;
		closedir(dir);
	}
}

static int
resp_left_ms(const struct timespec *t0)
{
	struct timespec t;
	long ms;

	clock_gettime(CLOCK_MONOTONIC, &t);
	ms = (t.tv_sec - t0->tv_sec) * 1000 +
	    (t.tv_nsec - t0->tv_nsec) / 1000000;
	return ms >= RESPONDER_IO_MS ? 0 : (int)(RESPONDER_IO_MS - ms);
}

static int
resp_send(int fd, const char *p, size_t len, const struct timespec *t0)
{
	struct pollfd pfd = { fd, POLLOUT, 0 };
	ssize_t n;
	int left;

	while (len > 0) {
		n = send(fd, p, len, MSG_NOSIGNAL);
		if (n > 0) {
			p += n;
			len -= (size_t)n;
			continue;
		}
		if (n < 0 && errno != EAGAIN && errno != EINTR)
			return -1;
		if ((left = resp_left_ms(t0)) == 0 || poll(&pfd, 1, left) <= 0)
			return -1;
	}
	return 0;
}

static void __attribute__((noreturn))
resp_child(int cfd, const struct metrics_src *src, pid_t vigil)
{
	static char out[RESPONDER_OUT_MAX];
	static const char *const reasons[] = {
		[0] = "Bad Request", [1] = "Not Found",
		[2] = "Method Not Allowed",
	};
	char req[RESPONDER_REQ_MAX], head[256];
	struct pollfd pfd = { cfd, POLLIN, 0 };
	struct metrics_proc mp;
	const char *stage = "drop";
	struct timespec t0;
	size_t len = 0;
	int code = 0, format = METRICS_TEXT, body = -1, hl, left;
	ssize_t n;

	prctl(PR_SET_PDEATHSIG, SIGKILL);
	if (getppid() != vigil)
		_exit(1);
	setpgid(0, 0);
	sys_title_set("vigil metrics");
	resp_proc(vigil, &mp);
	if (resp_drop(&stage) < 0)
		_exit(1);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	while (code == 0) {
		n = read(cfd, req + len, sizeof(req) - len);
		if (n > 0) {
			len += (size_t)n;
			code = responder_request(req, len, &format);
			continue;
		}
		if (n == 0 || (errno != EAGAIN && errno != EINTR))
			_exit(1);
		if ((left = resp_left_ms(&t0)) == 0 || poll(&pfd, 1, left) <= 0)
			_exit(1);
	}
	if (code == 200 && (body = metrics_format(src, &mp, format, out,
	    sizeof(out))) < 0)
		code = 500;
	if (code == 200)
		hl = snprintf(head, sizeof(head), "HTTP/1.1 200 OK\r\n"
		    "Content-Type: %s\r\nContent-Length: %d\r\n"
		    "Connection: close\r\n\r\n", metrics_content_type(format),
		    body);
	else
		hl = snprintf(head, sizeof(head), "HTTP/1.1 %d %s\r\n"
		    "Content-Length: 0\r\nConnection: close\r\n\r\n", code,
		    code == 404 ? reasons[1] : code == 405 ? reasons[2] :
		    code == 500 ? "Internal Server Error" : reasons[0]);
	if (resp_send(cfd, head, (size_t)hl, &t0) == 0 && body > 0)
		(void)resp_send(cfd, out, (size_t)body, &t0);
	shutdown(cfd, SHUT_WR);
	_exit(0);
}

static int
resp_slot(const struct responder *r, pid_t pid)
{
	int i;

	for (i = 0; i < RESPONDER_MAX; i++)
		if (r->pid[i] == pid)
			return i;
	return -1;
}

void
responder_accept(struct responder *r, const struct metrics_src *src,
    int64_t now_ns)
{
	pid_t vigil = getpid(), pid;
	int i, cfd, slot;

	for (i = 0; i < RESPONDER_ACCEPT_BATCH; i++) {
		cfd = accept4(r->fd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);
		if (cfd < 0)
			return;
		/* Busy: closed unread, the client may try again. */
		if ((slot = resp_slot(r, 0)) < 0 || (pid = fork()) < 0) {
			r->refused++;
			close(cfd);
			continue;
		}
		if (pid == 0) {
			close(r->fd);
			resp_child(cfd, src, vigil);
		}
		/* Both sides set the group: no window for a kill to miss. */
		setpgid(pid, pid);
		close(cfd);
		r->pid[slot] = pid;
		r->deadline_ns[slot] = now_ns + RESPONDER_DEADLINE_NS;
		r->served++;
	}
}

int
responder_owns(const struct responder *r, pid_t pid)
{
	return pid > 0 && resp_slot(r, pid) >= 0;
}

void
responder_reaped(struct responder *r, pid_t pid)
{
	int i = resp_slot(r, pid);

	if (i >= 0)
		r->pid[i] = 0;
}

void
responder_tick(struct responder *r, int64_t now_ns)
{
	int i;

	/* The pid stays reserved until the reap, so the group is ours. */
	for (i = 0; i < RESPONDER_MAX; i++)
		if (r->pid[i] > 0 && now_ns >= r->deadline_ns[i]) {
			kill(-r->pid[i], SIGKILL);
			kill(r->pid[i], SIGKILL);
			r->deadline_ns[i] = NEVER;
		}
}

int64_t
responder_deadline(const struct responder *r)
{
	int64_t d = NEVER;
	int i;

	for (i = 0; i < RESPONDER_MAX; i++)
		if (r->pid[i] > 0 && r->deadline_ns[i] < d)
			d = r->deadline_ns[i];
	return d;
}
