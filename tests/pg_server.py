"""A throwaway PostgreSQL server on loopback for the test session.

``initdb`` refuses to run as root, so as root the server runs as the
``postgres`` system user (created by Debian's package) in a directory it owns.
"""

from __future__ import annotations

import glob
import os
import shutil
import socket
import subprocess
import tempfile
from pathlib import Path


def _bin(name: str) -> str:
    candidates = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"))
    if not candidates:
        raise RuntimeError(
            "PostgreSQL is not installed: run scripts/install-system-deps"
        )
    return candidates[-1]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class PostgresServer:
    def __init__(self) -> None:
        # Not under pytest's tmp dir: that one is private to root, and the
        # server may run as the postgres user.
        base_dir = Path(tempfile.mkdtemp(prefix="helpdesk-pg-"))
        self.base_dir = base_dir
        self.data_dir = base_dir / "data"
        self.socket_dir = base_dir / "run"
        self.port = _free_port()
        self.running = False
        self._as_postgres = (
            ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
        )

    @property
    def url(self) -> str:
        user = "postgres" if self._as_postgres else os.environ.get("USER", "postgres")
        return f"postgresql+psycopg://{user}@127.0.0.1:{self.port}/helpdesk_test"

    def start(self) -> PostgresServer:
        self.socket_dir.mkdir(parents=True)
        if self._as_postgres:
            shutil.chown(self.data_dir.parent, "postgres")
            shutil.chown(self.socket_dir, "postgres")
        self._run(
            _bin("initdb"),
            "-D",
            str(self.data_dir),
            "-A",
            "trust",
            "-E",
            "UTF8",
            "--locale=C.UTF-8",
            "-U",
            self._user,
        )
        # The free port can be taken between _free_port() and the server's
        # bind (by another pytest-xdist worker starting its own server): then
        # try the next free port.
        for attempt in range(3):
            try:
                self._start_server()
                self.running = True
                break
            except RuntimeError:
                if attempt == 2:
                    raise
                self.port = _free_port()
        self._run(
            _bin("createdb"),
            "-h",
            "127.0.0.1",
            "-p",
            str(self.port),
            "-U",
            self._user,
            "helpdesk_test",
        )
        return self

    @property
    def _user(self) -> str:
        return self.url.split("//")[1].split("@")[0]

    def _start_server(self) -> None:
        self._run(
            _bin("pg_ctl"),
            "-D",
            str(self.data_dir),
            "-w",
            "-l",
            str(self.data_dir / "server.log"),
            "-o",
            f"-h 127.0.0.1 -p {self.port} -k {self.socket_dir} -F "
            "-c synchronous_commit=off -c full_page_writes=off",
            "start",
        )

    def halt(self, mode: str = "fast") -> None:
        """Stop the server, keeping its data; its clients' connections drop.
        (``immediate`` may lose the last commits: synchronous_commit is off.)"""
        self._run(_bin("pg_ctl"), "-D", str(self.data_dir), "-m", mode, "stop")
        self.running = False

    def resume(self) -> None:
        """Start a halted server again on the same port."""
        self._start_server()
        self.running = True

    def stop(self) -> None:
        if self.running:
            self.halt("immediate")
        shutil.rmtree(self.base_dir, ignore_errors=True)

    def _run(self, *command: str) -> None:
        result = subprocess.run(
            [*self._as_postgres, *command], capture_output=True, text=True
        )
        if result.returncode != 0:
            raise RuntimeError(f"{command[0]} failed: {result.stderr or result.stdout}")
