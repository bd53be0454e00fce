#!/bin/bash
# SPDX-License-Identifier: MIT
# Zombies: the same container-like process tree twice, in a fresh PID
# namespace, first with the app itself as PID 1, then under vigil. Takes
# about 6 seconds. Needs unshare (util-linux) and ps (procps); as a normal
# user it also needs user namespaces (Debian 12 allows them by default).
#
# Usage: examples/basics/reaping.sh   (VIGIL=path/to/vigil to choose)
set -u
root=$(cd "$(dirname "$0")/../.." && pwd)
VIGIL=${VIGIL:-$root/build/vigil}
[ -x "$VIGIL" ] || { echo "reaping: no vigil at $VIGIL (run make)" >&2; exit 1; }
tmp=$(mktemp -d /tmp/vigil-demo.XXXXXX) || exit 1
us=
trap '[ -n "$us" ] && kill -KILL "$us" 2>/dev/null; rm -rf "$tmp"' EXIT

ns=(unshare --pid --fork --mount-proc --kill-child)
[ "$(id -u)" = 0 ] ||
	ns=(unshare --user --map-root-user --pid --fork --mount-proc --kill-child)

# The container's command: a shell entrypoint that starts helpers in the
# background, then execs the app, as the Docker docs recommend. The app
# here is `sleep 3`: like most programs it never waits for children it did
# not start. The helpers (think of a health check's `sh -c` killed at its
# timeout, or a script's background jobs) exit after 0.2 s; their parent
# is long gone, so the kernel hands them to PID 1.
entry='( sh -c "for i in 1 2 3 4 5; do sleep 0.2 & done; sleep 0.1" & ); exec sleep 3'

# show: once the helpers are done, lists PID 1's children, counts zombies.
show() {
	local p1 _
	for _ in $(seq 1 100); do
		p1=$(pgrep -P "$us" | head -n 1)
		[ -n "$p1" ] && break
		sleep 0.01
	done
	# A live helper shows its arguments; a dead one is "[sleep] <defunct>".
	sleep 0.5
	for _ in $(seq 1 50); do
		ps -o args= --ppid "$p1" | grep -Eq 'sleep 0\.2|for i in' || break
		sleep 0.1
	done
	echo "  PID 1 of the namespace is: $(ps -o args= -p "$p1")"
	echo "  its children once the helpers are done (STAT Z = zombie):"
	ps -o pid=,stat=,args= --ppid "$p1" | sed 's/^/    /'
	echo "  zombies: $(ps -o stat= --ppid "$p1" | grep -c '^Z')"
}

echo "1. Without an init: the app is PID 1"
echo "   ${ns[*]} sh -c '$entry'"
"${ns[@]}" sh -c "$entry" &
us=$!
show
wait "$us"; us=
cat <<'EOF'
  Nobody calls wait() for these: each zombie keeps its PID until PID 1
  exits. A health check that times out leaves more on every run; under a
  PID limit (docker run --pids-limit) the container at last cannot fork.

EOF

echo "2. With vigil as PID 1 (-w logs each orphan it reaps)"
echo "   ${ns[*]} vigil -w -- sh -c '$entry'"
"${ns[@]}" "$VIGIL" -w --state-file "$tmp/health" -- sh -c "$entry" \
    2>"$tmp/log" &
us=$!
show
wait "$us"; us=
sed 's/^/  /' "$tmp/log"
cat <<'EOF'
  The orphans went to vigil, which reaped each one as it exited; the app
  (sleep, pid 2 inside) is vigil's only child.
EOF
