/* SPDX-License-Identifier: MIT */
/* Stop ladders (parse_stop_sequence): "TERM:50s,QUIT:8s". */
#include <stdlib.h>

#include "fuzz.h"
#include "parse.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct stop_step steps[PARSE_STEPS_MAX];
	int n, i;
	char *s;

	if ((s = fuzz_cstr(data, size)) == NULL)
		return 0;
	if (parse_stop_sequence(s, steps, &n) == 0) {
		if (n < 1 || n > PARSE_STEPS_MAX)
			abort();
		for (i = 0; i < n; i++)
			if (steps[i].sig < 1 || steps[i].sig > PARSE_SIGMAX ||
			    steps[i].wait_ns < 0)
				abort();
	}
	free(s);
	return 0;
}
