/* SPDX-License-Identifier: MIT */
/* Probe specs (probe_parse): every spec is text from the command line. */
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "spec.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct probe_spec p;
	char err[256], *s;

	if ((s = fuzz_cstr(data, size)) == NULL)
		return 0;
	if (probe_parse(&p, s, err, sizeof(err)) == 0) {
		/* What the probe process gets is always terminated. */
		if (memchr(p.display, '\0', sizeof(p.display)) == NULL ||
		    memchr(p.host, '\0', sizeof(p.host)) == NULL ||
		    memchr(p.path, '\0', sizeof(p.path)) == NULL)
			abort();
	} else if (strchr(err, '\n') != NULL || err[0] == '\0') {
		/* A rejection is one non-empty line. */
		abort();
	}
	free(s);
	return 0;
}
