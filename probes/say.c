/* SPDX-License-Identifier: MIT */
/*
 * The helpers every probe kind reports through: the one-line summary
 * writer, the millisecond clock for "in 3ms", and the formatters that make
 * peer bytes and durations printable. They call nothing else in probes/, so
 * the call graph runs one way: probe_run() -> the kinds -> these.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <time.h>
#include <unistd.h>

#include "probe_impl.h"

void
probe_say(int fd, const char *fmt, ...)
{
	char line[PROBE_LINE_MAX + 1];
	size_t len, off;
	va_list ap;
	ssize_t w;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(line, sizeof line, fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	len = (size_t)n < PROBE_LINE_MAX ? (size_t)n : PROBE_LINE_MAX;
	for (off = 0; off < len; off += (size_t)w) {
		w = write(fd, line + off, len - off);
		if (w < 0 && errno == EINTR)
			w = 0;
		else if (w <= 0)
			return;
	}
}

int64_t
probe_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

void
probe_printable(char *dst, size_t dstlen, const char *src, size_t n)
{
	size_t i;
	unsigned char c;

	if (dstlen == 0)
		return;
	for (i = 0; i < n && i + 1 < dstlen && src[i] != '\0'; i++) {
		c = (unsigned char)src[i];
		dst[i] = c < 0x20 || c == 0x7f ? '?' : (char)c;
	}
	dst[i] = '\0';
}
