/* SPDX-License-Identifier: MIT */
/*
 * The state file: its format, the reason line, and the path walk of the
 * writer and the reader (links, owners and modes) in a temporary directory.
 */
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "hfile.h"
#include "parse.h"

START_TEST(format_round_trip)
{
	struct hfile_record r, back;
	char buf[HFILE_MAX];
	int len;

	memset(&r, 0, sizeof(r));
	r.status = HEALTH_UNHEALTHY;
	r.since = 1764400000;
	r.updated = 1764400012;
	r.stale_after = 1764400037;
	r.pid = 7;
	r.restarts = 2;
	r.has_last_exit = 1;
	r.last_exit = 137;
	r.failures = 3;
	strcpy(r.probe, "redis://:***@127.0.0.1:6379");
	strcpy(r.output, "redis: -LOADING Redis is loading");
	len = hfile_format(&r, buf, sizeof(buf));
	ck_assert_int_gt(len, 0);
	ck_assert_ptr_nonnull(strstr(buf, "status=unhealthy\nsince="));
	ck_assert_ptr_nonnull(strstr(buf, "\nlast_exit=137\n"));
	ck_assert_int_eq(hfile_parse(buf, (size_t)len, &back), 0);
	ck_assert_int_eq(back.status, r.status);
	ck_assert_int_eq(back.since, r.since);
	ck_assert_int_eq(back.updated, r.updated);
	ck_assert_int_eq(back.stale_after, r.stale_after);
	ck_assert_int_eq(back.pid, 7);
	ck_assert_int_eq(back.restarts, 2);
	ck_assert_int_eq(back.has_last_exit, 1);
	ck_assert_int_eq(back.last_exit, 137);
	ck_assert_int_eq(back.failures, 3);
	ck_assert_str_eq(back.probe, r.probe);
	ck_assert_str_eq(back.output, r.output);

	/* Empty optional fields stay empty. */
	r.stale_after = 0;
	r.has_last_exit = 0;
	len = hfile_format(&r, buf, sizeof(buf));
	ck_assert_ptr_nonnull(strstr(buf, "\nstale_after=\n"));
	ck_assert_ptr_nonnull(strstr(buf, "\nlast_exit=\n"));
	ck_assert_int_eq(hfile_parse(buf, (size_t)len, &back), 0);
	ck_assert_int_eq(back.stale_after, 0);
	ck_assert_int_eq(back.has_last_exit, 0);
}
END_TEST

START_TEST(parse_rejects)
{
	struct hfile_record r;
	static const char *bad[] = {
		"",
		"status=healthy\n",		/* no updated */
		"updated=5\n",			/* no status */
		"status=fine\nupdated=5\n",
		"status=healthy\nupdated=x\n",
		"status=healthy\nupdated=5",	/* torn: no final newline */
		"status=healthy\nupdated=5\ngarbage\n",
	};
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		ck_assert_msg(hfile_parse(bad[i], strlen(bad[i]), &r) ==
		    -EINVAL, "accepted case %zu", i);
	ck_assert_int_eq(hfile_parse("status=healthy\nupdated=5\nnew=1\n",
	    31, &r), 0);
}
END_TEST

START_TEST(escape_one_line)
{
	char out[HFILE_OUTPUT_MAX + 1], raw[1000];

	hfile_escape("a\nb\tc\\d\x01\n\n", 10, out, sizeof(out));
	ck_assert_str_eq(out, "a\\nb\\tc\\\\d\\x01");
	memset(raw, 'x', sizeof(raw));
	hfile_escape(raw, sizeof(raw), out, sizeof(out));
	ck_assert_uint_eq(strlen(out), HFILE_OUTPUT_MAX);
	/* An escape is never cut in half at the limit. */
	memset(raw, '\n', sizeof(raw));
	raw[0] = 'x';
	raw[999] = 'y';
	hfile_escape(raw, sizeof(raw), out, sizeof(out));
	ck_assert_uint_eq(strlen(out) % 2, 1);
	ck_assert(out[strlen(out) - 1] == 'n');
}
END_TEST

static void
reason_of(struct hfile_record *r, int64_t now_ms, char *buf)
{
	hfile_reason(r, now_ms, buf, 256);
}

START_TEST(reason_says_what_is_true)
{
	struct hfile_record r;
	char buf[256];

	memset(&r, 0, sizeof(r));
	r.has_phase = 1;
	r.status = HEALTH_UNHEALTHY;
	r.phase = HFILE_RESTARTING;
	r.has_last_exit = 1;
	r.last_exit = 137;
	r.restarts = 1;
	r.next_start_ms = 10000 + 1200;
	reason_of(&r, 10000, buf);
	ck_assert_str_eq(buf, "unhealthy: restarting in 1.2s after exit 137 "
	    "(restarts 1)");
	reason_of(&r, 12000, buf);
	ck_assert_str_eq(buf, "unhealthy: restarting now after exit 137 "
	    "(restarts 1)");

	/* Healthy with failures behind it says both. */
	r.phase = HFILE_RUNNING;
	r.status = HEALTH_HEALTHY;
	r.pid = 7;
	r.failures = 2;
	strcpy(r.probe, "file:///tmp/hb?max-age=10s");
	strcpy(r.output, "file /tmp/hb: modified 19s ago");
	reason_of(&r, 0, buf);
	ck_assert_str_eq(buf, "healthy; last 2 probes failed: file /tmp/hb: "
	    "modified 19s ago (pid 7, restarts 1)");
	r.status = HEALTH_UNHEALTHY;
	r.failures = 3;
	reason_of(&r, 0, buf);
	ck_assert_str_eq(buf, "unhealthy: file /tmp/hb: modified 19s ago "
	    "(pid 7, restarts 1, failures 3)");
	r.failures = 0;
	r.status = HEALTH_HEALTHY;
	strcpy(r.output, "HTTP 200 in 3ms");
	reason_of(&r, 0, buf);
	ck_assert_str_eq(buf, "healthy: HTTP 200 in 3ms (pid 7, restarts 1)");
	r.probe[0] = '\0';
	reason_of(&r, 0, buf);
	ck_assert_str_eq(buf, "healthy: child running (pid 7, restarts 1)");
	r.phase = HFILE_STOPPING;
	r.status = HEALTH_UNHEALTHY;
	strcpy(r.probe, "file:///tmp/hb?max-age=10s");
	strcpy(r.output, "file /tmp/hb: modified 19s ago");
	reason_of(&r, 0, buf);
	ck_assert_str_eq(buf, "unhealthy: file /tmp/hb: modified 19s ago; "
	    "stopping the child to restart it (pid 7, restarts 1)");
	r.phase = HFILE_EXITED;
	r.status = HEALTH_STOPPING;
	reason_of(&r, 0, buf);
	ck_assert_str_eq(buf, "stopping: exited after exit 137 (restarts 1)");
}
END_TEST

START_TEST(defaults)
{
	char p[256];

	ck_assert_int_gt(hfile_default(0, 0, p, sizeof(p)), 0);
	ck_assert_str_eq(p, "/run/vigil/health");
	ck_assert_int_lt(hfile_default(0, 1, p, sizeof(p)), 0);
	setenv("TMPDIR", "/var/tmp", 1);
	ck_assert_int_gt(hfile_default(1000, 0, p, sizeof(p)), 0);
	ck_assert_str_eq(p, "/run/vigil-1000/health");
	ck_assert_int_gt(hfile_default(1000, 1, p, sizeof(p)), 0);
	ck_assert_str_eq(p, "/var/tmp/vigil-1000/health");
	ck_assert_int_gt(hfile_default(1000, 2, p, sizeof(p)), 0);
	ck_assert_str_eq(p, "/tmp/vigil-1000/health");
	ck_assert_int_lt(hfile_default(1000, 3, p, sizeof(p)), 0);
	unsetenv("TMPDIR");
}
END_TEST

static char tdir[64];

static void
tdir_make(void)
{
	snprintf(tdir, sizeof(tdir), "/tmp/vigil-unit.XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(tdir));
}

static void
tdir_remove(void)
{
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tdir);
	ck_assert_int_eq(system(cmd), 0);
}

START_TEST(write_walks_without_links)
{
	char path[256], victim[256], link[256];
	struct stat st;

	tdir_make();
	snprintf(path, sizeof(path), "%s/a/b/health", tdir);
	ck_assert_int_eq(hfile_write(path, "x\n", 2), 0);
	ck_assert_int_eq(stat(path, &st), 0);
	ck_assert_int_eq(st.st_mode & 0777, 0644);
	/* A link in the middle of the path, owned by us (not root) when
	 * the test is not root: refused; made by root, it is root's own
	 * and so trusted. Either way nothing lands in the victim without
	 * the link being root's. */
	snprintf(victim, sizeof(victim), "%s/victim", tdir);
	ck_assert_int_eq(mkdir(victim, 0755), 0);
	snprintf(link, sizeof(link), "%s/x", tdir);
	ck_assert_int_eq(mkdir(link, 0755), 0);
	snprintf(link, sizeof(link), "%s/x/y", tdir);
	ck_assert_int_eq(symlink(victim, link), 0);
	if (geteuid() == 0)
		ck_assert_int_eq(lchown(link, 1, 1), 0);
	snprintf(path, sizeof(path), "%s/x/y/z/health", tdir);
	ck_assert_int_eq(hfile_write(path, "x\n", 2), -ELOOP);
	snprintf(path, sizeof(path), "%s/victim/z", tdir);
	ck_assert_int_eq(stat(path, &st), -1);
	/* Relative paths and dot-dot are refused. */
	ck_assert_int_eq(hfile_write("rel/health", "x\n", 2), -EINVAL);
	snprintf(path, sizeof(path), "%s/a/../health", tdir);
	ck_assert_int_eq(hfile_write(path, "x\n", 2), -EINVAL);
	/* A directory others may write into is refused. */
	snprintf(path, sizeof(path), "%s/open", tdir);
	ck_assert_int_eq(mkdir(path, 0777), 0);
	ck_assert_int_eq(chmod(path, 0777), 0);
	snprintf(path, sizeof(path), "%s/open/health", tdir);
	ck_assert_int_eq(hfile_write(path, "x\n", 2), -EPERM);
	tdir_remove();
}
END_TEST

START_TEST(reader_checks_owner_and_mode)
{
	uid_t self = geteuid(), other = 4242;
	const char *why;
	char path[256], dir[256];
	int fd;

	tdir_make();
	snprintf(path, sizeof(path), "%s/d/health", tdir);
	ck_assert_int_eq(hfile_write(path, "x\n", 2), 0);
	fd = hfile_open_trusted(path, &self, 1, &why);
	ck_assert_int_ge(fd, 0);
	close(fd);
	/* Group-writable file: refused, and says why. */
	ck_assert_int_eq(chmod(path, 0664), 0);
	ck_assert_int_eq(hfile_open_trusted(path, &self, 1, &why), -EPERM);
	ck_assert_ptr_nonnull(why);
	ck_assert_int_eq(chmod(path, 0644), 0);
	/* Owned by a uid we do not trust: refused. */
	ck_assert_int_eq(hfile_open_trusted(path, &other, 1, &why), -EPERM);
	ck_assert_ptr_nonnull(strstr(why, "another user"));
	/* The file swapped for a link: refused. */
	snprintf(dir, sizeof(dir), "%s/d/real", tdir);
	ck_assert_int_eq(rename(path, dir), 0);
	ck_assert_int_eq(symlink(dir, path), 0);
	ck_assert_int_eq(hfile_open_trusted(path, &self, 1, &why), -ELOOP);
	tdir_remove();
}
END_TEST

START_TEST(alive_and_ready)
{
	static const struct {
		enum hfile_phase phase;
		enum health_status status;
		int alive;
	} rows[] = {
		{ HFILE_WAITING, HEALTH_STARTING, 1 },
		{ HFILE_RUNNING, HEALTH_STARTING, 1 },
		{ HFILE_RUNNING, HEALTH_HEALTHY, 1 },
		{ HFILE_RUNNING, HEALTH_UNHEALTHY, 0 },
		{ HFILE_DRAINING, HEALTH_STOPPING, 1 },
		{ HFILE_STOPPING, HEALTH_UNHEALTHY, 0 },
		{ HFILE_STOPPING, HEALTH_STOPPING, 0 },
		{ HFILE_CLEANING, HEALTH_UNHEALTHY, 1 },
		{ HFILE_CLEANING, HEALTH_STOPPING, 0 },
		{ HFILE_RESTARTING, HEALTH_UNHEALTHY, 1 },
		{ HFILE_EXITED, HEALTH_STOPPING, 0 },
	};
	struct hfile_record r, back;
	char buf[HFILE_MAX];
	size_t i;
	int len;

	memset(&r, 0, sizeof(r));
	for (i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		r.phase = rows[i].phase;
		r.status = rows[i].status;
		ck_assert_msg(hfile_alive(&r) == rows[i].alive, "row %zu", i);
	}
	/* ready and its reason round-trip; a reason only when not ready. */
	r.has_ready = 1;
	r.ready = 0;
	strcpy(r.ready_reason, "http://127.0.0.1:8000/ready: HTTP 503 in 2ms");
	len = hfile_format(&r, buf, sizeof(buf));
	ck_assert_int_gt(len, 0);
	ck_assert_int_eq(hfile_parse(buf, (size_t)len, &back), 0);
	ck_assert_int_eq(back.has_ready, 1);
	ck_assert_int_eq(back.ready, 0);
	ck_assert_str_eq(back.ready_reason, r.ready_reason);
	r.ready = 1;
	len = hfile_format(&r, buf, sizeof(buf));
	ck_assert_ptr_nonnull(strstr(buf, "\nready=yes\nready_reason=\n"));
	ck_assert_int_eq(hfile_parse("status=healthy\nupdated=5\nready=maybe\n",
	    38, &back), -EINVAL);
}
END_TEST

Suite *suite_hfile(void);

Suite *
suite_hfile(void)
{
	Suite *s = suite_create("hfile");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, format_round_trip);
	tcase_add_test(tc, parse_rejects);
	tcase_add_test(tc, escape_one_line);
	tcase_add_test(tc, reason_says_what_is_true);
	tcase_add_test(tc, defaults);
	tcase_add_test(tc, write_walks_without_links);
	tcase_add_test(tc, reader_checks_owner_and_mode);
	tcase_add_test(tc, alive_and_ready);
	suite_add_tcase(s, tc);
	return s;
}
