/* SPDX-License-Identifier: MIT */
/*
 * vigil: a tiny PID 1 for containers. main() picks the subcommand, parses
 * the configuration (dying on bad input, before anything started) and
 * hands over to the loop. From the first fork on, we are no longer allowed
 * to bail out: only the child's status ends vigil.
 */
#include <stdio.h>
#include <string.h>

#include "config.h"
#include "log.h"
#include "probe_cli.h"
#include "status.h"
#include "sys.h"
#include "vigil.h"

extern char **environ;
extern const char vigil_license[];

static struct config cfg;
static struct vigil v;

int
main(int argc, char **argv)
{
	char err[512];

	sys_title_init(argc, argv);
	if (argc > 1 && strcmp(argv[1], "status") == 0)
		return status_main(argc - 1, argv + 1, environ);
	if (argc > 1 && strcmp(argv[1], "probe") == 0)
		return probe_cli_main(argc - 1, argv + 1);
	if (config_parse(&cfg, argc, argv, environ, err, sizeof(err)) < 0) {
		fprintf(stderr, "vigil: %s\nTry 'vigil --help'.\n", err);
		return cfg.usage_exit;
	}
	if (cfg.action == CFG_HELP)
		return fputs(config_usage, stdout) < 0;
	if (cfg.action == CFG_VERSION)
		return printf("vigil %s\n", VIGIL_VERSION) < 0;
	if (cfg.action == CFG_LICENSE)
		return fputs(vigil_license, stdout) < 0;
	log_setup(cfg.verbosity, cfg.log_json);
	config_log_overrides(&cfg, environ);
	if (loop_setup(&v, &cfg) < 0)
		return 1;
	return loop_run(&v);
}
