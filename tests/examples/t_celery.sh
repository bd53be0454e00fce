#!/bin/bash
# SPDX-License-Identifier: MIT
# examples/celery end to end: a real Celery worker (prefork, 2 processes)
# on a real redis-server, under vigil as PID 1 of a fresh PID namespace,
# with the Compose file's vigil flags at test speed (heartbeat max-age 3s,
# probe interval 1s). Shows: health starting -> healthy, kept so by the
# heartbeats; a crash healed by a restart without zombies; a warm stop that
# loses no task; a frozen (SIGSTOP) and a hung worker detected and
# replaced; what -g (dumb-init style) does instead; and run-local as is.
. "$(dirname "$0")/lib.sh"

need "$PY with celery and redis-py" "$PY" -c 'import celery, redis'
need redis-server command -v redis-server

cd "$EXAMPLES/celery" || exit 1
start_redis
export CELERY_BROKER_URL="redis://127.0.0.1:$REDIS_PORT/0"
# The file probe runs sandboxed as 65534: the heartbeat must be reachable.
chmod 0755 "$T"
export HEARTBEAT_FILE="$T/hb"
SF="$T/health"
WORKER=("$PY" -m celery -A tasks worker --concurrency 2 --pool prefork -l info)
# The Compose flags, with the probe timings shrunk. The start period
# shields a worker that is still importing and connecting: its failures do
# not count until it first passes.
FLAGS=(--state-file "$SF" --probe "file://$HEARTBEAT_FILE?max-age=3s"
    --probe-interval 1s --probe-start-period 30s
    --on-unhealthy restart --restart on-failure)

client() { "$PY" "$EXAMPLES/celery/client.py" "$@"; }
field() { sed -n "s/^$1=//p" "$SF"; }
status() { "$VIGIL" status --state-file "$SF"; }
is_healthy() { grep -q '^status=healthy' "$SF"; }
# The worker's MainProcess: vigil's child running celery. Anchored: a probe
# child is a fork of vigil, whose command line has the worker's in it.
worker_main() { pgrep -P "$1" -f "^$PY -m celery -A tasks worker" | head -n 1; }
# wait_started ID: until the task is running in a pool process.
wait_started() {
	local _
	for _ in $(seq 1 40); do
		[ "$(client state "$1")" = STARTED ] && return 0
		sleep 0.1
	done
	return 1
}
# start_worker LOG EXTRA_FLAG...: vigil + worker; sets VP (vigil's pid).
start_worker() {
	local log=$1; shift
	rm -f "$SF" "$HEARTBEAT_FILE"
	T_START=$(now_ms)
	pid1_bg "$log" "${FLAGS[@]}" "$@" -- "${WORKER[@]}"
	VP=$(vigil_pid)
}
# finished_ms RESULT_LINE: the "finished" time of a long task, in epoch ms.
finished_ms() {
	printf '%s' "$1" | sed -n 's/.*"finished": \([0-9.]*\).*/\1/p' |
	    awk '{ printf "%.0f", $1 * 1000 }'
}

# --- 4. the health file: starting -> healthy, and vigil status follows ------
echo "## health after start"
start_worker "$T/log-a" --stop-sequence TERM:50s,QUIT:8s
wait_for 5 test -s "$SF"
expect "the health file starts as starting" starting "$(field status)"
out=$(status); rc=$?
expect "vigil status exits 1 while starting" 1 "$rc"
expect_match "and says starting" '^starting' "$out"
if wait_for 30 is_healthy; then
	info "celery: healthy $(elapsed_s "$T_START") s after vigil started"
fi
expect "healthy once the worker beats" healthy "$(field status)"
out=$(status); rc=$?
expect "vigil status exits 0 when healthy" 0 "$rc"
expect_match "its line names the heartbeat" "^healthy: file $HEARTBEAT_FILE: modified" "$out"
t_healthy=$(now_ms)
expect "the worker serves (add 2 3)" "SUCCESS 5" "$(client call add 2 3)"
# The ready mark alone would be stale after 3 s: the heartbeats must go on.
m0=$(stat -c %Y "$HEARTBEAT_FILE")
wait_for 6 sh -c "[ \$(stat -c %Y '$HEARTBEAT_FILE') -gt $m0 ]"
expect_ge "the heartbeat file is touched again" $(( m0 + 1 )) "$(stat -c %Y "$HEARTBEAT_FILE")"
left_ms=$(( 7500 - ($(now_ms) - t_healthy) ))
[ "$left_ms" -gt 0 ] && sleep "$(( left_ms / 1000 )).$(printf '%03d' $(( left_ms % 1000 )))"
expect "still healthy 7 s later, over twice max-age" "healthy 0" \
    "$(field status) $(field failures)"
expect_no_match "and no probe failed since it became healthy" 'probe failed' \
    "$(sed -n '/msg="health changed" from=starting status=healthy/,$p' "$T/log-a")"

# --- 2. crash: the MainProcess is SIGKILLed ---------------------------------
echo "## crash"
M=$(worker_main "$VP")
KIDS=$(pgrep -P "$M" | tr '\n' ' ')
expect "the worker runs 2 pool processes" 2 "$(echo "$KIDS" | wc -w)"
client send crash main >/dev/null    # the task SIGKILLs its MainProcess
wait_for 10 sh -c "! kill -0 $M"
t_crash=$(now_ms)
expect_match "vigil saw the worker die of SIGKILL and schedules a restart" \
    'msg="child exited" pid=[0-9]+ status=137 signal=KILL ran=[0-9.]+m?s restart_in=[0-9.]+m?s restarts=1' \
    "$(cat "$T/log-a")"
# Celery's pool processes die with their parent (PDEATHSIG); as orphans
# they belong to PID 1 now, which must reap them.
pool_left() {
	local k s left=
	for k in $KIDS; do
		s=$(ps -o stat= -p "$k" 2>/dev/null) && left="$left $k:$s"
	done
	printf '%s' "$left"
}
wait_for 5 test -z "$(pool_left)"
expect "the old pool processes are gone, not zombies" "" "$(pool_left)"
expect "no zombie under vigil" 0 "$(ps -o stat= --ppid "$VP" | grep -c '^Z')"
not_healthy() { ! is_healthy; }
wait_for 5 not_healthy
expect_match "between workers the health file is not healthy" \
    '^(starting|unhealthy)$' "$(field status)"
wait_for 30 sh -c "grep -q '^restarts=1' '$SF' && grep -q '^status=healthy' '$SF'"
expect "the new worker is healthy, restarts=1" "healthy 1" \
    "$(field status) $(field restarts)"
info "celery crash: worker healthy again $(elapsed_s "$t_crash") s after the SIGKILL (backoff 1s + start)"
M2=$(worker_main "$VP")
expect_match "a new MainProcess" '^[0-9]+$' "$M2"
if [ "$M2" != "$M" ]; then pass "not the old one"
else fail "not the old one" "$M2"; fi
expect "the new worker serves (add 20 22)" "SUCCESS 42" "$(client call add 20 22)"

# --- 1. warm stop: SIGTERM while a task runs ----------------------------------
echo "## warm stop"
id=$(client send long 6 warm)
wait_started "$id"
expect "the long task is running" STARTED "$(client state "$id")"
t_term=$(now_ms)
kill -TERM "$VP"
wait_exit "$UNSHARE_PID" 70
warm_ms=$(( $(now_ms) - t_term ))
expect "vigil exits 0 (the worker's warm shutdown status)" 0 "$RC"
expect_le "within the ladder's TERM step (50 s)" 50000 "$warm_ms"
res=$(client wait "$id" 5)
expect_match "the running task finished and its result is stored" \
    '^SUCCESS \{.*"tag": "warm"' "$res"
fin=$(finished_ms "$res")
expect_ge "it finished after the SIGTERM: it ran on through the stop" \
    "$t_term" "${fin:-0}"
expect_no_match "no QUIT or KILL was needed" 'signal=(QUIT|KILL)' \
    "$(sed -n '/msg="stop requested"/,$p' "$T/log-a")"
expect_no_match "the stale heartbeat during shutdown did not trigger a restart" \
    'child unhealthy' "$(cat "$T/log-a")"
expect "the last status is stopping" stopping "$(field status)"
info "celery warm stop: vigil exited $(( warm_ms / 1000 )).$(( warm_ms % 1000 / 100 )) s after SIGTERM; task finished $(( (fin - t_term) / 1000 )).$(( (fin - t_term) % 1000 / 100 )) s after it"
WARM_RESULT=$res WARM_MS=$warm_ms

# --- 3. hung worker: SIGSTOP, then a real hang ---------------------------------
echo "## frozen worker (SIGSTOP)"
# The ladder is short, but long enough (6 s) for an idle worker to stop
# warmly at the end, even on a busy machine.
start_worker "$T/log-b" --stop-sequence TERM:6s,QUIT:2s
wait_for 30 is_healthy
expect "healthy before the freeze" healthy "$(field status)"
M=$(worker_main "$VP")
KIDS=$(pgrep -P "$M" | tr '\n' ' ')
kill -STOP "$M"
t_stop=$(now_ms)
wait_for 30 grep -q '^status=unhealthy' "$SF"
t_unh=$(elapsed_s "$t_stop")
expect "the stale heartbeat makes it unhealthy" unhealthy "$(field status)"
out=$(status); rc=$?
expect "vigil status exits 1" 1 "$rc"
expect_match "and says which probe failed" "^unhealthy: file $HEARTBEAT_FILE: modified [0-9]+s ago" "$out"
wait_for 30 sh -c "grep -q '^restarts=1' '$SF' && grep -q '^status=healthy' '$SF'"
t_rep=$(elapsed_s "$t_stop")
expect "--on-unhealthy restart replaced the worker" "healthy 1" \
    "$(field status) $(field restarts)"
log=$(cat "$T/log-b")
expect_match "vigil logged the decision" 'msg="child unhealthy" pid=[0-9]+ action=restart' "$log"
# vigil follows each step of its ladder with SIGCONT: the frozen worker
# wakes, hears TERM and shuts down warm.
expect_match "the ladder's SIGCONT woke it; it stopped warm on TERM (status 0)" \
    'msg="child exited" pid=[0-9]+ status=0 ' "$log"
expect_no_match "no KILL was needed" 'stop deadline passed' "$log"
if kill -0 "$M" 2>/dev/null; then fail "the frozen MainProcess is gone" "pid $M"
else pass "the frozen MainProcess is gone"; fi
wait_for 5 test -z "$(pool_left)"
expect "its pool processes too" "" "$(pool_left)"
expect "the replacement serves (add 1 1)" "SUCCESS 2" "$(client call add 1 1)"
info "celery SIGSTOP: unhealthy $t_unh s after SIGSTOP, replaced and healthy after $t_rep s (max-age 3s, interval 1s, retries 3; TERM+CONT, warm stop)"

echo "## hung worker (main process deaf to TERM and QUIT)"
M=$(worker_main "$VP")
KIDS=$(pgrep -P "$M" | tr '\n' ' ')
expect "the hang task runs" '"the MainProcess hangs"' \
    "$(client call hang | sed -n 's/^SUCCESS //p')"
t_hang=$(now_ms)
wait_for 30 grep -q '^status=unhealthy' "$SF"
t_unh=$(elapsed_s "$t_hang")
expect "the silent heartbeat makes it unhealthy" unhealthy "$(field status)"
status >/dev/null
expect "vigil status exits 1" 1 "$?"
wait_for 40 sh -c "grep -q '^restarts=2' '$SF' && grep -q '^status=healthy' '$SF'"
t_rep=$(elapsed_s "$t_hang")
expect "replaced: healthy again, restarts=2" "healthy 2" \
    "$(field status) $(field restarts)"
log=$(sed -n '/msg="child started" pid=[0-9]* command=[^ ]* restarts=1$/,$p' "$T/log-b")
expect_match "TERM, then QUIT, went unheard" \
    'signal=TERM next_in=6\.0s.*~.*signal=QUIT next_in=2\.0s' "$(printf '%s' "$log" | grep 'stopping child' | tr '\n' '~')"
expect_match "the ladder ended in SIGKILL" 'msg="stop deadline passed, killing"' "$log"
expect_match "vigil saw it die of SIGKILL" 'msg="child exited" pid=[0-9]+ status=137 signal=KILL' "$log"
wait_for 5 test -z "$(pool_left)"
expect "the hung MainProcess and its pool are gone" "" "$(pool_left)"
if kill -0 "$M" 2>/dev/null; then fail "no trace of the hung MainProcess" "pid $M"
else pass "no trace of the hung MainProcess"; fi
expect "the replacement serves (add 2 2)" "SUCCESS 4" "$(client call add 2 2)"
info "celery hang: unhealthy $t_unh s after the hang, replaced and healthy after $t_rep s (ladder TERM:6s,QUIT:2s, then KILL; restart backoff 2s)"
kill -TERM "$VP"
wait_exit "$UNSHARE_PID" 30
expect "and stops cleanly" 0 "$RC"

# --- 5. -g: the stop signal goes to the whole process group -------------------
echo "## -g (group signalling, as dumb-init does by default)"
start_worker "$T/log-c" --stop-sequence TERM:50s,QUIT:8s -g
wait_for 30 is_healthy
id=$(client send long 6 grouped)
wait_started "$id"
expect "the long task is running" STARTED "$(client state "$id")"
t_term=$(now_ms)
kill -TERM "$VP"
wait_exit "$UNSHARE_PID" 70
g_ms=$(( $(now_ms) - t_term ))
res=$(client wait "$id" 5)
expect_no_match "with -g the task does not succeed" '^SUCCESS' "$res"
expect_match "its pool process got SIGTERM and died mid-task: WorkerLostError" \
    "^FAILURE WorkerLostError\\('Worker exited prematurely: signal 15 \\(SIGTERM\\)" "$res"
expect_match "the default run's task succeeded where this one failed" '^SUCCESS' "$WARM_RESULT"
info "celery without -g: task $(printf '%s' "$WARM_RESULT" | cut -c1-7), vigil exited after $(( WARM_MS / 1000 )).$(( WARM_MS % 1000 / 100 )) s"
info "celery with -g:    task $res, vigil exited after $(( g_ms / 1000 )).$(( g_ms % 1000 / 100 )) s"

# --- 6. sd_notify instead of the heartbeat file ------------------------------
echo "## sd_notify (--notify --watchdog, no heartbeat file)"
rm -f "$SF" "$HEARTBEAT_FILE"
hb_saved=$HEARTBEAT_FILE
HEARTBEAT_FILE=
T_START=$(now_ms)
pid1_bg "$T/log-n" --state-file "$SF" --notify --watchdog 10s \
    --on-unhealthy restart --restart on-failure --stop-sequence TERM:2s,QUIT:1s \
    -- "${WORKER[@]}"
VP=$(vigil_pid)
HEARTBEAT_FILE=$hb_saved
if wait_for 40 grep -q '^ready=yes' "$SF"; then
	info "celery sd_notify: READY=1 $(elapsed_s "$T_START") s after vigil started"
fi
expect "notify: READY=1 on worker_ready (ready=yes)" yes "$(field ready)"
expect_match "notify: STATUS= is vigil status's line" \
    '^healthy: consuming tasks \(pid [0-9]+\) \(pid' "$(status)"
if [ -e "$HEARTBEAT_FILE" ]; then fail "notify: no heartbeat file" "$HEARTBEAT_FILE"
else pass "notify: no heartbeat file"; fi
expect "notify: the worker serves (add 5 6)" "SUCCESS 11" "$(client call add 5 6)"
t_ready=$(now_ms)
left_ms=$(( 12000 - ($(now_ms) - t_ready) ))
sleep "$(( left_ms / 1000 )).$(printf '%03d' $(( left_ms % 1000 )))"
expect "notify: still healthy past the watchdog: the heartbeats ping" \
    "healthy yes" "$(field status) $(field ready)"
expect_no_match "notify: no watchdog miss while it beats" 'watchdog missed' \
    "$(cat "$T/log-n")"
M=$(worker_main "$VP")
client call hang >/dev/null
t_hang=$(now_ms)
if wait_for 30 grep -q 'msg="watchdog missed"' "$T/log-n"; then
	pass "notify: a hung worker misses the watchdog"
else
	fail "notify: a hung worker misses the watchdog" "$(tail -n 5 "$T/log-n")"
fi
t_miss=$(elapsed_s "$t_hang")
expect_match "notify: --on-unhealthy restart acts on it" \
    'msg="child unhealthy" pid=[0-9]+ action=restart' "$(cat "$T/log-n")"
wait_for 40 sh -c "grep -q '^restarts=1' '$SF' && grep -q '^ready=yes' '$SF'"
expect "notify: replaced, and the new worker is ready" "1 yes" \
    "$(field restarts) $(field ready)"
if kill -0 "$M" 2>/dev/null; then fail "notify: the hung MainProcess is gone" "pid $M"
else pass "notify: the hung MainProcess is gone"; fi
expect "notify: the replacement serves (add 1 2)" "SUCCESS 3" "$(client call add 1 2)"
info "celery sd_notify hang: watchdog missed $t_miss s after the hang (--watchdog 10s), ready again after $(elapsed_s "$t_hang") s"
kill -TERM "$VP"
wait_exit "$UNSHARE_PID" 30
expect "notify: stops cleanly" 0 "$RC"

# --- run-local: the script a user runs, as it is ------------------------------
echo "## run-local"
mkdir -p "$T/rl"
# As from an interactive shell: SIGINT not ignored (bash ignores it in
# background jobs of scripts), the script leading its own process group.
RUN_DIR="$T/rl" VIGIL="$VIGIL" setsid env --default-signal=INT \
    "$EXAMPLES/celery/run-local" \
    >"$T/log-rl" 2>&1 </dev/null &
RL=$!
BG_PIDS+=("$RL")
wait_for 10 test -s "$T/rl/env"
(
	. "$T/rl/env"
	wait_for 40 "$VIGIL" status
	expect "run-local: the worker gets healthy (vigil status)" 0 "$?"
	expect "run-local: it serves (add 3 4)" "SUCCESS 7" "$(client call add 3 4)"
	id=$(client send long 3 rl)
	wait_started "$id"
	# Ctrl-C in the terminal: SIGINT to the script's whole process group.
	kill -INT -- "-$RL"
	expect "run-local: a task running at Ctrl-C completes" \
	    SUCCESS "$(client wait "$id" 30 | cut -d' ' -f1)"
)
wait_exit "$RL" 60
expect "run-local exits 0 after Ctrl-C" 0 "$RC"
# A second SIGTERM would cut a Celery 5.2 warm shutdown short.
expect "run-local told vigil once" 1 "$(grep -c 'msg="stop requested"' "$T/log-rl")"
rl_port=$(sed -n 's/.*127\.0\.0\.1:\([0-9]*\).*/\1/p' "$T/rl/env" | head -n 1)
"$VIGIL" probe "tcp://127.0.0.1:$rl_port" >/dev/null 2>&1
expect "run-local stopped its redis too" 1 "$?"
rl_vp=$(sed -n 's/^export VIGIL_PID=//p' "$T/rl/env")
expect_match "run-local recorded vigil's pid" '^[0-9]+$' "$rl_vp"
kill -0 "${rl_vp:-0}" 2>/dev/null
expect "run-local's vigil, and with it its PID namespace, is gone" 1 "$?"
