/* SPDX-License-Identifier: MIT */
/*
 * What the probe sandbox costs a probe run, in CPU time: N forks whose
 * child calls priv_sandbox_apply() and exits, against N forks whose child
 * just exits, as a probe process would be forked by PID 1. Prints the CPU
 * (user + system, parent and children) per run of each and the difference.
 * Built by tests/bench/run.sh against the project's sources.
 * Usage: sandbox_cost [N [cold]]   (cold: no priv_sandbox_prepare())
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include "priv.h"

static double
cpu_us(void)
{
	struct rusage self, kids;

	getrusage(RUSAGE_SELF, &self);
	getrusage(RUSAGE_CHILDREN, &kids);
	return (self.ru_utime.tv_sec + self.ru_stime.tv_sec +
	    kids.ru_utime.tv_sec + kids.ru_stime.tv_sec) * 1e6 +
	    self.ru_utime.tv_usec + self.ru_stime.tv_usec +
	    kids.ru_utime.tv_usec + kids.ru_stime.tv_usec;
}

/* CPU µs per fork+exit, with the sandbox applied in the child or not. */
static double
run(int n, int sandbox)
{
	double t0 = cpu_us();
	const char *stage;
	int i, st;
	pid_t pid;

	for (i = 0; i < n; i++) {
		pid = fork();
		if (pid < 0) {
			perror("fork");
			exit(1);
		}
		if (pid == 0) {
			setpgid(0, 0);
			if (sandbox && priv_sandbox_apply(NULL, &stage) < 0)
				_exit(3);
			_exit(0);
		}
		if (waitpid(pid, &st, 0) != pid || !WIFEXITED(st) ||
		    WEXITSTATUS(st) != 0) {
			fprintf(stderr, "child failed: %#x\n", st);
			exit(1);
		}
	}
	return (cpu_us() - t0) / n;
}

int
main(int argc, char **argv)
{
	int n = argc > 1 ? atoi(argv[1]) : 2000;
	double bare, sbx;

	if (n <= 0)
		n = 2000;
	/* As PID 1 does at start-up; without it each child compiles. */
	if (argc > 2 && strcmp(argv[2], "cold") == 0) {
		bare = run(n, 0);
		sbx = run(n, 1);
		printf("  (filter compiled in every child)\n");
		goto out;
	}
	if (priv_sandbox_prepare() < 0) {
		fprintf(stderr, "priv_sandbox_prepare failed\n");
		return 1;
	}
	run(n / 10 + 1, 1);	/* warm up */
	bare = run(n, 0);
	sbx = run(n, 1);
out:
	printf("  fork+exit          %8.1f µs CPU per run\n", bare);
	printf("  fork+sandbox+exit  %8.1f µs CPU per run\n", sbx);
	printf("  sandbox            %8.1f µs CPU per run (budget 1000)\n",
	    sbx - bare);
	return 0;
}
