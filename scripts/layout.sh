#!/bin/sh
# SPDX-License-Identifier: MIT
# Which of PID 1's pages are resident: starts BUILD/VIGIL with ARGS (by
# default: a sleeping child, no probes), then prints each mapping of the
# binary, the anonymous ones and the stack, one mark per page (# resident,
# . not). See COLD_SRCS in the Makefile.
# Usage: scripts/layout.sh [BUILD/VIGIL [VIGIL ARGS...]]
set -eu
bin=${1:-build/vigil}
[ $# -gt 0 ] && shift
[ $# -gt 0 ] || set -- -q --state-file /tmp/vigil-layout.$$ -- sleep 30
"$bin" "$@" &
pid=$!
trap 'kill $pid 2>/dev/null; rm -f /tmp/vigil-layout.$$' EXIT
sleep 1
grep -E '^(VmRSS|RssAnon|RssFile)' /proc/$pid/status
python3 - "$pid" <<'PY'
import struct, sys
pid = sys.argv[1]
with open(f"/proc/{pid}/maps") as maps, open(f"/proc/{pid}/pagemap", "rb") as pm:
    for line in maps:
        f = line.split()
        lo, hi = (int(x, 16) for x in f[0].split("-"))
        name = f[5] if len(f) > 5 else "(anon)"
        if name.startswith("[v"):
            continue
        marks = ""
        for page in range(lo, hi, 4096):
            pm.seek(page // 4096 * 8)
            entry, = struct.unpack("Q", pm.read(8))
            marks += "#" if entry >> 63 else "."
        print(f"{f[0]} {f[1]} {marks.count('#') * 4:4d} kB {marks}")
PY
