#!/bin/bash
# SPDX-License-Identifier: MIT
# Probes on a schedule with Docker's HEALTHCHECK semantics, the state file
# (format, atomicity, staleness, unwritable places), `vigil status`, and
# --wait. Peers are real: python3's http.server and a heartbeat file.
. "$(dirname "$0")/lib.sh"
# Network and file probes run sandboxed as 65534: their fixtures in $T
# must be reachable by that user.
chmod 0755 "$T"
H=$HELPERS
SF="--state-file $T/health"
status() { "$VIGIL" status --state-file "$T/health" "$@"; }
field() { sed -n "s/^$1=//p" "$T/health"; }

free_port() {
	python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}
PORT=$(free_port)
mkdir -p "$T/www"; echo ok >"$T/www/healthz"
python3 -m http.server "$PORT" --bind 127.0.0.1 --directory "$T/www" \
    >/dev/null 2>&1 &
WEB=$!
trap 'kill $WEB 2>/dev/null; rm -rf "$T"' EXIT
wait_for 5 "$VIGIL" probe "tcp://127.0.0.1:$PORT"

# --- transitions: starting -> healthy -> unhealthy -> healthy --------------
rm -f "$T/hb"
pid1_bg "$T/log" $SF --probe "file://$T/hb?max-age=400ms" \
    --probe "http://127.0.0.1:$PORT/healthz" --probe-interval 100ms \
    --probe-start-interval 50ms --probe-retries 2 -- sleep 30
VP=$(vigil_pid)
wait_for 3 test -s "$T/health"
expect "starts as starting" starting "$(field status)"
status >/dev/null; expect "vigil status: starting is not healthy" 1 $?
touch "$T/hb"
wait_for 3 grep -q '^status=healthy' "$T/health"
expect "healthy once every probe passes" healthy "$(field status)"
out=$(status); rc=$?
expect "vigil status exits 0 when healthy" 0 "$rc"
expect_match "and prints one summary line" '^healthy: .+ \(pid [0-9]+, restarts 0\)$' "$out"
expect "the summary is one line" 1 "$(printf '%s\n' "$out" | wc -l)"
expect_match "output of a passing round is kept" '^output=.+' "$(cat "$T/health")"
stale=$(field stale_after); upd=$(field updated)
# The file is rewritten every 10 s at least: stale three beats later
# (2 x 100ms + 5s timeout is less), rounded up, plus a second.
expect "stale_after = updated + max(3 heartbeats, 2 x interval + timeout) + 1" \
    $((upd + 31)) "$stale"
# Let the heartbeat age: unhealthy after 2 failures, with the file probe named.
wait_for 5 grep -q '^status=unhealthy' "$T/health"
expect "an old heartbeat turns it unhealthy" unhealthy "$(field status)"
expect_match "the failing probe is the one reported" "^probe=file://$T/hb" \
    "$(cat "$T/health")"
expect_match "with its output" '^output=file .*ago' "$(cat "$T/health")"
expect_ge "failures counted" 2 "$(field failures)"
out=$(status); rc=$?
expect "vigil status exits 1 when unhealthy" 1 "$rc"
expect_match "vigil status says why" '^unhealthy: file ' "$out"
touch "$T/hb"
wait_for 3 grep -q '^status=healthy' "$T/health"
expect "and healthy again after a pass" healthy "$(field status)"
expect_match "transitions are logged" 'msg="health changed" from=healthy status=unhealthy' \
    "$(cat "$T/log")"
# Atomic replacement: 100,000 reads while vigil rewrites every ~100 ms.
out=$("$H/hread" "$T/health" 100000)
expect "100,000 reads during rewrites: none torn" "reads=100000 torn=0" "$out"
kill -TERM "$VP"; wait_exit "$UNSHARE_PID" 5
expect "stopping is the last status" stopping "$(field status)"
status >/dev/null; expect "vigil status: stopping is not healthy" 1 $?
perm=$(stat -c '%a %U' "$T/health")
expect "file mode 0644, owned by vigil's user" "644 root" "$perm"

# --- start period and start interval -------------------------------------
rm -f "$T/hb"
pid1_bg "$T/log" $SF --probe "file://$T/hb" --probe-start-period 3s \
    --probe-start-interval 100ms --probe-interval 1s --probe-retries 1 \
    --verbosity 3 -- sleep 30
VP=$(vigil_pid)
probe_fails() { [ "$(grep -c 'msg="probe failed"' "$T/log")" -ge "$1" ]; }
wait_for 5 probe_fails 3
expect "failures inside the start period do not count" starting "$(field status)"
n=$(grep -c 'msg="probe failed"' "$T/log")
expect_ge "while starting, probes run every start-interval" 3 "$n"
expect "uncounted failures are logged at debug only" 0 \
    "$(grep 'msg="probe failed"' "$T/log" | grep -c -v 'level=debug')"
wait_for 10 grep -q '^status=unhealthy' "$T/health"
expect "after the start period one failure is enough (retries 1)" unhealthy \
    "$(field status)"
kill -TERM "$VP"; wait_exit "$UNSHARE_PID" 5

# successes: two passes in a row are needed.
pid1_bg "$T/log" $SF --probe "tcp://127.0.0.1:$PORT" --probe-successes 3 \
    --probe-start-interval 200ms --verbosity 3 -- sleep 30
VP=$(vigil_pid)
wait_for 10 grep -q '^status=healthy' "$T/health"
expect "--probe-successes 3: healthy after the third pass, not before" 3 \
    "$(sed -n '1,/msg="health changed"/p' "$T/log" | grep -c 'msg="probe passed"')"
kill -TERM "$VP"; wait_exit "$UNSHARE_PID" 5

# --- timeouts kill the whole probe group --------------------------------------
pid1_bg "$T/log" $SF --probe 'exec:sh -c "sleep 1000 & sleep 1000"' \
    --probe-timeout 200ms --probe-start-interval 100ms --probe-retries 1 \
    -- sleep 30
VP=$(vigil_pid)
wait_for 3 grep -q '^status=unhealthy' "$T/health"
expect_match "a hung exec probe times out" '^output=timeout after 200ms' \
    "$(cat "$T/health")"
sleep 0.1
# Only vigil's namespace: other test runs on this machine have their own.
left=$(pgrep --ns "$VP" --nslist pid -f '^sleep 1000' | wc -l)
expect "nothing of a timed-out probe is left behind" 0 "$left"
kill -TERM "$VP"; wait_exit "$UNSHARE_PID" 5

# --- without probes the status follows the child ------------------------------
pid1_bg "$T/log" $SF -- sleep 30
VP=$(vigil_pid)
wait_for 3 grep -q '^status=healthy' "$T/health"
expect "no probe: healthy while the child runs" healthy "$(field status)"
# Without probes the heartbeat still keeps the file honest.
expect "no probe: stale_after = updated + 31" $(( $(field updated) + 31 )) "$(field stale_after)"
status >/dev/null; expect "no probe: vigil status 0" 0 $?
kill -TERM "$VP"; wait_exit "$UNSHARE_PID" 5

# --- vigil status on bad files -------------------------------------------------
printf 'status=healthy\nsince=1\nupdated=%s\nstale_after=%s\npid=1\nrestarts=0\nlast_exit=\nfailures=0\nprobe=x\noutput=y\n' \
    $(( $(date +%s) - 100 )) $(( $(date +%s) - 50 )) >"$T/health"
out=$(status); rc=$?
expect "a stale file is not healthy" 1 "$rc"
expect_match "and says stale" '^stale: last update 1[0-9][0-9]s ago' "$out"
printf 'status=healthy\nsince=1\nupdated=%s\nstale_after=\npid=1\nrestarts=0\nlast_exit=\nfailures=0\nprobe=\noutput=\n' \
    $(( $(date +%s) - 30 )) >"$T/health"
status >/dev/null; expect "fresh without stale_after" 0 $?
status --max-age 10s >/dev/null; expect "--max-age 10s on a 30 s old file" 1 $?
status --max-age=1m >/dev/null; expect "--max-age=1m on a 30 s old file" 0 $?
VIGIL_STATE_FILE="$T/health" "$VIGIL" status >/dev/null
expect "VIGIL_STATE_FILE is honoured" 0 $?
printf 'status=healthy\nupdated=1' >"$T/health"
out=$(status); expect "a torn file is unreadable (exit 1)" 1 $?
expect_match "and says so" '^unreadable' "$out"
out=$(status --state-file "$T/nope"); expect "a missing file exits 1" 1 $?
expect_match "and says missing" '^missing: ' "$out"
status --max-age 10x >/dev/null 2>&1; expect "bad --max-age is usage (2)" 2 $?

# --- the state file in an unwritable place -------------------------------------
mkdir -p "$T/ro"; mount -t tmpfs -o ro,size=1m tmpfs "$T/ro" 2>/dev/null &&
{
	pid1 --state-file "$T/ro/vigil/health" -- sh -c 'sleep 0.3; exit 4' \
	    2>"$T/log"
	rc=$?
	umount "$T/ro"
	expect "read-only state dir: the child still runs and exits" 4 "$rc"
	expect "read-only state dir: one warning" 1 \
	    "$(grep -c 'cannot write state file' "$T/log")"
}
printf 'x' >"$T/notdir"
pid1 --state-file "$T/notdir/health" -- true 2>"$T/log"
expect "state path under a file: child still runs" 0 $?
# A symlink planted at the temporary name is not followed.
mkdir -p "$T/sl"; ln -s "$T/victim" "$T/sl/health.tmp"
pid1 --state-file "$T/sl/health" -- true 2>/dev/null
[ -e "$T/victim" ] && fail "a planted symlink is not followed" "victim written" ||
    pass "a planted symlink is not followed"
expect "and the file is written all the same" stopping \
    "$(sed -n 's/^status=//p' "$T/sl/health")"

# --- default path ---------------------------------------------------------------
rm -rf /run/vigil.testsave; [ -e /run/vigil ] && mv /run/vigil /run/vigil.testsave
pid1 -- true 2>/dev/null
expect "root's default is /run/vigil/health" stopping \
    "$(sed -n 's/^status=//p' /run/vigil/health)"
expect "its directory is 0755" 755 "$(stat -c %a /run/vigil)"
rm -rf /run/vigil; [ -e /run/vigil.testsave ] && mv /run/vigil.testsave /run/vigil

# --- --wait -----------------------------------------------------------------------
PORT2=$(free_port)
( sleep 0.6; exec python3 -m http.server "$PORT2" --bind 127.0.0.1 \
    --directory "$T/www" ) >/dev/null 2>&1 &
LATE=$!
t0=$(now_ms)
out=$(pid1 $SF --wait "tcp://127.0.0.1:$PORT2" --wait "http://127.0.0.1:$PORT/" \
    --probe-start-interval 100ms -- echo started 2>"$T/log")
rc=$?; t=$(( $(now_ms) - t0 ))
kill $LATE 2>/dev/null
expect "--wait: the child starts once every spec passes" "started 0" "$out $rc"
expect_ge "--wait: not before the dependency is up (>= 550 ms)" 550 "$t"
expect_match "--wait logs progress" 'msg=waiting probe=tcp://' "$(cat "$T/log")"
rm -f "$T/started"
t0=$(now_ms)
pid1 $SF --wait "tcp://127.0.0.1:1" --wait-timeout 500ms \
    --probe-start-interval 100ms -- touch "$T/started" 2>"$T/log"
rc=$?; t=$(( $(now_ms) - t0 ))
expect "--wait timeout exits 3" 3 "$rc"
expect_le "--wait timeout is on time (< 900 ms)" 900 "$t"
[ -e "$T/started" ] && fail "--wait timeout: child never started" started ||
    pass "--wait timeout: child never started"
expect_match "--wait timeout is logged" 'wait timed out' "$(cat "$T/log")"
pid1_bg "$T/log" $SF --wait "tcp://127.0.0.1:1" --probe-start-interval 100ms \
    -- touch "$T/started"
VP=$(vigil_pid); sleep 0.3
t0=$(now_ms); kill -TERM "$VP"; wait_exit "$UNSHARE_PID" 5
t=$(( $(now_ms) - t0 ))
expect "TERM while waiting exits at once (143)" 143 "$RC"
expect_le "TERM while waiting: within 300 ms" 300 "$t"
expect "stopping after TERM while waiting" stopping "$(field status)"
