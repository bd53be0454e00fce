#!/bin/bash
# SPDX-License-Identifier: MIT
# The health file's probe log as PID 1 writes it: the last five rounds,
# newest first, with result, exit code and output; `vigil status --json`
# prints it all as one JSON object and `vigil status -v` as a table.
. "$(dirname "$0")/lib.sh"

trap 'kill $UNSHARE_PID 2>/dev/null; wait 2>/dev/null; rm -rf "$T"' EXIT
UNSHARE_PID=
mkdir -m 0700 "$T/run"
# Each round counts itself; rounds 1-3 pass, then every one fails with 7.
cat >"$T/probe.sh" <<'EOF2'
n=$(( $(cat "$1" 2>/dev/null || echo 0) + 1 )); echo "$n" >"$1"
[ "$n" -le 3 ] && { echo "round $n ok"; exit 0; }
echo "round $n \"bad\""; exit 7
EOF2
pid1_bg "$T/log" --on-unhealthy none --probe "exec:sh $T/probe.sh $T/n" \
    --probe-interval 100ms --probe-start-interval 100ms \
    --probe-retries 100 --state-file "$T/run/health" -- sleep 1000
VP=$(vigil_pid)
rounds() { cat "$T/n" 2>/dev/null || echo 0; }
wait_for 30 sh -c "[ \$(cat $T/n 2>/dev/null || echo 0) -ge 8 ]"
# The file is written once the round is in; read until it holds 5.
wait_for 10 sh -c "grep -q '^log5=' $T/run/health" &&
    pass "five rounds kept" || fail "five rounds kept" "$(cat "$T/run/health")"
expect_no_match "no sixth round" '^log6=' "$(cat "$T/run/health")"
kill -STOP "$VP"
json=$("$VIGIL" status --state-file "$T/run/health" --json); rc=$?
table=$("$VIGIL" status --state-file "$T/run/health" -v)
file=$(cat "$T/run/health")
kill -CONT "$VP"
expect "status --json exits as status does (healthy: 0)" 0 "$rc"
check=$(printf '%s' "$json" | python3 -c '
import json, sys
d = json.load(sys.stdin)
log = d["log"]
starts = [e["start_ms"] for e in log]
print(len(log), d["status"], d["ok"], starts == sorted(starts, reverse=True),
      all(e["result"] == "fail" and e["exit_code"] == 7 for e in log),
      log[0]["output"].startswith("round ") and "\"bad\"" in log[0]["output"],
      all(e["duration_ms"] >= 0 for e in log), d["restarts"], d["pid"] > 0)
' 2>&1)
expect "status --json: the whole state and the log" \
    "5 healthy True True True True True 0 True" "$check"
expect_match "status -v: a table of rounds" \
    'RESULT +CODE +OUTPUT' "$table"
expect_match "status -v: a failed round" 'fail +7 +round [0-9]+ "bad"' "$table"
expect_match "the file: log1 is the newest" '^log1=[0-9]+ [0-9]+ fail 7 round ' \
    "$(printf '%s' "$file" | grep '^log1=')"
kill -TERM "$VP"
wait_exit "$UNSHARE_PID" 10
