/* SPDX-License-Identifier: MIT */
/* The state file that `vigil status` reads (health_parse). */
#include "fuzz.h"
#include "health.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct health_record r;

	health_parse((const char *)data, size, &r);
	return 0;
}
