#!/bin/bash
# SPDX-License-Identifier: MIT
# examples/basics: each demo runs with VIGIL from the environment, finishes
# in seconds, and tells the truth: the crash loop backs off and gives up,
# signals are forwarded, rewritten, dropped, and sent to the group only
# with -g, and zombies pile up without an init but not under vigil.
. "$(dirname "$0")/lib.sh"
B=$EXAMPLES/basics

# demo NAME: runs examples/basics/NAME (at most 30 s) in a process group of
# its own, sets OUT and RC, and kills whatever it left in that group.
demo() {
	setsid "$B/$1" >"$T/$1.out" 2>&1 </dev/null &
	local p=$!
	wait_exit "$p" 30
	kill -KILL -- "-$p" 2>/dev/null
	OUT=$(cat "$T/$1.out")
}

# --- crash-loop.sh (make demo) -------------------------------------------------
echo "## crash-loop.sh"
t0=$(now_ms)
demo crash-loop.sh
ms=$(( $(now_ms) - t0 ))
out=$OUT rc=$RC
expect "crash-loop.sh exits 0" 0 "$rc"
expect_le "and finishes within 10 s" 10000 "$ms"
info "crash-loop.sh (make demo) took $ms ms"
expect "1 start and 5 restarts" 5 "$(printf '%s\n' "$out" | grep -c 'started the job again: restart')"
expect_match "vigil gives up after 5" 'vigil gives up: 5 restarts in a row' "$out"
expect_match "and hands on the job's status" 'vigil exited with status 1,' "$out"
# The announced delays, in ms: they double from 250 ms (less up to 10%
# jitter) and stop at 2 s.
delays=$(printf '%s\n' "$out" | sed -n 's/.*try again in \([0-9.]*\)\(m\{0,1\}s\)$/\1 \2/p' |
    awk '{ printf "%d ", $2 == "ms" ? $1 : $1 * 1000 }')
expect_match "five delays were announced" '^([0-9]+ ){5}$' "$delays"
set -- $delays
ok=1
want=250
for d in "$@"; do
	[ "$d" -ge $(( want * 9 / 10 - 1 )) ] && [ "$d" -le "$want" ] || ok=0
	want=$(( want * 2 > 2000 ? 2000 : want * 2 ))
done
if [ "$ok" = 1 ]; then pass "delays double from 250 ms to a 2 s ceiling ($delays)"
else fail "delays double from 250 ms to a 2 s ceiling" "got $delays"; fi

# --- signals.sh ----------------------------------------------------------------
echo "## signals.sh"
demo signals.sh
out=$OUT rc=$RC
expect "signals.sh exits 0" 0 "$rc"
# section N: the lines of part N of the demo.
section() { printf '%s\n' "$out" | awk -v n="$1" '/^[0-9]\. /{ p = ($1 == n ".") } p'; }
s1=$(section 1)
expect_match "default: USR1 is forwarded" 'app got SIGUSR1' "$s1"
# flat TEXT: lines joined by "~", so one pattern can span lines.
flat() { printf '%s' "$1" | tr '\n' '~'; }
expect_match "default: TERM is forwarded, vigil exits with the app's 0" \
    'app got SIGTERM, exits~  vigil exited with status 0' "$(flat "$s1")"
s2=$(section 2)
expect_match "-r TERM:QUIT: the app gets QUIT" 'nginx got SIGQUIT, exits' "$s2"
expect_no_match "-r TERM:QUIT: and never TERM" 'got SIGTERM' "$s2"
s3=$(section 3)
expect_no_match "-r HUP:0: HUP is dropped" 'got SIGHUP' "$s3"
expect_match "-r HUP:0: USR1 still passes" \
    '-> SIGHUP to vigil~  -> SIGUSR1 to vigil~    app got SIGUSR1' "$(flat "$s3")"
s4=$(section 4)
default=${s4%%...and with -g*}
grouped=${s4#*...and with -g}
expect_match "default: the group leader gets USR1" 'celery got SIGUSR1' "$default"
expect_no_match "default: its worker does not" "celery's worker got" "$default"
expect_match "-g: the worker gets USR1 too" "celery's worker got SIGUSR1" "$grouped"

# --- reaping.sh ----------------------------------------------------------------
echo "## reaping.sh"
demo reaping.sh
out=$OUT rc=$RC
expect "reaping.sh exits 0" 0 "$rc"
without=${out%%2. With vigil*}
with=${out#*2. With vigil}
# Five sleeps and, unless its short-lived parent got to reap it first,
# their sh: 5 or 6.
n=$(printf '%s\n' "$without" | sed -n 's/^  zombies: \([0-9]*\)$/\1/p')
expect_ge "without an init: the orphans stay zombies under PID 1 (>= 5)" 5 "${n:-0}"
expect "under vigil: none" "zombies: 0" \
    "$(printf '%s\n' "$with" | grep -o 'zombies: [0-9]*')"
expect_ge "vigil -w logged each orphan it reaped (>= 5)" 5 \
    "$(printf '%s\n' "$with" | grep -c 'msg="reaped orphan"')"
