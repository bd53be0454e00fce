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
VIGIL=$(realpath "$1"); shift
HELPERS=$(realpath "$(dirname "$VIGIL")")/helpers
RESULTS=$(mktemp /tmp/vigil-results.XXXXXX)
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
rm -f "$RESULTS"
echo "($(basename "$here") took $(( $(date +%s) - start )) s)"
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
