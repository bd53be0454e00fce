/* SPDX-License-Identifier: MIT */
/*
 * Appends CLOCK_MONOTONIC nanoseconds to FILE and exits with CODE: a child
 * that records when each generation started. Usage: stamp FILE [CODE]
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

int
main(int argc, char **argv)
{
	struct timespec ts;
	char buf[32];
	int fd, n;

	if (argc < 2)
		return 2;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	n = snprintf(buf, sizeof(buf), "%lld\n",
	    (long long)ts.tv_sec * 1000000000LL + ts.tv_nsec);
	if ((fd = open(argv[1], O_WRONLY | O_APPEND | O_CREAT, 0644)) < 0)
		return 3;
	if (write(fd, buf, (size_t)n) != n)
		return 3;
	close(fd);
	return argc > 2 ? atoi(argv[2]) : 1;
}
