#!/bin/bash
# SPDX-License-Identifier: MIT
# Benchmarks, side by side in one run with Debian's tini, tini-static and
# dumb-init: binary size, start-up overhead, RSS, idle wakeups, reaping
# 20,000 orphans, signal-forwarding latency; then vigil's own restart
# latency, probe costs against curl, and fd/memory over 100,000 probe runs.
# These machines are noisy: read the ratios, not the absolute numbers.
# Usage: tests/bench/run.sh BUILD/VIGIL   (PROBE_RUNS=N to change 100000)
set -u
VIGIL=$(realpath "$1")
H=$(dirname "$VIGIL")/helpers
T=$(mktemp -d /tmp/vigil-bench.XXXXXX)
PY=/usr/bin/python3
PIDS=()
cleanup() { kill "${PIDS[@]}" 2>/dev/null; rm -rf "$T"; }
trap cleanup EXIT
for t in hyperfine tini tini-static dumb-init curl redis-server; do
	command -v "$t" >/dev/null || { echo "bench: $t missing (make deps)"; exit 1; }
done

# name|command prefix (the init's own flags, then --)
INITS=(
	"vigil|$VIGIL -q --state-file $T/health --"
	"tini-static|$(command -v tini-static) -s --"
	"tini|$(command -v tini) -s --"
	"dumb-init|$(command -v dumb-init) --"
)
name_of() { echo "${1%%|*}"; }
cmd_of() { echo "${1#*|}"; }
bin_of() { set -- ${1#*|}; echo "$1"; }
ratio() { $PY -c "import sys; a, b = float(sys.argv[1]), float(sys.argv[2]); print(f'{a / b:.2f}' if b else '-')" "$1" "$2"; }
row() { printf '  %-12s %14s %10s\n' "$@"; }

echo "== binary size (bytes; ratio to tini-static)"
base=$(stat -c %s "$(command -v tini-static)")
for i in "${INITS[@]}"; do
	s=$(stat -c %s "$(bin_of "$i")")
	row "$(name_of "$i")" "$s" "$(ratio "$s" "$base")"
done

echo "== start-up overhead over bare 'true' (hyperfine -N, 1000 runs)"
args=(true)
for i in "${INITS[@]}"; do args+=("$(cmd_of "$i") true"); done
hyperfine -N -w 50 -r 1000 --export-json "$T/start.json" "${args[@]}" \
    >/dev/null 2>&1
$PY - "$T/start.json" "${INITS[@]}" <<'PYEOF'
import json, sys
r = json.load(open(sys.argv[1]))["results"]
names = ["true"] + [a.split("|")[0] for a in sys.argv[2:]]
base = r[0]["median"]
over = {n: (x["median"] - base) * 1e6 for n, x in zip(names, r)}
for n, x in zip(names[1:], r[1:]):
    print(f"  {n:<12} {over[n]:10.0f} µs {over[n] / over['tini-static']:8.2f}x"
          f"   (median {x['median'] * 1e6:.0f} µs, true {base * 1e6:.0f} µs)")
PYEOF

echo "== RSS while supervising sleep, and idle wakeups over 10 s"
declare -A PIDOF
for i in "${INITS[@]}"; do
	# shellcheck disable=SC2046
	$(cmd_of "$i") sleep 60 2>/dev/null &
	PIDOF[$(name_of "$i")]=$!
	PIDS+=($!)
done
sleep 0.5
ctx() { awk '/ctxt_switches/ { s += $2 } END { print s }' "/proc/$1/status"; }
declare -A C0
for n in "${!PIDOF[@]}"; do C0[$n]=$(ctx "${PIDOF[$n]}"); done
rss_base=$(awk '/VmRSS/ { print $2 }' "/proc/${PIDOF[tini-static]}/status")
for i in "${INITS[@]}"; do
	n=$(name_of "$i")
	rss=$(awk '/VmRSS/ { print $2 }' "/proc/${PIDOF[$n]}/status")
	row "$n" "${rss} kB RSS" "$(ratio "$rss" "$rss_base")"
done
# With a probe, PID 1 compiles the probes' seccomp filter once at start-up:
# libseccomp's pages and heap join its RSS (scripts/layout.sh shows them).
$VIGIL -q --state-file "$T/health-probe" --probe-interval 1h \
    --probe tcp://127.0.0.1:1 -- sleep 60 2>/dev/null &
PIDS+=($!)
sleep 0.5
rss=$(awk '/VmRSS/ { print $2 }' "/proc/$!/status")
row "vigil+probe" "${rss} kB RSS" "$(ratio "$rss" "$rss_base")"
sleep 10
for i in "${INITS[@]}"; do
	n=$(name_of "$i")
	row "$n" "$(( $(ctx "${PIDOF[$n]}") - ${C0[$n]} )) wakeups" "(10 s)"
done
kill "${PIDS[@]}" 2>/dev/null; wait 2>/dev/null; PIDS=()

echo "== reaping 20,000 orphans as PID 1 (median of 3, ms; ratio to tini-static)"
args=()
for i in "${INITS[@]}"; do
	args+=("unshare --pid --fork --mount-proc $(cmd_of "$i") $H/orphans 20000")
done
hyperfine -N -r 3 --export-json "$T/reap.json" "${args[@]}" >/dev/null 2>&1
$PY - "$T/reap.json" "${INITS[@]}" <<'PYEOF'
import json, sys
r = json.load(open(sys.argv[1]))["results"]
names = [a.split("|")[0] for a in sys.argv[2:]]
base = r[names.index("tini-static")]["median"]
for n, x in zip(names, r):
    print(f"  {n:<12} {x['median'] * 1e3:10.0f} ms {x['median'] / base:8.2f}x")
PYEOF

echo "== signal-forwarding latency (USR1, 300 signals; µs)"
for i in "${INITS[@]}"; do
	rm -f "$T/lat"
	# shellcheck disable=SC2046
	$(cmd_of "$i") "$H/siglat" child "$T/lat" 2>/dev/null &
	p=$!
	printf '  %-12s ' "$(name_of "$i")"
	"$H/siglat" send "$p" 300 "$T/lat"
	kill -TERM "$p" 2>/dev/null; wait "$p" 2>/dev/null
done

echo "== vigil: crash to next exec with --backoff-initial 0 (200 restarts)"
rm -f "$T/stamps"
unshare --pid --fork --mount-proc "$VIGIL" -q --state-file "$T/health" \
    --restart on-failure --backoff-initial 0 --max-restarts 200 -- \
    "$H/stamp" "$T/stamps" 1 2>/dev/null
$PY - "$T/stamps" <<'PYEOF'
import statistics, sys
t = [int(l) for l in open(sys.argv[1])]
g = sorted((b - a) / 1e3 for a, b in zip(t, t[1:]))
print(f"  {len(t)} starts; gap median {statistics.median(g):.0f} µs, "
      f"p90 {g[len(g) * 9 // 10]:.0f} µs (child start to next child start, "
      "the child exits at once)")
PYEOF

echo "== probes against curl"
WEB=$($PY -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
RP=$($PY -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
mkdir -p "$T/www"; echo ok >"$T/www/index.html"
$PY -m http.server "$WEB" --bind 127.0.0.1 --directory "$T/www" >/dev/null 2>&1 &
PIDS+=($!)
redis-server --port "$RP" --bind 127.0.0.1 --save '' --appendonly no >/dev/null &
PIDS+=($!)
sleep 0.7
URL="http://127.0.0.1:$WEB/"
"$VIGIL" probe "$URL" "tcp://127.0.0.1:$RP" >/dev/null || echo "  (probe peers not up)"
# A healthy state file, so that `vigil status` takes its full path.
printf 'status=healthy\nsince=1\nupdated=%s\nstale_after=\npid=1\nrestarts=0\nlast_exit=\nfailures=0\nprobe=\noutput=\n' \
    "$(date +%s)" >"$T/st"
hyperfine -N -w 20 -r 300 --export-json "$T/probe.json" \
    "$VIGIL probe $URL" "curl -fsS -o /dev/null $URL" \
    "$VIGIL probe tcp://127.0.0.1:$RP" \
    "$VIGIL status --state-file $T/st" >/dev/null 2>&1
$PY - "$T/probe.json" <<'PYEOF'
import json, sys
r = json.load(open(sys.argv[1]))["results"]
label = ["vigil probe http", "curl -fsS http", "vigil probe tcp", "vigil status"]
for n, x in zip(label, r):
    print(f"  {n:<18} wall {x['median'] * 1e3:6.2f} ms   cpu {(x['user'] + x['system']) * 1e3:6.2f} ms"
          f"   ({x['median'] / r[1]['median']:.2f}x curl wall)")
PYEOF

# Inside vigil a probe is a fork, not an exec: measure per-run CPU there.
for spec in "$URL" "tcp://127.0.0.1:$RP"; do
	"$VIGIL" -v --state-file "$T/h2" --probe "$spec" --probe-interval 1ms \
	    --probe-start-interval 1ms -- sleep 60 2>"$T/plog" &
	p=$!; sleep 5
	read -r -a st <"/proc/$p/stat"
	runs=$(grep -c 'msg="probe passed"' "$T/plog")
	tck=$(getconf CLK_TCK)
	cpu=$(( (st[13] + st[14] + st[15] + st[16]) * 1000000 / tck ))
	kill -TERM "$p"; wait "$p" 2>/dev/null
	printf '  in-loop %-30s %6d runs in 5 s, %5d µs CPU per run (vigil + probe process)\n' \
	    "$spec" "$runs" $(( cpu / (runs > 0 ? runs : 1) ))
done

echo "== ${PROBE_RUNS:-100000} probe runs: fds and memory of PID 1"
kill "${PIDS[@]}" 2>/dev/null; PIDS=()
"$(dirname "$0")/soak.sh" "$VIGIL" "${PROBE_RUNS:-100000}"

# ---- probe sandbox: CPU per probe run (fork + drop + filter) -------------
# A separate block: builds tests/bench/sandbox_cost.c against the priv
# sources for both libcs and prints what priv_sandbox_apply() adds to a
# forked probe process, compiled once as PID 1 does (budget: 1 ms).
echo "== probe sandbox: CPU per probe run (2000 forks each; budget 1000 µs)"
(
	cd "$(dirname "$0")/../.." || exit 1
	SBX_SRC="tests/bench/sandbox_cost.c $(ls init/priv*.c)"
	# shellcheck disable=SC2086
	musl-gcc -static -Os -D_GNU_SOURCE -std=c11 -Iinit -Iprobes \
	    -Ibuild/musl/include -Ibuild/musl/kinc -o "$T/sandbox_cost-musl" \
	    $SBX_SRC build/musl/lib/libseccomp.a build/musl/lib/libcap.a &&
	    echo " musl static:" && "$T/sandbox_cost-musl" 2000
	# shellcheck disable=SC2086
	gcc -static -O2 -D_GNU_SOURCE -std=c11 -Iinit -Iprobes \
	    -o "$T/sandbox_cost-glibc" $SBX_SRC -lseccomp -lcap 2>/dev/null &&
	    echo " glibc static:" && "$T/sandbox_cost-glibc" 2000
)
# ---- end of probe sandbox block -------------------------------------------
# ---- metrics endpoint: CPU per scrape, RSS with --metrics on/off ---------
echo "== metrics endpoint: CPU per scrape and RSS (tests/bench/metrics.sh)"
"$(dirname "$0")/metrics.sh" "$VIGIL" 1000
# ---- end of metrics endpoint block ---------------------------------------
