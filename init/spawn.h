/* SPDX-License-Identifier: MIT */
/*
 * Starting the supervised command: fork, then in the child a clean process
 * group (and the terminal's foreground when stdin is one), the privilege
 * drop, an empty signal mask, and exec. A failure before exec comes back to
 * PID 1 through a close-on-exec pipe, read only after the child was reaped,
 * so PID 1 never waits on it.
 */
#ifndef INIT_SPAWN_H
#define INIT_SPAWN_H

#include <stdint.h>
#include <sys/types.h>

#include "priv.h"

struct spawn_error {
	int err;			/* errno in the child */
	char stage[28];			/* "exec", "setresuid", ... */
};

struct spawn_opts {
	int setsid;			/* a session of its own, not a group */
	int keep_signals;		/* the mask vigil got, not an empty one */
	int cwdfd;			/* the directory to start in; -1: ours */
	int fail_code;			/* exit code before exec; 0: 127/126 */
	const char *notify_socket;	/* NOTIFY_SOCKET's value, or NULL */
	int64_t watchdog_usec;		/* WATCHDOG_USEC; 0: none */
};

/* Starts argv; fills *pid and *errfd (the pipe's read end). 0 or -errno. */
int spawn_child(char **argv, const struct priv *pv, const struct spawn_opts *o,
    pid_t *pid, int *errfd);

/*
 * Reads the child's report once it has been reaped. Returns 1 and fills *e
 * when it failed before exec, 0 when exec succeeded. Closes errfd.
 */
int spawn_error_read(int errfd, struct spawn_error *e);

/*
 * execvp() as musl and runc do it, on both libcs: no /bin/sh fallback for a
 * script without "#!" (glibc's). Returns the errno when nothing could run:
 * ENOENT when no PATH entry holds the command, EACCES when one did but
 * could not be run.
 */
int spawn_execvp(char *const argv[]);

/* In a forked child: reports a failure to PID 1 and exits; never returns. */
void spawn_fail(int errfd, int err, const char *stage) __attribute__((noreturn));

#endif
