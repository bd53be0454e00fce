/* SPDX-License-Identifier: MIT */
/*
 * Signal recorder: appends "MS SIGNO" for every signal it receives to FILE
 * (MS: monotonic milliseconds), in order. Exits 0 on SIGTERM unless
 * --ignore LIST (comma-separated numbers) names it. Writes "ready" to FILE
 * once its signals are blocked, so a test knows when to start sending.
 * With --exit-after MS it exits with the exit code after MS milliseconds.
 * Usage: sigrec FILE [--ignore 15,3] [--exit-code N] [--exit-after MS]
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

int
main(int argc, char **argv)
{
	int ignore[65] = { 0 }, code = 0, i;
	long after = -1;
	struct timespec end;
	sigset_t all;
	FILE *f;

	if (argc < 2)
		return 2;
	for (i = 2; i < argc; i++) {
		if (strcmp(argv[i], "--ignore") == 0 && i + 1 < argc) {
			char *p = argv[++i];

			while (*p) {
				int s = (int)strtol(p, &p, 10);

				if (s > 0 && s < 65)
					ignore[s] = 1;
				if (*p == ',')
					p++;
			}
		} else if (strcmp(argv[i], "--exit-code") == 0 && i + 1 < argc)
			code = atoi(argv[++i]);
		else if (strcmp(argv[i], "--exit-after") == 0 && i + 1 < argc)
			after = atol(argv[++i]);
	}
	clock_gettime(CLOCK_MONOTONIC, &end);
	end.tv_sec += after / 1000;
	end.tv_nsec += after % 1000 * 1000000;
	if (end.tv_nsec >= 1000000000) {
		end.tv_sec++;
		end.tv_nsec -= 1000000000;
	}
	sigfillset(&all);
	sigprocmask(SIG_BLOCK, &all, NULL);
	if ((f = fopen(argv[1], "a")) == NULL)
		return 3;
	setvbuf(f, NULL, _IOLBF, 0);
	fprintf(f, "ready\n");
	for (;;) {
		struct timespec ts;
		siginfo_t si;
		int sig;

		if (after >= 0) {
			clock_gettime(CLOCK_MONOTONIC, &ts);
			ts.tv_sec = end.tv_sec - ts.tv_sec;
			ts.tv_nsec = end.tv_nsec - ts.tv_nsec;
			if (ts.tv_nsec < 0) {
				ts.tv_sec--;
				ts.tv_nsec += 1000000000;
			}
			if (ts.tv_sec < 0)
				return code;
			sig = sigtimedwait(&all, &si, &ts);
		} else
			sig = sigwaitinfo(&all, &si);
		if (sig < 0)
			continue;
		clock_gettime(CLOCK_MONOTONIC, &ts);
		fprintf(f, "%lld %d\n", (long long)ts.tv_sec * 1000 +
		    ts.tv_nsec / 1000000, sig);
		if (sig == SIGTERM && !ignore[SIGTERM])
			return code;
	}
}
