/* SPDX-License-Identifier: MIT */
/*
 * Tests of probes/: spec parsing (every scheme, defaults, rejections), the
 * pure parsers of HTTP, redis and postgres replies, and probe_run() in a
 * forked child against peers the test itself opens on 127.0.0.1: a bare
 * listener, scripted fake servers that record what the probe sent, files.
 */
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <netdb.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "parse.h"
#include "probe.h"
#include "probe_impl.h"

#define NS_PER_S INT64_C(1000000000)

static struct probe_spec spec;
static char err[256];

/* Parses text that must be good; fails the test with the reason if not. */
static void
good(const char *text)
{
	int r;

	err[0] = '\0';
	r = probe_parse(&spec, text, err, sizeof err);
	ck_assert_msg(r == 0, "'%s' refused: %s", text, err);
}

/* Parses text that must be refused with a one-line reason. */
static void
refused(const char *text)
{
	struct probe_spec p;
	char e[256];
	int r;

	memset(e, 'x', sizeof e);
	r = probe_parse(&p, text, e, sizeof e);
	ck_assert_msg(r == -EINVAL, "'%s' gave %d, not -EINVAL", text, r);
	ck_assert_msg(memchr(e, '\0', sizeof e) != NULL, "'%s': err unended",
	    text);
	ck_assert_msg(e[0] != '\0', "'%s': empty reason", text);
	ck_assert_msg(strchr(e, '\n') == NULL, "'%s': reason '%s' not one line",
	    text, e);
}

/* Refused, and the reason contains want. */
static void
refused_with(const char *text, const char *want)
{
	struct probe_spec p;
	char e[256];

	refused(text);
	probe_parse(&p, text, e, sizeof e);
	ck_assert_msg(strstr(e, want) != NULL, "'%s': reason '%s' lacks '%s'",
	    text, e, want);
}

static const char *
word(int i)
{
	ck_assert_int_lt(i, spec.argc);
	return spec.words + spec.argoff[i];
}

START_TEST(test_parse_tcp)
{
	good("tcp://127.0.0.1:6379");
	ck_assert_int_eq(spec.kind, PROBE_TCP);
	ck_assert_str_eq(spec.host, "127.0.0.1");
	ck_assert_str_eq(spec.port, "6379");
	ck_assert_str_eq(spec.display, "tcp://127.0.0.1:6379");
	good("tcp://db-1.internal_x:0080");
	ck_assert_str_eq(spec.host, "db-1.internal_x");
	ck_assert_str_eq(spec.port, "80");
	good("TCP://h:65535");
	ck_assert_int_eq(spec.kind, PROBE_TCP);
	ck_assert_str_eq(spec.port, "65535");
}
END_TEST

START_TEST(test_parse_http)
{
	good("http://app");
	ck_assert_int_eq(spec.kind, PROBE_HTTP);
	ck_assert_str_eq(spec.host, "app");
	ck_assert_str_eq(spec.port, "80");
	ck_assert_str_eq(spec.path, "/");
	good("http://127.0.0.1:8000/healthz");
	ck_assert_str_eq(spec.host, "127.0.0.1");
	ck_assert_str_eq(spec.port, "8000");
	ck_assert_str_eq(spec.path, "/healthz");
	good("http://h:81/a/b?x=1&y=%20#frag");
	ck_assert_str_eq(spec.path, "/a/b?x=1&y=%20");
	good("http://h?ready");
	ck_assert_str_eq(spec.path, "/?ready");
	good("http://h/");
	ck_assert_str_eq(spec.path, "/");
}
END_TEST

START_TEST(test_parse_ipv6)
{
	good("http://[::1]:8080/x");
	ck_assert_str_eq(spec.host, "::1");
	ck_assert_str_eq(spec.port, "8080");
	ck_assert_str_eq(spec.path, "/x");
	good("http://[2001:db8::5]/");
	ck_assert_str_eq(spec.host, "2001:db8::5");
	ck_assert_str_eq(spec.port, "80");
	good("tcp://[::ffff:127.0.0.1]:22");
	ck_assert_str_eq(spec.host, "::ffff:127.0.0.1");
	good("redis://:pw@[::1]");
	ck_assert_str_eq(spec.host, "::1");
	ck_assert_str_eq(spec.port, "6379");
	ck_assert_str_eq(spec.password, "pw");
	ck_assert_str_eq(spec.display, "redis://:***@[::1]");
	good("postgres://[::1]:6000");
	ck_assert_str_eq(spec.host, "::1");
	ck_assert_str_eq(spec.port, "6000");
}
END_TEST

START_TEST(test_parse_unix)
{
	good("unix:///run/app/app.sock");
	ck_assert_int_eq(spec.kind, PROBE_UNIX);
	ck_assert_str_eq(spec.path, "/run/app/app.sock");
}
END_TEST

START_TEST(test_parse_redis)
{
	good("redis://cache");
	ck_assert_int_eq(spec.kind, PROBE_REDIS);
	ck_assert_str_eq(spec.host, "cache");
	ck_assert_str_eq(spec.port, "6379");
	ck_assert_str_eq(spec.password, "");
	ck_assert_str_eq(spec.display, "redis://cache");
	good("redis://:s3cret@cache:6380");
	ck_assert_str_eq(spec.password, "s3cret");
	ck_assert_str_eq(spec.port, "6380");
	ck_assert_str_eq(spec.display, "redis://:***@cache:6380");
	ck_assert_ptr_null(strstr(spec.display, "s3cret"));
	/* Escapes let a password hold '@' and ':'; a database is ignored. */
	good("redis://:p%40ss%3Aw%2f@127.0.0.1/2");
	ck_assert_str_eq(spec.password, "p@ss:w/");
	ck_assert_str_eq(spec.host, "127.0.0.1");
	ck_assert_str_eq(spec.display, "redis://:***@127.0.0.1/2");
	good("redis://:@h");
	ck_assert_str_eq(spec.password, "");
	ck_assert_str_eq(spec.display, "redis://:@h");
	/* A password from a file, read by the probe process. */
	good("redis://:@h:6380/1?password-file=/run/secrets/redis");
	ck_assert_str_eq(spec.path, "/run/secrets/redis");
	ck_assert_str_eq(spec.password, "");
	ck_assert_str_eq(spec.port, "6380");
	good("redis://h?password-file=/s");
	ck_assert_str_eq(spec.path, "/s");
	good("redis://h");
	ck_assert_str_eq(spec.path, "");
}
END_TEST

START_TEST(test_parse_postgres)
{
	good("postgres://db");
	ck_assert_int_eq(spec.kind, PROBE_POSTGRES);
	ck_assert_str_eq(spec.host, "db");
	ck_assert_str_eq(spec.port, "5432");
	/* pg_isready's shape, with the role initdb makes as the default. */
	ck_assert_str_eq(spec.pg_user, "postgres");
	ck_assert_str_eq(spec.pg_db, "postgres");
	good("postgresql://db:6543/app");
	ck_assert_int_eq(spec.kind, PROBE_POSTGRES);
	ck_assert_str_eq(spec.port, "6543");
	ck_assert_str_eq(spec.pg_user, "postgres");
	ck_assert_str_eq(spec.pg_db, "app");
	/* The database defaults to the user's name, as in libpq. */
	good("postgres://app@db");
	ck_assert_str_eq(spec.pg_user, "app");
	ck_assert_str_eq(spec.pg_db, "app");
	ck_assert_str_eq(spec.host, "db");
	good("postgres://my%40user@[::1]:5433/my%20db?sslmode=disable");
	ck_assert_str_eq(spec.pg_user, "my@user");
	ck_assert_str_eq(spec.pg_db, "my db");
	ck_assert_str_eq(spec.port, "5433");
	good("postgres://h/?sslmode=prefer&sslmode=allow");
	ck_assert_str_eq(spec.pg_db, "postgres");
	good("postgres://h/");
	ck_assert_str_eq(spec.display, "postgres://h/");
}
END_TEST

START_TEST(test_parse_file)
{
	good("file:///tmp/beat");
	ck_assert_int_eq(spec.kind, PROBE_FILE);
	ck_assert_str_eq(spec.path, "/tmp/beat");
	ck_assert_int_eq(spec.max_age_ns, 0);
	good("file:///tmp/beat?max-age=1m30s");
	ck_assert_str_eq(spec.path, "/tmp/beat");
	ck_assert_int_eq(spec.max_age_ns, 90 * NS_PER_S);
	good("file:///b?max-age=250ms");
	ck_assert_int_eq(spec.max_age_ns, 250 * INT64_C(1000000));
	good("file:///b?max-age=0");
	ck_assert_int_eq(spec.max_age_ns, 0);
}
END_TEST

START_TEST(test_parse_exec)
{
	good("exec:pg_isready -q");
	ck_assert_int_eq(spec.kind, PROBE_EXEC);
	ck_assert_int_eq(spec.argc, 2);
	ck_assert_str_eq(word(0), "pg_isready");
	ck_assert_str_eq(word(1), "-q");
	good("exec: \t true \t ");
	ck_assert_int_eq(spec.argc, 1);
	ck_assert_str_eq(word(0), "true");
	good("exec:sh -c 'echo \"$HOME\" | wc'  \"a  b\" c\\ d '' x\"y\"'z'");
	ck_assert_int_eq(spec.argc, 7);
	ck_assert_str_eq(word(0), "sh");
	ck_assert_str_eq(word(1), "-c");
	ck_assert_str_eq(word(2), "echo \"$HOME\" | wc");
	ck_assert_str_eq(word(3), "a  b");
	ck_assert_str_eq(word(4), "c d");
	ck_assert_str_eq(word(5), "");
	ck_assert_str_eq(word(6), "xyz");
	/* In double quotes only \" and \\ are escapes. */
	good("exec:echo \"q\\\"q\\\\ \\n\" 'a\\b'");
	ck_assert_int_eq(spec.argc, 3);
	ck_assert_str_eq(word(1), "q\"q\\ \\n");
	ck_assert_str_eq(word(2), "a\\b");
	ck_assert_str_eq(spec.display, "exec:echo \"q\\\"q\\\\ \\n\" 'a\\b'");
}
END_TEST

START_TEST(test_parse_exec_max_words)
{
	char text[200];
	int i, n;

	n = snprintf(text, sizeof text, "exec:");
	for (i = 0; i < PROBE_ARGV_MAX; i++)
		n += snprintf(text + n, sizeof text - (size_t)n, "%d ", i % 10);
	good(text);
	ck_assert_int_eq(spec.argc, PROBE_ARGV_MAX);
	ck_assert_str_eq(word(PROBE_ARGV_MAX - 1), "1");
	snprintf(text + n, sizeof text - (size_t)n, "x");
	refused_with(text, "too many exec words (max 32)");
}
END_TEST

START_TEST(test_parse_long)
{
	char text[PROBE_TEXT_MAX + 16];

	/* The longest spec that fits is accepted, one more byte is not. */
	memset(text, 'a', sizeof text);
	memcpy(text, "exec:", 5);
	text[PROBE_TEXT_MAX - 1] = '\0';
	good(text);
	ck_assert_int_eq(spec.argc, 1);
	ck_assert_uint_eq(strlen(word(0)), PROBE_TEXT_MAX - 6);
	text[PROBE_TEXT_MAX - 1] = 'a';
	text[PROBE_TEXT_MAX] = '\0';
	refused_with(text, "spec too long");
	memset(text, 'h', sizeof text);
	memcpy(text, "tcp://", 6);
	strcpy(text + 300, ":1");
	refused_with(text, "too long");
}
END_TEST

START_TEST(test_parse_reasons)
{
	refused_with("https://example.com/", "https is not supported");
	refused_with("https://example.com/", "http://");
	refused_with("HTTPS://x", "https is not supported");
	refused_with("rediss://x", "not supported");
	refused_with("ftp://x", "unknown probe scheme 'ftp'");
	refused_with("tcp://x", "tcp probe needs a port");
	refused_with("tcp://x:99999", "bad port '99999'");
	refused_with("file:///x?max-age=10x", "bad max-age '10x'");
	refused_with("exec:", "empty exec command");
	refused_with("exec: \t ", "empty exec command");
	refused_with("tcp://::1:80", "brackets");
	refused_with("exec:echo 'x", "unterminated");
	refused_with("postgres://u:pw@h", "postgres probe takes no password");
	refused_with("redis://:pw@h?password-file=/s", "not both");
	refused_with("http://h/a\tb", "control character 0x09 in http path "
	    "(write it as %09)");
	refused_with("http://h/a\tb#\t", "control character 0x09");
	/* A tab in a fragment never goes on the wire. */
	good("http://h/a#\t");
	ck_assert_str_eq(spec.path, "/a");
	refused_with("redis://h?password-file=s", "absolute path");
	refused_with("postgres://h?sslmode=require", "needs TLS");
	refused_with("postgres://h?connect_timeout=3",
	    "unknown postgres option 'connect_timeout=3'");
}
END_TEST

START_TEST(test_parse_refused)
{
	static const char *const bad[] = {
		"", "nocolon", ":x", "://x", "tcp:/h:1", "tcp:h:1", "tcp//h:1",
		"gopher://h", "exe:true",
		"tcp://", "tcp://:80", "tcp://h:", "tcp://h:0", "tcp://h:-1",
		"tcp://h:65536", "tcp://h:8o", "tcp://h:80/", "tcp://h:80?x",
		"tcp://h:1:2", "tcp://u@h:1", "tcp://h h:1", "tcp://h\n:1",
		"tcp://h%41:1", "tcp://[::1:80", "tcp://[::1]x:80",
		"tcp://[]:80", "tcp://[zz::1]:80", "tcp://[1.2.3.4]:80",
		"http://", "http://:80/", "http://u:p@h/", "http://h/a b",
		"http://h:99999/", "http://h:/",
		"unix://", "unix://run/x.sock", "unix://relative",
		"unix:///aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
		    "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
		"redis://user@h", "redis://user:pw@h", "redis://:p%4@h",
		"redis://:p%zz@h", "redis://:p%00@h", "redis://:p%@h",
		"redis://h/x", "redis://h?db=1", "redis://h:0",
		"redis://:pw@h?password-file=/s", "redis://h?password-file=",
		"redis://h?password-file=rel", "redis://h?password-file=/s&x",
		"redis://h?password-file=/s#x", "redis://h?password-files=/s",
		"postgres://u:p@h", "postgres://u:@h", "postgres://@h",
		"postgres://h?sslmode=require", "postgres://h?sslmode=",
		"postgres://h?sslmode=verify-full", "postgres://h?x=1",
		"postgres://h?sslmode=disable&", "postgres://h/db#x",
		"postgres://%zz@h", "postgres://u%00@h", "postgres://h/d%4",
		"postgres://aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
		    "aaaaaaaaaaaaaa@h",
		"postgres://h/db?x", "postgres://", "postgres://h:66000",
		"file://", "file://rel/x", "file://host/x",
		"file:///x?max-age=", "file:///x?max-age=10",
		"file:///x?max-age=-1s",
		"file:///x?max-age=1.5s", "file:///x?max-age=10d",
		"file:///x?max-age=s", "file:///x?max-age=99999999999999h",
		"file:///x?maxage=1s", "file:///x?max-age=1s&x=2",
		"exec:echo \"x", "exec:echo x\\", "exec:echo \x7f",
		"exec:echo\rx",
	};
	size_t i;

	for (i = 0; i < sizeof bad / sizeof bad[0]; i++)
		refused(bad[i]);
}
END_TEST

START_TEST(test_duration)
{
	static const struct {
		const char *s;
		int64_t ns;
	} ok[] = {
		{ "0", 0 },
		{ "0s", 0 },
		{ "250ms", 250000000 },
		{ "10s", 10 * NS_PER_S },
		{ "2m", 120 * NS_PER_S },
		{ "1h", 3600 * NS_PER_S },
		{ "1m30s", 90 * NS_PER_S },
		{ "1h2m3s4ms", 3723 * NS_PER_S + 4000000 },
		{ "007s", 7 * NS_PER_S },
		{ "87600h", INT64_C(87600) * 3600 * NS_PER_S },
	};
	static const char *const bad[] = {
		"", "10", "1", "-1s", "+1s", "1x", "s", "1.5s", "1 s", "1s ",
		"ms", "1sm", "1mss", "10us", "1d", "2562048h",
		"9223372036854775807ms", "99999999999999999999s",
		"2562047h2562047h", "2562047h", "87601h",
	};
	int64_t ns;
	size_t i;

	for (i = 0; i < sizeof ok / sizeof ok[0]; i++) {
		ns = -1;
		ck_assert_msg(parse_duration(ok[i].s, &ns) == 0, "%s",
		    ok[i].s);
		ck_assert_msg(ns == ok[i].ns, "%s gave %" PRId64, ok[i].s, ns);
	}
	for (i = 0; i < sizeof bad / sizeof bad[0]; i++)
		ck_assert_msg(parse_duration(bad[i], &ns) < 0,
		    "'%s' accepted", bad[i]);
}
END_TEST

START_TEST(test_format_duration)
{
	char b[32];

	parse_duration_fmt(0, PARSE_DUR_WHOLE, b, sizeof b);
	ck_assert_str_eq(b, "0ms");
	parse_duration_fmt(250000000, PARSE_DUR_EXACT, b, sizeof b);
	ck_assert_str_eq(b, "250ms");
	parse_duration_fmt(10 * NS_PER_S, PARSE_DUR_EXACT, b, sizeof b);
	ck_assert_str_eq(b, "10s");
	parse_duration_fmt(90 * NS_PER_S, PARSE_DUR_EXACT, b, sizeof b);
	ck_assert_str_eq(b, "1m30s");
	parse_duration_fmt(3600 * NS_PER_S, PARSE_DUR_EXACT, b, sizeof b);
	ck_assert_str_eq(b, "1h");
	parse_duration_fmt(1500000000, PARSE_DUR_EXACT, b, sizeof b);
	ck_assert_str_eq(b, "1s500ms");
	parse_duration_fmt(12345000000, PARSE_DUR_WHOLE, b, sizeof b);
	ck_assert_str_eq(b, "12s");
	parse_duration_fmt(-5, PARSE_DUR_WHOLE, b, sizeof b);
	ck_assert_str_eq(b, "0ms");
	parse_duration_fmt(INT64_MAX, PARSE_DUR_EXACT, b, 4);
	ck_assert_uint_eq(strlen(b), 3);
}
END_TEST

static int
status(const char *s)
{
	return probe_http_status(s, strlen(s));
}

START_TEST(test_http_status)
{
	static const char *const bad[] = {
		"", "H", "HTTP/1.1", "HTTP/1.1 ", "HTTP/1.1 20",
		"HTTP/1.1 2000",
		"HTTP/1.1 20x OK", "HTTP/2 200 OK", "HTTP/2.0 200 OK",
		"http/1.1 200 OK", "HTTP/1.1  200 OK", "HTTP/1.x 200 OK",
		"HTTP/1.1 600 Nope", "HTTP/1.1 099 X", "HTTP/1.1 200OK",
		"SSH-2.0-OpenSSH_9.2\r\n", "+PONG\r\n", "<html>",
		"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03\x00",
	};
	size_t i;

	ck_assert_int_eq(status("HTTP/1.1 200 OK\r\nServer: x\r\n\r\n"), 200);
	ck_assert_int_eq(status("HTTP/1.0 503 Service Unavailable\r\n"), 503);
	ck_assert_int_eq(status("HTTP/1.1 302\r\nLocation: /\r\n\r\n"), 302);
	ck_assert_int_eq(status("HTTP/1.1 404\n\n"), 404);
	ck_assert_int_eq(status("HTTP/1.1 204"), 204);
	ck_assert_int_eq(status("HTTP/1.1 100 Continue\r\n"), 100);
	ck_assert_int_eq(status("HTTP/1.1 599 X"), 599);
	for (i = 0; i < sizeof bad / sizeof bad[0]; i++)
		ck_assert_msg(status(bad[i]) == -EINVAL, "'%s' accepted",
		    bad[i]);
	/* Only len bytes count, even when more follow in memory. */
	ck_assert_int_eq(probe_http_status("HTTP/1.1 200 OK", 11), -EINVAL);
	ck_assert_int_eq(probe_http_status("HTTP/1.1 200 OK", 12), 200);
	ck_assert_int_eq(probe_http_status("HTTP/1.1 2001", 12), 200);
}
END_TEST

START_TEST(test_http_head_done)
{
	ck_assert(!probe_http_head_done("", 0));
	ck_assert(!probe_http_head_done("HTTP/1.1 200 OK\r\n", 17));
	ck_assert(!probe_http_head_done("HTTP/1.1 200 OK\r\nA: b\r\n", 23));
	ck_assert(probe_http_head_done("HTTP/1.1 200 OK\r\n\r\n", 19));
	ck_assert(probe_http_head_done("HTTP/1.1 200 OK\n\nbody", 21));
	ck_assert(!probe_http_head_done("HTTP/1.1 200 OK\r\n\r\n", 18));
}
END_TEST

START_TEST(test_http_reply)
{
	char line[48], *flood;
	size_t i;

	ck_assert_int_eq(probe_http_reply("HTTP/1.1 200 OK\r\n\r\n", 19, line,
	    sizeof line), 200);
	ck_assert_int_eq(probe_http_reply("SSH-2.0-x\r\nmore", 15, line,
	    sizeof line), -EINVAL);
	ck_assert_str_eq(line, "SSH-2.0-x");
	ck_assert_int_eq(probe_http_reply("HTTP/1.1 2x\n", 12, line,
	    sizeof line), -EINVAL);
	ck_assert_str_eq(line, "HTTP/1.1 2x");
	ck_assert_int_eq(probe_http_reply("", 0, line, sizeof line), -EINVAL);
	ck_assert_str_eq(line, "");

	/*
	 * A head with no line end at all, in a buffer of exactly its size:
	 * under ASan any read past len is caught here.
	 */
	flood = malloc(8192);
	ck_assert_ptr_nonnull(flood);
	memset(flood, 'A', 8192);
	ck_assert_int_eq(probe_http_reply(flood, 8192, line, sizeof line),
	    -EINVAL);
	ck_assert_uint_eq(strlen(line), sizeof line - 1);
	for (i = 0; i < sizeof line - 1; i++)
		ck_assert_int_eq(line[i], 'A');
	free(flood);
}
END_TEST

static int
redis(const char *s, const char *want, char *msg, size_t msglen)
{
	return probe_redis_reply(s, strlen(s), want, msg, msglen);
}

START_TEST(test_redis_reply)
{
	char msg[64];

	ck_assert_int_eq(redis("+PONG\r\n", "PONG", msg, sizeof msg), 0);
	ck_assert_int_eq(redis("+PONG\n", "PONG", msg, sizeof msg), 0);
	ck_assert_int_eq(redis("+PONG\r\n+OK\r\n", "PONG", msg, sizeof msg),
	    0);
	ck_assert_int_eq(redis("+OK\r\n", "OK", msg, sizeof msg), 0);
	ck_assert_int_eq(redis("", "PONG", msg, sizeof msg), -EAGAIN);
	ck_assert_int_eq(redis("+PON", "PONG", msg, sizeof msg), -EAGAIN);
	ck_assert_int_eq(redis("+PONG\r", "PONG", msg, sizeof msg), -EAGAIN);
	ck_assert_int_eq(redis("-LOADING Redis is loading the dataset in "
	    "memory\r\n", "PONG", msg, sizeof msg), -EPROTO);
	ck_assert_str_eq(msg, "-LOADING Redis is loading the dataset in "
	    "memory");
	ck_assert_int_eq(redis("-NOAUTH Authentication required.\r\n", "PONG",
	    msg, sizeof msg), -EPROTO);
	ck_assert_str_eq(msg, "-NOAUTH Authentication required.");
	ck_assert_int_eq(redis("+OK\r\n", "PONG", msg, sizeof msg), -EPROTO);
	ck_assert_str_eq(msg, "+OK");
	ck_assert_int_eq(redis("+PONGS\r\n", "PONG", msg, sizeof msg),
	    -EPROTO);
	ck_assert_int_eq(redis("+PON\r\n", "PONG", msg, sizeof msg), -EPROTO);
	ck_assert_int_eq(redis("$4\r\nPONG\r\n", "PONG", msg, sizeof msg),
	    -EPROTO);
	ck_assert_int_eq(redis("PONG\r\n", "PONG", msg, sizeof msg), -EPROTO);
	ck_assert_int_eq(redis("\r\n", "PONG", msg, sizeof msg), -EPROTO);
	ck_assert_str_ne(msg, "");
	/* Garbage comes back printable and cut to the buffer. */
	ck_assert_int_eq(redis("\x01\x1b[31mHTTP/1.1 400 Bad Request "
	    "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
	    "\r\n", "PONG", msg, 16), -EPROTO);
	ck_assert_str_eq(msg, "?\?[31mHTTP/1.1 ");
	ck_assert_int_eq(probe_redis_reply("-ERR x\r\n", 8, "PONG", msg, 1),
	    -EPROTO);
	ck_assert_str_eq(msg, "");
}
END_TEST

/* Appends one postgres message: type, length, body. */
static size_t
pg_msg(unsigned char *b, char type, const void *body, size_t n)
{
	uint32_t len = (uint32_t)n + 4;

	b[0] = (unsigned char)type;
	b[1] = (unsigned char)(len >> 24);
	b[2] = (unsigned char)(len >> 16);
	b[3] = (unsigned char)(len >> 8);
	b[4] = (unsigned char)len;
	memcpy(b + 5, body, n);
	return n + 5;
}

/* Error fields, as a C literal: each "X...\0" plus the final NUL. */
#define STARTING_UP "SFATAL\0VFATAL\0C57P03\0Mthe database system is " \
    "starting up\0Fpostmaster.c\0L2400\0\0"
#define NO_ROLE "SFATAL\0C28000\0Mrole \"vigil\" does not exist\0\0"
#define NO_CODE "SFATAL\0Msorry, too many clients\0\0"

START_TEST(test_pg_reply)
{
	static const unsigned char auth_ok[9] = { 'R', 0, 0, 0, 8 };
	static const unsigned char md5[] = { 'R', 0, 0, 0, 12, 0, 0, 0, 5,
		1, 2, 3, 4 };
	unsigned char b[512];
	char msg[160];
	size_t n, i;

	/* AuthenticationOk starts a session: wait for ReadyForQuery. */
	ck_assert_int_eq(probe_pg_reply(auth_ok, 9, msg, sizeof msg),
	    -EAGAIN);
	ck_assert_int_eq(probe_pg_reply(md5, sizeof md5, msg, sizeof msg),
	    PROBE_PG_UP);
	/* Every proper prefix is incomplete, never a verdict. */
	for (i = 0; i < sizeof md5; i++)
		ck_assert_int_eq(probe_pg_reply(md5, i, msg, sizeof msg),
		    -EAGAIN);

	/* A session start, byte by byte: a verdict only at the end. */
	n = pg_msg(b, 'R', "\0\0\0\0", 4);
	n += pg_msg(b + n, 'S', "TimeZone\0UTC\0", 13);
	n += pg_msg(b + n, 'K', "\0\0\0\1\0\0\0\2", 8);
	n += pg_msg(b + n, 'N', "SNOTICE\0C00000\0Mhi\0\0", 20);
	n += pg_msg(b + n, 'Z', "I", 1);
	for (i = 0; i < n; i++)
		ck_assert_int_eq(probe_pg_reply(b, i, msg, sizeof msg),
		    -EAGAIN);
	ck_assert_int_eq(probe_pg_reply(b, n, msg, sizeof msg),
	    PROBE_PG_READY);
	ck_assert_str_eq(msg, "accepting connections");
	/* An error after AuthenticationOk: the role or database is missing. */
	n = pg_msg(b, 'R', "\0\0\0\0", 4);
	n += pg_msg(b + n, 'E', NO_ROLE, sizeof NO_ROLE - 1);
	ck_assert_int_eq(probe_pg_reply(b, n, msg, sizeof msg), PROBE_PG_UP);
	ck_assert_ptr_nonnull(strstr(msg, "28000"));
	/* Session messages before AuthenticationOk, or it twice: no server. */
	n = pg_msg(b, 'Z', "I", 1);
	ck_assert_int_eq(probe_pg_reply(b, n, msg, sizeof msg), -EPROTO);
	n = pg_msg(b, 'R', "\0\0\0\0", 4);
	n += pg_msg(b + n, 'R', "\0\0\0\0", 4);
	ck_assert_int_eq(probe_pg_reply(b, n, msg, sizeof msg), -EPROTO);
	n = pg_msg(b, 'R', "\0\0\0\0", 4);
	n += pg_msg(b + n, 'D', "x", 1);
	ck_assert_int_eq(probe_pg_reply(b, n, msg, sizeof msg), -EPROTO);

	n = pg_msg(b, 'E', STARTING_UP, sizeof STARTING_UP - 1);
	ck_assert_int_eq(probe_pg_reply(b, n, msg, sizeof msg),
	    PROBE_PG_REJECT);
	ck_assert_str_eq(msg, "57P03 the database system is starting up");
	for (i = 0; i < n; i++)
		ck_assert_int_eq(probe_pg_reply(b, i, msg, sizeof msg),
		    -EAGAIN);

	n = pg_msg(b, 'E', NO_ROLE, sizeof NO_ROLE - 1);
	ck_assert_int_eq(probe_pg_reply(b, n, msg, sizeof msg), PROBE_PG_UP);
	ck_assert_str_eq(msg, "accepting connections (28000 role \"vigil\" "
	    "does not exist)");

	n = pg_msg(b, 'E', NO_CODE, sizeof NO_CODE - 1);
	ck_assert_int_eq(probe_pg_reply(b, n, msg, sizeof msg), -EPROTO);
	ck_assert_ptr_nonnull(strstr(msg, "SQLSTATE"));

	/* A SQLSTATE must have five characters. */
	n = pg_msg(b, 'E', "C57P0\0Mx\0", 10);
	ck_assert_int_eq(probe_pg_reply(b, n, msg, sizeof msg), -EPROTO);

	/* A field running past the message, or no final NUL. */
	n = pg_msg(b, 'E', "C57P03\0Mabc", 11);
	ck_assert_int_eq(probe_pg_reply(b, n, msg, sizeof msg), -EPROTO);
	n = pg_msg(b, 'E', "C57P03\0", 7);
	ck_assert_int_eq(probe_pg_reply(b, n, msg, sizeof msg), -EPROTO);

	/* Wrong type, wrong length, an HTTP server, the old fork error. */
	n = pg_msg(b, 'N', NO_ROLE, sizeof NO_ROLE - 1);
	ck_assert_int_eq(probe_pg_reply(b, n, msg, sizeof msg), -EPROTO);
	ck_assert_ptr_nonnull(strstr(msg, "unexpected"));
	ck_assert_int_eq(probe_pg_reply((const unsigned char *)"R\0\0\0\4",
	    5, msg, sizeof msg), -EPROTO);
	ck_assert_int_eq(probe_pg_reply((const unsigned char *)"E\0\0\0\3",
	    5, msg, sizeof msg), -EPROTO);
	ck_assert_int_eq(probe_pg_reply((const unsigned char *)
	    "R\xff\xff\xff\xff", 5, msg, sizeof msg), -EPROTO);
	ck_assert_int_eq(probe_pg_reply((const unsigned char *)
	    "HTTP/1.1 400 Bad Request\r\n", 26, msg, sizeof msg), -EPROTO);
	ck_assert_int_eq(probe_pg_reply((const unsigned char *)
	    "Ecould not fork new process for connection", 42, msg,
	    sizeof msg), -EPROTO);
	ck_assert_uint_lt(strlen(msg), sizeof msg);
}
END_TEST

START_TEST(test_secret_trim)
{
	char b[16];
	size_t n;

	n = 7;
	memcpy(b, "s3cret\n", n);
	ck_assert_int_eq(probe_secret_trim(b, &n), 0);
	ck_assert_uint_eq(n, 6);
	ck_assert_str_eq(b, "s3cret");
	n = 8;
	memcpy(b, "s3cret\r\n", n);
	ck_assert_int_eq(probe_secret_trim(b, &n), 0);
	ck_assert_str_eq(b, "s3cret");
	/* Only one line end goes; none is fine; a blank line is not. */
	n = 8;
	memcpy(b, "s3cret\n\n", n);
	ck_assert_int_eq(probe_secret_trim(b, &n), -EINVAL);
	n = 6;
	memcpy(b, "s3cret", n);
	ck_assert_int_eq(probe_secret_trim(b, &n), 0);
	ck_assert_str_eq(b, "s3cret");
	n = 1;
	memcpy(b, "\n", n);
	ck_assert_int_eq(probe_secret_trim(b, &n), -ENODATA);
	n = 0;
	ck_assert_int_eq(probe_secret_trim(b, &n), -ENODATA);
	n = 5;
	memcpy(b, "a\nb\r\n", n);
	ck_assert_int_eq(probe_secret_trim(b, &n), -EINVAL);
}
END_TEST

START_TEST(test_pg_startup)
{
	static const char params[] = "user\0app\0database\0appdb\0"
	    "application_name\0vigil\0";
	unsigned char b[128];
	size_t n;

	ck_assert_uint_eq(probe_pg_startup(b, 8, "app", "appdb"), 0);
	n = probe_pg_startup(b, sizeof b, "app", "appdb");
	ck_assert_uint_eq(n, 8 + sizeof params);
	/* Exactly enough room, and one byte less. */
	ck_assert_uint_eq(probe_pg_startup(b, n, "app", "appdb"), n);
	ck_assert_uint_eq(probe_pg_startup(b, n - 1, "app", "appdb"), 0);
	n = probe_pg_startup(b, sizeof b, "app", "appdb");
	ck_assert_uint_eq((size_t)b[0] << 24 | (size_t)b[1] << 16 |
	    (size_t)b[2] << 8 | b[3], n);
	ck_assert_mem_eq(b + 4, "\0\3\0\0", 4);
	ck_assert_mem_eq(b + 8, params, sizeof params - 1);
	ck_assert_mem_eq(b + n - 2, "\0\0", 2);
}
END_TEST

START_TEST(test_file_age)
{
	struct timespec now = { 1000000, 500000000 }, m;
	const int64_t s = INT64_C(1000000000);

	m = now;
	ck_assert_int_eq(probe_file_age_ns(&now, &m), 0);
	m.tv_sec -= 20;
	ck_assert_int_eq(probe_file_age_ns(&now, &m), 20 * s);
	m = now;
	m.tv_sec += 12;
	ck_assert_int_eq(probe_file_age_ns(&now, &m), -12 * s);
	m.tv_sec = now.tv_sec;
	m.tv_nsec = 900000000;
	ck_assert_int_eq(probe_file_age_ns(&now, &m), -400000000);
	m.tv_sec = now.tv_sec - 1;
	ck_assert_int_eq(probe_file_age_ns(&now, &m), 600000000);
	/* Far off either way is clamped, never overflowed. */
	m.tv_sec = INT64_MIN / 2;
	ck_assert_int_eq(probe_file_age_ns(&now, &m), PROBE_AGE_LIMIT_S * s);
	m.tv_sec = INT64_MAX / 2;
	ck_assert_int_eq(probe_file_age_ns(&now, &m), -PROBE_AGE_LIMIT_S * s);
}
END_TEST

START_TEST(test_printable)
{
	char b[8];

	probe_printable(b, sizeof b, "a\tb\nc\x7f\xc3\xa9zzzz", 12);
	ck_assert_str_eq(b, "a?b?c?\xc3");
	probe_printable(b, sizeof b, "abc", 2);
	ck_assert_str_eq(b, "ab");
	probe_printable(b, sizeof b, "a\0bc", 4);
	ck_assert_str_eq(b, "a");
}
END_TEST

/* ---- probe_run() in a child, as PID 1 runs it ---- */

/* Runs spec text in a child; returns its exit status, output in out. */
static int
run_spec(const char *text, char *out, size_t outlen)
{
	struct probe_spec p;
	char e[256];
	size_t len = 0;
	ssize_t n;
	int fds[2], st;
	pid_t pid;

	ck_assert_msg(probe_parse(&p, text, e, sizeof e) == 0, "%s: %s", text,
	    e);
	ck_assert_int_eq(pipe2(fds, O_CLOEXEC), 0);
	pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		close(fds[0]);
		_exit(probe_run(&p, fds[1]));
	}
	close(fds[1]);
	while (len + 1 < outlen &&
	    (n = read(fds[0], out + len, outlen - len - 1)) > 0)
		len += (size_t)n;
	out[len] = '\0';
	close(fds[0]);
	ck_assert_int_eq(waitpid(pid, &st, 0), pid);
	ck_assert_msg(WIFEXITED(st), "probe child killed by %d",
	    WTERMSIG(st));
	return WEXITSTATUS(st);
}

/* A listening socket on 127.0.0.1 with a kernel-chosen port. */
static int
listen_local(int *port)
{
	struct sockaddr_in sin;
	socklen_t sl = sizeof sin;
	int fd;

	fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	ck_assert_int_ge(fd, 0);
	memset(&sin, 0, sizeof sin);
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	ck_assert_int_eq(bind(fd, (struct sockaddr *)&sin, sizeof sin), 0);
	ck_assert_int_eq(listen(fd, 8), 0);
	ck_assert_int_eq(getsockname(fd, (struct sockaddr *)&sin, &sl), 0);
	*port = ntohs(sin.sin_port);
	return fd;
}

START_TEST(test_run_tcp)
{
	char text[64], out[512], want[64];
	int lfd, port;

	lfd = listen_local(&port);
	snprintf(text, sizeof text, "tcp://127.0.0.1:%d", port);
	ck_assert_int_eq(run_spec(text, out, sizeof out), 0);
	snprintf(want, sizeof want, "connected to 127.0.0.1:%d in ", port);
	ck_assert_msg(strncmp(out, want, strlen(want)) == 0, "got '%s'", out);
	ck_assert_ptr_nonnull(strstr(out, "ms"));
	close(lfd);
	/* The same port, now closed. */
	ck_assert_int_eq(run_spec(text, out, sizeof out), 1);
	snprintf(want, sizeof want, "connect 127.0.0.1:%d: ", port);
	ck_assert_msg(strncmp(out, want, strlen(want)) == 0, "got '%s'", out);
	ck_assert_ptr_nonnull(strstr(out, strerror(ECONNREFUSED)));
	ck_assert_uint_le(strlen(out), PROBE_LINE_MAX);
}
END_TEST

static void
set_sin(struct sockaddr_in *sin, int port)
{
	memset(sin, 0, sizeof *sin);
	sin->sin_family = AF_INET;
	sin->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	sin->sin_port = htons((uint16_t)port);
}

START_TEST(test_connect_every_address)
{
	struct sockaddr_in sin[3];
	struct addrinfo ai[3];
	char peer[64], why[PROBE_LINE_MAX], want[64];
	int lfd, open_port, closed_port, fd, i;

	/* Two closed ports (bound, never listening), then the listener. */
	closed_port = 0;
	lfd = listen_local(&open_port);
	for (i = 0; i < 2; i++) {
		struct sockaddr_in b;
		socklen_t bl = sizeof b;
		int s = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

		set_sin(&b, 0);
		ck_assert_int_eq(bind(s, (struct sockaddr *)&b, sizeof b), 0);
		ck_assert_int_eq(getsockname(s, (struct sockaddr *)&b, &bl), 0);
		closed_port = ntohs(b.sin_port);
		set_sin(&sin[i], closed_port);
		close(s);
	}
	set_sin(&sin[2], open_port);
	memset(ai, 0, sizeof ai);
	for (i = 0; i < 3; i++) {
		ai[i].ai_family = AF_INET;
		ai[i].ai_socktype = SOCK_STREAM;
		ai[i].ai_addr = (struct sockaddr *)&sin[i];
		ai[i].ai_addrlen = sizeof sin[i];
		ai[i].ai_next = i < 2 ? &ai[i + 1] : NULL;
	}
	fd = probe_connect_addrs(ai, peer, sizeof peer, why, sizeof why);
	ck_assert_int_ge(fd, 0);
	close(fd);
	snprintf(want, sizeof want, "127.0.0.1:%d", open_port);
	ck_assert_str_eq(peer, want);

	/* Only the closed ones: the last error, and how many were tried. */
	ai[1].ai_next = NULL;
	ck_assert_int_eq(probe_connect_addrs(ai, peer, sizeof peer, why,
	    sizeof why), -1);
	snprintf(want, sizeof want, "connect 127.0.0.1:%d: ", closed_port);
	ck_assert_msg(strncmp(why, want, strlen(want)) == 0, "got '%s'", why);
	ck_assert_ptr_nonnull(strstr(why, "(2 addresses tried)"));
	close(lfd);
}
END_TEST

/* Bytes a scripted peer sends, NULs included. */
struct chunk {
	const void *b;
	size_t n;
};
#define CHUNK(s) { s, sizeof s - 1 }

/*
 * A scripted peer in a child: accepts one connection and answers the k-th
 * read with replies[k]; after the last reply it shuts its side down (unless
 * hold is set: then only the probe can end the exchange) and reads on to
 * EOF. All the probe sent comes back through *rfd.
 */
static int peer_hold;

static pid_t
fake_peer(int lfd, const struct chunk *replies, int nreplies, int *rfd)
{
	char buf[4096];
	size_t len = 0;
	ssize_t n;
	int fds[2], c, k = 0;
	pid_t pid;

	ck_assert_int_eq(pipe2(fds, O_CLOEXEC), 0);
	pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid > 0) {
		close(fds[1]);
		*rfd = fds[0];
		return pid;
	}
	close(fds[0]);
	/* The probe may hang up before taking everything (a flood). */
	signal(SIGPIPE, SIG_IGN);
	if ((c = accept(lfd, NULL, NULL)) < 0)
		_exit(2);
	if (nreplies == 0)
		shutdown(c, SHUT_WR);
	while ((n = read(c, buf + len, sizeof buf - len)) > 0) {
		len += (size_t)n;
		if (k < nreplies) {
			if (write(c, replies[k].b, replies[k].n) < 0)
				k = nreplies - 1;
			if (++k == nreplies && !peer_hold)
				shutdown(c, SHUT_WR);
		}
	}
	if (write(fds[1], buf, len) != (ssize_t)len)
		_exit(4);
	_exit(0);
}

/* Collects what the fake peer recorded, and reaps it; returns the length. */
static size_t
peer_got(pid_t pid, int rfd, char *got, size_t gotlen)
{
	size_t len = 0;
	ssize_t n;
	int st;

	while (len + 1 < gotlen &&
	    (n = read(rfd, got + len, gotlen - len - 1)) > 0)
		len += (size_t)n;
	got[len] = '\0';
	close(rfd);
	ck_assert_int_eq(waitpid(pid, &st, 0), pid);
	ck_assert_msg(WIFEXITED(st) && WEXITSTATUS(st) == 0, "peer status %d",
	    st);
	return len;
}

/* What a probe run against a scripted peer produced. */
struct exchange {
	int status;		/* the probe's exit status */
	char out[512];		/* its summary line */
	char got[1024];		/* what the peer received */
	size_t gotlen;
	int port;
};

/* Runs the spec "<before><port><after>" against a scripted peer. */
static void
run_against(struct exchange *x, const char *before, const char *after,
    const struct chunk *replies, int nreplies)
{
	char text[256];
	int lfd, rfd;
	pid_t pid;

	lfd = listen_local(&x->port);
	snprintf(text, sizeof text, "%s%d%s", before, x->port, after);
	pid = fake_peer(lfd, replies, nreplies, &rfd);
	close(lfd);
	x->status = run_spec(text, x->out, sizeof x->out);
	x->gotlen = peer_got(pid, rfd, x->got, sizeof x->got);
}

/* Asserts that s starts with prefix. */
#define ck_assert_prefix(s, prefix) \
	ck_assert_msg(strncmp((s), (prefix), strlen(prefix)) == 0, \
	    "'%s' does not start with '%s'", (s), (prefix))

START_TEST(test_run_http)
{
	static const struct chunk ok[] = { CHUNK("HTTP/1.1 204 No Content\r\n"
	    "Server: fake\r\n\r\n") };
	static const struct chunk down[] = { CHUNK("HTTP/1.0 503 Busy\r\n"
	    "\r\n") };
	static const struct chunk moved[] = { CHUNK("HTTP/1.1 302 Found\r\n"
	    "Location: /login\r\n\r\n") };
	static const struct chunk junk[] = { CHUNK("SSH-2.0-OpenSSH_9.2\r\n") };
	static const struct chunk s399[] = { CHUNK("HTTP/1.1 399 X\r\n\r\n") };
	static const struct chunk s400[] = { CHUNK("HTTP/1.1 400 X\r\n\r\n") };
	static const struct chunk s199[] = { CHUNK("HTTP/1.1 199 X\r\n\r\n") };
	struct exchange x;
	char want[256];

	run_against(&x, "http://127.0.0.1:", "/healthz?full=1", ok, 1);
	ck_assert_int_eq(x.status, 0);
	ck_assert_prefix(x.out, "HTTP 204 in ");
	snprintf(want, sizeof want, "GET /healthz?full=1 HTTP/1.0\r\n"
	    "Host: 127.0.0.1:%d\r\nUser-Agent: vigil/" VIGIL_VERSION "\r\n"
	    "Accept: */*\r\n"
	    "Connection: close\r\n\r\n", x.port);
	ck_assert_str_eq(x.got, want);

	run_against(&x, "http://127.0.0.1:", "", down, 1);
	ck_assert_int_eq(x.status, 1);
	ck_assert_prefix(x.out, "HTTP 503 in ");
	ck_assert_prefix(x.got, "GET / HTTP/1.0\r\n");

	run_against(&x, "http://127.0.0.1:", "/", moved, 1);
	ck_assert_int_eq(x.status, 0);
	ck_assert_prefix(x.out, "HTTP 302 in ");

	run_against(&x, "http://127.0.0.1:", "/", junk, 1);
	ck_assert_int_eq(x.status, 1);
	snprintf(want, sizeof want, "HTTP: bad status line "
	    "'SSH-2.0-OpenSSH_9.2' from 127.0.0.1:%d", x.port);
	ck_assert_str_eq(x.out, want);

	/* The passing range is 200..399. */
	run_against(&x, "http://127.0.0.1:", "/", s399, 1);
	ck_assert_int_eq(x.status, 0);
	run_against(&x, "http://127.0.0.1:", "/", s400, 1);
	ck_assert_int_eq(x.status, 1);
	ck_assert_prefix(x.out, "HTTP 400 in ");
	run_against(&x, "http://127.0.0.1:", "/", s199, 1);
	ck_assert_int_eq(x.status, 1);

	/* Closed without a byte: a failure that says so. */
	run_against(&x, "http://127.0.0.1:", "/", NULL, 0);
	ck_assert_int_eq(x.status, 1);
	ck_assert_msg(strstr(x.out, "without a response") != NULL, "got '%s'",
	    x.out);
}
END_TEST

START_TEST(test_run_http_head_limit)
{
	static char big[PROBE_HTTP_HEAD_MAX + 4096];
	struct chunk flood[1] = { { big, sizeof big } };
	struct exchange x;
	size_t i;

	/*
	 * An endless header block from a peer that never hangs up: the
	 * probe must stop reading after 4 KiB, not wait for an end.
	 */
	memcpy(big, "HTTP/1.1 200 OK\r\n", 17);
	for (i = 17; i < sizeof big; i++)
		big[i] = i % 64 == 63 ? '\n' : 'h';
	peer_hold = 1;
	run_against(&x, "http://127.0.0.1:", "/", flood, 1);
	peer_hold = 0;
	ck_assert_int_eq(x.status, 0);
	ck_assert_prefix(x.out, "HTTP 200 in ");
}
END_TEST

START_TEST(test_run_http_no_line_end)
{
	static char as[8192];
	struct chunk flood[1] = { { as, sizeof as } };
	struct exchange x;
	char want[128];

	/* A full head buffer without a line end: the probe fails cleanly. */
	memset(as, 'A', sizeof as);
	peer_hold = 1;
	run_against(&x, "http://127.0.0.1:", "/", flood, 1);
	peer_hold = 0;
	ck_assert_int_eq(x.status, 1);
	snprintf(want, sizeof want, "HTTP: bad status line '%.47s' from "
	    "127.0.0.1:%d", as, x.port);
	ck_assert_str_eq(x.out, want);
}
END_TEST

/* Writes text to path, replacing it; 0 or -1. */
static int
write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "we");

	if (f == NULL)
		return -1;
	fputs(text, f);
	return fclose(f) == 0 ? 0 : -1;
}

/* Runs "redis://:@127.0.0.1:1<after>": for failures before connecting. */
static int
run_spec_at(const char *after, char *out, size_t outlen)
{
	char text[128];

	snprintf(text, sizeof text, "redis://:@127.0.0.1:1%s", after);
	return run_spec(text, out, outlen);
}

START_TEST(test_run_redis)
{
	static const struct chunk pong[] = { CHUNK("+PONG\r\n") };
	static const struct chunk loading[] = { CHUNK("-LOADING Redis is "
	    "loading the dataset in memory\r\n") };
	static const struct chunk auth[] = { CHUNK("+OK\r\n"),
	    CHUNK("+PONG\r\n") };
	static const struct chunk wrong[] = { CHUNK("-WRONGPASS invalid "
	    "password\r\n") };
	static const struct chunk cut[] = { CHUNK("+PO") };
	char pwfile[64], after[96], longpw[200], out[256], want[160];
	struct exchange x;

	run_against(&x, "redis://127.0.0.1:", "", pong, 1);
	ck_assert_int_eq(x.status, 0);
	ck_assert_prefix(x.out, "PONG in ");
	ck_assert_str_eq(x.got, "*1\r\n$4\r\nPING\r\n");

	run_against(&x, "redis://127.0.0.1:", "", loading, 1);
	ck_assert_int_eq(x.status, 1);
	ck_assert_str_eq(x.out, "redis: -LOADING Redis is loading the dataset "
	    "in memory");

	run_against(&x, "redis://:p%40ss w@127.0.0.1:", "", auth, 2);
	ck_assert_int_eq(x.status, 0);
	ck_assert_str_eq(x.got, "*2\r\n$4\r\nAUTH\r\n$6\r\np@ss w\r\n"
	    "*1\r\n$4\r\nPING\r\n");

	/* A refused AUTH stops there: no PING, and no password in out. */
	run_against(&x, "redis://:hunter2@127.0.0.1:", "", wrong, 1);
	ck_assert_int_eq(x.status, 1);
	ck_assert_str_eq(x.out, "redis: -WRONGPASS invalid password");
	ck_assert_ptr_null(strstr(x.got, "PING"));

	/* From a file: its one line end stripped, the file read each run. */
	snprintf(pwfile, sizeof pwfile, "/tmp/vigil-test-pw.%d", (int)getpid());
	snprintf(after, sizeof after, "?password-file=%s", pwfile);
	ck_assert_int_eq(write_file(pwfile, "p@ss w\n"), 0);
	run_against(&x, "redis://:@127.0.0.1:", after, auth, 2);
	ck_assert_int_eq(x.status, 0);
	ck_assert_str_eq(x.got, "*2\r\n$4\r\nAUTH\r\n$6\r\np@ss w\r\n"
	    "*1\r\n$4\r\nPING\r\n");
	ck_assert_int_eq(write_file(pwfile, "other\r\n"), 0);
	run_against(&x, "redis://:@127.0.0.1:", after, auth, 2);
	ck_assert_str_eq(x.got, "*2\r\n$4\r\nAUTH\r\n$5\r\nother\r\n"
	    "*1\r\n$4\r\nPING\r\n");
	memset(longpw, 'x', 127);
	longpw[127] = '\n';
	longpw[128] = '\0';
	ck_assert_int_eq(write_file(pwfile, longpw), 0);
	run_against(&x, "redis://:@127.0.0.1:", after, auth, 2);
	ck_assert_int_eq(x.status, 0);
	ck_assert_ptr_nonnull(strstr(x.got, "$127\r\n"));
	/* Unusable files fail before any connection, with one line. */
	longpw[127] = 'x';
	ck_assert_int_eq(write_file(pwfile, longpw), 0);
	ck_assert_int_eq(run_spec_at(after, out, sizeof out), 1);
	snprintf(want, sizeof want, "redis: password-file %s: too long (max "
	    "127 bytes)", pwfile);
	ck_assert_str_eq(out, want);
	ck_assert_int_eq(write_file(pwfile, "\n"), 0);
	ck_assert_int_eq(run_spec_at(after, out, sizeof out), 1);
	snprintf(want, sizeof want, "redis: password-file %s: empty", pwfile);
	ck_assert_str_eq(out, want);
	unlink(pwfile);
	ck_assert_int_eq(run_spec_at(after, out, sizeof out), 1);
	snprintf(want, sizeof want, "redis: password-file %s: No such file or "
	    "directory", pwfile);
	ck_assert_str_eq(out, want);

	run_against(&x, "redis://127.0.0.1:", "", cut, 1);
	ck_assert_int_eq(x.status, 1);
	ck_assert_msg(strstr(x.out, "closed after '+PO'") != NULL, "got '%s'",
	    x.out);
}
END_TEST

START_TEST(test_run_postgres)
{
	static const struct chunk auth[] = { CHUNK("R\0\0\0\x0c\0\0\0\5salt") };
	static const struct chunk http[] = { CHUNK("HTTP/1.1 400 Bad "
	    "Request\r\n\r\n") };
	unsigned char start[128], b[256];
	struct chunk reject[1] = { { b, 0 } }, session[1] = { { b, 0 } };
	struct exchange x;
	size_t n;

	run_against(&x, "postgres://127.0.0.1:", "", auth, 1);
	ck_assert_int_eq(x.status, 0);
	ck_assert_str_eq(x.out, "postgres: accepting connections");
	n = probe_pg_startup(start, sizeof start, "postgres", "postgres");
	ck_assert_uint_eq(x.gotlen, n);
	ck_assert_mem_eq(x.got, start, n);

	/* Under trust the session is ended with Terminate, nothing else. */
	session[0].n = pg_msg(b, 'R', "\0\0\0\0", 4);
	session[0].n += pg_msg(b + session[0].n, 'S', "a\0b\0", 4);
	session[0].n += pg_msg(b + session[0].n, 'Z', "I", 1);
	run_against(&x, "postgres://app@127.0.0.1:", "/appdb", session, 1);
	ck_assert_int_eq(x.status, 0);
	ck_assert_str_eq(x.out, "postgres: accepting connections");
	n = probe_pg_startup(start, sizeof start, "app", "appdb");
	ck_assert_uint_eq(x.gotlen, n + 5);
	ck_assert_mem_eq(x.got, start, n);
	ck_assert_mem_eq(x.got + n, "X\0\0\0\4", 5);

	reject[0].n = pg_msg(b, 'E', STARTING_UP, sizeof STARTING_UP - 1);
	run_against(&x, "postgres://127.0.0.1:", "/app", reject, 1);
	ck_assert_int_eq(x.status, 1);
	ck_assert_str_eq(x.out, "postgres: 57P03 the database system is "
	    "starting up");

	run_against(&x, "postgres://127.0.0.1:", "", http, 1);
	ck_assert_int_eq(x.status, 1);
	ck_assert_str_eq(x.out,
	    "postgres: unexpected reply 'HTTP/1.1 400 Bad'");

	run_against(&x, "postgres://127.0.0.1:", "", NULL, 0);
	ck_assert_int_eq(x.status, 1);
	ck_assert_msg(strstr(x.out, "closed the connection") != NULL,
	    "got '%s'", x.out);
}
END_TEST

START_TEST(test_run_file)
{
	char dir[] = "/tmp/test_probe.XXXXXX", path[64], text[128], out[512];
	struct timespec ts[2];
	int fd;

	ck_assert_ptr_nonnull(mkdtemp(dir));
	snprintf(path, sizeof path, "%s/beat", dir);
	snprintf(text, sizeof text, "file://%s?max-age=10s", path);
	ck_assert_int_eq(run_spec(text, out, sizeof out), 1);
	ck_assert_ptr_nonnull(strstr(out, strerror(ENOENT)));

	fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC, 0600);
	ck_assert_int_ge(fd, 0);
	close(fd);
	ck_assert_int_eq(run_spec(text, out, sizeof out), 0);
	ck_assert_msg(strstr(out, "modified") != NULL, "got '%s'", out);

	/* Twenty seconds old against a ten-second max-age. */
	clock_gettime(CLOCK_REALTIME, &ts[0]);
	ts[0].tv_sec -= 20;
	ts[1] = ts[0];
	ck_assert_int_eq(utimensat(AT_FDCWD, path, ts, 0), 0);
	ck_assert_int_eq(run_spec(text, out, sizeof out), 1);
	ck_assert_msg(strstr(out, "modified 20s ago (max-age 10s)") != NULL ||
	    strstr(out, "modified 21s ago (max-age 10s)") != NULL, "got '%s'",
	    out);

	/* Modified 12 s in the future: a failure that says so. */
	clock_gettime(CLOCK_REALTIME, &ts[0]);
	ts[0].tv_sec += 12;
	ts[1] = ts[0];
	ck_assert_int_eq(utimensat(AT_FDCWD, path, ts, 0), 0);
	ck_assert_int_eq(run_spec(text, out, sizeof out), 1);
	ck_assert_msg(strstr(out, ": modified 12s in the future") != NULL ||
	    strstr(out, ": modified 11s in the future") != NULL, "got '%s'",
	    out);

	/* Within the skew, a little ahead is still fresh. */
	clock_gettime(CLOCK_REALTIME, &ts[0]);
	ts[0].tv_nsec += 300000000;
	if (ts[0].tv_nsec >= 1000000000) {
		ts[0].tv_sec++;
		ts[0].tv_nsec -= 1000000000;
	}
	ts[1] = ts[0];
	ck_assert_int_eq(utimensat(AT_FDCWD, path, ts, 0), 0);
	ck_assert_int_eq(run_spec(text, out, sizeof out), 0);

	/* Without max-age, existence is enough, whenever it was touched. */
	clock_gettime(CLOCK_REALTIME, &ts[0]);
	ts[0].tv_sec += 3600;
	ts[1] = ts[0];
	ck_assert_int_eq(utimensat(AT_FDCWD, path, ts, 0), 0);
	snprintf(text, sizeof text, "file://%s", path);
	ck_assert_int_eq(run_spec(text, out, sizeof out), 0);

	unlink(path);
	rmdir(dir);
}
END_TEST

START_TEST(test_run_exec)
{
	char out[512];

	ck_assert_int_eq(run_spec("exec:echo hello 'big world'", out,
	    sizeof out), 0);
	ck_assert_str_eq(out, "hello big world\n");
	ck_assert_int_eq(run_spec("exec:sh -c 'echo oops >&2; exit 3'", out,
	    sizeof out), 3);
	ck_assert_str_eq(out, "oops\n");
	ck_assert_int_eq(run_spec("exec:/nonexistent/vigil-x a", out,
	    sizeof out), 127);
	ck_assert_str_eq(out, "exec /nonexistent/vigil-x: No such file or "
	    "directory");
	/* A directory is found but cannot run. */
	ck_assert_int_eq(run_spec("exec:/", out, sizeof out), 126);
	ck_assert_msg(strncmp(out, "exec /: ", 8) == 0, "got '%s'", out);
}
END_TEST

Suite *suite_probe(void);

Suite *
suite_probe(void)
{
	Suite *s = suite_create("probe");
	TCase *tc;

	tc = tcase_create("parse");
	tcase_add_test(tc, test_parse_tcp);
	tcase_add_test(tc, test_parse_http);
	tcase_add_test(tc, test_parse_ipv6);
	tcase_add_test(tc, test_parse_unix);
	tcase_add_test(tc, test_parse_redis);
	tcase_add_test(tc, test_parse_postgres);
	tcase_add_test(tc, test_parse_file);
	tcase_add_test(tc, test_parse_exec);
	tcase_add_test(tc, test_parse_exec_max_words);
	tcase_add_test(tc, test_parse_long);
	tcase_add_test(tc, test_parse_reasons);
	tcase_add_test(tc, test_parse_refused);
	tcase_add_test(tc, test_duration);
	tcase_add_test(tc, test_format_duration);
	suite_add_tcase(s, tc);

	tc = tcase_create("replies");
	tcase_add_test(tc, test_http_status);
	tcase_add_test(tc, test_http_head_done);
	tcase_add_test(tc, test_http_reply);
	tcase_add_test(tc, test_redis_reply);
	tcase_add_test(tc, test_pg_reply);
	tcase_add_test(tc, test_pg_startup);
	tcase_add_test(tc, test_secret_trim);
	tcase_add_test(tc, test_file_age);
	tcase_add_test(tc, test_printable);
	suite_add_tcase(s, tc);

	/* Forks, sockets and exec: generous under valgrind. */
	tc = tcase_create("run");
	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, test_run_tcp);
	tcase_add_test(tc, test_connect_every_address);
	tcase_add_test(tc, test_run_http);
	tcase_add_test(tc, test_run_http_head_limit);
	tcase_add_test(tc, test_run_http_no_line_end);
	tcase_add_test(tc, test_run_redis);
	tcase_add_test(tc, test_run_postgres);
	tcase_add_test(tc, test_run_file);
	tcase_add_test(tc, test_run_exec);
	suite_add_tcase(s, tc);
	return s;
}
