/* SPDX-License-Identifier: MIT */
/*
 * A tiny HTTP server for the Docker tests: answers any request on PORT with
 * "200 ok". SIGUSR2 freezes it (it stops accepting, so connections wait in
 * the backlog and an HTTP probe times out) and a second SIGUSR2 thaws it.
 * SIGTERM ends it with CODE (--term-exit, default 0); SIGINT with 130.
 * Every signal is logged on stdout, so `docker logs` shows what arrived.
 * Usage: tsrv PORT [--term-exit CODE]
 */
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

static const char reply[] = "HTTP/1.0 200 OK\r\nContent-Type: text/plain\r\n"
			    "Content-Length: 3\r\nConnection: close\r\n\r\nok\n";

static void
answer(int lfd)
{
	struct timeval tv = { 1, 0 };
	char buf[2048];
	int fd;

	if ((fd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC)) < 0)
		return;
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	/* One read is enough for a probe's small GET. */
	if (read(fd, buf, sizeof(buf)) > 0)
		send(fd, reply, sizeof(reply) - 1, MSG_NOSIGNAL);
	close(fd);
}

int
main(int argc, char **argv)
{
	struct sockaddr_in sa;
	struct pollfd pfd[2];
	int lfd, sfd, one = 1, frozen = 0, term_exit = 0, i;
	sigset_t set;

	if (argc < 2) {
		fprintf(stderr, "usage: tsrv PORT [--term-exit CODE]\n");
		return 2;
	}
	for (i = 2; i < argc; i++)
		if (strcmp(argv[i], "--term-exit") == 0 && i + 1 < argc)
			term_exit = atoi(argv[++i]);
	setvbuf(stdout, NULL, _IOLBF, 0);

	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGHUP);
	sigaddset(&set, SIGUSR1);
	sigaddset(&set, SIGUSR2);
	sigaddset(&set, SIGQUIT);
	sigprocmask(SIG_BLOCK, &set, NULL);
	if ((sfd = signalfd(-1, &set, SFD_CLOEXEC)) < 0) {
		perror("tsrv: signalfd");
		return 1;
	}

	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	sa.sin_port = htons((unsigned short)atoi(argv[1]));
	sa.sin_addr.s_addr = htonl(INADDR_ANY);
	lfd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (lfd < 0 ||
	    setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) < 0 ||
	    bind(lfd, (struct sockaddr *)&sa, sizeof(sa)) < 0 ||
	    listen(lfd, 64) < 0) {
		perror("tsrv: listen");
		return 1;
	}
	printf("tsrv: listening on %s pid=%d\n", argv[1], (int)getpid());

	for (;;) {
		struct signalfd_siginfo si;

		pfd[0].fd = sfd;
		pfd[0].events = POLLIN;
		/* A frozen server leaves connections waiting in the backlog. */
		pfd[1].fd = frozen ? -1 : lfd;
		pfd[1].events = POLLIN;
		if (poll(pfd, 2, -1) < 0)
			continue;
		if (pfd[1].revents & POLLIN)
			answer(lfd);
		if (!(pfd[0].revents & POLLIN) ||
		    read(sfd, &si, sizeof(si)) != sizeof(si))
			continue;
		switch (si.ssi_signo) {
		case SIGTERM:
			printf("tsrv: got SIGTERM, exiting %d\n", term_exit);
			return term_exit;
		case SIGINT:
			printf("tsrv: got SIGINT, exiting 130\n");
			return 130;
		case SIGUSR2:
			frozen = !frozen;
			printf("tsrv: %s\n", frozen ? "frozen" : "answering");
			break;
		default:
			printf("tsrv: got signal %u\n", si.ssi_signo);
		}
	}
}
