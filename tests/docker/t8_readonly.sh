#!/bin/bash
# SPDX-License-Identifier: MIT
# A read-only container (--read-only): with a tmpfs on /run the health
# file is written and Docker's check passes; without it vigil warns once
# that it cannot write the file, and everything else keeps working (the
# child runs and answers; only Docker's HEALTHCHECK, reading a file that
# is not there, says unhealthy). /dev/shm, a tmpfs in every container,
# serves as well through VIGIL_STATE_FILE.
. "$(dirname "$0")/dlib.sh"

PROBE="--probe http://127.0.0.1:8080/healthz --probe-interval 500ms \
    --probe-timeout 500ms"

# shellcheck disable=SC2086
C=$(drun --read-only --tmpfs /run "$IMG" $PROBE -- /tsrv 8080)
t0=$(now_ms)
wait_health "$C" healthy 20
expect "--read-only --tmpfs /run: healthy" healthy "$(dhealth "$C")"
figure "read-only + tmpfs /run -> healthy: $(($(now_ms) - t0)) ms"
expect_match "vigil status in the container" '^healthy: HTTP 200' \
    "$(docker exec "$C" /vigil status)"
expect "no warning" 0 "$(dlog_count "$C" 'level=warn')"

# shellcheck disable=SC2086
C=$(drun --read-only "$IMG" $PROBE -- /tsrv 8080)
t0=$(now_ms)
wait_health "$C" unhealthy 20
figure "read-only, no tmpfs -> Docker says unhealthy: $(($(now_ms) - t0)) ms"
# By now vigil has run its probes and tried to write the file many times.
sleep 3
expect "--read-only alone: one warning, not one per write" 1 \
    "$(dlog_count "$C" 'msg="cannot write state file"')"
expect_match "which names the path and the reason" \
    'msg="cannot write state file" path=/run/vigil/health error="Read-only file system"' \
    "$(docker logs "$C" 2>&1)"
expect "vigil keeps running" true "$(dinspect "$C" '{{.State.Running}}')"
docker exec "$C" /vigil probe http://127.0.0.1:8080/healthz >/dev/null 2>&1
expect "the child still answers (vigil probe in the container)" 0 $?
expect_match "Docker's check says the file is missing" '^missing: /run/vigil/health' \
    "$(dlast_output "$C")"
expect "no restart" 0 "$(dinspect "$C" '{{.RestartCount}}')"

# shellcheck disable=SC2086
C=$(drun --read-only -e VIGIL_STATE_FILE=/dev/shm/vigil/health "$IMG" \
    $PROBE -- /tsrv 8080)
wait_health "$C" healthy 20
expect "--read-only with VIGIL_STATE_FILE on /dev/shm: healthy" healthy \
    "$(dhealth "$C")"

# The warning and Docker's check both name the fix.
# shellcheck disable=SC2086
C=$(drun --read-only "$IMG" $PROBE -- /tsrv 8080)
wait_health "$C" unhealthy 20
expect_match "the warning names the fix" 'msg="cannot write state file".*fix="mount a tmpfs' \
    "$(docker logs "$C" 2>&1)"
expect_match "and so does Docker's check" 'mount a tmpfs on /run or set --state-file' \
    "$(dlast_output "$C")"

# A non-root USER: the same one tmpfs on /run serves (/run/vigil-UID), and
# `docker exec -u 0` finds the file of PID 1's vigil.
# shellcheck disable=SC2086
C=$(drun --read-only --tmpfs /run --user 65534:65534 "$IMG" $PROBE -- /tsrv 8080)
wait_health "$C" healthy 20
expect "non-root, --read-only --tmpfs /run: healthy" healthy "$(dhealth "$C")"
expect_match "the file is where the README says" '^healthy: ' \
    "$(docker exec "$C" /vigil status --state-file /run/vigil-65534/health)"
expect_match "docker exec -u 0 ... vigil status finds it" '^healthy: HTTP 200' \
    "$(docker exec -u 0 "$C" /vigil status)"
