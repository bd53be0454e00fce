/* SPDX-License-Identifier: MIT */
/*
 * Makes N orphans: each of N children forks a grandchild and exits at once,
 * so the grandchild is reparented to PID 1 (or the subreaper) and exits
 * there. Then it waits up to 10 s for the namespace to hold no zombie and
 * prints "zombies=K" (K left at the end). Exit 0 iff K is 0.
 * Usage: orphans N
 */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static int
count_zombies(void)
{
	DIR *d = opendir("/proc");
	struct dirent *e;
	int n = 0;

	if (d == NULL)
		return -1;
	while ((e = readdir(d)) != NULL) {
		char path[300], buf[512], *p;
		FILE *f;

		if (e->d_name[0] < '0' || e->d_name[0] > '9')
			continue;
		snprintf(path, sizeof(path), "/proc/%s/stat", e->d_name);
		if ((f = fopen(path, "r")) == NULL)
			continue;
		if (fgets(buf, sizeof(buf), f) != NULL &&
		    (p = strrchr(buf, ')')) != NULL && p[1] == ' ' &&
		    p[2] == 'Z')
			n++;
		fclose(f);
	}
	closedir(d);
	return n;
}

int
main(int argc, char **argv)
{
	int n = argc > 1 ? atoi(argv[1]) : 100, i, z = 0;

	for (i = 0; i < n; i++) {
		pid_t c = fork();

		if (c < 0) {
			perror("fork");
			return 3;
		}
		if (c == 0) {
			if (fork() == 0)
				_exit(0);
			_exit(0);
		}
		waitpid(c, NULL, 0);
	}
	for (i = 0; i < 1000; i++) {
		struct timespec ts = { 0, 10000000 };

		if ((z = count_zombies()) == 0)
			break;
		nanosleep(&ts, NULL);
	}
	printf("zombies=%d\n", z);
	return z == 0 ? 0 : 1;
}
