/* SPDX-License-Identifier: MIT */
/*
 * fork + exec of the child. Everything after fork runs in the child and
 * ends in exec or _exit: never exit(), which would run PID 1's atexit
 * handlers and flush its stdio buffers a second time.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "spawn.h"
#include "sys.h"

extern char **environ;

/* In the forked child only: the exit code for a failure before exec. */
static int spawn_code;

int
spawn_execvp(char *const argv[])
{
	const char *path = getenv("PATH"), *p, *end;
	size_t nlen = strlen(argv[0]);
	int denied = 0;
	char buf[4096];

	if (strchr(argv[0], '/') != NULL) {
		execve(argv[0], argv, environ);
		return errno;
	}
	if (path == NULL || *path == '\0')
		path = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:"
		       "/sbin:/bin";
	for (p = path;; p = end + 1) {
		size_t dlen;

		end = strchrnul(p, ':');
		dlen = (size_t)(end - p);
		if (dlen + nlen + 2 <= sizeof(buf)) {
			memcpy(buf, p, dlen);
			buf[dlen] = '/';
			memcpy(buf + dlen + 1, argv[0], nlen + 1);
			/* An empty entry means the working directory. */
			execve(dlen > 0 ? buf : buf + 1, argv, environ);
			if (errno == EACCES)
				denied = 1;
			else if (errno != ENOENT && errno != ENOTDIR)
				return errno;
		}
		if (*end == '\0')
			break;
	}
	return denied ? EACCES : ENOENT;
}

void
spawn_fail(int errfd, int err, const char *stage)
{
	struct spawn_error e;
	ssize_t w;

	memset(&e, 0, sizeof(e));
	e.err = err;
	snprintf(e.stage, sizeof(e.stage), "%s", stage);
	/* A pipe write this small is atomic; nothing to retry but EINTR. */
	do
		w = write(errfd, &e, sizeof(e));
	while (w < 0 && errno == EINTR);
	/* The shell's convention, which tini and Docker follow. */
	_exit(spawn_code != 0 ? spawn_code : err == ENOENT ? 127 : 126);
}

/*
 * systemd's names for the notify socket and the watchdog; WATCHDOG_PID is
 * the child itself, so a library in a grandchild does not ping for it.
 */
static void
spawn_notify_env(const struct spawn_opts *o)
{
	char num[24];

	if (o->notify_socket == NULL)
		return;
	setenv("NOTIFY_SOCKET", o->notify_socket, 1);
	if (o->watchdog_usec > 0) {
		snprintf(num, sizeof(num), "%lld", (long long)o->watchdog_usec);
		setenv("WATCHDOG_USEC", num, 1);
		snprintf(num, sizeof(num), "%d", (int)getpid());
		setenv("WATCHDOG_PID", num, 1);
	} else {
		unsetenv("WATCHDOG_USEC");
		unsetenv("WATCHDOG_PID");
	}
}

static void
spawn_in_child(char **argv, const struct priv *pv,
    const struct spawn_opts *o, int errfd)
{
	const char *stage = "priv";
	int rc;

	spawn_code = o->fail_code;
	/*
	 * A session of its own (dumb-init's way), taking the terminal as
	 * its controlling one; or our own process group, which keeps -g
	 * signalling and terminal job control away from vigil, with the
	 * terminal's foreground so Ctrl-C reaches the workload under
	 * `docker run -it`. SIGTTOU is still blocked here, which is what lets
	 * a background group call tcsetpgrp().
	 */
	if (o->setsid) {
		if (setsid() < 0)
			spawn_fail(errfd, errno, "setsid");
		if (isatty(STDIN_FILENO))
			ioctl(STDIN_FILENO, TIOCSCTTY, 0);
	} else {
		if (setpgid(0, 0) < 0)
			spawn_fail(errfd, errno, "setpgid");
		if (isatty(STDIN_FILENO))
			tcsetpgrp(STDIN_FILENO, getpgrp());
	}
	if (o->cwdfd >= 0 && fchdir(o->cwdfd) < 0)
		spawn_fail(errfd, errno, "chdir");
	/*
	 * Unblock before the privilege drop so that seccomp, loaded last by
	 * priv_apply(), is truly the final step before exec.
	 */
	sys_signals_unblock(o->keep_signals);
	priv_env_clean();
	spawn_notify_env(o);
	if (priv_active(pv) && (rc = priv_apply(pv, &stage)) < 0)
		spawn_fail(errfd, -rc, stage);
	spawn_fail(errfd, spawn_execvp(argv), "exec");
}

int
spawn_child(char **argv, const struct priv *pv, const struct spawn_opts *o,
    pid_t *pid, int *errfd)
{
	pid_t child;
	int fd;

	/* setsid() fails in a group leader: then the child makes its own. */
	if ((child = sys_fork_pipe(&fd, !o->setsid)) < 0)
		return (int)child;
	if (child == 0)
		spawn_in_child(argv, pv, o, fd);
	*pid = child;
	*errfd = fd;
	return 0;
}

int
spawn_error_read(int errfd, struct spawn_error *e)
{
	ssize_t r;

	if (errfd < 0)
		return 0;
	/* The child is gone: its report, if any, is already in the pipe. */
	do
		r = read(errfd, e, sizeof(*e));
	while (r < 0 && errno == EINTR);
	close(errfd);
	if (r != (ssize_t)sizeof(*e))
		return 0;
	e->stage[sizeof(e->stage) - 1] = '\0';
	return 1;
}
