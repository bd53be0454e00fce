#!/bin/sh
# SPDX-License-Identifier: MIT
# Run first by `make check`: the integration and example suites run vigil as
# PID 1 of new namespaces and switch to other users, so without root, PID and
# network namespaces and setuid every test would fail on its own. This says
# once what is missing and how to get it, and stops.
# Usage: scripts/check-env.sh   (silent and 0 when all is there)

# missing WHAT HOW: the one line, then stop.
missing() {
	echo "make check: $1; $2" >&2
	exit 1
}
# try CMD...: runs CMD; on failure ERR is the first line it printed.
try() {
	ERR=$("$@" 2>&1 >/dev/null) && return 0
	ERR=$(printf '%s\n' "$ERR" | head -n 1)
	return 1
}
CONTAINER="in a container, run it with --privileged (or at least"
CONTAINER="$CONTAINER --cap-add SYS_ADMIN --security-opt seccomp=unconfined),"
CONTAINER="$CONTAINER or use a VM"

[ "$(id -u)" = 0 ] || missing "needs root (uid is $(id -u))" \
    "run it as root (sudo make check); under unshare --user, --map-root-user"
for tool in unshare setpriv nsenter; do
	command -v "$tool" >/dev/null 2>&1 ||
	    missing "$tool is missing" "install util-linux (make deps)"
done
try unshare --pid --fork --mount-proc true ||
    missing "cannot make a PID namespace ('unshare --pid --fork --mount-proc true': $ERR)" \
	"$CONTAINER"
try unshare --net true ||
    missing "cannot make a network namespace ('unshare --net true': $ERR)" \
	"$CONTAINER"
nobody="setpriv --reuid=65534 --regid=65534 --clear-groups true"
# shellcheck disable=SC2086
if ! try $nobody; then
	case $ERR in
	*"Invalid argument"*)
		how="uid 65534 is not mapped in this user namespace: use real root"
		how="$how on the host, a VM or a plain container" ;;
	*)
		how="the tests need CAP_SETUID and CAP_SETGID: do not drop them"
		how="$how (docker run --cap-drop), or use a VM" ;;
	esac
	missing "cannot switch to user nobody ('$nobody': $ERR)" "$how"
fi
exit 0
