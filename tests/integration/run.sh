#!/bin/bash
# SPDX-License-Identifier: MIT
# Runs every t_*.sh of a test directory (this one unless --dir) against one
# vigil binary, each file in its own bash process; prints the measurements
# the tests recorded ("info" lines) and ends with "N passed, N failed".
# Usage: tests/integration/run.sh [--dir DIR] BUILD/VIGIL [t_name ...]
set -u
here=$(cd "$(dirname "$0")" && pwd)
if [ "${1:-}" = --dir ]; then
	here=$(cd "$2" && pwd)
	shift 2
fi
[ $# -ge 1 ] || { echo "usage: $0 [--dir DIR] BUILD/VIGIL [t_name ...]" >&2; exit 2; }
src=$(realpath "$1"); shift
RESULTS=$(mktemp /tmp/vigil-results.XXXXXX)
# The tests run vigil and the helpers as other users (nobody, 4242) too,
# and a root user's home, where the tree may be cloned, is 0700 on Debian:
# they run copies from a world-readable directory of this run's own.
BIN=$(mktemp -d /tmp/vigil-bin.XXXXXX)
trap 'rm -rf "$BIN" "$RESULTS"' EXIT
chmod 0755 "$BIN"
cp "$src" "$BIN/" || exit 1
if [ -d "$(dirname "$src")/helpers" ]; then
	cp -R "$(dirname "$src")/helpers" "$BIN/helpers" || exit 1
fi
chmod -R a+rX "$BIN"
VIGIL=$BIN/$(basename "$src")
HELPERS=$BIN/helpers
export VIGIL HELPERS RESULTS
files=()
if [ $# -gt 0 ]; then
	for n in "$@"; do files+=("$here/$n.sh"); done
else
	files=("$here"/t_*.sh)
fi
start=$(date +%s)
for f in "${files[@]}"; do
	echo "# $(basename "$f" .sh)"
	timeout -k 5 300 bash "$f" ||
	    echo "fail $(basename "$f"): exited $?" >>"$RESULTS"
done
if grep -q '^info ' "$RESULTS"; then
	echo "measurements:"
	grep '^info ' "$RESULTS" | sed 's/^info /  /'
fi
passed=$(grep -c '^pass' "$RESULTS")
failed=$(grep -c '^fail' "$RESULTS")
if [ "$failed" -gt 0 ]; then
	echo "failures:"
	grep '^fail' "$RESULTS" | sed 's/^fail /  /'
fi
echo "($(basename "$here") took $(( $(date +%s) - start )) s)"
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
