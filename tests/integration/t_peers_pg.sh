#!/bin/bash
# SPDX-License-Identifier: MIT
# The postgres:// probe against a real PostgreSQL with log_connections and
# log_disconnections on: password auth (Debian's stock scram-sha-256 for
# host lines) and then trust (the official image's loopback lines). Probes
# through `vigil probe` and vigil as PID 1 must pass and leave no FATAL or
# ERROR line in the server's log; a missing role under trust must (the
# check can see one); and with the server down the probe fails cleanly.
. "$(dirname "$0")/lib.sh"
skip() { echo "  SKIP $1"; }

PG_BIN=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
if [ -z "$PG_BIN" ] || [ ! -x "$PG_BIN/postgres" ]; then
	skip "postgres: no /usr/lib/postgresql/*/bin/postgres"; exit 0
fi
if [ "$(id -u)" = 0 ]; then
	id postgres >/dev/null 2>&1 ||
	    { skip "postgres: root without a postgres user"; exit 0; }
	# From a directory the postgres user can enter: the checkout may
	# sit in a 0700 home.
	as_pg() { (cd "$PGT" && runuser -u postgres -- "$@"); }
else
	as_pg() { "$@"; }
fi

# The server cannot reach $T or a checkout under a 0700 home: its data
# and socket live in a directory of their own that it owns.
PGT=$(mktemp -d /tmp/vigil-pg.XXXXXX)
chmod 0755 "$PGT"
[ "$(id -u)" = 0 ] && chown postgres "$PGT"
D=$PGT/data LOG=$PGT/server.log
pg_stop() {
	[ -f "$D/postmaster.pid" ] &&
	    as_pg "$PG_BIN/pg_ctl" -D "$D" -m immediate -w stop >/dev/null 2>&1
}
trap 'pg_stop; rm -rf "$T" "$PGT"' EXIT

P=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
if ! as_pg "$PG_BIN/initdb" -D "$D" -U postgres --auth-local=peer \
    --auth-host=scram-sha-256 >"$PGT/initdb.log" 2>&1; then
	fail "postgres initdb" "$(tail -n 5 "$PGT/initdb.log")"; exit 0
fi
touch "$LOG" && [ "$(id -u)" = 0 ] && chown postgres "$LOG"
as_pg "$PG_BIN/pg_ctl" -D "$D" -l "$LOG" -w -t 30 -o "-p $P -k $PGT \
    -c listen_addresses=127.0.0.1 -c fsync=off -c log_connections=on \
    -c log_disconnections=on" start >"$PGT/ctl.log" 2>&1 ||
    { fail "postgres start" "$(cat "$PGT/ctl.log" "$LOG" | tail -n 5)"; exit 0; }

# since N: the server's log after its first N lines.
lines() { wc -l <"$LOG"; }
since() { tail -n +"$(($1 + 1))" "$LOG"; }
bad_lines() { since "$1" | grep -E '(FATAL|ERROR|PANIC):' ; }
received() { since "$1" | grep -c 'connection received'; }
probe() {
	OUT=$("$VIGIL" probe "$@" 2>"$T/stderr"); RC=$?
	ERR=$(cat "$T/stderr")
}
# pid1_rounds N SPEC: vigil as PID 1 probing SPEC until the server has
# seen N more connections; sets HEALTH to the last status.
pid1_rounds() {
	local n=$1 spec=$2 l0
	l0=$(lines)
	pid1_bg "$T/vlog" --state-file "$T/health" --probe "$spec" \
	    --probe-interval 50ms --probe-start-interval 50ms -- sleep 60
	local vp
	vp=$(vigil_pid)
	wait_for 20 test "$(received "$l0")" -ge "$n"
	wait_for 5 grep -q '^status=healthy' "$T/health"
	HEALTH=$(sed -n 's/^status=//p' "$T/health")
	kill -TERM "$vp"; wait_exit "$UNSHARE_PID" 10
}

# --- password authentication (Debian's host lines) --------------------------
l0=$(lines)
ok=0
for _ in 1 2 3 4 5; do
	probe "postgres://127.0.0.1:$P"
	[ "$RC" = 0 ] && ok=$((ok + 1))
done
expect "scram: vigil probe passes 5 of 5" 5 "$ok"
expect_match "scram: it says accepting" \
    "^ok   postgres://127.0.0.1:$P: postgres: accepting connections\$" "$OUT"
probe "postgres://app@localhost:$P/appdb?sslmode=disable"
expect "scram: any user and database pass" 0 "$RC"
pid1_rounds 5 "postgres://127.0.0.1:$P"
expect "scram: vigil as PID 1 turns healthy" healthy "$HEALTH"
expect_ge "scram: the server saw every probe" 11 "$(received "$l0")"
expect "scram: no FATAL or ERROR in the server's log" "" "$(bad_lines "$l0")"

# --- trust (the official image's loopback lines) ----------------------------
sed -i 's/scram-sha-256$/trust/' "$D/pg_hba.conf"
l1=$(lines)
as_pg "$PG_BIN/pg_ctl" -D "$D" reload >/dev/null
wait_for 10 grep -q 'reloading configuration files' <(since "$l1")
# pg_hba.conf is re-read by each new backend after the reload.
sleep 0.2
l0=$(lines)
ok=0
for _ in 1 2 3 4 5; do
	probe "postgres://127.0.0.1:$P"
	[ "$RC" = 0 ] && ok=$((ok + 1))
done
expect "trust: vigil probe passes 5 of 5" 5 "$ok"
pid1_rounds 5 "postgresql://postgres@127.0.0.1:$P/postgres"
expect "trust: vigil as PID 1 turns healthy" healthy "$HEALTH"
wait_for 5 test "$(since "$l0" | grep -c 'disconnection:')" -ge 10
expect_ge "trust: every session was started" 10 \
    "$(since "$l0" | grep -c 'connection authorized: user=postgres')"
expect_ge "trust: and ended by the probe" 10 \
    "$(since "$l0" | grep -c 'disconnection:')"
expect "trust: no FATAL or ERROR in the server's log" "" "$(bad_lines "$l0")"

# The check can see what the old probe caused: a role that does not exist.
l0=$(lines)
probe "postgres://nosuchrole@127.0.0.1:$P"
expect "trust: a missing role still proves the server up" 0 "$RC"
expect_match "trust: and is reported" "28000 role \"nosuchrole\" does not exist" \
    "$OUT"
wait_for 5 grep -q 'FATAL' <(since "$l0")
expect_match "trust: the server logged that FATAL" \
    'FATAL: +role "nosuchrole" does not exist' "$(since "$l0")"

# --- the server down --------------------------------------------------------
as_pg "$PG_BIN/pg_ctl" -D "$D" -m fast -w stop >/dev/null
probe "postgres://127.0.0.1:$P"
expect "down: the probe fails" 1 "$RC"
expect "down: it says why" \
    "fail postgres://127.0.0.1:$P: connect 127.0.0.1:$P: Connection refused" "$OUT"
expect "down: nothing on stderr" "" "$ERR"
pid1_bg "$T/vlog" --state-file "$T/health" --probe "postgres://127.0.0.1:$P" \
    --probe-interval 50ms --probe-start-interval 50ms --probe-retries 2 \
    -- sleep 60
VP=$(vigil_pid)
wait_for 10 grep -q '^status=unhealthy' "$T/health"
expect "down: vigil as PID 1 turns unhealthy" unhealthy \
    "$(sed -n 's/^status=//p' "$T/health")"
kill -0 "$VP" 2>/dev/null; expect "down: vigil stays up" 0 "$?"
kill -TERM "$VP"; wait_exit "$UNSHARE_PID" 10
