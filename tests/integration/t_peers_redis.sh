#!/bin/bash
# SPDX-License-Identifier: MIT
# The redis:// probe against real redis-servers logging at debug level,
# one open and one with requirepass (the password given in the URL and in
# a password file): probes through `vigil probe` and vigil as PID 1 must
# pass and leave no warning or error line in the server's log; a peer that
# does misbehave there does show one, so the check can see it.
. "$(dirname "$0")/lib.sh"

PIDS=
trap 'kill $PIDS 2>/dev/null; wait 2>/dev/null; rm -rf "$T"' EXIT
free_port() {
	python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}
PW='s3cret:p@ss'
P_OPEN=$(free_port); P_PW=$(free_port)
redis-server --port "$P_OPEN" --bind 127.0.0.1 --save '' --appendonly no \
    --loglevel debug --logfile "$T/open.log" --daemonize no &
PIDS="$PIDS $!"
redis-server --port "$P_PW" --bind 127.0.0.1 --save '' --appendonly no \
    --loglevel debug --logfile "$T/pw.log" --daemonize no \
    --requirepass "$PW" &
PIDS="$PIDS $!"
wait_for 10 grep -q 'Ready to accept connections' "$T/open.log" ||
    fail "redis start" "$(tail -n 3 "$T/open.log")"
wait_for 10 grep -q 'Ready to accept connections' "$T/pw.log" ||
    fail "redis start" "$(tail -n 3 "$T/pw.log")"
# The probe process runs as uid 65534 (the sandbox): the secret is its
# own, as a Docker or Compose secret with uid 65534 would be.
chmod 0755 "$T"
printf '%s\n' "$PW" >"$T/secret"
chmod 0600 "$T/secret"
chown 65534:65534 "$T/secret"

probe() {
	OUT=$("$VIGIL" probe "$@" 2>"$T/stderr"); RC=$?
	ERR=$(cat "$T/stderr")
}
lines() { wc -l <"$1"; }
since() { tail -n +"$(($2 + 1))" "$1"; }
# Redis marks warnings with '#'; errors on a connection say "rror".
bad_lines() { since "$1" "$2" | grep -E '^[0-9]+:[A-Z] .{24} # |rror'; }
closed() { since "$1" "$2" | grep -c 'Client closed connection'; }
pid1_rounds() {
	local log=$1 n=$2 spec=$3 l0 vp
	l0=$(lines "$log")
	pid1_bg "$T/vlog" --state-file "$T/health" --probe "$spec" \
	    --probe-interval 50ms --probe-start-interval 50ms -- sleep 60
	vp=$(vigil_pid)
	wait_for 20 test "$(closed "$log" "$l0")" -ge "$n"
	wait_for 5 grep -q '^status=healthy' "$T/health"
	HEALTH=$(sed -n 's/^status=//p' "$T/health")
	kill -TERM "$vp"; wait_exit "$UNSHARE_PID" 10
}
five() {
	local ok=0
	for _ in 1 2 3 4 5; do
		probe "$@"
		[ "$RC" = 0 ] && ok=$((ok + 1))
	done
	echo "$ok"
}

# --- no password ------------------------------------------------------------
l0=$(lines "$T/open.log")
expect "open: vigil probe passes 5 of 5" 5 "$(five "redis://127.0.0.1:$P_OPEN")"
pid1_rounds "$T/open.log" 5 "redis://127.0.0.1:$P_OPEN/0"
expect "open: vigil as PID 1 turns healthy" healthy "$HEALTH"
wait_for 5 test "$(closed "$T/open.log" "$l0")" -ge 10
expect_ge "open: the server saw every probe close cleanly" 10 \
    "$(closed "$T/open.log" "$l0")"
expect "open: no warning or error in the server's log" "" \
    "$(bad_lines "$T/open.log" "$l0")"

# --- requirepass ------------------------------------------------------------
pw_url=$(python3 -c 'import sys, urllib.parse; print(urllib.parse.quote(sys.argv[1], safe=""))' "$PW")
l0=$(lines "$T/pw.log")
expect "requirepass: the URL's password passes 5 of 5" 5 \
    "$(five "redis://:$pw_url@127.0.0.1:$P_PW")"
expect "requirepass: the password file passes 5 of 5" 5 \
    "$(five "redis://:@127.0.0.1:$P_PW?password-file=$T/secret")"
probe "redis://:@127.0.0.1:$P_PW?password-file=$T/secret"
expect_match "requirepass: the file's spec is shown as given" \
    "^ok   redis://:@127.0.0.1:$P_PW\?password-file=$T/secret: PONG in" "$OUT"
expect_no_match "requirepass: the password is never shown" "s3cret" "$OUT$ERR"
pid1_rounds "$T/pw.log" 5 "redis://:@127.0.0.1:$P_PW?password-file=$T/secret"
expect "requirepass: vigil as PID 1 turns healthy" healthy "$HEALTH"
expect_no_match "requirepass: PID 1's log holds no password" "s3cret" \
    "$(cat "$T/vlog" "$T/health")"
wait_for 5 test "$(closed "$T/pw.log" "$l0")" -ge 16
expect_ge "requirepass: the server saw every probe close cleanly" 16 \
    "$(closed "$T/pw.log" "$l0")"
expect "requirepass: no warning or error in the server's log" "" \
    "$(bad_lines "$T/pw.log" "$l0")"

# --- password files that do not work ---------------------------------------
printf 'wrong\n' >"$T/wrong"
chmod 0644 "$T/wrong"
probe "redis://:@127.0.0.1:$P_PW?password-file=$T/wrong"
expect "a wrong password from a file fails" 1 "$RC"
expect_match "and shows the server's answer" "redis: -(WRONGPASS|ERR invalid)" \
    "$OUT"
probe "redis://:@127.0.0.1:$P_PW?password-file=$T/none"
expect "a missing password file fails" 1 "$RC"
expect "and says why in one line" "fail redis://:@127.0.0.1:$P_PW?password-file=$T/none: \
redis: password-file $T/none: No such file or directory" "$OUT"
head -c 5000 /dev/zero | tr '\0' x >"$T/huge"
probe "redis://:@127.0.0.1:$P_PW?password-file=$T/huge"
expect "a huge password file fails" 1 "$RC"
expect_match "and says it is too long" "password-file $T/huge: too long" "$OUT"
probe "redis://:@127.0.0.1:$P_PW?password-file=$T"
expect "a directory as password file fails" 1 "$RC"
expect_match "and says why" "password-file $T: Is a directory" "$OUT"
probe "redis://:pw@127.0.0.1:$P_PW?password-file=$T/secret"
expect "a password and a password file are refused" 2 "$RC"
expect_match "with one line" "not both" "$ERR"

# The check sees a misbehaving client: an HTTP request to redis.
l0=$(lines "$T/open.log")
probe "http://127.0.0.1:$P_OPEN/"
expect "http to redis fails" 1 "$RC"
wait_for 5 grep -q 'SECURITY ATTACK' <(since "$T/open.log" "$l0")
expect_match "and the log check sees the line redis writes" "SECURITY ATTACK" \
    "$(bad_lines "$T/open.log" "$l0")"
