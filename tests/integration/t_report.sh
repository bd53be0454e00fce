#!/bin/bash
# SPDX-License-Identifier: MIT
# The health file says what is true now, in every phase; a file vigil could
# not update is never left claiming health; `vigil status` trusts a file
# only as far as the writer's own rules go.
. "$(dirname "$0")/lib.sh"
H=$HELPERS
SF="--state-file $T/health"
field() { sed -n "s/^$1=//p" "$2"; }
in_ns() { nsenter --target "$VP" --pid --mount "$@"; }

# --- during the backoff: pid 0, the exit and the restart count, at once ----
pid1_bg "$T/log" $SF --probe tcp://127.0.0.1:1 --probe-retries 1 \
    --probe-start-interval 100ms --probe-interval 200ms --restart on-failure \
    --backoff-initial 4s -- sh -c 'sleep 0.5; exit 1'
VP=$(vigil_pid)
wait_for 10 grep -q 'msg="child exited"' "$T/log"
backoff_shown() { grep -q '^phase=restarting$' "$T/health" &&
    grep -q '^restarts=1$' "$T/health"; }
wait_for 2 backoff_shown
expect "in the backoff: phase, restarts, exit and pid 0" "restarting 1 1 0" \
    "$(field phase "$T/health") $(field restarts "$T/health") $(field last_exit "$T/health") $(field pid "$T/health")"
out=$("$VIGIL" status $SF); rc=$?
expect "vigil status exits 1 in the backoff" 1 "$rc"
expect_match "and says what is true now" \
    '^unhealthy: restarting in [0-9.]+s after exit 1 \(restarts 1\)$' "$out"
kill -TERM "$VP"; wait_exit "$UNSHARE_PID" 5
expect "TERM in the backoff exits with the last status" 1 "$RC"
expect "the last phase is exited" exited "$(field phase "$T/health")"

# --- a full state filesystem: the old record goes, it does not lie --------
mkdir -p "$T/small"
unshare --pid --fork --mount-proc --kill-child sh -c "
	mount -t tmpfs -o size=16k tmpfs '$T/small' || exit 99
	exec '$VIGIL' --state-file '$T/small/health' --restart on-failure \
	    --backoff-initial 30s -- sh -c '
		while [ ! -e $T/go ]; do sleep 0.02; done
		dd if=/dev/zero of=$T/small/fill bs=4k count=100 2>/dev/null
		exit 1'" >"$T/log" 2>&1 &
UNSHARE_PID=$!
VP=$(vigil_pid)
healthy_in_ns() { in_ns "$VIGIL" status --state-file "$T/small/health"; }
wait_for 10 healthy_in_ns
expect "healthy on the small tmpfs while the child runs" 0 $?
touch "$T/go"
not_healthy() { ! healthy_in_ns; }
wait_for 10 not_healthy
out=$(healthy_in_ns); rc=$?
expect "a full state filesystem: vigil status is not healthy" 1 "$rc"
expect_match "and says the file is missing" '^missing: ' "$out"
expect_match "vigil said it could not write" 'msg="cannot write state file"' \
    "$(cat "$T/log")"
kill -TERM "$VP"; wait_exit "$UNSHARE_PID" 5
rm -f "$T/go"

# --- a link in the middle of --state-file is not followed ----------------
mkdir -p "$T/victim" "$T/x"
ln -s "$T/victim" "$T/x/y"
chown -h 65534:65534 "$T/x/y"
pid1_bg "$T/log" --state-file "$T/x/y/z/health" -- sleep 30
VP=$(vigil_pid)
wait_for 5 grep -q 'msg="cannot write state file"' "$T/log"
expect_match "a link owned by another user stops the write" \
    'cannot write state file.*a link not owned by root is in the path' "$(cat "$T/log")"
expect "and nothing lands behind the link" "" "$(ls "$T/victim")"
kill -TERM "$VP"; wait_exit "$UNSHARE_PID" 5

# --- vigil status refuses what the writer would have refused -------------
# Another uid prepares the directory nobody's vigil would write into.
mkdir -p "$T/bin" "$T/tmp"
chmod 755 "$T" "$T/bin"; chmod 1777 "$T/tmp"
cp "$VIGIL" "$T/bin/vigil"; chmod 755 "$T/bin/vigil"
as_nobody() { TMPDIR="$T/tmp" setpriv --reuid 65534 --regid 65534 --clear-groups "$@"; }
now=$(date +%s)
forged="status=healthy
since=$now
updated=$now
stale_after=$((now + 60))
pid=1
restarts=0
last_exit=
failures=0
probe=
output=
"
mkdir -p "$T/tmp/vigil-65534"; printf '%s' "$forged" >"$T/tmp/vigil-65534/health"
chown -R 4242:4242 "$T/tmp/vigil-65534"; chmod 700 "$T/tmp/vigil-65534"
chmod 755 "$T/tmp/vigil-65534"
out=$(as_nobody "$T/bin/vigil" status); rc=$?
expect "a forged file in a directory of another uid: not healthy" 1 "$rc"
expect_match "and says why" '^refused: .*another user' "$out"
rm -rf "$T/tmp/vigil-65534"
mkdir -p "$T/other"; printf '%s' "$forged" >"$T/other/health"
chown -R 4242:4242 "$T/other"
ln -s "$T/other" "$T/tmp/vigil-65534"; chown -h 4242:4242 "$T/tmp/vigil-65534"
out=$(as_nobody "$T/bin/vigil" status); rc=$?
expect "a forged link to another uid's directory: not healthy" 1 "$rc"
expect_match "and says why" '^refused: .*link' "$out"
rm -f "$T/tmp/vigil-65534"
# The real thing, written by nobody's own vigil, is trusted.
as_nobody "$T/bin/vigil" --state-file "$T/tmp/n/health" -- sleep 30 \
    >"$T/log" 2>&1 &
NP=$!
wait_for 5 test -e "$T/tmp/n/health"
out=$(as_nobody "$T/bin/vigil" status --state-file "$T/tmp/n/health"); rc=$?
expect "nobody's own file is trusted" 0 "$rc"
out=$("$VIGIL" status --state-file "$T/tmp/n/health"); rc=$?
expect "and root, reading it, trusts nobody's file only as PID 1's" 1 "$rc"
kill -TERM "$NP"; wait "$NP"

# --- bad arguments and strange times --------------------------------------
"$VIGIL" status --state-file= >/dev/null 2>&1
expect "--state-file= (empty) is a usage error" 2 $?
"$VIGIL" status --state-file rel/health >/dev/null 2>&1
expect "a relative --state-file is a usage error" 2 $?
rec() { printf 'status=healthy\nsince=1\nupdated=%s\nstale_after=%s\npid=1\nrestarts=0\nlast_exit=\nfailures=0\nprobe=\noutput=\n' "$1" "$2" >"$T/health"; chmod 644 "$T/health"; }
rec $(( $(date +%s) + 3600 )) ""
out=$("$VIGIL" status $SF --max-age 1h); rc=$?
expect "an update from the future is not fresh" 1 "$rc"
expect_match "and says so" '^stale: last update [0-9]+s in the future' "$out"
rec -9223372036854775808 ""
out=$("$VIGIL" status $SF --max-age 10s); rc=$?
expect "an absurd updated value is refused, not overflowed" 1 "$rc"
expect_match "as unreadable" '^unreadable: ' "$out"

# --- a probe's password kept in a file reaches no command line or environ --
printf '# broker\nredis://:s3cret-%s@127.0.0.1:1\n' $$ >"$T/specs"
chmod 600 "$T/specs"
VIGIL_PROBE_FILE="$T/specs" pid1_bg "$T/log" $SF -- sh -c 'cat /proc/self/environ | tr "\0" "\n" >'"$T"'/env; sleep 30'
VP=$(vigil_pid)
wait_for 5 test -s "$T/env"
wait_for 5 grep -q '^probe=redis://' "$T/health"
expect_no_match "--probe-file: the password is not in vigil's command line" \
    "s3cret-$$" "$(tr '\0' ' ' </proc/"$VP"/cmdline)"
expect_no_match "nor in the child's environment" "s3cret-$$|VIGIL_" "$(cat "$T/env")"
expect_no_match "nor in the health file" "s3cret-$$" "$(cat "$T/health")"
expect_match "the spec is shown masked" '^probe=redis://:\*\*\*@127.0.0.1:1' "$(cat "$T/health")"
kill -TERM "$VP"; wait_exit "$UNSHARE_PID" 5

# --- a unix:// probe the sandbox cannot reach says which identity to use ----
mkdir -p "$T/sock"; chmod 700 "$T/sock"
python3 -c "
import socket, time
s = socket.socket(socket.AF_UNIX); s.bind('$T/sock/s'); s.listen(8)
while True: c, _ = s.accept(); c.close()" &
SP=$!
wait_for 5 test -S "$T/sock/s"
out=$("$VIGIL" probe "unix://$T/sock/s"); rc=$?
expect "a root-only socket fails the sandboxed probe" 1 "$rc"
expect_match "and the error names --probe-user" 'Permission denied \(probes run sandboxed as --probe-user' "$out"
pid1_bg "$T/log" $SF --probe "unix://$T/sock/s" --probe-user 0 --probe-start-interval 100ms -- sleep 30
VP=$(vigil_pid)
wait_for 10 grep -q '^status=healthy' "$T/health"
expect "--probe-user 0 reaches it" healthy "$(sed -n 's/^status=//p' "$T/health")"
kill -TERM "$VP"; wait_exit "$UNSHARE_PID" 5
kill "$SP" 2>/dev/null; wait "$SP" 2>/dev/null || true
