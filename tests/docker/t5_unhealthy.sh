#!/bin/bash
# SPDX-License-Identifier: MIT
# Docker never restarts an unhealthy container (moby#28400); vigil can.
# --on-unhealthy restart replaces a frozen child inside the running
# container (same id, Docker's RestartCount stays 0, `restarts` in the
# health file grows); --on-unhealthy exit ends the container, and Docker's
# --restart unless-stopped brings it back (RestartCount grows).
. "$(dirname "$0")/dlib.sh"

PROBE="--probe http://127.0.0.1:8080/healthz --probe-interval 500ms \
    --probe-timeout 500ms --probe-retries 2"

# status_has CID REGEX: `vigil status`, run in the container, matches.
status_has() { docker exec "$1" /vigil status 2>&1 | grep -Eq -- "$2"; }
restart_count_ge() { [ "$(dinspect "$1" '{{.RestartCount}}')" -ge "$2" ]; }

# --- restart inside the container ------------------------------------------
# shellcheck disable=SC2086
C=$(drun "$IMG" $PROBE --on-unhealthy restart -- /tsrv 8080)
wait_health "$C" healthy 20
expect "healthy before the freeze" healthy "$(dhealth "$C")"
started=$(dinspect "$C" '{{.State.StartedAt}}')
before=$(docker exec "$C" /vigil status)
expect_match "vigil status in the container: restarts 0" \
    '^healthy: .*restarts 0\)$' "$before"
docker kill -s USR2 "$C" >/dev/null
t0=$(now_ms)
wait_cmd 20 status_has "$C" '^healthy: .*restarts 1\)$'
figure "--on-unhealthy restart: frozen -> new child healthy: $(($(now_ms) - t0)) ms"
after=$(docker exec "$C" /vigil status)
expect_match "vigil status: healthy again after one restart" \
    '^healthy: HTTP 200 .*restarts 1\)$' "$after"
expect_no_match "with a new child pid" \
    "$(echo "$before" | sed -n 's/.*(\(pid [0-9]*\),.*/\1/p')," "$after"
hf=$(docker cp "$C:/run/vigil/health" - | tar -xO)
expect_match "the health file (docker cp) says restarts=1" '^restarts=1$' "$hf"
expect_match "and how the last child ended" '^last_exit=[0-9]+$' "$hf"
expect "the same container is running" true "$(dinspect "$C" '{{.State.Running}}')"
expect "Docker did not restart it" 0 "$(dinspect "$C" '{{.RestartCount}}')"
expect "nor start it again" "$started" "$(dinspect "$C" '{{.State.StartedAt}}')"
expect_match "vigil logged the restart" \
    'msg="child unhealthy" pid=[0-9]+ action=restart' "$(docker logs "$C" 2>&1)"
wait_health "$C" healthy 10
expect "Docker's check agrees: healthy" healthy "$(dhealth "$C")"

# --- exit, and Docker's restart policy --------------------------------------
# The freeze goes through `docker exec`, not `docker kill`: Docker 20.10
# takes any `docker kill -s SIG` as a manual stop (HasBeenManuallyStopped;
# without STOPSIGNAL it also cancels the restart manager), and then
# unless-stopped does not restart the container.
# shellcheck disable=SC2086
C=$(drun --restart unless-stopped "$IMG" $PROBE --on-unhealthy exit \
    -- /tsrv 8080)
wait_health "$C" healthy 20
expect "healthy before the freeze" healthy "$(dhealth "$C")"
pid=$(docker exec "$C" /vigil status | sed -n 's/.*(pid \([0-9]*\),.*/\1/p')
docker exec "$C" /sendsig USR2 "${pid:-0}"
t0=$(now_ms)
wait_cmd 30 restart_count_ge "$C" 1
figure "--on-unhealthy exit + restart unless-stopped: frozen -> Docker restarted it: $(($(now_ms) - t0)) ms"
expect "Docker restarted the container" 1 "$(dinspect "$C" '{{.RestartCount}}')"
expect_match "vigil logged the exit" \
    'msg="child unhealthy" pid=[0-9]+ action=exit' "$(docker logs "$C" 2>&1)"
wait_health "$C" healthy 20
expect "the restarted container turns healthy" healthy "$(dhealth "$C")"
expect "still restarted once only" 1 "$(dinspect "$C" '{{.RestartCount}}')"
