"""The folder that prometheus_client's multiprocess mode shares between the
web workers and the scheduler (``PROMETHEUS_MULTIPROC_DIR``).

Each process writes its own files, named ``<kind>_<pid>.db``. At a start the
files of processes that are gone are removed - so counters start again from
zero, which Prometheus reads as a reset - but not those of processes still
running: ``make run`` starts the scheduler before gunicorn, and a scheduler
that keeps running while gunicorn restarts must keep its counts. Called by
gunicorn's master (ops/gunicorn.conf.py) before any worker exists.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

from helpdesk.processes import process_alive

_FILE = re.compile(r"^[a-z_]+_(\d+)\.db$")


def prepare(folder: str | os.PathLike) -> list[str]:
    """Create the folder if missing and remove the files of processes that
    are not running; the names removed."""
    path = Path(folder)
    path.mkdir(parents=True, exist_ok=True)
    removed = []
    for entry in path.iterdir():
        match = _FILE.match(entry.name)
        if match and not process_alive(int(match.group(1))):
            entry.unlink(missing_ok=True)
            removed.append(entry.name)
    return sorted(removed)
