#!/bin/bash
# SPDX-License-Identifier: MIT
# examples/observability: promtool accepts the alert rules and the scrape
# config, the Grafana dashboard is JSON that queries vigil's metrics, and
# run-local brings up vigil (PID 1, --metrics) and a real Prometheus whose
# alert rules see the worker's crash and its turn to unhealthy.
. "$(dirname "$0")/lib.sh"
O=$EXAMPLES/observability

need "promtool" command -v promtool
need "prometheus" command -v prometheus
out=$(promtool check rules "$O/alerts.yml" 2>&1); rc=$?
expect "promtool check rules alerts.yml" "0" "$rc"
expect_match "both alert rules" 'SUCCESS: 2 rules found' "$out"
expect_match "the restart rule" \
    'increase\(vigil_child_restarts_total\[15m\]\) > 3' "$(cat "$O/alerts.yml")"
expect_match "the unhealthy rule" \
    'vigil_health_status\{status="unhealthy"\} == 1' "$(cat "$O/alerts.yml")"
(cd "$O" && promtool check config prometheus.yml >/dev/null 2>&1)
expect "promtool check config prometheus.yml" 0 "$?"
dash=$($PY -c '
import json, sys
d = json.load(open(sys.argv[1]))
exprs = " ".join(t["expr"] for p in d["panels"] for t in p["targets"])
print(all(m in exprs for m in ("vigil_child_restarts_total",
    "vigil_health_status", "vigil_probe_duration_seconds_bucket")))
' "$O/dashboard.json" 2>&1)
expect "dashboard: restarts, health state, probe latency" True "$dash"
[ -s "$O/prometheus-graph.png" ] && [ "$(stat -c %s "$O/prometheus-graph.png")" -lt 200000 ] &&
    pass "the screenshot is there and small" ||
    fail "the screenshot is there and small" "missing or large"

# run-local for real, on free ports, until the rules see what happened.
mp=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
pp=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
wp=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
VIGIL=$VIGIL METRICS_PORT=$mp PROM_PORT=$pp WORKER_PORT=$wp CRASH_AFTER=2 \
    SICK_AFTER=6 setsid "$O/run-local" >"$T/run.log" 2>&1 &
RL=$!
q() {
	$PY - "$pp" "$1" <<'PY'
import json, sys, urllib.parse, urllib.request
u = "http://127.0.0.1:%s/api/v1/query?query=%s" % (sys.argv[1],
    urllib.parse.quote(sys.argv[2]))
r = json.load(urllib.request.urlopen(u, timeout=5))["data"]["result"]
print(r[0]["value"][1] if len(r) == 1 else "")
PY
}
q_is() { [ "$(q "$1" 2>/dev/null)" = "$2" ]; }
wait_for 60 q_is vigil_child_restarts_total 1 &&
    pass "run-local: the crash is in Prometheus" ||
    fail "run-local: the crash is in Prometheus" "$(tail -n 5 "$T/run.log")"
wait_for 60 q_is 'vigil_health_status{status="unhealthy"}' 1 &&
    pass "run-local: so is the unhealthy state" ||
    fail "run-local: so is the unhealthy state" "$(q 'vigil_health_status')"
wait_for 60 q_is 'count(ALERTS{alertname="VigilChildUnhealthy"})' 1 &&
    pass "run-local: the unhealthy alert is pending or firing" ||
    fail "run-local: the unhealthy alert is pending or firing" "none"
kill -TERM -- "-$RL" 2>/dev/null
wait_exit "$RL" 20
kill -KILL -- "-$RL" 2>/dev/null || true
