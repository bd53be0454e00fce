/* SPDX-License-Identifier: MIT */
/*
 * `vigil probe [--timeout DUR] SPEC...`: runs each spec once, all at the
 * same time, each in its own process killed at the timeout, and exits 0
 * when all pass. A drop-in for curl -f, redis-cli ping and pg_isready in a
 * HEALTHCHECK line of an image that has none of them.
 */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/signalfd.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "config.h"
#include "parse.h"
#include "runner.h"
#include "sys.h"

static int
cli_usage(const char *why)
{
	fprintf(stderr, "vigil probe: %s\nusage: vigil probe [--timeout DUR] "
	    "SPEC...\n", why);
	return 2;
}

static int
cli_unfinished(const struct probe_run *runs, int n)
{
	int i, left = 0;

	for (i = 0; i < n; i++)
		left += !runs[i].finished;
	return left;
}

/* Waits for every run to end: reaped, or killed at its deadline. */
static void
cli_collect(struct probe_run *runs, int n, int sfd)
{
	struct pollfd pfd[1 + CFG_PROBES_MAX];
	int i;

	while (cli_unfinished(runs, n) > 0) {
		int64_t now = sys_now_ns(), next = INT64_MAX;
		struct timespec ts;
		int m = 1;
		pid_t pid;
		int status;

		for (i = 0; i < n; i++) {
			probe_expire(&runs[i], now);
			if (runs[i].pid > 0 && !runs[i].finished &&
			    runs[i].deadline_ns < next)
				next = runs[i].deadline_ns;
			if (runs[i].fd >= 0) {
				pfd[m].fd = runs[i].fd;
				pfd[m++].events = POLLIN;
			}
		}
		pfd[0].fd = sfd;
		pfd[0].events = POLLIN;
		next = next == INT64_MAX ? NS_PER_S : next - now;
		ts.tv_sec = (time_t)(next / NS_PER_S);
		ts.tv_nsec = (long)(next % NS_PER_S);
		ppoll(pfd, (nfds_t)m, &ts, NULL);
		if (pfd[0].revents & POLLIN) {
			struct signalfd_siginfo si;

			while (read(sfd, &si, sizeof(si)) > 0)
				;
		}
		for (i = 0; i < n; i++)
			probe_drain(&runs[i]);
		while ((pid = waitpid(-1, &status, WNOHANG)) > 0)
			for (i = 0; i < n; i++)
				if (runs[i].pid == pid) {
					kill(-pid, SIGKILL);
					probe_reaped(&runs[i], status);
				}
	}
}

int
probe_cli_main(int argc, char **argv)
{
	static struct probe_spec specs[CFG_PROBES_MAX];
	static struct probe_run runs[CFG_PROBES_MAX];
	int64_t timeout_ns = 5 * NS_PER_S;
	char why[256], out[PROBE_OUTPUT_MAX + 64];
	sigset_t set;
	int i = 1, n = 0, failed = 0, sfd;

	if (i < argc && strncmp(argv[i], "--timeout", 9) == 0) {
		const char *v = argv[i][9] == '=' ? argv[i] + 10 :
		    argv[i][9] == '\0' && i + 1 < argc ? argv[++i] : NULL;

		if (v == NULL || parse_duration(v, &timeout_ns) < 0 ||
		    timeout_ns == 0)
			return cli_usage("--timeout: bad duration");
		i++;
	}
	if (i < argc && strcmp(argv[i], "--") == 0)
		i++;
	if (i == argc)
		return cli_usage("no probe spec given");
	for (; i < argc; i++, n++) {
		if (n == CFG_PROBES_MAX)
			return cli_usage("too many specs");
		if (probe_parse(&specs[n], argv[i], why, sizeof(why)) < 0) {
			fprintf(stderr, "vigil probe: bad spec '%s': %s\n",
			    argv[i], why);
			return 2;
		}
	}
	/*
	 * SIGCHLD through a signalfd wakes the wait; nothing else is ours. An
	 * inherited SIG_IGN would have the kernel reap our probes unseen.
	 */
	signal(SIGCHLD, SIG_DFL);
	sigemptyset(&set);
	sigaddset(&set, SIGCHLD);
	sigprocmask(SIG_BLOCK, &set, NULL);
	if ((sfd = signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK)) < 0) {
		perror("vigil probe: signalfd");
		return 1;
	}
	for (i = 0; i < n; i++) {
		int rc = probe_start(&runs[i], &specs[i], NULL, sys_now_ns(),
		    timeout_ns);

		if (rc < 0) {
			fprintf(stderr, "vigil probe: fork: %s\n",
			    strerror(-rc));
			while (i-- > 0)
				probe_cancel(&runs[i]);
			return 1;
		}
	}
	cli_collect(runs, n, sfd);
	for (i = 0; i < n; i++) {
		int pass = probe_passed(&runs[i]);

		probe_summary(&runs[i], timeout_ns, out, sizeof(out));
		printf("%s %s: %s\n", pass ? "ok  " : "fail",
		    specs[i].display, out);
		failed |= !pass;
	}
	return failed;
}
