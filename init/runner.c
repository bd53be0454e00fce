/* SPDX-License-Identifier: MIT */
/*
 * The PID 1 side of a probe run: fork, collect, kill at the deadline. The probe
 * process writes into a pipe that PID 1 drains without blocking; its pass
 * or fail is its exit status, so PID 1 parses nothing a peer produced.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "parse.h"
#include "runner.h"
#include "sys.h"

/*
 * An exec probe's leader keeps the group: the command runs as its child,
 * and when the leader's parent dies (`vigil probe` SIGKILLed by Docker's
 * HEALTHCHECK timeout) the death signal makes it kill the whole group, so
 * no grandchild (`sh -c 'sleep 123'`) lives on. It stays with vigil's
 * privileges: a change of credentials would clear the death signal.
 */
static void
probe_keeper(const struct probe_spec *p, const struct priv *pv, int wfd,
    pid_t parent)
{
	const char *stage = "priv";
	sigset_t set;
	pid_t cmd;
	int rc, sig, status;

	sigemptyset(&set);
	sigaddset(&set, SIGCHLD);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGALRM);
	sigprocmask(SIG_BLOCK, &set, NULL);
	prctl(PR_SET_PDEATHSIG, SIGTERM);
	if (getppid() != parent)
		kill(0, SIGKILL);
	if ((cmd = fork()) < 0) {
		dprintf(wfd, "fork: %s", strerror(errno));
		_exit(1);
	}
	if (cmd == 0) {
		prctl(PR_SET_PDEATHSIG, 0);
		sys_signals_unblock(0);
		if (pv != NULL && priv_active(pv) &&
		    (rc = priv_apply(pv, &stage)) < 0) {
			dprintf(wfd, "%s: %s", stage, strerror(-rc));
			_exit(1);
		}
		_exit(probe_run(p, wfd));
	}
	close(wfd);
	for (;;) {
		sig = sigwaitinfo(&set, NULL);
		if (sig == SIGCHLD && waitpid(cmd, &status, WNOHANG) == cmd)
			break;
		if (sig == SIGTERM || sig == SIGALRM)
			kill(0, SIGKILL);
	}
	if (WIFEXITED(status))
		_exit(WEXITSTATUS(status));
	_exit(128 + WTERMSIG(status));
}

static void
probe_child(const struct probe_spec *p, const struct priv *pv,
    const struct priv_sandbox *sb, int wfd, pid_t parent, int64_t timeout_ns)
{
	char title[PROBE_TEXT_MAX + 16];
	const char *stage = "sandbox";
	int fd, rc;

	/*
	 * `vigil probe` may itself be SIGKILLed by Docker's HEALTHCHECK
	 * timeout; its probe must not live on. The alarm is a backstop that
	 * also survives an exec: SIGALRM ends a probe a second past its
	 * timeout even if nobody is left to kill it.
	 */
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	if (getppid() != parent)
		_exit(1);
	alarm((unsigned)(timeout_ns / NS_PER_S) + 2);
	/* Named, so `pgrep -f` on the workload's command misses probes. */
	snprintf(title, sizeof(title), "vigil probe %s", p->display);
	sys_title_set(title);
	if ((fd = open("/dev/null", O_RDONLY | O_CLOEXEC)) >= 0) {
		dup2(fd, STDIN_FILENO);
		close(fd);
	}
	if (p->kind == PROBE_EXEC)
		probe_keeper(p, pv, wfd, parent);
	sys_signals_unblock(0);
	/* Network and file probes: unprivileged, allowlisted (priv.h). */
	if (sb == NULL && pv != NULL)
		sb = pv->sandbox;
	if ((rc = priv_sandbox_apply(sb, &stage)) < 0) {
		dprintf(wfd, "probe sandbox: %s: %s", stage, strerror(-rc));
		_exit(1);
	}
	_exit(probe_run(p, wfd));
}

int
probe_start(struct probe_run *r, const struct probe_spec *p,
    const struct priv *pv, const struct priv_sandbox *sb, int64_t now_ns,
    int64_t timeout_ns)
{
	pid_t parent = getpid(), pid;
	int fd;

	memset(r, 0, sizeof(*r));
	r->fd = -1;
	if ((pid = sys_fork_pipe(&fd, 1)) < 0)
		return (int)pid;
	if (pid == 0)
		probe_child(p, pv, sb, fd, parent, timeout_ns);
	fcntl(fd, F_SETFL, O_NONBLOCK);
	r->pid = pid;
	r->fd = fd;
	r->started_ns = now_ns;
	r->deadline_ns = now_ns + timeout_ns;
	return 0;
}

void
probe_drain(struct probe_run *r)
{
	char sink[4096];

	while (r->fd >= 0) {
		ssize_t n;

		if (r->len < sizeof(r->out))
			n = read(r->fd, r->out + r->len, sizeof(r->out) - r->len);
		else
			n = read(r->fd, sink, sizeof(sink));
		if (n > 0) {
			if (r->len < sizeof(r->out))
				r->len += (size_t)n;
			continue;
		}
		if (n < 0 && errno == EINTR)
			continue;
		if (n == 0 || errno != EAGAIN) {
			close(r->fd);
			r->fd = -1;
		}
		break;
	}
}

void
probe_reaped(struct probe_run *r, int status)
{
	/* Whatever the process wrote before it died is in the pipe now. */
	probe_drain(r);
	if (r->fd >= 0) {
		close(r->fd);
		r->fd = -1;
	}
	/* A run that timed out was final at its deadline already. */
	if (!r->finished)
		r->status = status;
	r->pid = 0;
	r->finished = 1;
}

/*
 * The group first, then the leader itself: a probe that moved to another
 * group must still die. The pid cannot have been reused: it stays ours
 * until we reap it.
 */
static void
probe_kill(struct probe_run *r)
{
	kill(-r->pid, SIGKILL);
	kill(r->pid, SIGKILL);
}

int
probe_expire(struct probe_run *r, int64_t now_ns)
{
	if (r->pid <= 0 || r->finished || now_ns < r->deadline_ns)
		return 0;
	probe_kill(r);
	probe_drain(r);
	/*
	 * The result is final now, reaped or not: a process stuck in the
	 * kernel must not hold up the round (or a stop) until it dies.
	 */
	r->timed_out = 1;
	r->finished = 1;
	return 1;
}

void
probe_cancel(struct probe_run *r)
{
	if (r->pid > 0)
		probe_kill(r);
	r->cancelled = 1;
}

int
probe_passed(const struct probe_run *r)
{
	return r->finished && !r->timed_out && !r->cancelled &&
	    WIFEXITED(r->status) && WEXITSTATUS(r->status) == 0;
}

size_t
probe_summary(const struct probe_run *r, int64_t timeout_ns, char *buf,
    size_t len)
{
	char d[32];
	int n;

	if (r->timed_out)
		n = snprintf(buf, len, "timeout after %s%s%.*s",
		    parse_duration_fmt(timeout_ns, PARSE_DUR_EXACT, d, sizeof(d)),
		    r->len ? ": " : "", (int)r->len, r->out);
	else if (r->len > 0)
		n = snprintf(buf, len, "%.*s", (int)r->len, r->out);
	else if (WIFSIGNALED(r->status))
		n = snprintf(buf, len, "killed by signal %d",
		    WTERMSIG(r->status));
	else
		n = snprintf(buf, len, "exit status %d",
		    WEXITSTATUS(r->status));
	if (n < 0)
		return 0;
	return (size_t)n >= len ? len - 1 : (size_t)n;
}
