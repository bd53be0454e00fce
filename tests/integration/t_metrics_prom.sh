#!/bin/bash
# SPDX-License-Identifier: MIT
# A real Prometheus (Debian's) scrapes vigil as PID 1 every second while
# the child crashes once and a probe fails; the counters are read back
# through Prometheus' own query API.
. "$(dirname "$0")/lib.sh"

UNSHARE_PID= PROM=
trap 'kill $UNSHARE_PID $PROM 2>/dev/null; wait 2>/dev/null; rm -rf "$T"' EXIT

if ! command -v prometheus >/dev/null; then
	echo "skip t_metrics_prom: prometheus is not installed (make deps)"
	exit 0
fi
free_port() {
	python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}
# query EXPR: the value of the single series EXPR yields, or nothing.
query() {
	python3 - "$PPORT" "$1" <<'PY'
import json, sys, urllib.parse, urllib.request
url = "http://127.0.0.1:%s/api/v1/query?query=%s" % (
    sys.argv[1], urllib.parse.quote(sys.argv[2]))
try:
    r = json.load(urllib.request.urlopen(url, timeout=5))
except OSError:
    sys.exit(1)
res = r.get("data", {}).get("result", [])
if len(res) == 1:
    print(res[0]["value"][1])
PY
}
# query_is EXPR WANT: for wait_for.
query_is() { [ "$(query "$1")" = "$2" ]; }

MPORT=$(free_port)
PPORT=$(free_port)
cat >"$T/prometheus.yml" <<EOF2
global:
  scrape_interval: 1s
  evaluation_interval: 1s
scrape_configs:
  - job_name: vigil
    static_configs:
      - targets: ["127.0.0.1:$MPORT"]
EOF2
# The child exits 3 once, then runs; the probe never passes.
pid1_bg "$T/vigil.log" --metrics "127.0.0.1:$MPORT" --restart on-failure \
    --backoff-initial 100ms --on-unhealthy none \
    --probe "tcp://127.0.0.1:1" --probe-interval 500ms \
    --probe-start-interval 500ms --state-file "$T/health" -- \
    sh -c "[ -e '$T/crashed' ] || { touch '$T/crashed'; exit 3; }; exec sleep 1000"
VP=$(vigil_pid)
prometheus --config.file="$T/prometheus.yml" --storage.tsdb.path="$T/data" \
    --web.listen-address="127.0.0.1:$PPORT" >"$T/prom.log" 2>&1 &
PROM=$!
wait_for 60 curl -sf "http://127.0.0.1:$PPORT/-/ready" &&
    pass "prometheus is ready" || fail "prometheus is ready" "$(tail -n 5 "$T/prom.log")"
wait_for 60 query_is 'up{job="vigil"}' 1 && pass "prometheus scrapes vigil" ||
    fail "prometheus scrapes vigil" "up=$(query 'up{job="vigil"}')"
wait_for 30 query_is vigil_child_restarts_total 1 &&
    pass "restarts read back through prometheus" ||
    fail "restarts read back through prometheus" "got '$(query vigil_child_restarts_total)'"
wait_for 30 query_is 'vigil_child_exits_total{reason="exit"}' 1 &&
    pass "exits by reason read back" ||
    fail "exits by reason read back" "got '$(query 'vigil_child_exits_total{reason="exit"}')'"
wait_for 30 query_is 'vigil_probe_runs_total{result="fail"} >= bool 3' 1 &&
    pass "probe failures read back" ||
    fail "probe failures read back" "got '$(query 'vigil_probe_runs_total{result="fail"}')'"
expect "no probe passed" 0 "$(query 'vigil_probe_runs_total{result="pass"}')"
wait_for 30 query_is 'vigil_health_status{status="unhealthy"}' 1 &&
    pass "unhealthy state read back" ||
    fail "unhealthy state read back" "got '$(query 'vigil_health_status{status="unhealthy"}')'"
wait_for 30 query_is 'vigil_probe_duration_seconds_count >= bool 3' 1 &&
    pass "probe durations read back" ||
    fail "probe durations read back" "got '$(query vigil_probe_duration_seconds_count)'"
expect "child up" 1 "$(query vigil_child_up)"
kill -TERM "$VP"
wait_exit "$UNSHARE_PID" 10
expect "vigil stops cleanly" 143 "$RC"
kill $PROM; wait $PROM 2>/dev/null; PROM=
