#!/bin/bash
# SPDX-License-Identifier: MIT
# A job that crashes right after it starts, under vigil's restart policy:
# each restart waits twice as long as the one before, up to a ceiling, and
# vigil gives up after --max-restarts. Prints what happens in plain words,
# with vigil's own log line under each event. Takes about 7 seconds.
#
# Usage: examples/basics/crash-loop.sh   (VIGIL=path/to/vigil to choose)
set -u
root=$(cd "$(dirname "$0")/../.." && pwd)
VIGIL=${VIGIL:-$root/build/vigil}
[ -x "$VIGIL" ] || { echo "crash-loop: no vigil at $VIGIL (run make)" >&2; exit 1; }
tmp=$(mktemp -d /tmp/vigil-demo.XXXXXX) || exit 1
trap 'rm -rf "$tmp"' EXIT

flags=(--restart on-failure --backoff-initial 250ms --backoff-max 2s
    --max-restarts 5)
job='echo "job: connecting to a database that is not there..."; sleep 0.2
echo "job: giving up, exit 1"; exit 1'

cat <<EOF
A job that fails 0.2 s after every start, run as
  vigil ${flags[*]} -- sh -c '...'
on-failure restarts it after a failure; the delay starts at 250 ms and
doubles up to 2 s (a little random shortening keeps many containers from
restarting in step); after 5 restarts in a row vigil gives up.

EOF

# value KEY LINE: the value of KEY in a logfmt line (quotes removed).
value() {
	local re="[[:space:]]$1=(\"[^\"]*\"|[^[:space:]]*)"
	[[ $2 =~ $re ]] || return 1
	local v=${BASH_REMATCH[1]}
	v=${v#\"}; printf '%s' "${v%\"}"
}

t0=${EPOCHREALTIME/[.,]/}
# Both the job's output and vigil's log (stderr) come through the pipe, in
# the order they were written.
"$VIGIL" --state-file "$tmp/health" "${flags[@]}" -- sh -c "$job" 2>&1 |
while IFS= read -r line; do
	now=${EPOCHREALTIME/[.,]/}
	ms=$(( (now - t0) / 1000 ))
	at=$(printf '+%d.%02ds' $(( ms / 1000 )) $(( ms % 1000 / 10 )))
	case $line in
	job:*)
		printf '%8s  %s\n' "$at" "$line" ;;
	*'msg="child started"'*)
		n=$(value restarts "$line") || n=0
		if [ "$n" = 0 ]; then
			printf '%8s  vigil started the job (pid %s)\n' "$at" "$(value pid "$line")"
		else
			printf '%8s  vigil started the job again: restart %s\n' "$at" "$n"
		fi
		printf '          | %s\n' "$line" ;;
	*'msg="child exited"'*)
		if d=$(value restart_in "$line"); then
			printf '%8s  the job exited with status %s after %s; vigil will try again in %s\n' \
			    "$at" "$(value status "$line")" "$(value ran "$line")" "$d"
		else
			printf '%8s  the job exited with status %s; no more restarts\n' \
			    "$at" "$(value status "$line")"
		fi
		printf '          | %s\n' "$line" ;;
	*'msg="giving up'*)
		printf '%8s  vigil gives up: %s restarts in a row, --max-restarts is %s\n' \
		    "$at" "$(value restarts "$line")" "$(value max_restarts "$line")"
		printf '          | %s\n' "$line" ;;
	*)
		printf '%8s  %s\n' "$at" "$line" ;;
	esac
done
rc=${PIPESTATUS[0]}

cat <<EOF

vigil exited with status $rc, the job's own status, so Docker's or
Kubernetes' restart policy sees the real failure and can take over.
A run that lasts longer than --backoff-reset (60 s by default) counts as a
success: the next crash waits 250 ms again and the count starts over.
EOF
exit 0
