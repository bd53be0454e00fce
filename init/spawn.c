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
#include <unistd.h>

#include "spawn.h"
#include "sys.h"

extern char **environ;

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
	/* The shell's convention, which tini, dumb-init and Docker follow. */
	_exit(err == ENOENT ? 127 : 126);
}

static void
spawn_in_child(char **argv, const struct priv *pv, int errfd)
{
	const char *stage = "priv";
	int rc;

	/*
	 * Our own process group keeps -g signalling and terminal job
	 * control away from vigil. The parent calls setpgid() as well, so
	 * neither side races the other.
	 */
	if (setpgid(0, 0) < 0)
		spawn_fail(errfd, errno, "setpgid");
	/*
	 * Take the terminal's foreground so Ctrl-C reaches the workload under
	 * `docker run -it`. SIGTTOU is still blocked here, which is what lets
	 * a background group call tcsetpgrp().
	 */
	if (isatty(STDIN_FILENO))
		tcsetpgrp(STDIN_FILENO, getpgrp());
	/*
	 * Unblock before the privilege drop so that seccomp, loaded last by
	 * priv_apply(), is truly the final step before exec.
	 */
	sys_signals_unblock();
	priv_env_clean();
	if (priv_active(pv) && (rc = priv_apply(pv, &stage)) < 0)
		spawn_fail(errfd, -rc, stage);
	spawn_fail(errfd, spawn_execvp(argv), "exec");
}

int
spawn_child(char **argv, const struct priv *pv, pid_t *pid, int *errfd)
{
	int p[2];
	pid_t child;

	if (pipe2(p, O_CLOEXEC) < 0)
		return -errno;
	child = fork();
	if (child < 0) {
		int err = errno;

		close(p[0]);
		close(p[1]);
		return -err;
	}
	if (child == 0) {
		close(p[0]);
		spawn_in_child(argv, pv, p[1]);
	}
	close(p[1]);
	/* EACCES once the child has exec'd: the group is set by then. */
	setpgid(child, child);
	*pid = child;
	*errfd = p[0];
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
