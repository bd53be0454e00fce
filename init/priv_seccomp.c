/* SPDX-License-Identifier: MIT */
/*
 * The seccomp deny list: the built-in "default" profile, "@FILE" lists and
 * --seccomp-deny. Names are resolved once at start-up, with libseccomp's
 * tables (no system call is made), into native syscall numbers; a call that
 * exists only on a compat arch, like i386's umount, gets libseccomp's
 * negative pseudo-number. priv_seccomp_load() builds and loads the filter
 * in the child; PID 1 never holds one.
 */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <seccomp.h>

#include "priv.h"
#include "priv_int.h"

/*
 * --seccomp default: calls a containerised service has no business making.
 * Most already need a capability Docker does not grant, so this is a second
 * wall for a --caps mistake or a kernel bug behind the check. Left out on
 * purpose: ptrace (debuggers in containers) and personality (used by
 * runtimes and by `setarch`). clone and clone3 are handled by their
 * arguments (seccomp_ns_rules()): every spawn needs them. Names are
 * native ones plus the 32-bit twins; each arch gets the names it has.
 */
static const char *const seccomp_default[] = {
	/* loading code into the kernel, or replacing it */
	"init_module", "finit_module", "delete_module",
	"kexec_load", "kexec_file_load", "bpf",
	/* rebooting the host, its swap */
	"reboot", "swapon", "swapoff",
	/* mounts and the new mount API: reshaping the filesystem tree */
	"mount", "umount", "umount2", "pivot_root", "mount_setattr",
	"fsopen", "fsconfig", "fsmount", "fspick", "move_mount", "open_tree",
	/* namespaces: leaving or rebuilding the container */
	"unshare", "setns",
	/* file handles skip path permission checks (the "shocker" escape) */
	"open_by_handle_at", "name_to_handle_at",
	/* the kernel keyring is not namespaced */
	"add_key", "request_key", "keyctl",
	/* looking into the kernel or other processes */
	"perf_event_open", "syslog", "process_vm_readv", "process_vm_writev",
	"kcmp",
	/* a favourite building block of kernel exploits */
	"userfaultfd",
	/* host-wide clocks */
	"settimeofday", "stime", "clock_settime", "clock_adjtime", "adjtimex",
	"clock_settime64", "clock_adjtime64",
	/* host-wide accounting and quotas */
	"acct", "quotactl", "quotactl_fd",
	/* raw port I/O */
	"iopl", "ioperm", "vm86", "vm86old",
	/* the terminal hang-up of getty, and calls long obsolete */
	"vhangup", "uselib", "nfsservctl", "lookup_dcookie",
};

#define SECCOMP_NAME_MAX 64	/* longer than any syscall name */
#define SECCOMP_LINE_MAX 256
#define SECCOMP_FILE_MAX (64 * 1024)	/* an @FILE list, at most */

/*
 * Adds one name to the deny list. where is "" or "FILE:LINE: " for the
 * error message. A name libseccomp knows for any architecture is taken:
 * a list shared between amd64 and arm64 images may name calls of both.
 */
static int
seccomp_add(struct priv *pv, const char *s, size_t len, const char *where,
    char *err, size_t errlen)
{
	char name[SECCOMP_NAME_MAX];
	size_t i;
	int nr;

	for (i = 0; i < len; i++)
		if (!islower((unsigned char)s[i]) &&
		    !isdigit((unsigned char)s[i]) && s[i] != '_')
			break;
	if (len == 0 || i < len || len >= sizeof name)
		return priv_err(err, errlen, "%sbad syscall name '%.*s'",
		    where, priv_shown(s, len), s);
	memcpy(name, s, len);
	name[len] = '\0';
	nr = seccomp_syscall_resolve_name(name);
	if (nr == __NR_SCMP_ERROR)
		return priv_err(err, errlen, "%sunknown syscall '%s'",
		    where, name);
	for (i = 0; i < (size_t)pv->ndeny; i++)
		if (pv->deny[i] == nr)
			return 0;
	if (pv->ndeny >= PRIV_DENY_MAX)
		return priv_err(err, errlen,
		    "%stoo many syscalls to deny (at most %d)", where,
		    PRIV_DENY_MAX);
	pv->deny[pv->ndeny++] = nr;
	return 0;
}

/*
 * One name per line; '#' starts a comment; blank lines are fine. A NUL
 * byte or a line longer than SECCOMP_LINE_MAX is an error naming the line:
 * such a file is not a list someone wrote. On error pv->ndeny may have
 * grown; the caller puts it back.
 */
static int
seccomp_parse_lines(struct priv *pv, const char *buf, size_t len,
    const char *name, char *err, size_t errlen)
{
	char where[SECCOMP_LINE_MAX];
	const char *p = buf, *end = buf + len, *nl, *hash, *s, *e;
	int lineno = 0, shown = priv_shown(name, strlen(name)), rc;

	while (p < end) {
		lineno++;
		snprintf(where, sizeof where, "%.*s:%d: ", shown, name,
		    lineno);
		nl = memchr(p, '\n', (size_t)(end - p));
		if (nl == NULL)
			nl = end;
		if (memchr(p, '\0', (size_t)(nl - p)) != NULL)
			return priv_err(err, errlen, "%sNUL byte", where);
		if (nl - p >= SECCOMP_LINE_MAX)
			return priv_err(err, errlen, "%sline too long", where);
		hash = memchr(p, '#', (size_t)(nl - p));
		e = hash != NULL ? hash : nl;
		for (s = p; s < e && isspace((unsigned char)*s); s++)
			;
		while (e > s && isspace((unsigned char)e[-1]))
			e--;
		if (e > s && (rc = seccomp_add(pv, s, (size_t)(e - s), where,
		    err, errlen)) < 0)
			return rc;
		p = nl + 1;
	}
	return 0;
}

int
priv_parse_list(struct priv *pv, const char *buf, size_t len,
    const char *name, char *err, size_t errlen)
{
	int n0 = pv->ndeny, rc;

	rc = seccomp_parse_lines(pv, buf, len, name, err, errlen);
	if (rc < 0)
		pv->ndeny = n0;
	return rc;
}

/*
 * Reads at most SECCOMP_FILE_MAX bytes and asks for one more, so that
 * @/dev/zero or a runaway file is an error at start-up instead of a
 * start-up that never ends.
 */
static int
seccomp_read_file(struct priv *pv, const char *path, char *err,
    size_t errlen)
{
	int shown = priv_shown(path, strlen(path)), fd, rc = 0, saved;
	size_t len = 0;
	ssize_t n;
	char *buf;

	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	if (fd < 0) {
		saved = errno;
		return priv_err(err, errlen, "seccomp file '%.*s': %s",
		    shown, path, strerror(saved));
	}
	buf = malloc(SECCOMP_FILE_MAX + 1);
	if (buf == NULL) {
		close(fd);
		return priv_err(err, errlen, "seccomp file '%.*s': %s",
		    shown, path, strerror(ENOMEM));
	}
	while (len <= SECCOMP_FILE_MAX) {
		n = read(fd, buf + len, SECCOMP_FILE_MAX + 1 - len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			saved = errno;
			rc = priv_err(err, errlen, "seccomp file '%.*s': %s",
			    shown, path, strerror(saved));
			break;
		}
		if (n == 0)
			break;
		len += (size_t)n;
	}
	close(fd);
	if (rc == 0 && len > SECCOMP_FILE_MAX)
		rc = priv_err(err, errlen,
		    "seccomp file '%.*s': larger than %d KiB", shown, path,
		    SECCOMP_FILE_MAX / 1024);
	if (rc == 0)
		rc = priv_parse_list(pv, buf, len, path, err, errlen);
	free(buf);
	return rc;
}

/*
 * "default" or "@FILE". Adds to the deny list (so --seccomp and
 * --seccomp-deny combine) and implies no_new_privs, without which a
 * non-root child could not load the filter. On error pv is left as it was.
 */
int
priv_parse_seccomp(struct priv *pv, const char *spec, char *err,
    size_t errlen)
{
	int n0 = pv->ndeny, rc = 0;
	size_t i;

	if (strcmp(spec, "default") == 0) {
		for (i = 0; rc == 0 && i < sizeof seccomp_default /
		    sizeof seccomp_default[0]; i++)
			rc = seccomp_add(pv, seccomp_default[i],
			    strlen(seccomp_default[i]), "", err, errlen);
	} else if (spec[0] == '@' && spec[1] != '\0') {
		rc = seccomp_read_file(pv, spec + 1, err, errlen);
	} else {
		rc = priv_err(err, errlen,
		    "unknown seccomp profile '%.*s' (want default or @FILE)",
		    priv_shown(spec, strlen(spec)), spec);
	}
	if (rc < 0) {
		pv->ndeny = n0;
		return rc;
	}
	if (spec[0] != '@')
		pv->deny_ns = 1;
	pv->no_new_privs = 1;
	return 0;
}

/* "mount,umount2,...": blanks around names ignored, no empty items. */
int
priv_parse_deny(struct priv *pv, const char *list, char *err, size_t errlen)
{
	const char *p, *end;
	size_t len;
	int n0 = pv->ndeny, rc = 0;

	for (p = list; rc == 0; p = end + 1) {
		end = priv_item(&p, &len);
		if (len == 0)
			rc = priv_err(err, errlen,
			    "empty syscall name in --seccomp-deny '%.*s'",
			    priv_shown(list, strlen(list)), list);
		else
			rc = seccomp_add(pv, p, len, "", err, errlen);
		if (end == NULL)
			break;
	}
	if (rc < 0) {
		pv->ndeny = n0;
		return rc;
	}
	pv->no_new_privs = 1;
	return 0;
}

/*
 * The architectures a process of this one can call the kernel as: the
 * native one first, then the compat ones (int $0x80 or x32 on x86_64).
 * Each gets its own rules, so a 32-bit caller meets the same list instead
 * of slipping past it.
 */
static int
seccomp_arch_list(uint32_t *arch)
{
	int n = 0;

	arch[n++] = seccomp_arch_native();
	switch (arch[0]) {
	case SCMP_ARCH_X86_64:
		arch[n++] = SCMP_ARCH_X86;
		arch[n++] = SCMP_ARCH_X32;
		break;
	case SCMP_ARCH_AARCH64:
		arch[n++] = SCMP_ARCH_ARM;
		break;
	case SCMP_ARCH_S390X:
		arch[n++] = SCMP_ARCH_S390;
		break;
	default:
		break;
	}
	return n;
}

/* The namespace flags clone() must not carry (CLONE_NEWTIME: see below). */
#define SECCOMP_NS_FLAGS                                                     \
	{ CLONE_NEWNS, CLONE_NEWCGROUP, CLONE_NEWUTS, CLONE_NEWIPC,          \
	  CLONE_NEWUSER, CLONE_NEWPID, CLONE_NEWNET }

/*
 * clone() with a namespace flag fails with EPERM; clone3() fails with
 * ENOSYS, because a filter cannot read the flags inside its struct and
 * every libc falls back to clone() on ENOSYS. CLONE_NEWTIME (0x80) is only
 * meaningful to clone3() and unshare(), both shut: in clone() that bit is
 * part of the exit signal. s390 passes the stack first and the flags
 * second, as Docker's profile also knows.
 */
static int
seccomp_ns_rules(scmp_filter_ctx ctx, uint32_t arch)
{
	static const unsigned long flags[] = SECCOMP_NS_FLAGS;
	unsigned idx = 0;
	size_t i;
	int rc;

	if (arch == SCMP_ARCH_S390 || arch == SCMP_ARCH_S390X)
		idx = 1;
	for (i = 0; i < sizeof flags / sizeof flags[0]; i++) {
		rc = seccomp_rule_add(ctx, SCMP_ACT_ERRNO(EPERM),
		    seccomp_syscall_resolve_name("clone"), 1,
		    SCMP_CMP(idx, SCMP_CMP_MASKED_EQ, flags[i], flags[i]));
		if (rc < 0)
			return rc;
	}
	if (seccomp_syscall_resolve_name_arch(arch, "clone3") < 0)
		return 0;
	return seccomp_rule_add(ctx, SCMP_ACT_ERRNO(ENOSYS),
	    seccomp_syscall_resolve_name("clone3"), 0);
}

/*
 * The rules of one architecture, generated from the names in the one deny
 * list: a name with a number on this arch is denied there (time64 twins
 * like clock_settime64 exist only on 32-bit arches, umount only on some),
 * a name without one is skipped. libseccomp takes the native (or pseudo)
 * number and translates it by name, which is why both are resolved.
 */
static int
seccomp_arch_rules(scmp_filter_ctx ctx, uint32_t arch, const struct priv *pv)
{
	char *name;
	int i, nr, rc;

	for (i = 0; i < pv->ndeny; i++) {
		name = seccomp_syscall_resolve_num_arch(SCMP_ARCH_NATIVE,
		    pv->deny[i]);
		if (name == NULL)
			return -EINVAL;
		nr = seccomp_syscall_resolve_name_arch(arch, name);
		free(name);
		if (nr < 0)
			continue;
		rc = seccomp_rule_add(ctx, SCMP_ACT_ERRNO(EPERM), pv->deny[i],
		    0);
		if (rc < 0)
			return rc;
	}
	return pv->deny_ns ? seccomp_ns_rules(ctx, arch) : 0;
}

/* A default-allow filter for one architecture only. */
static scmp_filter_ctx
seccomp_arch_ctx(uint32_t arch)
{
	scmp_filter_ctx ctx = seccomp_init(SCMP_ACT_ALLOW);

	if (ctx == NULL)
		return NULL;
	/* The kernel's errno rather than libseccomp's catch-all ECANCELED. */
	(void)seccomp_attr_set(ctx, SCMP_FLTATR_API_SYSRAWRC, 1);
	if (arch != seccomp_arch_native() &&
	    (seccomp_arch_remove(ctx, SCMP_ARCH_NATIVE) < 0 ||
	    seccomp_arch_add(ctx, arch) < 0)) {
		seccomp_release(ctx);
		return NULL;
	}
	return ctx;
}

int
priv_seccomp_build(const struct priv *pv, scmp_filter_ctx *out,
    const char **stage)
{
	uint32_t arch[4];
	scmp_filter_ctx ctx = NULL, one;
	int i, n, rc;

	n = seccomp_arch_list(arch);
	for (i = 0; i < n; i++) {
		if ((one = seccomp_arch_ctx(arch[i])) == NULL) {
			rc = priv_fail(stage, "seccomp_arch_add", -ENOMEM);
			goto fail;
		}
		if ((rc = seccomp_arch_rules(one, arch[i], pv)) < 0) {
			seccomp_release(one);
			priv_fail(stage, "seccomp_rule_add", rc);
			goto fail;
		}
		if (ctx == NULL) {
			ctx = one;
		} else if ((rc = seccomp_merge(ctx, one)) < 0) {
			seccomp_release(one);
			priv_fail(stage, "seccomp_merge", rc);
			goto fail;
		}
	}
	*out = ctx;
	return 0;
fail:
	if (ctx != NULL)
		seccomp_release(ctx);
	return rc;
}

/*
 * Built here in the child (PID 1 never holds or loads a filter) and loaded
 * last: once loaded it binds this process and everything it execs, for
 * good.
 */
int
priv_seccomp_load(const struct priv *pv, const char **stage)
{
	scmp_filter_ctx ctx;
	int rc;

	if ((rc = priv_seccomp_build(pv, &ctx, stage)) < 0)
		return rc;
	rc = seccomp_load(ctx);
	seccomp_release(ctx);
	if (rc < 0)
		return priv_fail(stage, "seccomp_load", rc);
	return 0;
}
