/* SPDX-License-Identifier: MIT */
/* A redis reply line as the probe reads it (probe_redis_reply). */
#include <errno.h>
#include <stdlib.h>

#include "fuzz.h"
#include "probe_impl.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *buf = (const char *)data;
	char msg[160];
	int r;

	r = probe_redis_reply(buf, size, "PONG", msg, sizeof(msg));
	if (r != 0 && r != -EAGAIN && r != -EPROTO)
		abort();
	probe_redis_reply(buf, size, "OK", msg, sizeof(msg));
	return 0;
}
