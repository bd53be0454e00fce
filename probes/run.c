/* SPDX-License-Identifier: MIT */
/*
 * probe_run(): picks the probe for a parsed spec and runs it inside the
 * forked probe process. Also owns the probes that need no socket (file age,
 * exec). The process is killed at its timeout, so nothing here keeps its
 * own clock.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "parse.h"
#include "probe.h"
#include "probe_impl.h"
#include "spawn.h"

int64_t
probe_file_age_ns(const struct timespec *now, const struct timespec *mtime)
{
	int64_t sec = (int64_t)now->tv_sec - (int64_t)mtime->tv_sec;
	int64_t ns = (int64_t)now->tv_nsec - (int64_t)mtime->tv_nsec;

	/* Ten years either way is as good as forever, and cannot overflow. */
	if (sec > PROBE_AGE_LIMIT_S)
		return PROBE_AGE_LIMIT_S * 1000000000;
	if (sec < -PROBE_AGE_LIMIT_S)
		return -PROBE_AGE_LIMIT_S * 1000000000;
	return sec * 1000000000 + ns;
}

static int
run_file(const struct probe_spec *p, int out_fd)
{
	char age[32], max[32];
	struct timespec now;
	struct stat st;
	int64_t ns;

	if (stat(p->path, &st) < 0) {
		probe_say(out_fd, "file %s: %s", p->path, strerror(errno));
		return 1;
	}
	if (p->max_age_ns == 0) {
		probe_say(out_fd, "file %s: exists", p->path);
		return 0;
	}
	clock_gettime(CLOCK_REALTIME, &now);
	ns = probe_file_age_ns(&now, &st.st_mtim);
	/*
	 * A heartbeat from the future would pass for as long as the clocks
	 * disagree, however dead its writer: beyond a little skew (a
	 * coarse file system clock, a writer in another clock domain) it
	 * fails.
	 */
	if (ns < -PROBE_FILE_SKEW_NS) {
		parse_duration_fmt(-ns, PARSE_DUR_WHOLE, age, sizeof age);
		probe_say(out_fd, "file %s: modified %s in the future",
		    p->path, age);
		return 1;
	}
	parse_duration_fmt(ns, PARSE_DUR_WHOLE, age, sizeof age);
	if (ns > p->max_age_ns) {
		parse_duration_fmt(p->max_age_ns, PARSE_DUR_EXACT, max, sizeof max);
		probe_say(out_fd, "file %s: modified %s ago (max-age %s)",
		    p->path, age, max);
		return 1;
	}
	probe_say(out_fd, "file %s: modified %s ago", p->path, age);
	return 0;
}

/*
 * Puts out_fd on stdout and stderr and execs the command; returns only when
 * exec fails, with the shell's codes: 127 not found, 126 anything else.
 */
static int
run_exec(const struct probe_spec *p, int out_fd)
{
	char words[sizeof p->words];
	char *argv[PROBE_ARGV_MAX + 1];
	int i, e, fl;

	if (p->argc < 1) {
		probe_say(out_fd, "exec: empty command");
		return 126;
	}
	memcpy(words, p->words, sizeof words);
	for (i = 0; i < p->argc && i < PROBE_ARGV_MAX; i++)
		argv[i] = words + p->argoff[i];
	argv[i] = NULL;
	for (i = 1; i <= 2; i++) {
		if (out_fd != i) {
			if (dup2(out_fd, i) < 0) {
				e = errno;
				probe_say(out_fd, "exec %s: dup2: %s", argv[0],
				    strerror(e));
				return 126;
			}
		} else if ((fl = fcntl(i, F_GETFD)) >= 0) {
			/* dup2 onto itself would keep close-on-exec set. */
			fcntl(i, F_SETFD, fl & ~FD_CLOEXEC);
		}
	}
	e = spawn_execvp(argv);
	probe_say(out_fd, "exec %s: %s", argv[0], strerror(e));
	return e == ENOENT ? 127 : 126;
}

int
probe_run(const struct probe_spec *p, int out_fd)
{
	switch (p->kind) {
	case PROBE_TCP:
	case PROBE_UNIX:
		return probe_net_run(p, out_fd);
	case PROBE_HTTP:
		return probe_http_run(p, out_fd);
	case PROBE_REDIS:
		return probe_redis_run(p, out_fd);
	case PROBE_POSTGRES:
		return probe_pg_run(p, out_fd);
	case PROBE_FILE:
		return run_file(p, out_fd);
	case PROBE_EXEC:
		return run_exec(p, out_fd);
	}
	probe_say(out_fd, "unknown probe kind %d", (int)p->kind);
	return 1;
}
