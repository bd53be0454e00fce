/* SPDX-License-Identifier: MIT */
/*
 * Leaves a process behind: forks a grandchild that calls setsid() (so it is
 * in no group vigil knows of), writes its pid to FILE, and then either
 * exits on SIGTERM ("term" appended to FILE) or, with --ignore-term,
 * records the TERM and carries on until killed. The helper itself exits
 * with CODE (default 0) once the grandchild is ready.
 * Usage: leftover FILE [--ignore-term] [--exit-code N]
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int
main(int argc, char **argv)
{
	int ignore = 0, code = 0, i, p[2];
	char c;

	if (argc < 2)
		return 2;
	for (i = 2; i < argc; i++) {
		if (strcmp(argv[i], "--ignore-term") == 0)
			ignore = 1;
		else if (strcmp(argv[i], "--exit-code") == 0 && i + 1 < argc)
			code = atoi(argv[++i]);
	}
	if (pipe(p) < 0)
		return 3;
	if (fork() == 0) {
		sigset_t set;
		FILE *f;

		setsid();
		sigemptyset(&set);
		sigaddset(&set, SIGTERM);
		sigprocmask(SIG_BLOCK, &set, NULL);
		if ((f = fopen(argv[1], "a")) == NULL)
			_exit(3);
		setvbuf(f, NULL, _IOLBF, 0);
		fprintf(f, "%d\n", (int)getpid());
		close(p[0]);
		close(p[1]);
		for (;;) {
			int sig;

			sigwait(&set, &sig);
			fprintf(f, "term\n");
			if (!ignore)
				_exit(0);
		}
	}
	close(p[1]);
	/* EOF once the grandchild has written its pid and closed the pipe. */
	while (read(p[0], &c, 1) > 0)
		;
	return code;
}
