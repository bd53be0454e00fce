/* SPDX-License-Identifier: MIT */
/*
 * Privileges of the workload: user and groups, capabilities, no_new_privs
 * and a seccomp filter. Parsing happens once at start-up in PID 1 (it reads
 * /etc/passwd and /etc/group, never NSS modules); priv_apply() runs only in a
 * forked child just before exec and never in vigil itself.
 */
#ifndef INIT_PRIV_H
#define INIT_PRIV_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define PRIV_GROUPS_MAX 64
#define PRIV_DENY_MAX 256

struct priv {
	int has_user;			/* --user given */
	uid_t uid;
	gid_t gid;
	int ngroups;			/* supplementary groups */
	gid_t groups[PRIV_GROUPS_MAX];
	char name[64];			/* USER and LOGNAME; empty for a bare uid */
	char home[256];			/* HOME; "/" when unknown */
	int has_caps;			/* --caps given */
	uint64_t caps;			/* bit n = capability n */
	int no_new_privs;		/* --no-new-privs, implied by seccomp */
	int ndeny;			/* syscalls that fail with EPERM */
	int deny[PRIV_DENY_MAX];	/* native (or pseudo) numbers */
	int deny_ns;			/* no namespaces via clone/clone3 */
	/* The probe sandbox, set by config_parse(); NULL: 65534. */
	const struct priv_sandbox *sandbox;
};

/*
 * The identity a network probe process drops to (priv_sandbox.c): from
 * --probe-user, else the child's --user, else 65534:65534 without groups.
 */
struct priv_sandbox {
	int has_user;			/* --probe-user given */
	uid_t uid;
	gid_t gid;
	int ngroups;			/* supplementary groups; 0: none */
	gid_t groups[PRIV_GROUPS_MAX];
};

/* Each parser returns 0, or -EINVAL with a one-line reason in err. */
/* USER[:GROUP], names or numbers, from the passwd and group files. */
int priv_parse_user(struct priv *pv, const char *spec, char *err, size_t errlen);
int priv_parse_caps(struct priv *pv, const char *list, char *err,
    size_t errlen);
/*
 * "default" or "@FILE"; adds to the deny list and sets no_new_privs.
 * "default" also denies namespace flags to clone and makes clone3 ENOSYS.
 */
int priv_parse_seccomp(struct priv *pv, const char *spec, char *err,
    size_t errlen);
/*
 * The @FILE format over a buffer, for the file reader and the fuzzer: one
 * syscall name per line, '#' comments, blank lines; name is what errors
 * quote ("name:LINE: ..."). Adds to the deny list; on error pv is left as
 * it was. Needs no NUL terminator and makes no system call.
 */
int priv_parse_list(struct priv *pv, const char *buf, size_t len,
    const char *name, char *err, size_t errlen);
/* A comma-separated list of syscall names; adds to the deny list. */
int priv_parse_deny(struct priv *pv, const char *list, char *err,
    size_t errlen);

/*
 * The directory priv_parse_user() reads passwd and group from; "/etc"
 * unless a test points it at fixtures. 0 or -ENAMETOOLONG.
 */
int priv_etc_root(const char *dir);

/* True when priv_apply() would change anything. */
int priv_active(const struct priv *pv);

/*
 * Removes every VIGIL_*, TINI_* and DUMB_INIT_* variable from the calling
 * child's environment before it execs the workload or an exec probe: they
 * configure vigil (--probe redis://:PASSWORD@ arrives as VIGIL_PROBE) and
 * are none of the workload's business.
 */
void priv_env_clean(void);

/*
 * Applies everything in the calling child, in order: bounding set, keepcaps,
 * groups, gid, uid, capability sets, ambient set, no_new_privs, seccomp.
 * Sets HOME, USER and LOGNAME for a --user. Returns 0, or -errno with *stage
 * naming the step that failed; the caller must then not exec.
 */
int priv_apply(const struct priv *pv, const char **stage);

/*
 * --probe-user USER[:GROUP]: like --user, but a number without a passwd
 * entry gets gid 65534, not 0.
 */
int priv_parse_probe_user(struct priv_sandbox *sb, const char *spec,
    char *err, size_t errlen);
/*
 * Fills in the default identity when no --probe-user was given: the
 * child's --user unless that is root, else 65534:65534 without groups.
 */
void priv_sandbox_default(struct priv_sandbox *sb, const struct priv *child);

/*
 * Compiles the sandbox's filter once, in PID 1 at start-up, so that probe
 * processes only load it; without this they compile it themselves. 0 or
 * -errno (then they try again, and fail closed).
 */
int priv_sandbox_prepare(void);

/*
 * Run in a forked network probe process before it touches anything: drops
 * to sb's identity (NULL: 65534), empties every capability set, sets
 * no_new_privs and loads the allowlist filter; a forbidden call then
 * kills the process. 0, or -errno with *stage naming the failed step; the
 * caller must then _exit without probing.
 */
int priv_sandbox_apply(const struct priv_sandbox *sb, const char **stage);

#endif
