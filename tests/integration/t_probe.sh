#!/bin/bash
# SPDX-License-Identifier: MIT
# `vigil probe` against real peers on 127.0.0.1: a TCP listener, python's
# http.server and scripted HTTP/redis/postgres stand-ins, redis-server with
# and without a password, a real postgres when installed, a unix socket,
# heartbeat files, exec probes that pass, fail, hang and flood; bad specs;
# and the static binary resolving a name from /etc/hosts inside a chroot.
. "$(dirname "$0")/lib.sh"
# Network and file probes run sandboxed as 65534: their fixtures in $T
# must be reachable by that user.
chmod 0755 "$T"

PIDS=()
PGDATA_DIR=
cleanup() {
	local p
	for p in "${PIDS[@]}"; do
		kill -KILL "$p" 2>/dev/null
		wait "$p" 2>/dev/null
	done
	if [ -n "$PGDATA_DIR" ] && [ -f "$PGDATA_DIR/postmaster.pid" ]; then
		p=$(head -n 1 "$PGDATA_DIR/postmaster.pid")
		kill -QUIT "$p" 2>/dev/null
		for _ in $(seq 1 100); do
			kill -0 "$p" 2>/dev/null || break
			sleep 0.05
		done
		kill -KILL "$p" 2>/dev/null
	fi
	rm -rf "$T"
}
trap cleanup EXIT
skip() { echo "  SKIP $1"; }

# free_port: a port in 20000-39999 with no TCP socket on it, not handed out
# before by this file.
USED=" "
free_port() {
	local p
	for _ in $(seq 1 100); do
		p=$((20000 + RANDOM % 20000))
		case $USED in *" $p "*) continue ;; esac
		if [ -z "$(ss -Htan "sport = :$p" 2>/dev/null)" ]; then
			USED="$USED$p "
			echo "$p"
			return 0
		fi
	done
	return 1
}

# probe ARGS...: runs `vigil probe ARGS`; sets OUT, ERR, RC and MS.
probe() {
	local t0
	t0=$(now_ms)
	OUT=$("$VIGIL" probe "$@" 2>"$T/stderr")
	RC=$?
	MS=$(($(now_ms) - t0))
	ERR=$(cat "$T/stderr")
}

# The scripted peers, all in one python process: each NAME=PORT argument
# opens a listener that behaves as NAME describes.
cat >"$T/peers.py" <<'EOF'
import os, socket, struct, sys, threading, time

def recv_head(c):
    data = b""
    while b"\r\n\r\n" not in data:
        d = c.recv(4096)
        if not d:
            break
        data += d
    return data

def http(c, port):
    head = recv_head(c).decode("latin-1")
    lines = head.split("\r\n")
    path = lines[0].split(" ")[1] if " " in lines[0] else "/"
    host = [l[6:] for l in lines if l.lower().startswith("host: ")]
    if path == "/500":
        status = "500 Internal Server Error"
    elif path == "/302":
        status = "302 Found\r\nLocation: /elsewhere"
    elif path == "/host":
        # Passes only when the probe sent the Host header from its URL.
        ok = host == ["localhost:%d" % port]
        status = "200 OK" if ok else "400 Bad Host %r" % host
    else:
        status = "200 OK"
    c.sendall(("HTTP/1.1 %s\r\nContent-Length: 0\r\n\r\n" % status).encode())

def silent(c, port):
    time.sleep(3600)

def loading(c, port):
    c.recv(4096)
    c.sendall(b"-LOADING Redis is loading the dataset in memory\r\n")
    c.recv(4096)

def pgstarting(c, port):
    c.recv(4096)
    body = (b"SFATAL\0VFATAL\0C57P03\0"
            b"Mthe database system is starting up\0\0")
    c.sendall(b"E" + struct.pack("!I", len(body) + 4) + body)

def accept_only(c, port):
    c.recv(4096)

def serve(s, fn, port):
    while True:
        c, _ = s.accept()
        def run(c=c):
            try:
                fn(c, port)
            except OSError:
                pass
            finally:
                c.close()
        threading.Thread(target=run, daemon=True).start()

kinds = {"http": http, "silent": silent, "loading": loading,
         "pgstarting": pgstarting, "tcp": accept_only,
         "tcp6": accept_only, "unix": accept_only}
threads = []
for arg in sys.argv[2:]:
    name, where = arg.split("=", 1)
    if name == "unix":
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        s.bind(where)
        os.chmod(where, 0o777)
        port = 0
    elif name == "tcp6":
        s = socket.socket(socket.AF_INET6, socket.SOCK_STREAM)
        s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 1)
        port = int(where)
        s.bind(("::1", port))
    else:
        s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        port = int(where)
        s.bind(("127.0.0.1", port))
    s.listen(64)
    t = threading.Thread(target=serve, args=(s, kinds[name], port),
                         daemon=True)
    t.start()
open(sys.argv[1], "w").close()
while True:
    time.sleep(3600)
EOF

P_TCP=$(free_port); P_HTTP=$(free_port); P_SILENT=$(free_port)
P_LOADING=$(free_port); P_PGSTART=$(free_port); P_CLOSED=$(free_port)
P_PYHTTP=$(free_port); P_REDIS=$(free_port); P_REDISPW=$(free_port)
P_TCP6=$(free_port)
peers=(tcp="$P_TCP" http="$P_HTTP" silent="$P_SILENT" loading="$P_LOADING"
    pgstarting="$P_PGSTART" unix="$T/app.sock")
# An IPv6 listener only where the loopback has IPv6.
if python3 -c 'import socket; socket.socket(socket.AF_INET6).bind(("::1", 0))' \
    2>/dev/null; then
	peers+=(tcp6="$P_TCP6")
else
	P_TCP6=
fi
python3 "$T/peers.py" "$T/peers.ready" "${peers[@]}" >"$T/peers.log" 2>&1 &
PIDS+=($!)
mkdir "$T/www" && echo hello >"$T/www/index.html"
python3 -m http.server "$P_PYHTTP" --bind 127.0.0.1 --directory "$T/www" \
    >"$T/pyhttp.log" 2>&1 &
PIDS+=($!)
redis-server --port "$P_REDIS" --bind 127.0.0.1 --save '' --appendonly no \
    --daemonize no >"$T/redis.log" 2>&1 &
PIDS+=($!)
REDIS_PW='s3cret:p@ss'
redis-server --port "$P_REDISPW" --bind 127.0.0.1 --save '' \
    --appendonly no --daemonize no --requirepass "$REDIS_PW" \
    >"$T/redispw.log" 2>&1 &
PIDS+=($!)
wait_for 10 test -e "$T/peers.ready" ||
    fail "peers start" "$(cat "$T/peers.log")"
up() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
wait_for 10 up "$P_PYHTTP" || fail "http.server start" "$(cat "$T/pyhttp.log")"
wait_for 10 up "$P_REDIS" || fail "redis start" "$(cat "$T/redis.log")"
wait_for 10 up "$P_REDISPW" || fail "redis start" "$(cat "$T/redispw.log")"

# --- tcp -----------------------------------------------------------------
probe "tcp://127.0.0.1:$P_TCP"
expect "tcp to a listener passes" 0 "$RC"
a=127.0.0.1:$P_TCP
expect_match "tcp reports where it connected" \
    "^ok   tcp://$a: connected to $a in [0-9]+ms\$" "$OUT"
probe "tcp://127.0.0.1:$P_CLOSED"
expect "tcp to a closed port fails" 1 "$RC"
a=127.0.0.1:$P_CLOSED
expect "tcp to a closed port says why" \
    "fail tcp://$a: connect $a: Connection refused" "$OUT"
# localhost may resolve to ::1 first (musl does so): every address is tried.
probe "tcp://localhost:$P_TCP"
expect "tcp to a name passes when any address listens" 0 "$RC"
expect_match "tcp to a name connects to 127.0.0.1" \
    "connected to 127.0.0.1:$P_TCP" "$OUT"
if [ -n "$P_TCP6" ]; then
	probe "tcp://[::1]:$P_TCP6"
	expect "tcp to an IPv6 literal passes" 0 "$RC"
	expect_match "tcp to an IPv6 literal reports it" \
	    "connected to \[::1\]:$P_TCP6" "$OUT"
else
	skip "IPv6 literal: no IPv6 on the loopback"
fi

# --- http ----------------------------------------------------------------
probe "http://127.0.0.1:$P_PYHTTP/"
expect "http.server 200 passes" 0 "$RC"
expect_match "http reports the status and time" \
    "^ok   http://127.0.0.1:$P_PYHTTP/: HTTP 200 in [0-9]+ms\$" "$OUT"
probe "http://localhost:$P_PYHTTP"
expect "http without a path asks for /" 0 "$RC"
probe "http://127.0.0.1:$P_PYHTTP/no-such-page"
expect "http 404 fails" 1 "$RC"
expect_match "http 404 is reported" "HTTP 404 in" "$OUT"
probe "http://127.0.0.1:$P_HTTP/500"
expect "http 500 fails" 1 "$RC"
expect_match "http 500 is reported" \
    "^fail http://127.0.0.1:$P_HTTP/500: HTTP 500 in [0-9]+ms\$" "$OUT"
probe "http://127.0.0.1:$P_HTTP/302"
expect "http 302 passes (not followed)" 0 "$RC"
expect_match "http 302 is reported" "HTTP 302 in" "$OUT"
probe "http://localhost:$P_HTTP/host"
expect "http sends Host from the URL" 0 "$RC"
probe "http://127.0.0.1:$P_CLOSED/"
expect "http to a closed port fails" 1 "$RC"
expect_match "http to a closed port says why" "Connection refused" "$OUT"
# A peer that accepts and never answers: killed at the timeout, promptly.
probe --timeout 500ms "http://127.0.0.1:$P_SILENT/"
expect "http to a silent peer fails" 1 "$RC"
expect_match "http to a silent peer times out" \
    "^fail http://127.0.0.1:$P_SILENT/: timeout after 500ms" "$OUT"
expect_le "timeout 500ms returns within 1.5s" 1500 "$MS"
expect_ge "timeout 500ms waits for the timeout" 450 "$MS"
sleep 0.1
expect "no probe process outlives vigil probe" "" \
    "$(pgrep -f "probe --timeout 500ms http://127.0.0.1:$P_SILENT/")"

# --- redis ---------------------------------------------------------------
probe "redis://127.0.0.1:$P_REDIS"
expect "redis PONG passes" 0 "$RC"
expect_match "redis reports PONG" \
    "^ok   redis://127.0.0.1:$P_REDIS: PONG in [0-9]+ms\$" "$OUT"
probe "redis://localhost:$P_REDIS/0"
expect "redis by name with a database passes" 0 "$RC"
pw_url=$(python3 -c 'import sys, urllib.parse
print(urllib.parse.quote(sys.argv[1], safe=""))' "$REDIS_PW")
probe "redis://:$pw_url@127.0.0.1:$P_REDISPW"
expect "redis AUTH with the right password passes" 0 "$RC"
expect_match "redis AUTH shows the spec masked" \
    "^ok   redis://:\*\*\*@127.0.0.1:$P_REDISPW: PONG" "$OUT"
expect_no_match "redis AUTH never shows the password" "s3cret" "$OUT$ERR"
probe "redis://127.0.0.1:$P_REDISPW"
expect "redis without a password fails" 1 "$RC"
expect_match "redis without a password shows NOAUTH" \
    "^fail redis://127.0.0.1:$P_REDISPW: redis: -NOAUTH" "$OUT"
probe "redis://:wrong@127.0.0.1:$P_REDISPW"
expect "redis with a wrong password fails" 1 "$RC"
expect_match "redis with a wrong password shows the error" \
    "redis: -(WRONGPASS|ERR invalid password)" "$OUT"
expect_no_match "redis with a wrong password hides it" "wrong" "$OUT"
probe "redis://127.0.0.1:$P_LOADING"
expect "redis -LOADING fails" 1 "$RC"
expect_match "redis -LOADING is reported" \
    "redis: -LOADING Redis is loading the dataset in memory\$" "$OUT"
probe "redis://127.0.0.1:$P_CLOSED"
expect "redis on a closed port fails" 1 "$RC"

# --- postgres ------------------------------------------------------------
probe "postgres://127.0.0.1:$P_PGSTART"
expect "postgres 57P03 fails" 1 "$RC"
expect "postgres 57P03 is reported" "fail postgres://127.0.0.1:$P_PGSTART: \
postgres: 57P03 the database system is starting up" "$OUT"
probe "postgres://127.0.0.1:$P_CLOSED"
expect "postgres on a closed port fails" 1 "$RC"
probe "postgres://127.0.0.1:$P_TCP"
expect "postgres: a peer that says nothing fails" 1 "$RC"
expect_match "postgres: silence is reported" "closed the connection" "$OUT"
PG_BIN=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
if [ -z "$PG_BIN" ] || [ ! -x "$PG_BIN/postgres" ]; then
	skip "postgres real server: no /usr/lib/postgresql/*/bin/postgres"
elif [ "$(id -u)" = 0 ] && ! id postgres >/dev/null 2>&1; then
	skip "postgres real server: running as root without a postgres user"
else
	P_PG=$(free_port)
	PGDATA_DIR=$T/pg/data
	as_pg() { "$@"; }
	if [ "$(id -u)" = 0 ]; then
		as_pg() { runuser -u postgres -- "$@"; }
		chmod 0711 "$T"
		mkdir "$T/pg" && chown postgres "$T/pg"
	else
		mkdir "$T/pg"
	fi
	if as_pg "$PG_BIN/initdb" -D "$PGDATA_DIR" -A trust -U postgres \
	    >"$T/initdb.log" 2>&1; then
		as_pg "$PG_BIN/postgres" -D "$PGDATA_DIR" -p "$P_PG" \
		    -k "$T/pg" -c listen_addresses=127.0.0.1 -c fsync=off \
		    >"$T/pg.log" 2>&1 &
		PIDS+=($!)
		# Until it accepts, our own probe says "starting up" or refused.
		wait_for 20 "$VIGIL" probe "postgres://127.0.0.1:$P_PG"
		probe "postgres://127.0.0.1:$P_PG"
		expect "postgres real server passes" 0 "$RC"
		expect_match "postgres real server accepts connections" \
		    "^ok   postgres://127.0.0.1:$P_PG: postgres: accepting" \
		    "$OUT"
		probe "postgresql://localhost:$P_PG/anydb"
		expect "postgresql:// by name passes" 0 "$RC"
		if command -v pg_isready >/dev/null; then
			pg_isready -q -h 127.0.0.1 -p "$P_PG"
			expect "pg_isready agrees" 0 "$?"
		fi
	else
		fail "postgres initdb" "$(tail -n 5 "$T/initdb.log")"
	fi
fi

# --- unix ----------------------------------------------------------------
probe "unix://$T/app.sock"
expect "unix socket passes" 0 "$RC"
expect_match "unix socket is reported" "connected to $T/app.sock in" "$OUT"
probe "unix://$T/no.sock"
expect "missing unix socket fails" 1 "$RC"
expect_match "missing unix socket says why" \
    "connect $T/no.sock: No such file or directory" "$OUT"

# --- file ----------------------------------------------------------------
touch "$T/beat"
probe "file://$T/beat?max-age=10s"
expect "fresh heartbeat passes" 0 "$RC"
b=$T/beat
expect_match "fresh heartbeat shows its age" \
    "^ok   file://$b\?max-age=10s: file $b: modified [0-9]+m?s ago\$" "$OUT"
touch -d '-20 seconds' "$T/beat"
probe "file://$T/beat?max-age=10s"
expect "stale heartbeat fails" 1 "$RC"
expect_match "stale heartbeat shows its age" \
    "file $T/beat: modified 2[01]s ago \(max-age 10s\)\$" "$OUT"
touch -d '+12 seconds' "$T/beat"
probe "file://$T/beat?max-age=10s"
expect "a heartbeat from the future fails" 1 "$RC"
expect_match "a heartbeat from the future says so" \
    "file $T/beat: modified 1[12]s in the future\$" "$OUT"
probe "file://$T/beat"
expect "existence alone passes" 0 "$RC"
probe "file://$T/none?max-age=1m"
expect "missing heartbeat fails" 1 "$RC"
expect_match "missing heartbeat says why" \
    "file $T/none: No such file or directory" "$OUT"

# --- exec ----------------------------------------------------------------
probe exec:true
expect "exec:true passes" 0 "$RC"
probe exec:false
expect "exec:false fails" 1 "$RC"
probe "exec:sh -c 'echo \"it said: \$0\"' 'two words'"
expect "exec passes quoted words without a shell" 0 "$RC"
expect_match "exec output is the command's" "it said: two words" "$OUT"
probe exec:no-such-command-vigil
expect "exec of a missing command fails" 1 "$RC"
expect_match "exec of a missing command says why" \
    "exec no-such-command-vigil: No such file or directory" "$OUT"
tag=$$$RANDOM
probe --timeout 300ms "exec:sleep 1000.$tag"
expect "exec that hangs fails" 1 "$RC"
expect_match "exec that hangs times out" "timeout after 300ms" "$OUT"
expect_le "exec timeout returns promptly" 1300 "$MS"
sleep 0.1
expect "no sleep left after the timeout" "" "$(pgrep -f "sleep 1000.$tag")"
# The kill takes the probe's whole group, grandchildren included.
probe --timeout 300ms "exec:sh -c 'sleep 1001.$tag & sleep 1002.$tag'"
expect "exec with a grandchild times out" 1 "$RC"
sleep 0.1
expect "no grandchild left after the timeout" "" \
    "$(pgrep -f "sleep 100[12].$tag")"
probe --timeout 1s exec:yes
expect "exec flooding forever fails at the timeout" 1 "$RC"
expect_le "exec flooding forever returns promptly" 2500 "$MS"
expect_le "exec flood output is capped" 6000 "${#OUT}"
probe --timeout 5s "exec:head -c 1000000 /dev/zero"
expect "exec flooding then exiting 0 passes" 0 "$RC"
expect_le "exec 1 MB of output does not hang" 4000 "$MS"
expect_le "exec 1 MB of output is capped" 6000 "${#OUT}"
probe --timeout 5s "exec:seq 1 200000"
expect "exec many lines passes" 0 "$RC"
expect_le "exec many lines are capped" 6000 "${#OUT}"

# --- several specs, and bad ones -----------------------------------------
probe "tcp://127.0.0.1:$P_TCP" exec:true "file://$T/beat"
expect "all passing specs exit 0" 0 "$RC"
expect "one line per spec" 3 "$(printf '%s\n' "$OUT" | wc -l)"
probe "tcp://127.0.0.1:$P_TCP" "tcp://127.0.0.1:$P_CLOSED"
expect "one failing spec exits 1" 1 "$RC"
expect_match "the passing spec still says ok" "^ok   tcp://127.0.0.1:$P_TCP:" \
    "$OUT"
for bad in "https://x|https is not supported" \
    "ftp://x|unknown probe scheme 'ftp'" "tcp://x|tcp probe needs a port" \
    "file:///x?max-age=10x|bad max-age '10x'" "tcp://x:99999|bad port" \
    "exec:|empty exec command"; do
	spec=${bad%%|*}
	probe "exec:touch $T/ran" "$spec"
	expect "bad spec '$spec' exits 2" 2 "$RC"
	expect "bad spec '$spec' is one line on stderr" 1 \
	    "$(printf '%s\n' "$ERR" | wc -l)"
	expect_match "bad spec '$spec' says why" "${bad#*|}" "$ERR"
	expect "bad spec '$spec' prints nothing on stdout" "" "$OUT"
	[ -e "$T/ran" ] && fail "bad spec '$spec' runs nothing" "probe ran" ||
	    pass "bad spec '$spec' runs nothing"
done

# --- the static binary resolves names itself -----------------------------
if san; then
	skip "chroot resolver: sanitizer build"
elif ! file -L "$VIGIL" | grep -q 'statically linked'; then
	skip "chroot resolver: $VIGIL is not statically linked"
elif [ "$(id -u)" != 0 ]; then
	skip "chroot resolver: needs root for chroot"
else
	mkdir -p "$T/root/etc"
	cp "$VIGIL" "$T/root/vigil"
	# No resolv.conf, no nsswitch, no libraries: only /etc/hosts. The
	# name has both addresses; each listener has only one, so whichever
	# order the resolver picks, one of the two needs the fallback.
	printf '::1 myservice\n127.0.0.1 myservice\n' >"$T/root/etc/hosts"
	OUT=$(chroot "$T/root" /vigil probe "tcp://myservice:$P_TCP" 2>&1)
	expect "chroot: a name from /etc/hosts resolves" 0 "$?"
	expect_match "chroot: it reached the IPv4 listener" \
	    "connected to 127.0.0.1:$P_TCP" "$OUT"
	if [ -n "$P_TCP6" ]; then
		OUT=$(chroot "$T/root" /vigil probe \
		    "tcp://myservice:$P_TCP6" 2>&1)
		expect "chroot: the same name reaches an IPv6 listener" 0 "$?"
		expect_match "chroot: it reached [::1]" \
		    "connected to \[::1\]:$P_TCP6" "$OUT"
	fi
	# With no nameserver musl asks 127.0.0.1:53; give up after 1 s.
	echo 'options timeout:1 attempts:1' >"$T/root/etc/resolv.conf"
	OUT=$(chroot "$T/root" /vigil probe --timeout 4s \
	    "tcp://nosuchservice:$P_TCP" 2>&1)
	expect "chroot: an unknown name fails" 1 "$?"
	expect_match "chroot: an unknown name says so" \
	    "resolve nosuchservice: " "$OUT"
fi
