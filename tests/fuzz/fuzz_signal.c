/* SPDX-License-Identifier: MIT */
/* Signals and rewrites (parse_signal, parse_rewrite): names round-trip. */
#include <stdlib.h>

#include "fuzz.h"
#include "parse.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char buf[32], *s;
	int sig, back, from, to;

	if ((s = fuzz_cstr(data, size)) == NULL)
		return 0;
	if (parse_signal(s, &sig) == 0) {
		if (sig < 1 || sig > PARSE_SIGMAX)
			abort();
		parse_signal_name(sig, buf, sizeof(buf));
		if (parse_signal(buf, &back) != 0 || back != sig)
			abort();
	}
	parse_rewrite(s, &from, &to);
	free(s);
	return 0;
}
