/* SPDX-License-Identifier: MIT */
/*
 * Signal recorder for the Docker tests. Prints "sigrec: got SIGNAME" on
 * stdout for every signal that reaches it, so `docker logs` is the record.
 * SIGTERM ends it with CODE (--term-exit, default 0) unless --ignore-term;
 * SIGINT ends it with 130. With --tty it first reports whether stdin is a
 * terminal and whether its process group owns it ("tty=1 fg=1").
 * It never reaps children, so as PID 1 it shows what a non-init leaves.
 * Usage: sigrec [--term-exit CODE] [--ignore-term] [--tty]
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const struct {
	int no;
	const char *name;
} names[] = {
	{ SIGHUP, "SIGHUP" }, { SIGINT, "SIGINT" }, { SIGQUIT, "SIGQUIT" },
	{ SIGUSR1, "SIGUSR1" }, { SIGUSR2, "SIGUSR2" }, { SIGTERM, "SIGTERM" },
	{ SIGWINCH, "SIGWINCH" }, { SIGCONT, "SIGCONT" }, { SIGALRM, "SIGALRM" },
};

static const char *
signame(int no)
{
	static char buf[16];
	size_t i;

	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (names[i].no == no)
			return names[i].name;
	snprintf(buf, sizeof(buf), "SIG%d", no);
	return buf;
}

int
main(int argc, char **argv)
{
	int term_exit = 0, ignore_term = 0, tty = 0, i;
	sigset_t set;

	for (i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--term-exit") == 0 && i + 1 < argc)
			term_exit = atoi(argv[++i]);
		else if (strcmp(argv[i], "--ignore-term") == 0)
			ignore_term = 1;
		else if (strcmp(argv[i], "--tty") == 0)
			tty = 1;
	}
	setvbuf(stdout, NULL, _IOLBF, 0);

	/* Everything but the faults and SIGCHLD is taken by sigwait. */
	sigfillset(&set);
	sigdelset(&set, SIGCHLD);
	sigdelset(&set, SIGSEGV);
	sigdelset(&set, SIGBUS);
	sigdelset(&set, SIGFPE);
	sigdelset(&set, SIGILL);
	sigprocmask(SIG_BLOCK, &set, NULL);

	if (tty) {
		int is = isatty(0);

		printf("sigrec: tty=%d fg=%d\n", is,
		    is && tcgetpgrp(0) == getpgrp());
	}
	printf("sigrec: ready pid=%d\n", (int)getpid());
	for (;;) {
		int sig;

		if (sigwait(&set, &sig) != 0)
			continue;
		printf("sigrec: got %s\n", signame(sig));
		if (sig == SIGTERM && !ignore_term) {
			printf("sigrec: exiting %d\n", term_exit);
			return term_exit;
		}
		if (sig == SIGTERM)
			printf("sigrec: ignoring SIGTERM\n");
		if (sig == SIGINT)
			return 130;
	}
}
