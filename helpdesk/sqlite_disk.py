"""SQLite on a disk that turns read-only or fails, then comes back: the
connections recover by themselves, with no restart.

SQLite opens a file it cannot write read-only, silently, and keeps it so:
a connection pooled while the disk was read-only would refuse every write
long after the disk is fine. So a connection remembers whether it could
write its file when it was opened, and one that could not is replaced at
checkout once the file is writable again; a connection whose write failed on
the disk is dropped like a lost one (with every connection pooled before it).
"""

from __future__ import annotations

import os
import sqlite3

import sqlalchemy as sa

# Errors after which a connection is not worth keeping.
_DISK_TROUBLE = (
    "attempt to write a readonly database",
    "disk i/o error",
    "unable to open database file",
)


@sa.event.listens_for(sa.engine.Engine, "connect")
def _remember_read_only_open(dbapi_connection, record) -> None:
    if not isinstance(dbapi_connection, sqlite3.Connection):
        return
    path = _main_file(dbapi_connection)
    if path and not os.access(path, os.W_OK):
        record.info["sqlite_read_only_file"] = path


@sa.event.listens_for(sa.pool.Pool, "checkout")
def _replace_if_writable_again(dbapi_connection, record, _proxy) -> None:
    path = record.info.get("sqlite_read_only_file")
    if path and os.access(path, os.W_OK):
        # The pool closes this one and opens a fresh, writable connection.
        raise sa.exc.DisconnectionError(f"{path} is writable again")


@sa.event.listens_for(sa.engine.Engine, "handle_error")
def _drop_after_disk_trouble(context) -> None:
    if context.dialect.name != "sqlite":
        return
    if any(m in str(context.original_exception).lower() for m in _DISK_TROUBLE):
        context.is_disconnect = True


def _main_file(dbapi_connection: sqlite3.Connection) -> str | None:
    for _seq, name, path in dbapi_connection.execute("PRAGMA database_list"):
        if name == "main":
            return path or None  # "" for an in-memory database
    return None
