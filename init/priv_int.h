/* SPDX-License-Identifier: MIT */
/*
 * What the priv*.c files share, and nothing else uses: the parsers' string
 * helpers (priv_text.c), the kernel steps of capabilities (priv_caps.c),
 * ids (priv.c) and seccomp (priv_seccomp.c) that priv_apply() and the probe
 * sandbox put in order. Every step returns 0 or -errno.
 */
#ifndef INIT_PRIV_INT_H
#define INIT_PRIV_INT_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include <seccomp.h>

/* At most this much of a bad token is echoed in an error. */
#define PRIV_SHOWN 48

/* Formats a one-line reason into err; returns -EINVAL. */
int priv_err(char *err, size_t errlen, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/*
 * How much of s[0..len) an error may quote: printable bytes only, so a
 * stray newline in a variable cannot split the one line vigil prints.
 */
int priv_shown(const char *s, size_t len);

/*
 * The comma-separated item at *p, blanks trimmed: moves *p to its start,
 * sets *len, and returns the ',' after it, or NULL for the last item.
 */
const char *priv_item(const char **p, size_t *len);

/* Sets *stage = name for the caller's error report; returns rc. */
int priv_fail(const char **stage, const char *name, int rc);

/* The last capability number the running kernel knows, or -errno. */
int priv_cap_last(void);
/*
 * Drops from the bounding set every capability not in keep. Done before
 * the uid change: it needs CAP_SETPCAP, which that change takes away, and
 * it caps what any later exec (setuid binaries, file caps) can regain.
 */
int priv_cap_bound(uint64_t keep, int last);
/*
 * Permitted, effective and inheritable become exactly keep. The uid change
 * emptied effective even with keepcaps, and inheritable must hold a
 * capability before it can be raised as ambient.
 */
int priv_cap_sets(uint64_t keep, int last);
/*
 * Reads the sets back: permitted and effective must equal want, and so
 * must inheritable when check_inh. Catches what return codes cannot, e.g.
 * a SECBIT_NO_SETUID_FIXUP inherited from whoever started vigil, which
 * lets capabilities survive the uid change.
 */
int priv_cap_verify(uint64_t want, int last, int check_inh);
/*
 * Clears the ambient set, then raises keep in it for a non-root target:
 * what lets a non-root program keep capabilities across exec without file
 * capabilities. Root needs none (exec gives it the bounding set).
 */
int priv_cap_ambient(uint64_t keep, uid_t target, int last);

/*
 * setgroups, then all three gids, then all three uids (so no saved id can
 * bring root back), and reads them back; a parent-death signal, which the
 * kernel clears with the ids, is set again. *stage names a failed step.
 */
int priv_set_ids(uid_t uid, gid_t gid, int ngroups, const gid_t *groups,
    const char **stage);

struct priv;
/*
 * The child's deny filter, one set of rules per architecture the process
 * can call the kernel as, generated from the one list of names; the caller
 * loads or exports *ctx and releases it. *stage names a failed step.
 */
int priv_seccomp_build(const struct priv *pv, scmp_filter_ctx *ctx,
    const char **stage);
/* Builds and loads that filter. */
int priv_seccomp_load(const struct priv *pv, const char **stage);

#endif
