/* SPDX-License-Identifier: MIT */
/*
 * Unit tests for init/priv*.c: --user, --caps and seccomp list parsing, and
 * priv_apply() for real in a grandchild that then execs cat /proc/self/status
 * so the test reads what the kernel says. User tests run against passwd
 * and group fixtures in a temporary directory (priv_etc_root()).
 * Tests that need root are registered only when running as root.
 */
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <linux/securebits.h>
#include <sys/capability.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <unistd.h>

#include <seccomp.h>

#include "priv.h"
#include "priv_int.h"

Suite *suite_priv(void);

#define ERRLEN 256
#define BIT(n) (UINT64_C(1) << (n))

/* ---- helpers ---- */

static void
write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	ck_assert_msg(f != NULL, "fopen %s: %s", path, strerror(errno));
	ck_assert_int_ge(fputs(text, f), 0);
	ck_assert_int_eq(fclose(f), 0);
}

/*
 * Our own passwd and group files in a fixture directory that
 * priv_parse_user() is pointed at: no root and no mounts needed. The
 * checked fixture below removes the files and points it back at /etc.
 */
static char etc_dir[64];

static void
etc_dir_make(void)
{
	snprintf(etc_dir, sizeof etc_dir, "/tmp/vigil-etc.XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(etc_dir));
	ck_assert_int_eq(priv_etc_root(etc_dir), 0);
}

static void
etc_file(const char *name, const char *text)
{
	char path[128];

	if (etc_dir[0] == '\0')
		etc_dir_make();
	snprintf(path, sizeof path, "%s/%s", etc_dir, name);
	write_file(path, text);
}

static void
etc_teardown(void)
{
	char path[128];

	if (etc_dir[0] == '\0')
		return;
	snprintf(path, sizeof path, "%s/passwd", etc_dir);
	if (unlink(path) < 0)
		rmdir(path);
	snprintf(path, sizeof path, "%s/group", etc_dir);
	unlink(path);
	rmdir(etc_dir);
	etc_dir[0] = '\0';
	priv_etc_root("/etc");
}

static void
fake_etc_files(const char *passwd, const char *group)
{
	etc_file("passwd", passwd);
	etc_file("group", group);
}

/* The users and groups most tests use. */
static void
fake_etc(void)
{
	char grp[4096];
	size_t off;
	int i;

	off = (size_t)snprintf(grp, sizeof grp,
	    "root:x:0:\n"
	    "alice:x:1234:\n"
	    "devs:x:2000:bob,alice\n"
	    "ops:x:3000:alice,carol\n"
	    "nogroup:x:65534:\n");
	/* crowd is in more groups than struct priv can hold */
	for (i = 0; i < PRIV_GROUPS_MAX + 6; i++)
		off += (size_t)snprintf(grp + off, sizeof grp - off,
		    "g%d:x:%d:crowd\n", i, 5000 + i);
	ck_assert_uint_lt(off, sizeof grp);
	fake_etc_files(
	    "root:x:0:0:root:/root:/bin/sh\n"
	    "alice:x:1234:1234:Alice:/home/alice:/bin/sh\n"
	    "nohome:x:1300:1300:::/bin/sh\n"
	    "crowd:x:1400:1400::/home/crowd:/bin/sh\n"
	    "nobody:x:65534:65534:nobody:/nonexistent:/bin/false\n",
	    grp);
}

static int
has_gid(const struct priv *pv, gid_t g)
{
	int i;

	for (i = 0; i < pv->ngroups; i++)
		if (pv->groups[i] == g)
			return 1;
	return 0;
}

static int
has_deny(const struct priv *pv, const char *name)
{
	int nr = seccomp_syscall_resolve_name(name), i;

	for (i = 0; i < pv->ndeny; i++)
		if (pv->deny[i] == nr)
			return 1;
	return 0;
}

/*
 * What a child reported: everything it wrote to stdout (its own lines,
 * then cat's /proc/self/status), and how it ended.
 */
struct report {
	char out[16384];
	int status;
};

/*
 * Forks; the child runs before(), priv_apply(), after(), then execs
 * cat /proc/self/status, so the sets are read after an exec, where ambient
 * and bounding behaviour shows. The test process itself keeps its
 * privileges and stays able to report to Check.
 */
static void
run_applied(const struct priv *pv, void (*before)(void), void (*after)(void),
    struct report *r)
{
	const char *stage = NULL;
	size_t off = 0;
	ssize_t n;
	pid_t pid;
	int p[2], rc;

	ck_assert_int_eq(pipe2(p, O_CLOEXEC), 0);
	fflush(stdout);
	pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		if (dup2(p[1], 1) < 0)
			_exit(97);
		if (before != NULL)
			before();
		rc = priv_apply(pv, &stage);
		if (rc < 0) {
			printf("apply: %s %d\n", stage ? stage : "?", -rc);
			fflush(stdout);
			_exit(99);
		}
		printf("apply: ok\n");
		if (after != NULL)
			after();
		fflush(stdout);
		execl("/bin/cat", "cat", "/proc/self/status", (char *)NULL);
		printf("exec: %d\n", errno);
		fflush(stdout);
		_exit(98);
	}
	close(p[1]);
	while (off < sizeof r->out - 1 &&
	    (n = read(p[0], r->out + off, sizeof r->out - 1 - off)) > 0)
		off += (size_t)n;
	r->out[off] = '\0';
	close(p[0]);
	ck_assert_int_eq(waitpid(pid, &r->status, 0), pid);
}

/* The value of "Key:" in a report (first match), blanks squeezed. */
static const char *
field(const struct report *r, const char *key)
{
	static char val[256];
	const char *p = r->out, *e;
	size_t klen = strlen(key), n = 0;

	while (p != NULL && *p != '\0') {
		if (strncmp(p, key, klen) == 0 && p[klen] == ':') {
			p += klen + 1;
			e = strchr(p, '\n');
			if (e == NULL)
				e = p + strlen(p);
			while (p < e && (*p == ' ' || *p == '\t'))
				p++;
			for (; p < e && n < sizeof val - 1; p++) {
				if (*p == '\t')
					val[n++] = ' ';
				else
					val[n++] = *p;
			}
			while (n > 0 && val[n - 1] == ' ')
				n--;
			val[n] = '\0';
			return val;
		}
		p = strchr(p, '\n');
		if (p != NULL)
			p++;
	}
	return "(missing)";
}

/* The same field of our own (the test process's) /proc/self/status. */
static const char *
own_field(const char *key)
{
	static struct report self;
	int fd = open("/proc/self/status", O_RDONLY | O_CLOEXEC);
	ssize_t n;

	ck_assert_int_ge(fd, 0);
	n = read(fd, self.out, sizeof self.out - 1);
	ck_assert_int_gt(n, 0);
	self.out[n] = '\0';
	close(fd);
	return field(&self, key);
}

static void
assert_applied(const struct report *r)
{
	ck_assert_msg(WIFEXITED(r->status) && WEXITSTATUS(r->status) == 0,
	    "child failed (status %#x): %s", r->status, r->out);
	ck_assert_str_eq(field(r, "apply"), "ok");
}

static void
assert_caps(const struct report *r, const char *all5)
{
	ck_assert_str_eq(field(r, "CapInh"), all5);
	ck_assert_str_eq(field(r, "CapPrm"), all5);
	ck_assert_str_eq(field(r, "CapEff"), all5);
	ck_assert_str_eq(field(r, "CapBnd"), all5);
	ck_assert_str_eq(field(r, "CapAmb"), all5);
}

/*
 * Hooks run inside the child, before_* before priv_apply() and hook_* after
 * it; hooks print "key: value" lines.
 */

static void
hook_env(void)
{
	const char *h = getenv("HOME"), *u = getenv("USER"),
	    *l = getenv("LOGNAME");

	printf("HOME: %s\nUSER: %s\nLOGNAME: %s\n", h ? h : "(unset)",
	    u ? u : "(unset)", l ? l : "(unset)");
}

/*
 * hook_env, then the status read in place and no exec: ids do not change
 * at exec, and under valgrind --trace-children an exec after a change to a
 * uid with USER unset collides with valgrind's root-owned files in /tmp.
 */
static void
hook_env_noexec(void)
{
	char buf[8192];
	ssize_t n;
	int fd;

	hook_env();
	fflush(stdout);
	fd = open("/proc/self/status", O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		_exit(94);
	while ((n = read(fd, buf, sizeof buf)) > 0)
		if (write(1, buf, (size_t)n) != n)
			_exit(94);
	_exit(0);
}

static void
hook_unshare(void)
{
	struct utsname u;

	printf("unshare_uts: %d\n",
	    unshare(CLONE_NEWUTS) == 0 ? 0 : errno);
	printf("uname: %d\n", uname(&u) == 0 ? 0 : errno);
}

/* A private mount namespace, then a tmpfs mounted in it: both reported. */
static void
hook_mount(void)
{
	char dir[] = "/tmp/vigil-mnt.XXXXXX";
	int rc;

	printf("unshare_ns: %d\n", unshare(CLONE_NEWNS) == 0 ? 0 : errno);
	mount("none", "/", "none", MS_REC | MS_PRIVATE, NULL);
	if (mkdtemp(dir) == NULL) {
		printf("mount: mkdtemp %d\n", errno);
		return;
	}
	rc = mount("none", dir, "tmpfs", 0, "size=64k");
	printf("mount: %d\n", rc == 0 ? 0 : errno);
	if (rc == 0)
		umount2(dir, MNT_DETACH);
	rmdir(dir);
}

#if defined(__x86_64__)
/* A 32-bit system call from 64-bit code, as an i386 binary would make. */
static long
int80(long nr, long a1)
{
	long r;

	/* The compat entry returns with r8-r11 zeroed. */
	__asm__ volatile("int $0x80" : "=a"(r) : "a"(nr), "b"(a1)
	    : "r8", "r9", "r10", "r11", "cc", "memory");
	return r;
}

static void
hook_unshare32(void)
{
	/* 310 = unshare on i386 */
	printf("unshare32: %ld\n", int80(310, CLONE_NEWUTS));
}
#endif

/*
 * Binds port 80. Run in a fresh network namespace (before_netns), where
 * ip_unprivileged_port_start is the kernel's 1024 whatever the host or a
 * container runtime set, so only CAP_NET_BIND_SERVICE makes it work.
 */
static void
hook_bind80(void)
{
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	struct sockaddr_in a;

	memset(&a, 0, sizeof a);
	a.sin_family = AF_INET;
	a.sin_port = htons(80);
	a.sin_addr.s_addr = htonl(INADDR_ANY);
	printf("bind80: %d\n",
	    bind(fd, (struct sockaddr *)&a, sizeof a) == 0 ? 0 : errno);
	close(fd);
}

static void
before_netns(void)
{
	if (unshare(CLONE_NEWNET) < 0)
		_exit(95);
}

/* Simulates an inherited keepcaps, which a plain drop must not honour. */
static void
before_keepcaps(void)
{
	prctl(PR_SET_KEEPCAPS, 1UL, 0UL, 0UL, 0UL);
}

/*
 * Stops the kernel from emptying the sets at the uid change, as a parent
 * of vigil could: the read-back after the plain drop must notice.
 */
static void
before_no_fixup(void)
{
	if (prctl(PR_SET_SECUREBITS, (unsigned long)SECBIT_NO_SETUID_FIXUP,
	    0UL, 0UL, 0UL) < 0)
		_exit(95);
}

/* Leaves root before priv_apply(), which then cannot change the ids. */
static void
before_nobody(void)
{
	if (setresuid(65534, 65534, 65534) < 0)
		_exit(96);
}

/* Becomes alice with her groups, as an image's USER would start vigil. */
static void
before_alice(void)
{
	static const gid_t g[] = { 1234, 2000, 3000 };

	if (setgroups(3, g) < 0 || setresgid(1234, 1234, 1234) < 0 ||
	    setresuid(1234, 1234, 1234) < 0)
		_exit(96);
}

/* ---- --caps parsing ---- */

START_TEST(caps_names)
{
	struct priv pv = { 0 };
	char err[ERRLEN] = "";

	ck_assert_int_eq(priv_parse_caps(&pv, "net_bind_service", err,
	    sizeof err), 0);
	ck_assert_int_eq(pv.has_caps, 1);
	ck_assert_uint_eq(pv.caps, BIT(10));
	ck_assert_int_eq(priv_parse_caps(&pv, "chown,net_raw,kill", err,
	    sizeof err), 0);
	ck_assert_uint_eq(pv.caps, BIT(0) | BIT(13) | BIT(5));
	ck_assert_int_eq(priv_parse_caps(&pv, "checkpoint_restore", err,
	    sizeof err), 0);
	ck_assert_uint_eq(pv.caps, BIT(40));
}
END_TEST

START_TEST(caps_case_and_prefix)
{
	struct priv pv = { 0 };
	char err[ERRLEN] = "";

	ck_assert_int_eq(priv_parse_caps(&pv,
	    "CAP_NET_BIND_SERVICE, Cap_Sys_Time ,cap_chown,NET_RAW", err,
	    sizeof err), 0);
	ck_assert_uint_eq(pv.caps, BIT(10) | BIT(25) | BIT(0) | BIT(13));
}
END_TEST

START_TEST(caps_numbers)
{
	struct priv pv = { 0 };
	char err[ERRLEN] = "";

	ck_assert_int_eq(priv_parse_caps(&pv, "10,0,63", err, sizeof err), 0);
	ck_assert_uint_eq(pv.caps, BIT(10) | BIT(0) | BIT(63));
}
END_TEST

START_TEST(caps_none_and_duplicates)
{
	struct priv pv = { 0 };
	char err[ERRLEN] = "";

	pv.caps = BIT(3);
	ck_assert_int_eq(priv_parse_caps(&pv, "none", err, sizeof err), 0);
	ck_assert_int_eq(pv.has_caps, 1);
	ck_assert_uint_eq(pv.caps, 0);
	ck_assert_int_eq(priv_parse_caps(&pv, "NONE", err, sizeof err), 0);
	ck_assert_uint_eq(pv.caps, 0);
	ck_assert_int_eq(priv_parse_caps(&pv,
	    "net_raw,NET_RAW,cap_net_raw,13", err, sizeof err), 0);
	ck_assert_uint_eq(pv.caps, BIT(13));
	/* A second --caps replaces the first. */
	ck_assert_int_eq(priv_parse_caps(&pv, "kill", err, sizeof err), 0);
	ck_assert_uint_eq(pv.caps, BIT(5));
}
END_TEST

static const struct {
	const char *in, *msg;
} caps_bad[] = {
	{ "foo", "unknown capability 'foo'" },
	{ "", "empty capability list" },
	{ "  ", "empty capability list" },
	{ "chown,", "empty capability name" },
	{ ",chown", "empty capability name" },
	{ "chown,,kill", "empty capability name" },
	{ "cap_", "unknown capability 'cap_'" },
	{ "cap_10", "unknown capability 'cap_10'" },
	{ "64", "unknown capability '64'" },
	{ "1x", "unknown capability '1x'" },
	{ "net raw", "unknown capability 'net raw'" },
	{ "none,chown", "'none' cannot be combined" },
	{ "chown,none", "'none' cannot be combined" },
	{ "net_bind_servic", "unknown capability 'net_bind_servic'" },
	{ "all", "unknown capability 'all'" },
	{ "chown,bad\nline", "unknown capability 'bad'" },
};

START_TEST(caps_errors)
{
	struct priv pv = { 0 };
	char err[ERRLEN];
	const char *in = caps_bad[_i].in;

	pv.has_caps = 0;
	pv.caps = BIT(7);
	err[0] = '\0';
	ck_assert_msg(priv_parse_caps(&pv, in, err, sizeof err) == -EINVAL,
	    "'%s' accepted", in);
	ck_assert_msg(strstr(err, caps_bad[_i].msg) != NULL,
	    "'%s': got '%s'", in, err);
	ck_assert_ptr_null(strchr(err, '\n'));
	/* pv untouched */
	ck_assert_int_eq(pv.has_caps, 0);
	ck_assert_uint_eq(pv.caps, BIT(7));
}
END_TEST

/* Our table must agree with libcap's names for every cap it knows. */
START_TEST(caps_table_matches_libcap)
{
	struct priv pv = { 0 };
	char err[ERRLEN] = "";
	cap_value_t v;
	char *name;

	for (v = 0; v <= 40; v++) {
		name = cap_to_name(v);
		ck_assert_ptr_nonnull(name);
		ck_assert_msg(priv_parse_caps(&pv, name, err, sizeof err) == 0,
		    "%s: %s", name, err);
		ck_assert_msg(pv.caps == BIT(v), "%s is not %d", name, v);
		cap_free(name);
	}
}
END_TEST

/* ---- seccomp list parsing ---- */

START_TEST(seccomp_default_list)
{
	struct priv pv = { 0 };
	char err[ERRLEN] = "";
	static const char *const must[] = {
		"mount", "umount2", "unshare", "setns", "kexec_load", "bpf",
		"init_module", "open_by_handle_at", "keyctl", "userfaultfd",
		"perf_event_open", "reboot", "fsopen", "pivot_root",
		"clock_settime", "syslog", "process_vm_writev", "umount",
	};
	size_t i;

	ck_assert_int_eq(priv_parse_seccomp(&pv, "default", err, sizeof err),
	    0);
	ck_assert_int_eq(pv.no_new_privs, 1);
	for (i = 0; i < sizeof must / sizeof must[0]; i++)
		ck_assert_msg(has_deny(&pv, must[i]), "%s not denied",
		    must[i]);
	ck_assert(!has_deny(&pv, "ptrace"));
	ck_assert(!has_deny(&pv, "personality"));
	ck_assert(!has_deny(&pv, "clone"));
	ck_assert_int_eq(pv.deny_ns, 1);
	ck_assert(!has_deny(&pv, "execve"));
	/* i386's umount is no native call: a pseudo-number stands in. */
	ck_assert_int_lt(seccomp_syscall_resolve_name("umount"), 0);
	ck_assert_int_gt(pv.ndeny, 40);
	ck_assert_int_lt(pv.ndeny, 64);
}
END_TEST

/*
 * The filter's pseudo code (libseccomp's PFC export), one section per
 * architecture, so tests can see which numbers each arch denies.
 */
static char *
filter_pfc(const struct priv *pv)
{
	scmp_filter_ctx ctx;
	const char *stage = NULL;
	char *text;
	FILE *f;
	long n;

	ck_assert_int_eq(priv_seccomp_build(pv, &ctx, &stage), 0);
	f = tmpfile();
	ck_assert_ptr_nonnull(f);
	ck_assert_int_eq(seccomp_export_pfc(ctx, fileno(f)), 0);
	seccomp_release(ctx);
	n = ftell(f) > 0 ? ftell(f) : lseek(fileno(f), 0, SEEK_END);
	ck_assert_int_gt(n, 0);
	text = calloc(1, (size_t)n + 1);
	ck_assert_ptr_nonnull(text);
	ck_assert_int_eq(pread(fileno(f), text, (size_t)n, 0), n);
	fclose(f);
	return text;
}

/* The part of a PFC text that filters for one architecture, or NULL. */
static char *
pfc_arch(char *pfc, const char *arch)
{
	char head[64], *p, *end;

	snprintf(head, sizeof head, "# filter for arch %s (", arch);
	if ((p = strstr(pfc, head)) == NULL)
		return NULL;
	end = strstr(p + 1, "# filter for arch ");
	if (end == NULL)
		end = strstr(p, "# invalid architecture action");
	ck_assert_ptr_nonnull(end);
	return strndup(p, (size_t)(end - p));
}

static int
pfc_denies(const char *sect, int nr, int err)
{
	char want[96], *p;

	snprintf(want, sizeof want, "if ($syscall == %d)\n    action ERRNO(%d);",
	    nr, err);
	p = strstr(sect, want);
	return p != NULL;
}

/*
 * Every name of the default list is denied on every architecture that has
 * it, the 32-bit twins included: the i386 numbers of clock_settime64 and
 * clock_adjtime64 are 404 and 405, of umount 22.
 */
START_TEST(seccomp_default_every_arch)
{
	static const char *const arches[] = { "x86_64", "x86", "x32" };
	struct priv pv = { 0 };
	char err[ERRLEN] = "", *pfc, *sect, *name;
	uint32_t tok[] = { SCMP_ARCH_X86_64, SCMP_ARCH_X86, SCMP_ARCH_X32 };
	size_t a;
	int i, nr, checked = 0;

	if (seccomp_arch_native() != SCMP_ARCH_X86_64)
		return;
	ck_assert_int_eq(priv_parse_seccomp(&pv, "default", err, sizeof err),
	    0);
	ck_assert(has_deny(&pv, "clock_settime64"));
	ck_assert(has_deny(&pv, "clock_adjtime64"));
	pfc = filter_pfc(&pv);
	for (a = 0; a < sizeof arches / sizeof arches[0]; a++) {
		sect = pfc_arch(pfc, arches[a]);
		ck_assert_msg(sect != NULL, "no section for %s", arches[a]);
		for (i = 0; i < pv.ndeny; i++) {
			name = seccomp_syscall_resolve_num_arch(SCMP_ARCH_NATIVE,
			    pv.deny[i]);
			ck_assert_ptr_nonnull(name);
			nr = seccomp_syscall_resolve_name_arch(tok[a], name);
			if (nr >= 0) {
				ck_assert_msg(pfc_denies(sect, nr, EPERM),
				    "%s: %s (%d) not denied", arches[a], name,
				    nr);
				checked++;
			}
			free(name);
		}
		if (tok[a] == SCMP_ARCH_X86) {
			ck_assert(pfc_denies(sect, 404, EPERM));
			ck_assert(pfc_denies(sect, 405, EPERM));
			ck_assert(pfc_denies(sect, 22, EPERM));
		}
		/* clone3 is ENOSYS, clone carries no namespace flag */
		nr = seccomp_syscall_resolve_name_arch(tok[a], "clone3");
		ck_assert_msg(pfc_denies(sect, nr, ENOSYS), "%s clone3",
		    arches[a]);
		ck_assert_msg(strstr(sect, "& 0x10000000 == 268435456") != NULL,
		    "%s: no CLONE_NEWUSER rule", arches[a]);
		ck_assert(strstr(sect, "& 0x40000000 == 1073741824") != NULL);
		free(sect);
	}
	ck_assert_int_gt(checked, 3 * 40);
	free(pfc);
}
END_TEST

/* A list of names of its own gets no clone rules, only its names. */
START_TEST(seccomp_list_no_clone_rules)
{
	struct priv pv = { 0 };
	char err[ERRLEN] = "", *pfc;

	ck_assert_int_eq(priv_parse_deny(&pv, "mount", err, sizeof err), 0);
	ck_assert_int_eq(pv.deny_ns, 0);
	pfc = filter_pfc(&pv);
	ck_assert_ptr_null(strstr(pfc, "clone"));
	free(pfc);
}
END_TEST

START_TEST(seccomp_file_list)
{
	struct priv pv = { 0 };
	char err[ERRLEN] = "", path[] = "/tmp/vigil-scmp.XXXXXX", spec[64];
	int fd = mkstemp(path), rc;

	ck_assert_int_ge(fd, 0);
	close(fd);
	write_file(path,
	    "# what this service never needs\n"
	    "\n"
	    "mount\n"
	    "   unshare   # namespaces\n"
	    "\tsetns\t\n"
	    "mount\n"
	    "#keyctl\n"
	    "   \n"
	    "reboot");
	snprintf(spec, sizeof spec, "@%s", path);
	rc = priv_parse_seccomp(&pv, spec, err, sizeof err);
	unlink(path);
	ck_assert_msg(rc == 0, "%s", err);
	ck_assert_int_eq(pv.ndeny, 4);
	ck_assert(has_deny(&pv, "mount"));
	ck_assert(has_deny(&pv, "unshare"));
	ck_assert(has_deny(&pv, "setns"));
	ck_assert(has_deny(&pv, "reboot"));
	ck_assert(!has_deny(&pv, "keyctl"));
	ck_assert_int_eq(pv.no_new_privs, 1);
}
END_TEST

static const struct {
	const char *text, *msg;
} scmp_bad_files[] = {
	{ "mount\n# fine\nfrobnicate\n", ":3: unknown syscall 'frobnicate'" },
	{ "mount umount2\n", ":1: bad syscall name 'mount umount2'" },
	{ "MOUNT\n", ":1: bad syscall name 'MOUNT'" },
	{ "mount,unshare\n", ":1: bad syscall name 'mount,unshare'" },
};

START_TEST(seccomp_file_errors)
{
	struct priv pv = { 0 };
	char err[ERRLEN] = "", path[] = "/tmp/vigil-scmp.XXXXXX", spec[64];
	int fd = mkstemp(path), rc;

	ck_assert_int_ge(fd, 0);
	close(fd);
	write_file(path, scmp_bad_files[_i].text);
	snprintf(spec, sizeof spec, "@%s", path);
	ck_assert_int_eq(priv_parse_deny(&pv, "kill", err, sizeof err), 0);
	pv.no_new_privs = 0;
	rc = priv_parse_seccomp(&pv, spec, err, sizeof err);
	unlink(path);
	ck_assert_int_eq(rc, -EINVAL);
	ck_assert_msg(strstr(err, scmp_bad_files[_i].msg) != NULL, "got '%s'",
	    err);
	ck_assert_msg(strstr(err, path) != NULL, "no path in '%s'", err);
	/* a failed parse adds nothing and implies nothing */
	ck_assert_int_eq(pv.ndeny, 1);
	ck_assert_int_eq(pv.no_new_privs, 0);
}
END_TEST

/* The list parser works on bytes: NULs, no terminator, long lines. */
START_TEST(seccomp_list_buffer)
{
	static const char nul[] = "mount\nunsh\0are\n";
	struct priv pv = { 0 };
	char err[ERRLEN] = "", buf[600];

	ck_assert_int_eq(priv_parse_list(&pv, nul, sizeof nul - 1, "l.txt",
	    err, sizeof err), -EINVAL);
	ck_assert_str_eq(err, "l.txt:2: NUL byte");
	ck_assert_int_eq(pv.ndeny, 0);
	/* "mount" then "setnsX" cut to "setns" by len: no terminator needed */
	ck_assert_int_eq(priv_parse_list(&pv, "mount\nsetnsX", 11, "l", err,
	    sizeof err), 0);
	ck_assert_int_eq(pv.ndeny, 2);
	ck_assert(has_deny(&pv, "setns"));
	ck_assert_int_eq(priv_parse_list(&pv, "", 0, "l", err, sizeof err),
	    0);
	memset(buf, ' ', sizeof buf);
	memcpy(buf + 300, "mount", 5);
	ck_assert_int_eq(priv_parse_list(&pv, buf, sizeof buf, "l", err,
	    sizeof err), -EINVAL);
	ck_assert_str_eq(err, "l:1: line too long");
	ck_assert_int_eq(pv.ndeny, 2);
	/* a name with a newline in it cannot split the message */
	ck_assert_int_eq(priv_parse_list(&pv, "\0", 1, "a\nb", err,
	    sizeof err), -EINVAL);
	ck_assert_ptr_null(strchr(err, '\n'));
}
END_TEST

/* An endless file is refused at 64 KiB, not read for ever. */
START_TEST(seccomp_file_bounded)
{
	struct priv pv = { 0 };
	char err[ERRLEN] = "", path[] = "/tmp/vigil-scmp.XXXXXX", spec[64];
	FILE *f;
	int fd, rc, i;

	ck_assert_int_eq(priv_parse_seccomp(&pv, "@/dev/zero", err,
	    sizeof err), -EINVAL);
	ck_assert_str_eq(err, "seccomp file '/dev/zero': larger than 64 KiB");
	/* exactly 64 KiB is fine, one byte more is not */
	fd = mkstemp(path);
	ck_assert_int_ge(fd, 0);
	f = fdopen(fd, "w");
	ck_assert_ptr_nonnull(f);
	fputs("mount\n", f);
	for (i = 6; i + 64 <= 64 * 1024; i += 64)
		fprintf(f, "#%062d\n", i);
	fprintf(f, "#%0*d\n", 64 * 1024 - i - 2, 0);
	fflush(f);
	ck_assert_int_eq(ftell(f), 64 * 1024);
	snprintf(spec, sizeof spec, "@%s", path);
	rc = priv_parse_seccomp(&pv, spec, err, sizeof err);
	ck_assert_msg(rc == 0, "%s", err);
	ck_assert_int_eq(pv.ndeny, 1);
	fputc('\n', f);
	fclose(f);
	rc = priv_parse_seccomp(&pv, spec, err, sizeof err);
	unlink(path);
	ck_assert_int_eq(rc, -EINVAL);
	ck_assert_msg(strstr(err, "larger than 64 KiB") != NULL, "%s", err);
}
END_TEST

/* A NUL in a file names the file and the line. */
START_TEST(seccomp_file_nul)
{
	struct priv pv = { 0 };
	char err[ERRLEN] = "", path[] = "/tmp/vigil-scmp.XXXXXX", spec[64],
	    want[96];
	int fd = mkstemp(path), rc;

	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(write(fd, "mount\n#x\nset\0ns\n", 16), 16);
	close(fd);
	snprintf(spec, sizeof spec, "@%s", path);
	rc = priv_parse_seccomp(&pv, spec, err, sizeof err);
	unlink(path);
	ck_assert_int_eq(rc, -EINVAL);
	snprintf(want, sizeof want, "%s:3: NUL byte", path);
	ck_assert_str_eq(err, want);
	ck_assert_int_eq(pv.ndeny, 0);
	ck_assert_int_eq(pv.no_new_privs, 0);
}
END_TEST

START_TEST(seccomp_bad_specs)
{
	struct priv pv = { 0 };
	char err[ERRLEN] = "";

	ck_assert_int_eq(priv_parse_seccomp(&pv, "@/nonexistent/vigil.list",
	    err, sizeof err), -EINVAL);
	ck_assert_msg(strstr(err, "seccomp file '/nonexistent/vigil.list'")
	    != NULL, "got '%s'", err);
	ck_assert_int_eq(priv_parse_seccomp(&pv, "strict", err, sizeof err),
	    -EINVAL);
	ck_assert_msg(strstr(err, "unknown seccomp profile 'strict'") != NULL,
	    "got '%s'", err);
	ck_assert_int_eq(priv_parse_seccomp(&pv, "@", err, sizeof err),
	    -EINVAL);
	ck_assert_int_eq(priv_parse_seccomp(&pv, "", err, sizeof err),
	    -EINVAL);
	ck_assert_int_eq(priv_parse_seccomp(&pv, "Default", err, sizeof err),
	    -EINVAL);
	ck_assert_int_eq(pv.ndeny, 0);
	ck_assert_int_eq(pv.no_new_privs, 0);
}
END_TEST

START_TEST(seccomp_deny_list)
{
	struct priv pv = { 0 };
	char err[ERRLEN] = "";

	ck_assert_int_eq(priv_parse_deny(&pv, "mount, umount2,mount", err,
	    sizeof err), 0);
	ck_assert_int_eq(pv.ndeny, 2);
	ck_assert_int_eq(pv.no_new_privs, 1);
	/* adds to what is there; the default's mount is not counted twice */
	ck_assert_int_eq(priv_parse_seccomp(&pv, "default", err, sizeof err),
	    0);
	ck_assert(has_deny(&pv, "unshare"));
	ck_assert_int_eq(priv_parse_deny(&pv, "ptrace", err, sizeof err), 0);
	ck_assert(has_deny(&pv, "ptrace"));
	{
		struct priv d = { 0 };
		int n;

		ck_assert_int_eq(priv_parse_seccomp(&d, "default", err,
		    sizeof err), 0);
		n = d.ndeny;
		ck_assert_int_eq(pv.ndeny, n + 1);
	}
}
END_TEST

START_TEST(seccomp_deny_errors)
{
	struct priv pv = { 0 };
	char err[ERRLEN] = "";

	ck_assert_int_eq(priv_parse_deny(&pv, "mount,frobnicate", err,
	    sizeof err), -EINVAL);
	ck_assert_str_eq(err, "unknown syscall 'frobnicate'");
	ck_assert_int_eq(pv.ndeny, 0);
	ck_assert_int_eq(pv.no_new_privs, 0);
	ck_assert_int_eq(priv_parse_deny(&pv, "", err, sizeof err), -EINVAL);
	ck_assert_int_eq(priv_parse_deny(&pv, "mount,", err, sizeof err),
	    -EINVAL);
	ck_assert_msg(strstr(err, "empty syscall name") != NULL, "%s", err);
	ck_assert_int_eq(priv_parse_deny(&pv, "mount,,setns", err,
	    sizeof err), -EINVAL);
	ck_assert_int_eq(priv_parse_deny(&pv, "a\nb", err, sizeof err),
	    -EINVAL);
	ck_assert_ptr_null(strchr(err, '\n'));
	ck_assert_int_eq(pv.ndeny, 0);
}
END_TEST

/* More names than the deny list holds is an error, not a silent cut. */
START_TEST(seccomp_too_many)
{
	struct priv pv = { 0 };
	char err[ERRLEN] = "", path[] = "/tmp/vigil-scmp.XXXXXX", spec[64];
	const char *name;
	FILE *f;
	int fd = mkstemp(path), nr, n = 0, rc;

	ck_assert_int_ge(fd, 0);
	f = fdopen(fd, "w");
	ck_assert_ptr_nonnull(f);
	for (nr = 0; nr < 1000 && n <= PRIV_DENY_MAX; nr++) {
		name = seccomp_syscall_resolve_num_arch(SCMP_ARCH_NATIVE, nr);
		if (name == NULL)
			continue;
		fprintf(f, "%s\n", name);
		free((void *)name);
		n++;
	}
	fclose(f);
	snprintf(spec, sizeof spec, "@%s", path);
	rc = priv_parse_seccomp(&pv, spec, err, sizeof err);
	unlink(path);
	ck_assert_int_gt(n, PRIV_DENY_MAX);
	ck_assert_int_eq(rc, -EINVAL);
	ck_assert_msg(strstr(err, "too many syscalls") != NULL, "%s", err);
	ck_assert_int_eq(pv.ndeny, 0);
}
END_TEST

/* ---- --user parsing ---- */

static const struct {
	const char *in, *msg;
} user_bad_syntax[] = {
	{ ":", "missing user" },
	{ "", "missing user" },
	{ ":root", "missing user" },
	{ "root:", "missing group" },
	{ "bob:", "missing group" },
	{ "1x", "bad user '1x'" },
	{ "-1", "bad user '-1'" },
	{ "4294967295", "bad user '4294967295'" },
	{ "99999999999", "bad user '99999999999'" },
	{ "18446744073709551617", "bad user '18446744073709551617'" },
	{ " root", "bad user ' root'" },
	{ "ro ot", "bad user 'ro ot'" },
	{ "root:0x", "bad group '0x'" },
	{ "root:a:b", "bad group 'a:b'" },
	{ "root\nx", "bad user 'root'" },
};

/* Syntax errors are caught before any lookup, and need no root. */
START_TEST(user_syntax_errors)
{
	struct priv pv = { 0 };
	char err[ERRLEN] = "";
	const char *in = user_bad_syntax[_i].in;

	ck_assert_msg(priv_parse_user(&pv, in, err, sizeof err) == -EINVAL,
	    "'%s' accepted", in);
	ck_assert_msg(strstr(err, user_bad_syntax[_i].msg) != NULL,
	    "'%s': got '%s'", in, err);
	ck_assert_ptr_null(strchr(err, '\n'));
	ck_assert_int_eq(pv.has_user, 0);
}
END_TEST

/* The real /etc: root exists everywhere vigil runs. */
START_TEST(user_root)
{
	struct priv pv = { 0 };
	char err[ERRLEN] = "";

	ck_assert_int_eq(priv_parse_user(&pv, "root", err, sizeof err), 0);
	ck_assert_int_eq(pv.has_user, 1);
	ck_assert_uint_eq(pv.uid, 0);
	ck_assert_uint_eq(pv.gid, 0);
	ck_assert_str_eq(pv.name, "root");
	ck_assert_int_eq(priv_parse_user(&pv, "0:0", err, sizeof err), 0);
	ck_assert_uint_eq(pv.uid, 0);
	ck_assert_str_eq(pv.name, "root");
	ck_assert_int_eq(pv.ngroups, 1);
	ck_assert_uint_eq(pv.groups[0], 0);
}
END_TEST

START_TEST(user_by_name)
{
	struct priv pv = { 0 };
	char err[ERRLEN] = "";

	fake_etc();
	ck_assert_msg(priv_parse_user(&pv, "alice", err, sizeof err) == 0,
	    "%s", err);
	ck_assert_int_eq(pv.has_user, 1);
	ck_assert_uint_eq(pv.uid, 1234);
	ck_assert_uint_eq(pv.gid, 1234);
	ck_assert_str_eq(pv.name, "alice");
	ck_assert_str_eq(pv.home, "/home/alice");
	ck_assert_int_eq(pv.ngroups, 3);
	ck_assert(has_gid(&pv, 1234));
	ck_assert(has_gid(&pv, 2000));
	ck_assert(has_gid(&pv, 3000));
	ck_assert_uint_eq(pv.groups[0], 1234);
}
END_TEST

/* A number with a passwd entry is that user, groups and all. */
START_TEST(user_by_number)
{
	struct priv pv = { 0 };
	char err[ERRLEN] = "";

	fake_etc();
	ck_assert_int_eq(priv_parse_user(&pv, "1234", err, sizeof err), 0);
	ck_assert_uint_eq(pv.uid, 1234);
	ck_assert_uint_eq(pv.gid, 1234);
	ck_assert_str_eq(pv.name, "alice");
	ck_assert_str_eq(pv.home, "/home/alice");
	ck_assert_int_eq(pv.ngroups, 3);
}
END_TEST

START_TEST(user_and_group)
{
	struct priv pv = { 0 };
	char err[ERRLEN] = "";

	fake_etc();
	ck_assert_int_eq(priv_parse_user(&pv, "alice:ops", err, sizeof err),
	    0);
	ck_assert_uint_eq(pv.uid, 1234);
	ck_assert_uint_eq(pv.gid, 3000);
	ck_assert_str_eq(pv.name, "alice");
	ck_assert_int_eq(pv.ngroups, 1);
	ck_assert_uint_eq(pv.groups[0], 3000);
	ck_assert_int_eq(priv_parse_user(&pv, "1234:2500", err, sizeof err),
	    0);
	ck_assert_uint_eq(pv.gid, 2500);
	ck_assert_int_eq(pv.ngroups, 1);
	ck_assert_uint_eq(pv.groups[0], 2500);
}
END_TEST

START_TEST(user_numeric_no_entry)
{
	struct priv pv = { 0 };
	char err[ERRLEN] = "";

	fake_etc();
	ck_assert_int_eq(priv_parse_user(&pv, "4242", err, sizeof err), 0);
	ck_assert_int_eq(pv.has_user, 1);
	ck_assert_uint_eq(pv.uid, 4242);
	ck_assert_uint_eq(pv.gid, 0);
	ck_assert_str_eq(pv.name, "");
	ck_assert_str_eq(pv.home, "/");
	ck_assert_int_eq(pv.ngroups, 1);
	ck_assert_uint_eq(pv.groups[0], 0);
	ck_assert_int_eq(priv_parse_user(&pv, "4242:4343", err, sizeof err),
	    0);
	ck_assert_uint_eq(pv.gid, 4343);
	ck_assert_uint_eq(pv.groups[0], 4343);
	ck_assert_int_eq(priv_parse_user(&pv, "4242:ops", err, sizeof err),
	    0);
	ck_assert_uint_eq(pv.gid, 3000);
	ck_assert_int_eq(priv_parse_user(&pv, "4294967294", err, sizeof err),
	    0);
	ck_assert_uint_eq(pv.uid, 4294967294U);
}
END_TEST

START_TEST(user_unknown)
{
	struct priv pv = { 0 };
	char err[ERRLEN] = "";

	fake_etc();
	ck_assert_int_eq(priv_parse_user(&pv, "bob", err, sizeof err),
	    -EINVAL);
	ck_assert_str_eq(err, "unknown user 'bob'");
	ck_assert_int_eq(priv_parse_user(&pv, "alice:nogrp", err, sizeof err),
	    -EINVAL);
	ck_assert_str_eq(err, "unknown group 'nogrp'");
	ck_assert_int_eq(priv_parse_user(&pv, "4242:wheel", err, sizeof err),
	    -EINVAL);
	ck_assert_str_eq(err, "unknown group 'wheel'");
	/* the real files had a daemon user; ours have not */
	ck_assert_int_eq(priv_parse_user(&pv, "daemon", err, sizeof err),
	    -EINVAL);
	ck_assert_int_eq(pv.has_user, 0);
}
END_TEST

START_TEST(user_empty_home)
{
	struct priv pv = { 0 };
	char err[ERRLEN] = "";

	fake_etc();
	ck_assert_int_eq(priv_parse_user(&pv, "nohome", err, sizeof err), 0);
	ck_assert_str_eq(pv.home, "/");
	ck_assert_str_eq(pv.name, "nohome");
	ck_assert_int_eq(pv.ngroups, 1);
	ck_assert_uint_eq(pv.groups[0], 1300);
}
END_TEST

/* What real files contain besides plain entries. */
START_TEST(user_file_quirks)
{
	struct priv pv = { 0 };
	char err[ERRLEN] = "", pw[8192];
	size_t off, line;

	off = (size_t)snprintf(pw, sizeof pw,
	    "# a comment\n"
	    "\n"
	    "+nis\n"
	    "-nis\n"
	    "broken:x:12x:1::/:/bin/sh\n"
	    "alice:x:1234:1234:Alice:/home/alice:/bin/sh\n"
	    "alice:x:9999:9999:only the first counts:/:/bin/sh\n");
	/*
	 * A line longer than vigil reads at once (4095 bytes), cut where
	 * both halves look like entries of their own.
	 */
	line = off;
	off += (size_t)snprintf(pw + off, sizeof pw - off,
	    "long:x:1500:1500::/home/long:/bin/");
	memset(pw + off, 'x', 4095 - (off - line));
	off += 4095 - (off - line);
	snprintf(pw + off, sizeof pw - off,
	    "ghost:x:1800:1800::/:/bin/sh\n"
	    "short:x:1600:1600::/home/short\n"
	    "last:x:1700:1700::/home/last:/bin/sh");
	fake_etc_files(pw,
	    "alice:x:1234:alice\n"
	    "devs:x:2000:alice2,bob\n"
	    "+nis:x:2500:alice\n"
	    "broken:x:zz:alice\n"
	    "ops:x:3000:bob,alice\n");
	ck_assert_int_eq(priv_parse_user(&pv, "alice", err, sizeof err), 0);
	ck_assert_uint_eq(pv.uid, 1234);
	/* primary once, not alice2's group, not the NIS or broken lines */
	ck_assert_int_eq(pv.ngroups, 2);
	ck_assert_uint_eq(pv.groups[0], 1234);
	ck_assert_uint_eq(pv.groups[1], 3000);
	ck_assert_int_eq(priv_parse_user(&pv, "broken", err, sizeof err),
	    -EINVAL);
	ck_assert_str_eq(err, "unknown user 'broken'");
	ck_assert_int_eq(priv_parse_user(&pv, "nis", err, sizeof err),
	    -EINVAL);
	/* an overlong line is skipped whole, not read in pieces */
	ck_assert_int_eq(priv_parse_user(&pv, "long", err, sizeof err),
	    -EINVAL);
	ck_assert_int_eq(priv_parse_user(&pv, "ghost", err, sizeof err),
	    -EINVAL);
	ck_assert_int_eq(priv_parse_user(&pv, "1500", err, sizeof err), 0);
	ck_assert_str_eq(pv.name, "");
	ck_assert_int_eq(priv_parse_user(&pv, "short", err, sizeof err), 0);
	ck_assert_str_eq(pv.home, "/home/short");
	/* no newline at the end of the file */
	ck_assert_int_eq(priv_parse_user(&pv, "last", err, sizeof err), 0);
	ck_assert_uint_eq(pv.uid, 1700);
	ck_assert_int_eq(priv_parse_user(&pv, "alice:broken", err,
	    sizeof err), -EINVAL);
}
END_TEST

/* A scratch image with no /etc/passwd or /etc/group at all. */
START_TEST(user_no_etc_files)
{
	struct priv pv = { 0 };
	char err[ERRLEN] = "";

	etc_dir_make();
	ck_assert_int_eq(priv_parse_user(&pv, "4242", err, sizeof err), 0);
	ck_assert_uint_eq(pv.uid, 4242);
	ck_assert_uint_eq(pv.gid, 0);
	ck_assert_int_eq(priv_parse_user(&pv, "4242:4242", err, sizeof err),
	    0);
	ck_assert_int_eq(priv_parse_user(&pv, "root", err, sizeof err),
	    -EINVAL);
	ck_assert_str_eq(err, "unknown user 'root'");
	ck_assert_int_eq(priv_parse_user(&pv, "0:wheel", err, sizeof err),
	    -EINVAL);
	ck_assert_str_eq(err, "unknown group 'wheel'");
}
END_TEST

/* An unreadable file is an error, not an empty file. */
START_TEST(user_unreadable_passwd)
{
	struct priv pv = { 0 };
	char err[ERRLEN] = "", path[128], want[160];

	/* a directory in its place: fopen works, reading fails (EISDIR) */
	etc_dir_make();
	snprintf(path, sizeof path, "%s/passwd", etc_dir);
	ck_assert_int_eq(mkdir(path, 0755), 0);
	ck_assert_int_eq(priv_parse_user(&pv, "alice", err, sizeof err),
	    -EINVAL);
	snprintf(want, sizeof want, "cannot read %s", path);
	ck_assert_msg(strstr(err, want) != NULL, "%s", err);
	ck_assert_int_eq(pv.has_user, 0);
}
END_TEST

/* The fixture directory itself: a path too long is refused, not cut. */
START_TEST(user_etc_root)
{
	char dir[512];

	memset(dir, 'x', sizeof dir - 1);
	dir[0] = '/';
	dir[sizeof dir - 1] = '\0';
	ck_assert_int_eq(priv_etc_root(dir), -ENAMETOOLONG);
	ck_assert_int_eq(priv_etc_root("/etc"), 0);
}
END_TEST

START_TEST(user_too_many_groups)
{
	struct priv pv = { 0 };
	char err[ERRLEN] = "";

	fake_etc();
	ck_assert_int_eq(priv_parse_user(&pv, "crowd", err, sizeof err),
	    -EINVAL);
	ck_assert_msg(strstr(err, "more than 64 groups") != NULL, "%s", err);
	ck_assert_int_eq(pv.has_user, 0);
	/* with an explicit group the list is not needed */
	ck_assert_int_eq(priv_parse_user(&pv, "crowd:1400", err, sizeof err),
	    0);
}
END_TEST

/* Forked: it edits this process's environment. */
START_TEST(env_clean)
{
	static const char *const gone[] = {
		"VIGIL_PROBE", "VIGIL_", "TINI_SUBREAPER", "DUMB_INIT_SETSID",
	};
	size_t i;

	ck_assert_int_eq(setenv("VIGIL_PROBE", "redis://:pw@h", 1), 0);
	ck_assert_int_eq(setenv("VIGIL_", "x", 1), 0);
	ck_assert_int_eq(setenv("TINI_SUBREAPER", "", 1), 0);
	ck_assert_int_eq(setenv("DUMB_INIT_SETSID", "0", 1), 0);
	ck_assert_int_eq(setenv("KEEP_VIGIL_", "1", 1), 0);
	ck_assert_int_eq(setenv("VIGILANT", "1", 1), 0);
	ck_assert_int_eq(setenv("TINI", "1", 1), 0);
	priv_env_clean();
	for (i = 0; i < sizeof gone / sizeof gone[0]; i++)
		ck_assert_msg(getenv(gone[i]) == NULL, "%s kept", gone[i]);
	ck_assert_str_eq(getenv("KEEP_VIGIL_"), "1");
	ck_assert_str_eq(getenv("VIGILANT"), "1");
	ck_assert_str_eq(getenv("TINI"), "1");
}
END_TEST

START_TEST(active)
{
	struct priv pv = { 0 };
	const char *stage = "x";

	ck_assert(!priv_active(&pv));
	ck_assert_int_eq(priv_apply(&pv, &stage), 0);
	ck_assert_ptr_null(stage);
	pv.no_new_privs = 1;
	ck_assert(priv_active(&pv));
	pv.no_new_privs = 0;
	pv.has_caps = 1;
	ck_assert(priv_active(&pv));
	pv.has_caps = 0;
	pv.ndeny = 1;
	ck_assert(priv_active(&pv));
	pv.ndeny = 0;
	pv.has_user = 1;
	ck_assert(priv_active(&pv));
}
END_TEST

/* ---- priv_apply() for real (root) ---- */

START_TEST(apply_nothing)
{
	struct priv pv = { 0 };
	struct report r;
	char bnd[64];

	snprintf(bnd, sizeof bnd, "%s", own_field("CapBnd"));
	run_applied(&pv, NULL, NULL, &r);
	assert_applied(&r);
	ck_assert_str_eq(field(&r, "Uid"), "0 0 0 0");
	ck_assert_str_eq(field(&r, "CapBnd"), bnd);
	ck_assert_str_eq(field(&r, "NoNewPrivs"), "0");
	ck_assert_str_eq(field(&r, "Seccomp"), "0");
}
END_TEST

START_TEST(apply_root_caps_none)
{
	struct priv pv = { 0 };
	char err[ERRLEN] = "";
	struct report r;

	ck_assert_int_eq(priv_parse_caps(&pv, "none", err, sizeof err), 0);
	run_applied(&pv, before_netns, hook_bind80, &r);
	assert_applied(&r);
	ck_assert_str_eq(field(&r, "Uid"), "0 0 0 0");
	assert_caps(&r, "0000000000000000");
	ck_assert_str_eq(field(&r, "bind80"), "13");	/* EACCES */
}
END_TEST

/* Root keeps exactly the list: after exec it gets the bounding set. */
START_TEST(apply_root_caps_keep)
{
	struct priv pv = { 0 };
	char err[ERRLEN] = "";
	struct report r;

	ck_assert_int_eq(priv_parse_caps(&pv, "net_bind_service,kill", err,
	    sizeof err), 0);
	run_applied(&pv, NULL, NULL, &r);
	assert_applied(&r);
	ck_assert_str_eq(field(&r, "CapInh"), "0000000000000420");
	ck_assert_str_eq(field(&r, "CapPrm"), "0000000000000420");
	ck_assert_str_eq(field(&r, "CapEff"), "0000000000000420");
	ck_assert_str_eq(field(&r, "CapBnd"), "0000000000000420");
	ck_assert_str_eq(field(&r, "CapAmb"), "0000000000000000");
}
END_TEST

START_TEST(apply_user_caps)
{
	struct priv pv = { 0 };
	char err[ERRLEN] = "";
	struct report r;

	fake_etc();
	ck_assert_int_eq(priv_parse_user(&pv, "alice", err, sizeof err), 0);
	ck_assert_int_eq(priv_parse_caps(&pv, "net_bind_service", err,
	    sizeof err), 0);
	run_applied(&pv, before_netns, hook_bind80, &r);
	assert_applied(&r);
	ck_assert_str_eq(field(&r, "Uid"), "1234 1234 1234 1234");
	ck_assert_str_eq(field(&r, "Gid"), "1234 1234 1234 1234");
	ck_assert_str_eq(field(&r, "Groups"), "1234 2000 3000");
	/* survives the exec of cat thanks to the ambient set */
	assert_caps(&r, "0000000000000400");
	ck_assert_str_eq(field(&r, "bind80"), "0");
	ck_assert_str_eq(field(&r, "NoNewPrivs"), "0");
}
END_TEST

START_TEST(apply_user_caps_none)
{
	struct priv pv = { 0 };
	char err[ERRLEN] = "";
	struct report r;

	fake_etc();
	ck_assert_int_eq(priv_parse_user(&pv, "alice", err, sizeof err), 0);
	ck_assert_int_eq(priv_parse_caps(&pv, "none", err, sizeof err), 0);
	run_applied(&pv, NULL, NULL, &r);
	assert_applied(&r);
	ck_assert_str_eq(field(&r, "Uid"), "1234 1234 1234 1234");
	assert_caps(&r, "0000000000000000");
}
END_TEST

/* Plain drop: ids change, the kernel empties the sets, bounding stays. */
START_TEST(apply_user_plain)
{
	struct priv pv = { 0 };
	char err[ERRLEN] = "", bnd[64];
	struct report r;

	fake_etc();
	snprintf(bnd, sizeof bnd, "%s", own_field("CapBnd"));
	ck_assert_int_eq(priv_parse_user(&pv, "alice", err, sizeof err), 0);
	setenv("HOME", "/root", 1);
	setenv("USER", "root", 1);
	run_applied(&pv, before_keepcaps, hook_env, &r);
	assert_applied(&r);
	ck_assert_str_eq(field(&r, "Uid"), "1234 1234 1234 1234");
	ck_assert_str_eq(field(&r, "Gid"), "1234 1234 1234 1234");
	ck_assert_str_eq(field(&r, "Groups"), "1234 2000 3000");
	ck_assert_str_eq(field(&r, "CapPrm"), "0000000000000000");
	ck_assert_str_eq(field(&r, "CapEff"), "0000000000000000");
	ck_assert_str_eq(field(&r, "CapAmb"), "0000000000000000");
	ck_assert_str_eq(field(&r, "CapBnd"), bnd);
	ck_assert_str_eq(field(&r, "NoNewPrivs"), "0");
	ck_assert_str_eq(field(&r, "HOME"), "/home/alice");
	ck_assert_str_eq(field(&r, "USER"), "alice");
	ck_assert_str_eq(field(&r, "LOGNAME"), "alice");
}
END_TEST

START_TEST(apply_user_group)
{
	struct priv pv = { 0 };
	char err[ERRLEN] = "";
	struct report r;

	fake_etc();
	ck_assert_int_eq(priv_parse_user(&pv, "alice:ops", err, sizeof err),
	    0);
	run_applied(&pv, NULL, NULL, &r);
	assert_applied(&r);
	ck_assert_str_eq(field(&r, "Uid"), "1234 1234 1234 1234");
	ck_assert_str_eq(field(&r, "Gid"), "3000 3000 3000 3000");
	ck_assert_str_eq(field(&r, "Groups"), "3000");
}
END_TEST

START_TEST(apply_numeric_no_entry)
{
	struct priv pv = { 0 };
	char err[ERRLEN] = "";
	struct report r;

	fake_etc();
	ck_assert_int_eq(priv_parse_user(&pv, "4242", err, sizeof err), 0);
	setenv("HOME", "/root", 1);
	setenv("USER", "root", 1);
	setenv("LOGNAME", "root", 1);
	run_applied(&pv, NULL, hook_env_noexec, &r);
	assert_applied(&r);
	ck_assert_str_eq(field(&r, "Uid"), "4242 4242 4242 4242");
	ck_assert_str_eq(field(&r, "Gid"), "0 0 0 0");
	ck_assert_str_eq(field(&r, "Groups"), "0");
	ck_assert_str_eq(field(&r, "CapPrm"), "0000000000000000");
	ck_assert_str_eq(field(&r, "HOME"), "/");
	ck_assert_str_eq(field(&r, "USER"), "(unset)");
	ck_assert_str_eq(field(&r, "LOGNAME"), "(unset)");
}
END_TEST

START_TEST(apply_no_new_privs)
{
	struct priv pv = { 0 };
	struct report r;

	pv.no_new_privs = 1;
	run_applied(&pv, NULL, NULL, &r);
	assert_applied(&r);
	ck_assert_str_eq(field(&r, "NoNewPrivs"), "1");
	ck_assert_str_eq(field(&r, "Seccomp"), "0");
	ck_assert_str_eq(field(&r, "Uid"), "0 0 0 0");
}
END_TEST

/* As root, unshare would work: the filter is what refuses it. */
START_TEST(apply_seccomp_default)
{
	struct priv pv = { 0 }, none = { 0 };
	char err[ERRLEN] = "";
	struct report r;

	run_applied(&none, NULL, hook_unshare, &r);
	assert_applied(&r);
	ck_assert_str_eq(field(&r, "unshare_uts"), "0");

	ck_assert_int_eq(priv_parse_seccomp(&pv, "default", err, sizeof err),
	    0);
	run_applied(&pv, NULL, hook_unshare, &r);
	assert_applied(&r);
	ck_assert_str_eq(field(&r, "unshare_uts"), "1");	/* EPERM */
	ck_assert_str_eq(field(&r, "uname"), "0");
	ck_assert_str_eq(field(&r, "NoNewPrivs"), "1");
	ck_assert_str_eq(field(&r, "Seccomp"), "2");
}
END_TEST

START_TEST(apply_seccomp_deny)
{
	struct priv pv = { 0 }, none = { 0 };
	char err[ERRLEN] = "";
	struct report r;

	run_applied(&none, NULL, hook_mount, &r);
	assert_applied(&r);
	ck_assert_str_eq(field(&r, "unshare_ns"), "0");
	ck_assert_str_eq(field(&r, "mount"), "0");

	ck_assert_int_eq(priv_parse_deny(&pv, "mount", err, sizeof err), 0);
	run_applied(&pv, NULL, hook_mount, &r);
	assert_applied(&r);
	ck_assert_str_eq(field(&r, "unshare_ns"), "0");
	ck_assert_str_eq(field(&r, "mount"), "1");
	ck_assert_str_eq(field(&r, "Seccomp"), "2");
}
END_TEST

#if defined(__x86_64__)
/* An i386 call must meet the same rules, not slip past or kill. */
START_TEST(apply_seccomp_compat)
{
	struct priv pv = { 0 }, none = { 0 };
	char err[ERRLEN] = "";
	struct report r;

	run_applied(&none, NULL, hook_unshare32, &r);
	assert_applied(&r);
	ck_assert_str_eq(field(&r, "unshare32"), "0");

	ck_assert_int_eq(priv_parse_deny(&pv, "unshare", err, sizeof err), 0);
	run_applied(&pv, NULL, hook_unshare32, &r);
	assert_applied(&r);
	ck_assert_str_eq(field(&r, "unshare32"), "-1");	/* -EPERM */
}
END_TEST

/* Is int $0x80 served here? Not without IA32 emulation or under valgrind. */
static int
int80_works(void)
{
	int st;
	pid_t pid = fork();

	if (pid == 0)
		_exit(int80(20, 0) == getpid() ? 0 : 1);	/* getpid */
	if (pid < 0 || waitpid(pid, &st, 0) != pid)
		return 0;
	return WIFEXITED(st) && WEXITSTATUS(st) == 0;
}
#endif

/* Everything at once, in the order the child uses. */
START_TEST(apply_all)
{
	struct priv pv = { 0 };
	char err[ERRLEN] = "";
	struct report r;

	fake_etc();
	ck_assert_int_eq(priv_parse_user(&pv, "alice:devs", err, sizeof err),
	    0);
	ck_assert_int_eq(priv_parse_caps(&pv, "net_bind_service,net_raw", err,
	    sizeof err), 0);
	ck_assert_int_eq(priv_parse_seccomp(&pv, "default", err, sizeof err),
	    0);
	run_applied(&pv, before_netns, hook_bind80, &r);
	assert_applied(&r);
	ck_assert_str_eq(field(&r, "Uid"), "1234 1234 1234 1234");
	ck_assert_str_eq(field(&r, "Gid"), "2000 2000 2000 2000");
	ck_assert_str_eq(field(&r, "Groups"), "2000");
	assert_caps(&r, "0000000000002400");
	ck_assert_str_eq(field(&r, "bind80"), "0");
	ck_assert_str_eq(field(&r, "NoNewPrivs"), "1");
	ck_assert_str_eq(field(&r, "Seccomp"), "2");
}
END_TEST

/* A step that fails stops the child before exec, naming the step. */
START_TEST(apply_fails_closed)
{
	struct priv pv = { 0 };
	char err[ERRLEN] = "";
	struct report r;

	fake_etc();
	ck_assert_int_eq(priv_parse_user(&pv, "alice", err, sizeof err), 0);
	run_applied(&pv, before_nobody, NULL, &r);
	ck_assert_msg(WIFEXITED(r.status) && WEXITSTATUS(r.status) == 99,
	    "status %#x: %s", r.status, r.out);
	ck_assert_str_eq(field(&r, "apply"), "setgroups 1");
	ck_assert_str_eq(field(&r, "Uid"), "(missing)");	/* no exec */
}
END_TEST

START_TEST(apply_verifies_drop)
{
	struct priv pv = { 0 };
	char err[ERRLEN] = "";
	struct report r;

	fake_etc();
	ck_assert_int_eq(priv_parse_user(&pv, "alice", err, sizeof err), 0);
	run_applied(&pv, before_no_fixup, NULL, &r);
	ck_assert_msg(WIFEXITED(r.status) && WEXITSTATUS(r.status) == 99,
	    "status %#x: %s", r.status, r.out);
	ck_assert_str_eq(field(&r, "apply"), "cap_verify 1");
}
END_TEST

START_TEST(apply_unknown_cap_number)
{
	struct priv pv = { 0 };
	char err[ERRLEN] = "";
	struct report r;

	ck_assert_int_eq(priv_parse_caps(&pv, "63", err, sizeof err), 0);
	run_applied(&pv, NULL, NULL, &r);
	ck_assert_msg(WIFEXITED(r.status) && WEXITSTATUS(r.status) == 99,
	    "status %#x: %s", r.status, r.out);
	ck_assert_str_eq(field(&r, "apply"), "cap_last_cap 22");
}
END_TEST

/*
 * vigil already running as the --user (an image's USER): setgroups is
 * refused, but nothing would change, so the child carries on. A different
 * group list must still fail.
 */
START_TEST(apply_same_user_unprivileged)
{
	struct priv pv = { 0 };
	char err[ERRLEN] = "";
	struct report r;

	fake_etc();
	ck_assert_int_eq(priv_parse_user(&pv, "alice", err, sizeof err), 0);
	run_applied(&pv, before_alice, NULL, &r);
	assert_applied(&r);
	ck_assert_str_eq(field(&r, "Uid"), "1234 1234 1234 1234");

	ck_assert_int_eq(priv_parse_user(&pv, "alice:ops", err, sizeof err),
	    0);
	run_applied(&pv, before_alice, NULL, &r);
	ck_assert_msg(WIFEXITED(r.status) && WEXITSTATUS(r.status) == 99,
	    "status %#x: %s", r.status, r.out);
	ck_assert_str_eq(field(&r, "apply"), "setgroups 1");
}
END_TEST

Suite *
suite_priv(void)
{
	Suite *s;
	TCase *tc;
	int compat = 0;

#if defined(__x86_64__)
	/* Probed before anything is allocated: the probe may die of SIGILL. */
	compat = geteuid() == 0 && int80_works();
#endif
	s = suite_create("priv");
	tc = tcase_create("parse");
	tcase_add_checked_fixture(tc, NULL, etc_teardown);
	tcase_add_test(tc, caps_names);
	tcase_add_test(tc, caps_case_and_prefix);
	tcase_add_test(tc, caps_numbers);
	tcase_add_test(tc, caps_none_and_duplicates);
	tcase_add_loop_test(tc, caps_errors, 0,
	    (int)(sizeof caps_bad / sizeof caps_bad[0]));
	tcase_add_test(tc, caps_table_matches_libcap);
	tcase_add_test(tc, seccomp_default_list);
	tcase_add_test(tc, seccomp_default_every_arch);
	tcase_add_test(tc, seccomp_list_no_clone_rules);
	tcase_add_test(tc, seccomp_file_list);
	tcase_add_loop_test(tc, seccomp_file_errors, 0,
	    (int)(sizeof scmp_bad_files / sizeof scmp_bad_files[0]));
	tcase_add_test(tc, seccomp_list_buffer);
	tcase_add_test(tc, seccomp_file_bounded);
	tcase_add_test(tc, seccomp_file_nul);
	tcase_add_test(tc, seccomp_bad_specs);
	tcase_add_test(tc, seccomp_deny_list);
	tcase_add_test(tc, seccomp_deny_errors);
	tcase_add_test(tc, seccomp_too_many);
	tcase_add_loop_test(tc, user_syntax_errors, 0,
	    (int)(sizeof user_bad_syntax / sizeof user_bad_syntax[0]));
	tcase_add_test(tc, user_root);
	tcase_add_test(tc, user_by_name);
	tcase_add_test(tc, user_by_number);
	tcase_add_test(tc, user_and_group);
	tcase_add_test(tc, user_numeric_no_entry);
	tcase_add_test(tc, user_unknown);
	tcase_add_test(tc, user_empty_home);
	tcase_add_test(tc, user_too_many_groups);
	tcase_add_test(tc, user_file_quirks);
	tcase_add_test(tc, user_no_etc_files);
	tcase_add_test(tc, user_unreadable_passwd);
	tcase_add_test(tc, user_etc_root);
	tcase_add_test(tc, active);
	tcase_add_test(tc, env_clean);
	suite_add_tcase(s, tc);

	/*
	 * The rest changes ids, capabilities and
	 * filters: root only, and each test in its own forked process.
	 */
	if (geteuid() != 0)
		return s;
	tc = tcase_create("root");
	tcase_add_checked_fixture(tc, NULL, etc_teardown);
	tcase_set_timeout(tc, 20);
	tcase_add_test(tc, apply_nothing);
	tcase_add_test(tc, apply_root_caps_none);
	tcase_add_test(tc, apply_root_caps_keep);
	tcase_add_test(tc, apply_user_caps);
	tcase_add_test(tc, apply_user_caps_none);
	tcase_add_test(tc, apply_user_plain);
	tcase_add_test(tc, apply_user_group);
	tcase_add_test(tc, apply_numeric_no_entry);
	tcase_add_test(tc, apply_no_new_privs);
	tcase_add_test(tc, apply_seccomp_default);
	tcase_add_test(tc, apply_seccomp_deny);
#if defined(__x86_64__)
	if (compat)
		tcase_add_test(tc, apply_seccomp_compat);
#endif
	tcase_add_test(tc, apply_all);
	tcase_add_test(tc, apply_fails_closed);
	tcase_add_test(tc, apply_verifies_drop);
	tcase_add_test(tc, apply_unknown_cap_number);
	tcase_add_test(tc, apply_same_user_unprivileged);
	suite_add_tcase(s, tc);
	return s;
}
