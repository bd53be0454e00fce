#!/bin/bash
# SPDX-License-Identifier: MIT
# The foundation: vigil as real PID 1 — exit codes, exec errors, bad usage,
# the child's process state, reaping, signal forwarding and rewriting,
# stopping with grace and a ladder, leftover cleanup, subreaper mode,
# wakeups, signal storms, logs and flag/env precedence.
. "$(dirname "$0")/lib.sh"
H=$HELPERS
SF="--state-file $T/health"

# --- exit codes ----------------------------------------------------------
pid1 $SF -- sh -c 'exit 7' 2>/dev/null; expect "exit code passes through" 7 $?
pid1 $SF -- sh -c 'kill -KILL $$' 2>/dev/null
expect "death by signal N exits 128+N" 137 $?
pid1 $SF -e 7 -- sh -c 'exit 7' 2>/dev/null; expect "-e remaps to 0" 0 $?
pid1 $SF -e 7 -- sh -c 'exit 8' 2>/dev/null; expect "-e leaves others" 8 $?
pid1 $SF -e 143 -e 7 -- sh -c 'kill -TERM $$' 2>/dev/null
expect "-e applies to 128+N" 0 $?

err=$(pid1 $SF -- no-such-command-xyz 2>&1 >/dev/null); rc=$?
expect "command not found exits 127" 127 "$rc"
expect_match "not found names command and reason" \
    'command=no-such-command-xyz .*No such file' "$err"
printf 'data\n' >"$T/notexec"; chmod 0644 "$T/notexec"
err=$(pid1 $SF -- "$T/notexec" 2>&1 >/dev/null); rc=$?
expect "not executable exits 126" 126 "$rc"
expect_match "not executable names reason" 'Permission denied' "$err"

# --- bad usage: exit 2, one line + hint, nothing started -----------------
err=$("$VIGIL" 2>&1 >/dev/null)
expect "no command is bad usage" "2" "$?"
expect_match "no command says so" "no command given" "$err"
for args in "--bogus" "--grace 10x" "--grace -5s" "-p NOSIG" "-r 15" \
    "-r TERM:NOPE" "--restart sometimes" "--probe https://x/"; do
	rm -f "$T/started"
	# shellcheck disable=SC2086
	err=$("$VIGIL" $args -- touch "$T/started" 2>&1 >/dev/null)
	rc=$?
	expect "bad usage '$args' exits 2" 2 "$rc"
	expect "bad usage '$args' is one line and a hint" 2 \
	    "$(printf '%s\n' "$err" | wc -l)"
	expect_match "bad usage '$args' hints at --help" "vigil --help" "$err"
	[ -e "$T/started" ] && fail "bad usage '$args' started nothing" \
	    "command ran" || pass "bad usage '$args' started nothing"
done

# --- the child's state ---------------------------------------------------
st=$(pid1 $SF -- cat /proc/self/status 2>/dev/null)
expect "child starts with an empty signal mask" \
    "SigBlk:	0000000000000000" "$(grep SigBlk <<<"$st")"
expect "child starts with no ignored signal" \
    "SigIgn:	0000000000000000" "$(grep SigIgn <<<"$st")"
# Even if vigil's own parent ignored signals, the child must not inherit it.
st=$(sh -c "trap '' PIPE HUP 34; exec unshare --pid --fork --mount-proc \
    $VIGIL $SF -- cat /proc/self/status" 2>/dev/null)
expect "inherited SIG_IGN is reset for the child" \
    "SigIgn:	0000000000000000" "$(grep SigIgn <<<"$st")"
stat=$(pid1 $SF -- sh -c 'read -r l </proc/self/stat; echo "$l"' 2>/dev/null)
set -- ${stat##*) }
pid=$(cut -d' ' -f1 <<<"$stat")
expect "child leads its own process group" "$pid" "$3"
if command -v script >/dev/null; then
	out=$(script -qec "unshare --pid --fork --mount-proc $VIGIL -q $SF -- \
	    sh -c 'cut -d\" \" -f5,8 /proc/self/stat'" /dev/null 2>/dev/null |
	    tr -d '\r' | tail -n 1)
	pg=${out% *}; fg=${out#* }
	expect "on a terminal the child's group is in the foreground" \
	    "$pg" "$fg"
fi

# --- reaping --------------------------------------------------------------
start=$(now_ms)
out=$(pid1 $SF -- "$H/orphans" 20000 2>/dev/null); rc=$?
expect "20,000 orphans leave no zombie" "zombies=0" "$out"
expect "orphan maker exits 0" 0 "$rc"
echo "    (20,000 orphans in $(( $(now_ms) - start )) ms)"
out=$("$VIGIL" $SF -- "$H/orphans" 500 2>/dev/null)
expect "not PID 1: orphans reaped as subreaper" "zombies=0" "$out"
for i in $(seq 1 20); do
	pid1 $SF -- sh -c 'for i in 1 2 3 4 5 6 7 8 9 10; do
	    (sleep 0.05 &); sleep 0.05 & done; sleep 0.05; exit 9' 2>/dev/null
	rc=$?
	[ "$rc" = 9 ] || break
done
expect "merged SIGCHLDs never lose the child's exit (20 runs)" 9 "$rc"
# A probe whose command leaves a setsid'd orphan: reaped, no zombie.
out=$(pid1 $SF --probe 'exec:sh -c "setsid sleep 0.1 &"' \
    --probe-start-interval 50ms -- sh -c 'sleep 0.6; 
    for s in /proc/[0-9]*/stat; do read -r l <"$s"; l=${l##*) };
    case $l in Z*) echo zombie;; esac; done; echo end' 2>/dev/null)
expect "orphans of exec probes are reaped" "end" "$out"

# --- signal forwarding ----------------------------------------------------
# The child records; a background sibling in its group records separately.
run_rec() {	# run_rec LOG ARGS... : vigil ARGS with a two-process child
	local log=$1; shift
	rm -f "$T/rec1" "$T/rec2"
	pid1_bg "$log" $SF "$@" -- sh -c "$H/sigrec $T/rec2 & exec $H/sigrec $T/rec1"
	wait_for 5 grep -q ready "$T/rec1" && wait_for 5 grep -q ready "$T/rec2"
	VP=$(vigil_pid)
}
sigs_of() { grep -v ready "$1" 2>/dev/null | cut -d' ' -f2 | tr '\n' ' '; }

run_rec "$T/log"
for s in HUP USR1 USR2 WINCH 37 64 CHLD CONT; do kill -s "$s" "$VP"; sleep 0.05; done
kill -TERM "$VP"; wait_exit "$UNSHARE_PID" 5; rc=$RC
expect "forwarded in order; CHLD consumed; RT signals intact" \
    "1 10 12 28 37 64 18 15 " "$(sigs_of "$T/rec1")"
# rec2 only hears the cleanup TERM that every leftover gets at the end.
expect "the child's group is not signalled by default" "15 " \
    "$(sigs_of "$T/rec2")"
expect "vigil exits with the child's code after TERM" 0 "$rc"

run_rec "$T/log" -g
kill -HUP "$VP"; sleep 0.1; kill -TERM "$VP"; wait_exit "$UNSHARE_PID" 5; rc=$RC
expect "-g signals the whole group" "1 15 " "$(sigs_of "$T/rec2")"

run_rec "$T/log" -r USR1:USR2 -r HUP:0 --rewrite=TERM:INT
kill -USR1 "$VP"; sleep 0.05; kill -HUP "$VP"; sleep 0.05; kill -TERM "$VP"
sleep 0.3; kill -KILL "$VP" 2>/dev/null; wait_exit "$UNSHARE_PID" 5
# TERM rewritten to INT is still a stop request: INT, then CONT (the stop
# ladder continues a stopped child).
expect "-r rewrites and drops" "12 2 18 " "$(sigs_of "$T/rec1")"

TINI_KILL_PROCESS_GROUP=1 run_rec "$T/log"
kill -USR2 "$VP"; sleep 0.1; kill -TERM "$VP"; wait_exit "$UNSHARE_PID" 5
expect "TINI_KILL_PROCESS_GROUP means -g" "12 15 " "$(sigs_of "$T/rec2")"

# A SIGPIPE that vigil raised itself (its stderr reader is gone) stays its own.
rm -f "$T/rec1"
( unshare --pid --fork --mount-proc --kill-child "$VIGIL" $SF -v -- \
    "$H/sigrec" "$T/rec1" 2>&1 | true ) &
bg=$!
wait_for 5 grep -q ready "$T/rec1"
vp=$(pgrep -P "$(pgrep -f "^unshare --pid .*sigrec $T/rec1")")
kill -USR1 "$vp" 2>/dev/null; sleep 0.2; kill -TERM "$vp" 2>/dev/null
wait_exit "$bg" 5
expect "a self-raised SIGPIPE is not forwarded" "10 15 " "$(sigs_of "$T/rec1")"

# --- stopping -------------------------------------------------------------
for s in TERM INT QUIT; do
	run_rec "$T/log" --grace 300ms
	kill -s $s "$VP"; wait_exit "$UNSHARE_PID" 5; rc=$RC
	case $s in TERM) want=0 ;; *) want=137 ;; esac
	expect "$s stops vigil (forwarded, then grace)" "$want" "$rc"
done
rm -f "$T/rec1"
pid1_bg "$T/log" $SF --grace 400ms -- "$H/sigrec" "$T/rec1" --ignore 15
wait_for 5 grep -q ready "$T/rec1"; VP=$(vigil_pid)
t0=$(now_ms); kill -TERM "$VP"; wait_exit "$UNSHARE_PID" 5; rc=$RC; t=$(( $(now_ms) - t0 ))
expect "--grace: a TERM-ignorer is killed (137)" 137 "$rc"
expect_ge "--grace waits the grace (>= 380 ms)" 380 "$t"
expect_le "--grace does not wait much longer (<= 1000 ms)" 1000 "$t"

rm -f "$T/rec1"
pid1_bg "$T/log" $SF --stop-sequence USR1:300ms,QUIT:300ms -- \
    "$H/sigrec" "$T/rec1" --ignore 15,3
wait_for 5 grep -q ready "$T/rec1"; VP=$(vigil_pid)
t0=$(now_ms); kill -TERM "$VP"; wait_exit "$UNSHARE_PID" 5; rc=$RC; t=$(( $(now_ms) - t0 ))
expect "ladder: signals in order (each with CONT), then KILL" "10 18 3 18 " \
    "$(sigs_of "$T/rec1")"
expect "ladder ends in SIGKILL (137)" 137 "$rc"
gap=$(grep -v -e ready -e ' 18$' "$T/rec1" | cut -d' ' -f1 | tr '\n' ' ' |
    awk '{ print $2 - $1 }')
expect_ge "ladder holds each step (>= 280 ms)" 280 "$gap"
expect_le "ladder holds each step (<= 450 ms)" 450 "$gap"
expect_ge "ladder total >= 580 ms" 580 "$t"

# During a stop, the operator's repeated stop signal is passed on (a
# second Ctrl-C; Celery's second INT is its cold shutdown). Each kill waits
# until the child has seen the last one, so no two signals merge.
seen() { [ "$(grep -c " $2\$" "$T/rec1")" -ge "$3" ]; }
rm -f "$T/rec1"
pid1_bg "$T/log" $SF --grace 5s -- "$H/sigrec" "$T/rec1" --ignore 15,2
wait_for 5 grep -q ready "$T/rec1"; VP=$(vigil_pid)
kill -TERM "$VP"; wait_for 5 seen x 15 1
kill -TERM "$VP"; wait_for 5 seen x 15 2
kill -INT "$VP"; wait_for 5 seen x 2 1
kill -TERM "$VP"; wait_for 5 seen x 15 3
kill -KILL "$VP"; wait_exit "$UNSHARE_PID" 5
expect "a repeated TERM or INT is passed on" "15 18 15 2 15 " "$(sigs_of "$T/rec1")"
# Under --stop-sequence vigil owns the escalation: a repeat of a signal the
# child already had is absorbed, and logged once.
rm -f "$T/rec1"
pid1_bg "$T/log" $SF --stop-sequence TERM:5s,KILL:1s -- "$H/sigrec" "$T/rec1" --ignore 15,2
wait_for 5 grep -q ready "$T/rec1"; VP=$(vigil_pid)
kill -TERM "$VP"; wait_for 5 seen x 15 1
for i in 1 2 3; do kill -TERM "$VP"; done
wait_for 5 grep -q 'stop already in progress' "$T/log"
kill -INT "$VP"; wait_for 5 seen x 2 1
kill -KILL "$VP"; wait_exit "$UNSHARE_PID" 5
expect "under --stop-sequence a repeat is absorbed, INT passes" "15 18 2 " "$(sigs_of "$T/rec1")"
expect "and the absorption is logged once" 1 "$(grep -c 'stop already in progress' "$T/log")"

# Leftovers: setsid'd daemons get TERM, then KILL after --orphan-grace.
rm -f "$T/left"
t0=$(now_ms)
pid1 $SF -- "$H/leftover" "$T/left" --exit-code 4 2>/dev/null; rc=$?
t=$(( $(now_ms) - t0 ))
expect "leftover: vigil exits with the child's code" 4 "$rc"
expect "leftover that obeys TERM got it" "term" "$(sed -n 2p "$T/left")"
expect_le "and vigil did not wait the orphan grace (< 1000 ms)" 1000 "$t"
rm -f "$T/left"
t0=$(now_ms)
pid1 $SF --orphan-grace 500ms -- "$H/leftover" "$T/left" --ignore-term 2>/dev/null
t=$(( $(now_ms) - t0 ))
expect "TERM-ignoring leftover got TERM" "term" "$(sed -n 2p "$T/left")"
expect_ge "then KILL after --orphan-grace (>= 480 ms)" 480 "$t"
expect_le "and not much later (<= 1500 ms)" 1500 "$t"

# Not PID 1: subreaper, and cleanup covers our own descendants only.
rm -f "$T/left"
err=$("$VIGIL" $SF -v --orphan-grace 300ms -- "$H/leftover" "$T/left" \
    --ignore-term 2>&1 >/dev/null); rc=$?
expect_match "not PID 1: says it is a subreaper at -v" subreaper "$err"
lp=$(head -n 1 "$T/left")
sleep 0.1
kill -0 "$lp" 2>/dev/null && { kill -KILL "$lp"; fail "subreaper cleanup" "alive"; } ||
    pass "subreaper cleanup killed the setsid'd descendant"

# -p: vigil hears of its parent's death.
rm -f "$T/rec1"
sh -c "$VIGIL $SF -p TERM -- $H/sigrec $T/rec1 2>/dev/null & sleep 0.3" 
wait_for 3 grep -q ' 15$' "$T/rec1"
expect "-p: parent death reaches vigil, which stops the child" "15 " \
    "$(sigs_of "$T/rec1")"

# --- the loop -------------------------------------------------------------
pid1_bg "$T/log" $SF -- sleep 5
VP=$(vigil_pid); sleep 0.3
c1=$(awk '/ctxt_switches/ { s += $2 } END { print s }' /proc/$VP/status)
sleep 2
c2=$(awk '/ctxt_switches/ { s += $2 } END { print s }' /proc/$VP/status)
expect "zero wakeups while the child runs quietly (2 s)" 0 $((c2 - c1))
kill -TERM "$VP"; wait_exit "$UNSHARE_PID" 5

# 100,000 signals while a restart timer runs: vigil survives, timers fire.
# WINCH and URG are forwarded (a new generation ignores them by default,
# even before it has set up anything); queued real-time signals are read
# and dropped by -r, so no generation dies of a forwarded signal.
pid1_bg "$T/log" $SF --restart on-failure --backoff-initial 100ms \
    --backoff-max 100ms --max-restarts 5 -r RTMIN+1:0 -r RTMIN+2:0 -- \
    "$H/sigrec" /dev/null --exit-after 200 --exit-code 3
VP=$(vigil_pid)
"$H/sigstorm" "$VP" 100000 28 35 23 36 >/dev/null
wait_exit "$UNSHARE_PID" 10; rc=$RC
expect "a storm of 100,000 signals: restarts still run, last status" 3 "$rc"
expect "five restarts happened during the storm" 6 \
    "$(grep -c 'child started' "$T/log")"

# --- logs and configuration -------------------------------------------------
out=$(pid1 $SF -- sh -c 'echo to-stdout; echo to-stderr >&2' 2>"$T/err")
expect "child's stdout untouched" "to-stdout" "$out"
expect "child's stderr untouched" "to-stderr" "$(grep -v '^vigil ' "$T/err")"
expect_match "logfmt by default" \
    '^vigil ts=[^ ]+ level=info msg="child exited" pid=[0-9]+ status=0' "$(cat "$T/err")"
pid1 $SF --log-format json -- true 2>"$T/err"
if python3 -c 'import json,sys
for l in open(sys.argv[1]): d = json.loads(l); assert d["level"] and d["msg"]' \
    "$T/err"; then pass "--log-format json: every line is JSON"
else fail "--log-format json: every line is JSON" "$(cat "$T/err")"; fi
pid1 $SF -q -- true 2>"$T/err"
expect "-q silences info lines" "" "$(cat "$T/err")"
pid1 $SF -v -- sh -c '(sleep 0 &); sleep 0.1' 2>"$T/err"
expect_match "-v adds debug lines" 'level=debug' "$(cat "$T/err")"

VIGIL_GRACE=200ms pid1 $SF -- sh -c 'trap "" TERM; kill -TERM 1; sleep 3' 2>/dev/null
expect "VIGIL_GRACE applies (TERM-ignorer killed)" 137 $?
t0=$(now_ms)
VIGIL_GRACE=5s pid1 $SF --grace 200ms -- sh -c 'trap "" TERM; kill -TERM 1; sleep 3' \
    2>/dev/null
t=$(( $(now_ms) - t0 ))
expect_le "a flag beats its variable (--grace 200ms over 5s)" 1500 "$t"
VIGIL_RESTART=bogus "$VIGIL" true 2>"$T/err"
expect "a bad variable is bad usage" 2 $?
expect_match "and names the variable" "VIGIL_RESTART" "$(cat "$T/err")"
