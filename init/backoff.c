/* SPDX-License-Identifier: MIT */
/*
 * Restart delays. Jitter only ever shortens a delay, so --backoff-max is a
 * promise; 10% is enough to keep a fleet of crashing containers from
 * restarting in lockstep.
 */
#include "backoff.h"

int64_t
backoff_delay_ns(long n, int64_t initial_ns, int64_t max_ns, uint32_t rnd)
{
	int64_t d = initial_ns;
	long i;

	if (n < 1 || initial_ns <= 0)
		return 0;
	for (i = 1; i < n && d < max_ns; i++)
		d = d > max_ns / 2 ? max_ns : d * 2;
	if (d > max_ns)
		d = max_ns;
	/* d / 10 * rnd / 2^32, in two steps to stay within 64 bits. */
	return d - (int64_t)(((uint64_t)(d / 10) >> 16) * rnd >> 16);
}

uint32_t
backoff_random(uint32_t *state)
{
	uint32_t x = *state ? *state : 0x9e3779b9u;

	x ^= x << 13;
	x ^= x >> 17;
	x ^= x << 5;
	*state = x;
	return x;
}
