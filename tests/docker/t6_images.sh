#!/bin/bash
# SPDX-License-Identifier: MIT
# The images users build, built here for real on a Debian 12 base made
# locally (scripts/docker-base.sh: debootstrap + docker import, cached by
# tag): the top-level multi-stage Dockerfile, whose final stage is FROM
# scratch with only /vigil and /LICENSE, and the stand-in redis image the
# Celery test needs. The files are used as they are; only the BASE build
# argument points at the local base. The first run debootstraps and
# compiles; later runs hit the caches.
. "$(dirname "$0")/dlib.sh"

# build NAME TAG LOG ARGS...: docker build, timed; the log's tail on failure.
build() {
	local name=$1 tag=$2 log=$3 t0 rc
	shift 3
	t0=$(date +%s)
	docker build --label "$LABEL=1" -t "$tag" "$@" >"$log" 2>&1
	rc=$?
	[ "$rc" = 0 ] || tail -n 25 "$log" | sed 's/^/    | /'
	expect "$name" 0 "$rc"
	figure "$name: $(($(date +%s) - t0)) s"
	return "$rc"
}

# --- the local Debian 12 base ------------------------------------------------
t0=$(date +%s)
"$ROOT/scripts/docker-base.sh" "$DOCKER_BASE" >"$OUT/base.log" 2>&1
rc=$?
[ "$rc" = 0 ] || tail -n 25 "$OUT/base.log" | sed 's/^/    | /'
expect "local base $DOCKER_BASE made or cached" 0 "$rc"
figure "base image ($(tail -n 1 "$OUT/base.log")): $(($(date +%s) - t0)) s"
os=$(docker run --rm --label "$LABEL=1" --label "$LABEL.file=$TFILE" \
    "$DOCKER_BASE" sh -c '. /etc/os-release; echo "$ID $VERSION_ID";
    test -s /etc/apt/sources.list.d/debian.sources && echo deb822;
    test -e /etc/apt/sources.list || echo no-sources.list')
expect "the base is Debian 12 with deb822 sources, as the official image" \
    "debian 12 deb822 no-sources.list" "$(echo $os)"

# --- the top-level Dockerfile ------------------------------------------------
# Its build stage is tagged too: then only the stages of earlier runs are
# left dangling, and the runner's cleanup (label $LABEL=1) removes them
# without touching this run's layer cache.
build "top-level Dockerfile, build stage" "$IMG_VIGIL-build" \
    "$OUT/build-vigil-stage.log" --target build \
    --build-arg "BASE=$DOCKER_BASE" "$ROOT"
if build "top-level Dockerfile builds on the local base" "$IMG_VIGIL" \
    "$OUT/build-vigil.log" --build-arg "BASE=$DOCKER_BASE" "$ROOT"; then
	# What the final stage holds, less what Docker adds to any container.
	cid=$(docker create --label "$LABEL=1" --label "$LABEL.file=$TFILE" \
	    "$IMG_VIGIL")
	files=$(docker export "$cid" | tar -t | sed 's|/$||' |
	    grep -Ev '^(\.dockerenv|dev|dev/.*|etc|etc/(hostname|hosts|mtab|resolv\.conf)|proc|sys)$' |
	    sort | tr '\n' ' ')
	expect "the final stage holds only /vigil and /LICENSE" \
	    "LICENSE vigil " "$files"
	expect "its /vigil runs in an empty image (static): --version" \
	    "$("$VIGIL" --version)" "$(docker run --rm --label "$LABEL=1" \
	    --label "$LABEL.file=$TFILE" "$IMG_VIGIL" --version)"
	expect_match "ENTRYPOINT /vigil, CMD --help" '^usage: vigil' \
	    "$(docker run --rm --label "$LABEL=1" --label "$LABEL.file=$TFILE" \
	    "$IMG_VIGIL" 2>&1)"
	size=$(docker image inspect -f '{{.Size}}' "$IMG_VIGIL")
	figure "vigil image: $size bytes"
	expect_le "the image is the binary and its licence (< 400 kB)" 400000 \
	    "$size"
fi

# --- optional: a base with no apt sources at all ----------------------------
# The Dockerfile then writes the standard deb822 file itself. Another full
# build of the build stage (minutes the first time), so only on request.
if [ "${DOCKER_TESTS_ALL:-0}" = 1 ]; then
	bare="$DOCKER_BASE-nosources"
	printf 'FROM %s\nRUN rm -f /etc/apt/sources.list %s\n' "$DOCKER_BASE" \
	    /etc/apt/sources.list.d/debian.sources >"$T/Dockerfile.bare"
	build "a base without apt sources" "$bare" "$OUT/build-bare.log" \
	    -f "$T/Dockerfile.bare" "$T"
	build "top-level Dockerfile on a base without apt sources" \
	    "$IMG_VIGIL-nosources" "$OUT/build-vigil-nosources.log" \
	    --build-arg "BASE=$bare" "$ROOT"
fi

# --- the redis stand-in for the Celery example -------------------------------
build "redis image on the local base" "$IMG_REDIS" "$OUT/build-redis.log" \
    --build-arg "BASE=$DOCKER_BASE" "$ROOT/tests/docker/redis"
