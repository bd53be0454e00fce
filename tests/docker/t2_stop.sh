#!/bin/bash
# SPDX-License-Identifier: MIT
# `docker stop -t 5`: Docker sends SIGTERM to vigil (PID 1) and SIGKILLs
# the container 5 s later. A child that exits on TERM ends the container
# at once with its own code; a child that ignores TERM is SIGKILLed by
# vigil at --grace (exit 137, before Docker's deadline), or by Docker at
# 5 s without --grace; --stop-sequence climbs its ladder inside Docker's.
# Times are wall clock around the docker stop command.
. "$(dirname "$0")/dlib.sh"

# stop_ms CID: runs docker stop -t 5 and prints how long it took.
stop_ms() {
	local t0
	t0=$(now_ms)
	docker stop -t 5 "$1" >/dev/null
	echo $(($(now_ms) - t0))
}

# --- a child that exits on TERM, with code 7 -------------------------------
C=$(drun "$IMG" -- /sigrec --term-exit 7)
wait_logs "$C" 'sigrec: ready' 10
ms=$(stop_ms "$C")
figure "docker stop, child exits on TERM: $ms ms, exit $(dinspect "$C" '{{.State.ExitCode}}')"
within "stopped well under a second" 0 999 "$ms"
expect "the container exits with the child's code (inspect)" 7 \
    "$(dinspect "$C" '{{.State.ExitCode}}')"
expect "docker wait reports it too" 7 "$(docker wait "$C")"
expect_match "the child got the SIGTERM" 'sigrec: got SIGTERM' \
    "$(docker logs "$C" 2>&1)"
expect_no_match "nothing was killed" 'killing' "$(docker logs "$C" 2>&1)"

# --- a child that ignores TERM, vigil --grace 2s ----------------------------
C=$(drun "$IMG" --grace 2s -- /sigrec --ignore-term)
wait_logs "$C" 'sigrec: ready' 10
ms=$(stop_ms "$C")
figure "docker stop, TERM ignored, --grace 2s: $ms ms, exit $(dinspect "$C" '{{.State.ExitCode}}')"
within "ended by vigil after about 2 s, before Docker's 5 s" 1800 3500 "$ms"
expect "exit 137: the child's SIGKILL, passed on" 137 \
    "$(dinspect "$C" '{{.State.ExitCode}}')"
logs=$(docker logs "$C" 2>&1)
expect_match "the child saw and ignored TERM" 'sigrec: ignoring SIGTERM' "$logs"
expect_match "vigil did the killing" 'msg="stop deadline passed, killing"' \
    "$logs"

# --- the same without --grace: Docker's own SIGKILL at 5 s -----------------
C=$(drun "$IMG" -- /sigrec --ignore-term)
wait_logs "$C" 'sigrec: ready' 10
ms=$(stop_ms "$C")
figure "docker stop, TERM ignored, no --grace: $ms ms, exit $(dinspect "$C" '{{.State.ExitCode}}')"
within "ended by Docker's SIGKILL after the 5 s timeout" 4900 7500 "$ms"
expect "exit 137: vigil itself was SIGKILLed" 137 \
    "$(dinspect "$C" '{{.State.ExitCode}}')"
expect_no_match "vigil did not kill (no --grace: no limit, like tini)" \
    'stop deadline passed' "$(docker logs "$C" 2>&1)"

# --- --stop-sequence TERM:1s,INT:1s: the ladder's second step ends it ------
C=$(drun "$IMG" --stop-sequence TERM:1s,INT:1s -- /sigrec --ignore-term)
wait_logs "$C" 'sigrec: ready' 10
ms=$(stop_ms "$C")
figure "docker stop, --stop-sequence TERM:1s,INT:1s: $ms ms, exit $(dinspect "$C" '{{.State.ExitCode}}')"
within "INT after 1 s ends it" 900 2500 "$ms"
expect "exit 130: the child's own exit on SIGINT" 130 \
    "$(dinspect "$C" '{{.State.ExitCode}}')"
expect_match "TERM, then INT, in that order" \
    'got SIGTERM.*ignoring SIGTERM.*got SIGINT' \
    "$(docker logs "$C" 2>&1 | tr '\n' ' ')"
