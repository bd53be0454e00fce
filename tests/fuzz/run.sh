#!/bin/bash
# SPDX-License-Identifier: MIT
# Builds every tests/fuzz/fuzz_*.c as its own libFuzzer target (ASan and
# UBSan, linked with all of vigil but main) and runs each for FUZZ_SECONDS
# (default 60) from its seed corpus, tests/fuzz/corpus/NAME. The corpus a
# run grows stays in build/fuzz/corpus/NAME for the next one. Not part of
# make check. Usage: tests/fuzz/run.sh [NAME ...] (default: every target).
set -u
cd "$(dirname "$0")/../.."
B=build/fuzz
SECS=${FUZZ_SECONDS:-60}
command -v clang >/dev/null || {
	echo "fuzz: clang missing (apt-get install clang libclang-rt-14-dev)"
	exit 1
}
mkdir -p "$B/obj" "$B/corpus" "$B/crash"
CFLAGS=(-g -O1 -D_GNU_SOURCE -std=c11 -Iinit -Iprobes -Itests/fuzz
    -DVIGIL_VERSION='"fuzz"' -fno-sanitize-recover=all)
objs=()
for src in $(ls init/*.c probes/*.c | grep -v '^init/main\.c$'); do
	o=$B/obj/$(echo "$src" | tr / _).o
	if [ ! -e "$o" ] || [ "$src" -nt "$o" ] ||
	    [ -n "$(find init probes -name '*.h' -newer "$o")" ]; then
		clang "${CFLAGS[@]}" -fsanitize=fuzzer-no-link,address,undefined \
		    -c -o "$o" "$src" || exit 1
	fi
	objs+=("$o")
done

if [ $# -gt 0 ]; then
	names=("$@")
else
	names=()
	for f in tests/fuzz/fuzz_*.c; do names+=("$(basename "$f" .c)"); done
fi
failed=0
summary=()
for n in "${names[@]}"; do
	clang "${CFLAGS[@]}" -fsanitize=fuzzer,address,undefined \
	    -o "$B/$n" "tests/fuzz/$n.c" "${objs[@]}" -lseccomp -lcap || exit 1
	mkdir -p "$B/corpus/$n"
	[ -d "tests/fuzz/corpus/$n" ] &&
	    cp -n "tests/fuzz/corpus/$n"/* "$B/corpus/$n"/ 2>/dev/null
	echo "== $n: ${SECS}s"
	"$B/$n" -max_total_time="$SECS" -print_final_stats=1 \
	    -artifact_prefix="$B/crash/$n-" "$B/corpus/$n" >"$B/$n.log" 2>&1
	rc=$?
	execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$B/$n.log")
	if [ "$rc" -ne 0 ]; then
		failed=$((failed + 1))
		grep -E 'ERROR|SUMMARY|Test unit written' "$B/$n.log" | head -n 5
		summary+=("$n: FAILED (rc $rc), see $B/$n.log")
	else
		summary+=("$n: ${execs:-?} execs in ${SECS}s, corpus $(ls "$B/corpus/$n" | wc -l)")
	fi
done
printf '%s\n' "${summary[@]}"
[ "$failed" -eq 0 ]
