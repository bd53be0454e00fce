/* SPDX-License-Identifier: MIT */
/*
 * The health state file on disk: where it lives by default, its atomic
 * replacement (temporary file in the same directory, then rename), and the
 * `vigil status` subcommand that reads it for HEALTHCHECK.
 */
#ifndef INIT_HFILE_H
#define INIT_HFILE_H

#include <stddef.h>

/* /run/vigil/health for root, /tmp/vigil-UID/health for anyone else. */
void hfile_default(char *buf, size_t len);

/*
 * Replaces the file at path with data: the directory is created when
 * missing, the temporary file is opened without following symlinks, and a
 * reader sees either the old file or the new one. Returns 0 or -errno.
 */
int hfile_write(const char *path, const char *data, size_t len);

/* `vigil status [--state-file P] [--max-age DUR]`; returns the exit code. */
int hfile_status_main(int argc, char **argv, char **envp);

#endif
