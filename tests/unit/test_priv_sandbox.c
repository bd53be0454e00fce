/* SPDX-License-Identifier: MIT */
/*
 * Unit tests for init/priv_sandbox.c: --probe-user parsing and defaults,
 * and priv_sandbox_apply() for real in a forked grandchild that then tries
 * one thing. What the allowlist forbids must kill it with SIGSYS; what a
 * probe needs must work. Runs as root or not (a non-root process keeps its
 * ids); skipped under valgrind, whose own system calls the filter kills.
 */
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <netinet/in.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/ptrace.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "priv.h"
#include "priv_int.h"

Suite *suite_priv_sandbox(void);

#define ERRLEN 256

/* ---- --probe-user ---- */

static char etc_dir[64];

static void
etc_setup(void)
{
	char path[128];
	FILE *f;

	snprintf(etc_dir, sizeof etc_dir, "/tmp/vigil-sbx.XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(etc_dir));
	snprintf(path, sizeof path, "%s/passwd", etc_dir);
	f = fopen(path, "w");
	ck_assert_ptr_nonnull(f);
	fputs("root:x:0:0::/root:/bin/sh\n"
	    "probe:x:3100:3100::/:/bin/false\n", f);
	fclose(f);
	snprintf(path, sizeof path, "%s/group", etc_dir);
	f = fopen(path, "w");
	ck_assert_ptr_nonnull(f);
	fputs("probe:x:3100:\nnet:x:3200:probe\n", f);
	fclose(f);
	ck_assert_int_eq(priv_etc_root(etc_dir), 0);
}

static void
etc_teardown(void)
{
	char path[128];

	snprintf(path, sizeof path, "%s/passwd", etc_dir);
	unlink(path);
	snprintf(path, sizeof path, "%s/group", etc_dir);
	unlink(path);
	rmdir(etc_dir);
	priv_etc_root("/etc");
}

START_TEST(probe_user_parse)
{
	struct priv_sandbox sb = { 0 };
	char err[ERRLEN] = "";

	ck_assert_int_eq(priv_parse_probe_user(&sb, "probe", err, sizeof err),
	    0);
	ck_assert_int_eq(sb.has_user, 1);
	ck_assert_uint_eq(sb.uid, 3100);
	ck_assert_uint_eq(sb.gid, 3100);
	ck_assert_int_eq(sb.ngroups, 2);
	ck_assert_uint_eq(sb.groups[1], 3200);
	/* a bare number without an entry: gid 65534 and no groups, not 0 */
	ck_assert_int_eq(priv_parse_probe_user(&sb, "4242", err, sizeof err),
	    0);
	ck_assert_uint_eq(sb.uid, 4242);
	ck_assert_uint_eq(sb.gid, 65534);
	ck_assert_int_eq(sb.ngroups, 0);
	ck_assert_int_eq(priv_parse_probe_user(&sb, "4242:4343", err,
	    sizeof err), 0);
	ck_assert_uint_eq(sb.gid, 4343);
	ck_assert_int_eq(sb.ngroups, 1);
	ck_assert_int_eq(priv_parse_probe_user(&sb, "probe:net", err,
	    sizeof err), 0);
	ck_assert_uint_eq(sb.gid, 3200);
	ck_assert_int_eq(priv_parse_probe_user(&sb, "nosuch", err, sizeof err),
	    -EINVAL);
	ck_assert_str_eq(err, "unknown user 'nosuch'");
	ck_assert_int_eq(priv_parse_probe_user(&sb, "probe:", err,
	    sizeof err), -EINVAL);
	ck_assert_uint_eq(sb.gid, 3200);	/* a failed parse changes nothing */
}
END_TEST

START_TEST(probe_user_default)
{
	struct priv_sandbox sb = { 0 }, set = { 0 };
	struct priv child = { 0 };
	char err[ERRLEN] = "";

	priv_sandbox_default(&sb, NULL);
	ck_assert_uint_eq(sb.uid, 65534);
	ck_assert_uint_eq(sb.gid, 65534);
	ck_assert_int_eq(sb.ngroups, 0);
	/* the child's --user, groups and all */
	ck_assert_int_eq(priv_parse_user(&child, "probe", err, sizeof err), 0);
	priv_sandbox_default(&sb, &child);
	ck_assert_uint_eq(sb.uid, 3100);
	ck_assert_int_eq(sb.ngroups, 2);
	/* ... unless that is root */
	ck_assert_int_eq(priv_parse_user(&child, "root", err, sizeof err), 0);
	priv_sandbox_default(&sb, &child);
	ck_assert_uint_eq(sb.uid, 65534);
	/* --probe-user wins */
	ck_assert_int_eq(priv_parse_probe_user(&set, "4242:4343", err,
	    sizeof err), 0);
	ck_assert_int_eq(priv_parse_user(&child, "probe", err, sizeof err), 0);
	priv_sandbox_default(&set, &child);
	ck_assert_uint_eq(set.uid, 4242);
	ck_assert_uint_eq(set.gid, 4343);
}
END_TEST

/* ---- priv_sandbox_apply() for real ---- */

enum try {
	T_NOTHING, T_EXECVE, T_OPEN_WRITE, T_OPENAT_RDWR, T_OPEN_CREAT,
	T_OPEN_TRUNC, T_PTRACE, T_KILL_1, T_KILL_PARENT, T_KILL_OTHER_GROUP,
	T_NETLINK, T_MMAP_EXEC, T_FORK, T_SETUID, T_UNLINK, T_INT80,
	T_PROBE_LIKE,
};

static const struct {
	const char *name;
	int killed;		/* 1: must die of SIGSYS; 0: must exit 0 */
} tries[] = {
	[T_NOTHING] = { "nothing", 0 },
	[T_EXECVE] = { "execve", 1 },
	[T_OPEN_WRITE] = { "open O_WRONLY", 1 },
	[T_OPENAT_RDWR] = { "openat O_RDWR", 1 },
	[T_OPEN_CREAT] = { "open O_CREAT", 1 },
	[T_OPEN_TRUNC] = { "open O_TRUNC", 1 },
	[T_PTRACE] = { "ptrace", 1 },
	[T_KILL_1] = { "kill(1)", 1 },
	[T_KILL_PARENT] = { "kill(parent)", 1 },
	[T_KILL_OTHER_GROUP] = { "kill(-other group)", 1 },
	[T_NETLINK] = { "socket(AF_NETLINK)", 1 },
	[T_MMAP_EXEC] = { "mmap PROT_EXEC", 1 },
	[T_FORK] = { "fork", 1 },
	[T_SETUID] = { "setuid", 1 },
	[T_UNLINK] = { "unlink", 1 },
	[T_INT80] = { "int $0x80 getpid", 1 },
	[T_PROBE_LIKE] = { "what a probe does", 0 },
};

/* What a tcp, http or file probe does, minus a peer: must all work. */
static int
probe_like(void)
{
	struct sockaddr_in a;
	struct timespec ts;
	struct stat st;
	char buf[256];
	int fd;

	if ((fd = open("/etc/hosts", O_RDONLY | O_CLOEXEC)) < 0)
		return 10;
	if (read(fd, buf, sizeof buf) < 0 || fstat(fd, &st) < 0)
		return 11;
	close(fd);
	if (stat("/etc", &st) < 0 || clock_gettime(CLOCK_REALTIME, &ts) < 0)
		return 12;
	fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return 13;
	memset(&a, 0, sizeof a);
	a.sin_family = AF_INET;
	a.sin_port = htons(1);
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	/* refused: nobody listens on port 1, but the call is allowed */
	if (connect(fd, (struct sockaddr *)&a, sizeof a) == 0 ||
	    errno != ECONNREFUSED)
		return 14;
	close(fd);
	if (kill(0, 0) < 0 || kill(-getpgrp(), 0) < 0)
		return 15;
	if (prctl(PR_SET_NAME, "probe", 0, 0, 0) < 0)
		return 16;
	free(malloc(1 << 20));	/* mmap-sized, then unmapped */
	if (write(STDOUT_FILENO, "", 0) < 0)
		return 17;
	return 0;
}

static int
try_it(enum try t)
{
	char *argv[] = { "/bin/true", NULL };
	pid_t other;

	switch (t) {
	case T_NOTHING:
		return 0;
	case T_EXECVE:
		execve(argv[0], argv, NULL);
		return 1;
	case T_OPEN_WRITE:
		return open("/dev/null", O_WRONLY | O_CLOEXEC) >= 0 ? 0 : 1;
	case T_OPENAT_RDWR:
		return openat(AT_FDCWD, "/dev/null", O_RDWR | O_CLOEXEC) >= 0 ?
		    0 : 1;
	case T_OPEN_CREAT:
		return open("/dev/null", O_RDONLY | O_CREAT |
		    O_CLOEXEC, 0600) >= 0 ? 0 : 1;
	case T_OPEN_TRUNC:
		return open("/dev/null", O_RDONLY | O_TRUNC | O_CLOEXEC) >= 0 ?
		    0 : 1;
	case T_PTRACE:
		return (int)ptrace(PTRACE_TRACEME, 0, NULL, NULL);
	case T_KILL_1:
		return kill(1, 0);
	case T_KILL_PARENT:
		return kill(getppid(), 0);
	case T_KILL_OTHER_GROUP:
		other = getpgid(getppid());
		return kill(-other, 0);
	case T_NETLINK:
		return socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, 0) >= 0 ?
		    0 : 1;
	case T_MMAP_EXEC:
		return mmap(NULL, 4096, PROT_READ | PROT_EXEC,
		    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0) != MAP_FAILED ? 0 : 1;
	case T_FORK:
		return (int)syscall(SYS_clone, (long)SIGCHLD, 0L, 0L, 0L, 0L)
		    >= 0 ? 0 : 1;
	case T_SETUID:
		return setuid(getuid());
	case T_UNLINK:
		return unlink("/tmp/vigil-sbx-never");
	case T_INT80:
#if defined(__x86_64__)
		{
			long r;

			__asm__ volatile("int $0x80" : "=a"(r) : "a"(20L)
			    : "r8", "r9", "r10", "r11", "cc", "memory");
			/* no IA32 emulation: -ENOSYS, as good as a kill */
			return r == -ENOSYS ? 99 : 0;
		}
#else
		return 99;
#endif
	case T_PROBE_LIKE:
		return probe_like();
	}
	return 2;
}

static int
under_valgrind(void)
{
	char line[512];
	FILE *f = fopen("/proc/self/maps", "re");
	int found = 0;

	if (f == NULL)
		return 0;
	while (!found && fgets(line, sizeof line, f) != NULL)
		found = strstr(line, "vgpreload") != NULL;
	fclose(f);
	return found;
}

START_TEST(apply_allowlist)
{
	const char *stage = NULL;
	pid_t pid;
	int st, rc;

	if (under_valgrind())
		return;
	pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		/* Its own group, as a probe process has. */
		setpgid(0, 0);
		rc = priv_sandbox_apply(NULL, &stage);
		if (rc < 0) {
			fprintf(stderr, "apply: %s: %s\n", stage,
			    strerror(-rc));
			_exit(3);
		}
		_exit(try_it((enum try)_i));
	}
	ck_assert_int_eq(waitpid(pid, &st, 0), pid);
	if (WIFEXITED(st) && WEXITSTATUS(st) == 99)
		return;		/* not testable here */
	if (tries[_i].killed)
		ck_assert_msg(WIFSIGNALED(st) && WTERMSIG(st) == SIGSYS,
		    "%s: status %#x, not SIGSYS", tries[_i].name, st);
	else
		ck_assert_msg(WIFEXITED(st) && WEXITSTATUS(st) == 0,
		    "%s: status %#x", tries[_i].name, st);
}
END_TEST

/* Without the sandbox the same tries do not die (so the test can fail). */
START_TEST(no_sandbox_no_kill)
{
	pid_t pid;
	int st;

	if (_i == T_EXECVE || _i == T_FORK || _i == T_PTRACE)
		return;		/* these would succeed and carry on */
	if (_i == T_INT80 && under_valgrind())
		return;		/* valgrind has no 32-bit entry: SIGILL */
	pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		setpgid(0, 0);
		try_it((enum try)_i);
		_exit(0);
	}
	ck_assert_int_eq(waitpid(pid, &st, 0), pid);
	ck_assert_msg(WIFEXITED(st), "%s: status %#x", tries[_i].name, st);
}
END_TEST

/* What the kernel says of a sandboxed process. */
START_TEST(apply_status)
{
	int p[2], q[2], st;
	char buf[4096] = "";
	ssize_t n;
	pid_t pid;
	int fd;

	if (under_valgrind())
		return;
	ck_assert_int_eq(pipe(p), 0);
	ck_assert_int_eq(pipe(q), 0);
	/* The child reports it is sandboxed, then waits in an allowed read. */
	pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		close(p[0]);
		close(q[1]);
		if (priv_sandbox_apply(NULL, NULL) < 0)
			_exit(3);
		if (write(p[1], "x", 1) != 1)
			_exit(4);
		(void)read(q[0], buf, 1);
		_exit(0);
	}
	close(p[1]);
	close(q[0]);
	ck_assert_int_eq(read(p[0], buf, 1), 1);
	snprintf(buf, sizeof buf, "/proc/%d/status", (int)pid);
	fd = open(buf, O_RDONLY);
	ck_assert_int_ge(fd, 0);
	n = read(fd, buf, sizeof buf - 1);
	ck_assert_int_gt(n, 0);
	buf[n] = '\0';
	close(fd);
	close(q[1]);
	ck_assert_int_eq(waitpid(pid, &st, 0), pid);
	ck_assert_msg(WIFEXITED(st) && WEXITSTATUS(st) == 0, "status %#x", st);
	close(p[0]);
	if (geteuid() == 0) {
		ck_assert_msg(strstr(buf, "Uid:\t65534\t65534\t65534\t65534")
		    != NULL, "%s", buf);
		ck_assert_ptr_nonnull(strstr(buf, "Groups:\t \n"));
		ck_assert_ptr_nonnull(strstr(buf,
		    "CapBnd:\t0000000000000000"));
	}
	ck_assert_ptr_nonnull(strstr(buf, "CapInh:\t0000000000000000"));
	ck_assert_ptr_nonnull(strstr(buf, "CapPrm:\t0000000000000000"));
	ck_assert_ptr_nonnull(strstr(buf, "CapEff:\t0000000000000000"));
	ck_assert_ptr_nonnull(strstr(buf, "CapAmb:\t0000000000000000"));
	ck_assert_ptr_nonnull(strstr(buf, "NoNewPrivs:\t1"));
	ck_assert_ptr_nonnull(strstr(buf, "Seccomp:\t2"));
}
END_TEST

/*
 * The kernel clears the parent-death signal as the ids change; the probe
 * process must still die with vigil (root: the ids really change).
 */
START_TEST(ids_keep_pdeathsig)
{
	const char *stage = NULL;
	pid_t pid;
	int st, sig;

	if (geteuid() != 0)
		return;
	pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		if (prctl(PR_SET_PDEATHSIG, SIGKILL) < 0)
			_exit(2);
		if (priv_set_ids(4242, 4242, 0, NULL, &stage) < 0)
			_exit(3);
		sig = 0;
		if (prctl(PR_GET_PDEATHSIG, &sig) < 0)
			_exit(4);
		_exit(sig == SIGKILL ? 0 : 5);
	}
	ck_assert_int_eq(waitpid(pid, &st, 0), pid);
	ck_assert_msg(WIFEXITED(st) && WEXITSTATUS(st) == 0, "status %#x", st);
}
END_TEST

Suite *
suite_priv_sandbox(void)
{
	Suite *s = suite_create("priv_sandbox");
	TCase *tc = tcase_create("parse");
	int n = (int)(sizeof tries / sizeof tries[0]);

	tcase_add_checked_fixture(tc, etc_setup, etc_teardown);
	tcase_add_test(tc, probe_user_parse);
	tcase_add_test(tc, probe_user_default);
	suite_add_tcase(s, tc);
	tc = tcase_create("apply");
	tcase_add_loop_test(tc, apply_allowlist, 0, n);
	tcase_add_loop_test(tc, no_sandbox_no_kill, 0, n);
	tcase_add_test(tc, apply_status);
	tcase_add_test(tc, ids_keep_pdeathsig);
	suite_add_tcase(s, tc);
	return s;
}
