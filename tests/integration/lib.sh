# SPDX-License-Identifier: MIT
# Sourced by every integration test file. Provides the assertions, which
# append one "pass NAME" or "fail NAME: why" line to $RESULTS, and ways to
# start vigil as PID 1 of a fresh PID namespace.
set -u
T=$(mktemp -d /tmp/vigil-it.XXXXXX)
trap 'rm -rf "$T"' EXIT

pass() { echo "pass $1" >>"$RESULTS"; echo "  ok   $1"; }
fail() { echo "fail $1: $2" >>"$RESULTS"; echo "  FAIL $1: $2"; }

# expect NAME WANT GOT: passes when the two strings are equal.
expect() {
	if [ "$2" = "$3" ]; then pass "$1"; else fail "$1" "want '$2', got '$3'"; fi
}
# expect_match NAME REGEX TEXT
expect_match() {
	if printf '%s' "$3" | grep -Eq -- "$2"; then pass "$1"
	else fail "$1" "'$2' not in: $(printf '%s' "$3" | head -c 600)"; fi
}
expect_no_match() {
	if printf '%s' "$3" | grep -Eq -- "$2"; then
		fail "$1" "'$2' unexpectedly in: $(printf '%s' "$3" | head -c 600)"
	else pass "$1"; fi
}
# expect_le NAME MAX GOT (integers)
expect_le() {
	if [ "$3" -le "$2" ]; then pass "$1"; else fail "$1" "$3 > $2"; fi
}
expect_ge() {
	if [ "$3" -ge "$2" ]; then pass "$1"; else fail "$1" "$3 < $2"; fi
}

# pid1 ARGS...: runs vigil ARGS as PID 1 of a new PID namespace, in the
# foreground; its exit status is vigil's.
pid1() { unshare --pid --fork --mount-proc --kill-child "$VIGIL" "$@"; }

# pid1_bg LOG ARGS...: the same in the background; sets UNSHARE_PID. The
# namespace's PID 1 is found with vigil_pid.
pid1_bg() {
	local log=$1; shift
	unshare --pid --fork --mount-proc --kill-child "$VIGIL" "$@" \
	    >"$log" 2>&1 &
	UNSHARE_PID=$!
}
# vigil_pid: the host pid of vigil started by the last pid1_bg.
vigil_pid() {
	local i
	for i in $(seq 1 200); do
		local p
		p=$(pgrep -P "$UNSHARE_PID" 2>/dev/null | head -n 1)
		[ -n "$p" ] && { echo "$p"; return 0; }
		sleep 0.01
	done
	return 1
}
# wait_for TIMEOUT_S CMD...: polls CMD until it succeeds; 1 on timeout.
wait_for() {
	local limit=$1; shift
	local end=$(( $(date +%s%N) + limit * 1000000000 ))
	while [ "$(date +%s%N)" -lt "$end" ]; do
		"$@" >/dev/null 2>&1 && return 0
		sleep 0.02
	done
	return 1
}
# wait_exit PID TIMEOUT_S: waits for a background job of this shell and
# sets RC to its status, or to "timeout" (after killing it). Not for $(...):
# a subshell cannot wait for its parent's jobs.
wait_exit() {
	local pid=$1 limit=$2 i
	for i in $(seq 1 $((limit * 50))); do
		if ! kill -0 "$pid" 2>/dev/null; then
			wait "$pid"; RC=$?; return 0
		fi
		sleep 0.02
	done
	kill -KILL "$pid" 2>/dev/null; wait "$pid" 2>/dev/null
	RC=timeout
}
now_ms() { echo $(( $(date +%s%N) / 1000000 )); }
# Sanitizer builds are slower and cannot run seccomp cases.
san() { [ "${VIGIL_SAN:-0}" = 1 ]; }
