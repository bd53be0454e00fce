#!/bin/bash
# SPDX-License-Identifier: MIT
# End-to-end tests of vigil against the local Docker engine: vigil as an
# image's ENTRYPOINT, Docker's HEALTHCHECK reading its health file,
# `docker stop`/`kill`/`run -it`, restart policies, read-only containers,
# and the Celery example under Compose. Nothing is pulled: test images are
# FROM scratch, the rest builds on a Debian 12 base made locally by
# scripts/docker-base.sh (debootstrap + docker import, cached by tag).
#
# Each tests/docker/tN_*.sh runs in its own bash process and reads Docker's
# own view (docker inspect, wait, events, logs, exec). The run ends with
# "N passed, N failed", or, when no engine answers, with one line
# "DOCKER TESTS DID NOT RUN: ..." and status 0.
#
# Usage: tests/docker/run.sh BUILD/VIGIL [t_name ...]
# Environment: DOCKER_BASE (vigil-local/debian:bookworm), DOCKER_TESTS_ALL=1
# also builds the top-level Dockerfile on a base without apt sources.
set -u
here=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$here/../.." && pwd)
if [ $# -lt 1 ]; then
	echo "usage: tests/docker/run.sh BUILD/VIGIL [t_name ...]" >&2
	exit 2
fi
VIGIL=$(realpath "$1"); shift

if ! command -v docker >/dev/null 2>&1; then
	echo "DOCKER TESTS DID NOT RUN: no docker command on this machine"
	exit 0
fi
if ! why=$(docker info 2>&1 >/dev/null); then
	echo "DOCKER TESTS DID NOT RUN: docker info failed:" \
	    "$(printf '%s' "$why" | grep -v '^WARNING' | head -n 1)"
	exit 0
fi

RESULTS=$(mktemp /tmp/vigil-docker-results.XXXXXX)
FIGURES=$(mktemp /tmp/vigil-docker-figures.XXXXXX)
DOCKER_BASE=${DOCKER_BASE:-vigil-local/debian:bookworm}
IMG=vigil-test/scratch
IMG_ORPHANS=vigil-test/orphans
IMG_VIGIL=vigil-test/vigil
IMG_REDIS=vigil-local/redis:bookworm
IMG_CELERY=vigil-test/celery
LABEL=vigil-test
PROJECT=vigiltest
OUT=$ROOT/build/docker
export VIGIL RESULTS FIGURES ROOT DOCKER_BASE IMG IMG_ORPHANS IMG_VIGIL \
    IMG_REDIS IMG_CELERY LABEL PROJECT OUT

# The Compose tool: the v2 plugin if the client has it, else Compose v1.
if docker compose version >/dev/null 2>&1; then
	COMPOSE="docker compose"
elif command -v docker-compose >/dev/null 2>&1; then
	COMPOSE=docker-compose
else
	COMPOSE=
fi
export COMPOSE

# Whatever a test left behind, even when it was killed at its timeout.
cleanup() {
	local ids
	ids=$(docker ps -aq --filter "label=$LABEL=1")
	[ -n "$ids" ] && docker rm -f $ids >/dev/null 2>&1
	ids=$(docker ps -aq --filter "label=com.docker.compose.project=$PROJECT")
	[ -n "$ids" ] && docker rm -f $ids >/dev/null 2>&1
	ids=$(docker network ls -q \
	    --filter "label=com.docker.compose.project=$PROJECT")
	[ -n "$ids" ] && docker network rm $ids >/dev/null 2>&1
	# Rebuilt test images leave their predecessors untagged.
	docker image prune -f --filter "label=$LABEL=1" >/dev/null 2>&1
	rm -f "$RESULTS" "$FIGURES"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

start=$(date +%s)
echo "# docker: server $(docker version -f '{{.Server.Version}}' 2>/dev/null)," \
    "compose: ${COMPOSE:-none}"

# The test programs, static, so they run in a FROM scratch image.
CC_STATIC=musl-gcc
command -v musl-gcc >/dev/null 2>&1 || CC_STATIC=gcc
rm -rf "$OUT/ctx"
mkdir -p "$OUT/ctx/rootfs/tmp"
chmod 1777 "$OUT/ctx/rootfs/tmp"
built=1
for src in "$here"/progs/*.c; do
	prog=$(basename "$src" .c)
	if ! $CC_STATIC -static -Os -D_GNU_SOURCE -std=c11 -Wall -Wextra \
	    -Werror -o "$OUT/ctx/$prog" "$src"; then
		echo "fail build $prog: $CC_STATIC -static failed" >>"$RESULTS"
		built=0
	fi
done
cp "$VIGIL" "$OUT/ctx/vigil"
cp "$here/image/Dockerfile" "$OUT/ctx/Dockerfile"
for target in test orphans; do
	tag=$IMG
	[ "$target" = orphans ] && tag=$IMG_ORPHANS
	if [ "$built" = 1 ] && ! docker build -q --label "$LABEL=1" \
	    --target "$target" -t "$tag" "$OUT/ctx" >"$OUT/build-$target.log" 2>&1; then
		tail -n 20 "$OUT/build-$target.log"
		echo "fail build image $tag: see $OUT/build-$target.log" >>"$RESULTS"
		built=0
	fi
done

files=()
if [ $# -gt 0 ]; then
	for n in "$@"; do files+=("$here/$n.sh"); done
else
	files=("$here"/t[0-9]_*.sh)
fi
if [ "$built" = 1 ]; then
	for f in "${files[@]}"; do
		name=$(basename "$f" .sh)
		echo "# $name"
		# Building the images may debootstrap and compile: allow it.
		limit=300
		case $name in t6_*) limit=1500 ;; esac
		t0=$(date +%s)
		timeout -k 10 "$limit" bash "$f" ||
		    echo "fail $name: exited $?" >>"$RESULTS"
		echo "  ($name took $(($(date +%s) - t0)) s)"
	done
fi

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
echo "docker tests took $(($(date +%s) - start)) s"
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
