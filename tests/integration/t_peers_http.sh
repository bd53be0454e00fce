#!/bin/bash
# SPDX-License-Identifier: MIT
# The http:// probe against hostile peers (no line end in 8 KiB, a 1 MB
# reply, a malformed status line, a byte-drip), through `vigil probe` and
# through vigil as PID 1: the probe fails with a reason, vigil stays up and
# keeps probing. Under `make check-san` the probe process runs with ASan,
# which catches any read past the head it keeps.
. "$(dirname "$0")/lib.sh"

PEERS=
trap 'kill $PEERS 2>/dev/null; wait 2>/dev/null; rm -rf "$T"' EXIT

cat >"$T/peers.py" <<'PY'
import socket, sys, threading, time

def drain(c):
    c.settimeout(2)
    try:
        while b"\r\n\r\n" not in c.recv(4096):
            pass
    except OSError:
        pass

def flood_a(c):
    drain(c)
    c.sendall(b"A" * 8192)
    time.sleep(5)

def big(c):
    drain(c)
    c.sendall(b"HTTP/1.1 200 OK\r\nX: " + b"x" * (1 << 20) + b"\r\n\r\n")

def badline(c):
    drain(c)
    c.sendall(b"HTTP/1.1 2OO OK\r\n\r\n")

def drip(c):
    drain(c)
    for b in b"HTTP/1.1 200 OK\r\n" + b"X" * 100000:
        c.sendall(bytes([b]))
        time.sleep(0.05)

def serve(s, fn):
    while True:
        c, _ = s.accept()
        def run(c=c):
            try:
                fn(c)
            except OSError:
                pass
            finally:
                c.close()
        threading.Thread(target=run, daemon=True).start()

kinds = {"flood": flood_a, "big": big, "badline": badline, "drip": drip}
ports = {}
for name, fn in kinds.items():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    s.listen(16)
    ports[name] = s.getsockname()[1]
    threading.Thread(target=serve, args=(s, fn), daemon=True).start()
with open(sys.argv[1] + ".tmp", "w") as f:
    for name, port in ports.items():
        f.write("%s=%d\n" % (name, port))
import os
os.rename(sys.argv[1] + ".tmp", sys.argv[1])
while True:
    time.sleep(3600)
PY
python3 "$T/peers.py" "$T/ports" >"$T/peers.log" 2>&1 &
PEERS=$!
wait_for 10 test -e "$T/ports" || fail "peers start" "$(cat "$T/peers.log")"
port() { sed -n "s/^$1=//p" "$T/ports"; }
P_FLOOD=$(port flood); P_BIG=$(port big); P_BAD=$(port badline)
P_DRIP=$(port drip)

probe() {
	OUT=$("$VIGIL" probe "$@" 2>"$T/stderr"); RC=$?
	ERR=$(cat "$T/stderr")
}

# --- what the probe sends: python's http.server records the User-Agent ----
cat >"$T/ua.py" <<'PY'
import http.server, sys

class H(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        with open(sys.argv[2], "a") as f:
            f.write("%s|%s\n" % (self.path, self.headers.get("User-Agent")))
        self.send_response(204)
        self.end_headers()
    def log_message(self, *a):
        pass

s = http.server.HTTPServer(("127.0.0.1", 0), H)
with open(sys.argv[1] + ".tmp", "w") as f:
    f.write("%d\n" % s.server_port)
import os
os.rename(sys.argv[1] + ".tmp", sys.argv[1])
s.serve_forever()
PY
python3 "$T/ua.py" "$T/uaport" "$T/ua.log" >"$T/uapy.log" 2>&1 &
PEERS="$PEERS $!"
wait_for 10 test -e "$T/uaport" || fail "ua server start" "$(cat "$T/uapy.log")"
P_UA=$(cat "$T/uaport")
version=$("$VIGIL" --version 2>&1 | grep -Eo '[0-9]+\.[0-9]+\.[0-9]+' | head -n 1)
probe "http://127.0.0.1:$P_UA/ua%09x?q=1"
expect "http.server 204 passes" 0 "$RC"
expect "the probe says who it is: vigil/VERSION" "/ua%09x?q=1|vigil/$version" \
    "$(cat "$T/ua.log")"
probe "$(printf 'http://127.0.0.1:%s/a\tb' "$P_UA")"
expect "a tab in an http path is refused" 2 "$RC"
expect "a tab in an http path: one line on stderr" 1 \
    "$(printf '%s\n' "$ERR" | wc -l)"
expect_match "a tab in an http path: it says why" \
    "control character 0x09 in http path \(write it as %09\)\$" "$ERR"

# --- one probe at a time ---------------------------------------------------
probe "http://127.0.0.1:$P_FLOOD/"
expect "8192 'A's without a line end fail" 1 "$RC"
expect_match "8192 'A's: the reason quotes the start" \
    "^fail http://127.0.0.1:$P_FLOOD/: HTTP: bad status line 'A{47}' from 127.0.0.1:$P_FLOOD\$" \
    "$OUT"
expect_no_match "8192 'A's: no sanitizer report" "AddressSanitizer|runtime error" \
    "$ERR"
probe "http://127.0.0.1:$P_BIG/"
expect "a 1 MB head with a good status line passes" 0 "$RC"
expect_match "a 1 MB head is judged by its status line" "HTTP 200 in" "$OUT"
probe "http://127.0.0.1:$P_BAD/"
expect "a malformed status line fails" 1 "$RC"
expect_match "a malformed status line is quoted" \
    "HTTP: bad status line 'HTTP/1.1 2OO OK' from" "$OUT"
probe --timeout 700ms "http://127.0.0.1:$P_DRIP/"
expect "a byte-drip fails at the timeout" 1 "$RC"
expect_match "a byte-drip says timeout" "timeout after 700ms" "$OUT"

# --- vigil as PID 1 probing them, round after round ------------------------
pid1_bg "$T/log" --state-file "$T/health" --probe-interval 100ms \
    --probe-start-interval 100ms --probe-timeout 500ms --probe-retries 1 \
    --probe "http://127.0.0.1:$P_FLOOD/" --probe "http://127.0.0.1:$P_BAD/" \
    --probe "http://127.0.0.1:$P_BIG/" --probe "http://127.0.0.1:$P_DRIP/" \
    -- sleep 60
VP=$(vigil_pid)
wait_for 10 grep -q '^status=unhealthy' "$T/health"
expect "PID 1: hostile peers make it unhealthy" unhealthy \
    "$(sed -n 's/^status=//p' "$T/health")"
# Several more rounds, each with every hostile peer.
f0=$(sed -n 's/^failures=//p' "$T/health")
wait_for 10 test "$(sed -n 's/^failures=//p' "$T/health")" -ge $((f0 + 5))
expect_ge "PID 1: it keeps probing" $((f0 + 5)) \
    "$(sed -n 's/^failures=//p' "$T/health")"
kill -0 "$VP" 2>/dev/null
expect "PID 1: vigil is still up" 0 "$?"
expect_no_match "PID 1: no sanitizer report" \
    "AddressSanitizer|runtime error|LeakSanitizer" "$(cat "$T/log")"
kill -TERM "$VP"; wait_exit "$UNSHARE_PID" 10
expect "PID 1: it stops cleanly on TERM" 143 "$RC"
