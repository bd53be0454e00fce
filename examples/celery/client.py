# SPDX-License-Identifier: MIT
"""Send tasks to the example worker and read their results.

  python3 client.py send TASK [ARG...]        print the new task's id
  python3 client.py wait ID [TIMEOUT]         wait for its result
  python3 client.py call TASK [ARG...]        send, then wait (60 s)
  python3 client.py state ID                  print its state now

TASK is add, long, crash or hang ("tasks." may be left out). Each ARG is
read as JSON when it parses (3, 2.5, "x", true), else taken as a string.
`wait` and `call` print one line, "STATE RESULT", and exit 0 for SUCCESS,
1 for any other final state, 2 when the time runs out first; every
command exits 3 when the broker does not answer.
Set CELERY_BROKER_URL as for the worker (default redis://127.0.0.1:6379/0).
"""
import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from celery.result import AsyncResult  # noqa: E402

from tasks import app  # noqa: E402


def usage():
    sys.stderr.write(__doc__.lstrip())
    sys.exit(64)


def parse_arg(text):
    try:
        return json.loads(text)
    except ValueError:
        return text


def send(name, args):
    if "." not in name:
        name = "tasks." + name
    return app.send_task(name, args=[parse_arg(a) for a in args]).id


def wait(task_id, timeout):
    res = AsyncResult(task_id, app=app)
    try:
        value = res.get(timeout=timeout, propagate=False, interval=0.2)
    except Exception:  # celery.exceptions.TimeoutError, broker errors
        print("TIMEOUT", res.state)
        return 2
    if res.state == "SUCCESS":
        print("SUCCESS", json.dumps(value, sort_keys=True))
        return 0
    print(res.state, repr(value))
    return 1


def broker_reachable():
    """Fails fast, where Celery would retry for a long while."""
    import redis

    try:
        redis.Redis.from_url(app.conf.broker_url, socket_timeout=3,
                             socket_connect_timeout=3).ping()
    except redis.RedisError as err:
        sys.stderr.write("client: broker %s: %s\n" % (app.conf.broker_url, err))
        return False
    return True


def main(argv):
    if len(argv) < 2:
        usage()
    if not broker_reachable():
        return 3
    cmd, rest = argv[1], argv[2:]
    if cmd == "send" and rest:
        print(send(rest[0], rest[1:]))
        return 0
    if cmd == "call" and rest:
        return wait(send(rest[0], rest[1:]), 60)
    if cmd == "wait" and rest:
        return wait(rest[0], float(rest[1]) if len(rest) > 1 else 60)
    if cmd == "state" and len(rest) == 1:
        print(AsyncResult(rest[0], app=app).state)
        return 0
    usage()
    return 64


if __name__ == "__main__":
    sys.exit(main(sys.argv))
