#!/bin/bash
# SPDX-License-Identifier: MIT
# examples/swarm/stack.yml on a single-node Swarm: rolling updates, scaling
# and a hung worker, with the figures. A swarm is initialised if none is
# active and left again at the end, so the engine is left as it was found:
# no service, stack, network (docker_gwbridge, ingress) or image of ours.
#
# Usage: tests/swarm/run.sh BUILD/VIGIL
# The images build on the ones tests/docker makes (vigil-test/celery,
# vigil-local/redis:bookworm); they are made by it when missing.
set -u
here=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$here/../.." && pwd)
[ $# -eq 1 ] || { echo "usage: tests/swarm/run.sh BUILD/VIGIL" >&2; exit 2; }
VIGIL=$(realpath "$1")
if ! docker info >/dev/null 2>&1; then
	echo "SWARM TESTS DID NOT RUN: no Docker engine answers"
	exit 0
fi
RESULTS=$(mktemp /tmp/vigil-swarm-results.XXXXXX)
FIGURES=$(mktemp /tmp/vigil-swarm-figures.XXXXXX)
export RESULTS
. "$ROOT/tests/integration/lib.sh"
ST=vigilswarm
IMG=vigil-swarm-test/app
IMG_CELERY=vigil-test/celery
IMG_REDIS=vigil-local/redis:bookworm
NET=${ST}_default
W=$T/out
mkdir -p "$W"
chmod 0777 "$W"

figure() { echo "  figure $*"; echo "$*" >>"$FIGURES"; }
swarm_state() { docker info -f '{{.Swarm.LocalNodeState}}' 2>/dev/null; }
nets() { docker network ls --format '{{.Name}}' | sort | tr '\n' ' '; }

state0=$(swarm_state)
nets0=$(nets)
started_swarm=0
cleanup() {
	local t0 ids
	docker rm -f "$ST-producer" "$ST-client" >/dev/null 2>&1
	docker stack rm "$ST" >/dev/null 2>&1
	# stack rm returns at once; its tasks stop warm (the ladder), so wait.
	t0=$(date +%s)
	while [ $(($(date +%s) - t0)) -lt 120 ]; do
		ids=$(docker ps -aq --filter "label=com.docker.stack.namespace=$ST")
		[ -z "$ids" ] && ! docker network inspect "$NET" >/dev/null 2>&1 &&
		    break
		# Exited tasks' containers stay as task history: remove them.
		ids=$(docker ps -aq --filter status=exited \
		    --filter "label=com.docker.stack.namespace=$ST")
		[ -n "$ids" ] && docker rm $ids >/dev/null 2>&1
		sleep 1
	done
	if [ "$started_swarm" = 1 ]; then
		docker swarm leave --force >/dev/null 2>&1
		case " $nets0 " in *" docker_gwbridge "*) ;;
		*) docker network rm docker_gwbridge >/dev/null 2>&1 ;; esac
	fi
	docker rmi "$IMG" >/dev/null 2>&1
	local nets1 state1
	nets1=$(nets)
	state1=$(swarm_state)
	echo "engine after: swarm $state1, networks: $nets1"
	if [ "$nets1" != "$nets0" ] || [ "$state1" != "$state0" ]; then
		echo "ENGINE NOT RESTORED: was swarm $state0, networks: $nets0"
		CLEAN_OK=0
	fi
	rm -rf "$T" "$RESULTS" "$FIGURES"
}
CLEAN_OK=1
finish() {
	local passed failed
	if [ -s "$FIGURES" ]; then
		echo "figures:"
		sed 's/^/  /' "$FIGURES"
	fi
	passed=$(grep -c '^pass' "$RESULTS")
	failed=$(grep -c '^fail' "$RESULTS")
	if [ "$failed" -gt 0 ]; then
		echo "failures:"
		grep '^fail' "$RESULTS" | sed 's/^fail /  /'
	fi
	cleanup
	[ "$CLEAN_OK" = 1 ] || failed=$((failed + 1))
	if [ "$INTERRUPTED" = 1 ]; then
		echo "interrupted: the run did not finish"
		failed=$((failed + 1))
	fi
	echo "swarm tests took $(($(date +%s) - START)) s"
	echo "$passed passed, $failed failed"
	[ "$failed" -eq 0 ]
}
START=$(date +%s)
trap 'finish; exit $?' EXIT
INTERRUPTED=0
trap 'INTERRUPTED=1; exit 130' INT TERM
echo "# engine before: swarm $state0, networks: $nets0"

# --- images -------------------------------------------------------------------
if ! docker image inspect "$IMG_CELERY" >/dev/null 2>&1 ||
    ! docker image inspect "$IMG_REDIS" >/dev/null 2>&1; then
	echo "# building the Celery and redis images (tests/docker t6_images t7_celery)"
	t0=$(date +%s)
	"$ROOT/tests/docker/run.sh" "$VIGIL" t6_images t7_celery >"$T/docker.log" 2>&1
	echo "  (tests/docker: $(grep -E '^[0-9]+ passed' "$T/docker.log"), $(($(date +%s) - t0)) s)"
fi
for i in "$IMG_CELERY" "$IMG_REDIS"; do
	if ! docker image inspect "$i" >/dev/null 2>&1; then
		grep -E 'FAIL' "$T/docker.log" 2>/dev/null | head -n 10 | sed 's/^/    | /'
		fail "image $i" "missing, and tests/docker could not make it"
		exit 1
	fi
done
# examples/swarm/Dockerfile on the Celery image, with this build's vigil.
ctx=$T/ctx
mkdir -p "$ctx/web"
cp "$ROOT/examples/web/app.py" "$ctx/web/"
cp "$VIGIL" "$ctx/vigil"
# This tree's tasks.py too: the Celery image may be older than it.
cp "$ROOT/examples/celery/tasks.py" "$ROOT/examples/celery/sdnotify.py" "$ctx/"
{ cat "$ROOT/examples/swarm/Dockerfile"; echo 'COPY vigil /sbin/vigil'
  echo 'COPY tasks.py sdnotify.py /app/'; } >"$ctx/Dockerfile"
if ! docker build -q --build-arg "APP_IMAGE=$IMG_CELERY" -t "$IMG" "$ctx" \
    >"$T/build.log" 2>&1; then
	tail -n 20 "$T/build.log"
	fail "image $IMG" "docker build failed"
	exit 1
fi

# --- swarm and stack ----------------------------------------------------------
if [ "$state0" != active ]; then
	if ! docker swarm init --advertise-addr 127.0.0.1 >/dev/null 2>"$T/init.log"; then
		fail "docker swarm init" "$(head -n 1 "$T/init.log")"
		exit 1
	fi
	started_swarm=1
fi
deploy() {
	SWARM_IMAGE=$IMG REDIS_IMAGE=$IMG_REDIS PROBE_INTERVAL=1s \
	    HEALTH_INTERVAL=1s docker stack deploy --resolve-image never \
	    -c "$ROOT/examples/swarm/stack.yml" "$ST" >"$T/deploy.log" 2>&1
}
# running SVC: ids of the tasks Swarm wants running.
running() { docker service ps -q --filter desired-state=running "${ST}_$1" 2>/dev/null; }
cid_of() { docker inspect -f '{{.Status.ContainerStatus.ContainerID}}' "$1" 2>/dev/null; }
health() { docker inspect -f '{{if .State.Health}}{{.State.Health.Status}}{{end}}' "$1" 2>/dev/null; }
# converged SVC N: N tasks wanted, each one's container healthy, no other
# container of the service still up.
converged() {
	local svc=$1 n=$2 ids t c up
	ids=$(docker service ps -q --filter desired-state=running "${ST}_$svc")
	[ "$(echo "$ids" | grep -c .)" = "$n" ] || return 1
	for t in $ids; do
		c=$(cid_of "$t")
		[ -n "$c" ] && [ "$(health "$c")" = healthy ] || return 1
	done
	up=$(docker ps -q --filter "label=com.docker.swarm.service.name=${ST}_$svc" | grep -c .)
	[ "$up" = "$n" ]
}
update_done() {
	[ "$(docker service inspect -f '{{if .UpdateStatus}}{{.UpdateStatus.State}}{{end}}' "${ST}_$1")" = completed ]
}
# poll LIMIT_S CMD...: every 0.5 s until CMD passes; sets WAITED (s).
poll() {
	local limit=$1 t0
	shift
	t0=$(now_ms)
	while [ $(($(now_ms) - t0)) -lt $((limit * 1000)) ]; do
		if "$@" >/dev/null 2>&1; then
			WAITED=$(( ($(now_ms) - t0) / 100 ))
			WAITED="$((WAITED / 10)).$((WAITED % 10))"
			return 0
		fi
		sleep 0.5
	done
	WAITED=timeout
	return 1
}

if ! deploy; then
	fail "docker stack deploy" "$(tail -n 1 "$T/deploy.log")"
	exit 1
fi
if poll 180 converged worker 1 && poll 120 converged web 2; then
	pass "stack deployed: worker and 2 web tasks healthy through vigil status"
else
	fail "stack deployed" "not converged in time"
	docker service ps "${ST}_worker" "${ST}_web" --no-trunc | tail -n 8
	exit 1
fi

# --- a producer of tasks through redis ----------------------------------------
# producer_start: tasks.long(1 s) every 0.25 s until $W/stop exists.
producer_start() {
	rm -f "$W/stop" "$W/sent" "$W/lost"
	docker rm -f "$ST-producer" >/dev/null 2>&1
	# The workers' logs are read from here on (save_logs).
	PRODUCER_T0=$(($(date +%s) - 1))
	if ! docker run -d --name "$ST-producer" --network "$NET" \
	    -e CELERY_BROKER_URL=redis://redis:6379/0 -v "$here:/t:ro" \
	    -v "$W:/out" --entrypoint python3 "$IMG" /t/producer.py /out 1 0.25 240 \
	    >"$T/producer-run.log" 2>&1; then
		echo "    | docker run of the producer: $(tail -n 1 "$T/producer-run.log")"
	fi
	# Started means: its first task is out (the ids go to $W/sent at once).
	poll 60 test -s "$W/sent" ||
	    echo "    | the producer sent nothing in 60 s: $(docker logs "$ST-producer" 2>&1 | tail -n 3 | tr '\n' ' ')"
}
# producer_stop NAME CID...: stop sending, wait for every result, and count
# in the logs of CIDS (every worker container that served). A task is lost
# when it has no SUCCESS: "cut" when a worker logged it received and never
# finished it, "never received" when no worker ever logged it (taken from
# Redis by a stopping worker's last BRPOP and dropped: what kombu before
# 5.3.2 does unless tasks.py's GiveBackPendingFetch reads that reply).
# Either fails. Run twice: succeeded more than once. Kombu's "Requeuing
# undeliverable message" lines count the tasks so given back.
producer_stop() {
	local name=$1 line lost dup sent cut unrec c st requeued
	shift
	touch "$W/stop"
	timeout 170 docker wait "$ST-producer" >/dev/null 2>&1
	line=$(docker logs "$ST-producer" 2>/dev/null | grep '^sent ' | tail -n 1)
	st=$(docker inspect -f '{{.State.Status}} exit {{.State.ExitCode}} oom {{.State.OOMKilled}}' "$ST-producer" 2>&1)
	if [ -z "$line" ]; then
		echo "    | the producer printed no counts ($st); its last lines:"
		docker logs "$ST-producer" 2>&1 | tail -n 12 | sed 's/^/    | producer: /'
	fi
	docker logs "$ST-producer" 2>&1 >/dev/null | grep '^producer: ' |
	    head -n 5 | sed 's/^/    | /'
	docker rm -f "$ST-producer" >/dev/null 2>&1
	lost=$(echo "$line" | sed -n 's/.* lost \([0-9]*\)$/\1/p')
	sent=$(echo "$line" | sed -n 's/^sent \([0-9]*\) .*/\1/p')
	[ -z "$sent" ] && [ -s "$W/sent" ] && sent="$(grep -c . "$W/sent") (from $W/sent)"
	for c in "$@"; do save_logs "$c"; done
	cat "$T"/logs/* | grep -o 'Task tasks.long\[[0-9a-f-]*\] succeeded' |
	    sort | uniq -d >"$T/dup"
	dup=$(grep -c . "$T/dup")
	requeued=$(cat "$T"/logs/* | grep -c 'Requeuing undeliverable message')
	cut=0
	unrec=0
	if [ -s "$W/lost" ]; then
		while read -r id; do
			if grep -qF "tasks.long[$id] received" "$T"/logs/*; then
				cut=$((cut + 1))
				grep -hF "$id" "$T"/logs/* | sed 's/^/    | /' | head -n 5
			else
				unrec=$((unrec + 1))
			fi
		done <"$W/lost"
		echo "    | lost: $(tr '\n' ' ' <"$W/lost")"
		for c in "$T"/logs/*; do
			echo "    | log ${c##*/}: $(grep -c 'tasks.long.*received' "$c") received," \
			    "$(grep -ci 'warm shutdown' "$c") warm shutdown," \
			    "$(grep -c 'Requeuing undeliverable' "$c") requeued at close," \
			    "$(grep -i 'restoring' "$c" | sed 's/.*Restoring/restoring/')"
		done
	fi
	figure "$name: tasks sent ${sent:-?}, lost ${lost:-?} (received and cut $cut, never received $unrec), run twice $dup; given back by a closing worker's last BRPOP $requeued"
	expect "$name: every task sent has its result ($line)" 0 "${lost:-none}"
	expect "$name: no task run twice" 0 "$dup"
	rm -f "$T"/logs/*
}
# save_logs CID: keep a worker's log since the producer started, before
# Swarm prunes its container; a container already gone (being removed)
# keeps the copy made before.
PRODUCER_T0=0
save_logs() {
	mkdir -p "$T/logs"
	docker logs -t --since "$PRODUCER_T0" "$1" >"$T/logs/.new" 2>&1 &&
	    mv "$T/logs/.new" "$T/logs/${1:0:12}"
	rm -f "$T/logs/.new"
}
worker_cids() {
	docker ps -aq --no-trunc --filter "label=com.docker.swarm.service.name=${ST}_worker"
}
warm_stopped() {
	local c=$1
	[ "$(docker inspect -f '{{.State.Running}} {{.State.ExitCode}}' "$c")" = "false 0" ] &&
	    docker logs "$c" 2>&1 | grep -q 'Warm shutdown'
}
# ev_ms CID EVENT SINCE: the time (ms) of CID's first EVENT since SINCE (s).
ev_ms() {
	docker events --since "$3" --until "$(date +%s)" --filter "container=$1" \
	    --filter "event=$2" --format '{{.TimeNano}}' 2>/dev/null |
	    head -n 1 | cut -c1-13
}

# --- a: rolling update of the worker while tasks run --------------------------
echo "# a: docker service update --force (start-first) under a stream of tasks"
old_t=$(running worker)
old_c=$(cid_of "$old_t")
producer_start
poll 60 sh -c "docker logs $old_c 2>&1 | grep -c 'tasks.long.*succeeded' | grep -qv '^[0-2]$'"
u0=$(date +%s)
u0ms=$(now_ms)
docker service update --force --detach "${ST}_worker" >/dev/null 2>&1
if poll 240 update_done worker && poll 60 converged worker 1; then
	figure "a: rolling update of the worker: $(( ($(now_ms) - u0ms) / 1000 )) s (monitor 15 s included)"
	pass "a: the update completed"
else
	fail "a: the update completed" "state $(docker service inspect -f '{{.UpdateStatus.State}}' "${ST}_worker")"
fi
new_c=$(cid_of "$(running worker)")
poll 90 warm_stopped "$old_c"
if warm_stopped "$old_c"; then
	pass "a: the old task stopped warm (Warm shutdown, exit 0)"
else
	fail "a: the old task stopped warm" "$(docker inspect -f '{{.State.Status}} {{.State.ExitCode}}' "$old_c")"
fi
healthy_ms=$(ev_ms "$new_c" 'health_status: healthy' "$u0")
kill_ms=$(ev_ms "$old_c" kill "$u0")
if [ -n "$healthy_ms" ] && [ -n "$kill_ms" ] && [ "$healthy_ms" -lt "$kill_ms" ]; then
	figure "a: new task healthy $((kill_ms - healthy_ms)) ms before the old one got its TERM"
	pass "a: the new task was healthy before the old one was stopped"
else
	fail "a: the new task healthy first" "healthy at '${healthy_ms}', old killed at '${kill_ms}'"
fi
producer_stop "a" $(worker_cids)

# --- d: scale to 3, then back to 1 --------------------------------------------
echo "# d: docker service scale worker=3, then =1"
producer_start
docker service scale --detach "${ST}_worker=3" >/dev/null 2>&1
if poll 180 converged worker 3; then
	figure "d: scaled to 3 healthy tasks in $WAITED s"
	pass "d: 3 healthy workers"
else
	fail "d: 3 healthy workers" "not in 180 s"
fi
before=$(for t in $(running worker); do cid_of "$t"; done | sort)
sleep 3
docker service scale --detach "${ST}_worker=1" >/dev/null 2>&1
poll 90 converged worker 1
after=$(for t in $(running worker); do cid_of "$t"; done | sort)
removed=$(comm -23 <(echo "$before") <(echo "$after"))
nrem=$(echo "$removed" | grep -c .)
expect "d: two tasks removed" 2 "$nrem"
warm=0
for c in $removed; do
	poll 90 warm_stopped "$c" && warm=$((warm + 1))
	save_logs "$c"
done
expect "d: every removed task stopped warm (Warm shutdown, exit 0)" "$nrem" "$warm"
producer_stop "d" $(worker_cids)

# --- b: a hung worker ---------------------------------------------------------
# stop_celery CID: SIGSTOP to the Celery MainProcess, vigil's child (vigil
# is PID 1: it is not the one stopped). Prints the pid.
stop_celery() {
	docker exec "$1" python3 -c '
import os, signal
for p in os.listdir("/proc"):
    if not p.isdigit():
        continue
    try:
        st = open("/proc/%s/stat" % p).read()
    except OSError:
        continue
    comm = st[st.index("(") + 1:st.rindex(")")]
    ppid = int(st[st.rindex(")") + 2:].split()[1])
    if ppid == 1 and comm.startswith("python"):
        os.kill(int(p), signal.SIGSTOP)
        print(p)
        break
'
}
healed_in_place() {
	docker exec "$1" /sbin/vigil status 2>&1 | grep -Eq 'restarts [1-9]'
}
echo "# b: SIGSTOP of the Celery MainProcess, --on-unhealthy restart"
t=$(running worker)
c=$(cid_of "$t")
producer_start
sleep 3
pid=$(stop_celery "$c")
s0=$(now_ms)
if [ -n "$pid" ] && poll 120 healed_in_place "$c"; then
	rec=$(( ($(now_ms) - s0) / 100 ))
	figure "b: hung worker healed in place by vigil in $((rec / 10)).$((rec % 10)) s"
	pass "b: vigil restarted the hung Celery in its task"
else
	fail "b: vigil restarted the hung Celery" "pid '$pid'; $(docker exec "$c" /sbin/vigil status 2>&1)"
fi
expect "b: Swarm kept the same task" "$t" "$(running worker)"
docker logs "$c" 2>&1 | grep -q 'Warm shutdown' &&
    pass "b: the hung Celery was stopped warm once continued" ||
    fail "b: the hung Celery stopped warm" "no Warm shutdown in its log"
producer_stop "b (vigil)" $(worker_cids)

echo "# b: the same without --on-unhealthy: Swarm replaces the task"
docker service update --detach --env-add VIGIL_ON_UNHEALTHY=none "${ST}_worker" >/dev/null 2>&1
poll 240 update_done worker
poll 60 converged worker 1
t=$(running worker)
c=$(cid_of "$t")
producer_start
sleep 3
pid=$(stop_celery "$c")
s0=$(now_ms)
replaced() { local n; n=$(running worker); [ -n "$n" ] && [ "$n" != "$t" ] && converged worker 1; }
if [ -n "$pid" ] && poll 180 replaced; then
	rec=$(( ($(now_ms) - s0) / 100 ))
	figure "b: hung worker replaced by Swarm (unhealthy) in $((rec / 10)).$((rec % 10)) s"
	pass "b: without vigil's restart Swarm replaced the unhealthy task"
else
	fail "b: Swarm replaced the unhealthy task" "task still $(running worker)"
fi
producer_stop "b (Swarm)" $(worker_cids)

# --- c: the web service drained by --stop-delay --------------------------------
# The client resolves "web" for every request (DNS round robin) from a
# container on the stack's network.
client_start() {
	rm -f "$W/stop"
	docker run -d --name "$ST-client" --network "$NET" -v "$here:/t:ro" \
	    -v "$W:/out" --entrypoint python3 "$IMG" /t/webclient.py /out web 240 \
	    >/dev/null
}
client_stop() {
	touch "$W/stop"
	timeout 30 docker wait "$ST-client" >/dev/null 2>&1
	CLIENT=$(docker logs "$ST-client" 2>&1)
	docker rm -f "$ST-client" >/dev/null 2>&1
	FAILED=$(echo "$CLIENT" | sed -n 's/^requests [0-9]* failed \([0-9]*\)$/\1/p')
}
echo "# c: rolling update of the web service (--stop-delay 5s) under a client loop"
client_start
sleep 2
u0ms=$(now_ms)
docker service update --force --detach "${ST}_web" >/dev/null 2>&1
poll 240 update_done web && poll 60 converged web 2
upd=$(( ($(now_ms) - u0ms) / 1000 ))
client_stop
figure "c: web update with --stop-delay 5s: $upd s, $(echo "$CLIENT" | head -n 1)"
expect "c: no failed request during the rolling update" 0 "${FAILED:-none}"
[ "${FAILED:-0}" != 0 ] && echo "$CLIENT" | sed 's/^/    | /'

# The same with no drain, for comparison (a figure, not a test).
docker service update --detach --env-add VIGIL_STOP_DELAY=0s "${ST}_web" >/dev/null 2>&1
poll 240 update_done web && poll 60 converged web 2
client_start
sleep 2
docker service update --force --detach "${ST}_web" >/dev/null 2>&1
poll 240 update_done web && poll 60 converged web 2
client_stop
figure "c: the same with --stop-delay 0s: $(echo "$CLIENT" | head -n 1)"
