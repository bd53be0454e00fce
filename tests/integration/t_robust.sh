#!/bin/bash
# SPDX-License-Identifier: MIT
# PID 1 under adverse conditions: a probe that escapes its process group, a
# slow starter, `vigil probe` killed by Docker's timeout, a stalled stderr,
# `docker exec` sessions across restarts, Ctrl-C on a terminal, scripts
# without "#!".
. "$(dirname "$0")/lib.sh"
SF="--state-file $T/health"
PY=/usr/bin/python3
free_port() {
	$PY -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}
cpu_ticks() { awk '{ print $14 + $15 }' "/proc/$1/stat"; }

# An exec probe that leaves its process group still dies at its timeout, and
# a stop that waits meanwhile costs no CPU (no busy loop on its deadline).
cat >"$T/escape.py" <<'PYEOF'
import os, time
os.setpgid(0, os.getpgid(os.getppid()))
open(os.environ["MARK"], "w").write(str(os.getpid()))
time.sleep(100)
PYEOF
export MARK="$T/escaped"
pid1_bg "$T/log" $SF --probe "exec:$PY $T/escape.py" --probe-timeout 300ms \
    --probe-start-interval 50ms --probe-retries 1 --grace 3s -- \
    sh -c 'trap "" TERM; sleep 100'
VP=$(vigil_pid)
wait_for 5 grep -q '^status=unhealthy' "$T/health"
expect_match "an escaped probe still times out" '^output=timeout after 300ms' \
    "$(cat "$T/health")"
sleep 0.2
[ -s "$MARK" ] && pass "the probe did leave its group" ||
    fail "the probe did leave its group" "no mark"
expect "an escaped probe is killed at its timeout" 0 \
    "$(pgrep -f "^$PY $T/escape.py" | wc -l)"
kill -TERM "$VP"; sleep 0.2
c0=$(cpu_ticks "$VP"); sleep 1; c1=$(cpu_ticks "$VP")
expect_le "waiting out a stop costs no CPU (ticks in 1 s)" 2 $((c1 - c0))
wait_exit "$UNSHARE_PID" 6
expect "and the stop ends in SIGKILL after --grace" 137 "$RC"

# A slow starter: while starting, failures count at most once per interval,
# so an app that listens after 1.5 s is not restarted at 0.3 s.
PORT=$(free_port)
pid1_bg "$T/log" $SF --probe "tcp://127.0.0.1:$PORT" --probe-interval 1s \
    --probe-start-interval 100ms --on-unhealthy restart --verbosity 3 -- \
    $PY -c "import socket, time
time.sleep(1.5); s = socket.socket(); s.bind(('127.0.0.1', $PORT)); s.listen()
time.sleep(100)"
VP=$(vigil_pid)
wait_for 5 grep -q '^status=healthy' "$T/health"
expect "a slow starter turns healthy" healthy "$(sed -n 's/^status=//p' "$T/health")"
expect "and was never restarted" 0 "$(sed -n 's/^restarts=//p' "$T/health")"
expect_ge "fast polling kept running while starting (>= 8 rounds)" 8 \
    "$(grep -c 'msg="probe failed"' "$T/log")"
kill -TERM "$VP"; wait_exit "$UNSHARE_PID" 5

# `vigil probe` SIGKILLed by a HEALTHCHECK timeout leaves no probe behind:
# neither the probe process (named after its spec) nor, for an exec probe,
# what the command started.
SILENT=$(free_port)
$PY -c "import socket, time
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(('127.0.0.1', $SILENT)); s.listen(); c = [s.accept() for _ in range(3)]
time.sleep(100)" &
SRV=$!
wait_for 5 $PY -c "import socket; socket.create_connection(('127.0.0.1', $SILENT))"
"$VIGIL" probe --timeout 20s "http://127.0.0.1:$SILENT/x" >/dev/null &
PP=$!
named() { pgrep -f "^vigil probe http://127.0.0.1:$SILENT/x" >/dev/null; }
wait_for 5 named
expect "a probe process is named after its spec" 0 $?
kill -KILL "$PP"; wait "$PP" 2>/dev/null
gone() { ! named; }
wait_for 5 gone
expect "vigil probe killed: its probe process dies too" 0 $?
mark="777.$$"
"$VIGIL" probe --timeout 20s "exec:sh -c 'sleep $mark; true'" >/dev/null &
PP=$!
sleeping() { pgrep -f "^sleep $mark\$" >/dev/null; }
wait_for 5 sleeping
expect "the exec probe's command runs" 0 $?
kill -KILL "$PP"; wait "$PP" 2>/dev/null
awake() { ! sleeping; }
wait_for 5 awake
expect "vigil probe killed: the exec probe's grandchild dies too" 0 $?
# An inherited SIG_IGN for SIGCHLD must not make `vigil probe` hang.
start=$(now_ms)
out=$($PY -c "import os, signal, sys
signal.signal(signal.SIGCHLD, signal.SIG_IGN)
os.execv(sys.argv[1], sys.argv[1:])" "$VIGIL" probe --timeout 300ms \
    "tcp://127.0.0.1:$SILENT" "http://127.0.0.1:$SILENT/" 2>&1)
expect_le "vigil probe with SIGCHLD ignored still returns (< 2 s)" 2000 \
    $(( $(now_ms) - start ))
expect_match "and reports both results" 'fail http.*timeout' "$out"
kill "$SRV" 2>/dev/null

# A stalled stderr reader must not stop PID 1: it drops log lines instead.
rm -f "$T/alive"
( unshare --pid --fork --mount-proc --kill-child "$VIGIL" $SF -v \
    --probe exec:false --probe-interval 1ms --probe-start-interval 1ms \
    -- sh -c "trap 'exit 0' TERM; while :; do sleep 0.05; done" 2>&1 |
    sleep 30 ) &
BG=$!
sleep 1.5
VP=$(pgrep -P "$(pgrep -f "^unshare --pid .*probe exec:false --probe-interval 1ms")")
start=$(now_ms)
kill -TERM "$VP"
wait_for 3 sh -c "! kill -0 $VP 2>/dev/null"
expect_le "with stderr stalled, TERM still stops vigil at once (< 1 s)" 1000 \
    $(( $(now_ms) - start ))
kill "$BG" 2>/dev/null; pkill -f '^sleep 30$' 2>/dev/null; wait "$BG" 2>/dev/null

# A restart ends what the crashed child left, not `docker exec` sessions.
pid1_bg "$T/log" $SF --restart always --backoff-initial 300ms -- \
    sh -c 'sleep 100 & sleep 0.5; exit 1'
VP=$(vigil_pid); sleep 0.2
nsenter --target "$VP" --pid --mount -- sh -c "trap 'echo got-term >$T/exec; exit' TERM
    echo in >$T/exec; while :; do sleep 0.05; done" 2>/dev/null &
NS=$!
wait_for 3 grep -q restarts=1 "$T/health"; sleep 0.5
expect "a restart leaves an exec'd session alone" "in" "$(cat "$T/exec")"
kill -0 "$NS" 2>/dev/null && pass "and the session still runs" ||
    fail "and the session still runs" "gone"
kill -TERM "$VP"; wait_exit "$UNSHARE_PID" 5
# At the final stop it ends, by vigil's TERM or by the kernel's SIGKILL when
# PID 1 exits, whichever comes first, as with the runtime.
wait_for 3 sh -c "! kill -0 $NS 2>/dev/null" &&
    pass "the final stop ends the session too" ||
    fail "the final stop ends the session too" "nsenter $NS still runs"

# Ctrl-C on a terminal is a stop request, even with --restart always.
out=$(script -qec "unshare --pid --fork --mount-proc $VIGIL $SF --restart always \
    --backoff-initial 10ms -- sh -c 'echo start; kill -INT \$\$'" /dev/null \
    2>/dev/null | tr -d '\r')
expect "on a terminal, a child ended by INT is not restarted" 1 \
    "$(grep -c '^start' <<<"$out")"
pid1 $SF --restart always --backoff-initial 10ms --max-restarts 1 -- \
    sh -c 'echo start >>'"$T/starts"'; kill -INT $$' </dev/null 2>/dev/null
expect "without a terminal the same death is restarted" 2 "$(wc -l <"$T/starts")"

# No "#!": not executable, with either libc (no /bin/sh fallback).
printf 'echo ran\n' >"$T/noshebang"; chmod +x "$T/noshebang"
out=$(pid1 $SF -- "$T/noshebang" 2>"$T/err"); rc=$?
expect "a script without #! exits 126" "126" "$rc"
expect_match "and says why" 'Exec format error' "$(cat "$T/err")"
out=$("$VIGIL" probe "exec:$T/noshebang")
expect_match "exec probes follow the same rule" 'fail exec:.*(format|126)' "$out"
