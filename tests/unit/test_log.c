/* SPDX-License-Identifier: MIT */
/*
 * The log line: escaping of any byte sequence into one valid UTF-8 line,
 * the timestamp, the fixed leading keys, no key twice; and the warning for
 * VIGIL_* variables a flag beat, collected by config_parse.
 */
#include <check.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config.h"
#include "log.h"

/* 1 if s[0..n) is valid UTF-8 without any control character. */
static int
clean_utf8(const unsigned char *s, size_t n)
{
	size_t i = 0;

	while (i < n) {
		unsigned long cp;
		size_t len, k;

		if (s[i] < 0x80) {
			if (s[i] < 0x20 || s[i] == 0x7f)
				return 0;
			i++;
			continue;
		}
		if (s[i] >= 0xc2 && s[i] <= 0xdf) {
			len = 2;
			cp = s[i] & 0x1f;
		} else if (s[i] >= 0xe0 && s[i] <= 0xef) {
			len = 3;
			cp = s[i] & 0x0f;
		} else if (s[i] >= 0xf0 && s[i] <= 0xf4) {
			len = 4;
			cp = s[i] & 0x07;
		} else
			return 0;
		if (i + len > n)
			return 0;
		for (k = 1; k < len; k++) {
			if ((s[i + k] & 0xc0) != 0x80)
				return 0;
			cp = cp << 6 | (s[i + k] & 0x3f);
		}
		if ((len == 3 && cp < 0x800) || (len == 4 && cp < 0x10000) ||
		    cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff) ||
		    cp < 0xa0 || cp == 0x2028 || cp == 0x2029)
			return 0;
		i += len;
	}
	return 1;
}

static const char *
esc(const char *in, int quotes)
{
	static char out[512];
	size_t len = 0;

	ck_assert_int_eq(log_escape(out, &len, sizeof(out), in, quotes), 0);
	ck_assert_uint_eq(strlen(out), len);
	return out;
}

START_TEST(escape_known)
{
	ck_assert_str_eq(esc("plain text", 1), "plain text");
	ck_assert_str_eq(esc("a\nb\rc\td", 1), "a\\nb\\rc\\td");
	ck_assert_str_eq(esc("\x1b[31mred", 1), "\\u001b[31mred");
	ck_assert_str_eq(esc("\x01\x7f", 1), "\\u0001\\u007f");
	ck_assert_str_eq(esc("q\"b\\", 1), "q\\\"b\\\\");
	ck_assert_str_eq(esc("q\"b\\", 0), "q\"b\\");
	/* Valid UTF-8 stays; C1 controls and line separators do not. */
	ck_assert_str_eq(esc("caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80", 1),
	    "caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80");
	ck_assert_str_eq(esc("\xc2\x85\xc2\x9b", 1), "\\u0085\\u009b");
	ck_assert_str_eq(esc("\xe2\x80\xa8", 1), "\\u2028");
	/* Invalid: stray, overlong, surrogate, too high, cut short. */
	ck_assert_str_eq(esc("\xff", 1), "\\ufffd");
	ck_assert_str_eq(esc("\x80x", 1), "\\ufffdx");
	ck_assert_str_eq(esc("\xc0\xaf", 1), "\\ufffd\\ufffd");
	ck_assert_str_eq(esc("\xe0\x80\xaf", 1), "\\ufffd\\ufffd\\ufffd");
	ck_assert_str_eq(esc("\xed\xa0\x80", 1), "\\ufffd\\ufffd\\ufffd");
	ck_assert_str_eq(esc("\xf4\x90\x80\x80", 1),
	    "\\ufffd\\ufffd\\ufffd\\ufffd");
	ck_assert_str_eq(esc("\xe2\x82", 1), "\\ufffd\\ufffd");
}
END_TEST

START_TEST(escape_never_cuts)
{
	char out[8];
	size_t len = 0;

	/* "ab" fits, the escape of ESC (6 bytes) does not: it is left out. */
	ck_assert_int_eq(log_escape(out, &len, sizeof(out), "ab\x1b", 1), -1);
	ck_assert_uint_eq(len, 2);
	ck_assert_str_eq(out, "ab");
	len = 0;
	ck_assert_int_eq(log_escape(out, &len, sizeof(out),
	    "\xe2\x82\xac\xe2\x82\xac\xe2\x82\xac", 1), -1);
	ck_assert_uint_eq(len, 6);
}
END_TEST

/* Any byte sequence: one line, valid UTF-8, no control character. */
START_TEST(escape_any_bytes)
{
	unsigned char in[64];
	char out[64 * 6 + 1];
	unsigned seed = 12345;
	int round, i;

	for (round = 0; round < 200000; round++) {
		size_t n = 1 + (size_t)round % 63, len = 0;

		for (i = 0; i < (int)n; i++) {
			seed = seed * 1103515245u + 12345u;
			/* Half the rounds favour bytes that build UTF-8. */
			in[i] = (unsigned char)(seed >> 16);
			if (round % 2 && in[i] < 0x80)
				in[i] |= 0x80;
			if (in[i] == 0)
				in[i] = 1;
		}
		in[n] = 0;
		ck_assert_int_eq(log_escape(out, &len, sizeof(out),
		    (const char *)in, round % 3 != 0), 0);
		ck_assert_msg(clean_utf8((unsigned char *)out, len),
		    "round %d: not one clean line", round);
	}
	/* Every byte alone (b = 0) and in every pair. */
	for (i = 1; i < 256; i++) {
		int b;

		for (b = 0; b < 256; b++) {
			size_t len = 0;

			in[0] = (unsigned char)i;
			in[1] = (unsigned char)b;
			in[2] = 0;
			log_escape(out, &len, sizeof(out), (const char *)in, 1);
			ck_assert(clean_utf8((unsigned char *)out, len));
		}
	}
}
END_TEST

START_TEST(timestamp)
{
	char ts[40];

	/* 2026-12-02T01:02:03Z is 1796173323 s after the epoch. */
	ck_assert_int_eq(log_format_ts(ts, sizeof(ts), 1796173323LL,
	    456789000L), 0);
	ck_assert_str_eq(ts, "2026-12-02T01:02:03.456Z");
	ck_assert_int_eq(log_format_ts(ts, sizeof(ts), 0, 999999999L), 0);
	ck_assert_str_eq(ts, "1970-01-01T00:00:00.999Z");
	ck_assert_int_eq(log_format_ts(ts, 10, 0, 0), -1);
	/* Leap days and century rules. */
	ck_assert_int_eq(log_format_ts(ts, sizeof(ts), 1709208000LL, 0), 0);
	ck_assert_str_eq(ts, "2024-02-29T12:00:00.000Z");
	ck_assert_int_eq(log_format_ts(ts, sizeof(ts), 951868800LL, 0), 0);
	ck_assert_str_eq(ts, "2000-03-01T00:00:00.000Z");
	ck_assert_int_eq(log_format_ts(ts, sizeof(ts), 4102444799LL, 0), 0);
	ck_assert_str_eq(ts, "2099-12-31T23:59:59.000Z");
}
END_TEST

/* Runs fn with stderr on a file and returns what it wrote. */
static const char *
captured(void (*fn)(void), int json)
{
	static char buf[8192];
	char path[] = "/tmp/vigil-unit-log.XXXXXX";
	int fd = mkstemp(path), saved = dup(2);
	ssize_t n;

	ck_assert_int_ge(fd, 0);
	unlink(path);
	dup2(fd, 2);
	log_setup(LOGL_DEBUG, json);
	fn();
	dup2(saved, 2);
	close(saved);
	n = pread(fd, buf, sizeof(buf) - 1, 0);
	close(fd);
	ck_assert_int_ge(n, 0);
	buf[n] = '\0';
	return buf;
}

static void
write_repeats(void)
{
	log_begin(LOGL_WARN, "a\nforged=1");
	log_str("msg", "again");
	log_str("level", "error");
	log_str("ts", "x");
	log_str("k", "one");
	log_int("k", 2);
	log_str("other", "\x1b\xff");
	log_end();
}

START_TEST(line_keys_once)
{
	const char *out = captured(write_repeats, 0);

	ck_assert_msg(strncmp(out, "vigil ts=", 9) == 0, "%s", out);
	ck_assert_int_eq(strlen(out), strcspn(out, "\n") + 1);
	ck_assert_ptr_nonnull(strstr(out, "Z level=warn msg=\"a\\nforged=1\" "
	    "k=one other=\"\\u001b\\ufffd\" truncated=true\n"));
	out = captured(write_repeats, 1);
	ck_assert_msg(strncmp(out, "{\"ts\":\"", 7) == 0, "%s", out);
	ck_assert_ptr_nonnull(strstr(out, "Z\",\"level\":\"warn\","
	    "\"msg\":\"a\\nforged=1\",\"k\":\"one\",\"other\":"
	    "\"\\u001b\\ufffd\",\"truncated\":true}\n"));
}
END_TEST

static void
write_long(void)
{
	static char big[3000];

	memset(big, 'x', sizeof(big) - 1);
	log_begin(LOGL_INFO, big);
	log_str("after", "y");
	log_end();
}

START_TEST(line_long_msg_kept_in_part)
{
	const char *out = captured(write_long, 0);

	ck_assert_ptr_nonnull(strstr(out, " level=info msg=xxxx"));
	ck_assert_ptr_nonnull(strstr(out, " truncated=true\n"));
	ck_assert_uint_le(strlen(out), 1024);
	out = captured(write_long, 1);
	ck_assert_ptr_nonnull(strstr(out, "\"msg\":\"xxxx"));
	ck_assert_ptr_nonnull(strstr(out, "x\",\"truncated\":true}\n"));
}
END_TEST

static struct config cfg;

START_TEST(overrides_collected)
{
	char *argv[] = { "vigil", "--probe-interval", "5s", "-p", "KILL",
		"--grace=2s", "--", "true", NULL };
	char *envp[] = { "VIGIL_PROBE_INTERVAL=1s", "VIGIL_PDEATHSIG=TERM",
		"VIGIL_RESTART=always", NULL };
	char err[256], var[48];
	const char *flag;

	memset(&cfg, 0, sizeof(cfg));
	ck_assert_int_eq(config_parse(&cfg, 8, argv, envp, err, sizeof(err)),
	    0);
	/* The flags won, the unbeaten variable applied. */
	ck_assert_int_eq(cfg.probe_interval_ns, 5 * NS_PER_S);
	ck_assert_int_eq(cfg.restart, CFG_RESTART_ALWAYS);
	/* In option order; --grace had no variable to beat. */
	ck_assert_int_eq(config_override(&cfg, 0, var, sizeof(var), &flag), 0);
	ck_assert_str_eq(var, "VIGIL_PDEATHSIG");
	ck_assert_str_eq(flag, "pdeathsig");
	ck_assert_int_eq(config_override(&cfg, 1, var, sizeof(var), &flag), 0);
	ck_assert_str_eq(var, "VIGIL_PROBE_INTERVAL");
	ck_assert_str_eq(flag, "probe-interval");
	ck_assert_int_eq(config_override(&cfg, 2, var, sizeof(var), &flag),
	    -1);
}
END_TEST

START_TEST(no_override_without_flag)
{
	char *argv[] = { "vigil", "true", NULL };
	char *envp[] = { "VIGIL_PROBE_INTERVAL=1s", NULL };
	char err[256], var[48];
	const char *flag;

	memset(&cfg, 0, sizeof(cfg));
	ck_assert_int_eq(config_parse(&cfg, 2, argv, envp, err, sizeof(err)),
	    0);
	ck_assert_int_eq(cfg.probe_interval_ns, NS_PER_S);
	ck_assert_int_eq(config_override(&cfg, 0, var, sizeof(var), &flag),
	    -1);
}
END_TEST

START_TEST(config_error_one_line)
{
	char *argv[] = { "vigil", "--grace", "1\nvigil level=error\x1b", "--",
		"true", NULL };
	char *envp[] = { NULL };
	char err[256];

	memset(&cfg, 0, sizeof(cfg));
	ck_assert_int_eq(config_parse(&cfg, 5, argv, envp, err, sizeof(err)),
	    -EINVAL);
	ck_assert_ptr_null(strchr(err, '\n'));
	ck_assert_ptr_null(strchr(err, '\x1b'));
	ck_assert_ptr_nonnull(strstr(err,
	    "bad duration '1\\nvigil level=error\\u001b'"));
}
END_TEST

Suite *suite_log(void);

Suite *
suite_log(void)
{
	Suite *s = suite_create("log");
	TCase *tc = tcase_create("log");

	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, escape_known);
	tcase_add_test(tc, escape_never_cuts);
	tcase_add_test(tc, escape_any_bytes);
	tcase_add_test(tc, timestamp);
	tcase_add_test(tc, line_keys_once);
	tcase_add_test(tc, line_long_msg_kept_in_part);
	tcase_add_test(tc, overrides_collected);
	tcase_add_test(tc, no_override_without_flag);
	tcase_add_test(tc, config_error_one_line);
	suite_add_tcase(s, tc);
	return s;
}
