# SPDX-License-Identifier: MIT
"""Sends tasks.long(SECONDS, tag) at a steady pace until DIR/stop exists
(or LIMIT s pass), then waits for every result.

Every id is appended to DIR/sent as soon as it is sent, so a producer that
dies still leaves its count behind. A send that fails (Redis unreachable
for a moment, a name not resolving while Swarm moves tasks) is retried on a
fresh connection until it succeeds or the bound passes, and said on stderr;
it is never counted twice. Every 10 s a line "progress sent N errors N".
At the end one line "sent N ok N lost N" (also after an error), and the
ids without a result in DIR/lost. Exit status 0 iff that line was printed.

  python3 producer.py DIR SECONDS PERIOD LIMIT
"""
import os
import sys
import time
import traceback

sys.path.insert(0, "/app")
from celery.result import AsyncResult  # noqa: E402
from tasks import app  # noqa: E402

out, secs, period, limit = sys.argv[1], float(sys.argv[2]), \
    float(sys.argv[3]), float(sys.argv[4])
STOP = os.path.join(out, "stop")
# How long the results are awaited once sending stopped; the tasks are 1 s,
# a warm shutdown hands its reserved ones back at once.
RESULT_WAIT = 120


def say(*args):
    print(*args, file=sys.stderr, flush=True)


def send_one(tag, deadline):
    """Sends one task; retries on a fresh connection. The id or None."""
    tries = 0
    while True:
        tries += 1
        try:
            # retry=False: this loop retries, with its own log.
            return app.send_task("tasks.long", args=[secs],
                                 kwargs={"tag": tag}, retry=False).id
        except Exception as e:  # connection refused, reset, DNS: all
            say("producer: send %s, try %d: %s: %s"
                % (tag, tries, type(e).__name__, e))
            if time.time() > deadline:
                return None
            try:
                app.pool.force_close_all()
            except Exception:
                pass
            time.sleep(min(0.2 * tries, 2))


def main():
    ids = []
    errors = 0
    t0 = time.time()
    last = t0
    with open(os.path.join(out, "sent"), "w") as sent:
        while not os.path.exists(STOP) and time.time() - t0 < limit:
            i = send_one("p%d" % len(ids), t0 + limit)
            if i is None:
                errors += 1
                break
            ids.append(i)
            sent.write(i + "\n")
            sent.flush()
            if time.time() - last >= 10:
                last = time.time()
                print("progress sent %d errors %d" % (len(ids), errors),
                      flush=True)
            time.sleep(period)
    print("progress sent %d, sending stopped; awaiting results"
          % len(ids), flush=True)
    # Poll each result's state (one GET each) rather than subscribe: a
    # lost connection costs one round, not the wait.
    pending = list(ids)
    deadline = time.time() + RESULT_WAIT
    while pending and time.time() < deadline:
        left = []
        for i in pending:
            try:
                state = AsyncResult(i, app=app).state
            except Exception as e:
                say("producer: result of %s: %s: %s"
                    % (i, type(e).__name__, e))
                state = None
            if state != "SUCCESS":
                left.append(i)
        pending = left
        if pending:
            time.sleep(0.5)
    with open(os.path.join(out, "lost"), "w") as f:
        f.write("".join(i + "\n" for i in pending))
    print("sent %d ok %d lost %d" % (len(ids), len(ids) - len(pending),
                                      len(pending)), flush=True)


try:
    main()
except BaseException:
    say("producer: died:")
    traceback.print_exc()
    sys.stderr.flush()
    sys.exit(1)
