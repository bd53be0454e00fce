/* SPDX-License-Identifier: MIT */
/*
 * priv_apply(): the ordered privilege drop a forked child makes just before
 * exec. The steps themselves live with their concern (priv_caps.c,
 * priv_seccomp.c); this file owns their order and the id change. Every
 * step is checked; a child that could not finish the drop must not exec,
 * so it never runs half-dropped.
 */
#include <errno.h>
#include <grp.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <unistd.h>

#include "priv.h"
#include "priv_int.h"

int
priv_active(const struct priv *pv)
{
	return pv->has_user || pv->has_caps || pv->no_new_privs ||
	    pv->ndeny > 0 || pv->deny_ns;
}

/*
 * setgroups() needs CAP_SETGID even when nothing would change; a vigil
 * already running as the --user (an image's USER) may carry on when its
 * groups are exactly the wanted ones.
 */
static int
priv_groups_already(int ngroups, const gid_t *groups)
{
	gid_t cur[PRIV_GROUPS_MAX];
	int n, i, j;

	n = getgroups(PRIV_GROUPS_MAX, cur);
	if (n != ngroups)
		return 0;
	for (i = 0; i < n; i++) {
		for (j = 0; j < n && cur[j] != groups[i]; j++)
			;
		if (j == n)
			return 0;
	}
	return 1;
}

int
priv_set_ids(uid_t uid, gid_t gid, int ngroups, const gid_t *groups,
    const char **stage)
{
	pid_t parent = getppid();
	uid_t ru, eu, su;
	gid_t rg, eg, sg;
	int rc, sig = 0;

	/* The kernel clears it as the ids change; a probe relies on it. */
	if (prctl(PR_GET_PDEATHSIG, &sig, 0UL, 0UL, 0UL) < 0)
		return priv_fail(stage, "pdeathsig", -errno);
	if (setgroups((size_t)ngroups, groups) < 0) {
		rc = -errno;
		if (rc != -EPERM || !priv_groups_already(ngroups, groups))
			return priv_fail(stage, "setgroups", rc);
	}
	if (setresgid(gid, gid, gid) < 0)
		return priv_fail(stage, "setresgid", -errno);
	if (setresuid(uid, uid, uid) < 0)
		return priv_fail(stage, "setresuid", -errno);
	/* Defence in depth: believe the kernel, not the return codes. */
	if (getresgid(&rg, &eg, &sg) < 0)
		return priv_fail(stage, "getresgid", -errno);
	if (rg != gid || eg != gid || sg != gid)
		return priv_fail(stage, "getresgid", -EPERM);
	if (getresuid(&ru, &eu, &su) < 0)
		return priv_fail(stage, "getresuid", -errno);
	if (ru != uid || eu != uid || su != uid)
		return priv_fail(stage, "getresuid", -EPERM);
	if (sig != 0 && prctl(PR_SET_PDEATHSIG, (unsigned long)sig, 0UL, 0UL,
	    0UL) < 0)
		return priv_fail(stage, "pdeathsig", -errno);
	/* A parent that died meanwhile would never send it. */
	if (sig != 0 && getppid() != parent)
		return priv_fail(stage, "pdeathsig", -ESRCH);
	return 0;
}

extern char **environ;

/* vigil's own settings, and the tini and dumb-init ones it reads. */
static int
priv_env_ours(const char *kv)
{
	static const char *const prefix[] = { "VIGIL_", "TINI_", "DUMB_INIT_" };
	size_t i;

	for (i = 0; i < sizeof prefix / sizeof prefix[0]; i++)
		if (strncmp(kv, prefix[i], strlen(prefix[i])) == 0)
			return 1;
	return 0;
}

/*
 * Entries are dropped from environ in place rather than by unsetenv(),
 * which would need each name copied out first; both libcs scan environ
 * to its NULL, so a shorter array is all they see.
 */
void
priv_env_clean(void)
{
	char **e, **d;

	for (e = environ; e != NULL && *e != NULL;) {
		if (!priv_env_ours(*e)) {
			e++;
			continue;
		}
		for (d = e; *d != NULL; d++)
			d[0] = d[1];
	}
}

/*
 * HOME always follows the --user, as su-exec and gosu do: the inherited
 * value belongs to vigil's user.
 */
static int
priv_env(const struct priv *pv)
{
	if (setenv("HOME", pv->home[0] != '\0' ? pv->home : "/", 1) < 0)
		return -errno;
	if (pv->name[0] != '\0') {
		if (setenv("USER", pv->name, 1) < 0 ||
		    setenv("LOGNAME", pv->name, 1) < 0)
			return -errno;
	} else if (unsetenv("USER") < 0 || unsetenv("LOGNAME") < 0) {
		return -errno;
	}
	return 0;
}

/*
 * The order matters: the bounding set and setgroups need capabilities the
 * uid change takes away; the sets are rebuilt after it; no_new_privs lets
 * an unprivileged child load the filter; the filter goes last, so nothing
 * it denies is needed by the steps before it. --caps needs vigil to hold
 * CAP_SETPCAP (root) unless the bounding set is already no larger than the
 * list; a vigil without it fails at capbset_drop rather than run the child
 * with more than was asked for.
 */
int
priv_apply(const struct priv *pv, const char **stage)
{
	const char *dummy;
	unsigned long keep;
	uid_t target;
	int last = 0, rc;

	if (stage == NULL)
		stage = &dummy;
	*stage = NULL;
	if (!priv_active(pv))
		return 0;
	target = pv->has_user ? pv->uid : getuid();

	if (pv->has_user && (rc = priv_env(pv)) < 0)
		return priv_fail(stage, "setenv", rc);

	if (pv->has_caps) {
		if ((last = priv_cap_last()) < 0)
			return priv_fail(stage, "capbset_read", last);
		/* A number past the kernel's last cap cannot be kept. */
		if (last < 63 && (pv->caps >> (last + 1)) != 0)
			return priv_fail(stage, "cap_last_cap", -EINVAL);
		if ((rc = priv_cap_bound(pv->caps, last)) < 0)
			return priv_fail(stage, "capbset_drop", rc);
	}

	if (pv->has_user) {
		/*
		 * Keep the permitted set across the uid change only when caps
		 * are to be kept; otherwise make sure it is off, so the kernel
		 * empties every set as the uid leaves 0.
		 */
		keep = pv->has_caps && pv->caps != 0;
		if (prctl(PR_SET_KEEPCAPS, keep, 0UL, 0UL, 0UL) < 0)
			return priv_fail(stage, "keepcaps", -errno);
		rc = priv_set_ids(pv->uid, pv->gid, pv->ngroups, pv->groups,
		    stage);
		if (rc < 0)
			return rc;
	}

	if (pv->has_caps) {
		if ((rc = priv_cap_sets(pv->caps, last)) < 0)
			return priv_fail(stage, "cap_set_proc", rc);
		if ((rc = priv_cap_verify(pv->caps, last, 1)) < 0)
			return priv_fail(stage, "cap_verify", rc);
		if ((rc = priv_cap_ambient(pv->caps, target, last)) < 0)
			return priv_fail(stage, "cap_ambient", rc);
	} else if (pv->has_user && target != 0) {
		if ((last = priv_cap_last()) < 0)
			return priv_fail(stage, "capbset_read", last);
		if ((rc = priv_cap_verify(0, last, 0)) < 0)
			return priv_fail(stage, "cap_verify", rc);
	}

	if (pv->no_new_privs &&
	    prctl(PR_SET_NO_NEW_PRIVS, 1UL, 0UL, 0UL, 0UL) < 0)
		return priv_fail(stage, "no_new_privs", -errno);

	if ((pv->ndeny > 0 || pv->deny_ns) &&
	    (rc = priv_seccomp_load(pv, stage)) < 0)
		return rc;
	return 0;
}
