/* SPDX-License-Identifier: MIT */
/*
 * Probe spec parsing: turns "tcp://db:5432", "file:///run/beat?max-age=10s"
 * or "exec:pg_isready -q" into a struct probe_spec holding everything the
 * forked probe needs, so that it never parses text. Runs in PID 1 at
 * start-up, so it is pure: no I/O, no allocation, no peer bytes, and every
 * rejection comes with a one-line reason.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <sys/un.h>

#include "parse.h"
#include "spec.h"

/* A URL's authority, split but not yet checked against its scheme. */
struct authority {
	const char *user;	/* userinfo before '@', or NULL */
	size_t userlen;
	const char *port;	/* digits after ':', or NULL when absent */
	size_t portlen;
	const char *tail;	/* what follows: "", "/...", "?..." or "#..." */
};

static int bad(char *, size_t, const char *, ...)
    __attribute__((format(printf, 3, 4)));

static int
bad(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	if (errlen > 0) {
		va_start(ap, fmt);
		vsnprintf(err, errlen, fmt, ap);
		va_end(ap);
	}
	return -EINVAL;
}

static int
is_digit(char c)
{
	return c >= '0' && c <= '9';
}

static int
is_name_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	    is_digit(c) || c == '.' || c == '-' || c == '_';
}

/* Parses 1..65535 into p->port, written back without leading zeros. */
static int
parse_port(struct probe_spec *p, const char *s, size_t n, char *err,
    size_t errlen)
{
	unsigned long v = 0;
	size_t i;

	for (i = 0; i < n && i < 6; i++) {
		if (!is_digit(s[i]))
			break;
		v = v * 10 + (unsigned long)(s[i] - '0');
	}
	if (n == 0 || i != n || v == 0 || v > 65535)
		return bad(err, errlen, "bad port '%.*s'",
		    (int)(n > 16 ? 16 : n), s);
	snprintf(p->port, sizeof p->port, "%lu", v);
	return 0;
}

/*
 * Splits "[user@]host[:port]" at the start of s, up to the first '/', '?' or
 * '#'. The host goes into p->host (without IPv6 brackets); the rest is left
 * for the scheme to judge.
 */
static int
parse_authority(struct probe_spec *p, const char *s, struct authority *a,
    char *err, size_t errlen)
{
	const char *end, *at, *h, *hend, *c;
	struct in6_addr in6;
	size_t hlen;

	memset(a, 0, sizeof *a);
	end = s + strcspn(s, "/?#");
	a->tail = end;
	at = NULL;
	for (c = s; c < end; c++)
		if (*c == '@')
			at = c;
	h = s;
	if (at != NULL) {
		a->user = s;
		a->userlen = (size_t)(at - s);
		h = at + 1;
	}
	if (*h == '[') {
		hend = memchr(h, ']', (size_t)(end - h));
		if (hend == NULL)
			return bad(err, errlen,
			    "missing ']' after IPv6 address");
		h++;
		c = hend + 1;
		if (c < end && *c != ':')
			return bad(err, errlen, "unexpected '%c' after ']'",
			    *c);
		hlen = (size_t)(hend - h);
		if (hlen == 0 || hlen >= sizeof p->host)
			return bad(err, errlen, "bad IPv6 address");
		memcpy(p->host, h, hlen);
		p->host[hlen] = '\0';
		if (inet_pton(AF_INET6, p->host, &in6) != 1)
			return bad(err, errlen, "bad IPv6 address '%s'",
			    p->host);
	} else {
		c = memchr(h, ':', (size_t)(end - h));
		hend = c != NULL ? c : end;
		if (c != NULL && memchr(c + 1, ':', (size_t)(end - c - 1)))
			return bad(err, errlen,
			    "IPv6 address needs brackets, e.g. [::1]:80");
		hlen = (size_t)(hend - h);
		if (hlen == 0)
			return bad(err, errlen, "missing host");
		if (hlen > 253)
			return bad(err, errlen, "host name too long");
		for (c = h; c < hend; c++)
			if (!is_name_char(*c))
				return bad(err, errlen,
				    "bad character '%c' in host name", *c);
		memcpy(p->host, h, hlen);
		p->host[hlen] = '\0';
		c = hend;
	}
	if (c < end) {
		/* c points at ':' */
		a->port = c + 1;
		a->portlen = (size_t)(end - c - 1);
	}
	return 0;
}

static int
hex_value(char c)
{
	if (is_digit(c))
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/*
 * Decodes %XX escapes from s[0..n) into dst (size dstlen), so that a
 * password or a name may hold '@', ':' or '/'; what names it in messages.
 * %00 is refused: it would cut the value short.
 */
static int
parse_pct(char *dst, size_t dstlen, const char *s, size_t n, const char *what,
    char *err, size_t errlen)
{
	size_t i, o = 0;
	int hi, lo;
	char c;

	for (i = 0; i < n; i++) {
		c = s[i];
		if (c == '%') {
			hi = i + 2 < n ? hex_value(s[i + 1]) : -1;
			lo = i + 2 < n ? hex_value(s[i + 2]) : -1;
			if (hi < 0 || lo < 0 || (hi == 0 && lo == 0))
				return bad(err, errlen, "bad %%-escape in %s",
				    what);
			c = (char)(hi << 4 | lo);
			i += 2;
		}
		if (o + 1 >= dstlen)
			return bad(err, errlen, "%s too long (max %zu)", what,
			    dstlen - 1);
		dst[o++] = c;
	}
	dst[o] = '\0';
	return 0;
}

static int
parse_password(struct probe_spec *p, const char *s, size_t n, char *err,
    size_t errlen)
{
	return parse_pct(p->password, sizeof p->password, s, n,
	    "redis password", err, errlen);
}

static int
parse_tcp(struct probe_spec *p, const char *s, char *err, size_t errlen)
{
	struct authority a;
	int r;

	if ((r = parse_authority(p, s, &a, err, errlen)) < 0)
		return r;
	if (a.user != NULL)
		return bad(err, errlen, "tcp probe takes no user or password");
	if (*a.tail != '\0')
		return bad(err, errlen, "tcp probe takes no path or options");
	if (a.port == NULL)
		return bad(err, errlen, "tcp probe needs a port");
	return parse_port(p, a.port, a.portlen, err, errlen);
}

static int
parse_http(struct probe_spec *p, const char *s, char *err, size_t errlen)
{
	struct authority a;
	const char *c;
	size_t n;
	int r;

	if ((r = parse_authority(p, s, &a, err, errlen)) < 0)
		return r;
	if (a.user != NULL)
		return bad(err, errlen, "http probe takes no user or password");
	if (a.port == NULL)
		strcpy(p->port, "80");
	else if ((r = parse_port(p, a.port, a.portlen, err, errlen)) < 0)
		return r;
	/* A fragment never goes on the wire. */
	n = strcspn(a.tail, "#");
	if (memchr(a.tail, ' ', n) != NULL)
		return bad(err, errlen,
		    "space in http path (write it as %%20)");
	/* probe_parse() lets a tab through for exec; a request line not. */
	for (c = a.tail; c < a.tail + n; c++)
		if ((unsigned char)*c < 0x20 || *c == 0x7f)
			return bad(err, errlen, "control character 0x%02x in "
			    "http path (write it as %%%02X)",
			    (unsigned)(unsigned char)*c,
			    (unsigned)(unsigned char)*c);
	if (*a.tail != '/')
		p->path[0] = '/';
	memcpy(p->path + strlen(p->path), a.tail, n);
	return 0;
}

static int
parse_redis(struct probe_spec *p, const char *s, char *err, size_t errlen)
{
	struct authority a;
	const char *t;
	int r;

	if ((r = parse_authority(p, s, &a, err, errlen)) < 0)
		return r;
	if (a.user != NULL) {
		if (a.userlen == 0 || a.user[0] != ':')
			return bad(err, errlen, "redis probe takes only a "
			    "password: redis://:PASSWORD@HOST");
		r = parse_password(p, a.user + 1, a.userlen - 1, err, errlen);
		if (r < 0)
			return r;
	}
	if (a.port == NULL)
		strcpy(p->port, "6379");
	else if ((r = parse_port(p, a.port, a.portlen, err, errlen)) < 0)
		return r;
	/* "/0" selects a database, which PING does not care about. */
	t = a.tail;
	if (*t == '/')
		for (t++; is_digit(*t); t++)
			;
	if (*t == '\0')
		return 0;
	/*
	 * The secret stays out of argv and the environment: the probe
	 * process reads it from the file each time it runs.
	 */
	if (strncmp(t, "?password-file=", 15) != 0)
		return bad(err, errlen, "redis probe takes no path or options "
		    "beyond /DB and ?password-file=PATH");
	t += 15;
	if (p->password[0] != '\0')
		return bad(err, errlen, "redis probe takes a password or a "
		    "password-file, not both");
	if (*t != '/')
		return bad(err, errlen, "redis password-file needs an absolute "
		    "path");
	if (strpbrk(t, "&#") != NULL)
		return bad(err, errlen, "redis probe takes no options beyond "
		    "?password-file=PATH");
	/* probe_parse() already bounds the spec, and so the path. */
	snprintf(p->path, sizeof p->path, "%s", t);
	return 0;
}

/*
 * A postgres user or database name; the server cuts names at NAMEDATALEN
 * - 1 = 63 bytes, which dstlen enforces.
 */
static int
parse_pg_name(char *dst, size_t dstlen, const char *s, size_t n,
    const char *what, char *err, size_t errlen)
{
	char label[32];

	if (n == 0)
		return bad(err, errlen, "empty postgres %s", what);
	snprintf(label, sizeof label, "postgres %s", what);
	return parse_pct(dst, dstlen, s, n, label, err, errlen);
}

/*
 * The options after '?'. The probe never negotiates TLS: it sends no
 * secret and reads no data, and any answer proves the server up. So the
 * sslmodes that allow plaintext are accepted and the ones that demand TLS
 * are refused rather than silently weakened.
 */
static int
parse_pg_options(const char *q, char *err, size_t errlen)
{
	static const char *const plain[] = { "disable", "allow", "prefer" };
	const char *end, *v;
	size_t n, i;

	for (;;) {
		end = q + strcspn(q, "&");
		n = (size_t)(end - q);
		if (n == 0)
			return bad(err, errlen, "empty postgres option");
		if (n > 8 && strncmp(q, "sslmode=", 8) == 0) {
			v = q + 8;
			for (i = 0; i < 3; i++)
				if (strlen(plain[i]) == n - 8 &&
				    strncmp(v, plain[i], n - 8) == 0)
					break;
			if (i == 3)
				return bad(err, errlen, "sslmode '%.*s' needs "
				    "TLS, which the postgres probe does not "
				    "speak (disable, allow or prefer; or "
				    "exec:pg_isready)", (int)(n - 8 > 16 ? 16 :
				    n - 8), v);
		} else {
			return bad(err, errlen, "unknown postgres option "
			    "'%.*s' (only sslmode=disable|allow|prefer)",
			    (int)(n > 24 ? 24 : n), q);
		}
		if (*end == '\0')
			return 0;
		q = end + 1;
	}
}

static int
parse_postgres(struct probe_spec *p, const char *s, char *err, size_t errlen)
{
	struct authority a;
	const char *t, *q;
	size_t n;
	int r;

	if ((r = parse_authority(p, s, &a, err, errlen)) < 0)
		return r;
	if (a.user != NULL) {
		/* Any answer proves the server up: a password only leaks. */
		if (memchr(a.user, ':', a.userlen) != NULL)
			return bad(err, errlen, "postgres probe takes no "
			    "password (it never authenticates)");
		r = parse_pg_name(p->pg_user, sizeof p->pg_user, a.user,
		    a.userlen, "user", err, errlen);
		if (r < 0)
			return r;
	} else {
		strcpy(p->pg_user, "postgres");
	}
	if (a.port == NULL)
		strcpy(p->port, "5432");
	else if ((r = parse_port(p, a.port, a.portlen, err, errlen)) < 0)
		return r;
	t = a.tail;
	if (*t == '#')
		return bad(err, errlen, "postgres probe takes no fragment");
	if (*t == '/')
		t++;
	q = t + strcspn(t, "?#");
	n = (size_t)(q - t);
	if (n > 0) {
		r = parse_pg_name(p->pg_db, sizeof p->pg_db, t, n, "database",
		    err, errlen);
		if (r < 0)
			return r;
	} else {
		/* libpq's rule: the database defaults to the user's name. */
		strcpy(p->pg_db, p->pg_user);
	}
	if (*q == '#' || strchr(q, '#') != NULL)
		return bad(err, errlen, "postgres probe takes no fragment");
	if (*q == '?')
		return parse_pg_options(q + 1, err, errlen);
	return 0;
}

static int
parse_unix(struct probe_spec *p, const char *s, char *err, size_t errlen)
{
	size_t n = strlen(s);

	if (*s != '/')
		return bad(err, errlen,
		    "unix probe needs an absolute path: unix:///PATH");
	if (n >= sizeof ((struct sockaddr_un *)0)->sun_path)
		return bad(err, errlen, "unix socket path too long (max %zu)",
		    sizeof ((struct sockaddr_un *)0)->sun_path - 1);
	memcpy(p->path, s, n + 1);
	return 0;
}

static int
parse_file(struct probe_spec *p, const char *s, char *err, size_t errlen)
{
	const char *q = strchr(s, '?');
	size_t n = q != NULL ? (size_t)(q - s) : strlen(s);

	if (*s != '/')
		return bad(err, errlen,
		    "file probe needs an absolute path: file:///PATH");
	memcpy(p->path, s, n);
	p->path[n] = '\0';
	if (q == NULL)
		return 0;
	if (strncmp(q + 1, "max-age=", 8) != 0)
		return bad(err, errlen, "unknown file option '%.32s' "
		    "(only max-age=DUR)", q + 1);
	if (parse_duration(q + 9, &p->max_age_ns) < 0)
		return bad(err, errlen, "bad max-age '%.32s'", q + 9);
	return 0;
}

/*
 * Splits words on blanks. Single quotes keep everything literally; inside
 * double quotes a backslash escapes only '"' and '\'; outside quotes it
 * escapes any character. There is no shell: no variables, no globbing.
 */
static int
parse_exec(struct probe_spec *p, const char *c, char *err, size_t errlen)
{
	size_t o = 0;
	char q;

	p->argc = 0;
	for (;;) {
		while (*c == ' ' || *c == '\t')
			c++;
		if (*c == '\0')
			break;
		if (p->argc == PROBE_ARGV_MAX)
			return bad(err, errlen, "too many exec words (max %d)",
			    PROBE_ARGV_MAX);
		p->argoff[p->argc++] = (uint16_t)o;
		q = 0;
		while (*c != '\0' && (q != 0 || (*c != ' ' && *c != '\t'))) {
			/* Each pass writes at most one byte, plus the NUL. */
			if (o + 2 > sizeof p->words)
				return bad(err, errlen,
				    "exec command too long");
			if (q == '\'') {
				if (*c != '\'')
					p->words[o++] = *c;
				else
					q = 0;
				c++;
			} else if (*c == '\\' &&
			    (q == 0 || c[1] == '"' || c[1] == '\\')) {
				if (c[1] == '\0')
					return bad(err, errlen, "trailing "
					    "backslash in exec command");
				p->words[o++] = c[1];
				c += 2;
			} else if (q == '"') {
				if (*c != '"')
					p->words[o++] = *c;
				else
					q = 0;
				c++;
			} else if (*c == '\'' || *c == '"') {
				q = *c++;
			} else {
				p->words[o++] = *c++;
			}
		}
		if (q != 0)
			return bad(err, errlen, "unterminated %s quote in exec "
			    "command", q == '"' ? "double" : "single");
		p->words[o++] = '\0';
	}
	if (p->argc == 0)
		return bad(err, errlen, "empty exec command");
	return 0;
}

/* Writes text into p->display with the redis password, if any, masked. */
static void
set_display(struct probe_spec *p, const char *text)
{
	const char *auth, *end, *at, *c;

	snprintf(p->display, sizeof p->display, "%s", text);
	if (p->kind != PROBE_REDIS || p->password[0] == '\0')
		return;
	auth = strstr(text, "://") + 3;
	end = auth + strcspn(auth, "/?#");
	at = NULL;
	for (c = auth; c < end; c++)
		if (*c == '@')
			at = c;
	/* The userinfo is ":PASSWORD"; keep the colon, hide the rest. */
	if (at != NULL)
		snprintf(p->display, sizeof p->display, "%.*s:***%s",
		    (int)(auth - text), text, at);
}

struct scheme {
	const char *name;
	enum probe_kind kind;
	int (*parse)(struct probe_spec *, const char *, char *, size_t);
};

static const struct scheme schemes[] = {
	{ "tcp", PROBE_TCP, parse_tcp },
	{ "http", PROBE_HTTP, parse_http },
	{ "unix", PROBE_UNIX, parse_unix },
	{ "redis", PROBE_REDIS, parse_redis },
	{ "postgres", PROBE_POSTGRES, parse_postgres },
	{ "postgresql", PROBE_POSTGRES, parse_postgres },
	{ "file", PROBE_FILE, parse_file },
};

/* TLS schemes get a pointer to what works instead. */
static const char *const tls_schemes[][2] = {
	{ "https", "http" },
	{ "rediss", "redis" },
};

int
probe_parse(struct probe_spec *p, const char *text, char *err, size_t errlen)
{
	const struct scheme *sc;
	const char *colon, *c;
	size_t n, i;
	int r;

	memset(p, 0, sizeof *p);
	if (errlen > 0)
		err[0] = '\0';
	n = strlen(text);
	if (n == 0)
		return bad(err, errlen, "empty spec");
	if (n >= PROBE_TEXT_MAX)
		return bad(err, errlen, "spec too long (max %d bytes)",
		    PROBE_TEXT_MAX - 1);
	/* Output and state-file lines quote the spec, so keep it one line. */
	for (c = text; *c != '\0'; c++)
		if ((*c > 0 && *c < ' ' && *c != '\t') || *c == 0x7f)
			return bad(err, errlen, "control character in spec");
	colon = strchr(text, ':');
	if (colon == NULL || colon == text)
		return bad(err, errlen, "missing scheme (tcp://, http://, "
		    "unix://, redis://, postgres://, file://, exec:)");
	n = (size_t)(colon - text);
	if (n == 4 && strncasecmp(text, "exec", 4) == 0) {
		p->kind = PROBE_EXEC;
		if ((r = parse_exec(p, colon + 1, err, errlen)) < 0)
			return r;
		set_display(p, text);
		return 0;
	}
	for (i = 0; i < sizeof tls_schemes / sizeof tls_schemes[0]; i++)
		if (strlen(tls_schemes[i][0]) == n &&
		    strncasecmp(text, tls_schemes[i][0], n) == 0)
			return bad(err, errlen, "%s is not supported "
			    "(use %s:// to a local port, or exec:)",
			    tls_schemes[i][0], tls_schemes[i][1]);
	sc = NULL;
	for (i = 0; i < sizeof schemes / sizeof schemes[0]; i++)
		if (strlen(schemes[i].name) == n &&
		    strncasecmp(text, schemes[i].name, n) == 0)
			sc = &schemes[i];
	if (sc == NULL)
		return bad(err, errlen, "unknown probe scheme '%.*s'",
		    (int)(n > 24 ? 24 : n), text);
	if (strncmp(colon, "://", 3) != 0)
		return bad(err, errlen, "expected '://' after '%s'", sc->name);
	p->kind = sc->kind;
	if ((r = sc->parse(p, colon + 3, err, errlen)) < 0)
		return r;
	set_display(p, text);
	return 0;
}
