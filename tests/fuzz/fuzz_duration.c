/* SPDX-License-Identifier: MIT */
/* Durations (parse_duration): an accepted one formats and parses back. */
#include <stdlib.h>

#include "fuzz.h"
#include "parse.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	int64_t ns, back;
	char buf[64], *s;

	if ((s = fuzz_cstr(data, size)) == NULL)
		return 0;
	if (parse_duration(s, &ns) == 0) {
		if (ns < 0 || ns > PARSE_DURATION_MAX)
			abort();
		parse_duration_fmt(ns, PARSE_DUR_EXACT, buf, sizeof(buf));
		if (parse_duration(buf, &back) != 0 || back != ns)
			abort();
	}
	free(s);
	return 0;
}
