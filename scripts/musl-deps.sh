#!/bin/sh
# SPDX-License-Identifier: MIT
# Builds static musl copies of libseccomp and libcap from Debian's own source
# packages into PREFIX (default build/musl). The sources are fetched with a
# private apt state, so /etc/apt and the system's lists are left untouched.
# Usage: scripts/musl-deps.sh [PREFIX]
set -eu

PREFIX=$(realpath -m "${1:-build/musl}")
WORK="$PREFIX/src"
APT="$PREFIX/apt"
CFLAGS_DEPS="-Os -ffunction-sections -fdata-sections -fno-asynchronous-unwind-tables -fno-unwind-tables"

if [ -f "$PREFIX/lib/libseccomp.a" ] && [ -f "$PREFIX/lib/libcap.a" ]; then
	exit 0
fi
for tool in musl-gcc gperf dpkg-source apt-get; do
	command -v "$tool" >/dev/null 2>&1 || {
		echo "musl-deps: $tool is missing (run: make deps)" >&2
		exit 1
	}
done

# The libraries' build talks a lot (libtool's advice on LD_LIBRARY_PATH
# among it), none of it about vigil: it goes to a log next to PREFIX, shown
# only when the build fails. The script runs itself for the work, so that
# set -e keeps its meaning there.
LOG=$(dirname "$PREFIX")/musl-deps.log
if [ "${MUSL_DEPS_LOGGED:-0}" != 1 ]; then
	mkdir -p "$(dirname "$PREFIX")"
	printf 'musl-deps: building libseccomp and libcap for musl (log: %s) ... ' \
	    "${LOG#"$PWD"/}"
	start=$(date +%s)
	rc=0
	MUSL_DEPS_LOGGED=1 "$0" "$PREFIX" >"$LOG" 2>&1 || rc=$?
	if [ "$rc" != 0 ]; then
		echo "failed"
		tail -n 30 "$LOG" >&2
		echo "musl-deps: failed (exit $rc); the whole log is $LOG" >&2
		exit 1
	fi
	echo "done in $(($(date +%s) - start)) s"
	exit 0
fi

rm -rf "$WORK" "$APT"
mkdir -p "$WORK" "$APT/sp" "$APT/lists/partial" "$APT/cache/archives/partial"

# Debian 12 keeps its sources in deb822 form; older layouts use sources.list.
if [ -f /etc/apt/sources.list.d/debian.sources ]; then
	sed 's/^Types: deb$/Types: deb-src/' /etc/apt/sources.list.d/debian.sources \
	    > "$APT/sp/src.sources"
else
	sed -n 's/^deb /deb-src /p' /etc/apt/sources.list > "$APT/sp/src.list"
fi
O="-o Dir::Etc::SourceList=/dev/null -o Dir::Etc::SourceParts=$APT/sp"
O="$O -o Dir::State::Lists=$APT/lists -o Dir::Cache=$APT/cache"
O="$O -o APT::Sandbox::User=root"
# shellcheck disable=SC2086
apt-get $O -qq update
# shellcheck disable=SC2086
(cd "$WORK" && apt-get $O -qq source libseccomp libcap2 >/dev/null)

SECCOMP=$(find "$WORK" -maxdepth 1 -type d -name 'libseccomp-*' | head -n 1)
LIBCAP=$(find "$WORK" -maxdepth 1 -type d -name 'libcap2-*' | head -n 1)
[ -n "$SECCOMP" ] && [ -n "$LIBCAP" ] || {
	echo "musl-deps: source packages did not unpack" >&2
	exit 1
}

# musl-gcc sees only musl's headers; the libraries (and vigil) also need the
# kernel's UAPI headers, so expose just linux/, asm/ and asm-generic/.
mkdir -p "$PREFIX/kinc"
ln -sfn /usr/include/linux "$PREFIX/kinc/linux"
ln -sfn /usr/include/asm-generic "$PREFIX/kinc/asm-generic"
ln -sfn "/usr/include/$(gcc -print-multiarch)/asm" "$PREFIX/kinc/asm"

JOBS=$(nproc 2>/dev/null || echo 2)
(
	cd "$SECCOMP"
	CC=musl-gcc CFLAGS="$CFLAGS_DEPS -I$PREFIX/kinc" ./configure -q \
	    --prefix="$PREFIX" --enable-static --disable-shared --disable-python
	make -s -j"$JOBS" -C src
	make -s -C src install
	make -s -C include install
)
(
	cd "$LIBCAP"
	set -- BUILD_CC=gcc CC=musl-gcc COPTS="$CFLAGS_DEPS" lib=lib \
	    prefix="$PREFIX" GOLANG=no SHARED=no PAM_CAP=no
	make -s -C libcap "$@" libcap.a
	make -s -C libcap "$@" install-static-cap
)
rm -rf "$WORK" "$APT"
echo "musl-deps: libseccomp and libcap built in $PREFIX"
