/* SPDX-License-Identifier: MIT */
/* The health state machine on scripted results, and the file format. */
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

START_TEST(format_round_trip)
{
	struct health_record r, back;
	char buf[HEALTH_FILE_MAX];
	int len;

	memset(&r, 0, sizeof(r));
	r.status = HEALTH_UNHEALTHY;
	r.since = 1764400000;
	r.updated = 1764400012;
	r.stale_after = 1764400037;
	r.pid = 7;
	r.restarts = 2;
	r.has_last_exit = 1;
	r.last_exit = 137;
	r.failures = 3;
	strcpy(r.probe, "redis://:***@127.0.0.1:6379");
	strcpy(r.output, "redis: -LOADING Redis is loading");
	len = health_format(&r, buf, sizeof(buf));
	ck_assert_int_gt(len, 0);
	ck_assert_ptr_nonnull(strstr(buf, "status=unhealthy\nsince="));
	ck_assert_ptr_nonnull(strstr(buf, "\nlast_exit=137\n"));
	ck_assert_int_eq(health_parse(buf, (size_t)len, &back), 0);
	ck_assert_int_eq(back.status, r.status);
	ck_assert_int_eq(back.since, r.since);
	ck_assert_int_eq(back.updated, r.updated);
	ck_assert_int_eq(back.stale_after, r.stale_after);
	ck_assert_int_eq(back.pid, 7);
	ck_assert_int_eq(back.restarts, 2);
	ck_assert_int_eq(back.has_last_exit, 1);
	ck_assert_int_eq(back.last_exit, 137);
	ck_assert_int_eq(back.failures, 3);
	ck_assert_str_eq(back.probe, r.probe);
	ck_assert_str_eq(back.output, r.output);

	/* Empty optional fields stay empty. */
	r.stale_after = 0;
	r.has_last_exit = 0;
	len = health_format(&r, buf, sizeof(buf));
	ck_assert_ptr_nonnull(strstr(buf, "\nstale_after=\n"));
	ck_assert_ptr_nonnull(strstr(buf, "\nlast_exit=\n"));
	ck_assert_int_eq(health_parse(buf, (size_t)len, &back), 0);
	ck_assert_int_eq(back.stale_after, 0);
	ck_assert_int_eq(back.has_last_exit, 0);
}
END_TEST

START_TEST(parse_rejects)
{
	struct health_record r;
	static const char *bad[] = {
		"",
		"status=healthy\n",		/* no updated */
		"updated=5\n",			/* no status */
		"status=fine\nupdated=5\n",
		"status=healthy\nupdated=x\n",
		"status=healthy\nupdated=5",	/* torn: no final newline */
		"status=healthy\nupdated=5\ngarbage\n",
	};
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		ck_assert_msg(health_parse(bad[i], strlen(bad[i]), &r) ==
		    -EINVAL, "accepted case %zu", i);
	ck_assert_int_eq(health_parse("status=healthy\nupdated=5\nnew=1\n",
	    31, &r), 0);
}
END_TEST

START_TEST(escape_one_line)
{
	char out[HEALTH_OUTPUT_MAX + 1], raw[1000];

	health_escape("a\nb\tc\\d\x01\n\n", 10, out, sizeof(out));
	ck_assert_str_eq(out, "a\\nb\\tc\\\\d\\x01");
	memset(raw, 'x', sizeof(raw));
	health_escape(raw, sizeof(raw), out, sizeof(out));
	ck_assert_uint_eq(strlen(out), HEALTH_OUTPUT_MAX);
	/* An escape is never cut in half at the limit. */
	memset(raw, '\n', sizeof(raw));
	raw[0] = 'x';
	raw[999] = 'y';
	health_escape(raw, sizeof(raw), out, sizeof(out));
	ck_assert_uint_eq(strlen(out) % 2, 1);
	ck_assert(out[strlen(out) - 1] == 'n');
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
	tcase_add_test(tc, format_round_trip);
	tcase_add_test(tc, parse_rejects);
	tcase_add_test(tc, escape_one_line);
	suite_add_tcase(s, tc);
	return s;
}
