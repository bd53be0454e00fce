/* SPDX-License-Identifier: MIT */
/*
 * An HTTP response head as the probe reads it: bytes from the peer, not
 * terminated, in a buffer of exactly their length (ASan sees any read past).
 */
#include <stdlib.h>

#include "fuzz.h"
#include "probe_impl.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *buf = (const char *)data;
	char line[48];
	int code;

	probe_http_head_done(buf, size);
	code = probe_http_reply(buf, size, line, sizeof(line));
	if (code != probe_http_status(buf, size))
		abort();
	if (code >= 0 && (code < 100 || code > 599))
		abort();
	return 0;
}
