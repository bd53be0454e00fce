/* SPDX-License-Identifier: MIT */
/* `vigil probe [--timeout DUR] SPEC...`. */
#ifndef INIT_PROBE_CLI_H
#define INIT_PROBE_CLI_H

/* Returns the exit code: 0 when every spec passed, 1 if not, 2 usage. */
int probe_cli_main(int argc, char **argv);

#endif
