/* SPDX-License-Identifier: MIT */
/*
 * Reads FILE N times as fast as it can, each time whole, and counts the
 * reads that were torn: empty, missing, or not ending in a newline after an
 * "output=" line (the last key vigil writes). Prints "reads=N torn=K".
 * Usage: hread FILE N
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int
main(int argc, char **argv)
{
	long n, i, torn = 0;
	char buf[4096];

	if (argc < 3)
		return 2;
	n = atol(argv[2]);
	for (i = 0; i < n; i++) {
		int fd = open(argv[1], O_RDONLY);
		ssize_t len;

		if (fd < 0) {
			torn++;
			continue;
		}
		len = read(fd, buf, sizeof(buf) - 1);
		close(fd);
		if (len <= 0) {
			torn++;
			continue;
		}
		buf[len] = '\0';
		if (strncmp(buf, "status=", 7) != 0 ||
		    strstr(buf, "\noutput=") == NULL || buf[len - 1] != '\n')
			torn++;
	}
	printf("reads=%ld torn=%ld\n", n, torn);
	return torn == 0 ? 0 : 1;
}
