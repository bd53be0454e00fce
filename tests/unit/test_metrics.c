/* SPDX-License-Identifier: MIT */
/*
 * The metrics exposition (a pure function of the modules' structs), label
 * escaping, --metrics ADDR:PORT, and the responder's judgement of a
 * request.
 */
#include <arpa/inet.h>
#include <check.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "hfile.h"
#include "metrics.h"
#include "prober.h"
#include "report.h"
#include "responder.h"
#include "sup.h"

static struct sup ms;
static struct prober mh, mw, mrd;
static struct report mr;
static struct config mc;
static char out[65536];

static struct metrics_src
fixture(void)
{
	memset(&ms, 0, sizeof(ms));
	memset(&mh, 0, sizeof(mh));
	memset(&mw, 0, sizeof(mw));
	memset(&mr, 0, sizeof(mr));
	memset(&mc, 0, sizeof(mc));
	ms.cfg = &mc;
	ms.phase = SUP_RUN;
	ms.child = 42;
	ms.start_ns = 5 * NS_PER_S;
	ms.restarts = 1;
	ms.has_last = 1;
	ms.last_code = 137;
	ms.exits[SUP_EXIT_SIGNAL] = 1;
	ms.unhealthy_actions[0] = 2;
	ms.forwarded[1] = 3;			/* SIGHUP */
	mr.wall_offset_ms = 1764400000000;
	mr.write_errors = 4;
	mr.transitions[HEALTH_UNHEALTHY] = 5;
	mh.mode = PROBER_HEALTH;
	mh.n = 1;
	mh.specs = mc.probes;
	snprintf(mc.probes[0].display, sizeof(mc.probes[0].display),
	    "redis://:***@db:6379 \"q\"\\");
	mh.health.status = HEALTH_UNHEALTHY;
	mh.results[0][PROBER_PASS] = 7;
	mh.results[0][PROBER_TIMEOUT] = 1;
	mh.buckets[0][0] = 1;			/* <= 1 ms */
	mh.buckets[0][9] = 2;			/* <= 1 s */
	mh.buckets[0][PROBER_BUCKETS - 1] = 1;	/* > 10 s */
	mh.dur_sum_ns[0] = 12 * NS_PER_S + 5;
	mw.mode = PROBER_WAIT;
	return (struct metrics_src){ &ms, &mh, &mw, &mrd, &mr, 6,
	    1764400001500 };
}

static int
has(const char *text, const char *line)
{
	char want[512];

	snprintf(want, sizeof(want), "\n%s\n", line);
	return strstr(text, want) != NULL;
}

START_TEST(text_format)
{
	struct metrics_src src = fixture();
	struct metrics_proc proc = { 1048576, 9 };
	int len;

	len = metrics_format(&src, &proc, METRICS_TEXT, out, sizeof(out));
	ck_assert_int_gt(len, 0);
	ck_assert_uint_eq(strlen(out), (size_t)len);
	ck_assert(has(out, "vigil_child_up 1"));
	ck_assert(has(out, "vigil_child_start_time_seconds 1764400005.000"));
	ck_assert(has(out, "# TYPE vigil_child_restarts_total counter"));
	ck_assert(has(out, "vigil_child_restarts_total 1"));
	ck_assert(has(out, "vigil_child_last_exit_code 137"));
	ck_assert(has(out, "vigil_child_exits_total{reason=\"signal\"} 1"));
	ck_assert(has(out, "vigil_child_exits_total{reason=\"exec_failed\"} 0"));
	ck_assert(has(out, "vigil_health_status{status=\"unhealthy\"} 1"));
	ck_assert(has(out, "vigil_health_status{status=\"healthy\"} 0"));
	ck_assert(has(out, "vigil_health_transitions_total{to=\"unhealthy\"} 5"));
	ck_assert(has(out, "vigil_unhealthy_actions_total{action=\"restart\"} 2"));
	ck_assert(has(out, "vigil_probe_runs_total{set=\"health\",probe="
	    "\"redis://:***@db:6379 \\\"q\\\"\\\\\",result=\"pass\"} 7"));
	ck_assert(has(out, "vigil_probe_runs_total{set=\"health\",probe="
	    "\"redis://:***@db:6379 \\\"q\\\"\\\\\",result=\"timeout\"} 1"));
	/* Cumulative buckets, +Inf equal to _count. */
	ck_assert(has(out, "vigil_probe_duration_seconds_bucket{set=\"health\","
	    "probe=\"redis://:***@db:6379 \\\"q\\\"\\\\\",le=\"0.5\"} 1"));
	ck_assert(has(out, "vigil_probe_duration_seconds_bucket{set=\"health\","
	    "probe=\"redis://:***@db:6379 \\\"q\\\"\\\\\",le=\"10\"} 3"));
	ck_assert(has(out, "vigil_probe_duration_seconds_bucket{set=\"health\","
	    "probe=\"redis://:***@db:6379 \\\"q\\\"\\\\\",le=\"+Inf\"} 4"));
	ck_assert(has(out, "vigil_probe_duration_seconds_sum{set=\"health\","
	    "probe=\"redis://:***@db:6379 \\\"q\\\"\\\\\"} 12.000000005"));
	ck_assert(has(out, "vigil_probe_duration_seconds_count{set=\"health\","
	    "probe=\"redis://:***@db:6379 \\\"q\\\"\\\\\"} 4"));
	ck_assert(has(out, "vigil_orphans_reaped_total 6"));
	ck_assert(has(out, "vigil_signals_forwarded_total{signal=\"HUP\"} 3"));
	ck_assert(has(out, "vigil_state_file_write_errors_total 4"));
	ck_assert(has(out, "vigil_build_info{version=\"" VIGIL_VERSION "\"} 1"));
	ck_assert(has(out, "process_resident_memory_bytes 1048576"));
	ck_assert(has(out, "process_open_fds 9"));
	ck_assert(has(out, "process_start_time_seconds 1764400001.500"));
	ck_assert_ptr_null(strstr(out, "# EOF"));
	/* No password anywhere, and every line ends. */
	ck_assert_ptr_null(strstr(out, "secret"));
	ck_assert_int_eq(out[len - 1], '\n');
}
END_TEST

START_TEST(openmetrics_format)
{
	struct metrics_src src = fixture();
	struct metrics_proc proc = { -1, -1 };
	int len;

	ms.child = 0;
	ms.has_last = 0;
	len = metrics_format(&src, &proc, METRICS_OPENMETRICS, out,
	    sizeof(out));
	ck_assert_int_gt(len, 6);
	/* Counter families lose _total; samples keep it; one # EOF last. */
	ck_assert(has(out, "# TYPE vigil_child_restarts counter"));
	ck_assert(has(out, "vigil_child_restarts_total 1"));
	ck_assert(has(out, "# TYPE vigil_probe_duration_seconds histogram"));
	ck_assert_str_eq(out + len - 6, "# EOF\n");
	ck_assert(has(out, "vigil_child_up 0"));
	ck_assert_ptr_null(strstr(out, "vigil_child_last_exit_code"));
	ck_assert_ptr_null(strstr(out, "process_open_fds"));
	ck_assert_ptr_null(strstr(out, "process_resident_memory_bytes"));
	ck_assert_str_eq(metrics_content_type(METRICS_OPENMETRICS),
	    "application/openmetrics-text; version=1.0.0; charset=utf-8");
	ck_assert_str_eq(metrics_content_type(METRICS_TEXT),
	    "text/plain; version=0.0.4; charset=utf-8");
}
END_TEST

START_TEST(too_small)
{
	struct metrics_src src = fixture();
	struct metrics_proc proc = { 1, 1 };
	size_t n;

	/* Every size short of the whole text is refused, never cut. */
	n = (size_t)metrics_format(&src, &proc, METRICS_TEXT, out,
	    sizeof(out));
	ck_assert_int_eq(metrics_format(&src, &proc, METRICS_TEXT, out, n),
	    -ENOSPC);
	ck_assert_int_eq(metrics_format(&src, &proc, METRICS_TEXT, out, 0),
	    -ENOSPC);
	ck_assert_int_eq(metrics_format(&src, &proc, METRICS_TEXT, out,
	    n + 1), (int)n);
}
END_TEST

START_TEST(escape_labels)
{
	char buf[16];

	metrics_escape("a\"b\\c\nd", buf, sizeof(buf));
	ck_assert_str_eq(buf, "a\\\"b\\\\c\\nd");
	/* Truncation never splits an escape. */
	metrics_escape("abcdefghijklmn\"", buf, sizeof(buf));
	ck_assert_str_eq(buf, "abcdefghijklmn");
	metrics_escape("x", buf, 1);
	ck_assert_str_eq(buf, "");
}
END_TEST

START_TEST(parse_addr)
{
	char err[256];
	uint32_t ip = 1;
	int port = 0;

	ck_assert_int_eq(parse_listen_addr(":9464", &ip, &port, err,
	    sizeof(err)), 0);
	ck_assert_uint_eq(ip, htonl(INADDR_ANY));
	ck_assert_int_eq(port, 9464);
	ck_assert_int_eq(parse_listen_addr("127.0.0.1:1", &ip, &port, err,
	    sizeof(err)), 0);
	ck_assert_uint_eq(ip, htonl(INADDR_LOOPBACK));
	ck_assert_int_eq(port, 1);
	ck_assert_int_eq(parse_listen_addr("9464", &ip, &port, err,
	    sizeof(err)), -EINVAL);
	ck_assert_ptr_nonnull(strstr(err, "ADDR:PORT"));
	ck_assert_int_eq(parse_listen_addr(":0", &ip, &port, err,
	    sizeof(err)), -EINVAL);
	ck_assert_int_eq(parse_listen_addr(":65536", &ip, &port, err,
	    sizeof(err)), -EINVAL);
	ck_assert_int_eq(parse_listen_addr(":94x", &ip, &port, err,
	    sizeof(err)), -EINVAL);
	ck_assert_int_eq(parse_listen_addr("localhost:9464", &ip, &port,
	    err, sizeof(err)), -EINVAL);
	ck_assert_ptr_nonnull(strstr(err, "IPv4"));
	ck_assert_int_eq(parse_listen_addr("1.2.3.4.5:80", &ip, &port, err,
	    sizeof(err)), -EINVAL);
	ck_assert_int_eq(parse_listen_addr("", &ip, &port, err,
	    sizeof(err)), -EINVAL);
}
END_TEST

static int
judge(const char *req, int *format)
{
	return responder_request(req, strlen(req), format);
}

START_TEST(requests)
{
	static char big[RESPONDER_REQ_MAX];
	int f = -1;

	ck_assert_int_eq(judge("GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n",
	    &f), 200);
	ck_assert_int_eq(f, METRICS_TEXT);
	ck_assert_int_eq(judge("GET /metrics?x=1 HTTP/1.0\n\n", &f), 200);
	ck_assert_int_eq(judge("GET /metrics HTTP/1.1\r\nAccept: "
	    "application/openmetrics-text;version=1.0.0,text/plain;q=0.5"
	    "\r\n\r\n", &f), 200);
	ck_assert_int_eq(f, METRICS_OPENMETRICS);
	ck_assert_int_eq(judge("GET /metrics HTTP/1.1\r\nACCEPT: "
	    "Application/OpenMetrics-Text\r\n\r\n", &f), 200);
	ck_assert_int_eq(f, METRICS_OPENMETRICS);
	/* The Accept of a later request in the buffer does not count. */
	ck_assert_int_eq(judge("GET /metrics HTTP/1.1\r\n\r\nAccept: "
	    "application/openmetrics-text\r\n\r\n", &f), 200);
	ck_assert_int_eq(f, METRICS_TEXT);
	ck_assert_int_eq(judge("GET / HTTP/1.1\r\n\r\n", &f), 404);
	ck_assert_int_eq(judge("GET /metricsx HTTP/1.1\r\n\r\n", &f), 404);
	ck_assert_int_eq(judge("POST /metrics HTTP/1.1\r\n\r\n", &f), 405);
	ck_assert_int_eq(judge("GETX\r\n\r\n", &f), 400);
	/* Incomplete: read on, until the bound. */
	ck_assert_int_eq(judge("GET /metrics HTTP/1.1\r\nHost:", &f), 0);
	ck_assert_int_eq(judge("", &f), 0);
	memset(big, 'a', sizeof(big));
	ck_assert_int_eq(responder_request(big, sizeof(big), &f), 400);
	ck_assert_int_eq(responder_request(big, sizeof(big) - 1, &f), 0);
}
END_TEST

/* The health file's probe log: five rounds, in order, round-tripped. */
START_TEST(history_round_trip)
{
	struct hfile_record r, back;
	char buf[HFILE_MAX];
	int len, i;

	memset(&r, 0, sizeof(r));
	r.status = HEALTH_UNHEALTHY;
	r.updated = 1764400012;
	r.nlog = HFILE_HISTORY;
	for (i = 0; i < HFILE_HISTORY; i++) {
		r.log[i].start_ms = 1764400012345 - i * 1000;
		r.log[i].dur_ms = 12 + i;
		r.log[i].result = i == 0 ? HFILE_TIMEOUT : i == 1 ? HFILE_PASS :
		    HFILE_FAIL;
		r.log[i].code = i == 0 ? -1 : i == 1 ? 0 : 137;
		/* The longest output, with spaces: the rest of the line. */
		memset(r.log[i].output, 'a' + i, HFILE_OUTPUT_MAX);
		r.log[i].output[3] = ' ';
	}
	snprintf(r.output, sizeof(r.output), "%s", r.log[0].output);
	snprintf(r.probe, sizeof(r.probe), "%0511d", 0);
	len = hfile_format(&r, buf, sizeof(buf));
	ck_assert_int_gt(len, 0);
	ck_assert_int_lt(len, HFILE_MAX);
	ck_assert_ptr_nonnull(strstr(buf, "\nlog1=1764400012345 12 timeout - "
	    "aaa aaaa"));
	ck_assert_ptr_nonnull(strstr(buf, "\nlog2=1764400011345 13 pass 0 "));
	ck_assert_ptr_nonnull(strstr(buf, "\nlog5=1764400008345 16 fail 137 "));
	ck_assert_int_eq(hfile_parse(buf, (size_t)len, &back), 0);
	ck_assert_int_eq(back.nlog, HFILE_HISTORY);
	for (i = 0; i < HFILE_HISTORY; i++) {
		ck_assert_int_eq(back.log[i].start_ms, r.log[i].start_ms);
		ck_assert_int_eq(back.log[i].dur_ms, r.log[i].dur_ms);
		ck_assert_int_eq(back.log[i].result, r.log[i].result);
		ck_assert_int_eq(back.log[i].code, r.log[i].code);
		ck_assert_str_eq(back.log[i].output, r.log[i].output);
	}
	/* An empty output stays empty; no log, no lines. */
	r.nlog = 1;
	r.log[0].output[0] = '\0';
	len = hfile_format(&r, buf, sizeof(buf));
	ck_assert_int_eq(hfile_parse(buf, (size_t)len, &back), 0);
	ck_assert_int_eq(back.nlog, 1);
	ck_assert_str_eq(back.log[0].output, "");
	r.nlog = 0;
	len = hfile_format(&r, buf, sizeof(buf));
	ck_assert_ptr_null(strstr(buf, "log1="));
}
END_TEST

static int
parse_with(const char *extra)
{
	struct hfile_record r;
	char buf[HFILE_MAX];
	int n;

	n = snprintf(buf, sizeof(buf), "status=healthy\nupdated=1\n%s", extra);
	return hfile_parse(buf, (size_t)n, &r);
}

START_TEST(history_rejects)
{
	ck_assert_int_eq(parse_with("log1=1 2 pass 0 ok\n"), 0);
	ck_assert_int_eq(parse_with("log1=1 2 pass 0 \n"), 0);
	/* Out of order, a gap, or a sixth round. */
	ck_assert_int_eq(parse_with("log2=1 2 pass 0 ok\n"), -EINVAL);
	ck_assert_int_eq(parse_with("log1=1 2 pass 0 x\nlog1=1 2 pass 0 x\n"),
	    -EINVAL);
	/* Missing or bad fields. */
	ck_assert_int_eq(parse_with("log1=1 2 pass 0\n"), -EINVAL);
	ck_assert_int_eq(parse_with("log1=1 2 maybe 0 x\n"), -EINVAL);
	ck_assert_int_eq(parse_with("log1=1 -2 pass 0 x\n"), -EINVAL);
	ck_assert_int_eq(parse_with("log1=x 2 pass 0 x\n"), -EINVAL);
	ck_assert_int_eq(parse_with("log1=1 2 fail 999 x\n"), -EINVAL);
	ck_assert_int_eq(parse_with("log1=1 2 fail -1 x\n"), -EINVAL);
	/* Keys that are not ours are skipped, as an older reader does. */
	ck_assert_int_eq(parse_with("log6=whatever\nlogx=1\n"), 0);
}
END_TEST

Suite *suite_metrics(void);

Suite *
suite_metrics(void)
{
	Suite *s = suite_create("metrics");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, text_format);
	tcase_add_test(tc, openmetrics_format);
	tcase_add_test(tc, too_small);
	tcase_add_test(tc, escape_labels);
	tcase_add_test(tc, parse_addr);
	tcase_add_test(tc, requests);
	tcase_add_test(tc, history_round_trip);
	tcase_add_test(tc, history_rejects);
	suite_add_tcase(s, tc);
	return s;
}
