/* SPDX-License-Identifier: MIT */
/*
 * A health check that leaves an orphan behind, as `sh -c 'curl ... &'` or a
 * probe killed at its timeout does: it forks a child that outlives it by MS
 * milliseconds (default 300) and exits 0 at once. The child is reparented
 * to the container's PID 1 and becomes a zombie there unless PID 1 reaps.
 * Usage: orphan [MS]
 */
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

int
main(int argc, char **argv)
{
	long ms = argc > 1 ? atol(argv[1]) : 300;
	struct timespec ts = { ms / 1000, ms % 1000 * 1000000 };
	pid_t pid = fork();

	if (pid == 0) {
		nanosleep(&ts, NULL);
		_exit(0);
	}
	return pid < 0 ? 1 : 0;
}
