/* SPDX-License-Identifier: MIT */
/*
 * vigil's own log: one line per event on stderr, logfmt by default or JSON,
 * each with ts, level and msg first and no key twice.
 * A line is built field by field in a static buffer and written with one
 * write(2), so lines never interleave and logging never allocates. Every
 * function preserves errno.
 */
#ifndef INIT_LOG_H
#define INIT_LOG_H

#include <stddef.h>

enum log_level {
	LOGL_ERROR,
	LOGL_WARN,
	LOGL_INFO,
	LOGL_DEBUG,
};

/* Sets the level and format; makes logging never block on stderr. */
void log_setup(int level, int json);
int log_enabled(int level);

/* log_begin(); any number of log_str()/log_int(); log_end(). */
void log_begin(int level, const char *msg);
void log_str(const char *key, const char *val);
void log_int(const char *key, long long val);
/* A duration in nanoseconds, written like "1.5s" or "250ms". */
void log_dur(const char *key, long long ns);
void log_end(void);

/* A line with no fields. */
void log_msg(int level, const char *msg);

/*
 * Appends src to dst at *len, escaped so it stays on one line and valid
 * UTF-8: \n \r \t, other controls (C0, DEL, C1, U+2028/9) as \u00XX, each
 * byte of invalid UTF-8 as \ufffd; with quotes also \" and \\, as in a
 * JSON or logfmt string. Escapes are never cut: 0, or -1 when src did not
 * fit and *len stops before the first part that did not. dst[*len] is NUL
 * whenever *len < cap.
 */
int log_escape(char *dst, size_t *len, size_t cap, const char *src,
    int quotes);
/* sec.nsec since the epoch as RFC 3339 UTC with milliseconds; 0 or -1. */
int log_format_ts(char *buf, size_t len, long long sec, long nsec);

#endif
