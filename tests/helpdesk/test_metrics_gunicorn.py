"""/metrics under real gunicorn with ops/gunicorn.conf.py: two worker
processes count into the shared folder, and whichever worker a scrape
reaches answers the sum; the folder's stale files go when the server starts."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import threading
import urllib.request
from pathlib import Path

import pytest

from helpdesk.metrics import multiproc
from helpdesk.processes import process_alive
from tests.helpdesk.metrics_support import Scrape

ROOT = Path(__file__).resolve().parents[2]
GUNICORN = Path(sys.executable).with_name("gunicorn")
FROZEN = re.compile(r"worker \d+: \d{4,} start-up objects frozen")


def dead_pid() -> int:
    """The pid of a process that has ended."""
    process = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"],
        capture_output=True,
        text=True,
        check=True,
    )
    return int(process.stdout)


@pytest.fixture
def server(migrated_url, tmp_path):
    """gunicorn with two workers on a free loopback port; its base URL."""
    folder = tmp_path / "prometheus"
    folder.mkdir()
    stale = folder / f"counter_{dead_pid()}.db"
    stale.write_bytes(b"left by a process long gone")
    env = {
        **os.environ,
        "HELPDESK_ENV": "testing",
        "TEST_DATABASE_URL": migrated_url,
        "PROMETHEUS_MULTIPROC_DIR": str(folder),
        "BACKUP_DIR": str(tmp_path / "backups"),
    }
    process = subprocess.Popen(
        [
            str(GUNICORN),
            "-c",
            "ops/gunicorn.conf.py",
            "--workers",
            "2",
            "--bind",
            "127.0.0.1:0",
            "app:create_app()",
        ],
        cwd=ROOT,
        env=env,
        stderr=subprocess.PIPE,
        text=True,
    )
    logged = Logged()
    drain = threading.Thread(target=logged.read, args=(process.stderr,), daemon=True)
    try:
        url = _listening_url(process)
        # Keep reading what it logs, or a full pipe would stall the server.
        drain.start()
        yield url, folder, stale, logged
    finally:
        process.terminate()
        process.wait(timeout=60)
        if drain.is_alive():
            drain.join(timeout=60)
        process.stderr.close()


class Logged:
    """What the server writes to stderr, line by line, and a way to wait
    until some of it has arrived."""

    def __init__(self) -> None:
        self.lines: list[str] = []
        self._arrived = threading.Condition()

    def read(self, stream) -> None:
        for line in stream:
            with self._arrived:
                self.lines.append(line)
                self._arrived.notify_all()

    def wait_for(self, pattern: re.Pattern, count: int, *, timeout: float) -> list[str]:
        """The lines matching ``pattern`` once there are ``count`` of them
        (or however many arrived within ``timeout`` seconds)."""

        def matching() -> list[str]:
            return [line for line in self.lines if pattern.search(line)]

        with self._arrived:
            self._arrived.wait_for(lambda: len(matching()) >= count, timeout=timeout)
            return matching()


def _listening_url(process: subprocess.Popen) -> str:
    # gunicorn says where it listens once the socket is bound; requests sent
    # before the workers are up wait in the socket's backlog.
    for line in process.stderr:
        match = re.search(r"Listening at: (http://\S+)", line)
        if match:
            return match.group(1)
    raise AssertionError(f"gunicorn did not start (exit {process.wait()})")


def get(url: str) -> tuple[int, str]:
    with urllib.request.urlopen(url, timeout=60) as response:
        return response.status, response.read().decode()


def test_workers_count_into_one_folder_and_every_scrape_sums_them(server):
    url, folder, stale, _logged = server
    for _ in range(12):
        assert get(f"{url}/healthz")[0] == 200

    scrapes = [Scrape(get(f"{url}/metrics")[1]) for _ in range(4)]

    ok = {"route": "/healthz", "status": "200"}
    assert [s.value("helpdesk_http_requests_total", **ok) for s in scrapes] == [12] * 4
    assert all(s.value("helpdesk_metrics_database_up") == 1 for s in scrapes)
    assert not stale.exists()
    pids = {
        int(m.group(1))
        for p in folder.iterdir()
        if (m := re.match(r"counter_(\d+)\.db$", p.name))
    }
    assert pids and all(process_alive(pid) for pid in pids)


def test_each_worker_freezes_its_start_up_objects_out_of_the_collector(server):
    _url, _folder, _stale, logged = server

    # Each worker logs it once it has loaded the app, before it serves.
    frozen = logged.wait_for(FROZEN, 2, timeout=120)

    assert len(frozen) == 2, logged.lines


def test_starting_keeps_the_files_of_running_processes(tmp_path):
    mine = tmp_path / f"counter_{os.getpid()}.db"
    gone = tmp_path / f"histogram_{dead_pid()}.db"
    other = tmp_path / "notes.txt"
    for path in (mine, gone, other):
        path.write_bytes(b"x")

    assert multiproc.prepare(tmp_path) == [gone.name]
    assert mine.exists() and other.exists()
