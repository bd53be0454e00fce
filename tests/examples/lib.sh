# SPDX-License-Identifier: MIT
# Sourced by every tests/examples/t_*.sh: the integration helpers (expect,
# pass, fail, wait_for, pid1_bg, vigil_pid, wait_exit, now_ms, $T), plus
# what the examples share: measurements, free ports, a throw-away redis,
# and a cleanup that ends everything a test started.
. "$(dirname "${BASH_SOURCE[0]}")/../integration/lib.sh"

EXAMPLES=$(cd "$(dirname "${BASH_SOURCE[0]}")/../../examples" && pwd)
# Celery and redis-py come from Debian's packages, not from whatever
# python3 is first on PATH.
PY=/usr/bin/python3

# info TEXT: a measurement, printed now and again in the runner's summary.
info() { echo "info $*" >>"$RESULTS"; echo "  ..   $*"; }

# need NAME CMD...: a prerequisite; without it the file fails loudly.
need() {
	local name=$1; shift
	if ! "$@" >/dev/null 2>&1; then
		fail "prerequisite: $name" "missing (make deps installs it)"
		exit 0
	fi
}

free_port() {
	"$PY" -c 'import socket
s = socket.socket()
s.bind(("127.0.0.1", 0))
print(s.getsockname()[1])'
}

# Everything started in the background is listed here and ended at exit:
# SIGTERM first (run-local then stops its worker and redis itself), SIGKILL
# after 5 s, then whatever those processes had started.
BG_PIDS=()
cleanup() {
	local p k kids=()
	# unshare --kill-child takes the whole PID namespace with it.
	[ -n "${UNSHARE_PID:-}" ] && kill -KILL "$UNSHARE_PID" 2>/dev/null
	for p in "${BG_PIDS[@]}"; do
		while read -r k; do kids+=("$k"); done < <(pgrep -P "$p")
		kill -TERM "$p" 2>/dev/null
	done
	for p in "${BG_PIDS[@]}"; do wait_exit "$p" 5 2>/dev/null; done
	for p in "${kids[@]}"; do kill -KILL "$p" 2>/dev/null; done
	wait 2>/dev/null
	# KEEP_LOGS=1 keeps the logs of a failing run for a look.
	if [ "${KEEP_LOGS:-0}" = 1 ]; then echo "  logs kept in $T"
	else rm -rf "$T"; fi
}
trap cleanup EXIT

# start_redis: redis-server on a free loopback port, in its own session;
# sets REDIS_PORT and REDIS_PID.
start_redis() {
	REDIS_PORT=$(free_port)
	setsid redis-server --port "$REDIS_PORT" --bind 127.0.0.1 --save '' \
	    --appendonly no --dir "$T" >"$T/redis-$REDIS_PORT.log" 2>&1 &
	REDIS_PID=$!
	BG_PIDS+=("$REDIS_PID")
	wait_for 10 "$VIGIL" probe "redis://127.0.0.1:$REDIS_PORT" ||
		fail "redis-server starts" "no PONG on port $REDIS_PORT"
}

# elapsed_s T0_MS: seconds since T0_MS with one decimal.
elapsed_s() {
	local ms=$(( $(now_ms) - $1 ))
	printf '%d.%d' $(( ms / 1000 )) $(( ms % 1000 / 100 ))
}
