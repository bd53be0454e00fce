#!/bin/bash
# SPDX-License-Identifier: MIT
# Restarting in place: policies, exponential backoff with jitter, resets,
# the crash-loop cut-off, stops during backoff, leftovers between
# generations, and --on-unhealthy restart|exit. Millisecond settings.
. "$(dirname "$0")/lib.sh"
# File probes run sandboxed as 65534: $T must be reachable by that user.
chmod 0755 "$T"
H=$HELPERS
SF="--state-file $T/health"

# Each start appends "MS PID" to $T/starts (monotonic ms via /proc/uptime is
# too coarse, so date +%s%3N).
starter() { echo "date +%s%3N >>$T/starts; $*"; }
gaps() { awk 'NR > 1 { printf "%d ", $1 - prev } { prev = $1 }' "$T/starts"; }

# --- backoff schedule -------------------------------------------------------
rm -f "$T/starts"
pid1 $SF --restart on-failure --backoff-initial 100ms --backoff-max 400ms \
    --max-restarts 5 -- sh -c "$(starter exit 3)" 2>"$T/log"; rc=$?
expect "--max-restarts gives up with the last status" 3 "$rc"
expect "1 start + 5 restarts" 6 "$(wc -l <"$T/starts")"
expect_match "giving up is logged" 'giving up: too many restarts' "$(cat "$T/log")"
expect_match "each exit logs restart_in and restarts" \
    'msg="child exited" pid=[0-9]+ status=3 ran=[0-9]+ms restart_in=[0-9]+ms restarts=1' \
    "$(cat "$T/log")"
i=0
for g in $(gaps); do
	want=$(( 100 << i )); [ $want -gt 400 ] && want=400
	# Jitter only shortens (up to 10%); process start adds a little.
	if [ "$g" -ge $(( want * 9 / 10 - 5 )) ] && [ "$g" -le $(( want + 80 )) ]; then
		pass "restart $((i + 1)) after ~${want}ms (${g}ms)"
	else
		fail "restart $((i + 1)) after ~${want}ms" "${g}ms"
	fi
	i=$((i + 1))
done

# A run longer than --backoff-reset resets the delay to the initial one.
rm -f "$T/starts" "$T/n"
pid1 $SF --restart on-failure --backoff-initial 100ms --backoff-max 1s \
    --backoff-reset 300ms --max-restarts 3 -- sh -c "$(starter)
    n=\$(cat $T/n 2>/dev/null || echo 0); echo \$((n + 1)) >$T/n
    [ \$n = 1 ] && sleep 0.4; exit 1" 2>/dev/null
set -- $(gaps)
# Runs: crash, crash (after 100), long run (after 200), crash (after 100).
expect_ge "before reset: second delay doubled (>= 180)" 180 "$2"
expect_le "after a long run the delay is initial again (<= 160)" 160 \
    "$(( $3 - 400 ))"
expect "the long run reset --max-restarts too: 5 starts" 5 "$(wc -l <"$T/starts")"

# --- policies ----------------------------------------------------------------
rm -f "$T/starts"
pid1 $SF --restart always --backoff-initial 10ms --max-restarts 2 -- \
    sh -c "$(starter exit 0)" 2>/dev/null; rc=$?
expect "always: restarts after exit 0" 3 "$(wc -l <"$T/starts")"
expect "always: final status 0" 0 "$rc"
rm -f "$T/starts"
pid1 $SF --restart on-failure --backoff-initial 10ms -- \
    sh -c "$(starter exit 0)" 2>/dev/null
expect "on-failure: no restart after exit 0" 1 "$(wc -l <"$T/starts")"
rm -f "$T/starts"
pid1 $SF --restart no -- sh -c "$(starter exit 5)" 2>/dev/null; rc=$?
expect "no: exits with the child" "1 5" "$(wc -l <"$T/starts") $rc"
rm -f "$T/starts"
pid1 $SF --restart on-failure --backoff-initial 10ms --max-restarts 2 -- \
    sh -c "$(starter kill -KILL \$\$)" 2>/dev/null; rc=$?
expect "on-failure: a kill vigil did not send restarts" 3 "$(wc -l <"$T/starts")"
expect "and the last status is 137" 137 "$rc"
rm -f "$T/starts"
pid1_bg "$T/log" $SF --restart on-failure --backoff-initial 10ms -- \
    sh -c "$(starter exec sleep 5)"
VP=$(vigil_pid); wait_for 3 test -s "$T/starts"
kill -HUP "$VP"; wait_exit "$UNSHARE_PID" 5
expect "on-failure: death by a signal vigil forwarded is no failure" \
    "1 129" "$(wc -l <"$T/starts") $RC"
rm -f "$T/starts"
pid1 $SF -e 3 --restart on-failure --backoff-initial 10ms --max-restarts 1 \
    -- sh -c "$(starter exit 3)" 2>/dev/null; rc=$?
expect "-e with --restart: 3 still restarts" 2 "$(wc -l <"$T/starts")"
expect "-e with --restart: the final status is remapped" 0 "$rc"

# --- stops -------------------------------------------------------------------
rm -f "$T/starts"
pid1_bg "$T/log" $SF --restart always --backoff-initial 5s -- \
    sh -c "$(starter exit 4)"
VP=$(vigil_pid); wait_for 3 test -s "$T/starts"; sleep 0.3
t0=$(now_ms); kill -TERM "$VP"; wait_exit "$UNSHARE_PID" 5
t=$(( $(now_ms) - t0 ))
expect "TERM during backoff: exits with the last child's status" 4 "$RC"
expect_le "TERM during backoff exits at once (< 300 ms)" 300 "$t"
rm -f "$T/starts" "$T/rec"
pid1_bg "$T/log" $SF --restart always --backoff-initial 10ms -- \
    sh -c "$(starter exec $H/sigrec $T/rec)"
VP=$(vigil_pid); wait_for 3 grep -q ready "$T/rec"
kill -TERM "$VP"; wait_exit "$UNSHARE_PID" 5
expect "TERM while running: the child stops, no restart" "1 0" \
    "$(wc -l <"$T/starts") $RC"

# --- generations never overlap ---------------------------------------------
rm -f "$T/left" "$T/seen"
pid1 $SF --restart on-failure --backoff-initial 10ms --max-restarts 2 \
    --orphan-grace 200ms -- sh -c "
    for p in \$(cat $T/left 2>/dev/null | grep -v term); do
        [ -e /proc/\$p ] && echo \"alive \$p\" >>$T/seen; done
    echo gen >>$T/seen
    $H/leftover $T/left --ignore-term --exit-code 1" 2>"$T/log"
expect "three generations ran" 3 "$(grep -c gen "$T/seen")"
expect "no leftover of a crashed generation survives into the next" "" \
    "$(grep alive "$T/seen")"
expect "every leftover got TERM before KILL, the last one too" 3 "$(grep -c term "$T/left")"

# --- the health file follows restarts ---------------------------------------
rm -f "$T/starts"
pid1_bg "$T/log" $SF --restart on-failure --backoff-initial 2s -- \
    sh -c "$(starter exit 6)"
VP=$(vigil_pid); wait_for 3 grep -q '^restarts=1' "$T/health"
h=$(cat "$T/health")
expect_match "in backoff: unhealthy" '^status=unhealthy' "$h"
expect_match "in backoff: last_exit and pid 0" $'pid=0\nrestarts=1\nlast_exit=6' "$h"
"$VIGIL" status --state-file "$T/health" >/dev/null
expect "vigil status says no during backoff" 1 $?
kill -TERM "$VP"; wait_exit "$UNSHARE_PID" 5

# --- on-unhealthy --------------------------------------------------------------
# Generation 1 beats its heartbeat for 0.5 s and then hangs; later ones beat.
rm -f "$T/starts" "$T/hb"
pid1_bg "$T/log" $SF --probe "file://$T/hb?max-age=300ms" --probe-interval 100ms \
    --probe-start-interval 100ms --probe-retries 2 --on-unhealthy restart \
    --backoff-initial 10ms --grace 1s -- sh -c "$(starter)
    n=\$(wc -l <$T/starts)
    i=0; while [ \$n -gt 1 ] || [ \$i -lt 5 ]; do touch $T/hb; sleep 0.1;
    i=\$((i + 1)); done; exec sleep 100"
VP=$(vigil_pid)
wait_for 8 grep -q '^restarts=1' "$T/health" && wait_for 5 grep -q '^status=healthy' "$T/health"
expect_match "a hung child turns unhealthy and is stopped" \
    'msg="child unhealthy" pid=[0-9]+ action=restart' "$(cat "$T/log")"
expect "then restarted in place: two starts" 2 "$(wc -l <"$T/starts")"
expect_match "and healthy again" '^status=healthy' "$(cat "$T/health")"
kill -TERM "$VP"; wait_exit "$UNSHARE_PID" 5
expect "a stop after an unhealthy restart still exits cleanly" 143 "$RC"

rm -f "$T/starts" "$T/hb"
pid1_bg "$T/log" $SF --probe "file://$T/hb?max-age=200ms" --probe-interval 100ms \
    --probe-start-interval 100ms --probe-retries 2 --on-unhealthy exit \
    -- sh -c "touch $T/hb; trap 'exit 0' TERM; while :; do sleep 0.05; done"
wait_exit "$UNSHARE_PID" 8
expect "--on-unhealthy exit: non-zero even when the child exits 0" 1 "$RC"
expect_match "--on-unhealthy exit is logged" 'action=exit' "$(cat "$T/log")"
