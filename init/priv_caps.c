/* SPDX-License-Identifier: MIT */
/*
 * Capabilities, whole: the names vigil knows, the --caps parser that turns
 * "net_bind_service,CAP_CHOWN" or "none" into the bit mask in struct priv
 * (pure string work, run by PID 1 at start-up), and the prctl/libcap steps
 * that make a mask the kernel state of a forked child. priv.c decides
 * their order.
 */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <sys/prctl.h>

#include <sys/capability.h>

#include "priv.h"
#include "priv_int.h"

/*
 * Index = capability number from linux/capability.h (Linux 5.9 has them
 * all). Our own table, not libcap's, so that what --caps accepts does not
 * depend on the libcap version the binary was linked with; the unit tests
 * check that the two agree. Newer capabilities can be given by number.
 */
static const char *const caps_names[] = {
	"chown",		/* 0 */
	"dac_override",
	"dac_read_search",
	"fowner",
	"fsetid",
	"kill",			/* 5 */
	"setgid",
	"setuid",
	"setpcap",
	"linux_immutable",
	"net_bind_service",	/* 10 */
	"net_broadcast",
	"net_admin",
	"net_raw",
	"ipc_lock",
	"ipc_owner",		/* 15 */
	"sys_module",
	"sys_rawio",
	"sys_chroot",
	"sys_ptrace",
	"sys_pacct",		/* 20 */
	"sys_admin",
	"sys_boot",
	"sys_nice",
	"sys_resource",
	"sys_time",		/* 25 */
	"sys_tty_config",
	"mknod",
	"lease",
	"audit_write",
	"audit_control",	/* 30 */
	"setfcap",
	"mac_override",
	"mac_admin",
	"syslog",
	"wake_alarm",		/* 35 */
	"block_suspend",
	"audit_read",
	"perfmon",
	"bpf",
	"checkpoint_restore",	/* 40 */
};

#define CAPS_NNAMES ((int)(sizeof caps_names / sizeof caps_names[0]))

static int
caps_is_none(const char *s, size_t len)
{
	return len == 4 && strncasecmp(s, "none", 4) == 0;
}

/* The capability number for one token, or -1. */
static int
caps_lookup(const char *s, size_t len)
{
	size_t i;
	int n, v;

	/* A bare number, for capabilities newer than the table. */
	if (len > 0 && len <= 2 && isdigit((unsigned char)s[0])) {
		for (i = 0, v = 0; i < len; i++) {
			if (!isdigit((unsigned char)s[i]))
				return -1;
			v = v * 10 + (s[i] - '0');
		}
		return v < 64 ? v : -1;
	}
	if (len > 4 && strncasecmp(s, "cap_", 4) == 0) {
		s += 4;
		len -= 4;
	}
	for (n = 0; n < CAPS_NNAMES; n++)
		if (strlen(caps_names[n]) == len &&
		    strncasecmp(caps_names[n], s, len) == 0)
			return n;
	return -1;
}

/*
 * "none", or names separated by commas, with or without "cap_", in any
 * case, blanks around each item ignored, duplicates harmless. A later
 * call replaces an earlier one: --caps is a set, not a list of additions.
 * On error pv is left as it was.
 */
int
priv_parse_caps(struct priv *pv, const char *list, char *err, size_t errlen)
{
	const char *p, *end;
	uint64_t caps = 0;
	size_t len;
	int n, items = 0, none = 0;

	for (p = list;; p = end + 1) {
		end = priv_item(&p, &len);
		if (len == 0) {
			if (end == NULL && items == 0)
				return priv_err(err, errlen,
				    "empty capability list "
				    "(use --caps none to drop them all)");
			return priv_err(err, errlen,
			    "empty capability name in --caps '%.*s'",
			    priv_shown(list, strlen(list)), list);
		}
		items++;
		if (caps_is_none(p, len)) {
			none = 1;
		} else {
			n = caps_lookup(p, len);
			if (n < 0)
				return priv_err(err, errlen,
				    "unknown capability '%.*s'",
				    priv_shown(p, len), p);
			caps |= UINT64_C(1) << n;
		}
		if (none && items > 1)
			return priv_err(err, errlen,
			    "'none' cannot be combined with capabilities "
			    "in --caps");
		if (end == NULL)
			break;
	}
	pv->has_caps = 1;
	pv->caps = caps;
	return 0;
}

/*
 * The kernel side, for priv_apply() and the probe sandbox: each function
 * takes the mask of capabilities to keep and returns 0 or -errno.
 */

static int
caps_keeps(uint64_t keep, int cap)
{
	return (keep >> cap & 1) != 0;
}

/*
 * The last capability this kernel knows, probed the way the kernel defines
 * it rather than with the compile-time CAP_LAST_CAP, which can be older or
 * newer than the running kernel.
 */
int
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

int
priv_cap_bound(uint64_t keep, int last)
{
	int c, r;

	for (c = 0; c <= last; c++) {
		if (caps_keeps(keep, c))
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

int
priv_cap_sets(uint64_t keep, int last)
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
		if (!caps_keeps(keep, v))
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

int
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
		w = caps_keeps(want, v);
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

int
priv_cap_ambient(uint64_t keep, uid_t target, int last)
{
	int c;

	if (prctl(PR_CAP_AMBIENT, (unsigned long)PR_CAP_AMBIENT_CLEAR_ALL, 0UL,
	    0UL, 0UL) < 0)
		return -errno;
	if (target == 0)
		return 0;
	for (c = 0; c <= last; c++)
		if (caps_keeps(keep, c) &&
		    prctl(PR_CAP_AMBIENT, (unsigned long)PR_CAP_AMBIENT_RAISE,
		    (unsigned long)c, 0UL, 0UL) < 0)
			return -errno;
	return 0;
}
