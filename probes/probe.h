/* SPDX-License-Identifier: MIT */
/*
 * The probe process's entry point. probe_run() only ever runs inside a
 * short-lived forked probe process: it may block, allocate and parse peer
 * bytes, because PID 1 kills the whole process group at the probe's timeout.
 * The spec it runs comes from init/spec.h.
 */
#ifndef PROBES_PROBE_H
#define PROBES_PROBE_H

#include "spec.h"

/*
 * Runs the probe in the calling (forked) process and returns its exit code:
 * 0 when it passes, 1 when it fails. A one-line human summary ("HTTP 200 in
 * 3ms", "connect 127.0.0.1:6379: Connection refused") is written to out_fd.
 * For PROBE_EXEC it execs the command with stdout and stderr on out_fd and
 * returns only if exec fails.
 */
int probe_run(const struct probe_spec *p, int out_fd);

#endif
