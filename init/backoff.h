/* SPDX-License-Identifier: MIT */
/* Restart delay arithmetic (pure): exponential, capped, with jitter. */
#ifndef INIT_BACKOFF_H
#define INIT_BACKOFF_H

#include <stdint.h>

/*
 * The delay before the n-th consecutive restart (n >= 1):
 * min(initial * 2^(n-1), max), less up to 10% jitter drawn from rnd, so the
 * delay never exceeds max. rnd is any 32-bit random value.
 */
int64_t backoff_delay_ns(long n, int64_t initial_ns, int64_t max_ns,
    uint32_t rnd);

/* A small xorshift generator; good enough to spread restarts apart. */
uint32_t backoff_random(uint32_t *state);

#endif
