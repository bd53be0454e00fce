#!/bin/bash
# SPDX-License-Identifier: MIT
# Builds the libFuzzer target with ASan/UBSan and runs it for FUZZ_SECONDS
# (default 120) from a seed corpus of valid inputs. Not part of make check.
set -eu
cd "$(dirname "$0")/../.."
B=build/fuzz
mkdir -p "$B/corpus"
command -v clang >/dev/null || { echo "fuzz: clang missing (apt-get install clang libclang-rt-14-dev)"; exit 1; }
srcs=$(ls init/*.c probes/*.c | grep -v -e init/main.c)
# shellcheck disable=SC2086
clang -g -O1 -D_GNU_SOURCE -std=c11 -Iinit -Iprobes -DVIGIL_VERSION='"fuzz"' \
    -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all \
    -o "$B/fuzz_parsers" tests/fuzz/fuzz_parsers.c $srcs -lseccomp -lcap
seed() { printf "$1" >"$B/corpus/$2"; }
seed '\0--grace\0010s\0--probe\0tcp://127.0.0.1:1\0-r\00015:3\0sleep' cfg
seed '\001http://[::1]:8080/healthz?x=1' http
seed '\001redis://:p%%40ss@localhost:6380/0' redis
seed '\001exec:sh -c "echo hi"' exec
seed '\001file:///tmp/hb?max-age=1m30s' file
seed '\002status=healthy\nsince=1\nupdated=2\nstale_after=\npid=7\nrestarts=0\nlast_exit=\nfailures=0\nprobe=x\noutput=y\n' state
seed '\003HTTP/1.1 200 OK\r\nServer: x\r\n\r\n' httpreply
seed '\004+PONG\r\n' pong
seed '\005E\0\0\0\030SFATAL\0C57P03\0\0' pg
"$B/fuzz_parsers" -max_total_time="${FUZZ_SECONDS:-120}" -max_len=2048 \
    -print_final_stats=1 "$B/corpus" 2>&1 | tail -n 12
