#!/bin/bash
# SPDX-License-Identifier: MIT
# vigil's own log lines as a log shipper reads them: ts, level and msg on
# every line, no key twice, values that cannot forge a line (newline, CR,
# ESC, bytes that are not UTF-8, from a probe's output or a bad flag), JSON
# that Python's json module accepts; and the warning for a VIGIL_* variable
# that a flag beat.
. "$(dirname "$0")/lib.sh"
SF="--state-file $T/health"
PY=/usr/bin/python3

# A probe whose output tries to forge a line of vigil's, then a colour
# escape, a byte that is no UTF-8, a valid e-acute and a C1 control.
cat >"$T/forge" <<'EOF'
#!/bin/sh
printf 'bad\nvigil ts=2026-01-01T00:00:00.000Z level=error msg=forged\r\033[31m\377\303\251\302\233"end\\'
exit 1
EOF
chmod 0755 "$T/forge"
# run_forge FILE ARGS...: vigil with that probe until it failed twice.
run_forge() {
	local log=$1; shift
	pid1 $SF "$@" --probe "exec:$T/forge" --probe-interval 100ms \
	    --probe-start-period 0s --probe-timeout 2s -- sh -c "
	    while [ \$(grep -c 'probe failed' $log) -lt 2 ]; do sleep 0.05; done
	    " 2>"$log"
}

# check_lines FORMAT FILE: every line of FILE is one of vigil's, checked by
# Python as a log pipeline would parse it; prints "ok" or what is wrong.
check_lines() {
	"$PY" - "$1" "$2" <<'EOF'
import json, re, sys
fmt, path = sys.argv[1], sys.argv[2]
raw = open(path, "rb").read()
try:
    text = raw.decode("utf-8")
except UnicodeDecodeError as e:
    print("not UTF-8: %s" % e); sys.exit()
ts = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$")
pair = re.compile(r' ([a-z_]+)=("(?:[^"\\]|\\.)*"|[^ "=]+)')
levels = ("debug", "info", "warn", "error")
n = 0
for line in text.split("\n")[:-1]:
    n += 1
    if any(ord(c) < 0x20 or 0x7f <= ord(c) < 0xa0 for c in line):
        print("raw control character in: %r" % line); sys.exit()
    if fmt == "json":
        d = json.loads(line)
        keys = re.findall(r'[{,]"([a-z_]+)":', line)
    else:
        if not line.startswith("vigil ts="):
            print("not a vigil line: %r" % line); sys.exit()
        rest = line[len("vigil"):]
        found = pair.findall(rest)
        if "".join(" %s=%s" % kv for kv in found) != rest:
            print("not logfmt: %r" % line); sys.exit()
        keys = [k for k, v in found]
        d = {k: json.loads(v) if v.startswith('"') else v for k, v in found}
    if keys[:3] != ["ts", "level", "msg"]:
        print("ts, level, msg not first: %r" % line); sys.exit()
    if len(set(keys)) != len(keys):
        print("a key twice: %r" % line); sys.exit()
    if not ts.match(d["ts"]) or d["level"] not in levels:
        print("bad ts or level: %r" % line); sys.exit()
    if d["msg"] == "probe failed":
        want = ('bad\nvigil ts=2026-01-01T00:00:00.000Z level=error '
                'msg=forged\r\x1b[31m\ufffd\u00e9\u009b"end\\')
        if d.get("output") != want:
            print("output not kept: %r" % d.get("output")); sys.exit()
print("ok" if n > 0 else "no lines")
EOF
}

run_forge "$T/logfmt"
expect "logfmt: a forged line stays inside its value" 0 \
    "$(grep -c '^vigil ts=2026-01-01' "$T/logfmt")"
expect "logfmt: every line has ts, level, msg, keys once, no raw control" \
    ok "$(check_lines logfmt "$T/logfmt")"
run_forge "$T/json" --log-format json
expect "json: every line parses, ts, level, msg, keys once, UTF-8" ok \
    "$(check_lines json "$T/json")"
expect_match "json: a byte that is no UTF-8 becomes \\ufffd" \
    '\\u001b\[31m\\ufffd' "$(cat "$T/json")"

# Debug lines too, with the level names Loki knows (warn: see below).
pid1 $SF -v -- sh -c '(sleep 0 &); sleep 0.1' 2>"$T/debug"
expect "-v: every line valid" ok "$(check_lines logfmt "$T/debug")"
expect_match "-v: a debug line" '^vigil ts=[^ ]+ level=debug msg=' \
    "$(cat "$T/debug")"
expect_match "a failed probe is a warn line" \
    '^vigil ts=[^ ]+ level=warn msg="probe failed"' "$(cat "$T/logfmt")"

# A bad flag's error message quotes the value: it stays one line.
err=$(pid1 --grace $'1\nvigil level=error msg=forged\e[31m' -- true 2>&1)
expect "a bad value: exit 2 and two lines (reason, hint)" 2 \
    "$(printf '%s\n' "$err" | wc -l)"
expect_match "the value is shown escaped" \
    "bad duration '1\\\\nvigil level=error msg=forged\\\\u001b\[31m'" "$err"
expect_no_match "no raw ESC" $'\e' "$err"

# --- a VIGIL_* variable beaten by a flag is named at start-up ------------
VIGIL_PROBE_INTERVAL=1s VIGIL_RESTART=no pid1 $SF --probe-interval 5s \
    --probe tcp://127.0.0.1:1 -- true 2>"$T/over"
expect "one warning for the variable a flag beat" 1 \
    "$(grep -c 'msg="flag overrides variable"' "$T/over")"
expect_match "it names the variable, the flag and the ignored value" \
    '^vigil ts=[^ ]+ level=warn msg="flag overrides variable" variable=VIGIL_PROBE_INTERVAL flag=--probe-interval ignored=1s$' \
    "$(cat "$T/over")"
expect_no_match "a variable no flag beat is not named" 'VIGIL_RESTART' \
    "$(cat "$T/over")"
VIGIL_PROBE_INTERVAL=1s pid1 $SF --probe tcp://127.0.0.1:1 -- true \
    2>"$T/over"
expect "no warning without the flag" 0 \
    "$(grep -c 'overrides' "$T/over")"
VIGIL_GRACE=3s pid1 $SF --log-format json --grace 1s -- true 2>"$T/over"
expect "json: the warning is a valid line too" ok \
    "$(check_lines json "$T/over")"
expect_match "json: it names variable and flag" \
    '"level":"warn","msg":"flag overrides variable","variable":"VIGIL_GRACE","flag":"--grace","ignored":"3s"' \
    "$(cat "$T/over")"
VIGIL_GRACE=3s pid1 $SF -q --grace 1s -- true 2>"$T/over"
expect "-q keeps warnings" 1 "$(grep -c 'flag overrides variable' "$T/over")"
