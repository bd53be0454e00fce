/* SPDX-License-Identifier: MIT */
/*
 * Docker's HEALTHCHECK rules: failures inside the start period do not count
 * until a first pass ends it; `retries` consecutive failures make the state
 * unhealthy; `successes` consecutive passes make it healthy. Also the state
 * file's key=value format, written and read by the same code.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "health.h"

static const char *const health_names[] = {
	[HEALTH_STARTING] = "starting",
	[HEALTH_HEALTHY] = "healthy",
	[HEALTH_UNHEALTHY] = "unhealthy",
	[HEALTH_STOPPING] = "stopping",
};

const char *
health_name(enum health_status s)
{
	return health_names[s];
}

int
health_from_name(const char *s, enum health_status *out)
{
	int i;

	for (i = HEALTH_STARTING; i <= HEALTH_STOPPING; i++)
		if (strcmp(s, health_names[i]) == 0) {
			*out = (enum health_status)i;
			return 0;
		}
	return -EINVAL;
}

void
health_reset(struct health *h, int64_t now_ns)
{
	h->status = HEALTH_STARTING;
	h->started_ns = now_ns;
	h->started = 0;
	h->failures = 0;
	h->passes = 0;
	h->counted_ns = 0;
}

int
health_set(struct health *h, enum health_status s)
{
	if (h->status == s)
		return 0;
	h->status = s;
	return 1;
}

int
health_result(struct health *h, const struct health_cfg *c, int pass,
    int64_t now_ns)
{
	if (h->status == HEALTH_STOPPING)
		return 0;
	if (pass) {
		h->failures = 0;
		h->passes++;
		h->started = 1;
		if (h->passes >= c->successes)
			return health_set(h, HEALTH_HEALTHY);
		return 0;
	}
	h->passes = 0;
	if (h->status == HEALTH_STARTING && !h->started) {
		if (now_ns - h->started_ns < c->start_period_ns)
			return 0;
		if (h->failures > 0 && now_ns - h->counted_ns < c->interval_ns)
			return 0;
	}
	h->counted_ns = now_ns;
	h->failures++;
	if (h->failures >= c->retries)
		return health_set(h, HEALTH_UNHEALTHY);
	return 0;
}

void
health_escape(const char *raw, size_t len, char *out, size_t outlen)
{
	size_t i, n = 0, cap = outlen - 1;

	if (cap > HEALTH_OUTPUT_MAX)
		cap = HEALTH_OUTPUT_MAX;
	/* Trailing newlines carry nothing: most tools end their output so. */
	while (len > 0 && (raw[len - 1] == '\n' || raw[len - 1] == '\r'))
		len--;
	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)raw[i];
		char esc[5];
		size_t elen;

		if (c == '\\' || c == '\n' || c == '\r' || c == '\t') {
			esc[0] = '\\';
			esc[1] = c == '\\' ? '\\' : c == '\n' ? 'n' :
			    c == '\r' ? 'r' : 't';
			elen = 2;
		} else if (c < 0x20 || c == 0x7f) {
			snprintf(esc, sizeof(esc), "\\x%02x", c);
			elen = 4;
		} else {
			esc[0] = (char)c;
			elen = 1;
		}
		if (n + elen > cap)
			break;
		memcpy(out + n, esc, elen);
		n += elen;
	}
	out[n] = '\0';
}

int
health_format(const struct health_record *r, char *buf, size_t len)
{
	char stale[24] = "", last[16] = "";
	int n;

	if (r->stale_after > 0)
		snprintf(stale, sizeof(stale), "%" PRId64, r->stale_after);
	if (r->has_last_exit)
		snprintf(last, sizeof(last), "%d", r->last_exit);
	n = snprintf(buf, len,
	    "status=%s\nsince=%" PRId64 "\nupdated=%" PRId64 "\n"
	    "stale_after=%s\npid=%ld\nrestarts=%ld\nlast_exit=%s\n"
	    "failures=%ld\nprobe=%s\noutput=%s\n",
	    health_name(r->status), r->since, r->updated, stale, r->pid,
	    r->restarts, last, r->failures, r->probe, r->output);
	if (n < 0 || (size_t)n >= len)
		return -ENOSPC;
	return n;
}

static int
health_num(const char *v, int64_t *out)
{
	char *end;

	if (*v == '\0')
		return -EINVAL;
	errno = 0;
	*out = strtoll(v, &end, 10);
	return errno != 0 || *end != '\0' ? -EINVAL : 0;
}

/* Applies one "key=value" line; unknown keys are skipped for new fields. */
static int
health_line(struct health_record *r, const char *k, const char *v, int *have)
{
	int64_t n = 0;

	if (strcmp(k, "status") == 0) {
		*have |= 1;
		return health_from_name(v, &r->status);
	}
	if (strcmp(k, "probe") == 0) {
		snprintf(r->probe, sizeof(r->probe), "%s", v);
		return 0;
	}
	if (strcmp(k, "output") == 0) {
		snprintf(r->output, sizeof(r->output), "%s", v);
		return 0;
	}
	if (strcmp(k, "stale_after") == 0 && *v == '\0') {
		r->stale_after = 0;
		return 0;
	}
	if (strcmp(k, "last_exit") == 0 && *v == '\0') {
		r->has_last_exit = 0;
		return 0;
	}
	if (strcmp(k, "since") != 0 && strcmp(k, "updated") != 0 &&
	    strcmp(k, "stale_after") != 0 && strcmp(k, "pid") != 0 &&
	    strcmp(k, "restarts") != 0 && strcmp(k, "last_exit") != 0 &&
	    strcmp(k, "failures") != 0)
		return 0;
	if (health_num(v, &n) < 0)
		return -EINVAL;
	if (strcmp(k, "since") == 0)
		r->since = n;
	else if (strcmp(k, "updated") == 0) {
		r->updated = n;
		*have |= 2;
	} else if (strcmp(k, "stale_after") == 0)
		r->stale_after = n;
	else if (strcmp(k, "pid") == 0)
		r->pid = (long)n;
	else if (strcmp(k, "restarts") == 0)
		r->restarts = (long)n;
	else if (strcmp(k, "failures") == 0)
		r->failures = (long)n;
	else {
		r->has_last_exit = 1;
		r->last_exit = (int)n;
	}
	return 0;
}

int
health_parse(const char *buf, size_t len, struct health_record *r)
{
	char line[1024];
	size_t i = 0;
	int have = 0;

	memset(r, 0, sizeof(*r));
	while (i < len) {
		const char *nl = memchr(buf + i, '\n', len - i);
		size_t l;
		char *eq;

		/* A line without its newline means a torn or foreign file. */
		if (nl == NULL)
			return -EINVAL;
		l = (size_t)(nl - (buf + i));
		if (l >= sizeof(line))
			return -EINVAL;
		memcpy(line, buf + i, l);
		line[l] = '\0';
		i += l + 1;
		if ((eq = strchr(line, '=')) == NULL)
			return -EINVAL;
		*eq = '\0';
		if (health_line(r, line, eq + 1, &have) < 0)
			return -EINVAL;
	}
	return have == 3 ? 0 : -EINVAL;
}
