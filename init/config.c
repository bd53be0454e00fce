/* SPDX-License-Identifier: MIT */
/*
 * Flags and VIGIL_* variables into struct config. One table names every
 * option once: its long and short flag and, derived from the long name, its
 * variable. Flags are applied first and remembered, so a variable only fills
 * what no flag set. Parsing stops at "--" or at the first word that is not
 * an option, like tini and dumb-init with a leading '+' in getopt.
 */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "config.h"
#include "log.h"

enum opt_id {
	O_SUBREAPER, O_PDEATHSIG, O_GROUP, O_REMAP_EXIT, O_REWRITE,
	O_SINGLE_CHILD, O_VERBOSE, O_QUIET, O_VERBOSITY, O_WARN_REAP,
	O_LICENSE, O_HELP, O_VERSION, O_LOG_FORMAT, O_GRACE, O_STOP_SEQUENCE,
	O_STOP_SIGNAL, O_ORPHAN_GRACE, O_RESTART, O_MAX_RESTARTS,
	O_BACKOFF_INITIAL, O_BACKOFF_MAX, O_BACKOFF_RESET, O_ON_UNHEALTHY,
	O_PROBE, O_PROBE_INTERVAL, O_PROBE_TIMEOUT, O_PROBE_START_PERIOD,
	O_PROBE_START_INTERVAL, O_PROBE_RETRIES, O_PROBE_SUCCESSES, O_WAIT,
	O_WAIT_TIMEOUT, O_STATE_FILE, O_USER, O_CAPS, O_NO_NEW_PRIVS,
	O_SECCOMP, O_SECCOMP_DENY, O_PROBE_USER, O_PROBE_FILE, O_READY_PROBE,
	O_STOP_DELAY, O_STOP_BUDGET, O_METRICS, O_NOTIFY, O_WATCHDOG, O_COUNT
};
_Static_assert(O_COUNT <= 64, "config.env_overridden has a bit per option");

/* env: 0 no variable, 1 a single value, 2 a list (see env_sep). */
static const struct opt {
	const char *name;
	char shortc;
	char arg;
	char env;
} opts[O_COUNT] = {
	[O_SUBREAPER] = { "subreaper", 's', 0, 1 },
	[O_PDEATHSIG] = { "pdeathsig", 'p', 1, 1 },
	[O_GROUP] = { "group", 'g', 0, 1 },
	[O_REMAP_EXIT] = { "remap-exit", 'e', 1, 2 },
	[O_REWRITE] = { "rewrite", 'r', 1, 2 },
	[O_SINGLE_CHILD] = { "single-child", 'c', 0, 1 },
	[O_VERBOSE] = { "verbose", 'v', 0, 0 },
	[O_QUIET] = { "quiet", 'q', 0, 0 },
	[O_VERBOSITY] = { "verbosity", 0, 1, 1 },
	[O_WARN_REAP] = { "warn-reap", 'w', 0, 1 },
	[O_LICENSE] = { "license", 'l', 0, 0 },
	[O_HELP] = { "help", 'h', 0, 0 },
	[O_VERSION] = { "version", 'V', 0, 0 },
	[O_LOG_FORMAT] = { "log-format", 0, 1, 1 },
	[O_GRACE] = { "grace", 0, 1, 1 },
	[O_STOP_SEQUENCE] = { "stop-sequence", 0, 1, 1 },
	[O_STOP_SIGNAL] = { "stop-signal", 0, 1, 1 },
	[O_ORPHAN_GRACE] = { "orphan-grace", 0, 1, 1 },
	[O_RESTART] = { "restart", 0, 1, 1 },
	[O_MAX_RESTARTS] = { "max-restarts", 0, 1, 1 },
	[O_BACKOFF_INITIAL] = { "backoff-initial", 0, 1, 1 },
	[O_BACKOFF_MAX] = { "backoff-max", 0, 1, 1 },
	[O_BACKOFF_RESET] = { "backoff-reset", 0, 1, 1 },
	[O_ON_UNHEALTHY] = { "on-unhealthy", 0, 1, 1 },
	[O_PROBE] = { "probe", 0, 1, 2 },
	[O_PROBE_FILE] = { "probe-file", 0, 1, 1 },
	[O_READY_PROBE] = { "ready-probe", 0, 1, 2 },
	[O_STOP_DELAY] = { "stop-delay", 0, 1, 1 },
	[O_STOP_BUDGET] = { "stop-budget", 0, 1, 1 },
	[O_PROBE_INTERVAL] = { "probe-interval", 0, 1, 1 },
	[O_PROBE_TIMEOUT] = { "probe-timeout", 0, 1, 1 },
	[O_PROBE_START_PERIOD] = { "probe-start-period", 0, 1, 1 },
	[O_PROBE_START_INTERVAL] = { "probe-start-interval", 0, 1, 1 },
	[O_PROBE_RETRIES] = { "probe-retries", 0, 1, 1 },
	[O_PROBE_SUCCESSES] = { "probe-successes", 0, 1, 1 },
	[O_WAIT] = { "wait", 0, 1, 2 },
	[O_WAIT_TIMEOUT] = { "wait-timeout", 0, 1, 1 },
	[O_STATE_FILE] = { "state-file", 0, 1, 1 },
	[O_USER] = { "user", 0, 1, 1 },
	[O_CAPS] = { "caps", 0, 1, 1 },
	[O_NO_NEW_PRIVS] = { "no-new-privs", 0, 0, 1 },
	[O_SECCOMP] = { "seccomp", 0, 1, 1 },
	[O_SECCOMP_DENY] = { "seccomp-deny", 0, 1, 1 },
	[O_PROBE_USER] = { "probe-user", 0, 1, 1 },
	[O_METRICS] = { "metrics", 0, 1, 1 },
	[O_NOTIFY] = { "notify", 0, 0, 1 },
	[O_WATCHDOG] = { "watchdog", 0, 1, 1 },
};

/* Where a value came from, for error messages. */
struct src {
	char name[48];			/* "--grace" or "VIGIL_GRACE" */
	char *err;
	size_t errlen;
};

static int
cfg_fail(struct src *s, const char *fmt, ...)
{
	char why[256], line[320];
	size_t len = 0;
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(why, sizeof(why), fmt, ap);
	va_end(ap);
	if (s->name[0] == '\0')
		snprintf(line, sizeof(line), "%s", why);
	else
		snprintf(line, sizeof(line), "%s: %s", s->name, why);
	/* Values are quoted in it: a newline or ESC must not forge a line. */
	log_escape(s->err, &len, s->errlen, line, 0);
	return -EINVAL;
}

static int
cfg_duration(struct src *s, const char *v, int64_t *out)
{
	if (parse_duration(v, out) < 0)
		return cfg_fail(s, "bad duration '%s' (use e.g. 250ms, 10s, "
		    "2m, 1m30s)", v);
	return 0;
}

static int
cfg_positive(struct src *s, const char *v, int64_t *out)
{
	int64_t ns;

	if (cfg_duration(s, v, &ns) < 0)
		return -EINVAL;
	if (ns == 0)
		return cfg_fail(s, "must be longer than 0");
	*out = ns;
	return 0;
}

static int
cfg_signal(struct src *s, const char *v, int *out)
{
	if (parse_signal(v, out) < 0)
		return cfg_fail(s, "unknown signal '%s'", v);
	return 0;
}

static int
cfg_flag(struct src *s, const char *v, int *out)
{
	if (v == NULL) {
		*out = 1;
		return 0;
	}
	if (parse_bool(v, out) < 0)
		return cfg_fail(s, "expected 1/0, true/false, yes/no, not '%s'",
		    v);
	return 0;
}

static int
cfg_probe(struct src *s, const char *v, struct probe_spec *list, int *n)
{
	char why[200];

	if (*n == CFG_PROBES_MAX)
		return cfg_fail(s, "at most %d specs", CFG_PROBES_MAX);
	if (probe_parse(&list[*n], v, why, sizeof(why)) < 0)
		return cfg_fail(s, "bad spec '%s': %s", v, why);
	(*n)++;
	return 0;
}

/*
 * --probe-file: specs one a line (blank lines and '#' comments skipped),
 * so that a password need be neither on the command line nor in the
 * environment. Bounded, and a NUL byte is refused: it would hide the rest.
 */
static int
cfg_probe_file(struct config *c, struct src *s, const char *path)
{
	char buf[8192], *line, *next;
	ssize_t n;
	int fd, rc = 0;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK)) < 0)
		return cfg_fail(s, "%s: %s", path, strerror(errno));
	n = read(fd, buf, sizeof(buf));
	if (n == (ssize_t)sizeof(buf))
		rc = cfg_fail(s, "%s: larger than %zu bytes", path,
		    sizeof(buf) - 1);
	else if (n < 0)
		rc = cfg_fail(s, "%s: %s", path, strerror(errno));
	else if (memchr(buf, '\0', (size_t)n) != NULL)
		rc = cfg_fail(s, "%s: NUL byte", path);
	close(fd);
	if (rc < 0)
		return rc;
	buf[n] = '\0';
	for (line = buf; line != NULL; line = next) {
		char *end;

		if ((next = strchr(line, '\n')) != NULL)
			*next++ = '\0';
		while (isspace((unsigned char)*line))
			line++;
		end = line + strlen(line);
		while (end > line && isspace((unsigned char)end[-1]))
			*--end = '\0';
		if (*line == '\0' || *line == '#')
			continue;
		if (cfg_probe(s, line, c->probes, &c->nprobes) < 0)
			return -EINVAL;
	}
	return 0;
}

static int
cfg_priv(struct src *s, int rc, const char *why)
{
	return rc < 0 ? cfg_fail(s, "%s", why) : 0;
}

/* Applies one value (NULL for a flag without argument). */
static int
cfg_apply(struct config *c, int id, const char *v, struct src *s)
{
	char why[256];
	long n;
	int a, b;

	why[0] = '\0';
	switch (id) {
	case O_SUBREAPER:
		return cfg_flag(s, v, &c->subreaper);
	case O_PDEATHSIG:
		return cfg_signal(s, v, &c->pdeathsig);
	case O_GROUP:
		return cfg_flag(s, v, &c->group);
	case O_SINGLE_CHILD:
		/* The child alone, in vigil's session (dumb-init's -c). */
		if (cfg_flag(s, v, &a) < 0)
			return -EINVAL;
		if (a) {
			c->setsid = 0;
			c->group = 0;
		}
		return 0;
	case O_WARN_REAP:
		return cfg_flag(s, v, &c->warn_reap);
	case O_NO_NEW_PRIVS:
		return cfg_flag(s, v, &c->priv.no_new_privs);
	case O_REMAP_EXIT:
		if (parse_int(v, 0, 255, &n) < 0)
			return cfg_fail(s, "exit code must be 0-255, not '%s'",
			    v);
		c->remap[n / 8] |= (uint8_t)(1u << (n % 8));
		return 0;
	case O_REWRITE:
		if (parse_rewrite(v, &a, &b) < 0)
			return cfg_fail(s, "bad rewrite '%s' (use SIG:SIG, e.g. "
			    "TERM:QUIT or 15:3; SIG:0 drops)", v);
		c->rewrite[a] = b;
		c->rewritten |= UINT64_C(1) << (a - 1);
		return 0;
	case O_VERBOSITY:
		if (parse_int(v, 0, 3, &n) < 0)
			return cfg_fail(s, "must be 0-3, not '%s'", v);
		c->verbosity = (int)n;
		return 0;
	case O_LOG_FORMAT:
		if (strcmp(v, "logfmt") == 0)
			c->log_json = 0;
		else if (strcmp(v, "json") == 0)
			c->log_json = 1;
		else
			return cfg_fail(s, "must be logfmt or json, not '%s'",
			    v);
		return 0;
	case O_GRACE:
		return cfg_duration(s, v, &c->grace_ns);
	case O_STOP_SEQUENCE:
		if (parse_stop_sequence(v, c->ladder, &c->nladder) < 0)
			return cfg_fail(s, "bad stop sequence '%s' (use SIG:DUR,"
			    "..., e.g. TERM:50s,QUIT:8s; at most %d steps)",
			    v, PARSE_STEPS_MAX);
		return 0;
	case O_STOP_SIGNAL:
		return cfg_signal(s, v, &c->stop_signal);
	case O_ORPHAN_GRACE:
		return cfg_duration(s, v, &c->orphan_grace_ns);
	case O_RESTART:
		if (strcmp(v, "no") == 0)
			c->restart = CFG_RESTART_NO;
		else if (strcmp(v, "on-failure") == 0)
			c->restart = CFG_RESTART_ON_FAILURE;
		else if (strcmp(v, "always") == 0)
			c->restart = CFG_RESTART_ALWAYS;
		else
			return cfg_fail(s, "must be no, on-failure or always, "
			    "not '%s'", v);
		return 0;
	case O_MAX_RESTARTS:
		if (parse_int(v, 0, 1000000000, &c->max_restarts) < 0)
			return cfg_fail(s, "must be a whole number, not '%s'",
			    v);
		return 0;
	case O_BACKOFF_INITIAL:
		return cfg_duration(s, v, &c->backoff_initial_ns);
	case O_BACKOFF_MAX:
		return cfg_duration(s, v, &c->backoff_max_ns);
	case O_BACKOFF_RESET:
		return cfg_duration(s, v, &c->backoff_reset_ns);
	case O_ON_UNHEALTHY:
		if (strcmp(v, "none") == 0)
			c->on_unhealthy = CFG_UNHEALTHY_NONE;
		else if (strcmp(v, "restart") == 0)
			c->on_unhealthy = CFG_UNHEALTHY_RESTART;
		else if (strcmp(v, "exit") == 0)
			c->on_unhealthy = CFG_UNHEALTHY_EXIT;
		else
			return cfg_fail(s, "must be none, restart or exit, "
			    "not '%s'", v);
		return 0;
	case O_PROBE_FILE:
		return cfg_probe_file(c, s, v);
	case O_NOTIFY:
		return cfg_flag(s, v, &c->notify);
	case O_WATCHDOG:
		return cfg_positive(s, v, &c->watchdog_ns);
	case O_PROBE:
		return cfg_probe(s, v, c->probes, &c->nprobes);
	case O_READY_PROBE:
		return cfg_probe(s, v, c->readies, &c->nreadies);
	case O_STOP_DELAY:
		return cfg_duration(s, v, &c->stop_delay_ns);
	case O_STOP_BUDGET:
		return cfg_duration(s, v, &c->stop_budget_ns);
	case O_WAIT:
		return cfg_probe(s, v, c->waits, &c->nwaits);
	case O_PROBE_INTERVAL:
		return cfg_positive(s, v, &c->probe_interval_ns);
	case O_PROBE_TIMEOUT:
		return cfg_positive(s, v, &c->probe_timeout_ns);
	case O_PROBE_START_PERIOD:
		return cfg_duration(s, v, &c->probe_start_period_ns);
	case O_PROBE_START_INTERVAL:
		return cfg_positive(s, v, &c->probe_start_interval_ns);
	case O_WAIT_TIMEOUT:
		return cfg_duration(s, v, &c->wait_timeout_ns);
	case O_PROBE_RETRIES:
		if (parse_int(v, 1, 1000000, &c->probe_retries) < 0)
			return cfg_fail(s, "must be 1 or more, not '%s'", v);
		return 0;
	case O_PROBE_SUCCESSES:
		if (parse_int(v, 1, 1000000, &c->probe_successes) < 0)
			return cfg_fail(s, "must be 1 or more, not '%s'", v);
		return 0;
	case O_STATE_FILE:
		if (*v != '/' || strlen(v) + 8 >= sizeof(c->state_file))
			return cfg_fail(s, "must be an absolute path shorter "
			    "than %zu bytes", sizeof(c->state_file) - 8);
		snprintf(c->state_file, sizeof(c->state_file), "%s", v);
		return 0;
	case O_USER:
		return cfg_priv(s, priv_parse_user(&c->priv, v, why,
		    sizeof(why)), why);
	case O_CAPS:
		return cfg_priv(s, priv_parse_caps(&c->priv, v, why,
		    sizeof(why)), why);
	case O_SECCOMP:
		return cfg_priv(s, priv_parse_seccomp(&c->priv, v, why,
		    sizeof(why)), why);
	case O_SECCOMP_DENY:
		return cfg_priv(s, priv_parse_deny(&c->priv, v, why,
		    sizeof(why)), why);
	case O_PROBE_USER:
		return cfg_priv(s, priv_parse_probe_user(&c->probe_sandbox, v,
		    why, sizeof(why)), why);
	case O_METRICS:
		return cfg_priv(s, parse_listen_addr(v, &c->metrics_ip,
		    &c->metrics_port, why, sizeof(why)), why);
	}
	return cfg_fail(s, "unhandled option");
}

/*
 * The struct arrives zeroed (static storage in main), so only non-zero
 * defaults are set: clearing 35 KB here would make it all resident.
 */
static void
cfg_defaults(struct config *c)
{
	int i;

	c->action = CFG_RUN;
	c->usage_exit = 2;
	c->auto_subreaper = 1;
	c->cont_after_signal = 1;
	c->verbosity = LOGL_INFO;
	for (i = 0; i <= PARSE_SIGMAX; i++)
		c->rewrite[i] = i;
	c->grace_ns = -1;
	c->stop_signal = SIGTERM;
	c->orphan_grace_ns = 2 * NS_PER_S;
	c->restart = CFG_RESTART_NO;
	c->max_restarts = -1;
	c->backoff_initial_ns = NS_PER_S;
	c->backoff_max_ns = 60 * NS_PER_S;
	c->backoff_reset_ns = 60 * NS_PER_S;
	c->probe_interval_ns = 10 * NS_PER_S;
	c->probe_timeout_ns = 5 * NS_PER_S;
	c->probe_start_interval_ns = NS_PER_S;
	c->probe_retries = 3;
	c->probe_successes = 1;
	c->wait_timeout_ns = 60 * NS_PER_S;
}

static const char *env_get(char **envp, const char *name);

/*
 * Run as tini (or Docker's docker-init, a tini) or as dumb-init, vigil
 * takes that peer's defaults: quiet unless asked, bad usage exits 1, the
 * leftovers are not waited for; tini's subreaper only on request and the
 * child's inherited signal state kept; dumb-init's session for the child,
 * its group signalled, job-control signals that stop vigil too.
 */
static void
cfg_persona(struct config *c, const char *argv0)
{
	const char *base = argv0 != NULL ? strrchr(argv0, '/') : NULL;

	base = base != NULL ? base + 1 : argv0 != NULL ? argv0 : "";
	if (strcmp(base, "tini") == 0 || strcmp(base, "docker-init") == 0)
		c->persona = CFG_PERSONA_TINI;
	else if (strcmp(base, "dumb-init") == 0)
		c->persona = CFG_PERSONA_DUMB_INIT;
	else
		return;
	c->usage_exit = 1;
	c->verbosity = LOGL_WARN;
	c->orphan_grace_ns = 0;
	c->cont_after_signal = 0;
	if (c->persona == CFG_PERSONA_TINI) {
		c->auto_subreaper = 0;
		c->keep_signals = 1;
		return;
	}
	c->setsid = 1;
	c->group = 1;
	c->stop_self = 1;
	c->chdir_root = 1;
	c->exec_fail_code = 2;
}

/*
 * dumb-init's rewrites in setsid mode: a session of its own is an orphaned
 * process group, where the default stop signals are ignored, so TSTP,
 * TTIN and TTOU become STOP (unless -r said otherwise).
 */
static void
cfg_dumb_rewrites(struct config *c)
{
	static const int jobs[] = { SIGTSTP, SIGTTIN, SIGTTOU };
	size_t i;

	if (c->persona != CFG_PERSONA_DUMB_INIT || !c->setsid)
		return;
	for (i = 0; i < sizeof(jobs) / sizeof(jobs[0]); i++)
		if (!(c->rewritten & UINT64_C(1) << (jobs[i] - 1)))
			c->rewrite[jobs[i]] = SIGSTOP;
}

/* dumb-init's variables, as dumb-init reads them. */
static void
cfg_dumb_env(struct config *c, char **envp, const uint8_t *seen)
{
	const char *v;

	if (c->persona != CFG_PERSONA_DUMB_INIT)
		return;
	v = env_get(envp, "DUMB_INIT_SETSID");
	if (!seen[O_SINGLE_CHILD] && v != NULL && strcmp(v, "0") == 0) {
		c->setsid = 0;
		if (!seen[O_GROUP])
			c->group = 0;
	}
	v = env_get(envp, "DUMB_INIT_DEBUG");
	if (!seen[O_VERBOSITY] && v != NULL && strcmp(v, "1") == 0)
		c->verbosity = LOGL_DEBUG;
}

static const char *
env_get(char **envp, const char *name)
{
	size_t len = strlen(name);

	for (; envp != NULL && *envp != NULL; envp++)
		if (strncmp(*envp, name, len) == 0 && (*envp)[len] == '=')
			return *envp + len + 1;
	return NULL;
}

/* "probe-interval" -> "VIGIL_PROBE_INTERVAL" */
static void
env_name(const char *opt, char *buf, size_t len)
{
	size_t i = (size_t)snprintf(buf, len, "VIGIL_");

	for (; *opt != '\0' && i + 1 < len; opt++)
		buf[i++] = *opt == '-' ? '_' : (char)toupper((unsigned char)*opt);
	buf[i] = '\0';
}

/*
 * A list variable carries several values: probe specs are separated by ';'
 * (a spec may contain commas), exit codes and rewrites by ','.
 */
static int
env_apply_list(struct config *c, int id, const char *v, struct src *s)
{
	char sep = (id == O_PROBE || id == O_WAIT || id == O_READY_PROBE) ?
	    ';' : ',';
	char item[PROBE_TEXT_MAX];

	while (*v != '\0') {
		const char *end = strchr(v, sep);
		size_t len = end ? (size_t)(end - v) : strlen(v);

		while (len > 0 && isspace((unsigned char)*v)) {
			v++;
			len--;
		}
		while (len > 0 && isspace((unsigned char)v[len - 1]))
			len--;
		if (len >= sizeof(item))
			return cfg_fail(s, "value too long");
		if (len > 0) {
			memcpy(item, v, len);
			item[len] = '\0';
			if (cfg_apply(c, id, item, s) < 0)
				return -EINVAL;
		}
		if (end == NULL)
			break;
		v = end + 1;
	}
	return 0;
}

static int
cfg_env(struct config *c, char **envp, const uint8_t *seen, struct src *s)
{
	const char *v;
	long n;
	int id;

	/* tini's variables, under ours: any value switches them on. */
	if (!seen[O_SUBREAPER] && env_get(envp, "TINI_SUBREAPER") != NULL)
		c->subreaper = 1;
	if (!seen[O_GROUP] && env_get(envp, "TINI_KILL_PROCESS_GROUP") != NULL)
		c->group = 1;
	v = env_get(envp, "TINI_VERBOSITY");
	if (!seen[O_VERBOSITY] && v != NULL && parse_int(v, 0, 3, &n) == 0)
		c->verbosity = (int)n;

	for (id = 0; id < O_COUNT; id++) {
		if (opts[id].env == 0)
			continue;
		env_name(opts[id].name, s->name, sizeof(s->name));
		v = env_get(envp, s->name);
		if (v == NULL)
			continue;
		if (seen[id]) {
			/* Noted for a warning: logging is not set up yet. */
			c->env_overridden |= UINT64_C(1) << id;
			continue;
		}
		if (opts[id].env == 2) {
			if (env_apply_list(c, id, v, s) < 0)
				return -EINVAL;
		} else if (cfg_apply(c, id, v, s) < 0)
			return -EINVAL;
	}
	return 0;
}

int
config_override(const struct config *c, int i, char *var, size_t varlen,
    const char **flag)
{
	int id;

	for (id = 0; id < O_COUNT; id++)
		if ((c->env_overridden & UINT64_C(1) << id) && i-- == 0) {
			env_name(opts[id].name, var, varlen);
			*flag = opts[id].name;
			return 0;
		}
	return -1;
}

int64_t
config_stop_need(const struct config *c)
{
	int64_t ladder = 0;
	int i;

	/* --grace counts from the request, the drain included. */
	if (c->grace_ns >= 0)
		return c->grace_ns > c->stop_delay_ns ? c->grace_ns :
		    c->stop_delay_ns;
	if (c->nladder == 0)
		return -1;
	for (i = 0; i < c->nladder; i++)
		ladder += c->ladder[i].wait_ns;
	return c->stop_delay_ns + ladder;
}

void
config_log_overrides(const struct config *c, char **envp)
{
	char var[48], flag[48];
	const char *name;
	int i;

	for (i = 0; config_override(c, i, var, sizeof(var), &name) == 0; i++) {
		snprintf(flag, sizeof(flag), "--%s", name);
		log_begin(LOGL_WARN, "flag overrides variable");
		log_str("variable", var);
		log_str("flag", flag);
		log_str("ignored", env_get(envp, var));
		log_end();
	}
}

static const struct opt *
opt_long(const char *name, size_t len, int *id)
{
	for (*id = 0; *id < O_COUNT; (*id)++)
		if (strlen(opts[*id].name) == len &&
		    strncmp(opts[*id].name, name, len) == 0)
			return &opts[*id];
	return NULL;
}

static const struct opt *
opt_short(char ch, int *id)
{
	for (*id = 0; *id < O_COUNT; (*id)++)
		if (opts[*id].shortc == ch)
			return &opts[*id];
	return NULL;
}

/* Counts -v and -q, which add to whatever the base verbosity becomes. */
static int
cfg_note(struct config *c, int id, int *verbose_delta)
{
	if (id == O_VERBOSE)
		(*verbose_delta)++;
	else if (id == O_QUIET)
		(*verbose_delta)--;
	else if (id == O_HELP)
		c->action = CFG_HELP;
	else if (id == O_VERSION)
		c->action = CFG_VERSION;
	else if (id == O_LICENSE)
		c->action = CFG_LICENSE;
	else
		return 0;
	return 1;
}

/* Parses one "--name[=value]"; may consume the next word. */
static int
cfg_long(struct config *c, char **argv, int argc, int *i, uint8_t *seen,
    int *delta, struct src *s)
{
	const char *arg = argv[*i] + 2, *eq = strchr(arg, '=');
	size_t len = eq ? (size_t)(eq - arg) : strlen(arg);
	const char *v = eq ? eq + 1 : NULL;
	const struct opt *o;
	int id;

	snprintf(s->name, sizeof(s->name), "--%.*s", (int)len, arg);
	if ((o = opt_long(arg, len, &id)) == NULL)
		return cfg_fail(s, "unknown option");
	if (o->arg && v == NULL) {
		if (*i + 1 >= argc)
			return cfg_fail(s, "needs a value");
		v = argv[++*i];
	} else if (!o->arg && v != NULL && cfg_note(c, id, delta) == 0) {
		seen[id] = 1;
		return cfg_apply(c, id, v, s);
	} else if (!o->arg && v != NULL)
		return cfg_fail(s, "takes no value");
	seen[id] = 1;
	if (cfg_note(c, id, delta))
		return 0;
	return cfg_apply(c, id, v, s);
}

/* Parses a cluster of short flags such as "-gv" or "-pTERM". */
static int
cfg_short(struct config *c, char **argv, int argc, int *i, uint8_t *seen,
    int *delta, struct src *s)
{
	const char *p = argv[*i] + 1;

	for (; *p != '\0'; p++) {
		const struct opt *o;
		int id;

		snprintf(s->name, sizeof(s->name), "-%c", *p);
		if ((o = opt_short(*p, &id)) == NULL)
			return cfg_fail(s, "unknown option");
		seen[id] = 1;
		if (cfg_note(c, id, delta))
			continue;
		if (!o->arg) {
			if (cfg_apply(c, id, NULL, s) < 0)
				return -EINVAL;
			continue;
		}
		if (p[1] != '\0')
			return cfg_apply(c, id, p + 1, s);
		if (*i + 1 >= argc)
			return cfg_fail(s, "needs a value");
		return cfg_apply(c, id, argv[++*i], s);
	}
	return 0;
}

static int
cfg_check(struct config *c, struct src *s)
{
	s->name[0] = '\0';
	if (c->action != CFG_RUN)
		return 0;
	if (c->argv == NULL || c->argv[0] == NULL)
		return cfg_fail(s, "no command given (usage: vigil [OPTIONS] "
		    "[--] COMMAND [ARG...])");
	if (c->backoff_initial_ns > c->backoff_max_ns) {
		snprintf(s->name, sizeof(s->name), "--backoff-initial");
		return cfg_fail(s, "must not exceed --backoff-max");
	}
	if (c->watchdog_ns > 0 && !c->notify) {
		snprintf(s->name, sizeof(s->name), "--watchdog");
		return cfg_fail(s, "needs --notify");
	}
	if (c->on_unhealthy != CFG_UNHEALTHY_NONE && c->nprobes == 0 &&
	    c->watchdog_ns == 0) {
		snprintf(s->name, sizeof(s->name), "--on-unhealthy");
		return cfg_fail(s, "needs at least one --probe or --watchdog");
	}
	if (c->priv.ndeny > 0)
		c->priv.no_new_privs = 1;
	priv_sandbox_default(&c->probe_sandbox, &c->priv);
	c->priv.sandbox = &c->probe_sandbox;
	/* Compiled once here, not in every probe process; may fail: retried. */
	if (c->nprobes > 0 || c->nwaits > 0 || c->nreadies > 0 ||
	    c->metrics_port > 0)
		(void)priv_sandbox_prepare();
	return 0;
}

int
config_parse(struct config *c, int argc, char **argv, char **envp,
    char *err, size_t errlen)
{
	uint8_t seen[O_COUNT] = { 0 };
	struct src s = { .err = err, .errlen = errlen };
	int i, delta = 0;

	cfg_defaults(c);
	cfg_persona(c, argc > 0 ? argv[0] : NULL);
	for (i = 1; i < argc; i++) {
		const char *a = argv[i];
		int rc;

		if (strcmp(a, "--") == 0) {
			i++;
			break;
		}
		if (a[0] != '-' || a[1] == '\0')
			break;
		rc = a[1] == '-' ? cfg_long(c, argv, argc, &i, seen, &delta, &s)
				 : cfg_short(c, argv, argc, &i, seen, &delta, &s);
		if (rc < 0)
			return rc;
	}
	c->argv = argv + i;
	if (cfg_env(c, envp, seen, &s) < 0)
		return -EINVAL;
	cfg_dumb_env(c, envp, seen);
	cfg_dumb_rewrites(c);
	/* dumb-init's -v is all or nothing. */
	if (c->persona == CFG_PERSONA_DUMB_INIT && delta > 0)
		delta = LOGL_DEBUG;
	c->verbosity += delta;
	if (c->verbosity < LOGL_ERROR)
		c->verbosity = LOGL_ERROR;
	if (c->verbosity > LOGL_DEBUG)
		c->verbosity = LOGL_DEBUG;
	return cfg_check(c, &s);
}
