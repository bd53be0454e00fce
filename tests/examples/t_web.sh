#!/bin/bash
# SPDX-License-Identifier: MIT
# examples/web end to end: the http.server app under vigil as PID 1, held
# back by --wait until its redis accepts connections, probed over HTTP,
# replaced when it wedges, stopped gracefully; the HEALTHCHECK command
# (`vigil status`) at each step; and run-local as a user runs it.
. "$(dirname "$0")/lib.sh"

need redis-server command -v redis-server
need python3 command -v python3

cd "$EXAMPLES/web" || exit 1
SF="$T/health"
field() { sed -n "s/^$1=//p" "$SF"; }
status() { "$VIGIL" status --state-file "$SF"; }
is_healthy() { grep -q '^status=healthy' "$SF"; }
# get URL: the body, or "error: ..." (1 s timeout).
get() {
	python3 - "$1" <<'EOF'
import sys, urllib.request
try:
    with urllib.request.urlopen(sys.argv[1], timeout=1) as r:
        print(r.read().decode().strip())
except Exception as e:
    print("error:", e)
EOF
}
# vigil's child running app.py. Anchored: vigil's own command line, which
# its probe children share, ends in "python3 app.py" too. (python3 may be
# a wrapper that execs the real interpreter by its full path.)
app_pid() { pgrep -P "$1" -f '^[^ ]*python3 app\.py' | head -n 1; }

PORT=$(free_port)
RP=$(free_port)
export PORT REDIS_URL="redis://127.0.0.1:$RP/0"
URL="http://127.0.0.1:$PORT"

# --- --wait: nothing starts before redis accepts connections -----------------
echo "## --wait"
pid1_bg "$T/log" --state-file "$SF" --wait "tcp://127.0.0.1:$RP" \
    --wait-timeout 30s --probe "$URL/healthz" --probe-interval 1s \
    --probe-timeout 1s --probe-start-period 10s \
    --on-unhealthy restart --restart on-failure --grace 2s -- python3 app.py
VP=$(vigil_pid)
sleep 1.5
expect "while redis is down the app is not started" "" "$(app_pid "$VP")"
expect_match "vigil says it is waiting" 'msg=waiting probe=tcp://127\.0\.0\.1:[0-9]+' \
    "$(cat "$T/log")"
status >/dev/null
expect "vigil status: not healthy while waiting" 1 "$?"
t_redis=$(now_ms)
start_redis_on() {
	setsid redis-server --port "$1" --bind 127.0.0.1 --save '' \
	    --appendonly no --dir "$T" >"$T/redis-$1.log" 2>&1 &
	BG_PIDS+=("$!")
}
start_redis_on "$RP"
wait_for 20 is_healthy
info "web: healthy $(elapsed_s "$t_redis") s after redis came up"
expect "the app starts once redis is up, and gets healthy" healthy "$(field status)"
order=$(awk '/msg="wait passed"/ && !w { w = NR }
    /msg="child started"/ && !c { c = NR }
    END { print (w && c > w) ? "wait, then start" : "w=" w " c=" c }' "$T/log")
expect "the wait passed before the child started" "wait, then start" "$order"
out=$(status); rc=$?
expect "HEALTHCHECK (vigil status) exits 0" 0 "$rc"
expect_match "and prints the probe's line" '^healthy: HTTP 200 in [0-9]+ms' "$out"
expect_match "the app counts visits in redis" '^hello, visit 1 ' "$(get "$URL/")"
expect_match "and again" '^hello, visit 2 ' "$(get "$URL/")"

# --- a wedged server is replaced ---------------------------------------------
echo "## wedged"
A=$(app_pid "$VP")
get "$URL/freeze" >/dev/null    # times out after 1 s; the server is stuck
t_freeze=$(now_ms)
expect_match "the wedged app does not answer" '^error' "$(get "$URL/")"
wait_for 20 grep -q '^status=unhealthy' "$SF"
t_unh=$(elapsed_s "$t_freeze")
expect "the HTTP probe times out: unhealthy" unhealthy "$(field status)"
status >/dev/null
expect "HEALTHCHECK (vigil status) exits 1" 1 "$?"
wait_for 20 sh -c "grep -q '^restarts=1' '$SF' && grep -q '^status=healthy' '$SF'"
t_rep=$(elapsed_s "$t_freeze")
expect "replaced: healthy again, restarts=1" "healthy 1" "$(field status) $(field restarts)"
expect_match "SIGTERM went unheard; --grace ended in SIGKILL" \
    'msg="stop deadline passed, killing"' "$(cat "$T/log")"
B=$(app_pid "$VP")
if [ -n "$B" ] && [ "$B" != "$A" ]; then pass "a new app process"
else fail "a new app process" "old $A, new '$B'"; fi
expect_match "it serves, and the count lives on in redis" '^hello, visit 3 ' "$(get "$URL/")"
info "web wedged: unhealthy $t_unh s after /freeze, serving again after $t_rep s (interval 1s, timeout 1s, retries 3, grace 2s)"

# --- graceful stop -------------------------------------------------------------
echo "## stop"
t0=$(now_ms)
kill -TERM "$VP"
wait_exit "$UNSHARE_PID" 10
stop_ms=$(( $(now_ms) - t0 ))
expect "SIGTERM: the app stops gracefully, vigil exits 0" 0 "$RC"
expect_le "within a second" 1000 "$stop_ms"
expect_match "the app saw the signal" 'web: signal 15' "$(cat "$T/log")"
info "web stop: ${stop_ms} ms from SIGTERM to vigil's exit"

# --- --wait-timeout: a dependency that never comes ----------------------------
NOPE=$(free_port)
pid1_bg "$T/log2" --state-file "$SF" --wait "tcp://127.0.0.1:$NOPE" \
    --wait-timeout 1s -- python3 app.py
wait_exit "$UNSHARE_PID" 10
expect "--wait-timeout: vigil exits 3" 3 "$RC"
expect_no_match "and the app never ran" 'web: listening' "$(cat "$T/log2")"

# --- run-local as a user runs it -----------------------------------------------
echo "## run-local"
mkdir -p "$T/rl"
# As from an interactive shell: SIGINT not ignored, own process group.
RUN_DIR="$T/rl" REDIS_DELAY=1 VIGIL="$VIGIL" setsid env --default-signal=INT \
    "$EXAMPLES/web/run-local" \
    >"$T/log-rl" 2>&1 </dev/null &
RL=$!
BG_PIDS+=("$RL")
wait_for 10 test -s "$T/rl/env"
. "$T/rl/env"
wait_for 20 "$VIGIL" status
expect "run-local: healthy (vigil status)" 0 "$?"
expect_match "run-local: serves" '^hello, visit 1 ' "$(get "$WEB_URL/")"
kill -INT -- "-$RL"    # Ctrl-C
wait_exit "$RL" 20
expect "run-local exits 0 after Ctrl-C" 0 "$RC"
rl_rport=$(sed -n 's/.*REDIS_URL=redis:\/\/127\.0\.0\.1:\([0-9]*\).*/\1/p' "$T/rl/env")
"$VIGIL" probe "tcp://127.0.0.1:$rl_rport" >/dev/null 2>&1
expect "run-local stopped its redis too" 1 "$?"
rl_vp=$(sed -n 's/^export VIGIL_PID=//p' "$T/rl/env")
expect_match "run-local recorded vigil's pid" '^[0-9]+$' "$rl_vp"
kill -0 "${rl_vp:-0}" 2>/dev/null
expect "run-local's vigil is gone" 1 "$?"
