#!/bin/bash
# SPDX-License-Identifier: MIT
# --metrics as PID 1: a bad ADDR:PORT or a port in use starts nothing;
# the exposition passes promtool; the responder runs sandboxed; hostile
# clients (slowloris, a 1 MB request, 1000 connections, all on loopback)
# leave PID 1's RSS and descriptors flat and vigil answering.
. "$(dirname "$0")/lib.sh"

trap 'kill $UNSHARE_PID 2>/dev/null; wait 2>/dev/null; rm -rf "$T"' EXIT
UNSHARE_PID=

free_port() {
	python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}
scrape() { curl -sf --max-time 5 "$@" "http://127.0.0.1:$PORT/metrics"; }
responders() { pgrep -P "$VP" -f '^vigil metrics' | wc -l; }
no_responders() { [ "$(responders)" -eq 0 ]; }
# PID 1's RSS (kB, the least of a few samples) and descriptor count.
mem() {
	local i rss min=999999999
	for i in 1 2 3 4 5; do
		rss=$(awk '/^VmRSS/ { print $2 }' "/proc/$VP/status")
		[ "$rss" -lt "$min" ] && min=$rss
		sleep 0.05
	done
	echo "$min $(ls "/proc/$VP/fd" | wc -l)"
}

# Bad addresses: one line, exit 2, the command never runs.
for bad in 9464 :0 :70000 localhost:9464 1.2.3:80 '' :94x; do
	out=$("$VIGIL" --metrics "$bad" -- touch "$T/ran" 2>&1); rc=$?
	expect "bad --metrics '$bad' exits 2" 2 "$rc"
	expect_match "bad --metrics '$bad' says why" '^vigil: --metrics: ' \
	    "$(printf '%s' "$out" | head -n 1)"
done
out=$(VIGIL_METRICS=nope "$VIGIL" -- touch "$T/ran" 2>&1); rc=$?
expect "bad VIGIL_METRICS exits 2" 2 "$rc"
expect_match "bad VIGIL_METRICS is named" 'VIGIL_METRICS' "$out"
[ -e "$T/ran" ] && fail "bad --metrics starts nothing" "the command ran" ||
    pass "bad --metrics starts nothing"

# A port already taken: vigil ends before starting the command.
PORT=$(free_port)
python3 -c 'import socket, sys, time
s = socket.socket(); s.bind(("127.0.0.1", int(sys.argv[1]))); s.listen(1)
time.sleep(30)' "$PORT" &
HOLDER=$!
wait_for 5 python3 -c 'import socket, sys; socket.create_connection(("127.0.0.1", int(sys.argv[1])))' "$PORT"
out=$(pid1 --metrics "127.0.0.1:$PORT" -- touch "$T/ran" 2>&1); rc=$?
kill $HOLDER; wait $HOLDER 2>/dev/null
expect_match "port in use is refused" 'cannot listen on port' "$out"
[ "$rc" -ne 0 ] && [ ! -e "$T/ran" ] && pass "port in use starts nothing" ||
    fail "port in use starts nothing" "rc $rc"

# Served as PID 1, off by default.
PORT=$(free_port)
pid1_bg "$T/log" --metrics "127.0.0.1:$PORT" --on-unhealthy none \
    --probe "tcp://127.0.0.1:1" --probe-interval 200ms \
    --probe-start-interval 200ms --state-file "$T/health" -- sleep 1000
VP=$(vigil_pid)
wait_for 10 scrape -o /dev/null && pass "metrics served" ||
    fail "metrics served" "$(cat "$T/log")"
wait_for 10 sh -c "curl -sf http://127.0.0.1:$PORT/metrics |
    grep -q 'result=\"fail\"} [1-9]'" && pass "probe failures counted" ||
    fail "probe failures counted" "$(scrape | grep probe_runs)"
wait_for 10 sh -c "curl -sf http://127.0.0.1:$PORT/metrics |
    grep -q 'status=\"unhealthy\"} 1'" && pass "unhealthy is the current state" ||
    fail "unhealthy is the current state" "$(scrape | grep health_status)"
scrape -o "$T/body"
body=$(cat "$T/body")
expect_match "child up" '^vigil_child_up 1$' "$(grep '^vigil_child_up' "$T/body")"
if command -v promtool >/dev/null; then
	lint=$(promtool check metrics <"$T/body" 2>&1); rc=$?
	expect "promtool check metrics passes" "0 ''" "$rc '$lint'"
else
	echo "skip promtool check metrics: promtool not installed (make deps)"
fi
hdr=$(curl -sf -D - -o "$T/om" -H 'Accept: application/openmetrics-text; version=1.0.0' \
    "http://127.0.0.1:$PORT/metrics")
expect_match "OpenMetrics when asked" \
    'Content-Type: application/openmetrics-text; version=1.0.0' "$hdr"
expect "OpenMetrics ends with # EOF" "# EOF" "$(tail -n 1 "$T/om")"
expect "other paths: 404" 404 "$(curl -s -o /dev/null -w '%{http_code}' \
    "http://127.0.0.1:$PORT/")"
expect "other methods: 405" 405 "$(curl -s -o /dev/null -w '%{http_code}' \
    -X POST "http://127.0.0.1:$PORT/metrics")"
# vigil's own figures are PID 1's, read by the responder.
fds=$(printf '%s' "$body" | awk '/^process_open_fds/ { print $2 }')
expect_ge "process_open_fds is PID 1's" 3 "${fds:-0}"
expect_match "process_resident_memory_bytes" \
    '^process_resident_memory_bytes [1-9][0-9]+$' \
    "$(printf '%s' "$body" | grep '^process_resident_memory_bytes')"

# A responder held by a slow client: sandboxed as the probes are.
python3 - "$PORT" <<'PY' &
import socket, sys, time
c = socket.create_connection(("127.0.0.1", int(sys.argv[1])))
c.send(b"GET /met")
time.sleep(2.5)
PY
SLOW=$!
wait_for 5 sh -c "pgrep -P $VP -f '^vigil metrics' >/dev/null"
rp=$(pgrep -P "$VP" -f '^vigil metrics' | head -n 1)
st=$(cat "/proc/$rp/status" 2>/dev/null)
expect "responder runs as 65534" "65534" \
    "$(printf '%s' "$st" | awk '/^Uid:/ { print $3 }')"
expect "responder has no capabilities" "0000000000000000" \
    "$(printf '%s' "$st" | awk '/^CapEff:/ { print $2 }')"
expect "responder is under seccomp" "2" \
    "$(printf '%s' "$st" | awk '/^Seccomp:/ { print $2 }')"
expect "responder has no_new_privs" "1" \
    "$(printf '%s' "$st" | awk '/^NoNewPrivs:/ { print $2 }')"
wait $SLOW
wait_for 10 no_responders && pass "slow responder ends on its own" ||
    fail "slow responder ends on its own" "$(responders) left"

# Hostile clients. Warm the accept path first, then measure.
for i in 1 2 3 4 5; do scrape -o /dev/null; done
wait_for 10 no_responders
read -r rss0 fd0 <<<"$(mem)"
python3 - "$PORT" <<'PY'
import socket, sys, time
port = int(sys.argv[1])
addr = ("127.0.0.1", port)
# slowloris: eight connections dripping a head one byte at a time
slow = []
for i in range(8):
    try:
        c = socket.create_connection(addr, timeout=2)
        slow.append(c)
    except OSError:
        pass
for b in b"GET /metrics HTTP/1.1\r\nX-A: ":
    for c in slow:
        try:
            c.send(bytes([b]))
        except OSError:
            pass
    time.sleep(0.05)
for c in slow:
    c.close()
# a 1 MB request
try:
    c = socket.create_connection(addr, timeout=5)
    c.sendall(b"GET /metrics HTTP/1.1\r\nX-B: " + b"b" * (1 << 20))
except OSError:
    pass
finally:
    c.close()
# 1000 connections: 200 held open at once, five times over
for r in range(5):
    held = []
    for i in range(200):
        try:
            c = socket.create_connection(addr, timeout=2)
            c.send(b"GET /metrics HTTP/1.1\r\n\r\n")
            held.append(c)
        except OSError:
            pass
    for c in held:
        c.close()
PY
wait_for 20 no_responders && pass "hostile clients: responders all gone" ||
    fail "hostile clients: responders all gone" "$(responders) left"
wait_for 10 scrape -o /dev/null && pass "answers after hostile clients" ||
    fail "answers after hostile clients" "no answer"
wait_for 10 no_responders
read -r rss1 fd1 <<<"$(mem)"
echo "info t_metrics: PID 1 RSS ${rss0} -> ${rss1} kB, fds ${fd0} -> ${fd1} around 1000+ hostile connections" >>"$RESULTS"
expect_le "PID 1 RSS flat after hostile clients (kB)" "$rss0" "$rss1"
expect "PID 1 fds flat after hostile clients" "$fd0" "$fd1"
kill -TERM "$VP"
wait_exit "$UNSHARE_PID" 10
expect "vigil stops cleanly" 143 "$RC"

# Off by default: nothing listens.
PORT=$(free_port)
pid1_bg "$T/log2" --state-file "$T/health2" -- sleep 1000
VP=$(vigil_pid)
wait_for 5 test -e "$T/health2"
expect "no --metrics: no socket" 0 \
    "$(ls -l "/proc/$VP/fd" | grep -c socket)"
kill -TERM "$VP"
wait_exit "$UNSHARE_PID" 10
