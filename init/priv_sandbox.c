/* SPDX-License-Identifier: MIT */
/*
 * The probe sandbox: what a forked network probe process (tcp, http, unix,
 * redis, postgres, file) gives up before it touches anything a peer could
 * control. It becomes an unprivileged identity, drops every capability,
 * sets no_new_privs and loads a kill-by-default seccomp allowlist. The
 * allowlist is the one table below; nothing else adds to it. PID 1 only
 * parses --probe-user; the rest runs in the probe process, never in vigil.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/futex.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <unistd.h>

#include <seccomp.h>

#include "priv.h"
#include "priv_int.h"

#define SANDBOX_NOBODY 65534	/* needs no passwd entry */
#define SANDBOX_PROG_MAX 1024	/* BPF instructions; ours are ~200 */
/* Stands in for minus the probe's process group in the compiled filter. */
#define SANDBOX_MARK 0x9e3779b9u

/* What one allowlist entry lets through of a call's arguments. */
enum sandbox_arg {
	SB_ANY,			/* every call */
	SB_RDONLY_1,		/* open(path, flags): flags opens for reading */
	SB_RDONLY_2,		/* openat(dir, path, flags): the same */
	SB_NOEXEC_2,		/* mmap/mprotect: prot without PROT_EXEC */
	SB_FAMILY_0,		/* socket: AF_INET, AF_INET6, AF_UNIX only */
	SB_OWN_GROUP_0,		/* kill: pid 0 or minus our own group */
	SB_SET_NAME_0,		/* prctl: PR_SET_NAME only */
	SB_FUTEX_1,		/* futex: wait and wake, nothing fancier */
	SB_FIONREAD_1,		/* ioctl: FIONREAD only */
};

/*
 * Everything a probe process may do once sandboxed, under both libcs:
 * talk on its sockets and its output pipe, resolve a name (read
 * /etc/hosts, resolv.conf, services, nsswitch.conf; one UDP socket per
 * server, which musl binds to port 0), stat the file probe's path, keep
 * time, allocate memory, and end. Calls the native arch lacks (open on
 * arm64, recv on x86_64) are skipped. Anything else (execve, open for
 * writing, ptrace, a signal to another process) kills the process.
 */
static const struct sandbox_allow {
	const char *name;
	enum sandbox_arg arg;
} sandbox_allow[] = {
	/* sockets, the output pipe */
	{ "socket", SB_FAMILY_0 },
	{ "connect", SB_ANY },
	{ "bind", SB_ANY },
	{ "getsockopt", SB_ANY },
	{ "setsockopt", SB_ANY },
	{ "getsockname", SB_ANY },
	{ "getpeername", SB_ANY },
	{ "read", SB_ANY },
	{ "readv", SB_ANY },
	{ "write", SB_ANY },
	{ "writev", SB_ANY },
	{ "recv", SB_ANY },
	{ "recvfrom", SB_ANY },
	{ "recvmsg", SB_ANY },
	{ "recvmmsg", SB_ANY },
	{ "send", SB_ANY },
	{ "sendto", SB_ANY },
	{ "sendmsg", SB_ANY },
	{ "sendmmsg", SB_ANY },
	{ "shutdown", SB_ANY },
	{ "poll", SB_ANY },
	{ "ppoll", SB_ANY },
	{ "close", SB_ANY },
	{ "fcntl", SB_ANY },
	{ "ioctl", SB_FIONREAD_1 },	/* glibc resolver: datagram size */
	/* files, for the resolver and the file probe: read-only */
	{ "open", SB_RDONLY_1 },
	{ "openat", SB_RDONLY_2 },
	{ "stat", SB_ANY },
	{ "lstat", SB_ANY },
	{ "fstat", SB_ANY },
	{ "newfstatat", SB_ANY },
	{ "statx", SB_ANY },
	{ "lseek", SB_ANY },
	/* time */
	{ "clock_gettime", SB_ANY },
	{ "gettimeofday", SB_ANY },
	{ "nanosleep", SB_ANY },
	{ "clock_nanosleep", SB_ANY },
	/* memory, for malloc */
	{ "brk", SB_ANY },
	{ "mmap", SB_NOEXEC_2 },
	{ "mremap", SB_ANY },
	{ "munmap", SB_ANY },
	{ "madvise", SB_ANY },
	{ "mprotect", SB_NOEXEC_2 },
	{ "getrandom", SB_ANY },
	{ "futex", SB_FUTEX_1 },	/* glibc's once-only initialisers */
	/* signals and the end */
	{ "rt_sigreturn", SB_ANY },
	{ "rt_sigprocmask", SB_ANY },
	{ "getpid", SB_ANY },
	{ "getpgrp", SB_ANY },
	{ "uname", SB_ANY },		/* glibc resolver: the host name */
	{ "gettid", SB_ANY },
	{ "kill", SB_OWN_GROUP_0 },
	{ "prctl", SB_SET_NAME_0 },
	{ "exit", SB_ANY },
	{ "exit_group", SB_ANY },
#if defined(__SANITIZE_ADDRESS__)
	/* The sanitizer runtime of test builds unsets its stack on exit. */
	{ "sigaltstack", SB_ANY },
#endif
};

#define SANDBOX_NALLOW (sizeof sandbox_allow / sizeof sandbox_allow[0])

/*
 * The rule(s) for one entry. Calls with a condition get one rule per
 * allowed value; libseccomp ORs the rules of one call.
 */
static int
sandbox_rule(scmp_filter_ctx ctx, int nr, enum sandbox_arg arg)
{
	const scmp_datum_t write = O_WRONLY | O_RDWR | O_CREAT | O_TRUNC;
	static const int families[] = { AF_INET, AF_INET6, AF_UNIX };
	static const int futex_ops[] = {
		FUTEX_WAIT, FUTEX_WAKE, FUTEX_WAIT_PRIVATE, FUTEX_WAKE_PRIVATE,
		FUTEX_WAIT_BITSET_PRIVATE,
		FUTEX_WAIT_BITSET_PRIVATE | FUTEX_CLOCK_REALTIME,
	};
	size_t i;
	int rc;

	switch (arg) {
	case SB_ANY:
		return seccomp_rule_add(ctx, SCMP_ACT_ALLOW, nr, 0);
	case SB_RDONLY_1:
		return seccomp_rule_add(ctx, SCMP_ACT_ALLOW, nr, 1,
		    SCMP_A1(SCMP_CMP_MASKED_EQ, write, 0));
	case SB_RDONLY_2:
		return seccomp_rule_add(ctx, SCMP_ACT_ALLOW, nr, 1,
		    SCMP_A2(SCMP_CMP_MASKED_EQ, write, 0));
	case SB_NOEXEC_2:
		return seccomp_rule_add(ctx, SCMP_ACT_ALLOW, nr, 1,
		    SCMP_A2(SCMP_CMP_MASKED_EQ, PROT_EXEC, 0));
	case SB_FAMILY_0:
		for (i = 0; i < sizeof families / sizeof families[0]; i++) {
			rc = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, nr, 1,
			    SCMP_A0(SCMP_CMP_EQ, (scmp_datum_t)families[i], 0));
			if (rc < 0)
				return rc;
		}
		return 0;
	case SB_OWN_GROUP_0:
		/*
		 * pid_t is an int: compare the low 32 bits only. Minus our
		 * group is not known until the probe process exists; the
		 * mark stands in for it (sandbox_patch()).
		 */
		rc = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, nr, 1,
		    SCMP_A0_32(SCMP_CMP_EQ, 0, 0));
		if (rc < 0)
			return rc;
		return seccomp_rule_add(ctx, SCMP_ACT_ALLOW, nr, 1,
		    SCMP_A0_32(SCMP_CMP_EQ, SANDBOX_MARK, 0));
	case SB_FUTEX_1:
		for (i = 0; i < sizeof futex_ops / sizeof futex_ops[0]; i++) {
			rc = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, nr, 1,
			    SCMP_A1_32(SCMP_CMP_EQ, (uint32_t)futex_ops[i], 0));
			if (rc < 0)
				return rc;
		}
		return 0;
	case SB_FIONREAD_1:
		return seccomp_rule_add(ctx, SCMP_ACT_ALLOW, nr, 1,
		    SCMP_A1_32(SCMP_CMP_EQ, FIONREAD, 0));
	case SB_SET_NAME_0:
		return seccomp_rule_add(ctx, SCMP_ACT_ALLOW, nr, 1,
		    SCMP_A0(SCMP_CMP_EQ, PR_SET_NAME, 0));
	}
	return -EINVAL;
}

/*
 * Native arch only: the probe is vigil's own code, so a 32-bit entry
 * (int $0x80) means someone else's code, and the bad-arch action kills.
 */
static int
sandbox_filter(scmp_filter_ctx *out)
{
	uint32_t kill = seccomp_api_get() >= 3 ? SCMP_ACT_KILL_PROCESS :
	    SCMP_ACT_KILL;
	scmp_filter_ctx ctx;
	size_t i;
	int nr, rc = 0;

	if ((ctx = seccomp_init(kill)) == NULL)
		return -ENOMEM;
	(void)seccomp_attr_set(ctx, SCMP_FLTATR_API_SYSRAWRC, 1);
	rc = seccomp_attr_set(ctx, SCMP_FLTATR_ACT_BADARCH, kill);
	for (i = 0; rc == 0 && i < SANDBOX_NALLOW; i++) {
		nr = seccomp_syscall_resolve_name_arch(SCMP_ARCH_NATIVE,
		    sandbox_allow[i].name);
		if (nr < 0)
			continue;
		rc = sandbox_rule(ctx, nr, sandbox_allow[i].arg);
	}
	if (rc < 0) {
		seccomp_release(ctx);
		return rc;
	}
	*out = ctx;
	return 0;
}

/*
 * The compiled filter. Building it with libseccomp costs about half a
 * millisecond of CPU under musl, per probe run if done in the probe
 * process; PID 1 compiles it once at start-up (priv_sandbox_prepare()) and
 * each probe process only patches in its group and loads it. PID 1 holds
 * the instructions, never a loaded filter.
 */
static struct {
	int ready;
	unsigned short len;
	struct sock_filter prog[SANDBOX_PROG_MAX];
} sandbox_bpf;

/* libseccomp 2.5 exports to a descriptor only: a pipe, read back. */
static int
sandbox_compile(void)
{
	scmp_filter_ctx ctx;
	size_t want = sizeof sandbox_bpf.prog, got = 0;
	ssize_t n;
	int p[2], rc;

	if ((rc = sandbox_filter(&ctx)) < 0)
		return rc;
	if (pipe2(p, O_CLOEXEC) < 0) {
		rc = -errno;
		seccomp_release(ctx);
		return rc;
	}
	/* Far below the pipe's 64 KiB, so the export cannot block. */
	rc = seccomp_export_bpf(ctx, p[1]);
	seccomp_release(ctx);
	close(p[1]);
	while (rc == 0 && got < want) {
		n = read(p[0], (char *)sandbox_bpf.prog + got, want - got);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			rc = -errno;
		if (n <= 0)
			break;
		got += (size_t)n;
	}
	/* A program that fills the buffer may have been cut: refuse it. */
	if (rc == 0 && (got == 0 || got >= want ||
	    got % sizeof sandbox_bpf.prog[0] != 0))
		rc = -E2BIG;
	close(p[0]);
	if (rc < 0)
		return rc;
	sandbox_bpf.len = (unsigned short)(got / sizeof sandbox_bpf.prog[0]);
	sandbox_bpf.ready = 1;
	return 0;
}

int
priv_sandbox_prepare(void)
{
	return sandbox_bpf.ready ? 0 : sandbox_compile();
}

/*
 * Puts minus our process group where the mark is, in this process's copy
 * of the program. Fails closed if the mark is missing: the kill rule would
 * then not be the one the table asks for.
 */
static int
sandbox_patch(void)
{
	uint32_t own = (uint32_t)-getpgrp();
	int i, n = 0;

	for (i = 0; i < sandbox_bpf.len; i++) {
		struct sock_filter *f = &sandbox_bpf.prog[i];

		if (f->code == (BPF_JMP | BPF_JEQ | BPF_K) &&
		    f->k == SANDBOX_MARK) {
			f->k = own;
			n++;
		}
	}
	return n > 0 ? 0 : -EINVAL;
}

/*
 * USER[:GROUP] as for --user, except that a bare number without a passwd
 * entry gets gid 65534 rather than Docker's 0: a probe needs no group.
 * Root may be asked for, to reach a root-only socket or file: it keeps no
 * capability and the same allowlist, so it owns files but cannot override
 * any permission.
 */
int
priv_parse_probe_user(struct priv_sandbox *sb, const char *spec, char *err,
    size_t errlen)
{
	struct priv t;
	int rc;

	memset(&t, 0, sizeof t);
	if ((rc = priv_parse_user(&t, spec, err, errlen)) < 0)
		return rc;
	if (strchr(spec, ':') == NULL && t.name[0] == '\0') {
		t.gid = SANDBOX_NOBODY;
		t.ngroups = 0;
	}
	sb->has_user = 1;
	sb->uid = t.uid;
	sb->gid = t.gid;
	sb->ngroups = t.ngroups;
	memcpy(sb->groups, t.groups, sizeof sb->groups);
	return 0;
}

void
priv_sandbox_default(struct priv_sandbox *sb, const struct priv *child)
{
	if (sb->has_user)
		return;
	if (child != NULL && child->has_user && child->uid != 0) {
		sb->uid = child->uid;
		sb->gid = child->gid;
		sb->ngroups = child->ngroups;
		memcpy(sb->groups, child->groups, sizeof sb->groups);
	} else {
		sb->uid = SANDBOX_NOBODY;
		sb->gid = SANDBOX_NOBODY;
		sb->ngroups = 0;
	}
}

/*
 * A vigil that is not root (an image's USER, `vigil probe` in a docker
 * exec as that user) is unprivileged already and cannot change its ids or
 * empty the bounding set; only a --probe-user it cannot become is an
 * error. Everything else is checked and fails closed.
 */
int
priv_sandbox_apply(const struct priv_sandbox *sb, const char **stage)
{
	static const struct priv_sandbox nobody = {
		.uid = SANDBOX_NOBODY, .gid = SANDBOX_NOBODY,
	};
	struct sock_fprog prog;
	const char *dummy;
	int root = geteuid() == 0, last, rc;

	if (stage == NULL)
		stage = &dummy;
	*stage = NULL;
	if (sb == NULL)
		sb = &nobody;
	if ((last = priv_cap_last()) < 0)
		return priv_fail(stage, "capbset_read", last);
	rc = priv_cap_bound(0, last);
	if (rc < 0 && (root || rc != -EPERM))
		return priv_fail(stage, "capbset_drop", rc);
	if (prctl(PR_SET_KEEPCAPS, 0UL, 0UL, 0UL, 0UL) < 0)
		return priv_fail(stage, "keepcaps", -errno);
	if (root || sb->has_user) {
		rc = priv_set_ids(sb->uid, sb->gid, sb->ngroups, sb->groups,
		    stage);
		if (rc < 0)
			return rc;
	}
	if ((rc = priv_cap_sets(0, last)) < 0)
		return priv_fail(stage, "cap_set_proc", rc);
	if ((rc = priv_cap_ambient(0, sb->uid, last)) < 0)
		return priv_fail(stage, "cap_ambient", rc);
	if ((rc = priv_cap_verify(0, last, 1)) < 0)
		return priv_fail(stage, "cap_verify", rc);
	if (prctl(PR_SET_NO_NEW_PRIVS, 1UL, 0UL, 0UL, 0UL) < 0)
		return priv_fail(stage, "no_new_privs", -errno);
	if ((rc = priv_sandbox_prepare()) < 0)
		return priv_fail(stage, "seccomp_compile", rc);
	if ((rc = sandbox_patch()) < 0)
		return priv_fail(stage, "seccomp_patch", rc);
	prog.len = sandbox_bpf.len;
	prog.filter = sandbox_bpf.prog;
	if (prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog, 0UL, 0UL) < 0)
		return priv_fail(stage, "seccomp_load", -errno);
	return 0;
}
