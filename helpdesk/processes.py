"""This process among the others: a name for it that says which machine it
runs on, and whether a process of this machine still runs."""

from __future__ import annotations

import os
import socket


def process_alive(pid: int) -> bool:
    """Whether a process with this id runs on this machine (pids are reused,
    so "alive" may be another process by now; never the other way round)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # alive, another user's
        return True
    return True


def this_process() -> str:
    """``host:pid``, at most 120 characters."""
    return f"{socket.gethostname()[:100]}:{os.getpid()}"


def ended_here(name: str | None) -> bool:
    """Whether the process so named (``this_process()`` of it) was of this
    machine and has ended. A process of another machine is never known ended."""
    host, _sep, pid = (name or "").rpartition(":")
    if host != socket.gethostname()[:100] or not pid.isdigit():
        return False
    return not process_alive(int(pid))
