/* SPDX-License-Identifier: MIT */
/*
 * The supervisor's configuration: command-line flags and VIGIL_* variables
 * (plus tini's TINI_* ones) turned into one struct at start-up. A flag beats
 * its variable. Parsing never starts anything; bad input yields -EINVAL and
 * a one-line reason.
 */
#ifndef INIT_CONFIG_H
#define INIT_CONFIG_H

#include <stddef.h>
#include <stdint.h>

#include "parse.h"
#include "priv.h"
#include "spec.h"

#define CFG_PROBES_MAX 8
#define CFG_PATH_MAX 1024

enum cfg_action {
	CFG_RUN,
	CFG_HELP,
	CFG_VERSION,
	CFG_LICENSE,
};

/* Who vigil is run as (argv[0]'s name): the peers' defaults and manners. */
enum cfg_persona {
	CFG_PERSONA_VIGIL,
	CFG_PERSONA_TINI,		/* "tini", "docker-init" */
	CFG_PERSONA_DUMB_INIT,		/* "dumb-init" */
};

enum cfg_restart {
	CFG_RESTART_NO,
	CFG_RESTART_ON_FAILURE,
	CFG_RESTART_ALWAYS,
};

enum cfg_unhealthy {
	CFG_UNHEALTHY_NONE,
	CFG_UNHEALTHY_RESTART,
	CFG_UNHEALTHY_EXIT,
};

struct config {
	enum cfg_action action;
	char **argv;			/* the command, NULL-terminated */

	/* init */
	enum cfg_persona persona;
	int usage_exit;			/* exit code for bad usage */
	int subreaper;
	int auto_subreaper;		/* a subreaper when not PID 1 anyway */
	int setsid;			/* the child in its own session */
	int keep_signals;		/* child: the mask and SIG_IGNs we got */
	int cont_after_signal;		/* SIGCONT after each stop signal */
	int stop_self;			/* TSTP/TTIN/TTOU: then stop vigil too */
	int chdir_root;			/* vigil (not the child) in / */
	int exec_fail_code;		/* 0: 127 not found, 126 not runnable */
	int pdeathsig;			/* 0: none */
	int group;			/* signal the child's process group */
	int warn_reap;
	int log_json;
	int verbosity;			/* enum log_level */
	uint8_t remap[32];		/* bit n: exit code n becomes 0 */
	int rewrite[PARSE_SIGMAX + 1];	/* rewrite[s]: what to send for s */
	uint64_t rewritten;		/* bit s-1: -r named signal s */

	/* stop */
	int64_t grace_ns;		/* -1: no limit */
	int nladder;
	struct stop_step ladder[PARSE_STEPS_MAX];
	int stop_signal;
	int64_t orphan_grace_ns;
	int64_t stop_delay_ns;		/* drain: not ready, then the stop */
	int64_t stop_budget_ns;		/* the runtime's stop timeout; 0 */

	/* restart */
	enum cfg_restart restart;
	long max_restarts;		/* -1: unlimited */
	int64_t backoff_initial_ns;
	int64_t backoff_max_ns;
	int64_t backoff_reset_ns;
	enum cfg_unhealthy on_unhealthy;

	/* probes */
	int nprobes;
	int64_t probe_interval_ns;
	int64_t probe_timeout_ns;
	int64_t probe_start_period_ns;
	int64_t probe_start_interval_ns;
	long probe_retries;
	long probe_successes;
	int nreadies;			/* --ready-probe: traffic, not life */
	int nwaits;
	int64_t wait_timeout_ns;

	/* notify */
	int notify;			/* NOTIFY_SOCKET for the child */
	int64_t watchdog_ns;		/* 0: no WATCHDOG=1 expected */

	char state_file[CFG_PATH_MAX];	/* empty: the default for our uid */
	struct priv priv;
	struct priv_sandbox probe_sandbox;	/* network probes run so */

	/* Bit n: option n's VIGIL_* variable was set, and beaten by a flag. */
	uint64_t env_overridden;
	uint32_t metrics_ip;		/* --metrics, network order */
	int metrics_port;		/* 0: no metrics endpoint */

	/* The specs last (51 KiB): unused ones stay untouched pages. */
	struct probe_spec probes[CFG_PROBES_MAX];
	struct probe_spec readies[CFG_PROBES_MAX];
	struct probe_spec waits[CFG_PROBES_MAX];
};

/*
 * Fills *c, which must be zeroed, from argv (argv[0] is the program) and
 * envp. Returns 0, or -EINVAL with a one-line reason in err.
 */
int config_parse(struct config *c, int argc, char **argv, char **envp,
    char *err, size_t errlen);

/*
 * The i-th variable a flag beat: 0 with its name in var and the flag's long
 * name (without "--") in *flag, or -1 past the last.
 */
int config_override(const struct config *c, int i, char *var, size_t varlen,
    const char **flag);
/* One warning per variable a flag beat; call once logging is set up. */
void config_log_overrides(const struct config *c, char **envp);

/*
 * How long a stop may take at most: the drain plus the ladder (or
 * --grace); -1 when unbounded (no ladder, no --grace).
 */
int64_t config_stop_need(const struct config *c);

/* The --help text. */
extern const char config_usage[];

#endif
