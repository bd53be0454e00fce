/* SPDX-License-Identifier: MIT */
/* `vigil status [--state-file PATH] [--max-age DUR]`. */
#ifndef INIT_STATUS_H
#define INIT_STATUS_H

/* Returns the exit code: 0 healthy, 1 not (or no file), 2 bad usage. */
int status_main(int argc, char **argv, char **envp);

#endif
