#!/bin/bash
# SPDX-License-Identifier: MIT
# The metrics endpoint's cost: CPU of PID 1 plus its responders per scrape
# over N sequential scrapes (python3, one connection each), and PID 1's
# RSS with --metrics on and off while supervising sleep.
# Usage: tests/bench/metrics.sh BUILD/VIGIL [N]   (N: 1000)
set -u
VIGIL=$(realpath "$1")
N=${2:-1000}
T=$(mktemp -d /tmp/vigil-mbench.XXXXXX)
PIDS=()
trap 'kill "${PIDS[@]}" 2>/dev/null; wait 2>/dev/null; rm -rf "$T"' EXIT
port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
rss() { awk '/^VmRSS/ { print $2 }' "/proc/$1/status"; }

"$VIGIL" -q --state-file "$T/h0" -- sleep 600 & off=$!
"$VIGIL" -q --state-file "$T/h1" --metrics "127.0.0.1:$port" -- sleep 600 &
on=$!
PIDS=("$off" "$on")
for i in $(seq 1 200); do
	curl -sf -o /dev/null "http://127.0.0.1:$port/metrics" && break
	sleep 0.05
done
sleep 0.5
echo "  RSS supervising sleep: --metrics off $(rss "$off") kB, on $(rss "$on") kB (before any scrape)"
tck=$(getconf CLK_TCK)
cpu() { read -r -a st <"/proc/$1/stat"; echo $(( st[13] + st[14] + st[15] + st[16] )); }
c0=$(cpu "$on")
t0=$(date +%s%N)
python3 - "$port" "$N" <<'PY'
import socket, sys
port, n = int(sys.argv[1]), int(sys.argv[2])
req = b"GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n"
bad = 0
for i in range(n):
    s = socket.create_connection(("127.0.0.1", port))
    s.sendall(req)
    data = b""
    while True:
        b = s.recv(65536)
        if not b:
            break
        data += b
    s.close()
    if not data.startswith(b"HTTP/1.1 200"):
        bad += 1
if bad:
    print("  %d of %d scrapes failed" % (bad, n))
PY
t1=$(date +%s%N)
c1=$(cpu "$on")
us=$(( (c1 - c0) * 1000000 / tck / N ))
echo "  $N scrapes: ${us} µs CPU per scrape (PID 1 + responder), $(( (t1 - t0) / 1000 / N )) µs wall each"
echo "  RSS after $N scrapes: $(rss "$on") kB"
