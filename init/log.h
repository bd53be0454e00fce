/* SPDX-License-Identifier: MIT */
/*
 * vigil's own log: one line per event on stderr, logfmt by default or JSON.
 * A line is built field by field in a static buffer and written with one
 * write(2), so lines never interleave and logging never allocates. Every
 * function preserves errno.
 */
#ifndef INIT_LOG_H
#define INIT_LOG_H

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

#endif
