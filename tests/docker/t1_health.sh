#!/bin/bash
# SPDX-License-Identifier: MIT
# Docker's HEALTHCHECK CMD ["/vigil","status"] reads vigil's verdict: a
# test server probed over HTTP goes starting -> healthy; frozen (it stops
# accepting, so the probe times out) it turns unhealthy, and Docker's
# health log keeps vigil's one-line summary. Read from docker inspect and
# docker events. The image checks every 1 s (no --start-interval in 20.10).
. "$(dirname "$0")/dlib.sh"

# Does this engine know HEALTHCHECK --start-interval (Engine >= 25)? Only
# reported: the test image uses a short --interval either way.
mkdir -p "$T/si"
printf 'FROM %s\nHEALTHCHECK --start-interval=1s CMD ["/vigil","status"]\n' \
    "$IMG" >"$T/si/Dockerfile"
if docker build -q -t vigil-test/start-interval "$T/si" >"$T/si.log" 2>&1; then
	figure "HEALTHCHECK --start-interval: accepted by this engine"
	docker rmi vigil-test/start-interval >/dev/null 2>&1
else
	figure "HEALTHCHECK --start-interval: rejected ($(grep -o 'Unknown flag.*' "$T/si.log" | head -n 1))"
fi

since=$(date +%s)
t0=$(now_ms)
C=$(drun "$IMG" --probe http://127.0.0.1:8080/healthz --probe-interval 1s \
    --probe-timeout 1s --probe-retries 2 -- /tsrv 8080)
expect "container started" true "$(dinspect "$C" '{{.State.Running}}')"
expect "Docker reports starting before its first check" starting \
    "$(dhealth "$C")"
wait_health "$C" healthy 20
expect "starting -> healthy (seen: $SEEN)" healthy "$(dhealth "$C")"
figure "docker run -> healthy: $(($(now_ms) - t0)) ms (HEALTHCHECK --interval=1s)"
expect "the check exits 0" 0 "$(dlast_code "$C")"
expect_match "the health log holds vigil's summary line" \
    '^healthy: HTTP 200 in [0-9]+ms \(pid [0-9]+, restarts 0\)$' \
    "$(dlast_output "$C")"

# Freeze the server: vigil forwards SIGUSR2 to it.
docker kill -s USR2 "$C" >/dev/null
t1=$(now_ms)
wait_logs "$C" 'tsrv: frozen' 5
wait_health "$C" unhealthy 20
expect "frozen server -> unhealthy" unhealthy "$(dhealth "$C")"
figure "frozen -> unhealthy: $(($(now_ms) - t1)) ms (probe timeout 1s, retries 2; Docker retries 2)"
expect "the check exits 1" 1 "$(dlast_code "$C")"
expect_match "the health log says why, in vigil's words" \
    '^unhealthy: timeout after 1s \(pid [0-9]+, restarts 0, failures [0-9]+\)$' \
    "$(dlast_output "$C")"
expect_ge "Docker's failing streak counts" 2 \
    "$(dinspect "$C" '{{.State.Health.FailingStreak}}')"
expect "the container keeps running" true "$(dinspect "$C" '{{.State.Running}}')"

# Thaw it: healthy again, without any restart.
docker kill -s USR2 "$C" >/dev/null
t2=$(now_ms)
wait_health "$C" healthy 20
expect "thawed -> healthy again" healthy "$(dhealth "$C")"
figure "thawed -> healthy: $(($(now_ms) - t2)) ms"
expect "no restart by Docker" 0 "$(dinspect "$C" '{{.RestartCount}}')"

# Docker's event stream saw the same transitions, in order.
ev=$(docker events --since "$since" --until "$(($(date +%s) + 1))" \
    --filter "container=$C" --filter event=health_status \
    --format '{{.Status}}' | tr '\n' ' ')
expect "docker events: healthy, unhealthy, healthy" \
    "health_status: healthy health_status: unhealthy health_status: healthy " \
    "$ev"
