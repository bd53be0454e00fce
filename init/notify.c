/* SPDX-License-Identifier: MIT */
/*
 * The notify socket. It is abstract (no file to own, clean up or find
 * writable) and named at random, but any process in the network namespace
 * may send to an abstract name: the kernel's SCM_CREDENTIALS pid, which the
 * sender cannot forge, decides, and only a pid whose parent chain reaches
 * the child before vigil is heard. A sender gone before we look is refused
 * too: its place in the tree can no longer be proved.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "log.h"
#include "notify.h"
#include "parse.h"

/* "KEY=" at p, of len bytes: the value's length, or -1. */
static int
notify_key(const char *p, size_t len, const char *key, const char **val,
    size_t *vlen)
{
	size_t k = strlen(key);

	if (len < k || memcmp(p, key, k) != 0)
		return -1;
	*val = p + k;
	*vlen = len - k;
	return 0;
}

static int
notify_is(const char *v, size_t vlen, const char *want)
{
	return vlen == strlen(want) && memcmp(v, want, vlen) == 0;
}

int
notify_parse(const char *buf, size_t len, struct notify_msg *m)
{
	size_t i = 0;

	memset(m, 0, sizeof(*m));
	if (len == 0 || memchr(buf, '\0', len) != NULL)
		return -EINVAL;
	while (i < len) {
		const char *p = buf + i, *nl = memchr(p, '\n', len - i), *v;
		size_t l = nl != NULL ? (size_t)(nl - p) : len - i, vlen;

		i += l + 1;
		if (l == 0)
			continue;
		if (memchr(p, '=', l) == NULL)
			return -EINVAL;
		if (notify_key(p, l, "READY=", &v, &vlen) == 0) {
			if (notify_is(v, vlen, "1")) {
				m->flags |= NOTIFY_READY;
				m->flags &= ~(unsigned)(NOTIFY_STOPPING |
				    NOTIFY_RELOADING);
			}
		} else if (notify_key(p, l, "STOPPING=", &v, &vlen) == 0) {
			if (notify_is(v, vlen, "1")) {
				m->flags |= NOTIFY_STOPPING;
				m->flags &= ~(unsigned)NOTIFY_READY;
			}
		} else if (notify_key(p, l, "RELOADING=", &v, &vlen) == 0) {
			if (notify_is(v, vlen, "1")) {
				m->flags |= NOTIFY_RELOADING;
				m->flags &= ~(unsigned)NOTIFY_READY;
			}
		} else if (notify_key(p, l, "WATCHDOG=", &v, &vlen) == 0) {
			if (notify_is(v, vlen, "1"))
				m->flags |= NOTIFY_WATCHDOG;
			else if (notify_is(v, vlen, "trigger"))
				m->flags |= NOTIFY_TRIGGER;
		} else if (notify_key(p, l, "STATUS=", &v, &vlen) == 0) {
			m->flags |= NOTIFY_STATUS;
			m->status = v;
			m->status_len = vlen;
		}
		/* MAINPID=, ERRNO=, EXTEND_TIMEOUT_USEC= and the rest: no. */
	}
	return 0;
}

int
notify_init(struct notify *n, const struct config *c, pid_t self,
    uint32_t seed)
{
	struct sockaddr_un sa;
	unsigned char rnd[8];
	socklen_t salen;
	int on = 1, i;

	n->fd = -1;
	n->self = self;
	n->watchdog_ns = c->watchdog_ns;
	n->watchdog_due_ns = NEVER;
	if (!c->notify)
		return 0;
	if (getrandom(rnd, sizeof(rnd), GRND_NONBLOCK) != (ssize_t)sizeof(rnd))
		for (i = 0; i < (int)sizeof(rnd); i++) {
			seed = seed * 1103515245u + 12345u;
			rnd[i] = (unsigned char)(seed >> 16);
		}
	snprintf(n->name, sizeof(n->name), "@vigil-notify-");
	for (i = 0; i < (int)sizeof(rnd); i++)
		snprintf(n->name + strlen(n->name), 3, "%02x", rnd[i]);
	memset(&sa, 0, sizeof(sa));
	sa.sun_family = AF_UNIX;
	/* Abstract: sun_path starts with NUL; the '@' is only the env's. */
	memcpy(sa.sun_path + 1, n->name + 1, strlen(n->name) - 1);
	salen = (socklen_t)(offsetof(struct sockaddr_un, sun_path) +
	    strlen(n->name));
	n->fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (n->fd < 0)
		return -errno;
	if (setsockopt(n->fd, SOL_SOCKET, SO_PASSCRED, &on, sizeof(on)) < 0 ||
	    bind(n->fd, (struct sockaddr *)&sa, salen) < 0) {
		int e = errno;

		close(n->fd);
		n->fd = -1;
		return -e;
	}
	return 0;
}

void
notify_child(struct notify *n, pid_t child, int64_t now_ns)
{
	n->child = child;
	n->ready = 0;
	n->said_ready = 0;
	n->status_len = 0;
	n->status[0] = '\0';
	n->why = NOTIFY_WHY_NONE;
	n->pings = 0;
	n->watchdog_due_ns = n->fd >= 0 && n->watchdog_ns > 0 && child > 0 ?
	    now_ns + n->watchdog_ns : NEVER;
}

/* /proc/PID/stat's ppid, after the last ')': the name may hold any. */
static pid_t
notify_ppid(pid_t pid)
{
	char path[32], buf[512], *p;
	ssize_t r;
	long pp;
	int fd;

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
		return -1;
	r = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (r <= 0)
		return -1;
	buf[r] = '\0';
	/* ") S PPID ...": the state, then the parent; no scanf in PID 1. */
	if ((p = strrchr(buf, ')')) == NULL || p[1] != ' ' || p[2] == '\0' ||
	    p[3] != ' ')
		return -1;
	for (p += 4, pp = 0; *p >= '0' && *p <= '9'; p++)
		if ((pp = pp * 10 + (*p - '0')) > INT_MAX)
			return -1;
	return *p == ' ' ? (pid_t)pp : -1;
}

/* 1 when pid is the child or below it, by the ppid chain. */
static int
notify_ours(const struct notify *n, pid_t pid)
{
	int depth;

	if (pid <= 0 || n->child <= 0)
		return 0;
	for (depth = 0; depth < NOTIFY_DEPTH_MAX; depth++) {
		if (pid == n->child)
			return 1;
		if (pid == n->self || pid <= 1)
			return 0;
		if ((pid = notify_ppid(pid)) < 0)
			return 0;
	}
	return 0;
}

/*
 * One line a second at most, with what was refused since the last; a
 * count left over is said by notify_tick once the second is up.
 */
static void
notify_complain(struct notify *n, int64_t now_ns, pid_t pid, const char *why)
{
	if (n->logged_ns != 0 && now_ns - n->logged_ns < NS_PER_S)
		return;
	log_begin(LOGL_WARN, "notify datagram refused");
	if (why != NULL) {
		log_str("reason", why);
		log_int("pid", pid);
	}
	log_int("refused", n->refused);
	log_int("malformed", n->dropped);
	log_end();
	n->logged_ns = now_ns;
	n->refused = 0;
	n->dropped = 0;
}

static enum notify_outcome
notify_apply(struct notify *n, const struct notify_msg *m, int64_t now_ns)
{
	enum notify_outcome o = NOTIFY_NONE;

	if (m->flags & NOTIFY_READY) {
		if (!n->ready) {
			log_begin(LOGL_INFO, "child ready");
			log_int("pid", n->child);
			log_end();
		}
		n->ready = 1;
		n->said_ready = 1;
	}
	if (m->flags & (NOTIFY_STOPPING | NOTIFY_RELOADING))
		n->ready = 0;
	if (m->flags & NOTIFY_STATUS) {
		n->status_len = m->status_len < sizeof(n->status) - 1 ?
		    m->status_len : sizeof(n->status) - 1;
		memcpy(n->status, m->status, n->status_len);
		n->status[n->status_len] = '\0';
	}
	if (n->watchdog_ns > 0 && (m->flags & NOTIFY_WATCHDOG)) {
		n->pings++;
		n->watchdog_due_ns = now_ns + n->watchdog_ns;
		n->why = NOTIFY_WHY_NONE;
	}
	if ((m->flags & NOTIFY_TRIGGER) && n->why == NOTIFY_WHY_NONE) {
		n->why = NOTIFY_WHY_TRIGGER;
		n->watchdog_due_ns = NEVER;
		log_begin(LOGL_WARN, "watchdog triggered by the child");
		log_int("pid", n->child);
		log_end();
		o = NOTIFY_UNHEALTHY;
	}
	return o;
}

enum notify_outcome
notify_drain(struct notify *n, int64_t now_ns)
{
	enum notify_outcome o = NOTIFY_NONE;
	/* One byte more than allowed, so MSG_TRUNC is not the only witness. */
	static char buf[NOTIFY_DGRAM_MAX + 1];
	int i;

	if (n->fd < 0)
		return o;
	for (i = 0; i < NOTIFY_BATCH; i++) {
		union {
			struct cmsghdr h;
			char b[CMSG_SPACE(sizeof(struct ucred)) +
			    CMSG_SPACE(16 * sizeof(int))];
		} cm;
		struct iovec iov = { buf, sizeof(buf) };
		struct msghdr mh;
		struct cmsghdr *c;
		struct ucred cr = { 0, 0, 0 };
		struct notify_msg m;
		ssize_t r;

		memset(&mh, 0, sizeof(mh));
		mh.msg_iov = &iov;
		mh.msg_iovlen = 1;
		mh.msg_control = cm.b;
		mh.msg_controllen = sizeof(cm.b);
		r = recvmsg(n->fd, &mh, MSG_DONTWAIT | MSG_CMSG_CLOEXEC |
		    MSG_TRUNC);
		if (r < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		for (c = CMSG_FIRSTHDR(&mh); c != NULL; c = CMSG_NXTHDR(&mh,
		    c)) {
			if (c->cmsg_level != SOL_SOCKET)
				continue;
			if (c->cmsg_type == SCM_CREDENTIALS &&
			    c->cmsg_len >= CMSG_LEN(sizeof(cr)))
				memcpy(&cr, CMSG_DATA(c), sizeof(cr));
			else if (c->cmsg_type == SCM_RIGHTS) {
				/* Nobody may park descriptors in PID 1. */
				size_t k, nfd = (c->cmsg_len - CMSG_LEN(0)) /
				    sizeof(int);
				int fd;

				for (k = 0; k < nfd; k++) {
					memcpy(&fd, CMSG_DATA(c) + k *
					    sizeof(int), sizeof(fd));
					close(fd);
				}
			}
		}
		if (!notify_ours(n, cr.pid)) {
			n->refused++;
			n->total_refused++;
			notify_complain(n, now_ns, cr.pid, "sender is not the "
			    "child or below it");
			continue;
		}
		if (r > NOTIFY_DGRAM_MAX || (mh.msg_flags & MSG_TRUNC) ||
		    notify_parse(buf, (size_t)r, &m) < 0) {
			n->dropped++;
			n->total_dropped++;
			notify_complain(n, now_ns, cr.pid, r > NOTIFY_DGRAM_MAX ?
			    "larger than 4 KiB" : "malformed");
			continue;
		}
		if (notify_apply(n, &m, now_ns) == NOTIFY_UNHEALTHY)
			o = NOTIFY_UNHEALTHY;
	}
	return o;
}

enum notify_outcome
notify_tick(struct notify *n, int64_t now_ns)
{
	char d[32];

	if (n->refused + n->dropped > 0 && now_ns - n->logged_ns >= NS_PER_S)
		notify_complain(n, now_ns, 0, NULL);
	if (n->watchdog_due_ns == NEVER || now_ns < n->watchdog_due_ns)
		return NOTIFY_NONE;
	n->watchdog_due_ns = NEVER;
	n->why = NOTIFY_WHY_MISSED;
	log_begin(LOGL_WARN, "watchdog missed");
	log_int("pid", n->child);
	log_str("timeout", parse_duration_fmt(n->watchdog_ns,
	    PARSE_DUR_TENTHS, d, sizeof(d)));
	log_int("pings", n->pings);
	log_end();
	return NOTIFY_UNHEALTHY;
}

int64_t
notify_deadline(const struct notify *n)
{
	int64_t d = n->watchdog_due_ns;

	if (n->refused + n->dropped > 0 && n->logged_ns + NS_PER_S < d)
		d = n->logged_ns + NS_PER_S;
	return d;
}

void
notify_reason(const struct notify *n, char *buf, size_t len)
{
	char d[32];

	if (n->why == NOTIFY_WHY_TRIGGER)
		snprintf(buf, len, "watchdog: triggered by the child");
	else if (n->why == NOTIFY_WHY_MISSED)
		snprintf(buf, len, "watchdog: no ping for %s",
		    parse_duration_fmt(n->watchdog_ns, PARSE_DUR_TENTHS, d,
		    sizeof(d)));
	else if (len > 0)
		buf[0] = '\0';
}
