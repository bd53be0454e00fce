#!/bin/bash
# SPDX-License-Identifier: MIT
# Ready is not alive: --ready-probe makes the container not ready without
# restarting it; vigil status, --alive and --ready answer the three
# questions; --stop-delay drains before the stop.
. "$(dirname "$0")/lib.sh"
H=$HELPERS
PY=python3
SF="--state-file $T/health"
field() { sed -n "s/^$1=//p" "$T/health"; }
st() { "$VIGIL" status $SF "$@" >/dev/null 2>&1; echo $?; }

# An HTTP peer: /ready answers 200 once $T/ok exists, 503 before.
$PY - "$T" <<'PYEOF' &
import http.server, os, sys, socketserver
t = sys.argv[1]
class H(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        code = 200 if self.path != "/ready" or os.path.exists(t + "/ok") else 503
        self.send_response(code); self.send_header("Content-Length", "0"); self.end_headers()
    def log_message(self, *a): pass
s = socketserver.TCPServer(("127.0.0.1", 0), H)
open(t + "/port.tmp", "w").write(str(s.server_address[1])); os.rename(t + "/port.tmp", t + "/port")
s.serve_forever()
PYEOF
SRV=$!
trap 'kill $SRV 2>/dev/null; rm -rf "$T"' EXIT
wait_for 10 test -s "$T/port"
P=$(cat "$T/port")

pid1_bg "$T/log" $SF --probe "http://127.0.0.1:$P/live" \
    --ready-probe "http://127.0.0.1:$P/ready" --on-unhealthy restart \
    --probe-start-interval 100ms --probe-interval 200ms --probe-retries 2 \
    --verbosity 3 -- sleep 60
VP=$(vigil_pid)
wait_for 10 grep -q '^status=healthy' "$T/health"
rounds() { [ "$(grep -c 'probe failed.*ready' "$T/log")" -ge "$1" ]; }
wait_for 20 rounds 6
expect "a failing ready probe: healthy, but not ready" "healthy no" "$(field status) $(field ready)"
expect_match "and says why" '^http://127.0.0.1:[0-9]+/ready: HTTP 503' "$(field ready_reason)"
expect "and never restarts the child" 0 "$(field restarts)"
expect "vigil status: 1 (Docker's check means healthy and ready)" 1 "$(st)"
expect_match "and says it is not ready" '^not ready: http://' "$("$VIGIL" status $SF)"
expect "vigil status --alive: 0" 0 "$(st --alive)"
expect "vigil status --ready: 1" 1 "$(st --ready)"
touch "$T/ok"
wait_for 10 grep -q '^ready=yes' "$T/health"
expect "ready once the ready probe passes" yes "$(field ready)"
expect "vigil status: 0" 0 "$(st)"
expect "vigil status --ready: 0" 0 "$(st --ready)"
"$VIGIL" status $SF --alive --ready >/dev/null 2>&1
expect "--alive with --ready is a usage error" 2 $?
kill -TERM "$VP"; wait_exit "$UNSHARE_PID" 10

# Without ready probes, ready follows healthy.
pid1_bg "$T/log" $SF -- sleep 60
VP=$(vigil_pid)
wait_for 10 grep -q '^ready=yes' "$T/health"
expect "no ready probe: ready follows the running child" "healthy yes" "$(field status) $(field ready)"
kill -TERM "$VP"; wait_exit "$UNSHARE_PID" 10

# --- the drain --------------------------------------------------------------
rm -f "$T/rec"
pid1_bg "$T/log" $SF --stop-delay 2s -- "$H/sigrec" "$T/rec"
VP=$(vigil_pid)
wait_for 5 grep -q ready "$T/rec"
wait_for 5 grep -q '^ready=yes' "$T/health"
t0=$(now_ms)
kill -TERM "$VP"
wait_for 5 grep -q '^phase=draining' "$T/health"
expect "on TERM: the file says draining" 0 $?
expect "on TERM: not ready at once" "no stopping" "$(field ready) $(field status)"
expect "and the child has not had the TERM yet" 0 "$(grep -c ' 15$' "$T/rec")"
expect "vigil status --alive: still alive while draining" 0 "$(st --alive)"
expect "vigil status --ready: 1 while draining" 1 "$(st --ready)"
wait_for 10 grep -q ' 15$' "$T/rec"
t=$(( $(now_ms) - t0 ))
expect_ge "the child gets TERM only after the delay (>= 2000 ms)" 2000 "$t"
wait_exit "$UNSHARE_PID" 10
expect "and vigil exits with its status" 0 "$RC"

rm -f "$T/rec"
pid1_bg "$T/log" $SF --stop-delay 60s -- "$H/sigrec" "$T/rec"
VP=$(vigil_pid)
wait_for 5 grep -q ready "$T/rec"
kill -TERM "$VP"
wait_for 5 grep -q '^phase=draining' "$T/health"
kill -TERM "$VP"
wait_for 20 grep -q ' 15$' "$T/rec"
expect "a second TERM cuts the drain short" 1 "$(grep -c ' 15$' "$T/rec")"
wait_exit "$UNSHARE_PID" 10

# --- the stop budget ----------------------------------------------------------
out=$(pid1 --stop-budget 30s --stop-delay 5s --stop-sequence TERM:30s,KILL:1s -- true 2>&1)
expect_match "a stop that can outlast the runtime's timeout is named" \
    'msg="the stop may outlast the runtime.s timeout" budget=30s need=36s' "$out"
out=$(pid1 --stop-budget 60s --stop-delay 5s --stop-sequence TERM:30s,KILL:1s -- true 2>&1)
expect_no_match "one that fits is not" 'outlast' "$out"
