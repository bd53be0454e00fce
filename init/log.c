/* SPDX-License-Identifier: MIT */
/*
 * Builds logfmt or JSON lines in a fixed buffer. Every line starts with ts
 * (RFC 3339 UTC, milliseconds), level and msg, and names no key twice. A
 * value is escaped so that the line stays one valid line whatever its bytes:
 * no raw control character, valid UTF-8 only. A field that would not fit, or
 * would repeat a key, is dropped whole and the line ends with
 * truncated=true, so it stays parseable by Loki's logfmt and json stages.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "log.h"
#include "parse.h"

#define LOG_LINE_MAX 1024
#define LOG_KEYS_MAX 24

static int log_fd = STDERR_FILENO;
static int log_level = LOGL_INFO;
static int log_json;
static int log_on;		/* the current line passed the level filter */
static int log_cut;		/* a field was dropped */
static size_t log_len;
static char log_buf[LOG_LINE_MAX];
static int log_nkeys;
static const char *log_keys[LOG_KEYS_MAX];

static const char *const level_names[] = { "error", "warn", "info", "debug" };

void
log_setup(int level, int json)
{
	struct stat st;
	int fd;

	log_level = level;
	log_json = json;
	/*
	 * A stalled reader of stderr (a tty after Ctrl-S, a stuck log
	 * shipper) must never stop PID 1. Reopening a pipe or terminal gives
	 * a file description of our own that can be non-blocking while the
	 * child keeps its blocking fd 2. A regular file is never reopened:
	 * a second offset would overwrite the child's output.
	 */
	if (fstat(STDERR_FILENO, &st) < 0 ||
	    !(S_ISFIFO(st.st_mode) || S_ISCHR(st.st_mode)))
		return;
	fd = open("/proc/self/fd/2", O_WRONLY | O_NONBLOCK | O_NOCTTY |
	    O_CLOEXEC);
	if (fd >= 0)
		log_fd = fd;
}

int
log_enabled(int level)
{
	return level <= log_level;
}

/*
 * The length of the UTF-8 sequence at s if it is a valid one (shortest form,
 * no surrogate, at most U+10FFFF) and not a C1 control, else 0.
 */
static size_t
log_utf8_len(const unsigned char *s, unsigned long *cp)
{
	size_t n, i;
	unsigned long c;

	if (s[0] >= 0xc2 && s[0] <= 0xdf) {
		n = 2;
		c = s[0] & 0x1f;
	} else if (s[0] >= 0xe0 && s[0] <= 0xef) {
		n = 3;
		c = s[0] & 0x0f;
	} else if (s[0] >= 0xf0 && s[0] <= 0xf4) {
		n = 4;
		c = s[0] & 0x07;
	} else
		return 0;
	/* A NUL ends the string before n bytes: it is no continuation. */
	for (i = 1; i < n; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		c = c << 6 | (s[i] & 0x3f);
	}
	if ((n == 3 && c < 0x800) || (n == 4 && (c < 0x10000 || c > 0x10ffff)) ||
	    (c >= 0xd800 && c <= 0xdfff))
		return 0;
	*cp = c;
	return n;
}

int
log_escape(char *dst, size_t *len, size_t cap, const char *src, int quotes)
{
	const unsigned char *s = (const unsigned char *)src;
	size_t n = *len;
	int rc = 0;

	while (*s != '\0') {
		char esc[8];
		const char *out = esc;
		size_t elen, step = 1;
		unsigned long cp;

		if (quotes && (*s == '"' || *s == '\\')) {
			esc[0] = '\\';
			esc[1] = (char)*s;
			elen = 2;
		} else if (*s == '\n' || *s == '\r' || *s == '\t') {
			esc[0] = '\\';
			esc[1] = *s == '\n' ? 'n' : *s == '\r' ? 'r' : 't';
			elen = 2;
		} else if (*s < 0x20 || *s == 0x7f) {
			elen = (size_t)snprintf(esc, sizeof(esc), "\\u%04x", *s);
		} else if (*s < 0x80) {
			out = (const char *)s;
			elen = 1;
		} else if ((step = log_utf8_len(s, &cp)) == 0) {
			/* Not UTF-8: one replacement character per byte. */
			memcpy(esc, "\\ufffd", 6);
			elen = 6;
			step = 1;
		} else if (cp < 0xa0 || cp == 0x2028 || cp == 0x2029) {
			/* C1 controls and the line separators: escaped too. */
			elen = (size_t)snprintf(esc, sizeof(esc), "\\u%04lx", cp);
		} else {
			out = (const char *)s;
			elen = step;
		}
		if (n + elen >= cap) {
			rc = -1;
			break;
		}
		memcpy(dst + n, out, elen);
		n += elen;
		s += step;
	}
	if (n < cap)
		dst[n] = '\0';
	*len = n;
	return rc;
}

int
log_format_ts(char *buf, size_t len, long long sec, long nsec)
{
	long long days, rem, era, doe, yoe, doy, mp, y, m, d;

	/* The proleptic Gregorian calendar from day 0 = 1970-01-01, UTC. */
	if (sec < 0)
		return -1;
	days = sec / 86400;
	rem = sec % 86400;
	days += 719468;
	era = days / 146097;
	doe = days - era * 146097;
	yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	mp = (5 * doy + 2) / 153;
	d = doy - (153 * mp + 2) / 5 + 1;
	m = mp < 10 ? mp + 3 : mp - 9;
	y = yoe + era * 400 + (m <= 2);
	return snprintf(buf, len, "%04lld-%02lld-%02lldT%02lld:%02lld:%02lld."
	    "%03ldZ", y, m, d, rem / 3600, rem / 60 % 60, rem % 60,
	    nsec / 1000000) < (int)len ? 0 : -1;
}

static int
log_needs_quotes(const char *s)
{
	if (*s == '\0')
		return 1;
	for (; *s != '\0'; s++)
		if (*s == ' ' || *s == '=' || *s == '"' || *s == '\\' ||
		    (unsigned char)*s < 0x21 || (unsigned char)*s >= 0x7f)
			return 1;
	return 0;
}

/* 1 if key is already in the line (or reserved); else it is noted. */
static int
log_key_taken(const char *key)
{
	int i;

	if (strcmp(key, "vigil") == 0 || strcmp(key, "truncated") == 0)
		return 1;
	for (i = 0; i < log_nkeys; i++)
		if (strcmp(log_keys[i], key) == 0)
			return 1;
	if (log_nkeys == LOG_KEYS_MAX)
		return 1;
	log_keys[log_nkeys++] = key;
	return 0;
}

#define LF_RAW 1	/* a number or true: never quoted */
#define LF_PART 2	/* keep what fits of the value (msg) */
#define LF_END 4	/* the closing truncated=true: no key check */

/* Appends one field, or drops it whole and marks the line truncated. */
static void
log_field(const char *key, const char *val, int flags)
{
	char tmp[LOG_LINE_MAX];
	/* Room for the line's end: the truncated field, brace, newline. */
	size_t left = sizeof(log_buf) - log_len - (flags & LF_END ? 2 : 24);
	size_t cap = sizeof(tmp) - 2;
	int quote = !(flags & LF_RAW) && (log_json || log_needs_quotes(val));
	size_t n;

	if (!log_on)
		return;
	if (!(flags & LF_END) && log_key_taken(key)) {
		log_cut = 1;
		return;
	}
	n = (size_t)(log_json ? snprintf(tmp, sizeof(tmp), ",\"%s\":", key)
			      : snprintf(tmp, sizeof(tmp), " %s=", key));
	if (quote)
		tmp[n++] = '"';
	if ((flags & LF_PART) && left - 1 < cap)
		cap = left - 1;
	if (log_escape(tmp, &n, cap, val, 1) < 0) {
		log_cut = 1;
		if (!(flags & LF_PART))
			return;
	}
	if (quote)
		tmp[n++] = '"';
	if (n >= left) {
		log_cut = 1;
		return;
	}
	memcpy(log_buf + log_len, tmp, n);
	log_len += n;
}

void
log_begin(int level, const char *msg)
{
	int saved = errno;

	log_on = log_enabled(level);
	log_cut = 0;
	log_len = 0;
	log_nkeys = 0;
	if (log_on) {
		struct timespec now;
		char ts[40] = "1970-01-01T00:00:00.000Z";

		if (clock_gettime(CLOCK_REALTIME, &now) == 0)
			log_format_ts(ts, sizeof(ts), now.tv_sec, now.tv_nsec);
		log_len = (size_t)(log_json
		    ? snprintf(log_buf, sizeof(log_buf), "{\"ts\":\"%s\"", ts)
		    : snprintf(log_buf, sizeof(log_buf), "vigil ts=%s", ts));
		log_keys[log_nkeys++] = "ts";
		log_field("level", level_names[level], 0);
		log_field("msg", msg, LF_PART);
	}
	errno = saved;
}

void
log_str(const char *key, const char *val)
{
	int saved = errno;

	log_field(key, val != NULL ? val : "", 0);
	errno = saved;
}

void
log_int(const char *key, long long val)
{
	int saved = errno;
	char num[24];

	snprintf(num, sizeof(num), "%lld", val);
	log_field(key, num, LF_RAW);
	errno = saved;
}

void
log_dur(const char *key, long long ns)
{
	int saved = errno;
	char buf[32];

	parse_duration_fmt(ns, PARSE_DUR_TENTHS, buf, sizeof(buf));
	log_field(key, buf, 0);
	errno = saved;
}

void
log_end(void)
{
	int saved = errno;
	ssize_t w;

	if (!log_on)
		return;
	if (log_cut)
		log_field("truncated", "true", LF_RAW | LF_END);
	if (log_json)
		log_buf[log_len++] = '}';
	log_buf[log_len++] = '\n';
	/* A full or closed stderr must never stop PID 1: drop the line. */
	do
		w = write(log_fd, log_buf, log_len);
	while (w < 0 && errno == EINTR);
	log_on = 0;
	errno = saved;
}

void
log_msg(int level, const char *msg)
{
	log_begin(level, msg);
	log_end();
}
