/* SPDX-License-Identifier: MIT */
/* Restart delays and the exit-status mapping. */
#include <check.h>
#include <stdint.h>
#include <sys/wait.h>

#include "backoff.h"
#include "parse.h"
#include "sup.h"

START_TEST(doubles_and_caps)
{
	static const int64_t want_s[] = { 1, 2, 4, 8, 16, 32, 60, 60, 60 };
	long n;

	/* rnd = 0: no jitter, the exact schedule. */
	for (n = 1; n <= 9; n++)
		ck_assert_int_eq(backoff_delay_ns(n, NS_PER_S, 60 * NS_PER_S, 0),
		    want_s[n - 1] * NS_PER_S);
	ck_assert_int_eq(backoff_delay_ns(1000000, NS_PER_S, 60 * NS_PER_S,
	    0), 60 * NS_PER_S);
	ck_assert_int_eq(backoff_delay_ns(0, NS_PER_S, 60 * NS_PER_S, 0), 0);
	ck_assert_int_eq(backoff_delay_ns(5, 0, 60 * NS_PER_S, 0), 0);
	/* initial above half of max must not overflow past max. */
	ck_assert_int_eq(backoff_delay_ns(3, 40 * NS_PER_S, 60 * NS_PER_S, 0),
	    60 * NS_PER_S);
	ck_assert_int_eq(backoff_delay_ns(70, INT64_MAX / 3, INT64_MAX / 2, 0),
	    INT64_MAX / 2);
}
END_TEST

START_TEST(jitter_within_ten_percent)
{
	uint32_t state = 12345;
	int i, below = 0;

	for (i = 0; i < 10000; i++) {
		int64_t d = backoff_delay_ns(3, NS_PER_S, 60 * NS_PER_S,
		    backoff_random(&state));

		ck_assert_int_le(d, 4 * NS_PER_S);
		ck_assert_int_ge(d, 4 * NS_PER_S - 4 * NS_PER_S / 10);
		below += d < 4 * NS_PER_S - NS_PER_S / 10;
	}
	/* It is really random: most draws take off more than 2.5%. */
	ck_assert_int_gt(below, 5000);
	ck_assert_int_eq(backoff_delay_ns(1, NS_PER_S, NS_PER_S, UINT32_MAX) >=
	    NS_PER_S - NS_PER_S / 10, 1);
}
END_TEST

START_TEST(exit_codes)
{
	uint8_t remap[32] = { 0 };

	ck_assert_int_eq(sup_code_of(W_EXITCODE(0, 0)), 0);
	ck_assert_int_eq(sup_code_of(W_EXITCODE(3, 0)), 3);
	ck_assert_int_eq(sup_code_of(W_EXITCODE(255, 0)), 255);
	ck_assert_int_eq(sup_code_of(W_EXITCODE(0, 15)), 143);
	ck_assert_int_eq(sup_code_of(W_EXITCODE(0, 9)), 137);
	ck_assert_int_eq(sup_code_of(W_EXITCODE(0, 64)), 192);
	remap[143 / 8] |= 1u << (143 % 8);
	ck_assert_int_eq(sup_remapped(remap, 143), 0);
	ck_assert_int_eq(sup_remapped(remap, 142), 142);
	ck_assert_int_eq(sup_remapped(remap, 0), 0);
}
END_TEST

Suite *suite_backoff(void);

Suite *
suite_backoff(void)
{
	Suite *s = suite_create("backoff");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, doubles_and_caps);
	tcase_add_test(tc, jitter_within_ten_percent);
	tcase_add_test(tc, exit_codes);
	suite_add_tcase(s, tc);
	return s;
}
