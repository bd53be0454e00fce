#!/bin/bash
# SPDX-License-Identifier: MIT
# `docker kill -s SIG` reaches PID 1 only; vigil passes it to the child.
# With a terminal (`docker run -t`, `-it`) the child owns it: it is in the
# terminal's foreground process group, so Ctrl-C typed into `docker run
# -it` becomes a SIGINT from the container's own tty to the child. The
# interactive run is driven through a pty made by script(1).
. "$(dirname "$0")/dlib.sh"

# --- HUP and USR1 are forwarded, in order; INT ends the child ---------------
C=$(drun "$IMG" -- /sigrec)
wait_logs "$C" 'sigrec: ready' 10
docker kill -s HUP "$C" >/dev/null
wait_logs "$C" 'got SIGHUP' 5
docker kill -s USR1 "$C" >/dev/null
wait_logs "$C" 'got SIGUSR1' 5
logs=$(docker logs "$C" 2>&1 | tr '\n' ' ')
expect_match "docker kill -s HUP, then USR1: both reach the child, in order" \
    'got SIGHUP.*got SIGUSR1' "$logs"
expect "vigil is still running after HUP and USR1" true \
    "$(dinspect "$C" '{{.State.Running}}')"
docker kill -s INT "$C" >/dev/null
expect "docker kill -s INT: the child exits 130, so does the container" \
    130 "$(docker wait "$C")"

# --- docker run -dt: the child has the terminal, in the foreground ----------
C=$(drun -t "$IMG" -- /sigrec --tty)
wait_logs "$C" 'sigrec: ready' 10
expect_match "with -t the child sees a tty and owns its foreground" \
    'sigrec: tty=1 fg=1' "$(docker logs "$C" 2>&1)"
docker kill -s INT "$C" >/dev/null
expect "docker kill -s INT with a tty: exit 130" 130 "$(docker wait "$C")"

# --- docker run -it under a pty: typing Ctrl-C ------------------------------
# script(1) gives `docker run -it` a pty for stdin and stdout; the feeder
# types ^C (0x03) once the child says it is ready. -e: script exits with
# docker run's status, which is the container's.
cid="$T/cid"
out="$T/it.out"
: >"$out"
{
	for _ in $(seq 1 150); do
		grep -q 'sigrec: ready' "$out" 2>/dev/null && break
		sleep 0.1
	done
	now_ms >"$T/typed"
	printf '\003'
	# Keep stdin open until docker run is over.
	for _ in $(seq 1 100); do
		[ -e "$T/end" ] && break
		sleep 0.1
	done
} | {
	timeout 30 script -qefc "docker run -it --cidfile $cid --label $LABEL=1 \
	    --label $LABEL.file=$TFILE $IMG -- /sigrec --tty" /dev/null \
	    >"$out" 2>&1
	echo $? >"$T/rc"
	now_ms >"$T/end"
}
rc=$(cat "$T/rc")
figure "docker run -it, Ctrl-C typed -> docker run returned: $(($(cat "$T/end") - $(cat "$T/typed" 2>/dev/null || echo 0))) ms, status $rc"
screen=$(tr -d '\r' <"$out")
expect_match "docker run -it: the child has the tty, in the foreground" \
    'sigrec: tty=1 fg=1' "$screen"
expect_match "Ctrl-C arrives at the child as SIGINT" 'sigrec: got SIGINT' \
    "$screen"
expect "docker run -it exits 130" 130 "$rc"
C=$(cat "$cid" 2>/dev/null)
expect "the container's exit code is 130" 130 \
    "$(dinspect "${C:-none}" '{{.State.ExitCode}}')"
expect_no_match "vigil itself was not interrupted" 'stop requested' "$screen"
