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
#include <stdio.h>
#include <string.h>

#include <seccomp.h>

#include "priv.h"
#include "priv_int.h"

/*
 * --seccomp default: calls a containerised service has no business making.
 * Most already need a capability Docker does not grant, so this is a second
 * wall for a --caps mistake or a kernel bug behind the check. Left out on
 * purpose: ptrace (debuggers in containers), personality (used by
 * runtimes and by `setarch`), clone/clone3 (arguments decide; every spawn
 * needs them).
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
	/* host-wide accounting and quotas */
	"acct", "quotactl", "quotactl_fd",
	/* raw port I/O */
	"iopl", "ioperm",
	/* the terminal hang-up of getty, and calls long obsolete */
	"vhangup", "uselib", "nfsservctl", "lookup_dcookie",
};

#define SECCOMP_NAME_MAX 64	/* longer than any syscall name */
#define SECCOMP_LINE_MAX 256

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

/* One name per line; '#' starts a comment; blank lines are fine. */
static int
seccomp_read_file(struct priv *pv, const char *path, char *err,
    size_t errlen)
{
	char line[SECCOMP_LINE_MAX], where[SECCOMP_LINE_MAX];
	size_t len;
	char *p, *hash;
	FILE *f;
	int lineno = 0, rc = 0, saved;

	f = fopen(path, "re");
	if (f == NULL) {
		saved = errno;
		return priv_err(err, errlen, "seccomp file '%.*s': %s",
		    priv_shown(path, strlen(path)), path, strerror(saved));
	}
	while (rc == 0 && fgets(line, sizeof line, f) != NULL) {
		lineno++;
		snprintf(where, sizeof where, "%.*s:%d: ",
		    priv_shown(path, strlen(path)), path, lineno);
		len = strlen(line);
		if (len == sizeof line - 1 && line[len - 1] != '\n' &&
		    !feof(f)) {
			rc = priv_err(err, errlen, "%sline too long", where);
			break;
		}
		if ((hash = strchr(line, '#')) != NULL)
			*hash = '\0';
		for (p = line; isspace((unsigned char)*p); p++)
			;
		len = strlen(p);
		while (len > 0 && isspace((unsigned char)p[len - 1]))
			len--;
		if (len > 0)
			rc = seccomp_add(pv, p, len, where, err, errlen);
	}
	if (rc == 0 && ferror(f))
		rc = priv_err(err, errlen, "seccomp file '%.*s': read error",
		    priv_shown(path, strlen(path)), path);
	fclose(f);
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
 * Compat architectures the kernel will also run for this one: without them
 * a 32-bit call (int $0x80 on x86_64) would hit the filter's bad-arch
 * action, and with them libseccomp translates each rule by name.
 */
int
priv_seccomp_arches(scmp_filter_ctx ctx)
{
	uint32_t compat[2] = { 0, 0 };
	size_t i;
	int rc;

	switch (seccomp_arch_native()) {
	case SCMP_ARCH_X86_64:
		compat[0] = SCMP_ARCH_X86;
		compat[1] = SCMP_ARCH_X32;
		break;
	case SCMP_ARCH_AARCH64:
		compat[0] = SCMP_ARCH_ARM;
		break;
	case SCMP_ARCH_S390X:
		compat[0] = SCMP_ARCH_S390;
		break;
	default:
		break;
	}
	for (i = 0; i < 2 && compat[i] != 0; i++) {
		rc = seccomp_arch_add(ctx, compat[i]);
		if (rc < 0 && rc != -EEXIST)
			return rc;
	}
	return 0;
}

/*
 * Default allow, each listed call fails with EPERM. Built here in the child
 * (PID 1 never holds or loads a filter) and loaded last: once loaded it
 * binds this process and everything it execs, for good.
 */
int
priv_seccomp_load(const struct priv *pv, const char **stage)
{
	scmp_filter_ctx ctx;
	int i, rc;

	ctx = seccomp_init(SCMP_ACT_ALLOW);
	if (ctx == NULL)
		return priv_fail(stage, "seccomp_init", -ENOMEM);
	/* The kernel's errno rather than libseccomp's catch-all ECANCELED. */
	(void)seccomp_attr_set(ctx, SCMP_FLTATR_API_SYSRAWRC, 1);
	rc = priv_seccomp_arches(ctx);
	if (rc < 0) {
		seccomp_release(ctx);
		return priv_fail(stage, "seccomp_arch_add", rc);
	}
	for (i = 0; i < pv->ndeny; i++) {
		rc = seccomp_rule_add(ctx, SCMP_ACT_ERRNO(EPERM),
		    pv->deny[i], 0);
		if (rc < 0) {
			seccomp_release(ctx);
			return priv_fail(stage, "seccomp_rule_add", rc);
		}
	}
	rc = seccomp_load(ctx);
	seccomp_release(ctx);
	if (rc < 0)
		return priv_fail(stage, "seccomp_load", rc);
	return 0;
}
