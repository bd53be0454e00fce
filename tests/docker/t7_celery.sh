#!/bin/bash
# SPDX-License-Identifier: MIT
# The Celery example as users run it: examples/celery/compose.yaml and
# Dockerfile, unchanged, with the machine's Compose tool. Only the build
# arguments and image names come from the environment (BASE, VIGIL_IMAGE,
# REDIS_IMAGE, CELERY_IMAGE), since nothing can be pulled here. The worker
# turns healthy on its heartbeat file, serves a task, is restarted by vigil
# inside its container when its MainProcess dies, and `compose stop` during
# a long task lets the task finish, within stop_grace_period.
. "$(dirname "$0")/dlib.sh"
EX=$ROOT/examples/celery

dc() { $COMPOSE -p "$PROJECT" -f "$EX/compose.yaml" "$@"; }
trap 'dc down -v --remove-orphans -t 1 >/dev/null 2>&1; dclean; rm -rf "$T"' EXIT

if [ -z "$COMPOSE" ]; then
	fail "a Compose tool" "neither 'docker compose' nor docker-compose (apt-get install docker-compose)"
	exit 0
fi
for img in "$DOCKER_BASE" "$IMG_VIGIL" "$IMG_REDIS"; do
	if ! docker image inspect "$img" >/dev/null 2>&1; then
		fail "image $img" "missing (t6_images builds it)"
		exit 0
	fi
done
for f in tasks.py client.py Dockerfile compose.yaml; do
	[ -f "$EX/$f" ] || { fail "examples/celery/$f" "missing"; exit 0; }
done
export BASE=$DOCKER_BASE VIGIL_IMAGE=$IMG_VIGIL REDIS_IMAGE=$IMG_REDIS \
    CELERY_IMAGE=$IMG_CELERY

# dur_s 1m30s -> 90: whole seconds of a duration as compose config and
# vigil write them (h, m, s parts; fractions of a second dropped).
dur_s() {
	local d=$1 total=0
	while [[ $d =~ ^([0-9]+)(\.[0-9]+)?(h|m|s)(.*)$ ]]; do
		case ${BASH_REMATCH[3]} in
		h) total=$((total + BASH_REMATCH[1] * 3600)) ;;
		m) total=$((total + BASH_REMATCH[1] * 60)) ;;
		s) total=$((total + BASH_REMATCH[1])) ;;
		esac
		d=${BASH_REMATCH[4]}
	done
	echo "$total"
}
# meta ID: the task's result record in redis, as Celery stored it.
meta() { docker exec "$R" redis-cli get "celery-task-meta-$1" 2>/dev/null; }
meta_has() { meta "$1" | grep -q "$2"; }
status_has() { docker exec "$W" /sbin/vigil status 2>&1 | grep -Eq -- "$1"; }

t0=$(date +%s)
old=$(docker image inspect -f '{{.Id}}' "$IMG_CELERY" 2>/dev/null)
dc build >"$OUT/compose-build.log" 2>&1
rc=$?
# A rebuilt image leaves its predecessor dangling: drop it (if unused).
new=$(docker image inspect -f '{{.Id}}' "$IMG_CELERY" 2>/dev/null)
[ -n "$old" ] && [ "$old" != "$new" ] && docker rmi "$old" >/dev/null 2>&1
[ "$rc" = 0 ] || tail -n 25 "$OUT/compose-build.log" | sed 's/^/    | /'
expect "compose build (examples/celery/Dockerfile on the local base)" 0 "$rc"
figure "compose build: $(($(date +%s) - t0)) s"

t0=$(now_ms)
dc up -d >"$OUT/compose-up.log" 2>&1
expect "compose up -d" 0 $?
W=$(dc ps -q worker)
B=$(dc ps -q beat)
R=$(dc ps -q redis)
wait_health "$W" healthy 90
expect "the worker turns healthy (seen: $SEEN)" healthy "$(dhealth "$W")"
figure "compose up -> worker healthy: $(($(now_ms) - t0)) ms (HEALTHCHECK --interval=10s)"
wait_health "$B" healthy 30
expect "beat turns healthy (no probe: healthy while it runs)" healthy \
    "$(dhealth "$B")"
expect_match "vigil's verdict rests on the heartbeat file" \
    '^healthy: file /tmp/celery-heartbeat: modified .* ago \(pid [0-9]+, restarts 0\)$' \
    "$(docker exec "$W" /sbin/vigil status)"
# "owner command" for every process of the container, PID 1 first.
procs=$(docker exec "$W" sh -c 'for p in /proc/1 /proc/[0-9]*; do
    printf "%s %s\n" "$(stat -c %U "$p")" "$(tr "\000" " " <"$p/cmdline")"
    done' 2>/dev/null)
expect_match "vigil is PID 1, as root" '^root /sbin/vigil -- ' \
    "$(echo "$procs" | head -n 1)"
expect_match "Celery runs as app (VIGIL_USER)" '^app python3 -m celery -A tasks worker' \
    "$procs"

out=$(dc exec -T worker python3 client.py call add 2 3)
expect "a task completes: add(2, 3)" "SUCCESS 5" "$out"

# --- the MainProcess dies: vigil restarts Celery in the same container -----
ready_twice() { [ "$(dlog_count "$W" 'celery@.* ready\.')" -ge 2 ]; }
dc exec -T worker python3 client.py send crash main >/dev/null
t1=$(now_ms)
wait_cmd 60 ready_twice
wait_cmd 30 status_has '^healthy: .*restarts 1\)$'
figure "worker MainProcess SIGKILLed -> new worker ready and healthy: $(($(now_ms) - t1)) ms (backoff 1s)"
expect_match "vigil saw the MainProcess die and restarted it" \
    'msg="child exited" pid=[0-9]+ status=137 signal=KILL .*restarts=1' \
    "$(docker logs "$W" 2>&1)"
expect_match "vigil restarted Celery once" '^healthy: .*restarts 1\)$' \
    "$(docker exec "$W" /sbin/vigil status)"
expect "in the same container, not restarted by Docker" "0 true" \
    "$(dinspect "$W" '{{.RestartCount}} {{.State.Running}}')"
out=$(dc exec -T worker python3 client.py call add 20 22)
expect "and it serves again" "SUCCESS 42" "$out"

# --- compose stop during a long task ------------------------------------------
grace=$(dur_s "$(dc config | sed -n 's/^ *stop_grace_period: *//p' | head -n 1)")
ladder=$(dc config | sed -n 's/^ *VIGIL_STOP_SEQUENCE: *//p' | head -n 1)
ladder_s=0
for step in $(echo "$ladder" | tr ',' ' '); do
	ladder_s=$((ladder_s + $(dur_s "${step#*:}")))
done
expect_le "vigil's ladder ($ladder = ${ladder_s}s) fits stop_grace_period (${grace}s)" \
    "$((grace - 1))" "$ladder_s"

id=$(dc exec -T worker python3 client.py send long 10 stoptest | tr -d '\r')
wait_cmd 30 meta_has "$id" STARTED
expect_match "the long task has started" '"status": "STARTED"' "$(meta "$id")"
t2=$(now_ms)
(
	dc stop >"$OUT/compose-stop.log" 2>&1
	echo $? >"$T/stop.rc"
	now_ms >"$T/stopped"
) &
stopper=$!
done_ms=
for _ in $(seq 1 400); do
	# Redis stops right after the worker: keep what it said.
	m=$(meta "$id")
	if printf '%s' "$m" | grep -q SUCCESS; then
		done_ms=$(($(now_ms) - t2))
		printf '%s\n' "$m" >"$T/meta"
		break
	fi
	[ -e "$T/stopped" ] && break
	sleep 0.2
done
wait "$stopper"
stop_ms=$(($(cat "$T/stopped") - t2))
figure "compose stop during a 10 s task: result stored after ${done_ms:-never} ms, stop done after $stop_ms ms (grace ${grace}s), worker exit $(dinspect "$W" '{{.State.ExitCode}}')"
expect "compose stop succeeded" 0 "$(cat "$T/stop.rc")"
expect_match "the task finished during the stop: SUCCESS stored" \
    '"status": "SUCCESS".*"tag": "stoptest"' "$(cat "$T/meta" 2>/dev/null)"
expect_ge "stored before the worker was gone" "${done_ms:-999999}" "$stop_ms"
expect_ge "compose stop waited for the task (> 3 s)" 3000 "$stop_ms"
expect_le "and ended within stop_grace_period" $((grace * 1000)) "$stop_ms"
expect "the worker exited 0: a warm shutdown, no SIGKILL" 0 \
    "$(dinspect "$W" '{{.State.ExitCode}}')"
logs=$(docker logs "$W" 2>&1)
expect_match "Celery did a warm shutdown" 'Warm shutdown' "$logs"
expect_match "Celery logged the task's success" \
    "Task tasks.long\\[$id\\] succeeded" "$logs"
expect_match "vigil sent TERM to Celery's MainProcess" \
    'msg="stopping child" pid=[0-9]+ signal=TERM next_in=50s' "$logs"
expect_no_match "and needed neither QUIT nor SIGKILL" \
    'signal=QUIT|stop deadline passed' "$logs"
