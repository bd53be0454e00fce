/* SPDX-License-Identifier: MIT */
/*
 * Pure parsers for durations, signals, rewrite pairs and stop ladders. The
 * signal table is our own because musl has no sigabbrev_np() and numbers
 * real-time signals from its own SIGRTMIN.
 */
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "parse.h"

static const struct {
	const char *name;
	int sig;
} sig_table[] = {
	{ "HUP", SIGHUP },	{ "INT", SIGINT },	{ "QUIT", SIGQUIT },
	{ "ILL", SIGILL },	{ "TRAP", SIGTRAP },	{ "ABRT", SIGABRT },
	{ "IOT", SIGABRT },	{ "BUS", SIGBUS },	{ "FPE", SIGFPE },
	{ "KILL", SIGKILL },	{ "USR1", SIGUSR1 },	{ "SEGV", SIGSEGV },
	{ "USR2", SIGUSR2 },	{ "PIPE", SIGPIPE },	{ "ALRM", SIGALRM },
	{ "TERM", SIGTERM },	{ "STKFLT", SIGSTKFLT }, { "CHLD", SIGCHLD },
	{ "CLD", SIGCHLD },	{ "CONT", SIGCONT },	{ "STOP", SIGSTOP },
	{ "TSTP", SIGTSTP },	{ "TTIN", SIGTTIN },	{ "TTOU", SIGTTOU },
	{ "URG", SIGURG },	{ "XCPU", SIGXCPU },	{ "XFSZ", SIGXFSZ },
	{ "VTALRM", SIGVTALRM }, { "PROF", SIGPROF },	{ "WINCH", SIGWINCH },
	{ "IO", SIGIO },	{ "POLL", SIGIO },	{ "PWR", SIGPWR },
	{ "SYS", SIGSYS },
};

static int
parse_unit(const char *s, size_t *len, int64_t *mult)
{
	if (strncmp(s, "ms", 2) == 0) {
		*len = 2;
		*mult = NS_PER_MS;
	} else if (*s == 's') {
		*len = 1;
		*mult = NS_PER_S;
	} else if (*s == 'm') {
		*len = 1;
		*mult = 60 * NS_PER_S;
	} else if (*s == 'h') {
		*len = 1;
		*mult = 3600 * NS_PER_S;
	} else
		return -EINVAL;
	return 0;
}

int
parse_duration(const char *s, int64_t *out_ns)
{
	int64_t total = 0;

	if (s == NULL || *s == '\0')
		return -EINVAL;
	if (strcmp(s, "0") == 0) {
		*out_ns = 0;
		return 0;
	}
	while (*s != '\0') {
		int64_t n = 0, mult;
		size_t ulen;

		if (!isdigit((unsigned char)*s))
			return -EINVAL;
		while (isdigit((unsigned char)*s)) {
			if (n > (INT64_MAX - 9) / 10)
				return -EINVAL;
			n = n * 10 + (*s++ - '0');
		}
		if (parse_unit(s, &ulen, &mult) < 0)
			return -EINVAL;
		s += ulen;
		if (n > (INT64_MAX - total) / mult)
			return -EINVAL;
		total += n * mult;
	}
	if (total > PARSE_DURATION_MAX)
		return -EINVAL;
	*out_ns = total;
	return 0;
}

static int
parse_rt(const char *s, int *out)
{
	int base;
	long off = 0;
	char *end;

	if (strncasecmp(s, "RTMIN", 5) == 0)
		base = PARSE_SIGRTMIN;
	else if (strncasecmp(s, "RTMAX", 5) == 0)
		base = PARSE_SIGMAX;
	else
		return -EINVAL;
	s += 5;
	if (*s == '+' || *s == '-') {
		if (!isdigit((unsigned char)s[1]))
			return -EINVAL;
		errno = 0;
		off = strtol(s, &end, 10);
		if (errno != 0 || *end != '\0')
			return -EINVAL;
	} else if (*s != '\0')
		return -EINVAL;
	if (base + off < PARSE_SIGRTMIN || base + off > PARSE_SIGMAX)
		return -EINVAL;
	*out = (int)(base + off);
	return 0;
}

int
parse_signal(const char *s, int *out)
{
	size_t i;
	long n;

	if (s == NULL || *s == '\0')
		return -EINVAL;
	if (isdigit((unsigned char)*s)) {
		if (parse_int(s, 1, PARSE_SIGMAX, &n) < 0)
			return -EINVAL;
		*out = (int)n;
		return 0;
	}
	if (strncasecmp(s, "SIG", 3) == 0)
		s += 3;
	for (i = 0; i < sizeof(sig_table) / sizeof(sig_table[0]); i++) {
		if (strcasecmp(s, sig_table[i].name) == 0) {
			*out = sig_table[i].sig;
			return 0;
		}
	}
	return parse_rt(s, out);
}

const char *
parse_signal_name(int sig, char *buf, size_t len)
{
	size_t i;

	for (i = 0; i < sizeof(sig_table) / sizeof(sig_table[0]); i++) {
		if (sig_table[i].sig == sig) {
			snprintf(buf, len, "%s", sig_table[i].name);
			return buf;
		}
	}
	if (sig == PARSE_SIGRTMIN)
		snprintf(buf, len, "RTMIN");
	else if (sig > PARSE_SIGRTMIN && sig <= PARSE_SIGMAX)
		snprintf(buf, len, "RTMIN+%d", sig - PARSE_SIGRTMIN);
	else
		snprintf(buf, len, "%d", sig);
	return buf;
}

int
parse_int(const char *s, long min, long max, long *out)
{
	char *end;
	long n;

	if (s == NULL || !isdigit((unsigned char)*s))
		return -EINVAL;
	errno = 0;
	n = strtol(s, &end, 10);
	if (errno != 0 || *end != '\0' || n < min || n > max)
		return -EINVAL;
	*out = n;
	return 0;
}

int
parse_bool(const char *s, int *out)
{
	static const char *yes[] = { "1", "true", "yes", "on" };
	static const char *no[] = { "", "0", "false", "no", "off" };
	size_t i;

	for (i = 0; i < sizeof(yes) / sizeof(yes[0]); i++)
		if (strcasecmp(s, yes[i]) == 0) {
			*out = 1;
			return 0;
		}
	for (i = 0; i < sizeof(no) / sizeof(no[0]); i++)
		if (strcasecmp(s, no[i]) == 0) {
			*out = 0;
			return 0;
		}
	return -EINVAL;
}

/* Copies s[0..n) into buf as a C string; -EINVAL when it does not fit. */
static int
parse_word(const char *s, size_t n, char *buf, size_t len)
{
	if (n == 0 || n >= len)
		return -EINVAL;
	memcpy(buf, s, n);
	buf[n] = '\0';
	return 0;
}

int
parse_rewrite(const char *s, int *from, int *to)
{
	const char *colon = strchr(s, ':');
	char left[32];
	int f, t;

	if (colon == NULL ||
	    parse_word(s, (size_t)(colon - s), left, sizeof(left)) < 0 ||
	    parse_signal(left, &f) < 0)
		return -EINVAL;
	if (strcmp(colon + 1, "0") == 0)
		t = 0;
	else if (parse_signal(colon + 1, &t) < 0)
		return -EINVAL;
	*from = f;
	*to = t;
	return 0;
}

int
parse_stop_sequence(const char *s, struct stop_step *steps, int *nsteps)
{
	struct stop_step tmp[PARSE_STEPS_MAX];
	int n = 0;

	if (*s == '\0')
		return -EINVAL;
	for (;;) {
		const char *comma = strchr(s, ',');
		size_t len = comma ? (size_t)(comma - s) : strlen(s);
		const char *colon = memchr(s, ':', len);
		char sig[32], dur[32];

		if (n == PARSE_STEPS_MAX || colon == NULL ||
		    parse_word(s, (size_t)(colon - s), sig, sizeof(sig)) < 0 ||
		    parse_word(colon + 1, len - (size_t)(colon - s) - 1, dur,
		    sizeof(dur)) < 0 ||
		    parse_signal(sig, &tmp[n].sig) < 0 ||
		    parse_duration(dur, &tmp[n].wait_ns) < 0)
			return -EINVAL;
		n++;
		if (comma == NULL)
			break;
		s = comma + 1;
	}
	memcpy(steps, tmp, sizeof(tmp[0]) * (size_t)n);
	*nsteps = n;
	return 0;
}

const char *
parse_duration_fmt(int64_t ns, enum parse_dur_style style, char *buf,
    size_t len)
{
	static const char *const unit[4] = { "h", "m", "s", "ms" };
	int64_t ms, part[4];
	size_t used = 0;
	int i, n, last;

	if (len == 0)
		return buf;
	buf[0] = '\0';
	if (ns < 0)
		ns = 0;
	ms = ns / NS_PER_MS;
	if (ms < 1000) {
		snprintf(buf, len, "%lldms", (long long)ms);
		return buf;
	}
	if (style == PARSE_DUR_TENTHS && ms < 10000) {
		snprintf(buf, len, "%lld.%llds", (long long)(ms / 1000),
		    (long long)(ms % 1000 / 100));
		return buf;
	}
	part[0] = ms / 3600000;
	part[1] = ms / 60000 % 60;
	part[2] = ms / 1000 % 60;
	part[3] = ms % 1000;
	last = style == PARSE_DUR_EXACT ? 3 : 2;
	for (i = 0; i <= last && used < len; i++) {
		if (part[i] == 0)
			continue;
		n = snprintf(buf + used, len - used, "%lld%s",
		    (long long)part[i], unit[i]);
		if (n < 0)
			break;
		used += (size_t)n;
	}
	return buf;
}

int
parse_listen_addr(const char *s, uint32_t *ip, int *port, char *err,
    size_t errlen)
{
	const char *colon = strrchr(s, ':');
	char host[INET_ADDRSTRLEN];
	struct in_addr a;
	long p;

	if (colon == NULL || (size_t)(colon - s) >= sizeof(host) ||
	    parse_int(colon + 1, 1, 65535, &p) < 0) {
		snprintf(err, errlen, "must be ADDR:PORT or :PORT with a port "
		    "of 1-65535, not '%s'", s);
		return -EINVAL;
	}
	memcpy(host, s, (size_t)(colon - s));
	host[colon - s] = '\0';
	if (host[0] == '\0')
		a.s_addr = htonl(INADDR_ANY);
	else if (inet_pton(AF_INET, host, &a) != 1) {
		snprintf(err, errlen, "'%s' is not an IPv4 address "
		    "(A.B.C.D, or none for every address)", host);
		return -EINVAL;
	}
	*ip = a.s_addr;
	*port = (int)p;
	return 0;
}

int
parse_subopt(int argc, char **argv, int *i, const char *name,
    const char **v)
{
	const char *a = argv[*i];
	size_t n = strlen(name);

	if (strncmp(a, name, n) != 0)
		return 0;
	if (a[n] == '=') {
		*v = a + n + 1;
		return 1;
	}
	if (a[n] != '\0')
		return 0;
	if (*i + 1 >= argc)
		return -1;
	*v = argv[++*i];
	return 1;
}
