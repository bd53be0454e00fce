/* SPDX-License-Identifier: MIT */
/*
 * The state file: format, reason line, default place and atomic write.
 * The directory is root's and 0755 (or the user's own and 0700), so a
 * workload running as another user can read the file but neither write it
 * nor swap in a link; paths are walked one component at a time with
 * O_NOFOLLOW, so nobody's link but root's is ever followed.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "hfile.h"
#include "parse.h"

static const char *const hfile_results[] = {
	[HFILE_PASS] = "pass",
	[HFILE_FAIL] = "fail",
	[HFILE_TIMEOUT] = "timeout",
};

static const char *const hfile_phases[] = {
	[HFILE_WAITING] = "waiting",
	[HFILE_RUNNING] = "running",
	[HFILE_DRAINING] = "draining",
	[HFILE_STOPPING] = "stopping",
	[HFILE_CLEANING] = "cleaning",
	[HFILE_RESTARTING] = "restarting",
	[HFILE_EXITED] = "exited",
};

const char *
hfile_phase_name(enum hfile_phase p)
{
	return hfile_phases[p];
}

void
hfile_escape(const char *raw, size_t len, char *out, size_t outlen)
{
	size_t i, n = 0, cap = outlen - 1;

	if (cap > HFILE_OUTPUT_MAX)
		cap = HFILE_OUTPUT_MAX;
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
hfile_format(const struct hfile_record *r, char *buf, size_t len)
{
	char stale[24] = "", last[16] = "", next[24] = "";
	int n, m, i;

	if (r->stale_after > 0)
		snprintf(stale, sizeof(stale), "%" PRId64, r->stale_after);
	if (r->has_last_exit)
		snprintf(last, sizeof(last), "%d", r->last_exit);
	if (r->next_start_ms > 0)
		snprintf(next, sizeof(next), "%" PRId64, r->next_start_ms);
	/* The first ten keys are the original format, in its order. */
	n = snprintf(buf, len,
	    "status=%s\nsince=%" PRId64 "\nupdated=%" PRId64 "\n"
	    "stale_after=%s\npid=%ld\nrestarts=%ld\nlast_exit=%s\n"
	    "failures=%ld\nprobe=%s\noutput=%s\nphase=%s\nnext_start_ms=%s\n",
	    health_name(r->status), r->since, r->updated, stale, r->pid,
	    r->restarts, last, r->failures, r->probe, r->output,
	    hfile_phase_name(r->phase), next);
	if (n < 0 || (size_t)n >= len)
		return -ENOSPC;
	/* log1 (newest) .. log5: START_MS DUR_MS RESULT CODE OUTPUT */
	for (i = 0; i < r->nlog && i < HFILE_HISTORY; i++) {
		const struct hfile_round *h = &r->log[i];
		char code[16] = "-";

		if (h->code >= 0)
			snprintf(code, sizeof(code), "%d", h->code);
		m = snprintf(buf + n, len - (size_t)n, "log%d=%" PRId64 " %"
		    PRId64 " %s %s %s\n", i + 1, h->start_ms, h->dur_ms,
		    hfile_result_name(h->result), code, h->output);
		if (m < 0 || (size_t)m >= len - (size_t)n)
			return -ENOSPC;
		n += m;
	}
	m = snprintf(buf + n, len - (size_t)n, "ready=%s\nready_reason=%s\n",
	    r->ready ? "yes" : "no", r->ready ? "" : r->ready_reason);
	if (m < 0 || (size_t)m >= len - (size_t)n)
		return -ENOSPC;
	return n + m;
}

const char *
hfile_result_name(enum hfile_result r)
{
	return (unsigned)r < 3 ? hfile_results[r] : "fail";
}

static int
hfile_num(const char *v, int64_t *out)
{
	char *end;

	if (*v == '\0' || *v == ' ' || *v == '+')
		return -EINVAL;
	errno = 0;
	*out = strtoll(v, &end, 10);
	return errno != 0 || *end != '\0' ? -EINVAL : 0;
}

static int
hfile_phase_from(const char *v, enum hfile_phase *p)
{
	size_t i;

	for (i = 0; i < sizeof(hfile_phases) / sizeof(hfile_phases[0]); i++)
		if (strcmp(v, hfile_phases[i]) == 0) {
			*p = (enum hfile_phase)i;
			return 0;
		}
	return -EINVAL;
}

/* Cuts the next space-separated field off *v; NULL when there is none. */
static char *
hfile_field(char **v)
{
	char *f = *v, *sp = strchr(f, ' ');

	if (sp == NULL)
		return NULL;
	*sp = '\0';
	*v = sp + 1;
	return f;
}

/* "START_MS DUR_MS RESULT CODE OUTPUT"; the rounds come in order. */
static int
hfile_log_line(struct hfile_record *r, int idx, char *v)
{
	struct hfile_round *h;
	char *start, *dur, *res, *code;
	int64_t n;
	int i;

	if (idx != r->nlog + 1 || (start = hfile_field(&v)) == NULL ||
	    (dur = hfile_field(&v)) == NULL || (res = hfile_field(&v)) == NULL ||
	    (code = hfile_field(&v)) == NULL)
		return -EINVAL;
	h = &r->log[r->nlog];
	if (hfile_num(start, &h->start_ms) < 0 || hfile_num(dur, &h->dur_ms) < 0
	    || h->dur_ms < 0)
		return -EINVAL;
	for (i = 0; i < 3; i++)
		if (strcmp(res, hfile_results[i]) == 0)
			break;
	if (i == 3)
		return -EINVAL;
	h->result = (enum hfile_result)i;
	if (strcmp(code, "-") == 0)
		h->code = -1;
	else if (hfile_num(code, &n) < 0 || n < 0 || n > 255 + 128)
		return -EINVAL;
	else
		h->code = (int)n;
	if (strlen(v) > HFILE_OUTPUT_MAX)
		return -EINVAL;
	snprintf(h->output, sizeof(h->output), "%s", v);
	r->nlog++;
	return 0;
}

/* Applies one "key=value" line; unknown keys are skipped for new fields. */
static int
hfile_line(struct hfile_record *r, const char *k, char *v, int *have)
{
	static const char *const nums[] = { "since", "updated", "stale_after",
		"pid", "restarts", "last_exit", "failures", "next_start_ms" };
	int64_t n = 0;
	size_t i;

	if (strcmp(k, "status") == 0) {
		*have |= 1;
		return health_from_name(v, &r->status);
	}
	if (strcmp(k, "phase") == 0) {
		r->has_phase = 1;
		return hfile_phase_from(v, &r->phase);
	}
	if (strncmp(k, "log", 3) == 0 && k[3] >= '1' &&
	    k[3] <= '0' + HFILE_HISTORY && k[4] == '\0')
		return hfile_log_line(r, k[3] - '0', v);
	if (strcmp(k, "probe") == 0) {
		snprintf(r->probe, sizeof(r->probe), "%s", v);
		return 0;
	}
	if (strcmp(k, "ready") == 0) {
		if (strcmp(v, "yes") != 0 && strcmp(v, "no") != 0)
			return -EINVAL;
		r->has_ready = 1;
		r->ready = v[0] == 'y';
		return 0;
	}
	if (strcmp(k, "ready_reason") == 0) {
		snprintf(r->ready_reason, sizeof(r->ready_reason), "%s", v);
		return 0;
	}
	if (strcmp(k, "output") == 0) {
		snprintf(r->output, sizeof(r->output), "%s", v);
		return 0;
	}
	for (i = 0; i < sizeof(nums) / sizeof(nums[0]); i++)
		if (strcmp(k, nums[i]) == 0)
			break;
	if (i == sizeof(nums) / sizeof(nums[0]))
		return 0;
	/* Three keys may be empty: never stale, no exit yet, no restart. */
	if (*v == '\0' && (i == 2 || i == 5 || i == 7))
		return 0;
	if (hfile_num(v, &n) < 0)
		return -EINVAL;
	switch (i) {
	case 0:
		r->since = n;
		break;
	case 1:
		r->updated = n;
		*have |= 2;
		break;
	case 2:
		r->stale_after = n;
		break;
	case 3:
		r->pid = (long)n;
		break;
	case 4:
		r->restarts = (long)n;
		break;
	case 5:
		if (n < 0 || n > 255 + 128)
			return -EINVAL;
		r->has_last_exit = 1;
		r->last_exit = (int)n;
		break;
	case 6:
		r->failures = (long)n;
		break;
	default:
		r->next_start_ms = n;
		break;
	}
	return 0;
}

int
hfile_parse(const char *buf, size_t len, struct hfile_record *r)
{
	char line[1024];
	size_t i = 0;
	int have = 0;

	memset(r, 0, sizeof(*r));
	r->phase = HFILE_RUNNING;
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
		/* A NUL inside a line would hide the rest of it. */
		if (strlen(line) != l || (eq = strchr(line, '=')) == NULL)
			return -EINVAL;
		*eq = '\0';
		if (hfile_line(r, line, eq + 1, &have) < 0)
			return -EINVAL;
	}
	return have == 3 ? 0 : -EINVAL;
}

void
hfile_reason(const struct hfile_record *r, int64_t now_ms, char *buf,
    size_t len)
{
	const char *name = health_name(r->status), *out = r->output;
	char left[32], tail[96];

	switch (r->phase) {
	case HFILE_RESTARTING:
		if (r->next_start_ms > now_ms) {
			parse_duration_fmt((r->next_start_ms - now_ms) *
			    NS_PER_MS, PARSE_DUR_TENTHS, left, sizeof(left));
			snprintf(buf, len, "%s: restarting in %s after exit %d "
			    "(restarts %ld)", name, left, r->last_exit,
			    r->restarts);
		} else
			snprintf(buf, len, "%s: restarting now after exit %d "
			    "(restarts %ld)", name, r->last_exit, r->restarts);
		return;
	case HFILE_CLEANING:
		snprintf(buf, len, "%s: ending leftover processes after exit "
		    "%d (restarts %ld)", name, r->last_exit, r->restarts);
		return;
	case HFILE_EXITED:
		if (r->has_last_exit)
			snprintf(buf, len, "%s: exited after exit %d (restarts "
			    "%ld)", name, r->last_exit, r->restarts);
		else
			snprintf(buf, len, "%s: exited (restarts %ld)", name,
			    r->restarts);
		return;
	case HFILE_WAITING:
		snprintf(buf, len, "%s: waiting to start%s%s", name,
		    *out ? ": " : "", out);
		return;
	case HFILE_DRAINING:
		snprintf(buf, len, "%s: draining before the stop, not ready "
		    "(pid %ld, restarts %ld)", name, r->pid, r->restarts);
		return;
	case HFILE_STOPPING:
		/* Stopped for being unhealthy: why comes first. */
		if (r->status == HEALTH_UNHEALTHY && *out)
			snprintf(buf, len, "%s: %s; stopping the child to restart "
			    "it (pid %ld, restarts %ld)", name, out, r->pid,
			    r->restarts);
		else
			snprintf(buf, len, "%s: stopping the child (pid %ld, "
			    "restarts %ld)", name, r->pid, r->restarts);
		return;
	case HFILE_RUNNING:
		break;
	}
	if (r->failures > 0 && r->status != HEALTH_UNHEALTHY)
		snprintf(tail, sizeof(tail), "pid %ld, restarts %ld", r->pid,
		    r->restarts);
	else if (r->failures > 0)
		snprintf(tail, sizeof(tail), "pid %ld, restarts %ld, failures "
		    "%ld", r->pid, r->restarts, r->failures);
	else
		snprintf(tail, sizeof(tail), "pid %ld, restarts %ld", r->pid,
		    r->restarts);
	if (r->probe[0] == '\0')
		snprintf(buf, len, "%s: child running (%s)", name, tail);
	else if (r->failures > 0 && r->status != HEALTH_UNHEALTHY)
		snprintf(buf, len, "%s; last %ld probe%s failed: %s (%s)", name,
		    r->failures, r->failures == 1 ? "" : "s",
		    *out ? out : "no output", tail);
	else
		snprintf(buf, len, "%s: %s (%s)", name, *out ? out :
		    "no probe output yet", tail);
}

int
hfile_alive(const struct hfile_record *r)
{
	switch (r->phase) {
	case HFILE_WAITING:
	case HFILE_DRAINING:
		return 1;
	case HFILE_RUNNING:
		return r->status != HEALTH_UNHEALTHY;
	case HFILE_CLEANING:
	case HFILE_RESTARTING:
		/* After a crash, on the way to the next start (a clean-up
		 * before the final exit says stopping). */
		return r->status == HEALTH_UNHEALTHY;
	case HFILE_STOPPING:
	case HFILE_EXITED:
		break;
	}
	return 0;
}

int
hfile_default(uid_t uid, int n, char *buf, size_t len)
{
	const char *tmp = getenv("TMPDIR");

	if (tmp == NULL || tmp[0] != '/')
		tmp = "/tmp";
	if (uid == 0)
		return n == 0 ? snprintf(buf, len, "/run/vigil/health") : -1;
	if (n == 0)
		return snprintf(buf, len, "/run/vigil-%u/health",
		    (unsigned)uid);
	if (n == 1)
		return snprintf(buf, len, "%s/vigil-%u/health", tmp,
		    (unsigned)uid);
	if (n == 2 && strcmp(tmp, "/tmp") != 0)
		return snprintf(buf, len, "/tmp/vigil-%u/health",
		    (unsigned)uid);
	return -1;
}

/*
 * Opens one directory component below dfd. A link is followed only when
 * root owns it (say /var/run -> /run); anyone else's is refused.
 */
static int
hfile_step(int dfd, const char *comp, int create, mode_t mode, int *made)
{
	int fd = openat(dfd, comp, O_RDONLY | O_DIRECTORY | O_NOFOLLOW |
	    O_CLOEXEC);
	struct stat st;

	if (fd < 0 && errno == ENOENT && create) {
		if (mkdirat(dfd, comp, mode) < 0 && errno != EEXIST)
			return -errno;
		*made = 1;
		fd = openat(dfd, comp, O_RDONLY | O_DIRECTORY | O_NOFOLLOW |
		    O_CLOEXEC);
	}
	if (fd >= 0)
		return fd;
	if (errno != ELOOP && errno != ENOTDIR)
		return -errno;
	if (fstatat(dfd, comp, &st, AT_SYMLINK_NOFOLLOW) < 0)
		return -errno;
	if (!S_ISLNK(st.st_mode))
		return -ENOTDIR;
	if (st.st_uid != 0)
		return -ELOOP;
	fd = openat(dfd, comp, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	return fd < 0 ? -errno : fd;
}

/*
 * Walks to the directory of an absolute path; returns its fd and points
 * *base at the file's name. With create, missing directories are made
 * (0755, the last one `mode`).
 */
static int
hfile_dir(const char *path, int create, mode_t mode, const char **base)
{
	const char *slash = strrchr(path, '/'), *p = path + 1;
	char comp[NAME_MAX + 1];
	int fd, nfd;

	if (path[0] != '/' || slash == NULL)
		return -EINVAL;
	*base = slash + 1;
	if (**base == '\0' || strlen(*base) > NAME_MAX - 4)
		return -EINVAL;
	if ((fd = open("/", O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0)
		return -errno;
	while (p < slash) {
		const char *e = memchr(p, '/', (size_t)(slash - p));
		size_t l;
		int made = 0;

		if (e == NULL)
			e = slash;
		l = (size_t)(e - p);
		if (l == 0 || (l == 1 && p[0] == '.')) {
			p = e + 1;
			continue;
		}
		if (l > NAME_MAX || (l == 2 && p[0] == '.' && p[1] == '.')) {
			close(fd);
			return l > NAME_MAX ? -ENAMETOOLONG : -EINVAL;
		}
		memcpy(comp, p, l);
		comp[l] = '\0';
		nfd = hfile_step(fd, comp, create, e == slash ? mode : 0755,
		    &made);
		close(fd);
		if (nfd < 0)
			return nfd;
		/* The umask we inherited must not decide who may read. */
		if (made && e == slash)
			fchmod(nfd, mode);
		fd = nfd;
		p = e + 1;
	}
	return fd;
}

/*
 * Others may not write in the directory, unless the sticky bit stops them
 * from renaming over or removing our file (as in /tmp).
 */
static int
hfile_dir_closed(const struct stat *st)
{
	return (st->st_mode & 022) == 0 || (st->st_mode & S_ISVTX) != 0;
}

int
hfile_write(const char *path, const char *data, size_t len)
{
	mode_t mode = geteuid() == 0 ? 0755 : 0700;
	char tmp[NAME_MAX + 1];
	const char *base;
	struct stat st;
	ssize_t w;
	int dfd, fd = -1, rc;

	if ((dfd = hfile_dir(path, 1, mode, &base)) < 0)
		return dfd;
	rc = -EPERM;
	if (fstat(dfd, &st) < 0 || (st.st_uid != geteuid() && st.st_uid != 0) ||
	    !hfile_dir_closed(&st))
		goto out;
	snprintf(tmp, sizeof(tmp), "%s.tmp", base);
	/* A temporary file left by a crash would make O_EXCL fail forever. */
	if (unlinkat(dfd, tmp, 0) < 0 && errno != ENOENT)
		goto fail;
	fd = openat(dfd, tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW |
	    O_CLOEXEC, 0644);
	if (fd < 0 || fchmod(fd, 0644) < 0)
		goto fail;
	do
		w = write(fd, data, len);
	while (w < 0 && errno == EINTR);
	if (w != (ssize_t)len) {
		if (w >= 0)
			errno = ENOSPC;
		goto fail;
	}
	rc = close(fd);
	fd = -1;
	if (rc < 0 || renameat(dfd, tmp, dfd, base) < 0)
		goto fail;
	rc = 0;
	goto out;
fail:
	rc = -errno;
	if (fd >= 0)
		close(fd);
	unlinkat(dfd, tmp, 0);
out:
	close(dfd);
	return rc;
}

int
hfile_remove(const char *path)
{
	const char *base;
	int dfd, rc = 0;

	if ((dfd = hfile_dir(path, 0, 0, &base)) < 0)
		return dfd;
	if (unlinkat(dfd, base, 0) < 0 && errno != ENOENT)
		rc = -errno;
	close(dfd);
	return rc;
}

static int
hfile_trusted(uid_t uid, const uid_t *trusted, int n)
{
	int i;

	for (i = 0; i < n; i++)
		if (trusted[i] == uid)
			return 1;
	return 0;
}

int
hfile_open_trusted(const char *path, const uid_t *trusted, int ntrusted,
    const char **why)
{
	const char *base;
	struct stat st;
	int dfd, fd;

	*why = NULL;
	if ((dfd = hfile_dir(path, 0, 0, &base)) < 0) {
		if (dfd == -ELOOP)
			*why = "a link owned by another user is in the path";
		return dfd;
	}
	if (fstat(dfd, &st) < 0 || !hfile_trusted(st.st_uid, trusted,
	    ntrusted) || !hfile_dir_closed(&st)) {
		close(dfd);
		*why = "its directory is owned or writable by another user";
		return -EPERM;
	}
	fd = openat(dfd, base, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
	close(dfd);
	if (fd < 0) {
		if (errno == ELOOP)
			*why = "it is a link";
		return -errno;
	}
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) ||
	    !hfile_trusted(st.st_uid, trusted, ntrusted) ||
	    (st.st_mode & 022) != 0) {
		close(fd);
		*why = "the file is owned or writable by another user";
		return -EPERM;
	}
	return fd;
}
