/* SPDX-License-Identifier: MIT */
/*
 * Signal-forwarding latency. "siglat child FILE" waits for SIGUSR1 and
 * appends the CLOCK_MONOTONIC nanoseconds of each arrival to FILE (exits on
 * SIGTERM). "siglat send PID N FILE" sends SIGUSR1 to PID (an init whose
 * child is "siglat child FILE") N times, each time waiting for the arrival
 * to be recorded, and prints the median and 90th percentile in µs.
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

static long long
now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static int
cmp(const void *a, const void *b)
{
	long long x = *(const long long *)a, y = *(const long long *)b;

	return x < y ? -1 : x > y;
}

static int
child(const char *file)
{
	sigset_t set;
	FILE *f = fopen(file, "a");

	if (f == NULL)
		return 3;
	setvbuf(f, NULL, _IONBF, 0);
	sigfillset(&set);
	sigprocmask(SIG_BLOCK, &set, NULL);
	fprintf(f, "ready\n");
	for (;;) {
		int sig;

		sigwait(&set, &sig);
		if (sig == SIGTERM)
			return 0;
		if (sig == SIGUSR1)
			fprintf(f, "%lld\n", now_ns());
	}
}

/* Reads the last number in FILE once it has `lines` lines. */
static long long
wait_line(const char *file, int lines, long long deadline)
{
	while (now_ns() < deadline) {
		FILE *f = fopen(file, "r");
		char buf[64];
		long long last = -1;
		int n = 0;

		if (f != NULL) {
			while (fgets(buf, sizeof(buf), f) != NULL) {
				n++;
				last = atoll(buf);
			}
			fclose(f);
		}
		if (n >= lines)
			return last;
		usleep(20);
	}
	return -1;
}

int
main(int argc, char **argv)
{
	long long *lat;
	int pid, n, i, got = 0;

	if (argc == 3 && strcmp(argv[1], "child") == 0)
		return child(argv[2]);
	if (argc != 5 || strcmp(argv[1], "send") != 0)
		return 2;
	pid = atoi(argv[2]);
	n = atoi(argv[3]);
	lat = calloc((size_t)n, sizeof(*lat));
	if (wait_line(argv[4], 1, now_ns() + 5000000000LL) < -1)
		return 3;
	for (i = 0; i < n; i++) {
		long long t0 = now_ns(), t1;

		kill(pid, SIGUSR1);
		t1 = wait_line(argv[4], i + 2, t0 + 1000000000LL);
		if (t1 < 0)
			break;
		lat[got++] = t1 - t0;
		usleep(1000);
	}
	qsort(lat, (size_t)got, sizeof(*lat), cmp);
	if (got == 0)
		return 1;
	printf("n=%d median_us=%.1f p90_us=%.1f\n", got,
	    lat[got / 2] / 1000.0, lat[got * 9 / 10] / 1000.0);
	return 0;
}
