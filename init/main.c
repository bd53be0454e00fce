/* SPDX-License-Identifier: MIT */
/*
 * vigil: a tiny PID 1 for containers. main() picks the subcommand, parses
 * the configuration (dying on bad input, before anything started), sets up
 * the signalfd and then hands over to the loop. From the first fork on, we
 * are no longer allowed to bail out: only the child's status ends vigil.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include "config.h"
#include "hfile.h"
#include "log.h"
#include "runner.h"
#include "sys.h"
#include "vigil.h"

extern char **environ;
extern const char vigil_license[];

static struct config cfg;
static struct vigil v;

static int
vigil_setup(struct vigil *s, const struct config *c)
{
	int64_t now = sys_now_ns();
	sigset_t set;

	/* *s is static and zero; clearing it would only make it resident. */
	s->cfg = c;
	s->self = getpid();
	s->pid1 = s->self == 1;
	s->tty = isatty(STDIN_FILENO);
	s->child_errfd = -1;
	s->rnd = (uint32_t)now ^ (uint32_t)s->self;
	s->hcfg = (struct health_cfg){ c->probe_start_period_ns,
		c->probe_interval_ns, c->probe_retries, c->probe_successes };
	if (c->state_file[0] != '\0')
		snprintf(s->state_path, sizeof(s->state_path), "%s",
		    c->state_file);
	else
		hfile_default(s->state_path, sizeof(s->state_path));
	if (sys_signals_block(&set) < 0 ||
	    (s->sfd = signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK)) < 0) {
		fprintf(stderr, "vigil: cannot set up signals: %s\n",
		    strerror(errno));
		return -1;
	}
	/* Not PID 1 (docker --init, shared pid namespace): adopt orphans. */
	if (!s->pid1) {
		if (prctl(PR_SET_CHILD_SUBREAPER, 1) < 0)
			log_msg(LOGL_WARN, "cannot become a subreaper");
		else
			log_msg(LOGL_DEBUG, "not PID 1: running as a child "
			    "subreaper");
	}
	log_begin(LOGL_DEBUG, "vigil starting");
	log_str("version", VIGIL_VERSION);
	log_int("pid", s->self);
	log_end();
	if (c->pdeathsig > 0)
		prctl(PR_SET_PDEATHSIG, c->pdeathsig);
	prober_init(&s->wait, c->waits, c->nwaits);
	prober_init(&s->probes, c->probes, c->nprobes);
	s->since = sys_wall_s();
	s->dirty = 1;
	if (c->nwaits > 0) {
		s->state = SUP_WAIT;
		s->wait.next_ns = now;
		s->wait_deadline_ns = c->wait_timeout_ns > 0 ?
		    now + c->wait_timeout_ns : NEVER;
		return 0;
	}
	/* A failed first start leaves the state at SUP_DONE with code 126. */
	sup_start_first(s, now);
	return 0;
}

int
main(int argc, char **argv)
{
	char err[512];

	if (argc > 1 && strcmp(argv[1], "status") == 0)
		return hfile_status_main(argc - 1, argv + 1, environ);
	if (argc > 1 && strcmp(argv[1], "probe") == 0)
		return probe_cli_main(argc - 1, argv + 1);
	if (config_parse(&cfg, argc, argv, environ, err, sizeof(err)) < 0) {
		fprintf(stderr, "vigil: %s\nTry 'vigil --help'.\n", err);
		return 2;
	}
	if (cfg.action == CFG_HELP)
		return fputs(config_usage, stdout) < 0;
	if (cfg.action == CFG_VERSION)
		return printf("vigil %s\n", VIGIL_VERSION) < 0;
	if (cfg.action == CFG_LICENSE)
		return fputs(vigil_license, stdout) < 0;
	log_setup(cfg.verbosity, cfg.log_json);
	config_log_overrides(&cfg, environ);
	if (vigil_setup(&v, &cfg) < 0)
		return 1;
	return loop_run(&v);
}
