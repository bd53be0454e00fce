/* SPDX-License-Identifier: MIT */
/*
 * `vigil probe [--timeout DUR] SPEC...`: runs each spec once, all at the
 * same time, each in its own process killed at the timeout, and exits 0
 * when all pass. A drop-in for curl -f, redis-cli ping and pg_isready in a
 * HEALTHCHECK line of an image that has none of them. It drives the same
 * prober as PID 1, with the same reaping discipline.
 */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/signalfd.h>
#include <time.h>
#include <unistd.h>

#include "parse.h"
#include "probe_cli.h"
#include "prober.h"
#include "sys.h"

static int
cli_usage(const char *why)
{
	fprintf(stderr, "vigil probe: %s\nusage: vigil probe [--timeout DUR] "
	    "SPEC...\n", why);
	return 2;
}

static int
cli_is_probe(void *ctx, pid_t pid)
{
	return prober_owns(ctx, pid);
}

/* Runs the one round to its end: every run reaped or past its deadline. */
static void
cli_round(struct prober *pr, int sfd)
{
	struct pollfd pfd[1 + CFG_PROBES_MAX];
	enum prober_outcome o = prober_tick(pr, sys_now_ns());

	while (o != PROBER_DONE) {
		int64_t now = sys_now_ns(), d = prober_deadline(pr), left;
		struct timespec ts;
		int m = 1, status;
		pid_t pid;

		left = d == NEVER ? NS_PER_S : d > now ? d - now : 0;
		ts.tv_sec = (time_t)(left / NS_PER_S);
		ts.tv_nsec = (long)(left % NS_PER_S);
		pfd[0].fd = sfd;
		pfd[0].events = POLLIN;
		pfd[0].revents = 0;
		m += prober_pollfds(pr, pfd + 1, CFG_PROBES_MAX);
		ppoll(pfd, (nfds_t)m, &ts, NULL);
		if (pfd[0].revents & POLLIN) {
			struct signalfd_siginfo si;

			while (read(sfd, &si, sizeof(si)) > 0)
				;
		}
		prober_drain(pr);
		while (o != PROBER_DONE &&
		    (pid = sys_reap_next(cli_is_probe, pr, &status)) > 0)
			o = prober_reaped(pr, pid, status, sys_now_ns());
		if (o != PROBER_DONE)
			o = prober_tick(pr, sys_now_ns());
	}
}

int
probe_cli_main(int argc, char **argv)
{
	static struct config c;
	static struct prober pr;
	char why[256], out[PROBE_OUTPUT_MAX + 64];
	sigset_t set;
	int i = 1, failed = 0, sfd;

	c.probe_timeout_ns = 5 * NS_PER_S;
	if (i < argc) {
		const char *v;
		int rc = parse_subopt(argc, argv, &i, "--timeout", &v);

		if (rc < 0 || (rc > 0 && (parse_duration(v,
		    &c.probe_timeout_ns) < 0 || c.probe_timeout_ns == 0)))
			return cli_usage("--timeout: bad duration");
		if (rc > 0)
			i++;
	}
	if (i < argc && strcmp(argv[i], "--") == 0)
		i++;
	if (i == argc)
		return cli_usage("no probe spec given");
	for (; i < argc; i++, c.nprobes++) {
		if (c.nprobes == CFG_PROBES_MAX)
			return cli_usage("too many specs");
		if (probe_parse(&c.probes[c.nprobes], argv[i], why,
		    sizeof(why)) < 0) {
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
	prober_init(&pr, PROBER_ONCE, c.probes, c.nprobes, &c);
	prober_arm(&pr, sys_now_ns());
	cli_round(&pr, sfd);
	for (i = 0; i < c.nprobes; i++) {
		int pass = probe_passed(&pr.runs[i]);

		probe_summary(&pr.runs[i], c.probe_timeout_ns, out, sizeof(out));
		printf("%s %s: %s\n", pass ? "ok  " : "fail",
		    c.probes[i].display, out);
		failed |= !pass;
	}
	return failed;
}
