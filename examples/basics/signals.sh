#!/bin/bash
# SPDX-License-Identifier: MIT
# What vigil does with the signals it gets: it passes them to its child,
# rewrites them on request (-r), drops them (-r SIG:0), and with -g sends
# them to the child's whole process group. The child is a small shell that
# prints every signal it receives. Takes about 5 seconds.
#
# Usage: examples/basics/signals.sh   (VIGIL=path/to/vigil to choose)
set -u
root=$(cd "$(dirname "$0")/../.." && pwd)
VIGIL=${VIGIL:-$root/build/vigil}
[ -x "$VIGIL" ] || { echo "signals: no vigil at $VIGIL (run make)" >&2; exit 1; }
tmp=$(mktemp -d /tmp/vigil-demo.XXXXXX) || exit 1
vp=
trap '[ -n "$vp" ] && kill -KILL "$vp" 2>/dev/null; rm -rf "$tmp"' EXIT

# The receiver: NAME, then whether to start a second receiver (a
# "worker") in its process group. It reports each signal and leaves on
# TERM, INT or QUIT.
cat >"$tmp/receiver" <<'EOF'
name=$1 worker=
# Leaving takes the worker along, as Celery's pool dies with its parent.
leave() {
	echo "    $name got SIG$1, exits"
	[ -n "$worker" ] && kill -TERM "$worker" 2>/dev/null
	exit 0
}
for s in HUP INT QUIT USR1 USR2 TERM; do
	case $s in
	TERM|INT|QUIT) trap "leave $s" $s ;;
	*) trap "echo \"    $name got SIG$s\"" $s ;;
	esac
done
if [ "${2:-}" = with-worker ]; then
	bash "$0" "$name's worker" &
	worker=$!
fi
touch "$READY_DIR/$BASHPID"
while :; do sleep 0.05 & wait $! 2>/dev/null; done
EOF

# run N FLAG...: vigil FLAG... -- receiver; waits until N receivers listen.
# The receivers write to $tmp/out; send shows what they wrote.
run() {
	local n=$1; shift
	rm -rf "$tmp/ready"; mkdir "$tmp/ready"
	: >"$tmp/out"
	READY_DIR=$tmp/ready "$VIGIL" -q --state-file "$tmp/health" "$@" -- \
	    bash "$tmp/receiver" "${RECEIVER[@]}" >>"$tmp/out" &
	vp=$!
	while [ "$(ls "$tmp/ready" | wc -l)" -lt "$n" ]; do sleep 0.02; done
}
send() {
	local seen
	seen=$(wc -l <"$tmp/out")
	echo "  -> SIG$1 to vigil"
	kill -"$1" "$vp"
	sleep 0.3
	tail -n +"$((seen + 1))" "$tmp/out"
}
finish() { wait "$vp"; echo "  vigil exited with status $?"; vp=; echo; }
# end: stop vigil without showing what the receivers say about it.
end() { kill -TERM "$vp"; wait "$vp"; vp=; echo; }

echo "1. vigil -- app: signals go to the app, which decides what they mean"
RECEIVER=(app); run 1
send USR1
send HUP
send TERM
finish

echo "2. vigil -r TERM:QUIT -- nginx-like app: docker stop sends TERM, but"
echo "   nginx stops gracefully on QUIT, so vigil turns one into the other"
RECEIVER=(nginx); run 1 -r TERM:QUIT
send TERM
finish

echo "3. vigil -r HUP:0 -- app: HUP never reaches the app (a Celery worker"
echo "   re-executes itself on HUP, which its docs advise against in"
echo "   production); other signals pass"
RECEIVER=(app); run 1 -r HUP:0
send HUP
send USR1
send TERM
finish

echo "4. vigil -- app that runs a worker in its process group (Celery's"
echo "   prefork pool is like this): by default only the app gets a signal"
RECEIVER=(celery with-worker); run 2
send USR1
end
echo "   ...and with -g (what dumb-init does by default, and tini -g) the"
echo "   whole group gets it: the worker too, whatever it is doing"
RECEIVER=(celery with-worker); run 2 -g
send USR1
end
echo "With Celery, the default is the right one: only the main process hears"
echo "SIGTERM, and it lets its pool finish the running tasks. With -g the pool"
echo "processes die of SIGTERM mid-task (see examples/celery)."
