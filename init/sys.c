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
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "parse.h"
#include "sys.h"

/* The kernel's sigset is 64 bits wide on every architecture we build for. */
#define KERNEL_SIGSET_BYTES 8


int64_t
sys_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * NS_PER_S + ts.tv_nsec;
}

int64_t
sys_wall_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* The kernel's struct sigaction; SIG_DFL needs no restorer. */
struct sys_kernel_sigaction {
	void (*handler)(int);
	unsigned long flags;
	void (*restorer)(void);
	uint64_t mask;
};

/* The mask vigil was started with, for a child that is to inherit it. */
static uint64_t sys_orig_mask;

int
sys_signals_block(sigset_t *set, int reset)
{
	struct sys_kernel_sigaction dfl;
	int sig;

	/*
	 * SIG_IGN survives exec, so an ignored signal inherited from whoever
	 * started us would silently reach the workload ignored too. The raw
	 * call reaches the signals both libcs reserve for themselves.
	 */
	memset(&dfl, 0, sizeof(dfl));
	dfl.handler = SIG_DFL;
	for (sig = 1; sig <= PARSE_SIGMAX; sig++)
		if (sig != SIGKILL && sig != SIGSTOP &&
		    (reset || sig == SIGCHLD))
			syscall(SYS_rt_sigaction, sig, &dfl, NULL,
			    KERNEL_SIGSET_BYTES);

	/*
	 * Everything, the faults too: a SEGV sent with kill() is a signal to
	 * pass on, while a genuine fault in vigil still kills it, because
	 * the kernel unblocks a fault it raises itself.
	 */
	memset(set, 0xff, sizeof(*set));
	if (syscall(SYS_rt_sigprocmask, SIG_SETMASK, set, &sys_orig_mask,
	    KERNEL_SIGSET_BYTES) == -1)
		return -errno;
	return 0;
}

void
sys_signals_unblock(int inherited)
{
	uint64_t mask = inherited ? sys_orig_mask : 0;

	syscall(SYS_rt_sigprocmask, SIG_SETMASK, &mask, NULL,
	    KERNEL_SIGSET_BYTES);
}

/*
 * The process-tree walk. Every task (thread) of a process has its own
 * children list, so each frame streams /proc/PID/task with getdents64 and
 * each task's children file through small buffers: memory is bounded by the
 * depth, never by the width, and nothing is allocated. A chain deeper than
 * SYS_WALK_DEPTH is signalled down to that depth; callers repeat the walk
 * (killed parents hand their children to us) until nothing is left.
 */
#define SYS_WALK_DEPTH 64

/* The kernel's linux_dirent64: the record length and the name matter. */
#define SYS_DIRENT_RECLEN 16
#define SYS_DIRENT_NAME 19

struct sys_frame {
	pid_t pid;
	int tfd;			/* /proc/PID/task */
	int cfd;			/* the current task's children file */
	int dpos, dlen;
	int cpos, clen;
	char dbuf[512] __attribute__((aligned(8)));
	char cbuf[128];
};

static struct sys_frame sys_frames[SYS_WALK_DEPTH];

static int
sys_frame_open(struct sys_frame *f, pid_t pid)
{
	char path[32];

	snprintf(path, sizeof(path), "/proc/%d/task", (int)pid);
	f->pid = pid;
	f->cfd = -1;
	f->dpos = f->dlen = f->cpos = f->clen = 0;
	f->tfd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	return f->tfd < 0 ? -1 : 0;
}

static void
sys_frame_close(struct sys_frame *f)
{
	if (f->cfd >= 0)
		close(f->cfd);
	if (f->tfd >= 0)
		close(f->tfd);
	f->cfd = f->tfd = -1;
}

/* The next task's children file, or -1 when every task was seen. */
static int
sys_frame_next_task(struct sys_frame *f)
{
	for (;;) {
		const char *d, *name;
		unsigned short reclen;
		char path[64];

		if (f->dpos >= f->dlen) {
			long n = syscall(SYS_getdents64, f->tfd, f->dbuf,
			    sizeof(f->dbuf));

			if (n <= 0)
				return -1;
			f->dlen = (int)n;
			f->dpos = 0;
		}
		d = f->dbuf + f->dpos;
		memcpy(&reclen, d + SYS_DIRENT_RECLEN, sizeof(reclen));
		if (reclen == 0)
			return -1;
		f->dpos += reclen;
		name = d + SYS_DIRENT_NAME;
		if (name[0] < '0' || name[0] > '9')
			continue;
		snprintf(path, sizeof(path), "/proc/%d/task/%.16s/children",
		    (int)f->pid, name);
		if ((f->cfd = open(path, O_RDONLY | O_CLOEXEC)) >= 0)
			return 0;
	}
}

/* The next child pid of any task of f->pid; 0 when there is none left. */
static pid_t
sys_frame_next_child(struct sys_frame *f)
{
	long v = 0;
	int digits = 0;

	for (;;) {
		if (f->cfd < 0 && sys_frame_next_task(f) < 0)
			return 0;
		if (f->cpos >= f->clen) {
			ssize_t n = read(f->cfd, f->cbuf, sizeof(f->cbuf));

			if (n <= 0) {
				close(f->cfd);
				f->cfd = -1;
				f->cpos = f->clen = 0;
				if (digits)
					return (pid_t)v;
				continue;
			}
			f->clen = (int)n;
			f->cpos = 0;
		}
		while (f->cpos < f->clen) {
			char c = f->cbuf[f->cpos++];

			if (c >= '0' && c <= '9') {
				v = v * 10 + (c - '0');
				digits = 1;
			} else if (digits)
				return (pid_t)v;
		}
	}
}

int
sys_signal_descendants(pid_t pid, int sig)
{
	int top = 0, count = 0;

	if (sys_frame_open(&sys_frames[0], pid) < 0)
		return 0;
	while (top >= 0) {
		struct sys_frame *f = &sys_frames[top];
		pid_t c = sys_frame_next_child(f);

		if (c == 0) {
			sys_frame_close(f);
			top--;
			continue;
		}
		if (kill(c, sig) == 0)
			count++;
		if (top + 1 < SYS_WALK_DEPTH &&
		    sys_frame_open(&sys_frames[top + 1], c) == 0)
			top++;
	}
	return count;
}

pid_t
sys_fork_pipe(int *fd, int group)
{
	int p[2];
	pid_t pid;

	if (pipe2(p, O_CLOEXEC) < 0)
		return -errno;
	if ((pid = fork()) < 0) {
		int err = errno;

		close(p[0]);
		close(p[1]);
		return -err;
	}
	/* The child's group: set on both sides, so neither races the other. */
	if (pid == 0) {
		close(p[0]);
		if (group)
			setpgid(0, 0);
		*fd = p[1];
		return 0;
	}
	close(p[1]);
	if (group)
		setpgid(pid, pid);
	*fd = p[0];
	return pid;
}

pid_t
sys_reap_next(int (*leader)(void *ctx, pid_t pid), void *ctx, int *status)
{
	for (;;) {
		siginfo_t si;
		pid_t pid;

		memset(&si, 0, sizeof(si));
		if (waitid(P_ALL, 0, &si, WEXITED | WNOHANG | WNOWAIT) < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		if ((pid = si.si_pid) == 0)
			return 0;
		/*
		 * Still unreaped, the pid is reserved: killing its group now
		 * cannot hit an unrelated process that got the number.
		 */
		if (leader != NULL && leader(ctx, pid))
			kill(-pid, SIGKILL);
		if (waitpid(pid, status, WNOHANG) == pid)
			return pid;
		return 0;
	}
}

static char *sys_title_area;
static size_t sys_title_len;

void
sys_title_init(int argc, char **argv)
{
	if (argc < 1 || argv[0] == NULL)
		return;
	sys_title_area = argv[0];
	/* The argument strings are contiguous; the area ends at the last. */
	sys_title_len = (size_t)(argv[argc - 1] + strlen(argv[argc - 1]) -
	    argv[0]);
}

void
sys_title_set(const char *title)
{
	char comm[16];

	snprintf(comm, sizeof(comm), "%s", title);
	prctl(PR_SET_NAME, comm);
	if (sys_title_area == NULL || sys_title_len == 0)
		return;
	/* Zero-filled, so /proc/PID/cmdline ends where the title ends. */
	memset(sys_title_area, 0, sys_title_len + 1);
	snprintf(sys_title_area, sys_title_len + 1, "%s", title);
}
