#!/bin/bash
# SPDX-License-Identifier: MIT
# End-to-end tests of examples/ with real programs (Celery, redis-server,
# Python's http.server). Runs every tests/examples/t_*.sh against one vigil
# binary, each in its own bash process, prints the measurements the tests
# recorded, and ends with the line "N passed, N failed".
# Usage: tests/examples/run.sh BUILD/VIGIL [t_name ...]
set -u
here=$(cd "$(dirname "$0")" && pwd)
[ $# -ge 1 ] || { echo "usage: $0 BUILD/VIGIL [t_name ...]" >&2; exit 2; }
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
	timeout -k 5 240 bash "$f"
	rc=$?
	[ "$rc" = 0 ] || echo "fail $(basename "$f"): exited $rc" >>"$RESULTS"
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
echo "(examples took $(( $(date +%s) - start )) s)"
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
