# SPDX-License-Identifier: MIT
"""GETs http://HOST:8000/ in a loop, resolving HOST afresh each time (as
a client of a DNS round-robin service does), until DIR/stop exists or
LIMIT s pass. Prints "requests N failed N" and the first few failures.

  python3 webclient.py DIR HOST LIMIT
"""
import os
import sys
import time
import urllib.request

out, host, limit = sys.argv[1], sys.argv[2], float(sys.argv[3])
n = failed = 0
errs = []
t0 = time.time()
while not os.path.exists(os.path.join(out, "stop")) and \
        time.time() - t0 < limit:
    n += 1
    try:
        with urllib.request.urlopen("http://%s:8000/" % host,
                                    timeout=5) as r:
            r.read()
            if r.status != 200:
                raise OSError("status %d" % r.status)
    except Exception as e:  # refused, reset, 5xx: all count
        failed += 1
        if len(errs) < 5:
            errs.append("%.1fs %s" % (time.time() - t0, e))
    time.sleep(0.05)
print("requests %d failed %d" % (n, failed), flush=True)
for e in errs:
    print("  " + e, flush=True)
