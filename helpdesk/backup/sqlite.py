"""SQLite: a consistent copy while the app runs, its checks, and restoring it.

The copy comes from SQLite's online backup API in one step: it reads one
snapshot of the database while web workers and the scheduler go on writing
(WAL lets them), so the copy is the database as of one instant. Restoring
goes through the same API the other way: the live file's pages are replaced
inside one write transaction, so other processes' connections see either the
old database or the restored one, never a mix, and need no restart.
"""

from __future__ import annotations

import contextlib
import sqlite3
from collections.abc import Iterator
from pathlib import Path

import sqlalchemy as sa


def database_path(url: sa.engine.URL) -> Path:
    if not url.database or url.database == ":memory:":
        raise ValueError("an in-memory SQLite database cannot be backed up")
    return Path(url.database)


@contextlib.contextmanager
def _connect(path: Path, *, timeout: float = 30.0) -> Iterator[sqlite3.Connection]:
    connection = sqlite3.connect(str(path), timeout=timeout)
    try:
        yield connection
    finally:
        connection.close()


def copy_database(url: sa.engine.URL, target: Path) -> dict:
    """Copy the live database into the file ``target``; returns what the copy
    holds (``revision``, ``tables``, ``attachments``), read from the copy
    itself, so it describes exactly the snapshot taken."""
    with _connect(database_path(url)) as source, _connect(target) as copy:
        source.backup(copy)
        # One self-contained file: no -wal beside it.
        copy.execute("PRAGMA journal_mode=DELETE")
        return describe(copy)


def describe(connection: sqlite3.Connection) -> dict:
    """Revision, row count per table and the attachments' count and bytes."""
    tables = [
        name
        for (name,) in connection.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' "
            "AND name NOT LIKE 'sqlite_%' ORDER BY name"
        )
    ]
    counts = {
        name: connection.execute(f'SELECT count(*) FROM "{name}"').fetchone()[0]
        for name in tables
    }
    revision = None
    if "alembic_version" in counts:
        row = connection.execute("SELECT version_num FROM alembic_version").fetchone()
        revision = row[0] if row else None
    attachments = {"count": 0, "bytes": 0}
    if "attachments" in counts:
        count, size = connection.execute(
            "SELECT count(*), coalesce(sum(size_bytes), 0) FROM attachments"
        ).fetchone()
        attachments = {"count": count, "bytes": size}
    return {"revision": revision, "tables": counts, "attachments": attachments}


def check_copy(copy_file: Path) -> tuple[list[str], dict]:
    """``PRAGMA integrity_check`` and what the copy holds; the problems found
    (none: the copy is sound) and the description."""
    with _connect(copy_file) as copy:
        copy.execute("PRAGMA query_only=ON")
        result = [row[0] for row in copy.execute("PRAGMA integrity_check")]
        problems = [] if result == ["ok"] else [f"integrity_check: {r}" for r in result]
        return problems, describe(copy)


def describe_live(url: sa.engine.URL) -> dict:
    with _connect(database_path(url)) as live:
        return describe(live)


def restore_copy(copy_file: Path, url: sa.engine.URL, *, timeout: float) -> None:
    """Replace the live database's content with the copy's, in one go."""
    with (
        _connect(copy_file) as copy,
        _connect(database_path(url), timeout=timeout) as live,
    ):
        copy.backup(live)
