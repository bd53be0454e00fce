#!/bin/bash
# SPDX-License-Identifier: MIT
# Runs N tcp probe rounds (default 1,000,000) against a real redis-server at
# a 1 ms interval and checks that PID 1's RSS and descriptor count do not
# grow between round 1,000 and round N. Exit 1 if they do.
# Usage: tests/bench/soak.sh BUILD/VIGIL [N]
set -u
VIGIL=$(realpath "$1")
N=${2:-1000000}
T=$(mktemp -d /tmp/vigil-soak.XXXXXX)
PIDS=()
trap 'kill "${PIDS[@]}" 2>/dev/null; rm -rf "$T"' EXIT
RP=$(/usr/bin/python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
redis-server --port "$RP" --bind 127.0.0.1 --save '' --appendonly no >/dev/null &
PIDS+=($!)
sleep 0.5
# -v logs one line per passing round: that is the round counter.
"$VIGIL" -v --state-file "$T/h" --probe "tcp://127.0.0.1:$RP" \
    --probe-interval 1ms --probe-start-interval 1ms -- sleep 100000 \
    2>"$T/log" &
p=$!
PIDS+=($p)
runs() { grep -c 'msg="probe passed"' "$T/log"; }
# A probe's pipe is open while it runs: the least of 20 samples is the
# descriptor count between runs, which is what must not grow.
mem() {
	local i rss fds min_rss=999999 min_fds=999999
	for i in $(seq 20); do
		rss=$(awk '/VmRSS/ { print $2 }' "/proc/$p/status")
		fds=$(ls "/proc/$p/fd" | wc -l)
		[ "$rss" -lt "$min_rss" ] && min_rss=$rss
		[ "$fds" -lt "$min_fds" ] && min_fds=$fds
		sleep 0.05
	done
	echo "$min_rss $min_fds"
}
until [ "$(runs)" -ge 1000 ]; do sleep 0.2; done
read -r rss0 fd0 <<<"$(mem)"; r0=$(runs); t0=$(date +%s)
while [ "$(runs)" -lt "$N" ]; do
	sleep 5
	# Keep the log small: the count is what matters.
	if [ "$(stat -c %s "$T/log")" -gt 400000000 ]; then
		echo "soak: log too large, stopping at $(runs) rounds"; break
	fi
done
read -r rss1 fd1 <<<"$(mem)"; r1=$(runs); el=$(( $(date +%s) - t0 ))
kill -TERM "$p"; wait "$p" 2>/dev/null
printf '  round %s: RSS %s kB, %s fds; round %s (%s s later): RSS %s kB, %s fds\n' \
    "$r0" "$rss0" "$fd0" "$r1" "$el" "$rss1" "$fd1"
[ "$rss1" -le "$rss0" ] && [ "$fd1" -le "$fd0" ]
