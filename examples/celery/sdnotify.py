# SPDX-License-Identifier: MIT
"""The sd_notify protocol in a few lines of the standard library.

vigil --notify (like systemd for Type=notify) names a datagram socket in
NOTIFY_SOCKET; "@name" is an abstract one. notify() sends one datagram of
newline-separated KEY=VALUE lines, e.g. "READY=1", "WATCHDOG=1" or
"STATUS=serving". Without NOTIFY_SOCKET it does nothing, so the same code
runs under any init. It never raises and never blocks for long: a
supervisor that does not read must not stall the worker.
"""
import os
import socket


def notify(state):
    """Sends state; True when it went out."""
    addr = os.environ.get("NOTIFY_SOCKET", "")
    if not addr:
        return False
    if addr[0] == "@":
        addr = "\0" + addr[1:]
    try:
        with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM) as sock:
            sock.settimeout(1.0)
            sock.sendto(state.encode("utf-8", "replace"), addr)
    except OSError:
        return False
    return True


def watchdog_enabled():
    """WATCHDOG_USEC is set and meant for this process (WATCHDOG_PID)."""
    if not os.environ.get("WATCHDOG_USEC"):
        return False
    pid = os.environ.get("WATCHDOG_PID", "")
    return not pid or pid == str(os.getpid())
