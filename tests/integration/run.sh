#!/bin/bash
# SPDX-License-Identifier: MIT
# Runs every tests/integration/t_*.sh against one vigil binary, each file in
# its own bash process, and ends with the line "N passed, N failed".
# Usage: tests/integration/run.sh BUILD/VIGIL [t_name ...]
set -u
here=$(cd "$(dirname "$0")" && pwd)
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
for f in "${files[@]}"; do
	echo "# $(basename "$f" .sh)"
	timeout -k 5 300 bash "$f" || echo "fail $(basename "$f"): exited $?" >>"$RESULTS"
done
passed=$(grep -c '^pass' "$RESULTS")
failed=$(grep -c '^fail' "$RESULTS")
if [ "$failed" -gt 0 ]; then
	echo "failures:"
	grep '^fail' "$RESULTS" | sed 's/^fail /  /'
fi
rm -f "$RESULTS"
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
