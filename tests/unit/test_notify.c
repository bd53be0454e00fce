/* SPDX-License-Identifier: MIT */
/*
 * The notify protocol: the pure parser, then the socket end to end in this
 * process (which plays the child: its own pid is the one accepted), the
 * watchdog on a fake clock, and what the health record makes of it.
 */
#include <check.h>
#include <errno.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include "hfile.h"
#include "notify.h"
#include "parse.h"
#include "report.h"

static int
parse(const char *s, struct notify_msg *m)
{
	return notify_parse(s, strlen(s), m);
}

START_TEST(parse_keys)
{
	struct notify_msg m;

	ck_assert_int_eq(parse("READY=1", &m), 0);
	ck_assert_uint_eq(m.flags, NOTIFY_READY);
	ck_assert_int_eq(parse("READY=1\nSTATUS=up and serving\n", &m), 0);
	ck_assert_uint_eq(m.flags, NOTIFY_READY | NOTIFY_STATUS);
	ck_assert_uint_eq(m.status_len, 14);
	ck_assert_int_eq(memcmp(m.status, "up and serving", 14), 0);
	ck_assert_int_eq(parse("WATCHDOG=1", &m), 0);
	ck_assert_uint_eq(m.flags, NOTIFY_WATCHDOG);
	ck_assert_int_eq(parse("WATCHDOG=trigger", &m), 0);
	ck_assert_uint_eq(m.flags, NOTIFY_TRIGGER);
	ck_assert_int_eq(parse("STOPPING=1", &m), 0);
	ck_assert_uint_eq(m.flags, NOTIFY_STOPPING);
	/* The later word wins within one datagram, as systemd reads it. */
	ck_assert_int_eq(parse("RELOADING=1\nREADY=1", &m), 0);
	ck_assert_uint_eq(m.flags, NOTIFY_READY);
	ck_assert_int_eq(parse("READY=1\nRELOADING=1", &m), 0);
	ck_assert_uint_eq(m.flags, NOTIFY_RELOADING);
	ck_assert_int_eq(parse("STATUS=a\nSTATUS=", &m), 0);
	ck_assert_uint_eq(m.status_len, 0);
	ck_assert_uint_eq(m.flags, NOTIFY_STATUS);
}
END_TEST

START_TEST(parse_ignores)
{
	struct notify_msg m;

	ck_assert_int_eq(parse("MAINPID=42\nERRNO=2\nEXTEND_TIMEOUT_USEC=1\n"
	    "X_CUSTOM=1\nFDSTORE=1", &m), 0);
	ck_assert_uint_eq(m.flags, 0);
	/* Only "1" counts: READY=yes or WATCHDOG=2 say nothing. */
	ck_assert_int_eq(parse("READY=yes\nWATCHDOG=2\nREADY=10", &m), 0);
	ck_assert_uint_eq(m.flags, 0);
	/* A key must match whole: READYX=1 or ready=1 are other keys. */
	ck_assert_int_eq(parse("READYX=1\nready=1\n READY=1", &m), 0);
	ck_assert_uint_eq(m.flags, 0);
	/* Blank lines are nothing. */
	ck_assert_int_eq(parse("\n\nREADY=1\n\n", &m), 0);
	ck_assert_uint_eq(m.flags, NOTIFY_READY);
}
END_TEST

START_TEST(parse_rejects)
{
	struct notify_msg m;

	ck_assert_int_eq(notify_parse("", 0, &m), -EINVAL);
	ck_assert_int_eq(parse("READY=1\nnonsense", &m), -EINVAL);
	ck_assert_int_eq(notify_parse("READY=1\0X=1", 11, &m), -EINVAL);
	ck_assert_int_eq(parse("\n", &m), 0);
}
END_TEST

/* A socket of our own, with this process as the child. */
static void
setup_socket(struct notify *n, struct config *c, pid_t child)
{
	memset(c, 0, sizeof(*c));
	memset(n, 0, sizeof(*n));
	c->notify = 1;
	c->watchdog_ns = 2 * NS_PER_S;
	ck_assert_int_eq(notify_init(n, c, getppid(), 7), 0);
	ck_assert_int_ge(n->fd, 0);
	ck_assert_int_eq(n->name[0], '@');
	notify_child(n, child, 0);
}

static void
say(const struct notify *n, const char *buf, size_t len)
{
	struct sockaddr_un sa;
	socklen_t salen;
	int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);

	ck_assert_int_ge(fd, 0);
	memset(&sa, 0, sizeof(sa));
	sa.sun_family = AF_UNIX;
	memcpy(sa.sun_path + 1, n->name + 1, strlen(n->name) - 1);
	salen = (socklen_t)(offsetof(struct sockaddr_un, sun_path) +
	    strlen(n->name));
	ck_assert_int_eq(sendto(fd, buf, len, 0, (struct sockaddr *)&sa,
	    salen), (ssize_t)len);
	close(fd);
}

START_TEST(socket_ready_status_watchdog)
{
	static char big[NOTIFY_DGRAM_MAX + 1];
	struct config c;
	struct notify n;

	setup_socket(&n, &c, getpid());
	ck_assert_int_eq(n.watchdog_due_ns, 2 * NS_PER_S);
	ck_assert_int_eq(notify_drain(&n, 0), NOTIFY_NONE);
	ck_assert_int_eq(n.ready, 0);
	say(&n, "READY=1\nSTATUS=warming up", 25);
	ck_assert_int_eq(notify_drain(&n, 0), NOTIFY_NONE);
	ck_assert_int_eq(n.ready, 1);
	ck_assert_str_eq(n.status, "warming up");
	/* Over 4 KiB, or malformed: dropped whole, counted. */
	memset(big, 'A', sizeof(big));
	memcpy(big, "STATUS=", 7);
	say(&n, big, sizeof(big));
	say(&n, "garbage", 7);
	ck_assert_int_eq(notify_drain(&n, 0), NOTIFY_NONE);
	ck_assert_int_eq(n.total_dropped, 2);
	ck_assert_str_eq(n.status, "warming up");
	/* Exactly 4 KiB is fine. */
	say(&n, big, NOTIFY_DGRAM_MAX);
	ck_assert_int_eq(notify_drain(&n, 0), NOTIFY_NONE);
	ck_assert_uint_eq(n.status_len, NOTIFY_STATUS_MAX - 1);
	/* The watchdog: a ping moves the deadline; silence trips it once. */
	say(&n, "WATCHDOG=1", 10);
	ck_assert_int_eq(notify_drain(&n, NS_PER_S), NOTIFY_NONE);
	ck_assert_int_eq(notify_deadline(&n) >= 3 * NS_PER_S, 1);
	ck_assert_int_eq(notify_tick(&n, 3 * NS_PER_S - 1), NOTIFY_NONE);
	ck_assert_int_eq(notify_tick(&n, 3 * NS_PER_S), NOTIFY_UNHEALTHY);
	ck_assert_int_eq(n.why, NOTIFY_WHY_MISSED);
	ck_assert_int_eq(notify_tick(&n, 9 * NS_PER_S), NOTIFY_NONE);
	/* STOPPING=1: not ready. A new generation: nothing carried over. */
	say(&n, "STOPPING=1", 10);
	notify_drain(&n, 4 * NS_PER_S);
	ck_assert_int_eq(n.ready, 0);
	say(&n, "READY=1", 7);
	notify_drain(&n, 4 * NS_PER_S);
	ck_assert_int_eq(n.ready, 1);
	notify_child(&n, getpid(), 5 * NS_PER_S);
	ck_assert_int_eq(n.ready, 0);
	ck_assert_int_eq(n.why, NOTIFY_WHY_NONE);
	ck_assert_str_eq(n.status, "");
	ck_assert_int_eq(notify_deadline(&n), 7 * NS_PER_S);
	say(&n, "WATCHDOG=trigger", 16);
	ck_assert_int_eq(notify_drain(&n, 5 * NS_PER_S), NOTIFY_UNHEALTHY);
	ck_assert_int_eq(n.why, NOTIFY_WHY_TRIGGER);
	close(n.fd);
}
END_TEST

START_TEST(socket_refuses_strangers)
{
	struct config c;
	struct notify n;
	pid_t other = fork();

	ck_assert_int_ge(other, 0);
	if (other == 0) {
		pause();
		_exit(0);
	}
	/* The child is someone else: we are not below it. */
	setup_socket(&n, &c, other);
	say(&n, "READY=1", 7);
	ck_assert_int_eq(notify_drain(&n, 0), NOTIFY_NONE);
	ck_assert_int_eq(n.ready, 0);
	ck_assert_int_eq(n.total_refused, 1);
	kill(other, SIGKILL);
	waitpid(other, NULL, 0);
	close(n.fd);
}
END_TEST

START_TEST(record_shows_notify)
{
	struct hfile_record r, back;
	struct notify n;
	struct sup s;
	char buf[HFILE_MAX], line[256];
	int len;

	memset(&n, 0, sizeof(n));
	memset(&s, 0, sizeof(s));
	memset(&r, 0, sizeof(r));
	/* Without --notify: the record as derived. */
	n.fd = -1;
	r.has_ready = 1;
	r.ready = 1;
	report_notify(&n, &s, &r);
	ck_assert_int_eq(r.ready, 1);
	/* Healthy is not enough with --notify: READY=1 is owed. */
	n.fd = 3;
	s.phase = SUP_RUN;
	s.child = 9;
	report_notify(&n, &s, &r);
	ck_assert_int_eq(r.ready, 0);
	ck_assert_str_eq(r.ready_reason, "no READY=1 from the child yet");
	r.ready = 1;
	n.ready = 1;
	strcpy(n.status, "42 jobs\ttoday");
	n.status_len = strlen(n.status);
	report_notify(&n, &s, &r);
	ck_assert_int_eq(r.ready, 1);
	ck_assert_str_eq(r.output, "42 jobs\\ttoday");
	ck_assert_str_eq(r.probe, "notify");
	r.pid = 9;
	r.phase = HFILE_RUNNING;
	r.status = HEALTH_HEALTHY;
	r.has_phase = 1;
	len = hfile_format(&r, buf, sizeof(buf));
	ck_assert_int_gt(len, 0);
	ck_assert_ptr_nonnull(strstr(buf, "\nready=yes\n"));
	ck_assert_int_eq(hfile_parse(buf, (size_t)len, &back), 0);
	ck_assert_int_eq(back.has_ready, 1);
	ck_assert_int_eq(back.ready, 1);
	hfile_reason(&back, 0, line, sizeof(line));
	ck_assert_str_eq(line, "healthy: 42 jobs\\ttoday (pid 9, restarts 0)");
	/* A missed watchdog: unhealthy, said as a probe failure would be. */
	memset(&r, 0, sizeof(r));
	r.ready = 1;
	n.why = NOTIFY_WHY_MISSED;
	n.watchdog_ns = 30 * NS_PER_S;
	report_notify(&n, &s, &r);
	ck_assert_int_eq(r.status, HEALTH_UNHEALTHY);
	ck_assert_int_eq(r.ready, 0);
	ck_assert_str_eq(r.probe, "watchdog");
	ck_assert_int_eq(r.failures, 1);
	r.pid = 9;
	r.phase = HFILE_RUNNING;
	hfile_reason(&r, 0, line, sizeof(line));
	ck_assert_str_eq(line, "unhealthy: watchdog: no ping for 30s (pid 9, "
	    "restarts 0, failures 1)");
	/* STOPPING=1 after READY=1: said so. */
	memset(&r, 0, sizeof(r));
	r.ready = 1;
	n.why = NOTIFY_WHY_NONE;
	n.ready = 0;
	n.said_ready = 1;
	report_notify(&n, &s, &r);
	ck_assert_str_eq(r.ready_reason, "no READY=1 from the child since its "
	    "STOPPING=1 or RELOADING=1");
	ck_assert_int_eq(hfile_parse("status=healthy\nupdated=1\nready=maybe\n",
	    38, &back), -EINVAL);
}
END_TEST

Suite *suite_notify(void);

Suite *
suite_notify(void)
{
	Suite *s = suite_create("notify");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, parse_keys);
	tcase_add_test(tc, parse_ignores);
	tcase_add_test(tc, parse_rejects);
	tcase_add_test(tc, socket_ready_status_watchdog);
	tcase_add_test(tc, socket_refuses_strangers);
	tcase_add_test(tc, record_shows_notify);
	suite_add_tcase(s, tc);
	return s;
}
