# SPDX-License-Identifier: MIT
# Sourced by every tests/docker/t_*.sh: the integration assertions
# (../integration/lib.sh), plus containers that carry the test labels and
# are removed when the file ends, and ways to read Docker's own view.
. "$(dirname "$0")/../integration/lib.sh"
TFILE=$(basename "$0" .sh)

dclean() {
	local ids
	ids=$(docker ps -aq --filter "label=$LABEL.file=$TFILE")
	[ -n "$ids" ] && docker rm -f $ids >/dev/null 2>&1
	return 0
}
trap 'dclean; rm -rf "$T"' EXIT

# drun ARGS...: `docker run -d` with the labels; prints the container id.
drun() {
	docker run -d --label "$LABEL=1" --label "$LABEL.file=$TFILE" "$@"
}
# dinspect CID FORMAT
dinspect() { docker inspect -f "$2" "$1" 2>/dev/null; }
dhealth() {
	dinspect "$1" '{{if .State.Health}}{{.State.Health.Status}}{{end}}'
}
# dlast_output CID / dlast_code CID: the newest entry of the health log.
dlast_output() {
	dinspect "$1" '{{with .State.Health}}{{range .Log}}{{.Output}}{{end}}{{end}}' |
	    sed '/^$/d' | tail -n 1
}
dlast_code() {
	dinspect "$1" '{{with .State.Health}}{{range .Log}}{{.ExitCode}} {{end}}{{end}}' |
	    awk '{ print $NF }'
}
dlog_count() { docker logs "$1" 2>&1 | grep -Ec -- "$2"; }

# wait_health CID STATUS LIMIT_S: polls .State.Health.Status every 100 ms.
# Sets WAITED_MS (from the call) and SEEN (the statuses seen, in order).
wait_health() {
	local cid=$1 want=$2 limit=$3 t0 s last=
	t0=$(now_ms)
	SEEN=
	while [ $(($(now_ms) - t0)) -lt $((limit * 1000)) ]; do
		s=$(dhealth "$cid")
		if [ "$s" != "$last" ]; then
			SEEN="$SEEN${SEEN:+ }${s:-none}"
			last=$s
		fi
		if [ "$s" = "$want" ]; then
			WAITED_MS=$(($(now_ms) - t0))
			return 0
		fi
		sleep 0.1
	done
	WAITED_MS=timeout
	return 1
}
# wait_logs CID REGEX LIMIT_S
wait_logs() {
	local t0
	t0=$(now_ms)
	while [ $(($(now_ms) - t0)) -lt $(($3 * 1000)) ]; do
		docker logs "$1" 2>&1 | grep -Eq -- "$2" && return 0
		sleep 0.1
	done
	return 1
}
# wait_cmd LIMIT_S CMD...: like wait_for, but at a pace Docker can bear.
wait_cmd() {
	local t0 limit=$1
	shift
	t0=$(now_ms)
	while [ $(($(now_ms) - t0)) -lt $((limit * 1000)) ]; do
		"$@" >/dev/null 2>&1 && return 0
		sleep 0.2
	done
	return 1
}
# figure TEXT: a measurement, shown now and in the runner's summary.
figure() {
	echo "  time $*"
	echo "$TFILE: $*" >>"$FIGURES"
}
# within NAME LO HI GOT: LO <= GOT <= HI (integers; GOT may be "timeout").
within() {
	case $4 in
	'' | *[!0-9]*) fail "$1" "got '$4', want $2..$3" ;;
	*) if [ "$4" -ge "$2" ] && [ "$4" -le "$3" ]; then pass "$1"
	   else fail "$1" "$4 not in $2..$3"; fi ;;
	esac
}
