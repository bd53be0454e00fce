# SPDX-License-Identifier: MIT
"""A minimal web service for vigil's example: Python's http.server, a
visit counter kept in redis, a health endpoint, and a way to wedge it.

  GET /         "hello, visit N" (N counted in redis with INCR)
  GET /healthz  200 "ok" while the process serves requests
  GET /freeze   never answers: the single-threaded server is stuck, as
                after a deadlock; only a restart helps

Environment: PORT (8000), BIND (127.0.0.1; 0.0.0.0 in a container),
REDIS_URL (redis://127.0.0.1:6379/0). SIGTERM stops it gracefully: the
request in progress is finished, then it exits 0.

/healthz does not look at redis on purpose: it answers "is this process
alive?", which a restart can fix. A redis outage cannot be fixed by
restarting the web process, so it shows on / (503), not on /healthz.
No third-party module is needed: redis is spoken over a plain socket.
"""
import os
import signal
import socket
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, HTTPServer
from urllib.parse import urlsplit

PORT = int(os.environ.get("PORT", "8000"))
BIND = os.environ.get("BIND", "127.0.0.1")
REDIS = urlsplit(os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0"))


def resp(*words):
    """One command in redis' wire format (RESP)."""
    out = "*%d\r\n" % len(words)
    for w in words:
        out += "$%d\r\n%s\r\n" % (len(w.encode()), w)
    return out.encode()


def redis_incr(key):
    """INCR KEY on a fresh connection; returns the new value."""
    cmds = [resp("INCR", key)]
    if REDIS.password:
        cmds.insert(0, resp("AUTH", REDIS.password))
    addr = (REDIS.hostname or "127.0.0.1", REDIS.port or 6379)
    with socket.create_connection(addr, timeout=2) as s:
        s.sendall(b"".join(cmds))
        f = s.makefile("rb")
        replies = [f.readline() for _ in cmds]
    if not replies[-1].startswith(b":"):
        raise OSError("redis said %r" % replies[-1].strip())
    return int(replies[-1][1:])


class Handler(BaseHTTPRequestHandler):
    def reply(self, code, text):
        body = (text + "\n").encode()
        self.send_response(code)
        self.send_header("Content-Type", "text/plain; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self):
        if self.path == "/healthz":
            self.reply(200, "ok")
        elif self.path == "/":
            try:
                n = redis_incr("visits")
            except OSError as err:
                self.reply(503, "redis unavailable: %s" % err)
                return
            self.reply(200, "hello, visit %d (pid %d)" % (n, os.getpid()))
        elif self.path == "/freeze":
            self.log_message("freezing: this process will not serve again")
            while True:
                time.sleep(3600)
        else:
            self.reply(404, "not found")

    def log_message(self, fmt, *args):
        if getattr(self, "path", "") != "/healthz":  # probes: no noise
            sys.stderr.write("web: %s\n" % (fmt % args))


def main():
    server = HTTPServer((BIND, PORT), Handler)

    def on_term(signum, _frame):
        sys.stderr.write("web: signal %d, finishing the current request\n"
                         % signum)
        # shutdown() waits for serve_forever() to return, so it must run
        # in another thread than the one serving.
        threading.Thread(target=server.shutdown, daemon=True).start()

    signal.signal(signal.SIGTERM, on_term)
    signal.signal(signal.SIGINT, on_term)
    sys.stderr.write("web: listening on %s:%d, pid %d\n"
                     % (BIND, PORT, os.getpid()))
    server.serve_forever(poll_interval=0.2)
    server.server_close()
    sys.stderr.write("web: stopped\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
