/* SPDX-License-Identifier: MIT */
/*
 * libFuzzer target for the @FILE syscall list parser, priv_parse_list():
 * arbitrary bytes, NULs and overlong lines included, must give 0 or one
 * printable line of error, never touch memory past the buffer (it is not
 * NUL-terminated), and leave the list as it was on error.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "priv.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct priv pv;

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char err[256] = "";
	int n0, rc;

	memset(&pv, 0, sizeof(pv));
	/* Start with a few entries, so a failed parse has something to keep. */
	rc = priv_parse_list(&pv, "mount\nsetns\n", 12, "seed", err,
	    sizeof(err));
	if (rc != 0)
		abort();
	n0 = pv.ndeny;
	rc = priv_parse_list(&pv, (const char *)data, size, "fuzz.list", err,
	    sizeof(err));
	if (rc != 0 && (pv.ndeny != n0 || strchr(err, '\n') != NULL ||
	    err[0] == '\0'))
		abort();
	if (rc == 0 && (pv.ndeny < n0 || pv.ndeny > PRIV_DENY_MAX))
		abort();
	return 0;
}
