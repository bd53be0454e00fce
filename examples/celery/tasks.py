# SPDX-License-Identifier: MIT
"""The Celery app of vigil's example: a few tasks and a heartbeat file.

Configuration comes from the environment, so the same module serves the
Compose stack, run-local and the tests:

  CELERY_BROKER_URL      broker (default redis://127.0.0.1:6379/0)
  CELERY_RESULT_BACKEND  result backend (default: the broker URL)
  HEARTBEAT_FILE         touched on every worker heartbeat
                         (default /tmp/celery-heartbeat; empty: no file)
  NOTIFY_SOCKET          set by vigil --notify: READY=1 on worker_ready,
                         WATCHDOG=1 on every heartbeat (sdnotify.py)

The worker's MainProcess touches HEARTBEAT_FILE each time Celery sends a
worker heartbeat (every 2 s by default, --heartbeat-interval to change it)
once the worker is ready to take tasks. vigil watches the file with
`--probe file:///tmp/celery-heartbeat?max-age=10s`: a worker whose main
process hangs, or that lost its broker connection, stops touching it.
The file is removed when a worker starts and when it shuts down, so an old
file never vouches for a new worker.

The other style needs no file: under `vigil --notify --watchdog 10s` the
worker says READY=1 once it takes tasks and WATCHDOG=1 on each heartbeat,
STOPPING=1 when it shuts down; vigil restarts a worker whose pings stop.
"""
import os
import signal
import sys
import time

from celery import Celery, bootsteps, signals
from celery.utils.log import get_task_logger

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import sdnotify  # noqa: E402

BROKER_URL = os.environ.get("CELERY_BROKER_URL", "redis://127.0.0.1:6379/0")
RESULT_BACKEND = os.environ.get("CELERY_RESULT_BACKEND", BROKER_URL)
HEARTBEAT_FILE = os.environ.get("HEARTBEAT_FILE", "/tmp/celery-heartbeat")

app = Celery("tasks", broker=BROKER_URL, backend=RESULT_BACKEND)
app.conf.update(
    # Clients can see that a task has begun (state STARTED).
    task_track_started=True,
    # Reserve one message per pool process rather than four: fewer
    # messages sit unacknowledged in a worker that is told to stop.
    worker_prefetch_multiplier=1,
    task_serializer="json",
    result_serializer="json",
    accept_content=["json"],
    result_expires=3600,
)

log = get_task_logger(__name__)


class GiveBackPendingFetch(bootsteps.StartStopStep):
    """At the end of a warm shutdown, read the fetch still pending on the
    broker connection, so a task Redis handed to it goes back to the queue.

    The Redis transport fetches with BRPOP (one second at a time). A warm
    shutdown cancels the consumer and stops reading, waits for the running
    tasks, then closes the connection; a BRPOP sent just before is still
    pending on the server all that time, and a task published meanwhile is
    popped for it. Kombu before 5.3.2 (Debian 12 has 5.2.4) closes without
    reading that reply: the task is gone, from the queue and from the
    unacknowledged set alike, and no worker ever logs it received. Read
    here, before the connection closes, the consumer being cancelled, kombu
    requeues it ("Requeuing undeliverable message ... No consumers").
    Kombu 5.3.2 and later read that reply on close themselves: this step
    only does it a moment earlier.
    """

    requires = ("celery.worker.consumer.tasks:Tasks",)

    def shutdown(self, c):
        conn = c.connection
        channels = getattr(conn and conn.transport, "channels", None) or ()
        for channel in list(channels):
            read = getattr(channel, "_brpop_read", None)
            # Only a cancelled consumer's channel: a live one would take
            # the task in, with no pool left to run it.
            if read is None or not getattr(channel, "_in_poll", None) or \
                    getattr(channel, "_consumers", None):
                continue
            try:
                read()
            except Exception as err:  # kombu's Empty: no task came
                if type(err).__name__ != "Empty":
                    log.warning("reading the pending fetch: %r", err)


app.steps["consumer"].add(GiveBackPendingFetch)

# The pid of the worker's MainProcess, set in that process before the pool
# forks, so the pool processes inherit it.
_main_pid = None
# Celery's heart starts beating before the worker consumes tasks (mingle
# and the task consumer come after it); the file only counts from ready on.
_ready = False


def _touch_heartbeat():
    if not HEARTBEAT_FILE:
        return
    try:
        with open(HEARTBEAT_FILE, "a"):
            pass
        os.utime(HEARTBEAT_FILE)
    except OSError as err:
        log.warning("cannot touch heartbeat file %s: %s", HEARTBEAT_FILE, err)


def _remove_heartbeat():
    if not HEARTBEAT_FILE:
        return
    try:
        os.unlink(HEARTBEAT_FILE)
    except FileNotFoundError:
        pass
    except OSError as err:
        log.warning("cannot remove heartbeat file %s: %s", HEARTBEAT_FILE, err)


def _hang_forever(signum, _frame):
    """SIGUSR2 in the MainProcess (sent by the hang task): hang for good.

    This is what a main process stuck in native code looks like from
    outside: it stops beating, and TERM, QUIT and INT change nothing (Python
    runs signal handlers only between bytecodes). Only SIGKILL ends it.
    """
    print("tasks: MainProcess %d hangs now; only SIGKILL ends it"
          % os.getpid(), file=sys.stderr, flush=True)
    for sig in (signal.SIGTERM, signal.SIGQUIT, signal.SIGINT, signal.SIGHUP):
        signal.signal(sig, signal.SIG_IGN)
    while True:
        time.sleep(3600)


@signals.worker_init.connect
def _on_worker_init(**_):
    global _main_pid
    _main_pid = os.getpid()
    _remove_heartbeat()
    signal.signal(signal.SIGUSR2, _hang_forever)


@signals.worker_process_init.connect
def _on_pool_process_init(**_):
    # The pool processes are forked from the MainProcess: only it hangs.
    signal.signal(signal.SIGUSR2, signal.SIG_DFL)


@signals.worker_ready.connect
def _on_worker_ready(**_):
    global _ready
    _ready = True
    _touch_heartbeat()
    sdnotify.notify("READY=1\nSTATUS=consuming tasks (pid %d)" % os.getpid())


# Connected at import time: Celery only fires heartbeat_sent if a receiver
# exists when the worker's heart starts.
@signals.heartbeat_sent.connect
def _on_heartbeat(**_):
    if _ready:
        _touch_heartbeat()
        # Only the MainProcess beats; WATCHDOG_PID names it.
        if sdnotify.watchdog_enabled():
            sdnotify.notify("WATCHDOG=1")


@signals.worker_shutdown.connect
def _on_worker_shutdown(**_):
    global _ready
    _ready = False
    _remove_heartbeat()
    sdnotify.notify("STOPPING=1")


@app.task
def add(x, y):
    """A quick task: proves the worker serves."""
    return x + y


@app.task(bind=True)
def long(self, seconds=30.0, tag=""):
    """Works for SECONDS, then returns when it started and finished."""
    started = time.time()
    log.info("long task %s: working for %ss", tag or self.request.id, seconds)
    end = started + float(seconds)
    while True:
        left = end - time.time()
        if left <= 0:
            break
        time.sleep(min(left, 0.5))
    finished = time.time()
    log.info("long task %s: done", tag or self.request.id)
    return {"tag": tag, "seconds": seconds, "pid": os.getpid(),
            "started": started, "finished": finished}


@app.task
def crash(what="main"):
    """Crashes the worker, as a segfault or the OOM killer would.

    what="main": SIGKILL the worker's MainProcess. The whole worker is gone;
    its pool processes die with it (Celery sets PR_SET_PDEATHSIG on them)
    and only a supervisor such as vigil brings it back.
    what="pool": end only this pool process. The MainProcess notices,
    reports WorkerLostError for this task and forks a replacement by itself.
    """
    if what == "main":
        target = _main_pid or os.getppid()
        log.warning("crash: killing the worker's MainProcess %d", target)
        os.kill(target, signal.SIGKILL)
        time.sleep(5)  # the kernel ends this process with its parent
        return "not reached"
    log.warning("crash: pool process %d exits abruptly", os.getpid())
    os._exit(70)


@app.task
def hang():
    """Makes the worker's MainProcess hang for good (see _hang_forever).

    The pool process running this task returns at once; the MainProcess
    stops beating, so vigil finds the heartbeat stale, and it ignores the
    TERM and QUIT of vigil's stop ladder, which therefore ends in SIGKILL.
    """
    os.kill(_main_pid or os.getppid(), signal.SIGUSR2)
    return "the MainProcess hangs"
