/* SPDX-License-Identifier: MIT */
/*
 * `vigil status`: reads the state file of the vigil that supervises this
 * container and prints one line for Docker to keep as the check's output;
 * exits 0 only when the record is fresh and healthy. It trusts the file
 * only as far as the writer's own rules go: no foreign links, owner and
 * mode checked, size bounded, times sane.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "hfile.h"
#include "parse.h"
#include "status.h"
#include "sys.h"

/* How far in the future an update may lie before the clock is doubted. */
#define STATUS_SKEW_S 2
/* Beyond any real clock: refuse, rather than overflow. */
#define STATUS_TIME_MAX (INT64_C(1) << 40)

static int
status_usage(const char *why)
{
	fprintf(stderr, "vigil status: %s\nusage: vigil status [--alive | "
	    "--ready] [--state-file PATH] [--max-age DUR] [--json | -v]\n",
	    why);
	return 2;
}

/* The effective uid of PID 1, whose vigil writes the file we look for. */
static int
status_pid1_uid(uid_t *uid)
{
	char buf[1024], *p, *end;
	unsigned long e;
	ssize_t n;
	int fd;

	if ((fd = open("/proc/1/status", O_RDONLY | O_CLOEXEC)) < 0)
		return -1;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return -1;
	buf[n] = '\0';
	/* "Uid:\treal\teffective\tsaved\tfs": the second one. */
	if ((p = strstr(buf, "\nUid:")) == NULL)
		return -1;
	strtoul(p + 5, &end, 10);
	e = strtoul(end, &p, 10);
	if (p == end)
		return -1;
	*uid = (uid_t)e;
	return 0;
}

static const char *
status_hint(int err)
{
	if (err == ENOENT || err == EROFS || err == EACCES)
		return " (is vigil running? With a read-only root filesystem, "
		       "mount a tmpfs on /run or set --state-file)";
	return "";
}

/*
 * Reads and parses one candidate: 0, -1 missing (said when loud), -2
 * unreadable (said), -3 refused (said when loud; else kept in *refused).
 */
static int
status_read(const char *path, const uid_t *trusted, int nt, int loud,
    struct hfile_record *r, char *refused, size_t rlen)
{
	char buf[HFILE_MAX];
	const char *why;
	ssize_t len;
	int fd;

	if ((fd = hfile_open_trusted(path, trusted, nt, &why)) < 0) {
		if (why != NULL) {
			if (loud)
				printf("refused: %s: %s\n", path, why);
			else if (refused[0] == '\0')
				snprintf(refused, rlen, "refused: %s: %s", path,
				    why);
			return -3;
		}
		if (loud)
			printf("missing: %s: %s%s\n", path, strerror(-fd),
			    status_hint(-fd));
		return -1;
	}
	len = read(fd, buf, sizeof(buf));
	close(fd);
	if (len < 0 || len == (ssize_t)sizeof(buf) ||
	    hfile_parse(buf, (size_t)len, r) < 0 ||
	    r->updated < 0 || r->updated > STATUS_TIME_MAX ||
	    r->stale_after < 0 || r->stale_after > STATUS_TIME_MAX) {
		printf("unreadable: %s is not a vigil state file\n", path);
		return -2;
	}
	return 0;
}

/* Which question: Docker's (healthy and ready), liveness, readiness. */
enum status_level {
	STATUS_HEALTHY,
	STATUS_ALIVE,			/* --alive: leave it running */
	STATUS_READY,			/* --ready: send it traffic */
};

/* How much to print: the one line, a table after it, or JSON. */
enum status_mode {
	STATUS_LINE,
	STATUS_TABLE,
	STATUS_JSON,
};

/* s as a JSON string; the file's values are escaped to printable bytes. */
static void
status_json_str(const char *s)
{
	putchar('"');
	for (; *s != '\0'; s++)
		if (*s == '"' || *s == '\\')
			printf("\\%c", *s);
		else if ((unsigned char)*s < 0x20)
			printf("\\u%04x", (unsigned char)*s);
		else
			putchar(*s);
	putchar('"');
}

static void
status_json(const struct hfile_record *r, const char *line, int ok)
{
	int i;

	printf("{\"ok\":%s,\"summary\":", ok ? "true" : "false");
	status_json_str(line);
	printf(",\"status\":\"%s\",\"phase\":\"%s\",\"since\":%lld,"
	    "\"updated\":%lld,\"pid\":%ld,\"restarts\":%ld,\"last_exit\":",
	    health_name(r->status), r->has_phase ?
	    hfile_phase_name(r->phase) : "running", (long long)r->since,
	    (long long)r->updated, r->pid, r->restarts);
	if (r->has_last_exit)
		printf("%d", r->last_exit);
	else
		printf("null");
	printf(",\"ready\":%s,\"ready_reason\":", r->has_ready ? r->ready ?
	    "true" : "false" : "null");
	status_json_str(r->ready ? "" : r->ready_reason);
	printf(",\"failures\":%ld,\"probe\":", r->failures);
	status_json_str(r->probe);
	printf(",\"output\":");
	status_json_str(r->output);
	printf(",\"log\":[");
	for (i = 0; i < r->nlog; i++) {
		const struct hfile_round *h = &r->log[i];

		printf("%s{\"start_ms\":%lld,\"duration_ms\":%lld,"
		    "\"result\":\"%s\",\"exit_code\":", i ? "," : "",
		    (long long)h->start_ms, (long long)h->dur_ms,
		    hfile_result_name(h->result));
		if (h->code >= 0)
			printf("%d", h->code);
		else
			printf("null");
		printf(",\"output\":");
		status_json_str(h->output);
		putchar('}');
	}
	printf("]}\n");
}

static void
status_table(const struct hfile_record *r, int64_t now_ms)
{
	int i;

	printf("  status    %s (since %llds ago)\n  phase     %s\n"
	    "  pid       %ld\n  restarts  %ld\n", health_name(r->status),
	    (long long)(now_ms / 1000 - r->since), r->has_phase ?
	    hfile_phase_name(r->phase) : "running", r->pid, r->restarts);
	if (r->has_last_exit)
		printf("  last exit %d\n", r->last_exit);
	printf("  failures  %ld\n", r->failures);
	if (r->has_ready)
		printf("  ready     %s%s%s\n", r->ready ? "yes" : "no",
		    r->ready ? "" : ": ", r->ready ? "" : r->ready_reason);
	if (r->probe[0] != '\0')
		printf("  probe     %s\n", r->probe);
	if (r->nlog == 0)
		return;
	printf("  %-8s %9s %-8s %4s  %s\n", "AGO", "DURATION", "RESULT",
	    "CODE", "OUTPUT");
	for (i = 0; i < r->nlog; i++) {
		const struct hfile_round *h = &r->log[i];
		char code[16] = "-";

		if (h->code >= 0)
			snprintf(code, sizeof(code), "%d", h->code);
		printf("  %6llds %7lldms %-8s %4s  %s\n",
		    (long long)((now_ms - h->start_ms) / 1000),
		    (long long)h->dur_ms, hfile_result_name(h->result), code,
		    h->output);
	}
}

/* The answer to the question asked, as one line; 0 when it is yes. */
static int
status_answer(const struct hfile_record *r, enum status_level level,
    const char *reason, char *line, size_t len)
{
	/* Files of older writers know no readiness: ready is healthy. */
	int ready = r->has_ready ? r->ready : r->status == HEALTH_HEALTHY;
	int healthy = r->status == HEALTH_HEALTHY && (!r->has_phase ||
	    r->phase == HFILE_RUNNING);
	const char *why = r->ready_reason[0] ? r->ready_reason : "no reason";
	int ok;

	switch (level) {
	case STATUS_ALIVE:
		ok = r->has_phase ? hfile_alive(r) : r->status !=
		    HEALTH_UNHEALTHY && r->status != HEALTH_STOPPING;
		snprintf(line, len, "%s: %s", ok ? "alive" : "not alive",
		    reason);
		return !ok;
	case STATUS_READY:
		if (ready)
			snprintf(line, len, "ready: %s", reason);
		else
			snprintf(line, len, "not ready: %s; %s", why, reason);
		return !ready;
	case STATUS_HEALTHY:
		break;
	}
	if (healthy && !ready)
		snprintf(line, len, "not ready: %s; %s", why, reason);
	else
		snprintf(line, len, "%s", reason);
	return healthy && ready ? 0 : 1;
}

/* The verdict, printed as asked; 0 when the answer is yes. */
static int
status_judge(const struct hfile_record *r, int64_t max_age_ns,
    enum status_level level, enum status_mode mode)
{
	int64_t now_ms = sys_wall_ms(), now = now_ms / 1000;
	int64_t age = now - r->updated;
	char line[2048], reason[1024];
	int rc = 1;

	if (age < -STATUS_SKEW_S)
		snprintf(line, sizeof(line), "stale: last update %llds in the "
		    "future, was %s", (long long)-age, health_name(r->status));
	else if (r->stale_after > 0 && now > r->stale_after)
		snprintf(line, sizeof(line), "stale: last update %llds ago, "
		    "was %s", (long long)age, health_name(r->status));
	else if (max_age_ns > 0 && age > max_age_ns / NS_PER_S)
		snprintf(line, sizeof(line), "stale: last update %llds ago "
		    "(max-age exceeded), was %s", (long long)age,
		    health_name(r->status));
	else {
		hfile_reason(r, now_ms, reason, sizeof(reason));
		rc = status_answer(r, level, reason, line, sizeof(line));
	}
	if (mode == STATUS_JSON) {
		status_json(r, line, rc == 0);
		return rc;
	}
	printf("%s\n", line);
	if (mode == STATUS_TABLE)
		status_table(r, now_ms);
	return rc;
}

int
status_main(int argc, char **argv, char **envp)
{
	struct hfile_record r;
	char path[HFILE_PATH_MAX] = "", refused[HFILE_PATH_MAX + 80] = "";
	int64_t max_age_ns = 0;
	uid_t trusted[3];
	enum status_mode mode = STATUS_LINE;
	enum status_level level = STATUS_HEALTHY;
	int i, nt = 0, given = 0, rc;

	for (; envp != NULL && *envp != NULL; envp++)
		if (strncmp(*envp, "VIGIL_STATE_FILE=", 17) == 0 &&
		    (*envp)[17] != '\0') {
			snprintf(path, sizeof(path), "%s", *envp + 17);
			given = 1;
		}
	for (i = 1; i < argc; i++) {
		const char *a = argv[i], *v = NULL;

		if (strcmp(a, "--alive") == 0 || strcmp(a, "--ready") == 0) {
			if (level != STATUS_HEALTHY)
				return status_usage("--alive and --ready "
				    "exclude each other");
			level = a[2] == 'a' ? STATUS_ALIVE : STATUS_READY;
			continue;
		}
		if (strcmp(a, "--json") == 0) {
			mode = STATUS_JSON;
			continue;
		}
		if (strcmp(a, "-v") == 0 || strcmp(a, "--verbose") == 0) {
			mode = STATUS_TABLE;
			continue;
		}
		if ((rc = parse_subopt(argc, argv, &i, "--state-file", &v)) == 0)
			rc = parse_subopt(argc, argv, &i, "--max-age", &v);
		if (rc <= 0)
			return status_usage("unknown or incomplete argument");
		if (strncmp(a, "--state-file", 12) == 0) {
			if (*v == '\0')
				return status_usage("--state-file: empty path");
			if (snprintf(path, sizeof(path), "%s", v) >=
			    (int)sizeof(path))
				return status_usage("--state-file: too long");
			given = 1;
		} else if (parse_duration(v, &max_age_ns) < 0)
			return status_usage("--max-age: bad duration");
	}
	if (given && path[0] != '/')
		return status_usage("--state-file: not an absolute path");
	trusted[nt++] = 0;
	if (geteuid() != 0)
		trusted[nt++] = geteuid();
	if (status_pid1_uid(&trusted[nt]) == 0 && trusted[nt] != 0 &&
	    trusted[nt] != geteuid())
		nt++;
	if (given)
		return status_read(path, trusted, nt, 1, &r, refused,
		    sizeof(refused)) < 0 ? 1 : status_judge(&r, max_age_ns, level, mode);
	/*
	 * Where our own vigil would write, then where PID 1's would (as
	 * `docker exec -u 0` in a container whose USER is not root).
	 */
	for (i = 0; i < nt; i++) {
		uid_t uid = i == 0 ? geteuid() : trusted[i];
		int n;

		if (i > 0 && uid == geteuid())
			continue;
		for (n = 0; hfile_default(uid, n, path, sizeof(path)) > 0; n++)
			if ((rc = status_read(path, trusted, nt, 0, &r,
			    refused, sizeof(refused))) == 0)
				return status_judge(&r, max_age_ns, level, mode);
			else if (rc == -2)
				return 1;
	}
	/* A refusal says more than the first place being empty. */
	if (refused[0] != '\0') {
		printf("%s\n", refused);
		return 1;
	}
	hfile_default(geteuid(), 0, path, sizeof(path));
	status_read(path, trusted, nt, 1, &r, refused, sizeof(refused));
	return 1;
}
