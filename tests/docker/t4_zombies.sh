#!/bin/bash
# SPDX-License-Identifier: MIT
# A HEALTHCHECK that leaves an orphan on every run (/orphan forks a child
# that outlives it by 300 ms). The exec'd check is a child of the runtime
# shim, outside the container, but its orphan is reparented to the
# container's PID 1. Under vigil none is left a zombie; under a PID 1 that
# does not reap (sigrec, as the control) they pile up.
#
# Zombies are counted inside the container (`docker exec C /zombies`, from
# /proc) and cross-checked from the host's /proc. `docker top` cannot see
# them here: it lists the container's cgroup, and on cgroup v1 a process
# leaves its cgroup when it exits, before it is reaped.
. "$(dirname "$0")/dlib.sh"

# checks_done CID N: Docker has run at least N checks (its log keeps 5).
checks_done() {
	local n
	n=$(dinspect "$1" '{{with .State.Health}}{{len .Log}}{{end}}')
	[ "${n:-0}" -ge "$2" ]
}
# host_zombies CID: zombie children of the container's PID 1, seen from
# the host.
host_zombies() {
	ps -o stat= --ppid "$(dinspect "$1" '{{.State.Pid}}')" |
	    grep -c '^Z'
}

V=$(drun "$IMG_ORPHANS" -w -- /sigrec)
N=$(drun --entrypoint /sigrec "$IMG_ORPHANS")
wait_cmd 30 checks_done "$V" 5
wait_cmd 30 checks_done "$N" 5
# Let the last orphans outlive their 300 ms.
sleep 1

out=$(docker exec "$V" /zombies)
rc=$?
figure "zombies under vigil after 5+ orphaning checks: $(echo "$out" | head -n 1)"
expect "under vigil: no zombie (docker exec /zombies)" 0 "$rc"
expect "under vigil: no zombie (host /proc)" 0 "$(host_zombies "$V")"
expect_ge "vigil -w logged the orphans it reaped" 5 \
    "$(dlog_count "$V" 'msg="reaped orphan"')"
expect "the checks themselves passed" healthy "$(dhealth "$V")"

out=$(docker exec "$N" /zombies)
rc=$?
figure "zombies under a non-reaping PID 1 (control): $(echo "$out" | head -n 1)"
expect "control: the non-reaping PID 1 collects zombies" 1 "$rc"
expect_ge "control: at least 4 of them" 4 \
    "$(echo "$out" | sed -n 's/^zombies=\([0-9]*\).*/\1/p')"
expect_ge "control: the host sees them too" 4 "$(host_zombies "$N")"
# Not an assertion: what docker top can see depends on the cgroup version.
figure "docker top lists $(docker top "$N" -o pid,stat,comm | awk '$2 ~ /^Z/' | wc -l) zombies for the control"
