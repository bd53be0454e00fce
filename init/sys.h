/* SPDX-License-Identifier: MIT */
/*
 * Thin operating-system helpers shared by PID 1 and its forked children:
 * clocks, the signal mask (set with the raw syscall, because both libcs
 * refuse to block their reserved real-time signals), and process-tree
 * walks. The few raw syscall() uses of the project live here.
 */
#ifndef INIT_SYS_H
#define INIT_SYS_H

#include <signal.h>
#include <stdint.h>
#include <sys/types.h>

/* CLOCK_MONOTONIC in nanoseconds. */
int64_t sys_now_ns(void);
/* Unix time in seconds. */
int64_t sys_wall_s(void);

/*
 * Resets every disposition to default and blocks every signal but the
 * synchronous faults; fills *set with what was blocked, for a signalfd.
 */
int sys_signals_block(sigset_t *set);
/* Unblocks every signal; for a forked child just before exec. */
void sys_signals_unblock(void);

/*
 * Sends sig to every descendant of pid, found through
 * /proc/PID/task/PID/children. Returns how many were signalled.
 */
int sys_signal_descendants(pid_t pid, int sig);

#endif
