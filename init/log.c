/* SPDX-License-Identifier: MIT */
/*
 * Builds logfmt or JSON lines in a fixed buffer. A field that would not fit
 * is dropped whole and the line ends with truncated=true, so the line stays
 * parseable by Loki's logfmt and json stages.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "log.h"

#define LOG_LINE_MAX 1024

static int log_fd = STDERR_FILENO;
static int log_level = LOGL_INFO;
static int log_json;
static int log_on;		/* the current line passed the level filter */
static int log_cut;		/* a field was dropped */
static size_t log_len;
static char log_buf[LOG_LINE_MAX];

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

/* Appends s[0..n) escaped for the output format; 0 or -1 if it won't fit. */
static int
log_put_escaped(char *dst, size_t *len, size_t cap, const char *s)
{
	size_t n = *len;

	for (; *s != '\0'; s++) {
		unsigned char c = (unsigned char)*s;
		char esc[8];
		size_t elen = 0;

		if (c == '"' || c == '\\') {
			esc[0] = '\\';
			esc[1] = (char)c;
			elen = 2;
		} else if (c == '\n') {
			memcpy(esc, "\\n", 2);
			elen = 2;
		} else if (c < 0x20 || c == 0x7f) {
			elen = (size_t)snprintf(esc, sizeof(esc), "\\u%04x", c);
		} else {
			esc[0] = (char)c;
			elen = 1;
		}
		if (n + elen >= cap)
			return -1;
		memcpy(dst + n, esc, elen);
		n += elen;
	}
	*len = n;
	return 0;
}

static int
log_needs_quotes(const char *s)
{
	if (*s == '\0')
		return 1;
	for (; *s != '\0'; s++)
		if (*s == ' ' || *s == '=' || *s == '"' || *s == '\\' ||
		    (unsigned char)*s < 0x21 || *s == 0x7f)
			return 1;
	return 0;
}

/* Appends one field; raw values (numbers) are never quoted. */
static void
log_field(const char *key, const char *val, int raw)
{
	char tmp[LOG_LINE_MAX];
	size_t n = 0;
	int quote = !raw && (log_json || log_needs_quotes(val));
	int w;

	if (!log_on)
		return;
	w = log_json ? snprintf(tmp, sizeof(tmp), ",\"%s\":", key)
		     : snprintf(tmp, sizeof(tmp), " %s=", key);
	n = (size_t)w;
	if (quote)
		tmp[n++] = '"';
	if (log_put_escaped(tmp, &n, sizeof(tmp) - 2, val) < 0) {
		log_cut = 1;
		return;
	}
	if (quote)
		tmp[n++] = '"';
	/* Keep room for the line's end: truncated field, brace, newline. */
	if (log_len + n + 24 >= sizeof(log_buf)) {
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
	if (log_on) {
		int w = log_json
		    ? snprintf(log_buf, sizeof(log_buf), "{\"level\":\"%s\"",
			  level_names[level])
		    : snprintf(log_buf, sizeof(log_buf), "vigil level=%s",
			  level_names[level]);
		log_len = (size_t)w;
		log_field("msg", msg, 0);
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
	log_field(key, num, 1);
	errno = saved;
}

void
log_dur(const char *key, long long ns)
{
	int saved = errno;
	char buf[32];
	long long ms = ns / 1000000;

	if (ms < 1000)
		snprintf(buf, sizeof(buf), "%lldms", ms);
	else
		snprintf(buf, sizeof(buf), "%lld.%llds", ms / 1000,
		    (ms % 1000) / 100);
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
		log_field("truncated", "true", 1);
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
