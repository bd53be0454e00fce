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
/* Unix time in milliseconds. */
int64_t sys_wall_ms(void);

/*
 * Blocks every signal and fills *set with them, for a signalfd; with reset
 * also sets every disposition to default (SIGCHLD's always: an inherited
 * SIG_IGN would have the kernel reap our children unseen).
 */
int sys_signals_block(sigset_t *set, int reset);
/* For a forked child before exec: an empty mask, or the one vigil got. */
void sys_signals_unblock(int inherited);

/*
 * Sends sig to every descendant of pid, found through the children lists
 * of every task of every process. Returns how many were signalled.
 */
int sys_signal_descendants(pid_t pid, int sig);

/*
 * fork() with a close-on-exec pipe from child to parent; with group, the
 * child in its own process group. Returns the pid with *fd the read end in
 * the parent, 0 with *fd the write end in the child, or -errno.
 */
pid_t sys_fork_pipe(int *fd, int group);

/*
 * Reaps one exited child. When leader(ctx, pid) says the pid leads a group
 * of ours (a probe), the group is killed before the pid is released.
 * Returns the pid with *status, 0 when none has exited, -ECHILD when there
 * are no children at all.
 */
pid_t sys_reap_next(int (*leader)(void *ctx, pid_t pid), void *ctx,
    int *status);

/* The process title: remembers argv's area; then names this process. */
void sys_title_init(int argc, char **argv);
void sys_title_set(const char *title);

#endif
