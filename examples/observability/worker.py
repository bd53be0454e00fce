#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
# A small worker for the observability example: it "processes jobs" and
# serves GET /healthz on WORKER_PORT (8080). After CRASH_AFTER seconds
# (default: never) it exits 1, as a worker with a bug would, so that vigil
# restarts it and the restart shows up in Prometheus; with SICK_AFTER it
# starts answering 503 instead, so the probe fails.
import http.server
import os
import sys
import threading
import time

PORT = int(os.environ.get("WORKER_PORT", "8080"))
CRASH_AFTER = float(os.environ.get("CRASH_AFTER", "0"))
SICK_AFTER = float(os.environ.get("SICK_AFTER", "0"))
START = time.monotonic()


class Health(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        sick = SICK_AFTER and time.monotonic() - START > SICK_AFTER
        code = 503 if sick or self.path != "/healthz" else 200
        body = b"sick\n" if code != 200 else b"ok\n"
        self.send_response(code)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


def main():
    srv = http.server.ThreadingHTTPServer(("127.0.0.1", PORT), Health)
    srv.allow_reuse_address = True
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    print(f"worker: serving /healthz on {PORT}", flush=True)
    while True:
        time.sleep(0.5)
        if CRASH_AFTER and time.monotonic() - START > CRASH_AFTER:
            print("worker: crashing", flush=True)
            sys.exit(1)


if __name__ == "__main__":
    main()
