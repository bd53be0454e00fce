/* SPDX-License-Identifier: MIT */
/*
 * The workload's privileges: --user resolution at start-up (from
 * /etc/passwd and /etc/group only), and priv_apply(), the ordered drop a
 * forked child makes just before exec. Every step is checked; a child that
 * could not finish the drop must not exec, so it never runs half-dropped.
 */
#include <ctype.h>
#include <errno.h>
#include <grp.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <unistd.h>

#include <seccomp.h>
#include <sys/capability.h>

#include "priv.h"
#include "priv_int.h"

#define PRIV_ID_MAX 4294967294UL /* (uid_t)-1 means "leave unchanged" */

int
priv_err(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	if (err != NULL && errlen > 0) {
		va_start(ap, fmt);
		vsnprintf(err, errlen, fmt, ap);
		va_end(ap);
	}
	return -EINVAL;
}

const char *
priv_item(const char **p, size_t *len)
{
	const char *s = *p, *end = strchr(s, ',');
	size_t n = end != NULL ? (size_t)(end - s) : strlen(s);

	while (n > 0 && isblank((unsigned char)*s)) {
		s++;
		n--;
	}
	while (n > 0 && isblank((unsigned char)s[n - 1]))
		n--;
	*p = s;
	*len = n;
	return end;
}

int
priv_shown(const char *s, size_t len)
{
	size_t n;

	for (n = 0; n < len && n < PRIV_SHOWN; n++)
		if (!isprint((unsigned char)s[n]))
			break;
	return (int)n;
}

/*
 * Classifies a USER or GROUP token: 1 and *id set for a number, 0 for a
 * name, -1 for neither. A token that starts with a digit must be a number
 * ("1x" is a typo, not a name: useradd refuses such names); a name uses
 * the POSIX portable set plus a trailing '$' (Samba machine accounts).
 */
static int
priv_token(const char *s, size_t len, unsigned long *id)
{
	unsigned long long v = 0;	/* 10 digits fit, even on 32-bit */
	size_t i;

	if (len == 0)
		return -1;
	if (isdigit((unsigned char)s[0])) {
		if (len > 10)
			return -1;
		for (i = 0; i < len; i++) {
			if (!isdigit((unsigned char)s[i]))
				return -1;
			v = v * 10 + (unsigned)(s[i] - '0');
		}
		if (v > PRIV_ID_MAX)
			return -1;
		*id = (unsigned long)v;
		return 1;
	}
	if (s[0] == '-')
		return -1;
	for (i = 0; i < len; i++) {
		if (isalnum((unsigned char)s[i]) || s[i] == '_' ||
		    s[i] == '.' || s[i] == '-')
			continue;
		if (s[i] == '$' && i == len - 1)
			continue;
		return -1;
	}
	return 0;
}

/*
 * /etc/passwd and /etc/group, read by hand rather than through getpwnam()
 * and friends: glibc would consult nsswitch.conf and load NSS modules (and
 * crashes doing so when linked statically), musl would also ask nscd. Ours
 * reads exactly the two files, identically under both libcs, so the unit
 * tests exercise the code that ships. A missing file reads as empty: a
 * scratch image may have none and still run --user 4242.
 */
#define PRIV_PASSWD "/etc/passwd"
#define PRIV_GROUP "/etc/group"
#define PRIV_LINE_MAX 4096
#define PRIV_FIELDS 7

struct priv_db {
	FILE *f;
	char line[PRIV_LINE_MAX];
	char *fld[PRIV_FIELDS];
	int n;
};

static int
priv_db_open(struct priv_db *db, const char *path)
{
	db->f = fopen(path, "re");
	if (db->f == NULL && errno != ENOENT)
		return -errno;
	return 0;
}

static void
priv_db_close(struct priv_db *db)
{
	if (db->f != NULL)
		fclose(db->f);
}

/*
 * The next entry, split at ':' in place: 1, or 0 at the end, or -EIO.
 * Blank lines, comments and NIS "+"/"-" lines are skipped; so is an
 * overlong line, whole: half of one must never match.
 */
static int
priv_db_next(struct priv_db *db)
{
	int skip = 0;
	size_t len;
	char *p;

	if (db->f == NULL)
		return 0;
	while (fgets(db->line, sizeof db->line, db->f) != NULL) {
		len = strlen(db->line);
		if (len > 0 && db->line[len - 1] == '\n') {
			db->line[len - 1] = '\0';
		} else if (!feof(db->f)) {
			skip = 1;
			continue;
		}
		if (skip) {
			skip = 0;
			continue;
		}
		if (strchr("#+-", db->line[0]) != NULL)	/* also "" */
			continue;
		db->n = 0;
		for (p = db->line; db->n < PRIV_FIELDS;) {
			db->fld[db->n++] = p;
			if ((p = strchr(p, ':')) == NULL)
				break;
			*p++ = '\0';
		}
		return 1;
	}
	return ferror(db->f) ? -(errno != 0 ? errno : EIO) : 0;
}

/* A numeric field of an entry; a malformed one makes the entry unusable. */
static int
priv_db_id(const struct priv_db *db, int i, unsigned long *id)
{
	return i < db->n && priv_token(db->fld[i], strlen(db->fld[i]), id) == 1;
}

/*
 * The first passwd entry with this name, or with this uid when name is
 * NULL, copied into t: 1 found, 0 not, -EINVAL with err set.
 */
static int
priv_pw_find(struct priv *t, const char *name, uid_t uid, char *err,
    size_t errlen)
{
	struct priv_db db;
	unsigned long u, g;
	const char *home;
	int rc;

	if ((rc = priv_db_open(&db, PRIV_PASSWD)) < 0)
		return priv_err(err, errlen, "cannot read %s: %s", PRIV_PASSWD,
		    strerror(-rc));
	while ((rc = priv_db_next(&db)) > 0) {
		if (db.n < 6 || !priv_db_id(&db, 2, &u) ||
		    !priv_db_id(&db, 3, &g))
			continue;
		if (name != NULL ? strcmp(db.fld[0], name) != 0 : u != uid)
			continue;
		home = db.fld[5][0] != '\0' ? db.fld[5] : "/";
		if (strlen(db.fld[0]) >= sizeof t->name ||
		    strlen(home) >= sizeof t->home) {
			priv_db_close(&db);
			return priv_err(err, errlen,
			    "user '%.*s': name or home too long",
			    priv_shown(db.fld[0], strlen(db.fld[0])),
			    db.fld[0]);
		}
		t->uid = (uid_t)u;
		t->gid = (gid_t)g;
		strcpy(t->name, db.fld[0]);
		strcpy(t->home, home);
		break;
	}
	priv_db_close(&db);
	if (rc < 0)
		return priv_err(err, errlen, "cannot read %s: %s", PRIV_PASSWD,
		    strerror(-rc));
	return rc;
}

/* The gid of the first group with this name: 1 found, 0 not, -EINVAL. */
static int
priv_gr_find(const char *name, gid_t *gid, char *err, size_t errlen)
{
	struct priv_db db;
	unsigned long g;
	int rc;

	if ((rc = priv_db_open(&db, PRIV_GROUP)) < 0)
		return priv_err(err, errlen, "cannot read %s: %s", PRIV_GROUP,
		    strerror(-rc));
	while ((rc = priv_db_next(&db)) > 0) {
		if (strcmp(db.fld[0], name) == 0 && priv_db_id(&db, 2, &g)) {
			*gid = (gid_t)g;
			break;
		}
	}
	priv_db_close(&db);
	if (rc < 0)
		return priv_err(err, errlen, "cannot read %s: %s", PRIV_GROUP,
		    strerror(-rc));
	return rc;
}

static int
priv_is_member(char *members, const char *name)
{
	char *m, *save = NULL;

	for (m = strtok_r(members, ",", &save); m != NULL;
	    m = strtok_r(NULL, ",", &save))
		if (strcmp(m, name) == 0)
			return 1;
	return 0;
}

/*
 * What login and initgroups() give: the primary gid first, then every
 * group that lists the user as a member, each gid once.
 */
static int
priv_gr_list(struct priv *t, char *err, size_t errlen)
{
	struct priv_db db;
	unsigned long g;
	int rc, i;

	t->groups[0] = t->gid;
	t->ngroups = 1;
	if ((rc = priv_db_open(&db, PRIV_GROUP)) < 0)
		return priv_err(err, errlen, "cannot read %s: %s", PRIV_GROUP,
		    strerror(-rc));
	while ((rc = priv_db_next(&db)) > 0) {
		if (db.n < 4 || !priv_db_id(&db, 2, &g) ||
		    !priv_is_member(db.fld[3], t->name))
			continue;
		for (i = 0; i < t->ngroups && t->groups[i] != (gid_t)g; i++)
			;
		if (i < t->ngroups)
			continue;
		if (t->ngroups == PRIV_GROUPS_MAX) {
			priv_db_close(&db);
			return priv_err(err, errlen,
			    "user '%s' is in more than %d groups", t->name,
			    PRIV_GROUPS_MAX);
		}
		t->groups[t->ngroups++] = (gid_t)g;
	}
	priv_db_close(&db);
	if (rc < 0)
		return priv_err(err, errlen, "cannot read %s: %s", PRIV_GROUP,
		    strerror(-rc));
	return 0;
}

/*
 * USER[:GROUP], names or numbers; a failed parse leaves pv untouched.
 * Where the contract is silent we follow su-exec and Docker:
 *  - a number with a passwd entry is that user (name, home, gid, groups);
 *  - a number without one runs with gid 0, as `docker run --user 4242` and
 *    Kubernetes runAsUser do (images built for OpenShift rely on group 0);
 *    write 4242:4242 for a private group. USER and LOGNAME are then
 *    unset: the inherited values name vigil's user, usually root, and a
 *    wrong name is worse than none. HOME is "/";
 *  - with :GROUP, the group replaces the primary one and is the only
 *    supplementary group (su-exec; Docker keeps none);
 *  - otherwise the groups are the user's from /etc/group, primary first,
 *    as login and initgroups() give them.
 */
int
priv_parse_user(struct priv *pv, const char *spec, char *err, size_t errlen)
{
	char user[sizeof pv->name];
	const char *colon = strchr(spec, ':'), *group;
	size_t ulen, glen = 0;
	struct priv t = *pv;
	unsigned long id = 0;
	int kind, rc;

	ulen = colon != NULL ? (size_t)(colon - spec) : strlen(spec);
	if (colon != NULL)
		glen = strlen(colon + 1);
	if (ulen == 0)
		return priv_err(err, errlen, "missing user in --user '%.*s'",
		    priv_shown(spec, strlen(spec)), spec);
	if (colon != NULL && glen == 0)
		return priv_err(err, errlen, "missing group in --user '%.*s'",
		    priv_shown(spec, strlen(spec)), spec);
	kind = priv_token(spec, ulen, &id);
	if (kind < 0 || ulen >= sizeof user)
		return priv_err(err, errlen,
		    "bad user '%.*s': not a name or a number",
		    priv_shown(spec, ulen), spec);
	memcpy(user, spec, ulen);
	user[ulen] = '\0';

	t.has_user = 1;
	rc = priv_pw_find(&t, kind == 1 ? NULL : user, (uid_t)id, err, errlen);
	if (rc < 0)
		return rc;
	if (rc == 0 && kind == 0)
		return priv_err(err, errlen, "unknown user '%s'", user);
	if (rc == 0) {
		t.uid = (uid_t)id;
		t.gid = 0;
		t.name[0] = '\0';
		strcpy(t.home, "/");
	}

	if (colon != NULL) {
		group = colon + 1;
		kind = priv_token(group, glen, &id);
		if (kind < 0 || glen >= sizeof user)
			return priv_err(err, errlen,
			    "bad group '%.*s': not a name or a number",
			    priv_shown(group, glen), group);
		if (kind == 1) {
			t.gid = (gid_t)id;
		} else {
			rc = priv_gr_find(group, &t.gid, err, errlen);
			if (rc < 0)
				return rc;
			if (rc == 0)
				return priv_err(err, errlen,
				    "unknown group '%s'", group);
		}
		t.groups[0] = t.gid;
		t.ngroups = 1;
	} else if (t.name[0] != '\0') {
		if ((rc = priv_gr_list(&t, err, errlen)) < 0)
			return rc;
	} else {
		t.groups[0] = t.gid;
		t.ngroups = 1;
	}
	*pv = t;
	return 0;
}

int
priv_active(const struct priv *pv)
{
	return pv->has_user || pv->has_caps || pv->no_new_privs ||
	    pv->ndeny > 0;
}

/* Records the failing step for the caller's error report. */
static int
priv_fail(const char **stage, const char *name, int rc)
{
	*stage = name;
	return rc;
}

static int
priv_keeps(const struct priv *pv, int cap)
{
	return (pv->caps >> cap & 1) != 0;
}

/*
 * The last capability this kernel knows, probed the way the kernel defines
 * it rather than with the compile-time CAP_LAST_CAP, which can be older or
 * newer than the running kernel.
 */
static int
priv_cap_last(void)
{
	int c;

	for (c = 0; c < 64; c++) {
		if (prctl(PR_CAPBSET_READ, (unsigned long)c, 0UL, 0UL,
		    0UL) >= 0)
			continue;
		if (errno != EINVAL || c == 0)
			return -errno;
		break;
	}
	return c - 1;
}

/*
 * Bounding set first: it caps what any later exec (a setuid binary, file
 * capabilities, root's own exec) can regain, and dropping needs
 * CAP_SETPCAP, which the uid change below takes away.
 */
static int
priv_bound(const struct priv *pv, int last)
{
	int c, r;

	for (c = 0; c <= last; c++) {
		if (priv_keeps(pv, c))
			continue;
		r = prctl(PR_CAPBSET_READ, (unsigned long)c, 0UL, 0UL, 0UL);
		if (r < 0)
			return -errno;
		/* Already gone: nothing to do, and no CAP_SETPCAP needed. */
		if (r == 0)
			continue;
		if (prctl(PR_CAPBSET_DROP, (unsigned long)c, 0UL, 0UL, 0UL) < 0)
			return -errno;
	}
	return 0;
}

/*
 * setgroups() needs CAP_SETGID even when nothing would change; a vigil
 * already running as the --user (an image's USER) may carry on when its
 * groups are exactly the wanted ones.
 */
static int
priv_groups_already(const struct priv *pv)
{
	gid_t cur[PRIV_GROUPS_MAX];
	int n, i, j;

	n = getgroups(PRIV_GROUPS_MAX, cur);
	if (n != pv->ngroups)
		return 0;
	for (i = 0; i < n; i++) {
		for (j = 0; j < n && cur[j] != pv->groups[i]; j++)
			;
		if (j == n)
			return 0;
	}
	return 1;
}

/* All three ids of each kind, so a saved id cannot bring root back. */
static int
priv_ids(const struct priv *pv, const char **stage)
{
	uid_t ru, eu, su;
	gid_t rg, eg, sg;
	int rc;

	if (setgroups((size_t)pv->ngroups, pv->groups) < 0) {
		rc = -errno;
		if (rc != -EPERM || !priv_groups_already(pv))
			return priv_fail(stage, "setgroups", rc);
	}
	if (setresgid(pv->gid, pv->gid, pv->gid) < 0)
		return priv_fail(stage, "setresgid", -errno);
	if (setresuid(pv->uid, pv->uid, pv->uid) < 0)
		return priv_fail(stage, "setresuid", -errno);
	/* Defence in depth: believe the kernel, not the return codes. */
	if (getresgid(&rg, &eg, &sg) < 0)
		return priv_fail(stage, "getresgid", -errno);
	if (rg != pv->gid || eg != pv->gid || sg != pv->gid)
		return priv_fail(stage, "getresgid", -EPERM);
	if (getresuid(&ru, &eu, &su) < 0)
		return priv_fail(stage, "getresuid", -errno);
	if (ru != pv->uid || eu != pv->uid || su != pv->uid)
		return priv_fail(stage, "getresuid", -EPERM);
	return 0;
}

/*
 * Permitted, effective and inheritable become exactly the kept set. The
 * uid change emptied effective even with keepcaps, and inheritable must
 * hold a capability before it can be raised as ambient.
 */
static int
priv_cap_sets(const struct priv *pv, int last)
{
	static const cap_flag_t flags[] = {
		CAP_PERMITTED, CAP_EFFECTIVE, CAP_INHERITABLE
	};
	cap_value_t v;
	cap_t c;
	size_t f;
	int rc = 0;

	c = cap_init();
	if (c == NULL)
		return -errno;
	for (v = 0; v <= last && rc == 0; v++) {
		if (!priv_keeps(pv, v))
			continue;
		for (f = 0; f < sizeof flags / sizeof flags[0]; f++)
			if (cap_set_flag(c, flags[f], 1, &v, CAP_SET) < 0)
				rc = -errno;
	}
	if (rc == 0 && cap_set_proc(c) < 0)
		rc = -errno;
	cap_free(c);
	return rc;
}

/*
 * Reads the sets back: permitted and effective must equal want, and so
 * must inheritable when check_inh. Catches what the return codes of the
 * steps above cannot, e.g. a SECBIT_NO_SETUID_FIXUP inherited from
 * whoever started vigil, which lets caps survive the uid change.
 */
static int
priv_cap_verify(uint64_t want, int last, int check_inh)
{
	cap_flag_value_t p, e, i;
	cap_value_t v;
	cap_t c;
	int rc = 0, w;

	c = cap_get_proc();
	if (c == NULL)
		return -errno;
	for (v = 0; v <= last && rc == 0; v++) {
		w = (want >> v & 1) != 0;
		if (cap_get_flag(c, v, CAP_PERMITTED, &p) < 0 ||
		    cap_get_flag(c, v, CAP_EFFECTIVE, &e) < 0 ||
		    cap_get_flag(c, v, CAP_INHERITABLE, &i) < 0)
			rc = -errno;
		else if ((p == CAP_SET) != w || (e == CAP_SET) != w ||
		    (check_inh && (i == CAP_SET) != w))
			rc = -EPERM;
	}
	cap_free(c);
	return rc;
}

/*
 * Ambient capabilities are what lets a non-root program keep the kept set
 * across exec without file capabilities. Cleared first so nothing
 * inherited from vigil's own start survives; root needs none (exec gives
 * it the bounding set, which is now the kept set).
 */
static int
priv_ambient(const struct priv *pv, uid_t target, int last)
{
	int c;

	if (prctl(PR_CAP_AMBIENT, (unsigned long)PR_CAP_AMBIENT_CLEAR_ALL, 0UL,
	    0UL, 0UL) < 0)
		return -errno;
	if (target == 0)
		return 0;
	for (c = 0; c <= last; c++)
		if (priv_keeps(pv, c) &&
		    prctl(PR_CAP_AMBIENT, (unsigned long)PR_CAP_AMBIENT_RAISE,
		    (unsigned long)c, 0UL, 0UL) < 0)
			return -errno;
	return 0;
}

/*
 * Compat architectures the kernel will also run for this one: without them
 * a 32-bit call (int $0x80 on x86_64) would hit the filter's bad-arch
 * action, and with them libseccomp translates each rule by name.
 */
static int
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
static int
priv_seccomp(const struct priv *pv, const char **stage)
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
		if ((rc = priv_bound(pv, last)) < 0)
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
		if ((rc = priv_ids(pv, stage)) < 0)
			return rc;
	}

	if (pv->has_caps) {
		if ((rc = priv_cap_sets(pv, last)) < 0)
			return priv_fail(stage, "cap_set_proc", rc);
		if ((rc = priv_cap_verify(pv->caps, last, 1)) < 0)
			return priv_fail(stage, "cap_verify", rc);
		if ((rc = priv_ambient(pv, target, last)) < 0)
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

	if (pv->ndeny > 0 && (rc = priv_seccomp(pv, stage)) < 0)
		return rc;
	return 0;
}
