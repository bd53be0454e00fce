/* SPDX-License-Identifier: MIT */
/*
 * Clock, signal-mask and process-tree helpers. The mask is changed with
 * rt_sigprocmask directly: glibc's sigprocmask silently keeps signals 32-33
 * unblocked and musl's 32-34, and an unblocked signal never reaches the
 * signalfd (as PID 1 it would be dropped, elsewhere it would kill us).
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "parse.h"
#include "sys.h"

/* The kernel's sigset is 64 bits wide on every architecture we build for. */
#define KERNEL_SIGSET_BYTES 8

static const int sys_faults[] = {
	SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGABRT, SIGTRAP, SIGSYS,
};

int64_t
sys_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * NS_PER_S + ts.tv_nsec;
}

int64_t
sys_wall_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec;
}

/* The kernel's struct sigaction; SIG_DFL needs no restorer. */
struct sys_kernel_sigaction {
	void (*handler)(int);
	unsigned long flags;
	void (*restorer)(void);
	uint64_t mask;
};

int
sys_signals_block(sigset_t *set)
{
	struct sys_kernel_sigaction dfl;
	size_t i;
	int sig;

	/*
	 * SIG_IGN survives exec, so an ignored signal inherited from whoever
	 * started us would silently reach the workload ignored too. The raw
	 * call reaches the signals both libcs reserve for themselves.
	 */
	memset(&dfl, 0, sizeof(dfl));
	dfl.handler = SIG_DFL;
	for (sig = 1; sig <= PARSE_SIGMAX; sig++)
		if (sig != SIGKILL && sig != SIGSTOP)
			syscall(SYS_rt_sigaction, sig, &dfl, NULL,
			    KERNEL_SIGSET_BYTES);

	memset(set, 0xff, sizeof(*set));
	for (i = 0; i < sizeof(sys_faults) / sizeof(sys_faults[0]); i++)
		sigdelset(set, sys_faults[i]);
	if (syscall(SYS_rt_sigprocmask, SIG_SETMASK, set, NULL,
	    KERNEL_SIGSET_BYTES) == -1)
		return -errno;
	return 0;
}

void
sys_signals_unblock(void)
{
	sigset_t none;

	memset(&none, 0, sizeof(none));
	syscall(SYS_rt_sigprocmask, SIG_SETMASK, &none, NULL,
	    KERNEL_SIGSET_BYTES);
}

/*
 * Reads the pids listed in /proc/PID/task/PID/children into out[]. The list
 * can be longer than any buffer, so it is parsed as a stream of digits.
 */
static int
sys_children(pid_t pid, pid_t *out, int max)
{
	char path[64], buf[4096];
	long v = 0;
	int fd, n = 0, digits = 0;
	ssize_t len, i;

	snprintf(path, sizeof(path), "/proc/%d/task/%d/children", (int)pid,
	    (int)pid);
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
		return 0;
	while (n < max && (len = read(fd, buf, sizeof(buf))) > 0) {
		for (i = 0; i < len && n < max; i++) {
			if (buf[i] >= '0' && buf[i] <= '9') {
				v = v * 10 + (buf[i] - '0');
				digits = 1;
			} else if (digits) {
				out[n++] = (pid_t)v;
				v = 0;
				digits = 0;
			}
		}
	}
	if (digits && n < max)
		out[n++] = (pid_t)v;
	close(fd);
	return n;
}

int
sys_signal_descendants(pid_t pid, int sig)
{
	/* An explicit stack keeps the walk bounded and allocation-free. */
	static pid_t stack[4096];
	int top, count = 0;

	top = sys_children(pid, stack, 4096);
	while (top > 0) {
		pid_t p = stack[--top];

		if (kill(p, sig) == 0)
			count++;
		top += sys_children(p, stack + top, 4096 - top);
	}
	return count;
}
