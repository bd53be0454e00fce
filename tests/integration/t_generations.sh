#!/bin/bash
# SPDX-License-Identifier: MIT
# Two generations never run side by side: what one leaves behind is ended
# before the next starts, however it hides (a thread's children, thousands
# of processes), and when vigil is not PID 1 it leaves nothing at its exit.
. "$(dirname "$0")/lib.sh"
H=$HELPERS
SF="--state-file $T/health"
# in_ns CMD...: runs CMD inside the namespace of the last pid1_bg.
in_ns() { nsenter --target "$VP" --pid --mount "$@"; }

# A daemon whose second thread forked the grandchild: it is on that
# thread's children list, not the main thread's.
pid1_bg "$T/log" $SF --restart on-failure --backoff-initial 100ms \
    --orphan-grace 200ms -- "$H/tree" "$T/mark" thread
VP=$(vigil_pid)
wait_for 10 grep -q 'child started.*restarts=1' "$T/log"
g=$(sed -n 's/^grandchild //p' "$T/mark")
expect_match "the grandchild was recorded" '^[0-9]+$' "$g"
in_ns kill -0 "$g" 2>/dev/null
expect "a thread's grandchild is ended before the restart" 1 $?
expect_no_match "and nothing was left to start beside" 'leftover processes remain' \
    "$(cat "$T/log")"
kill -TERM "$VP"; wait_exit "$UNSHARE_PID" 10

# 5000 leftovers that ignore TERM: the walk is repeated until none is left.
rm -f "$T/mark"
pid1_bg "$T/log" $SF --restart on-failure --backoff-initial 100ms \
    --orphan-grace 300ms -- "$H/tree" "$T/mark" wide 5000
VP=$(vigil_pid)
wait_for 60 grep -q 'child started.*restarts=1' "$T/log"
n=$(in_ns pgrep -c -f "^$H/tree ")
expect "5000 leftovers: only the new generation runs" 1 "$n"
expect_no_match "and none remained at the restart" 'leftover processes remain' \
    "$(cat "$T/log")"
kill -TERM "$VP"; wait_exit "$UNSHARE_PID" 10

# Not PID 1 (a subreaper under another init): at its exit vigil ends all
# 5000, TERM then KILL, and leaves nothing behind.
rm -f "$T/mark"
left=$(unshare --pid --fork --mount-proc --kill-child sh -c "
	'$VIGIL' $SF --orphan-grace 300ms -- '$H/tree' '$T/mark' wide 5000 \
	    >'$T/log' 2>&1
	echo \"rc=\$?\"
	pgrep -c -f '^$H/tree '")
expect "not PID 1: vigil exits with the child's code" "rc=1" "$(echo "$left" | head -n 1)"
expect "not PID 1: no leftover survives vigil" 0 "$(echo "$left" | tail -n 1)"
