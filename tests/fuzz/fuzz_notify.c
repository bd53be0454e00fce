/* SPDX-License-Identifier: MIT */
/*
 * A notify datagram (notify_parse): whatever it parses to stays inside the
 * buffer, and the STATUS= text escapes into one line of the health file.
 */
#include <string.h>

#include "fuzz.h"
#include "hfile.h"
#include "notify.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *buf = (const char *)data;
	struct notify_msg m;
	char out[HFILE_OUTPUT_MAX + 1];

	if (size > NOTIFY_DGRAM_MAX)
		return 0;
	if (notify_parse(buf, size, &m) < 0)
		return 0;
	if (m.flags & NOTIFY_STATUS) {
		if (m.status < buf || m.status + m.status_len > buf + size)
			__builtin_trap();
		hfile_escape(m.status, m.status_len, out, sizeof(out));
		if (strchr(out, '\n') != NULL)
			__builtin_trap();
	}
	if ((m.flags & NOTIFY_READY) &&
	    (m.flags & (NOTIFY_STOPPING | NOTIFY_RELOADING)))
		__builtin_trap();
	return 0;
}
