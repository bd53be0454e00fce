/* SPDX-License-Identifier: MIT */
/*
 * Leaves processes behind in shapes a simple cleanup misses, then exits 1.
 *   tree FILE thread   a daemon (setsid, TERM ignored) whose second
 *                      thread forks a grandchild; the grandchild's pid
 *                      goes to FILE
 *   tree FILE wide N   N leftovers ignoring TERM
 * FILE gets "ready" when all are in place. When FILE already exists, this
 * is a later generation: it leaves nothing and waits to be stopped.
 */
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const char *file;

static void
note(const char *fmt, long v)
{
	FILE *f = fopen(file, "a");

	if (f == NULL)
		_exit(3);
	fprintf(f, fmt, v);
	fclose(f);
}

static void *
thread_main(void *arg)
{
	pid_t g;

	(void)arg;
	if ((g = fork()) == 0) {
		signal(SIGTERM, SIG_IGN);
		for (;;)
			pause();
	}
	note("grandchild %ld\n", (long)g);
	note("ready\n", 0);
	for (;;)
		pause();
	return NULL;
}

int
main(int argc, char **argv)
{
	pthread_t t;
	long i, n;

	if (argc < 3)
		return 2;
	file = argv[1];
	if (access(file, F_OK) == 0) {
		for (;;)
			pause();
	}
	if (strcmp(argv[2], "thread") == 0) {
		if (fork() == 0) {
			setsid();
			signal(SIGTERM, SIG_IGN);
			if (pthread_create(&t, NULL, thread_main, NULL) != 0)
				_exit(4);
			for (;;)
				pause();
		}
	} else if (strcmp(argv[2], "wide") == 0 && argc > 3) {
		n = atol(argv[3]);
		signal(SIGTERM, SIG_IGN);
		for (i = 0; i < n; i++)
			if (fork() == 0) {
				for (;;)
					pause();
			}
		note("ready\n", 0);
	} else
		return 2;
	/* The leftovers are in place once FILE says so. */
	while (access(file, F_OK) != 0)
		usleep(1000);
	for (i = 0; i < 5000; i++) {
		FILE *f = fopen(file, "r");
		char line[64];
		int ready = 0;

		while (f != NULL && fgets(line, sizeof(line), f) != NULL)
			ready |= strcmp(line, "ready\n") == 0;
		if (f != NULL)
			fclose(f);
		if (ready)
			break;
		usleep(1000);
	}
	return 1;
}
