#!/bin/bash
# SPDX-License-Identifier: MIT
# Run under the name of tini, docker-init or dumb-init, vigil takes that
# peer's defaults and manners (README: compatibility table); under any
# other name, its own. Every feature works under every name.
. "$(dirname "$0")/lib.sh"
H=$HELPERS
PY=python3
mkdir -p "$T/bin"
chmod 755 "$T" "$T/bin"
for n in tini docker-init dumb-init vigil; do ln -s "$VIGIL" "$T/bin/$n"; done
as() { local n=$1; shift; "$T/bin/$n" "$@"; }
pid1_as() { local n=$1; shift
	unshare --pid --fork --mount-proc --kill-child "$T/bin/$n" "$@"; }

# --- usage, verbosity, exec failures ---------------------------------------
for n in tini docker-init dumb-init; do
	as $n --bogus -- true >/dev/null 2>&1
	expect "$n: bad usage exits 1" 1 $?
done
as vigil --bogus -- true >/dev/null 2>&1
expect "vigil: bad usage exits 2" 2 $?
for n in tini docker-init dumb-init; do
	err=$(pid1_as $n -- sh -c 'exit 3' 2>&1 >/dev/null); rc=$?
	expect "$n: the child's code" 3 "$rc"
	expect "$n: warnings and errors only by default" "" "$err"
done
err=$(pid1_as vigil -- true 2>&1 >/dev/null)
expect_match "vigil: info lines by default" 'msg="child started"' "$err"
pid1_as tini -- /nonexistent 2>/dev/null; expect "tini: a missing command exits 127" 127 $?
pid1_as dumb-init -- /nonexistent 2>/dev/null; expect "dumb-init: a missing command exits 2" 2 $?
err=$(DUMB_INIT_DEBUG=1 pid1_as dumb-init -- true 2>&1)
expect_match "dumb-init: DUMB_INIT_DEBUG=1 turns on debug lines" 'level=debug' "$err"
err=$(pid1_as dumb-init -v -- true 2>&1)
expect_match "dumb-init: -v is debug" 'level=debug' "$err"

# --- tini: the subreaper on request, the warning otherwise ------------------
err=$(as tini -- true 2>&1)
expect_match "tini not PID 1: warns that orphans will not be reaped" 'not a subreaper' "$err"
err=$(as tini -s -- true 2>&1)
expect "tini -s: no warning" "" "$err"
err=$(TINI_SUBREAPER=1 as tini -- true 2>&1)
expect "TINI_SUBREAPER: no warning" "" "$err"
err=$(as vigil -q -- true 2>&1)
expect "vigil not PID 1: a subreaper by itself" "" "$err"

# --- tini keeps the signal mask and ignored signals it was given ----------
sigstate() { $PY -c "
import os, signal, sys
signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGUSR1})
signal.signal(signal.SIGUSR2, signal.SIG_IGN)
os.execv(sys.argv[1], sys.argv[1:])" "$T/bin/$1" -- grep -E '^Sig(Blk|Ign):' /proc/self/status |
	    awk '{ b = strtonum("0x" $2) } 0 { } { print $1, $2 }'; }
bits() { $PY -c "
import sys
blk = ign = 0
for l in sys.stdin:
    k, v = l.split()
    if k == 'SigBlk:': blk = int(v, 16)
    if k == 'SigIgn:': ign = int(v, 16)
print('usr1-blocked' if blk >> 9 & 1 else 'usr1-open', 'usr2-ignored' if ign >> 11 & 1 else 'usr2-default')"; }
state() { $PY -c "
import os, signal, sys
signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGUSR1})
signal.signal(signal.SIGUSR2, signal.SIG_IGN)
os.execv(sys.argv[1], sys.argv[1:])" "$T/bin/$1" -- grep -E '^Sig(Blk|Ign):' /proc/self/status | bits; }
expect "tini: the child keeps the inherited mask and SIG_IGN" "usr1-blocked usr2-ignored" "$(state tini)"
expect "vigil: the child gets a clean mask and defaults" "usr1-open usr2-default" "$(state vigil)"

# --- dumb-init: a session of its own, signals to its group ----------------
sid_of_child() { "$T/bin/$1" "${@:2}" -- sh -c 'read -r p c s pp g sid rest </proc/self/stat; [ "$sid" = $$ ] && echo own || echo shared'; }
expect "dumb-init: the child leads its own session" own "$(sid_of_child dumb-init)"
expect "dumb-init -c: the child stays in vigil's session" shared "$(sid_of_child dumb-init -c)"
expect "DUMB_INIT_SETSID=0: the same" shared "$(DUMB_INIT_SETSID=0 sid_of_child dumb-init)"
expect "tini: the child stays in vigil's session" shared "$(sid_of_child tini)"
group_test() {
	rm -f "$T/g" "$T/p"
	"$T/bin/$1" "${@:2}" -- $PY -c "
import os, signal, sys, time
if os.fork() == 0:
    os.execv('$H/sigrec', ['$H/sigrec', '$T/g'])
signal.signal(signal.SIGUSR1, lambda *a: open('$T/p', 'a').write('usr1\n'))
while True: time.sleep(1)" &
	local vp=$!
	wait_for 5 grep -q ready "$T/g"
	kill -USR1 "$vp"
	wait_for 5 test -s "$T/p"
	local got=$(grep -c ' 10$' "$T/g")
	kill -TERM "$vp"; wait_exit "$vp" 5
	echo "parent=$(grep -c usr1 "$T/p" 2>/dev/null) grandchild=$got"
}
expect "dumb-init: a signal reaches the child's whole group" "parent=1 grandchild=1" "$(group_test dumb-init)"
expect "dumb-init -c: the child alone" "parent=1 grandchild=0" "$(group_test dumb-init -c)"
expect "vigil: the child alone" "parent=1 grandchild=0" "$(group_test vigil -q)"

# --- dumb-init leaves its directory for /, the child starts where it was ---
out=$(cd "$T" && "$T/bin/dumb-init" -- sh -c 'echo "$(pwd) $(readlink /proc/$PPID/cwd)"')
expect "dumb-init: the child starts here, vigil sits in /" "$T /" "$out"

# --- Ctrl-Z in a shell suspends the whole job, fg resumes it -------------
out=$($PY - "$T/bin/dumb-init" <<'PYEOF'
import os, pty, select, sys, time
dinit = sys.argv[1]
pid, fd = pty.fork()
if pid == 0:
    os.execvp("bash", ["bash", "--norc", "--noprofile", "-i"])
buf = b""
def read_until(token, limit=10):
    global buf
    end = time.time() + limit
    while token not in buf and time.time() < end:
        r, _, _ = select.select([fd], [], [], 0.1)
        if r:
            try: buf += os.read(fd, 4096)
            except OSError: break
    return token in buf
def children(ppid):
    out = []
    for p in os.listdir("/proc"):
        if not p.isdigit(): continue
        try:
            s = open("/proc/%s/stat" % p).read()
        except OSError: continue
        f = s.rsplit(")", 1)[1].split()
        if int(f[1]) == ppid:
            out.append((int(p), f[0]))
    return out
def job():
    """The state of vigil (bash's child) and of its child."""
    v = children(pid)
    if len(v) != 1: return None
    c = children(v[0][0])
    if len(c) != 1: return None
    return v[0][1] + c[0][1]
def wait_state(want, limit=10):
    end = time.time() + limit
    while time.time() < end:
        if job() == want:
            return True
        time.sleep(0.05)
    return False
os.write(fd, b"PS1='$ '; echo re''ady\n")
read_until(b"ready")
os.write(fd, ("%s sleep 321\n" % dinit).encode())
wait_state("SS")
os.write(fd, b"\x1a")
stopped = wait_state("TT")
os.write(fd, b"fg\n")
resumed = wait_state("SS")
os.write(fd, b"\x03")
time.sleep(0.2)
os.write(fd, b"exit\n")
os.kill(pid, 9); os.waitpid(pid, 0)
print("stopped" if stopped else "not-stopped", "resumed" if resumed else "not-resumed")
PYEOF
)
expect "dumb-init: Ctrl-Z stops vigil and the child, fg resumes both" "stopped resumed" "$out"

# --- leftovers at exit: TERM, and no wait ----------------------------------
# (The leftover may die of the namespace's end before it can note the TERM:
# vigil's own line says it was sent.)
for n in tini dumb-init; do
	rm -f "$T/left"
	out=$(pid1_as $n -v -v -- "$H/leftover" "$T/left" --ignore-term --exit-code 4 2>&1); rc=$?
	expect "$n: exits with the child's code at once" 4 "$rc"
	expect_match "$n: the leftovers got TERM first" \
	    'msg="terminating leftover processes" signal=TERM' "$out"
	expect_no_match "$n: and no KILL from vigil" 'did not exit, killing' "$out"
done
rm -f "$T/left"
pid1_as vigil --orphan-grace 0 -- "$H/leftover" "$T/left" --ignore-term --exit-code 4 2>/dev/null
expect "vigil --orphan-grace 0: does not wait either" 4 $?

# --- every signal a user can send is passed on once, in every persona ------
sigs="1 5 6 7 8 10 11 12 13 14 16 17x 23 24 25 26 27 28 29 30 31 4 34 40 64"
for n in vigil tini dumb-init; do
	rm -f "$T/rec"
	extra=""; [ $n = dumb-init ] && extra="-c"
	unshare --pid --fork --mount-proc --kill-child "$T/bin/$n" $extra -- \
	    "$H/sigrec" "$T/rec" >"$T/log" 2>&1 &
	UNSHARE_PID=$!
	VP=$(vigil_pid)
	wait_for 5 grep -q ready "$T/rec"
	want=""
	for s in $sigs; do
		case $s in *x) continue ;; esac
		kill -s "$s" "$VP"
		wait_for 5 grep -q " $s\$" "$T/rec"
		want="$want$s "
	done
	kill -TERM "$VP"; wait_exit "$UNSHARE_PID" 5
	got=$(grep -v ready "$T/rec" | cut -d' ' -f2 | grep -v '^18$' | grep -v '^15$' | tr '\n' ' ')
	expect "$n: each signal passed on exactly once, faults from kill too" "$want" "$got"
done

# --- a SEGV sent to vigil (not PID 1) does not orphan the child -----------
rm -f "$T/rec"
"$T/bin/vigil" -q -- "$H/sigrec" "$T/rec" &
VP=$!
wait_for 5 grep -q ready "$T/rec"
kill -SEGV "$VP"
wait_for 5 grep -q ' 11$' "$T/rec"
kill -0 "$VP" 2>/dev/null
expect "kill -SEGV to vigil: vigil lives on" 0 $?
expect "and the child got the SEGV" 1 "$(grep -c ' 11$' "$T/rec")"
kill -TERM "$VP"; wait_exit "$VP" 5
expect "and a TERM still stops both" 0 "$RC"

# --- a storm of stop requests is a few log lines, not one per signal -------
rm -f "$T/rec"
pid1_bg "$T/log" -- "$H/sigrec" "$T/rec" --ignore 15
VP=$(vigil_pid)
wait_for 5 grep -q ready "$T/rec"
for i in $(seq 1 2000); do kill -TERM "$VP" 2>/dev/null; done
kill -KILL "$VP"; wait_exit "$UNSHARE_PID" 5
expect_le "2000 TERMs during a stop: at most a few log lines" 10 \
    "$(grep -c 'stop requested' "$T/log")"

# --- vigil's own features under every name ----------------------------------
mkdir -p "$T/w"; chmod 777 "$T/w"
for n in tini docker-init dumb-init; do
	rm -f "$T/health" "$T/w/runs"
	unshare --pid --fork --mount-proc --kill-child "$T/bin/$n" \
	    --state-file "$T/health" --probe "file://$T/w/runs" \
	    --probe-start-interval 100ms --restart on-failure \
	    --backoff-initial 100ms --user 65534 -- \
	    sh -c 'id -u >>'"$T"'/w/runs; [ $(wc -l <'"$T"'/w/runs) -ge 2 ] && exec sleep 60; exit 1' \
	    >"$T/log" 2>&1 &
	UNSHARE_PID=$!
	VP=$(vigil_pid)
	second_healthy() { grep -q '^restarts=1$' "$T/health" &&
	    grep -q '^status=healthy$' "$T/health"; }
	wait_for 20 second_healthy
	expect "$n: probes, restart, --user and the health file work" \
	    "healthy 1 65534" \
	    "$(sed -n 's/^status=//p' "$T/health") $(sed -n 's/^restarts=//p' "$T/health") $(head -n 1 "$T/w/runs")"
	kill -TERM "$VP"; wait_exit "$UNSHARE_PID" 10
done
