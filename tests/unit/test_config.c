/* SPDX-License-Identifier: MIT */
/* Flags, VIGIL_* variables and their precedence; bad input. */
#include <check.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config.h"
#include "log.h"

static struct config c;
static char err[512];

/* Parses a NULL-terminated argv with a NULL-terminated environment. */
static int
parse(char **argv, char **envp)
{
	int argc = 0;

	while (argv[argc] != NULL)
		argc++;
	err[0] = '\0';
	memset(&c, 0, sizeof(c));
	return config_parse(&c, argc, argv, envp, err, sizeof(err));
}

START_TEST(defaults)
{
	char *argv[] = { "vigil", "sleep", "1", NULL };
	char *envp[] = { NULL };

	ck_assert_int_eq(parse(argv, envp), 0);
	ck_assert_str_eq(c.argv[0], "sleep");
	ck_assert_str_eq(c.argv[1], "1");
	ck_assert_ptr_null(c.argv[2]);
	ck_assert_int_eq(c.grace_ns, -1);
	ck_assert_int_eq(c.stop_signal, SIGTERM);
	ck_assert_int_eq(c.orphan_grace_ns, 2 * NS_PER_S);
	ck_assert_int_eq(c.restart, CFG_RESTART_NO);
	ck_assert_int_eq(c.max_restarts, -1);
	ck_assert_int_eq(c.backoff_initial_ns, NS_PER_S);
	ck_assert_int_eq(c.backoff_max_ns, 60 * NS_PER_S);
	ck_assert_int_eq(c.probe_interval_ns, 10 * NS_PER_S);
	ck_assert_int_eq(c.probe_timeout_ns, 5 * NS_PER_S);
	ck_assert_int_eq(c.probe_start_interval_ns, NS_PER_S);
	ck_assert_int_eq(c.probe_retries, 3);
	ck_assert_int_eq(c.verbosity, LOGL_INFO);
	ck_assert_int_eq(c.group, 0);
	ck_assert_int_eq(c.rewrite[SIGTERM], SIGTERM);
}
END_TEST

START_TEST(tini_flags)
{
	char *argv[] = { "vigil", "-s", "-g", "-w", "-pKILL", "-e", "143",
		"-e3", "-vv", "--", "celery", "-A", "app", NULL };
	char *envp[] = { NULL };

	ck_assert_int_eq(parse(argv, envp), 0);
	ck_assert_int_eq(c.subreaper, 1);
	ck_assert_int_eq(c.group, 1);
	ck_assert_int_eq(c.warn_reap, 1);
	ck_assert_int_eq(c.pdeathsig, SIGKILL);
	ck_assert(c.remap[143 / 8] & (1u << (143 % 8)));
	ck_assert(c.remap[0] & (1u << 3));
	ck_assert(!(c.remap[0] & (1u << 2)));
	ck_assert_int_eq(c.verbosity, LOGL_DEBUG);
	/* The child's own flags stay the child's. */
	ck_assert_str_eq(c.argv[0], "celery");
	ck_assert_str_eq(c.argv[1], "-A");
}
END_TEST

START_TEST(stops_at_command)
{
	/* No "--": parsing stops at the command, like getopt with '+'. */
	char *argv[] = { "vigil", "-g", "sleep", "-s", "5", NULL };
	char *envp[] = { NULL };

	ck_assert_int_eq(parse(argv, envp), 0);
	ck_assert_int_eq(c.subreaper, 0);
	ck_assert_str_eq(c.argv[0], "sleep");
	ck_assert_str_eq(c.argv[1], "-s");
}
END_TEST

START_TEST(dumb_init_flags)
{
	char *argv[] = { "vigil", "-c", "-r", "15:3", "--rewrite=HUP:0",
		"-r", "USR1:USR2", "x", NULL };
	char *envp[] = { NULL };

	ck_assert_int_eq(parse(argv, envp), 0);
	ck_assert_int_eq(c.rewrite[SIGTERM], SIGQUIT);
	ck_assert_int_eq(c.rewrite[SIGHUP], 0);
	ck_assert_int_eq(c.rewrite[SIGUSR1], SIGUSR2);
	ck_assert_int_eq(c.rewrite[SIGINT], SIGINT);
}
END_TEST

START_TEST(long_forms)
{
	char *argv[] = { "vigil", "--grace=5s", "--stop-sequence",
		"TERM:50s,QUIT:8s", "--restart", "on-failure",
		"--max-restarts=4", "--backoff-initial", "250ms",
		"--on-unhealthy=restart", "--probe", "tcp://127.0.0.1:6379",
		"--probe=file:///tmp/hb?max-age=10s", "--log-format=json",
		"--state-file", "/tmp/x/health", "run", NULL };
	char *envp[] = { NULL };

	ck_assert_msg(parse(argv, envp) == 0, "%s", err);
	ck_assert_int_eq(c.grace_ns, 5 * NS_PER_S);
	ck_assert_int_eq(c.nladder, 2);
	ck_assert_int_eq(c.ladder[1].sig, SIGQUIT);
	ck_assert_int_eq(c.restart, CFG_RESTART_ON_FAILURE);
	ck_assert_int_eq(c.max_restarts, 4);
	ck_assert_int_eq(c.backoff_initial_ns, 250 * NS_PER_MS);
	ck_assert_int_eq(c.on_unhealthy, CFG_UNHEALTHY_RESTART);
	ck_assert_int_eq(c.nprobes, 2);
	ck_assert_int_eq(c.probes[1].kind, PROBE_FILE);
	ck_assert_int_eq(c.log_json, 1);
	ck_assert_str_eq(c.state_file, "/tmp/x/health");
}
END_TEST

START_TEST(env_fills_and_flag_wins)
{
	char *argv[] = { "vigil", "--probe-interval", "3s", "--probe",
		"tcp://127.0.0.1:1", "x", NULL };
	char *envp[] = { "VIGIL_PROBE_INTERVAL=7s", "VIGIL_PROBE_TIMEOUT=2s",
		"VIGIL_PROBE=tcp://127.0.0.1:2;tcp://127.0.0.1:3",
		"VIGIL_WAIT=tcp://127.0.0.1:4 ; tcp://127.0.0.1:5",
		"VIGIL_REMAP_EXIT=1,2", "VIGIL_GROUP=yes",
		"VIGIL_RESTART=always", NULL };

	ck_assert_msg(parse(argv, envp) == 0, "%s", err);
	ck_assert_int_eq(c.probe_interval_ns, 3 * NS_PER_S);
	ck_assert_int_eq(c.probe_timeout_ns, 2 * NS_PER_S);
	/* A repeatable flag replaces the whole variable's list. */
	ck_assert_int_eq(c.nprobes, 1);
	ck_assert_str_eq(c.probes[0].port, "1");
	ck_assert_int_eq(c.nwaits, 2);
	ck_assert_str_eq(c.waits[1].port, "5");
	ck_assert(c.remap[0] & (1u << 1));
	ck_assert(c.remap[0] & (1u << 2));
	ck_assert_int_eq(c.group, 1);
	ck_assert_int_eq(c.restart, CFG_RESTART_ALWAYS);
}
END_TEST

START_TEST(tini_env)
{
	char *argv[] = { "vigil", "x", NULL };
	char *envp[] = { "TINI_SUBREAPER=", "TINI_KILL_PROCESS_GROUP=1",
		"TINI_VERBOSITY=3", NULL };
	char *envp2[] = { "TINI_VERBOSITY=0", "VIGIL_VERBOSITY=2", NULL };
	char *argv2[] = { "vigil", "-q", "x", NULL };

	ck_assert_int_eq(parse(argv, envp), 0);
	ck_assert_int_eq(c.subreaper, 1);
	ck_assert_int_eq(c.group, 1);
	ck_assert_int_eq(c.verbosity, LOGL_DEBUG);
	/* Ours beats tini's; -q counts down from there. */
	ck_assert_int_eq(parse(argv2, envp2), 0);
	ck_assert_int_eq(c.verbosity, LOGL_WARN);
}
END_TEST

START_TEST(actions)
{
	char *h[] = { "vigil", "--help", NULL };
	char *v[] = { "vigil", "--version", NULL };
	char *l[] = { "vigil", "-l", NULL };
	char *envp[] = { NULL };

	ck_assert_int_eq(parse(h, envp), 0);
	ck_assert_int_eq(c.action, CFG_HELP);
	ck_assert_int_eq(parse(v, envp), 0);
	ck_assert_int_eq(c.action, CFG_VERSION);
	ck_assert_int_eq(parse(l, envp), 0);
	ck_assert_int_eq(c.action, CFG_LICENSE);
}
END_TEST

/* Each bad command line fails with a reason that names the culprit. */
START_TEST(bad_input)
{
	static const struct {
		const char *args[6];
		const char *env;
		const char *want;
	} cases[] = {
		{ { "--nope", "x" }, NULL, "--nope: unknown option" },
		{ { "-Z", "x" }, NULL, "-Z: unknown option" },
		{ { "--grace", "10x", "x" }, NULL, "--grace: bad duration" },
		{ { "--grace", "-5s", "x" }, NULL, "--grace: bad duration" },
		{ { "--grace", "10", "x" }, NULL, "--grace: bad duration" },
		{ { "-p", "NOPE", "x" }, NULL, "-p: unknown signal 'NOPE'" },
		{ { "-r", "15", "x" }, NULL, "-r: bad rewrite" },
		{ { "-e", "256", "x" }, NULL, "-e: exit code must be 0-255" },
		{ { "--restart", "sometimes", "x" }, NULL, "--restart: must" },
		{ { "--probe", "https://x/", "x" }, NULL, "--probe: bad spec" },
		{ { "--probe-retries", "0", "x" }, NULL, "--probe-retries" },
		{ { "--probe-interval", "0", "x" }, NULL, "longer than 0" },
		{ { "--grace" }, NULL, "--grace: needs a value" },
		{ { "--group=maybe", "x" }, NULL, "--group: expected" },
		{ { "-v" }, NULL, "no command given" },
		{ { "--on-unhealthy", "restart", "x" }, NULL,
		    "needs at least one --probe" },
		{ { "--backoff-initial", "2m", "x" }, NULL,
		    "must not exceed --backoff-max" },
		{ { "--state-file", "relative", "x" }, NULL, "absolute path" },
		{ { "x" }, "VIGIL_GRACE=soon", "VIGIL_GRACE: bad duration" },
		{ { "x" }, "VIGIL_RESTART=yes", "VIGIL_RESTART: must be" },
		{ { "x" }, "VIGIL_REWRITE=TERM:QUIT,bad", "VIGIL_REWRITE" },
	};
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char *argv[8] = { "vigil" };
		char *envp[2] = { (char *)cases[i].env, NULL };
		int j;

		for (j = 0; cases[i].args[j] != NULL; j++)
			argv[j + 1] = (char *)cases[i].args[j];
		argv[j + 1] = NULL;
		ck_assert_msg(parse(argv, envp) == -EINVAL, "case %zu passed",
		    i);
		ck_assert_msg(strstr(err, cases[i].want) != NULL,
		    "case %zu: '%s' lacks '%s'", i, err, cases[i].want);
		ck_assert_msg(strchr(err, '\n') == NULL, "two lines: %s", err);
	}
}
END_TEST

START_TEST(personas)
{
	char *tini[] = { "/sbin/tini", "--", "app", NULL };
	char *dinit[] = { "/usr/bin/dumb-init", "app", NULL };
	char *dinit_c[] = { "dumb-init", "-c", "app", NULL };
	char *dinit_r[] = { "dumb-init", "-r", "20:0", "-v", "app", NULL };
	char *mine[] = { "/x/vigil", "app", NULL };
	char *bad[] = { "tini", "--bogus", "app", NULL };
	char *none[] = { NULL };
	char *nosetsid[] = { "DUMB_INIT_SETSID=0", "DUMB_INIT_DEBUG=1", NULL };

	ck_assert_int_eq(parse(tini, none), 0);
	ck_assert_int_eq(c.persona, CFG_PERSONA_TINI);
	ck_assert_int_eq(c.verbosity, LOGL_WARN);
	ck_assert_int_eq(c.orphan_grace_ns, 0);
	ck_assert_int_eq(c.auto_subreaper, 0);
	ck_assert_int_eq(c.keep_signals, 1);
	ck_assert_int_eq(c.setsid, 0);
	ck_assert_int_eq(parse(bad, none), -EINVAL);
	ck_assert_int_eq(c.usage_exit, 1);

	ck_assert_int_eq(parse(dinit, none), 0);
	ck_assert_int_eq(c.persona, CFG_PERSONA_DUMB_INIT);
	ck_assert_int_eq(c.setsid, 1);
	ck_assert_int_eq(c.group, 1);
	ck_assert_int_eq(c.rewrite[SIGTSTP], SIGSTOP);
	ck_assert_int_eq(c.rewrite[SIGTTIN], SIGSTOP);
	ck_assert_int_eq(c.rewrite[SIGTTOU], SIGSTOP);
	ck_assert_int_eq(c.exec_fail_code, 2);
	ck_assert_int_eq(c.chdir_root, 1);
	ck_assert_int_eq(parse(dinit_c, none), 0);
	ck_assert_int_eq(c.setsid, 0);
	ck_assert_int_eq(c.group, 0);
	ck_assert_int_eq(c.rewrite[SIGTSTP], SIGTSTP);
	ck_assert_int_eq(parse(dinit, nosetsid), 0);
	ck_assert_int_eq(c.setsid, 0);
	ck_assert_int_eq(c.verbosity, LOGL_DEBUG);
	/* An explicit rewrite wins over dumb-init's; -v means debug. */
	ck_assert_int_eq(parse(dinit_r, none), 0);
	ck_assert_int_eq(c.rewrite[SIGTSTP], 0);
	ck_assert_int_eq(c.rewrite[SIGTTIN], SIGSTOP);
	ck_assert_int_eq(c.verbosity, LOGL_DEBUG);

	ck_assert_int_eq(parse(mine, none), 0);
	ck_assert_int_eq(c.persona, CFG_PERSONA_VIGIL);
	ck_assert_int_eq(c.usage_exit, 2);
	ck_assert_int_eq(c.cont_after_signal, 1);
	ck_assert_int_eq(c.rewrite[SIGTSTP], SIGTSTP);
}
END_TEST

START_TEST(probe_file)
{
	char path[] = "/tmp/vigil-specs.XXXXXX";
	char *argv[] = { "vigil", "--probe-file", path, "app", NULL };
	char *none[] = { NULL };
	char *env[] = { NULL, NULL };
	char envv[64];
	FILE *f;
	int fd = mkstemp(path);

	ck_assert_int_ge(fd, 0);
	f = fdopen(fd, "w");
	fputs("# the broker\n  redis://:s3cret@127.0.0.1:6379  \n\n"
	    "tcp://127.0.0.1:5432\n", f);
	fclose(f);
	ck_assert_int_eq(parse(argv, none), 0);
	ck_assert_int_eq(c.nprobes, 2);
	ck_assert_str_eq(c.probes[0].password, "s3cret");
	ck_assert_ptr_null(strstr(c.probes[0].display, "s3cret"));
	snprintf(envv, sizeof(envv), "VIGIL_PROBE_FILE=%s", path);
	env[0] = envv;
	argv[1] = "app";
	argv[2] = NULL;
	ck_assert_int_eq(parse(argv, env), 0);
	ck_assert_int_eq(c.nprobes, 2);
	/* A NUL byte, a bad spec, a missing file: one line each. */
	f = fopen(path, "w");
	fwrite("tcp://127.0.0.1:1\0tcp://x:2\n", 1, 28, f);
	fclose(f);
	ck_assert_int_eq(parse(argv, env), -EINVAL);
	ck_assert_ptr_nonnull(strstr(err, "NUL byte"));
	f = fopen(path, "w");
	fputs("ftp://x/\n", f);
	fclose(f);
	ck_assert_int_eq(parse(argv, env), -EINVAL);
	ck_assert_ptr_nonnull(strstr(err, "bad spec"));
	unlink(path);
	ck_assert_int_eq(parse(argv, env), -EINVAL);
	ck_assert_ptr_nonnull(strstr(err, "No such file"));
	ck_assert_ptr_null(strchr(err, '\n'));
}
END_TEST

Suite *suite_config(void);

Suite *
suite_config(void)
{
	Suite *s = suite_create("config");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, defaults);
	tcase_add_test(tc, tini_flags);
	tcase_add_test(tc, stops_at_command);
	tcase_add_test(tc, dumb_init_flags);
	tcase_add_test(tc, long_forms);
	tcase_add_test(tc, env_fills_and_flag_wins);
	tcase_add_test(tc, tini_env);
	tcase_add_test(tc, actions);
	tcase_add_test(tc, bad_input);
	tcase_add_test(tc, personas);
	tcase_add_test(tc, probe_file);
	suite_add_tcase(s, tc);
	return s;
}
