/* SPDX-License-Identifier: MIT */
/*
 * Sends COUNT signals to PID, alternating between the given signals, as
 * fast as kill() allows. Prints how many were delivered.
 * Usage: sigstorm PID COUNT SIG [SIG...]
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>

int
main(int argc, char **argv)
{
	long count, i, sent = 0;
	int pid;

	if (argc < 4)
		return 2;
	pid = atoi(argv[1]);
	count = atol(argv[2]);
	for (i = 0; i < count; i++)
		if (kill(pid, atoi(argv[3 + i % (argc - 3)])) == 0)
			sent++;
	printf("sent=%ld\n", sent);
	return sent == count ? 0 : 1;
}
