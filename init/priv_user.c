/* SPDX-License-Identifier: MIT */
/*
 * --user: USER[:GROUP] resolved at start-up into ids, groups, name and
 * home, from the passwd and group files of one directory (/etc, or a
 * fixture directory in the unit tests). Reads files, changes no state of
 * the process: PID 1 runs it before the first fork.
 */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "priv.h"
#include "priv_int.h"

#define PRIV_ID_MAX 4294967294UL /* (uid_t)-1 means "leave unchanged" */

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
#define PRIV_LINE_MAX 4096
#define PRIV_FIELDS 7
#define PRIV_ETC_MAX 256

/* Where passwd and group are read from; only tests point it elsewhere. */
static char priv_etc[PRIV_ETC_MAX] = "/etc";

struct priv_db {
	FILE *f;
	char path[PRIV_ETC_MAX + 8];
	char line[PRIV_LINE_MAX];
	char *fld[PRIV_FIELDS];
	int n;
};

static int
priv_db_open(struct priv_db *db, const char *file)
{
	snprintf(db->path, sizeof db->path, "%s/%s", priv_etc, file);
	db->f = fopen(db->path, "re");
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

	if ((rc = priv_db_open(&db, "passwd")) < 0)
		return priv_err(err, errlen, "cannot read %s: %s", db.path,
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
		return priv_err(err, errlen, "cannot read %s: %s", db.path,
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

	if ((rc = priv_db_open(&db, "group")) < 0)
		return priv_err(err, errlen, "cannot read %s: %s", db.path,
		    strerror(-rc));
	while ((rc = priv_db_next(&db)) > 0) {
		if (strcmp(db.fld[0], name) == 0 && priv_db_id(&db, 2, &g)) {
			*gid = (gid_t)g;
			break;
		}
	}
	priv_db_close(&db);
	if (rc < 0)
		return priv_err(err, errlen, "cannot read %s: %s", db.path,
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
	if ((rc = priv_db_open(&db, "group")) < 0)
		return priv_err(err, errlen, "cannot read %s: %s", db.path,
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
		return priv_err(err, errlen, "cannot read %s: %s", db.path,
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
priv_etc_root(const char *dir)
{
	if (strlen(dir) >= sizeof priv_etc)
		return -ENAMETOOLONG;
	snprintf(priv_etc, sizeof priv_etc, "%s", dir);
	return 0;
}
