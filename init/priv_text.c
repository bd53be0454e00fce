/* SPDX-License-Identifier: MIT */
/*
 * The helpers every priv file shares: one-line error messages, the quoting
 * of bad input in them, comma-separated lists, and naming the step that
 * failed. Pure functions, no system calls.
 */
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "priv_int.h"

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

/* Names the failed step in *stage; returns rc. */
int
priv_fail(const char **stage, const char *name, int rc)
{
	*stage = name;
	return rc;
}
