/* SPDX-License-Identifier: MIT */
/*
 * Writing and reading the state file. The directory is root's and 0755 (or
 * the user's own and 0700 under /tmp), so a workload running as another
 * user can read the file but neither write it nor swap in a link.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "health.h"
#include "hfile.h"
#include "parse.h"
#include "sys.h"

void
hfile_default(char *buf, size_t len)
{
	uid_t uid = geteuid();

	if (uid == 0)
		snprintf(buf, len, "/run/vigil/health");
	else
		snprintf(buf, len, "/tmp/vigil-%u/health", (unsigned)uid);
}

/*
 * Creates the directories leading to path. Only the last one gets `mode`.
 * An existing directory must be ours (or root's) and closed to others, or
 * another user could swap the file for a forged one.
 */
static int
hfile_mkdirs(const char *path, mode_t mode)
{
	char dir[1024], *slash;
	struct stat st;
	size_t i;

	if (snprintf(dir, sizeof(dir), "%s", path) >= (int)sizeof(dir))
		return -ENAMETOOLONG;
	if ((slash = strrchr(dir, '/')) == NULL || slash == dir)
		return 0;
	*slash = '\0';
	for (i = 1; dir[i] != '\0'; i++) {
		if (dir[i] != '/')
			continue;
		dir[i] = '\0';
		if (mkdir(dir, 0755) < 0 && errno != EEXIST)
			return -errno;
		dir[i] = '/';
	}
	if (mkdir(dir, mode) < 0 && errno != EEXIST)
		return -errno;
	if (lstat(dir, &st) < 0)
		return -errno;
	if (!S_ISDIR(st.st_mode))
		return -ENOTDIR;
	/*
	 * Others may not write here, unless the sticky bit stops them from
	 * renaming over or removing our file (as in /tmp).
	 */
	if ((st.st_uid != geteuid() && st.st_uid != 0) ||
	    ((st.st_mode & 022) != 0 && (st.st_mode & S_ISVTX) == 0))
		return -EPERM;
	return 0;
}

int
hfile_write(const char *path, const char *data, size_t len)
{
	char tmp[1040];
	mode_t mode = geteuid() == 0 ? 0755 : 0700;
	ssize_t w;
	int fd, rc;

	if ((rc = hfile_mkdirs(path, mode)) < 0)
		return rc;
	if (snprintf(tmp, sizeof(tmp), "%s.tmp", path) >= (int)sizeof(tmp))
		return -ENAMETOOLONG;
	/* A temporary file left by a crash would make O_EXCL fail forever. */
	if (unlink(tmp) < 0 && errno != ENOENT)
		return -errno;
	fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
	    0644);
	if (fd < 0)
		return -errno;
	/* The umask we inherited must not decide who may read health. */
	if (fchmod(fd, 0644) < 0)
		goto fail;
	do
		w = write(fd, data, len);
	while (w < 0 && errno == EINTR);
	if (w != (ssize_t)len) {
		if (w >= 0)
			errno = ENOSPC;
		goto fail;
	}
	if (close(fd) < 0) {
		fd = -1;
		goto fail;
	}
	if (rename(tmp, path) < 0) {
		rc = -errno;
		unlink(tmp);
		return rc;
	}
	return 0;
fail:
	rc = -errno;
	if (fd >= 0)
		close(fd);
	unlink(tmp);
	return rc;
}

static int
status_usage(const char *why)
{
	fprintf(stderr, "vigil status: %s\nusage: vigil status [--state-file "
	    "PATH] [--max-age DUR]\n", why);
	return 2;
}

static int
status_read(const char *path, struct health_record *r)
{
	char buf[HEALTH_FILE_MAX];
	ssize_t len;
	int fd;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0) {
		printf("missing: %s: %s\n", path, strerror(errno));
		return -1;
	}
	len = read(fd, buf, sizeof(buf));
	close(fd);
	if (len < 0 || len == (ssize_t)sizeof(buf) ||
	    health_parse(buf, (size_t)len, r) < 0) {
		printf("unreadable: %s is not a vigil state file\n", path);
		return -1;
	}
	return 0;
}

/* One line for Docker to keep as the check's output; 0 when healthy. */
static int
status_judge(const struct health_record *r, int64_t max_age_ns)
{
	int64_t now = sys_wall_s(), age = now - r->updated;
	const char *what = r->output[0] != '\0' ? r->output : "no probe output";

	if (r->probe[0] == '\0')
		what = r->pid > 0 ? "child running" : "no child running";
	if (r->stale_after > 0 && now > r->stale_after) {
		printf("stale: last update %llds ago, was %s\n",
		    (long long)age, health_name(r->status));
		return 1;
	}
	if (max_age_ns > 0 && age * NS_PER_S > max_age_ns) {
		printf("stale: last update %llds ago (max-age exceeded), was "
		    "%s\n", (long long)age, health_name(r->status));
		return 1;
	}
	printf("%s: %s (pid %ld, restarts %ld", health_name(r->status), what,
	    r->pid, r->restarts);
	if (r->failures > 0)
		printf(", failures %ld", r->failures);
	printf(")\n");
	return r->status == HEALTH_HEALTHY ? 0 : 1;
}

int
hfile_status_main(int argc, char **argv, char **envp)
{
	struct health_record r;
	char path[1024] = "";
	int64_t max_age_ns = 0;
	int i;

	for (; envp != NULL && *envp != NULL; envp++)
		if (strncmp(*envp, "VIGIL_STATE_FILE=", 17) == 0)
			snprintf(path, sizeof(path), "%s", *envp + 17);
	for (i = 1; i < argc; i++) {
		const char *a = argv[i], *v = NULL;

		if (strncmp(a, "--state-file=", 13) == 0)
			v = a + 13;
		else if (strncmp(a, "--max-age=", 10) == 0)
			v = a + 10;
		else if ((strcmp(a, "--state-file") == 0 ||
		    strcmp(a, "--max-age") == 0) && i + 1 < argc)
			v = argv[++i];
		else
			return status_usage("unknown or incomplete argument");
		if (strncmp(a, "--state-file", 12) == 0)
			snprintf(path, sizeof(path), "%s", v);
		else if (parse_duration(v, &max_age_ns) < 0)
			return status_usage("--max-age: bad duration");
	}
	if (path[0] == '\0')
		hfile_default(path, sizeof(path));
	if (status_read(path, &r) < 0)
		return 1;
	return status_judge(&r, max_age_ns);
}
