/* SPDX-License-Identifier: MIT */
/*
 * The state file that `vigil status` reads (hfile_parse), and the reason
 * line it prints from whatever parsed: always one line, always ended.
 */
#include <string.h>

#include "fuzz.h"
#include "hfile.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct hfile_record r;
	char line[1024];

	if (hfile_parse((const char *)data, size, &r) < 0)
		return 0;
	hfile_reason(&r, 1796173323000LL, line, sizeof(line));
	if (memchr(line, '\0', sizeof(line)) == NULL || strchr(line, '\n'))
		__builtin_trap();
	return 0;
}
