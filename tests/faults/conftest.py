"""Fault fixtures: the app with a short SQLite busy timeout, and a second
sqlite3 connection that holds the write lock on the test database file."""

from __future__ import annotations

import sqlite3

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
