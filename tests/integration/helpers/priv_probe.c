/* SPDX-License-Identifier: MIT */
/*
 * What may this process do? Runs each operation given and prints one line
 * per operation, "NAME: ok" or "NAME: ERRNO" (EPERM, EACCES, ...), so
 * t_priv.sh can check privileges from the workload's side. Always exits 0
 * once the arguments parse.
 * Usage: priv_probe OP [ARG...] [OP [ARG...]]...   (ops: see usage())
 */
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <netinet/in.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static const char *
errname(int e)
{
	static char num[16];

	switch (e) {
	case 0: return "ok";
	case EPERM: return "EPERM";
	case EACCES: return "EACCES";
	case ENOENT: return "ENOENT";
	case EINVAL: return "EINVAL";
	case EXDEV: return "EXDEV";
	case EROFS: return "EROFS";
	case ESRCH: return "ESRCH";
	case ENOSYS: return "ENOSYS";
	case EADDRINUSE: return "EADDRINUSE";
	}
	snprintf(num, sizeof num, "errno%d", e);
	return num;
}

static void
report(const char *op, int rc)
{
	printf("%s: %s\n", op, errname(rc < 0 ? errno : 0));
	fflush(stdout);
}

static void
op_bind(int port)
{
	struct sockaddr_in a;
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

	memset(&a, 0, sizeof a);
	a.sin_family = AF_INET;
	a.sin_port = htons((unsigned short)port);
	a.sin_addr.s_addr = htonl(INADDR_ANY);
	report("bind", fd < 0 ? -1 : bind(fd, (struct sockaddr *)&a, sizeof a));
	if (fd >= 0)
		close(fd);
}

static void
op_mount(const char *dir)
{
	int rc = mount("none", dir, "tmpfs", 0, "size=64k");

	report("mount", rc);
	if (rc == 0)
		umount2(dir, MNT_DETACH);
}

/* Opens for writing without truncating: success alone proves the point. */
static void
op_write(const char *path)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC);

	report("write", fd);
	if (fd >= 0)
		close(fd);
}

/*
 * Two ways to swap the file: a new file next to it renamed over it (the
 * way vigil writes it), and a file of ours from /tmp renamed over it.
 */
static void
op_replace(const char *path)
{
	char tmp[4096], src[] = "/tmp/priv_probe.XXXXXX", copy[4096];
	int fd;

	snprintf(copy, sizeof copy, "%s", path);
	snprintf(tmp, sizeof tmp, "%s/.priv_probe.%d", dirname(copy),
	    (int)getpid());
	fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
	report("create", fd);
	if (fd >= 0) {
		close(fd);
		report("rename_sibling", rename(tmp, path));
		unlink(tmp);
	}
	fd = mkstemp(src);
	if (fd < 0) {
		report("mkstemp", -1);
		return;
	}
	close(fd);
	report("rename", rename(src, path));
	unlink(src);
}

static void
op_stat(const char *path)
{
	struct stat st;

	if (stat(path, &st) < 0) {
		report("stat", -1);
		return;
	}
	printf("stat: %o %u\n", (unsigned)(st.st_mode & 07777),
	    (unsigned)st.st_uid);
	fflush(stdout);
}

static void
op_wait(const char *path, int secs)
{
	struct timespec ts = { 0, 20 * 1000 * 1000 };
	int i;

	for (i = 0; i < secs * 50 && access(path, F_OK) < 0; i++)
		nanosleep(&ts, NULL);
	report("wait", access(path, F_OK));
}

/*
 * A 32-bit system call from this 64-bit process, the way i386 code makes
 * it: int $0x80 with the i386 number. Reports the errno the kernel gave,
 * or "skip" where there is no such entry.
 */
static void
op_int80(const char *name, long nr, long a1, long a2)
{
#if defined(__x86_64__)
	long r;

	/* The compat entry returns with r8-r11 zeroed. */
	__asm__ volatile("int $0x80" : "=a"(r) : "a"(nr), "b"(a1), "c"(a2)
	    : "r8", "r9", "r10", "r11", "cc", "memory");
	errno = r < 0 && r > -4096 ? (int)-r : 0;
	report(name, r < 0 && r > -4096 ? -1 : 0);
#else
	(void)nr;
	(void)a1;
	(void)a2;
	printf("%s: skip\n", name);
	fflush(stdout);
#endif
}

/* The child of a successful clone exits at once; the parent reaps it. */
static void
reap_report(const char *name, long pid)
{
	if (pid == 0)
		_exit(0);
	if (pid > 0)
		waitpid((pid_t)pid, NULL, 0);
	report(name, pid < 0 ? -1 : 0);
}

/* clone() and clone3() asking for a new user and network namespace. */
static void
op_clone_ns(void)
{
	struct {
		unsigned long long flags, pidfd, child_tid, parent_tid;
		unsigned long long exit_signal, stack, stack_size, tls;
	} args;
	unsigned long ns = CLONE_NEWUSER | CLONE_NEWNET;

	reap_report("clone_ns", syscall(SYS_clone, ns | SIGCHLD, 0L, 0L, 0L,
	    0L));
	memset(&args, 0, sizeof args);
	args.flags = ns;
	args.exit_signal = SIGCHLD;
#ifdef SYS_clone3
	reap_report("clone3_ns", syscall(SYS_clone3, &args, sizeof args));
	args.flags = 0;
	reap_report("clone3", syscall(SYS_clone3, &args, sizeof args));
#else
	printf("clone3_ns: skip\nclone3: skip\n");
#endif
	reap_report("clone", syscall(SYS_clone, (unsigned long)SIGCHLD, 0L,
	    0L, 0L, 0L));
}

static int
usage(void)
{
	fprintf(stderr, "usage: priv_probe OP...\n"
	    "  bind PORT | unshare | mount DIR | kill PID SIG | read PATH\n"
	    "  write PATH | replace PATH | stat PATH | wait PATH SECS\n"
	    "  int80 NAME NR A1 A2 | clone_ns\n");
	return 2;
}

int
main(int argc, char **argv)
{
	int i, fd;

	if (argc < 2)
		return usage();
	for (i = 1; i < argc; i++) {
		const char *op = argv[i];
		int left = argc - i - 1;

		if (strcmp(op, "bind") == 0 && left >= 1) {
			op_bind(atoi(argv[++i]));
		} else if (strcmp(op, "unshare") == 0) {
			report("unshare", unshare(CLONE_NEWUTS));
		} else if (strcmp(op, "mount") == 0 && left >= 1) {
			op_mount(argv[++i]);
		} else if (strcmp(op, "kill") == 0 && left >= 2) {
			report("kill", kill(atoi(argv[i + 1]),
			    atoi(argv[i + 2])));
			i += 2;
		} else if (strcmp(op, "read") == 0 && left >= 1) {
			fd = open(argv[++i], O_RDONLY | O_CLOEXEC);
			report("read", fd);
			if (fd >= 0)
				close(fd);
		} else if (strcmp(op, "write") == 0 && left >= 1) {
			op_write(argv[++i]);
		} else if (strcmp(op, "replace") == 0 && left >= 1) {
			op_replace(argv[++i]);
		} else if (strcmp(op, "stat") == 0 && left >= 1) {
			op_stat(argv[++i]);
		} else if (strcmp(op, "wait") == 0 && left >= 2) {
			op_wait(argv[i + 1], atoi(argv[i + 2]));
			i += 2;
		} else if (strcmp(op, "int80") == 0 && left >= 4) {
			op_int80(argv[i + 1], strtol(argv[i + 2], NULL, 0),
			    strtol(argv[i + 3], NULL, 0),
			    strtol(argv[i + 4], NULL, 0));
			i += 4;
		} else if (strcmp(op, "clone_ns") == 0) {
			op_clone_ns();
		} else {
			return usage();
		}
	}
	return 0;
}
