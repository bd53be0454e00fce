#!/bin/bash
# SPDX-License-Identifier: MIT
# --notify and --watchdog with vigil as PID 1: a C workload speaking the
# protocol (READY=1, STATUS=, pings then silence -> unhealthy, restarted),
# WATCHDOG=trigger, a datagram from outside the child's tree refused and
# logged, a flood of 100,000 datagrams (vigil's memory and descriptors stay
# flat, it keeps answering), and a real python3 sender.
. "$(dirname "$0")/lib.sh"
N=$HELPERS/notifier
SF=$T/health
field() { sed -n "s/^$1=//p" "$SF" 2>/dev/null; }
has() { grep -q "$1" "$SF" 2>/dev/null; }
logs() { cat "$T/log"; }
# child_host_pid VIGIL_PID: the child as the host sees it.
child_host_pid() { pgrep -P "$1" | head -n 1; }
stop_vigil() {
	kill -TERM "$1" 2>/dev/null
	wait_exit "$UNSHARE_PID" 10
}

# --- the protocol, the watchdog, a restart -----------------------------------
# The first generation gets ready and pings three times, then falls silent;
# the second never says READY=1 nor pings.
cat >"$T/gen.sh" <<EOF
if [ -e "$T/gen1" ]; then exec "$N" env hold; fi
: >"$T/gen1"
exec "$N" env sleep:300 'send:READY=1\nSTATUS=serving 3 jobs' ping:3:200 hold
EOF
pid1_bg "$T/log" -v --state-file "$SF" --notify --watchdog 1s \
    --on-unhealthy restart --restart always -- sh "$T/gen.sh"
VP=$(vigil_pid)
if wait_for 10 has '^ready=yes'; then
	pass "READY=1 makes the child ready (ready=yes)"
else
	fail "READY=1 makes the child ready" "$(cat "$SF" 2>&1)"
fi
expect "STATUS= is the output" "serving 3 jobs" "$(field output)"
expect_match "vigil status shows STATUS=" '^healthy: serving 3 jobs \(pid' \
    "$("$VIGIL" status --state-file "$SF")"
expect_match "the child got NOTIFY_SOCKET, WATCHDOG_USEC, WATCHDOG_PID" \
    'NOTIFY_SOCKET=@vigil-notify-[0-9a-f]{16} WATCHDOG_USEC=1000000 WATCHDOG_PID=([0-9]+) pid=\1' \
    "$(logs)"
if wait_for 15 grep -q 'msg="child started".*restarts=1' "$T/log"; then
	pass "silence after the pings: restarted"
else
	fail "silence after the pings: restarted" "$(logs)"
fi
expect_match "the miss is logged with its pings" \
    'msg="watchdog missed" pid=[0-9]+ timeout=1.0s pings=3' "$(logs)"
expect_match "--on-unhealthy restart acts on it" \
    'msg="child unhealthy" pid=[0-9]+ action=restart' "$(logs)"
if wait_for 10 sh -c "grep -q '^restarts=1' '$SF' && grep -q '^ready=no' '$SF'"
then
	pass "the new generation is not ready without its own READY=1"
else
	fail "the new generation is not ready" "$(cat "$SF")"
fi
expect "its STATUS= is gone too" "" "$(field output)"
expect "and the file says why it is not ready" "no READY=1 from the child yet" \
    "$(field ready_reason)"
stop_vigil "$VP"
expect "vigil stops on TERM" 143 "$RC"

# --- WATCHDOG=trigger; a stranger's datagram ----------------------------------
rm -f "$SF"
pid1_bg "$T/log" --state-file "$SF" --notify --watchdog 30s -- \
    "$N" 'send:READY=1\nSTATUS=fine' hold
VP=$(vigil_pid)
wait_for 10 has '^output=fine' || fail "second run starts" "$(logs)"
CP=$(child_host_pid "$VP")
sock=$(tr '\0' '\n' <"/proc/$CP/environ" | sed -n 's/^NOTIFY_SOCKET=//p')
expect_match "the socket's name is in the child's environment" \
    '^@vigil-notify-' "$sock"
python3 - "$sock" <<'EOF'
import socket, sys
name = sys.argv[1]
addr = "\0" + name[1:] if name.startswith("@") else name
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.sendto(b"STATUS=forged\nWATCHDOG=trigger", addr)
EOF
if wait_for 10 grep -q 'msg="notify datagram refused" reason="sender is not the child or below it"' "$T/log"
then
	pass "a datagram from outside the child's tree is refused and logged"
else
	fail "a stranger's datagram is refused" "$(logs)"
fi
sleep 0.3
expect "the stranger changed nothing" "fine" "$(field output)"
expect "still healthy" healthy "$(field status)"
kill -USR1 "$CP"	# the notifier has no handler: it dies, a new run follows
wait_exit "$UNSHARE_PID" 10
rm -f "$SF"
pid1_bg "$T/log" --state-file "$SF" --notify --watchdog 30s -- \
    "$N" send:READY=1 sleep:200 send:WATCHDOG=trigger hold
VP=$(vigil_pid)
if wait_for 10 has '^status=unhealthy'; then
	pass "WATCHDOG=trigger: unhealthy at once"
else
	fail "WATCHDOG=trigger: unhealthy at once" "$(cat "$SF" 2>&1)"
fi
out=$("$VIGIL" status --state-file "$SF"); rc=$?
expect_match "vigil status names the watchdog" \
    '^unhealthy: watchdog: triggered by the child \(pid' "$out"
expect "vigil status exits 1" 1 "$rc"
stop_vigil "$VP"

# --- a flood of 100,000 datagrams --------------------------------------------
rm -f "$SF"
# Each third a ping, a malformed one, one over 4 KiB; then one more word.
pid1_bg "$T/log" --state-file "$SF" --notify --watchdog 30s -- sh -c \
    "\"$N\" send:READY=1 sleep:1500 flood:100000 &&
     exec \"$N\" send:STATUS=after-flood hold"
VP=$(vigil_pid)
wait_for 10 has '^ready=yes' || fail "flood run starts" "$(logs)"
rss() { awk '$1 == "VmRSS:" { print $2 }' "/proc/$VP/status"; }
fds() { ls "/proc/$VP/fd" | wc -l; }
rss0=$(rss); fd0=$(fds); t0=$(now_ms)
# vigil answers during the flood: the health file is rewritten on time.
answered=0
for _ in $(seq 1 600); do
	has '^output=after-flood' && break
	kill -0 "$VP" 2>/dev/null && [ -s "$SF" ] && answered=$((answered + 1))
	sleep 0.1
done
t1=$(now_ms)
expect "all 100,000 read, the last word heard" "after-flood" "$(field output)"
rss1=$(rss); fd1=$(fds)
echo "info notify flood: 100000 datagrams in $((t1 - t0)) ms; vigil RSS ${rss0} -> ${rss1} kB, fds ${fd0} -> ${fd1}" >>"$RESULTS"
expect_le "RSS flat across the flood (+<=64 kB)" $((rss0 + 64)) "$rss1"
expect "fd count flat across the flood" "$fd0" "$fd1"
expect_ge "vigil answered during the flood" 1 "$answered"
n=$(grep -c 'msg="notify datagram refused"' "$T/log")
secs=$(( (t1 - t0) / 1000 + 3 ))
expect_le "refusals logged at most once a second ($n lines)" "$secs" "$n"
# What a second held back is said once it is up.
if wait_for 5 grep -Eq 'msg="notify datagram refused".* malformed=[0-9]{2,}' "$T/log"
then
	pass "the refusals come with a count"
else
	fail "the refusals come with a count" "$(grep refused "$T/log")"
fi
expect "still healthy after the flood" healthy "$(field status)"
stop_vigil "$VP"
expect "vigil stops on TERM after the flood" 143 "$RC"

# --- a real python3 sender (the Celery example's code path) ------------------
rm -f "$SF"
EX=$(cd "$(dirname "$0")/../../examples/celery" && pwd)
pid1_bg "$T/log" --state-file "$SF" --notify --watchdog 2s \
    --on-unhealthy exit -- python3 -c "
import sys, time
sys.path.insert(0, '$EX')
import sdnotify
sdnotify.notify('READY=1\nSTATUS=python says hi')
for _ in range(4):
    time.sleep(0.5)
    sdnotify.notify('WATCHDOG=1')
time.sleep(60)
"
VP=$(vigil_pid)
if wait_for 10 has '^output=python says hi'; then
	pass "python3: READY=1 and STATUS= heard"
else
	fail "python3: READY=1 and STATUS= heard" "$(logs; cat "$SF")"
fi
expect "python3: ready" yes "$(field ready)"
wait_exit "$UNSHARE_PID" 20
expect "python3 falls silent: --on-unhealthy exit, the child's TERM" 143 "$RC"
expect_match "python3: the exit is for the watchdog" \
    'msg="child unhealthy" pid=[0-9]+ action=exit' "$(logs)"
expect_match "python3: the miss after its 4 pings" \
    'msg="watchdog missed" pid=[0-9]+ timeout=2.0s pings=4' "$(logs)"

# --- usage ------------------------------------------------------------------
out=$("$VIGIL" --watchdog 1s -- true 2>&1); rc=$?
expect "--watchdog without --notify is bad usage" "2 vigil: --watchdog: needs --notify" \
    "$rc $(printf '%s' "$out" | head -n 1)"
out=$("$VIGIL" --notify --watchdog 0 -- true 2>&1)
expect_match "--watchdog must be positive" 'watchdog: must be longer than 0' "$out"
out=$("$VIGIL" --notify --watchdog 1s --on-unhealthy restart -- true 2>&1); rc=$?
expect "--on-unhealthy takes --watchdog in place of a probe" 0 "$rc"
