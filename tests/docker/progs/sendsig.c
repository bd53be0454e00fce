/* SPDX-License-Identifier: MIT */
/*
 * kill(1) for a shell-less image: sends signal SIG (a number, or HUP, INT,
 * USR1, USR2, TERM) to PID. Run with `docker exec`, it signals a process
 * without Docker's kill API, which (20.10, daemon/kill.go) marks the
 * container as stopped by hand: `unless-stopped` would then not restart it.
 * Usage: sendsig SIG PID
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int
main(int argc, char **argv)
{
	static const struct {
		const char *name;
		int no;
	} names[] = { { "HUP", SIGHUP }, { "INT", SIGINT }, { "USR1", SIGUSR1 },
		{ "USR2", SIGUSR2 }, { "TERM", SIGTERM } };
	int sig = 0;
	size_t i;

	if (argc != 3) {
		fprintf(stderr, "usage: sendsig SIG PID\n");
		return 2;
	}
	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (strcmp(argv[1], names[i].name) == 0)
			sig = names[i].no;
	if (sig == 0)
		sig = atoi(argv[1]);
	if (kill(atoi(argv[2]), sig) < 0) {
		perror("sendsig");
		return 1;
	}
	return 0;
}
