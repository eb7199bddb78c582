"""Fault fixtures: the app with a short SQLite busy timeout, and a second
sqlite3 connection that holds the write lock on the test database file."""

from __future__ import annotations

import os
import shutil
import sqlite3
import stat
import subprocess
from pathlib import Path

import pytest

from app import create_app
from config import TestingConfig
from helpdesk.extensions import db
from tests.conftest import empty_all_tables

BUSY_TIMEOUT_MS = 200


@pytest.fixture
def app(migrated_url, clock):
    """Like the suite's app, but a write waits only 0.2 s for a held lock."""
    app = create_app(
        TestingConfig,
        clock=clock,
        overrides={
            "SQLALCHEMY_DATABASE_URI": migrated_url,
            "SQLITE_BUSY_TIMEOUT_MS": BUSY_TIMEOUT_MS,
        },
    )
    yield app
    with app.app_context():
        empty_all_tables()
        db.engine.dispose()


class WriteLock:
    """Another process's writer, as far as SQLite can tell: its own
    connection to the file, in a ``BEGIN IMMEDIATE`` or ``EXCLUSIVE``
    transaction until released (from any thread: a test's SMTP server may
    take it while it accepts a message)."""

    def __init__(self, path: str, mode: str) -> None:
        self._connection: sqlite3.Connection | None = sqlite3.connect(
            path, isolation_level=None, check_same_thread=False
        )
        self._connection.execute(f"BEGIN {mode}")

    def release(self) -> None:
        if self._connection is None:
            return
        self._connection.rollback()
        self._connection.close()
        self._connection = None


@pytest.fixture
def write_lock(app):
    """``write_lock("IMMEDIATE")`` takes the lock; it is released at the
    latest when the test ends."""
    uri = app.config["SQLALCHEMY_DATABASE_URI"]
    if not uri.startswith("sqlite:///"):
        pytest.skip("a held SQLite write lock needs the SQLite test database")
    held: list[WriteLock] = []

    def take(mode: str = "IMMEDIATE") -> WriteLock:
        lock = WriteLock(uri.removeprefix("sqlite:///"), mode)
        held.append(lock)
        return lock

    yield take
    for lock in held:
        lock.release()


class ReadOnlyDisk:
    """The database file, its WAL and its folder made unwritable, and back.

    Not the ``-shm`` file: SQLite maps it into memory, and a mapped page that
    cannot be written kills the process with SIGBUS, which no disk does to
    a process that already has it open. As root, whom file modes do not stop,
    the immutable attribute (``chattr +i``) stands in for the modes."""

    def __init__(self, db_path: Path) -> None:
        self._paths = [db_path, Path(f"{db_path}-wal"), db_path.parent]
        self._root = os.geteuid() == 0
        self._changed: list[tuple[Path, int]] = []

    def on(self) -> None:
        for path in (p for p in self._paths if p.exists()):
            if self._root:
                self._chattr("+i", path)
            else:
                mode = path.stat().st_mode
                path.chmod(mode & ~(stat.S_IWUSR | stat.S_IWGRP | stat.S_IWOTH))
            self._changed.append((path, path.stat().st_mode))

    def off(self) -> None:
        while self._changed:
            path, mode = self._changed.pop()
            if self._root:
                self._chattr("-i", path)
            else:
                path.chmod(mode | stat.S_IWUSR)

    @staticmethod
    def _chattr(flag: str, path: Path) -> None:
        done = subprocess.run(
            ["chattr", flag, str(path)], capture_output=True, text=True, check=False
        )
        if done.returncode != 0:
            raise RuntimeError(f"chattr {flag} {path}: {done.stderr.strip()}")


@pytest.fixture
def read_only_disk(app):
    """``read_only_disk.on()`` / ``.off()``; always off again when the test
    ends."""
    uri = app.config["SQLALCHEMY_DATABASE_URI"]
    if not uri.startswith("sqlite:///"):
        pytest.skip("a read-only database file needs the SQLite test database")
    if os.geteuid() == 0 and shutil.which("chattr") is None:
        pytest.skip("chattr (e2fsprogs) is needed to stop root writing")
    disk = ReadOnlyDisk(Path(uri.removeprefix("sqlite:///")))
    try:
        disk.on()
    except RuntimeError as err:  # a file system without the attribute
        disk.off()
        pytest.skip(str(err))
    disk.off()
    yield disk
    disk.off()
