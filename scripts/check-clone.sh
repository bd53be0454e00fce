#!/bin/sh
# SPDX-License-Identifier: MIT
# make check as a newcomer runs it: in a fresh copy of the tree (the files
# git tracks, with their changes, and new ones it does not ignore) inside a
# 0700 directory, as a root user's clone in /root is on Debian. Nothing the
# tests run as another user may then depend on the checkout's own modes.
# The musl libraries already built here are reused to save a minute.
# Usage: scripts/check-clone.sh [MAKE TARGET...]   (default: check)
set -eu
cd "$(dirname "$0")/.."
[ $# -gt 0 ] || set -- check
DIR=$(mktemp -d /tmp/vigil-clone.XXXXXX)
trap 'rm -rf "$DIR"' EXIT
chmod 0700 "$DIR"
mkdir "$DIR/vigil"
if git rev-parse --is-inside-work-tree >/dev/null 2>&1; then
	git ls-files -z -c -o --exclude-standard |
	    tar --null -T - -cf - | tar -C "$DIR/vigil" -xf -
else
	# Not a git checkout (an unpacked tarball): everything but build/.
	tar --exclude=./build -cf - . | tar -C "$DIR/vigil" -xf -
fi
if [ -f build/musl/lib/libseccomp.a ] && [ -f build/musl/lib/libcap.a ]; then
	mkdir -p "$DIR/vigil/build"
	cp -a build/musl "$DIR/vigil/build/musl"
	rm -rf "$DIR/vigil/build/musl/init" "$DIR/vigil/build/musl/probes"
fi
echo "check-clone: make $* in $DIR/vigil (parent mode 0700)"
make -C "$DIR/vigil" --no-print-directory "$@"
