/* SPDX-License-Identifier: MIT */
/* What a postgres server sends back to the probe (probe_pg_reply). */
#include <errno.h>
#include <stdlib.h>

#include "fuzz.h"
#include "probe_impl.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char msg[200];
	int r;

	r = probe_pg_reply(data, size, msg, sizeof(msg));
	if (r != PROBE_PG_UP && r != PROBE_PG_REJECT && r != PROBE_PG_READY &&
	    r != -EAGAIN && r != -EPROTO)
		abort();
	return 0;
}
