/* SPDX-License-Identifier: MIT */
/* Durations, signals, rewrite pairs, stop ladders, integers, booleans. */
#include <check.h>
#include <errno.h>
#include <signal.h>
#include <stdint.h>

#include "parse.h"

START_TEST(duration_good)
{
	static const struct {
		const char *s;
		int64_t ns;
	} cases[] = {
		{ "0", 0 },
		{ "0s", 0 },
		{ "250ms", 250 * NS_PER_MS },
		{ "10s", 10 * NS_PER_S },
		{ "2m", 120 * NS_PER_S },
		{ "1h", 3600 * NS_PER_S },
		{ "1m30s", 90 * NS_PER_S },
		{ "1h2m3s4ms", 3723 * NS_PER_S + 4 * NS_PER_MS },
		{ "1500ms", 1500 * NS_PER_MS },
		{ "87600h", PARSE_DURATION_MAX },
	};
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		int64_t ns = -1;

		ck_assert_msg(parse_duration(cases[i].s, &ns) == 0, "%s",
		    cases[i].s);
		ck_assert_int_eq(ns, cases[i].ns);
	}
}
END_TEST

START_TEST(duration_bad)
{
	static const char *bad[] = {
		"", "10", "5", "10x", "-5s", "s", "1.5s", "10 s", " 10s",
		"10s ", "1m30", "ms", "99999999999999999999s",
		"9223372036854775807h", "+1s", "1d", "87600h1ms", "2562047h",
	};
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		int64_t ns = 42;

		ck_assert_msg(parse_duration(bad[i], &ns) == -EINVAL,
		    "accepted '%s'", bad[i]);
		ck_assert_int_eq(ns, 42);
	}
}
END_TEST

START_TEST(duration_fmt_round_trip)
{
	static const int64_t vals[] = {
		0, 250 * NS_PER_MS, NS_PER_S, 90 * NS_PER_S, 120 * NS_PER_S,
		7200 * NS_PER_S, 1500 * NS_PER_MS,
	};
	size_t i;

	for (i = 0; i < sizeof(vals) / sizeof(vals[0]); i++) {
		char buf[32];
		int64_t back = -1;

		parse_duration_fmt(vals[i], PARSE_DUR_EXACT, buf, sizeof(buf));
		ck_assert_msg(parse_duration(buf, &back) == 0, "%s", buf);
		ck_assert_int_eq(back, vals[i]);
	}
}
END_TEST

START_TEST(signal_names)
{
	int sig = 0;

	ck_assert_int_eq(parse_signal("TERM", &sig), 0);
	ck_assert_int_eq(sig, SIGTERM);
	ck_assert_int_eq(parse_signal("SIGQUIT", &sig), 0);
	ck_assert_int_eq(sig, SIGQUIT);
	ck_assert_int_eq(parse_signal("sigusr1", &sig), 0);
	ck_assert_int_eq(sig, SIGUSR1);
	ck_assert_int_eq(parse_signal("15", &sig), 0);
	ck_assert_int_eq(sig, 15);
	ck_assert_int_eq(parse_signal("64", &sig), 0);
	ck_assert_int_eq(sig, 64);
	/* The kernel's numbering, whatever libc thinks SIGRTMIN is. */
	ck_assert_int_eq(parse_signal("RTMIN", &sig), 0);
	ck_assert_int_eq(sig, 34);
	ck_assert_int_eq(parse_signal("SIGRTMIN+3", &sig), 0);
	ck_assert_int_eq(sig, 37);
	ck_assert_int_eq(parse_signal("RTMAX-1", &sig), 0);
	ck_assert_int_eq(sig, 63);
}
END_TEST

START_TEST(signal_bad)
{
	static const char *bad[] = {
		"", "0", "65", "-1", "TERMX", "SIG", "RTMIN+31", "RTMAX+1",
		"RTMIN-1", "RTMIN+", "15x", "SIGSIGTERM",
	};
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		int sig = 99;

		ck_assert_msg(parse_signal(bad[i], &sig) == -EINVAL,
		    "accepted '%s'", bad[i]);
		ck_assert_int_eq(sig, 99);
	}
}
END_TEST

START_TEST(signal_name_round_trip)
{
	int sig;

	for (sig = 1; sig <= PARSE_SIGMAX; sig++) {
		char buf[16];
		int back = 0;

		parse_signal_name(sig, buf, sizeof(buf));
		ck_assert_msg(parse_signal(buf, &back) == 0, "%s", buf);
		ck_assert_int_eq(back, sig);
	}
}
END_TEST

START_TEST(rewrite_pairs)
{
	int f = 0, t = 0;

	ck_assert_int_eq(parse_rewrite("TERM:QUIT", &f, &t), 0);
	ck_assert_int_eq(f, SIGTERM);
	ck_assert_int_eq(t, SIGQUIT);
	ck_assert_int_eq(parse_rewrite("15:3", &f, &t), 0);
	ck_assert_int_eq(f, 15);
	ck_assert_int_eq(t, 3);
	ck_assert_int_eq(parse_rewrite("HUP:0", &f, &t), 0);
	ck_assert_int_eq(f, SIGHUP);
	ck_assert_int_eq(t, 0);
	ck_assert_int_eq(parse_rewrite("TERM", &f, &t), -EINVAL);
	ck_assert_int_eq(parse_rewrite(":QUIT", &f, &t), -EINVAL);
	ck_assert_int_eq(parse_rewrite("TERM:", &f, &t), -EINVAL);
	ck_assert_int_eq(parse_rewrite("TERM:NOPE", &f, &t), -EINVAL);
	ck_assert_int_eq(parse_rewrite("0:TERM", &f, &t), -EINVAL);
	ck_assert_int_eq(parse_rewrite("TERM:QUIT:1", &f, &t), -EINVAL);
}
END_TEST

START_TEST(stop_sequence)
{
	struct stop_step s[PARSE_STEPS_MAX];
	int n = 0;

	ck_assert_int_eq(parse_stop_sequence("TERM:50s,QUIT:8s", s, &n), 0);
	ck_assert_int_eq(n, 2);
	ck_assert_int_eq(s[0].sig, SIGTERM);
	ck_assert_int_eq(s[0].wait_ns, 50 * NS_PER_S);
	ck_assert_int_eq(s[1].sig, SIGQUIT);
	ck_assert_int_eq(s[1].wait_ns, 8 * NS_PER_S);
	ck_assert_int_eq(parse_stop_sequence("INT:0", s, &n), 0);
	ck_assert_int_eq(n, 1);
	ck_assert_int_eq(s[0].wait_ns, 0);

	n = 7;
	ck_assert_int_eq(parse_stop_sequence("", s, &n), -EINVAL);
	ck_assert_int_eq(parse_stop_sequence("TERM", s, &n), -EINVAL);
	ck_assert_int_eq(parse_stop_sequence("TERM:10", s, &n), -EINVAL);
	ck_assert_int_eq(parse_stop_sequence("TERM:1s,", s, &n), -EINVAL);
	ck_assert_int_eq(parse_stop_sequence("FOO:1s", s, &n), -EINVAL);
	ck_assert_int_eq(parse_stop_sequence(
	    "1:1s,2:1s,3:1s,4:1s,5:1s,6:1s,7:1s,8:1s,9:1s", s, &n), -EINVAL);
	ck_assert_int_eq(n, 7);
}
END_TEST

START_TEST(ints_and_bools)
{
	long n = 0;
	int b = 5;

	ck_assert_int_eq(parse_int("42", 0, 100, &n), 0);
	ck_assert_int_eq(n, 42);
	ck_assert_int_eq(parse_int("101", 0, 100, &n), -EINVAL);
	ck_assert_int_eq(parse_int("-1", -5, 100, &n), -EINVAL);
	ck_assert_int_eq(parse_int("4x", 0, 100, &n), -EINVAL);
	ck_assert_int_eq(parse_int("", 0, 100, &n), -EINVAL);
	ck_assert_int_eq(parse_int("99999999999999999999999", 0, 100, &n),
	    -EINVAL);
	ck_assert_int_eq(parse_bool("yes", &b), 0);
	ck_assert_int_eq(b, 1);
	ck_assert_int_eq(parse_bool("OFF", &b), 0);
	ck_assert_int_eq(b, 0);
	ck_assert_int_eq(parse_bool("2", &b), -EINVAL);
}
END_TEST

START_TEST(subcommand_options)
{
	char *argv[] = { "status", "--max-age", "5s", "--max-age=7s",
		"--max-agex", "--max-age", NULL };
	const char *v = NULL;
	int i = 1;

	ck_assert_int_eq(parse_subopt(6, argv, &i, "--max-age", &v), 1);
	ck_assert_str_eq(v, "5s");
	ck_assert_int_eq(i, 2);
	i = 3;
	ck_assert_int_eq(parse_subopt(6, argv, &i, "--max-age", &v), 1);
	ck_assert_str_eq(v, "7s");
	ck_assert_int_eq(i, 3);
	i = 4;
	ck_assert_int_eq(parse_subopt(6, argv, &i, "--max-age", &v), 0);
	i = 5;
	ck_assert_int_eq(parse_subopt(6, argv, &i, "--max-age", &v), -1);
	i = 1;
	ck_assert_int_eq(parse_subopt(6, argv, &i, "--state-file", &v), 0);
}
END_TEST

Suite *suite_parse(void);

Suite *
suite_parse(void)
{
	Suite *s = suite_create("parse");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, duration_good);
	tcase_add_test(tc, duration_bad);
	tcase_add_test(tc, duration_fmt_round_trip);
	tcase_add_test(tc, signal_names);
	tcase_add_test(tc, signal_bad);
	tcase_add_test(tc, signal_name_round_trip);
	tcase_add_test(tc, rewrite_pairs);
	tcase_add_test(tc, stop_sequence);
	tcase_add_test(tc, ints_and_bools);
	tcase_add_test(tc, subcommand_options);
	suite_add_tcase(s, tc);
	return s;
}
