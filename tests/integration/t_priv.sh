#!/bin/bash
# SPDX-License-Identifier: MIT
# Privileges of the child: --user, --caps, --no-new-privs, --seccomp and
# --seccomp-deny, checked from the child's side (its /proc/self/status and
# what the priv_probe helper may do), plus bad input, and that the workload
# can neither signal vigil nor forge its health file. Needs root.
. "$(dirname "$0")/lib.sh"
P=$HELPERS/priv_probe

if [ "$(id -u)" != 0 ]; then
	echo "  SKIP t_priv: needs root"
	exit 0
fi
# The helpers and $T must be reachable by the unprivileged users below, or
# "permission denied" would pass for the wrong reason.
chmod 0755 "$T"

# st STATUS KEY: the value of KEY in a /proc/PID/status text, blanks squeezed.
st() {
	printf '%s\n' "$1" |
	    awk -v k="$2:" '$1 == k { $1 = ""; sub(/^ +/, ""); print; exit }'
}
# nth TEXT KEY N: the value of the Nth "KEY: value" line.
nth() { printf '%s\n' "$1" | sed -n "s/^$2: //p" | sed -n "$3p"; }
# caps5 NAME STATUS WANT: all five capability sets equal WANT.
caps5() {
	local k
	for k in CapInh CapPrm CapEff CapBnd CapAmb; do
		expect "$1: $k" "$3" "$(st "$2" $k)"
	done
}
# pid1_net ARGS...: pid1 in a fresh network namespace too, where
# ip_unprivileged_port_start is the kernel's 1024 whatever the host says.
pid1_net() {
	unshare --net --pid --fork --mount-proc --kill-child "$VIGIL" "$@"
}
# pid1_env NAME=VALUE ARGS...: pid1 with one more environment variable.
pid1_env() {
	local kv=$1; shift
	env "$kv" unshare --pid --fork --mount-proc --kill-child "$VIGIL" "$@"
}
# pid1_etc PASSWD GROUP ARGS...: pid1 with these files mounted over
# /etc/passwd and /etc/group, as an image would carry its own.
pid1_etc() {
	local pw=$1 gr=$2; shift 2
	unshare --mount --propagation private sh -c '
		mount --bind "$1" /etc/passwd && mount --bind "$2" /etc/group &&
		shift 2 &&
		exec unshare --pid --fork --mount-proc --kill-child "$@"
	' sh "$pw" "$gr" "$VIGIL" "$@"
}

# --- root with --caps none -----------------------------------------------
out=$(pid1 --caps none -- cat /proc/self/status 2>/dev/null)
expect "caps none: still root" "0 0 0 0" "$(st "$out" Uid)"
caps5 "caps none" "$out" 0000000000000000
out=$(pid1 -- cat /proc/self/status 2>/dev/null)
expect_no_match "without --caps root keeps its capabilities" \
    '^0+$' "$(st "$out" CapEff)"

# --- a non-root user keeping one capability -------------------------------
out=$(pid1_net --user nobody --caps net_bind_service -- \
    sh -c "cat /proc/self/status; $P bind 80" 2>/dev/null)
expect "user+caps: uid" "65534 65534 65534 65534" "$(st "$out" Uid)"
expect "user+caps: gid" "65534 65534 65534 65534" "$(st "$out" Gid)"
caps5 "user+caps" "$out" 0000000000000400
expect "user+caps: nobody binds port 80" ok "$(st "$out" bind)"
out=$(pid1_net --user nobody -- sh -c "cat /proc/self/status; $P bind 80" \
    2>/dev/null)
expect "plain --user: no capabilities left" 0000000000000000 \
    "$(st "$out" CapEff)"
expect "plain --user: nobody cannot bind port 80" EACCES "$(st "$out" bind)"
out=$(pid1 --user nobody --caps NET_BIND_SERVICE,cap_kill -- \
    cat /proc/self/status 2>/dev/null)
caps5 "caps in any case, with cap_" "$out" 0000000000000420

# --- a numeric uid without a passwd entry --------------------------------
# shellcheck disable=SC2016
ENVLINE='echo "Env: HOME=$HOME USER=${USER-unset} LOGNAME=${LOGNAME-unset}"'
out=$(USER=root LOGNAME=root HOME=/root pid1 --user 4242 -- sh -c \
    "cat /proc/self/status; $ENVLINE" 2>/dev/null)
expect "uid 4242: uid" "4242 4242 4242 4242" "$(st "$out" Uid)"
expect "uid 4242: gid 0, as Docker gives it" "0 0 0 0" "$(st "$out" Gid)"
expect "uid 4242: groups" "0" "$(st "$out" Groups)"
expect "uid 4242: no capabilities" 0000000000000000 "$(st "$out" CapPrm)"
expect "uid 4242: HOME=/, USER and LOGNAME unset" \
    "HOME=/ USER=unset LOGNAME=unset" "$(st "$out" Env)"
out=$(pid1 --user 4242:4343 -- cat /proc/self/status 2>/dev/null)
expect "uid:gid numbers" "4343 4343 4343 4343" "$(st "$out" Gid)"
out=$(VIGIL_USER=4242 pid1 -- cat /proc/self/status 2>/dev/null)
expect "VIGIL_USER works like --user" "4242 4242 4242 4242" \
    "$(st "$out" Uid)"

# --- names from /etc/passwd and /etc/group, supplementary groups ----------
cat >"$T/passwd" <<'EOF'
root:x:0:0:root:/root:/bin/sh
alice:x:1234:1234:Alice:/home/alice:/bin/sh
nobody:x:65534:65534:nobody:/nonexistent:/bin/false
EOF
cat >"$T/group" <<'EOF'
root:x:0:
alice:x:1234:
devs:x:2000:bob,alice
ops:x:3000:alice
nogroup:x:65534:
EOF
out=$(pid1_etc "$T/passwd" "$T/group" --user alice -- sh -c \
    "cat /proc/self/status; $ENVLINE" 2>/dev/null)
expect "alice: uid" "1234 1234 1234 1234" "$(st "$out" Uid)"
expect "alice: gid" "1234 1234 1234 1234" "$(st "$out" Gid)"
expect "alice: supplementary groups from /etc/group" "1234 2000 3000" \
    "$(st "$out" Groups)"
expect "alice: HOME, USER, LOGNAME" \
    "HOME=/home/alice USER=alice LOGNAME=alice" "$(st "$out" Env)"
out=$(pid1_etc "$T/passwd" "$T/group" --user alice:ops -- \
    cat /proc/self/status 2>/dev/null)
expect "alice:ops: gid" "3000 3000 3000 3000" "$(st "$out" Gid)"
expect "alice:ops: the group is the only group" "3000" "$(st "$out" Groups)"
out=$(pid1_etc "$T/passwd" "$T/group" --user 1234 -- \
    cat /proc/self/status 2>/dev/null)
expect "uid 1234 is alice, groups and all" "1234 2000 3000" \
    "$(st "$out" Groups)"

# --- bad input: exit 2, one reason, nothing started ----------------------
cat >"$T/bad.list" <<'EOF'
# one good, one bad
mount
frobnicate
EOF
bad() {
	local name=$1 reason=$2; shift 2
	local err rc
	rm -f "$T/marker"
	err=$("$@" -- touch "$T/marker" 2>&1 >/dev/null); rc=$?
	expect "$name: exit 2" 2 "$rc"
	expect "$name: the reason, once" 1 \
	    "$(printf '%s\n' "$err" | grep -cF -- "$reason")"
	expect_no_match "$name: no child started" 'msg=' "$err"
	expect "$name: the command never ran" no \
	    "$([ -e "$T/marker" ] && echo yes || echo no)"
}
bad "unknown user" "unknown user 'bob'" pid1 --user bob
bad "unknown group" "unknown group 'nogroupx'" pid1 --user nobody:nogroupx
bad "bad user syntax" "bad user '1x'" pid1 --user 1x
bad "missing group" "missing group" pid1 --user nobody:
bad "unknown cap" "unknown capability 'foo'" pid1 --caps net_raw,foo
bad "unknown syscall" "unknown syscall 'frobnicate'" pid1 \
    --seccomp-deny mount,frobnicate
bad "unknown syscall in a file" "bad.list:3: unknown syscall 'frobnicate'" \
    pid1 --seccomp "@$T/bad.list"
bad "missing seccomp file" "seccomp file '$T/missing'" pid1 \
    --seccomp "@$T/missing"
printf 'mount\nset\000ns\n' >"$T/nul.list"
bad "a NUL byte in a seccomp file" "nul.list:2: NUL byte" pid1 \
    --seccomp "@$T/nul.list"
bad "an endless seccomp file" "seccomp file '/dev/zero': larger than 64 KiB" \
    pid1 --seccomp @/dev/zero
bad "unknown seccomp profile" "unknown seccomp profile 'strict'" pid1 \
    --seccomp strict
bad "VIGIL_USER is checked too" "unknown user 'bob'" pid1_env VIGIL_USER=bob
bad "VIGIL_CAPS is checked too" "unknown capability 'foo'" \
    pid1_env VIGIL_CAPS=foo

# --- vigil's settings stay out of the workload's environment -------------
# The redis password reaches vigil as VIGIL_PROBE; the child's own
# /proc/self/environ (read by cat, not through a redirect, which would be
# the shell's) must hold none of VIGIL_*, TINI_*, DUMB_INIT_*.
ENVSH='cat /proc/self/environ | tr "\000" "\n" | grep -E "^(KEEP|VIGIL_|TINI_|DUMB_INIT_)" | sort | tr "\n" " "; echo'
for u in "" "--user nobody"; do
	# shellcheck disable=SC2086
	out=$(env KEEP=1 VIGIL_PROBE='redis://:s3cret@127.0.0.1:1' \
	    VIGIL_PROBE_INTERVAL=1h TINI_KILL_PROCESS_GROUP=1 \
	    DUMB_INIT_SETSID=0 VIGIL_X_UNKNOWN=1 \
	    unshare --pid --fork --mount-proc --kill-child "$VIGIL" $u -- \
	    sh -c "$ENVSH" 2>/dev/null)
	expect "child environment${u:+ ($u)}: no VIGIL_, TINI_, DUMB_INIT_" \
	    "KEEP=1 " "$out"
done

# --- the workload cannot signal vigil ------------------------------------
out=$(pid1 --user nobody -- "$P" kill 1 15 2>/dev/null)
expect "nobody: kill -TERM 1 is refused" EPERM "$(st "$out" kill)"
out=$(pid1 --user nobody -- sh -c 'kill -TERM 1 2>/dev/null; echo "rc: $?"' \
    2>/dev/null)
expect "nobody: sh's kill -TERM 1 fails" 1 "$(st "$out" rc)"
out=$(pid1 -- "$P" kill 1 0 2>/dev/null)
expect "root may signal vigil (so the check above can fail)" ok \
    "$(st "$out" kill)"

# --- the workload cannot write or replace the health file -----------------
H=$T/state/health
out=$(pid1 --state-file "$H" --user nobody -- \
    "$P" wait "$H" 5 stat "$T/state" stat "$H" read "$H" write "$H" \
    replace "$H" 2>/dev/null)
expect "health file exists for the workload" ok "$(st "$out" wait)"
expect "state directory 0755 root" "755 0" "$(nth "$out" stat 1)"
expect "health file 0644 root" "644 0" "$(nth "$out" stat 2)"
expect "nobody may read it" ok "$(st "$out" read)"
expect "nobody cannot write it" EACCES "$(st "$out" write)"
expect "nobody cannot create a file next to it" EACCES "$(st "$out" create)"
expect "nobody cannot rename a file over it" EACCES "$(st "$out" rename)"
expect_match "it still holds vigil's state" '^status=' "$(cat "$H" 2>&1)"
out=$(pid1 --state-file "$H" -- "$P" wait "$H" 5 write "$H" 2>/dev/null)
expect "root could write it (so the checks above can fail)" ok \
    "$(st "$out" write)"

# --- no_new_privs and seccomp --------------------------------------------
out=$(pid1 --no-new-privs -- cat /proc/self/status 2>/dev/null)
expect "--no-new-privs" 1 "$(st "$out" NoNewPrivs)"
expect "--no-new-privs alone loads no filter" 0 "$(st "$out" Seccomp)"
out=$(pid1 -- cat /proc/self/status 2>/dev/null)
expect "no no_new_privs by default" 0 "$(st "$out" NoNewPrivs)"

if san; then
	echo "  SKIP seccomp cases: sanitizer build"
	exit 0
fi
mkdir -p "$T/mnt"
out=$(pid1 -- "$P" unshare mount "$T/mnt" 2>/dev/null)
expect "without a filter root may unshare" ok "$(st "$out" unshare)"
expect "without a filter root may mount" ok "$(st "$out" mount)"

out=$(pid1 --seccomp default -- sh -c \
    "cat /proc/self/status; $P unshare mount $T/mnt; echo 'echo: ok'" \
    2>/dev/null)
expect "seccomp default: filter loaded" 2 "$(st "$out" Seccomp)"
expect "seccomp default: implies no_new_privs" 1 "$(st "$out" NoNewPrivs)"
expect "seccomp default: unshare fails with EPERM" EPERM \
    "$(st "$out" unshare)"
expect "seccomp default: mount fails with EPERM" EPERM "$(st "$out" mount)"
expect "seccomp default: the rest works" ok "$(st "$out" echo)"
pid1 --seccomp default -- unshare -u true >/dev/null 2>&1
expect_no_match "seccomp default: unshare(1) fails" '^0$' "$?"

out=$(pid1 --seccomp-deny mount -- "$P" unshare mount "$T/mnt" 2>/dev/null)
expect "--seccomp-deny mount: mount fails" EPERM "$(st "$out" mount)"
expect "--seccomp-deny mount: unshare still works" ok "$(st "$out" unshare)"

cat >"$T/deny.list" <<'EOF'
# namespaces only
unshare   # no new ones
setns
EOF
out=$(pid1 --seccomp "@$T/deny.list" -- "$P" unshare mount "$T/mnt" \
    2>/dev/null)
expect "@FILE: unshare fails" EPERM "$(st "$out" unshare)"
expect "@FILE: mount, not listed, works" ok "$(st "$out" mount)"
out=$(VIGIL_SECCOMP_DENY=mount pid1 -- "$P" mount "$T/mnt" 2>/dev/null)
expect "VIGIL_SECCOMP_DENY works like --seccomp-deny" EPERM \
    "$(st "$out" mount)"

# Everything at once, as a hardened image would run.
out=$(pid1_net --user nobody --caps net_bind_service --seccomp default -- \
    sh -c "cat /proc/self/status; $P bind 80 unshare" 2>/dev/null)
expect "all: uid" "65534 65534 65534 65534" "$(st "$out" Uid)"
caps5 "all" "$out" 0000000000000400
expect "all: filter" 2 "$(st "$out" Seccomp)"
expect "all: bind 80" ok "$(st "$out" bind)"
expect "all: unshare" EPERM "$(st "$out" unshare)"

# --- 32-bit callers meet the same list ------------------------------------
# i386 numbers through int $0x80: clock_settime64 is 404, clock_adjtime64
# 405, with a clock id no kernel knows, so that without a filter the call
# fails on its own (EINVAL, EFAULT) and never sets a clock.
I80="int80 getpid 20 0 0 int80 cs64 404 0x7fffffff 0 int80 ca64 405 0x7fffffff 0"
out=$(pid1 -- "$P" $I80 2>/dev/null)
if [ "$(st "$out" getpid)" != ok ]; then
	echo "  SKIP 32-bit cases: no int \$0x80 here"
else
	expect_no_match "no filter: clock_settime64 (i386) is not refused" \
	    '^EPERM$' "$(st "$out" cs64)"
	expect_no_match "no filter: clock_adjtime64 (i386) is not refused" \
	    '^EPERM$' "$(st "$out" ca64)"
	out=$(pid1 --seccomp default -- "$P" $I80 2>/dev/null)
	expect "seccomp default: i386 getpid still works" ok \
	    "$(st "$out" getpid)"
	expect "seccomp default: i386 clock_settime64 fails with EPERM" EPERM \
	    "$(st "$out" cs64)"
	expect "seccomp default: i386 clock_adjtime64 fails with EPERM" EPERM \
	    "$(st "$out" ca64)"
fi

# --- no namespaces through clone or clone3 --------------------------------
out=$(pid1 -- "$P" clone_ns 2>/dev/null)
expect "no filter: root may clone new namespaces" ok "$(st "$out" clone_ns)"
expect "no filter: root may clone3 new namespaces" ok \
    "$(st "$out" clone3_ns)"
out=$(pid1 --seccomp default -- "$P" clone_ns 2>/dev/null)
expect "seccomp default: clone(NEWUSER|NEWNET) fails with EPERM" EPERM \
    "$(st "$out" clone_ns)"
expect "seccomp default: clone3 fails with ENOSYS" ENOSYS \
    "$(st "$out" clone3_ns)"
expect "seccomp default: plain clone3 too (libcs fall back)" ENOSYS \
    "$(st "$out" clone3)"
expect "seccomp default: plain clone still works" ok "$(st "$out" clone)"
out=$(pid1 --seccomp default -- sh -c 'sh -c "echo forked: ok" & wait' \
    2>/dev/null)
expect "seccomp default: a shell still forks" ok "$(st "$out" forked)"

# --- the probe sandbox, seen from outside a probe in flight ---------------
# A peer that accepts and never answers holds an http probe inside its
# process for as long as the probe timeout; /proc tells what it runs as.
cat >"$T/slow.py" <<'PY'
import socket, sys, time
s = socket.socket()
s.bind(("127.0.0.1", 0))
s.listen(16)
open(sys.argv[1] + ".tmp", "w").write(str(s.getsockname()[1]))
__import__("os").rename(sys.argv[1] + ".tmp", sys.argv[1])
conns = []
while True:
	c, _ = s.accept()
	conns.append(c)
PY
python3 "$T/slow.py" "$T/slow.port" &
SLOW_PID=$!
trap 'kill $SLOW_PID 2>/dev/null; rm -rf "$T"' EXIT
wait_for 10 test -s "$T/slow.port"
SLOW=$(cat "$T/slow.port")

# probe_pid: the host pid of vigil's probe process (named "vigil probe
# SPEC", its comm cut to 15 bytes), or nothing.
probe_pid() {
	local v=$1 c
	for c in $(pgrep -P "$v"); do
		case "$(cat /proc/"$c"/comm 2>/dev/null)" in
		"vigil probe"*) echo "$c" ;;
		esac
	done | head -n 1
}
# sandbox_status NAME ARGS...: starts vigil ARGS as PID 1 with a probe to
# the silent peer and prints the probe process's /proc status.
sandbox_status() {
	local v p=
	pid1_bg "$T/sbx.log" --probe "http://127.0.0.1:$SLOW/" \
	    --probe-timeout 20s --probe-interval 30s "$@" -- sleep 60
	if v=$(vigil_pid); then
		wait_for 10 sh -c "pgrep -P $v | while read c; do
		    grep -q '^vigil probe' /proc/\$c/comm && exit 0; done; exit 1"
		p=$(probe_pid "$v")
		[ -n "$p" ] && cat /proc/"$p"/status 2>/dev/null
	fi
	kill -TERM "$UNSHARE_PID" 2>/dev/null
	wait_exit "$UNSHARE_PID" 10
}
out=$(sandbox_status)
expect "sandbox: probe uid 65534" "65534 65534 65534 65534" "$(st "$out" Uid)"
expect "sandbox: probe gid 65534" "65534 65534 65534 65534" "$(st "$out" Gid)"
expect "sandbox: no supplementary groups" "" "$(st "$out" Groups)"
caps5 "sandbox" "$out" 0000000000000000
expect "sandbox: no_new_privs" 1 "$(st "$out" NoNewPrivs)"
expect "sandbox: seccomp filter" 2 "$(st "$out" Seccomp)"
out=$(sandbox_status --user 4242:4343)
expect "sandbox: the child's --user by default" "4242 4242 4242 4242" \
    "$(st "$out" Uid)"
expect "sandbox: and its group" "4343 4343 4343 4343" "$(st "$out" Gid)"
out=$(sandbox_status --user 4242:4343 --probe-user 5000:5001)
expect "sandbox: --probe-user beats --user" "5000 5000 5000 5000" \
    "$(st "$out" Uid)"
expect "sandbox: --probe-user group" "5001 5001 5001 5001" "$(st "$out" Gid)"
out=$(VIGIL_PROBE_USER=5002 sandbox_status)
expect "sandbox: VIGIL_PROBE_USER, gid 65534 for a bare number" \
    "5002 65534" "$(st "$out" Uid | cut -d' ' -f1) $(st "$out" Gid |
    cut -d' ' -f1)"
out=$(sandbox_status --probe-user 0)
expect "sandbox: --probe-user 0 keeps uid 0" "0 0 0 0" "$(st "$out" Uid)"
caps5 "sandbox as uid 0" "$out" 0000000000000000
expect "sandbox as uid 0: still filtered" 2 "$(st "$out" Seccomp)"
bad "unknown probe user" "unknown user 'nosuchuser'" pid1 \
    --probe-user nosuchuser

# Exec probes keep the child's privileges: here none changed, no filter.
# The command runs under the probe's group keeper, a child of vigil.
pid1_bg "$T/sbx.log" --probe "exec:sleep 20" --probe-timeout 20s -- sleep 60
grandkids() { pgrep -P "$(pgrep -P "$1" | paste -sd, -)" -x sleep; }
if v=$(vigil_pid); then
	wait_for 10 sh -c "for c in \$(pgrep -P \$(pgrep -P $v | paste -sd, -) -x sleep); do
	    [ \"\$(cat /proc/\$c/cmdline | tr '\\000' ' ')\" = 'sleep 20 ' ] &&
	    exit 0; done; exit 1"
	out=
	for c in $(grandkids "$v"); do
		[ "$(tr '\000' ' ' </proc/"$c"/cmdline)" = "sleep 20 " ] &&
		    out=$(cat /proc/"$c"/status)
	done
	expect "exec probe: not sandboxed, uid 0" "0 0 0 0" "$(st "$out" Uid)"
	expect "exec probe: no filter of its own" 0 "$(st "$out" Seccomp)"
fi
kill -TERM "$UNSHARE_PID" 2>/dev/null
wait_exit "$UNSHARE_PID" 10
