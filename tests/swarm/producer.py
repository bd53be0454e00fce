# SPDX-License-Identifier: MIT
"""Sends tasks.long(SECONDS, tag) at a steady pace until DIR/stop exists
(or LIMIT s pass), then waits for every result. Prints one line:
"sent N ok N lost N" and writes the ids sent to DIR/sent, those without a result to DIR/lost.

  python3 producer.py DIR SECONDS PERIOD LIMIT
"""
import os
import sys
import time

sys.path.insert(0, "/app")
from celery.result import AsyncResult  # noqa: E402
from tasks import app  # noqa: E402

out, secs, period, limit = sys.argv[1], float(sys.argv[2]), \
    float(sys.argv[3]), float(sys.argv[4])
ids = []
t0 = time.time()
while not os.path.exists(os.path.join(out, "stop")) and \
        time.time() - t0 < limit:
    ids.append(app.send_task("tasks.long", args=[secs],
                             kwargs={"tag": "p%d" % len(ids)}).id)
    time.sleep(period)
with open(os.path.join(out, "sent"), "w") as f:
    f.write("\n".join(ids) + "\n")
ok = 0
lost = []
deadline = time.time() + 120
for i in ids:
    r = AsyncResult(i, app=app)
    try:
        r.get(timeout=max(1, deadline - time.time()), interval=0.2,
              propagate=False)
    except Exception:
        pass
    if r.state == "SUCCESS":
        ok += 1
    else:
        lost.append(i)
with open(os.path.join(out, "lost"), "w") as f:
    f.write("".join(i + "\n" for i in lost))
print("sent %d ok %d lost %d" % (len(ids), ok, len(ids) - ok), flush=True)
