/* SPDX-License-Identifier: MIT */
/* The health state machine on scripted results. */
#include <check.h>
#include <errno.h>
#include <string.h>

#include "health.h"
#include "parse.h"

static const struct health_cfg cfg3 = { 0, 0, 3, 1 };

/*
 * Feeds a script of results ('P' pass, 'F' fail) one second apart and
 * returns the status letters after each: s(tarting) h(ealthy) u(nhealthy).
 */
static void
run(const struct health_cfg *c, const char *script, char *out)
{
	static const char letters[] = "shux";
	struct health h;
	int64_t t = 0;

	health_reset(&h, 0);
	for (; *script != '\0'; script++) {
		t += NS_PER_S;
		health_result(&h, c, *script == 'P', t);
		*out++ = letters[h.status];
	}
	*out = '\0';
}

START_TEST(docker_rules)
{
	struct health_cfg two = { 0, 0, 1, 2 };
	struct health_cfg grace = { 3 * NS_PER_S + 1, 0, 2, 1 };
	struct health_cfg slow = { 0, 3 * NS_PER_S, 3, 1 };
	char out[32];

	/* retries consecutive failures; any pass resets the streak. */
	run(&cfg3, "FFPFFFP", out);
	ck_assert_str_eq(out, "sshhhuh");
	/* Starting can turn unhealthy directly without a start period. */
	run(&cfg3, "FFF", out);
	ck_assert_str_eq(out, "ssu");
	/* successes=2: two passes in a row to be healthy. */
	run(&two, "PFPPFP", out);
	ck_assert_str_eq(out, "suuhuu");
	/* Failures in the start period (3 s) do not count. */
	run(&grace, "FFFFF", out);
	ck_assert_str_eq(out, "ssssu");
	/*
	 * Rounds 1 s apart with a 3 s interval: while starting, failures count
	 * at t=1, 4, 7 — unhealthy only at 7 s, as Docker's 3 x 3 s; a pass is
	 * seen at once. Once healthy, every failure counts again.
	 */
	run(&slow, "FFFFFFF", out);
	ck_assert_str_eq(out, "ssssssu");
	run(&slow, "FFPFFF", out);
	ck_assert_str_eq(out, "sshhhu");
}
END_TEST

START_TEST(start_period_ends_on_pass)
{
	struct health_cfg grace = { 100 * NS_PER_S, 0, 2, 1 };
	struct health h;

	health_reset(&h, 0);
	ck_assert_int_eq(health_result(&h, &grace, 0, NS_PER_S), 0);
	ck_assert_int_eq(h.failures, 0);
	ck_assert_int_eq(health_result(&h, &grace, 1, 2 * NS_PER_S), 1);
	ck_assert_int_eq(h.status, HEALTH_HEALTHY);
	/* Inside the period still, but a pass ended the grace. */
	health_result(&h, &grace, 0, 3 * NS_PER_S);
	ck_assert_int_eq(h.failures, 1);
	ck_assert_int_eq(health_result(&h, &grace, 0, 4 * NS_PER_S), 1);
	ck_assert_int_eq(h.status, HEALTH_UNHEALTHY);
	/* A restart goes back to starting, streaks cleared. */
	health_reset(&h, 5 * NS_PER_S);
	ck_assert_int_eq(h.status, HEALTH_STARTING);
	ck_assert_int_eq(h.failures, 0);
	ck_assert_int_eq(h.started, 0);
}
END_TEST

START_TEST(stopping_is_final)
{
	struct health h;

	health_reset(&h, 0);
	ck_assert_int_eq(health_set(&h, HEALTH_STOPPING), 1);
	ck_assert_int_eq(health_set(&h, HEALTH_STOPPING), 0);
	ck_assert_int_eq(health_result(&h, &cfg3, 1, NS_PER_S), 0);
	ck_assert_int_eq(h.status, HEALTH_STOPPING);
}
END_TEST

Suite *suite_health(void);

Suite *
suite_health(void)
{
	Suite *s = suite_create("health");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, docker_rules);
	tcase_add_test(tc, start_period_ends_on_pass);
	tcase_add_test(tc, stopping_is_final);
	suite_add_tcase(s, tc);
	return s;
}
