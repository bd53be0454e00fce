/* SPDX-License-Identifier: MIT */
/* Helpers shared by the priv*.c files, and by nothing else. */
#ifndef INIT_PRIV_INT_H
#define INIT_PRIV_INT_H

#include <stddef.h>

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

#endif
