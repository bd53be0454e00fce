#!/bin/bash
# SPDX-License-Identifier: MIT
# make check's suites: runs each as its own make target, every one even
# after another failed, shows its output as it comes, and ends with one line
# over all of them, "N passed, N failed" (what CI reads). A suite's counts
# come from its own closing line: Check's "Checks: N, Failures: F, Errors: E"
# or the runner's "N passed, N failed". A suite that fails without a count
# (a build error, valgrind's findings) counts as one failure.
# Usage: scripts/check-suites.sh MAKE TARGET...   (exit 1 if anything failed)
set -u
make=$1
shift
out=$(mktemp /tmp/vigil-suite.XXXXXX)
trap 'rm -f "$out"' EXIT

total_p=0 total_f=0 parts=()
for t in "$@"; do
	$make --no-print-directory "$t" 2>&1 | tee "$out"
	rc=${PIPESTATUS[0]}
	p=0 f=0
	while read -r c fl er; do
		p=$((p + c - fl - er))
		f=$((f + fl + er))
	done < <(sed -n 's/.*Checks: \([0-9]*\), Failures: \([0-9]*\), Errors: \([0-9]*\).*/\1 \2 \3/p' "$out")
	while read -r np nf; do
		p=$((p + np))
		f=$((f + nf))
	done < <(sed -n 's/^\([0-9]*\) passed, \([0-9]*\) failed$/\1 \2/p' "$out")
	note=
	if [ "$rc" != 0 ] && [ "$f" = 0 ]; then
		f=1
		note=" (exit $rc)"
	fi
	total_p=$((total_p + p))
	total_f=$((total_f + f))
	parts+=("${t#check-} $p/$f$note")
done
summary=$(printf '%s, ' "${parts[@]}")
echo "suites (passed/failed): ${summary%, }"
echo "$total_p passed, $total_f failed"
[ "$total_f" = 0 ]
