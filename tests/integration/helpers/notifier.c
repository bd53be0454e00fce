/* SPDX-License-Identifier: MIT */
/*
 * A workload speaking the notify protocol, step by step from argv:
 *   send:TEXT     one datagram ("\n" in TEXT is a newline)
 *   ping:N:MS     N datagrams WATCHDOG=1, MS apart
 *   sleep:MS      wait
 *   flood:N       N datagrams as fast as the socket takes them, a mix of
 *                 pings, malformed ones and ones over 4 KiB
 *   env           print NOTIFY_SOCKET, WATCHDOG_USEC and WATCHDOG_PID
 *   hold          pause until killed
 * The socket is NOTIFY_SOCKET, an abstract name when it starts with '@'.
 */
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

static struct sockaddr_un sa;
static socklen_t salen;
static int fd = -1;

static void
nap(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

static void
say(const char *buf, size_t len)
{
	while (sendto(fd, buf, len, 0, (struct sockaddr *)&sa, salen) < 0) {
		/* The flood may fill vigil's queue: wait for it to read. */
		if (errno == EAGAIN || errno == ENOBUFS || errno == EINTR) {
			nap(1);
			continue;
		}
		perror("notifier: sendto");
		exit(2);
	}
}

static void
send_text(const char *t)
{
	char buf[8192];
	size_t n = 0;

	for (; *t != '\0' && n < sizeof(buf); t++) {
		if (t[0] == '\\' && t[1] == 'n') {
			buf[n++] = '\n';
			t++;
		} else
			buf[n++] = *t;
	}
	say(buf, n);
}

int
main(int argc, char **argv)
{
	static char big[5000];
	const char *name = getenv("NOTIFY_SOCKET");
	int i;

	setvbuf(stdout, NULL, _IONBF, 0);
	if (name == NULL || strlen(name) < 2 || strlen(name) >= sizeof(sa.sun_path)) {
		fprintf(stderr, "notifier: no NOTIFY_SOCKET\n");
		return 2;
	}
	memset(&sa, 0, sizeof(sa));
	sa.sun_family = AF_UNIX;
	memcpy(sa.sun_path, name, strlen(name));
	if (name[0] == '@')
		sa.sun_path[0] = '\0';
	salen = (socklen_t)(offsetof(struct sockaddr_un, sun_path) +
	    strlen(name));
	if ((fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0)) < 0) {
		perror("notifier: socket");
		return 2;
	}
	memset(big, 'x', sizeof(big));
	for (i = 1; i < argc; i++) {
		const char *a = argv[i];
		long n, ms, k;

		if (strncmp(a, "send:", 5) == 0)
			send_text(a + 5);
		else if (sscanf(a, "ping:%ld:%ld", &n, &ms) == 2)
			for (k = 0; k < n; k++) {
				say("WATCHDOG=1", 10);
				nap(ms);
			}
		else if (sscanf(a, "sleep:%ld", &ms) == 1)
			nap(ms);
		else if (sscanf(a, "flood:%ld", &n) == 1)
			for (k = 0; k < n; k++) {
				if (k % 3 == 0)
					say("WATCHDOG=1\nSTATUS=flood", 23);
				else if (k % 3 == 1)
					say("no equals sign", 14);
				else
					say(big, sizeof(big));
			}
		else if (strcmp(a, "env") == 0)
			printf("NOTIFY_SOCKET=%s WATCHDOG_USEC=%s WATCHDOG_PID=%s "
			    "pid=%d\n", name, getenv("WATCHDOG_USEC") ?
			    getenv("WATCHDOG_USEC") : "", getenv("WATCHDOG_PID") ?
			    getenv("WATCHDOG_PID") : "", (int)getpid());
		else if (strcmp(a, "hold") == 0)
			for (;;)
				pause();
		else {
			fprintf(stderr, "notifier: bad step '%s'\n", a);
			return 2;
		}
	}
	return 0;
}
