"""One request's unit of work: answered from what it wrote, and retried as
a whole when SQLite's write lock stays taken.

``keep_written()`` tells the packages that this unit will answer from the
objects it wrote (they may keep what they would otherwise read back, e.g.
the SLA clocks of a new ticket); ``commit_keeping_state()`` commits without
expiring them, so the answer is built from memory, not re-read.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable
from typing import TypeVar

import sqlalchemy as sa
from flask import current_app
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

from helpdesk.extensions import db

log = logging.getLogger(__name__)

T = TypeVar("T")
_KEEP = "unit_of_work.keep_written"
# Models whose new rows nobody reads back as objects in the transaction
# that writes them (timeline events, outbox messages).
_append_only: list[type] = []


def append_only(*models: type) -> None:
    """New rows of ``models`` may be written by one ``executemany`` each
    (without their ids coming back) when the unit of work keeps what it wrote."""
    _append_only.extend(m for m in models if m not in _append_only)


def keep_written() -> None:
    db.session.info[_KEEP] = True


def keeps_written(session: Session) -> bool:
    return bool(session.info.get(_KEEP))


def commit_keeping_state() -> None:
    """Commit; what the unit wrote stays loaded (it is what is stored)."""
    session = db.session()
    session.expire_on_commit = False
    try:
        session.commit()
    finally:
        session.expire_on_commit = True


def _batch_appends(session: Session, _flush_context, _instances) -> None:
    """``before_flush``: write the pending append-only rows of a unit that
    keeps what it wrote as one ``executemany`` per table, in the order they
    were added, and let the flush forget them. The ORM would send one
    INSERT ... RETURNING per row on SQLite (it cannot match returned ids to
    rows there); these rows' ids are never needed in the transaction."""
    if not _append_only or not keeps_written(session):
        return
    pending = sorted(
        (sa.inspect(obj) for obj in session.new if type(obj) in _append_only),
        key=lambda state: state.insert_order,
    )
    by_model: dict[type, list] = {}
    for state in pending:
        # A row whose parent is not stored yet is left to the ORM's ordering.
        if all(
            getattr(state.obj(), column.key, None) is not None
            for column in _parents(state.mapper)
        ):
            by_model.setdefault(state.class_, []).append(state.obj())
    connection = session.connection()
    for model, objects in by_model.items():
        table = model.__table__
        connection.execute(table.insert(), [_row(table, obj) for obj in objects])
        for obj in objects:
            session.expunge(obj)


def _parents(mapper) -> list:
    return [c for c in mapper.local_table.c if c.foreign_keys and not c.nullable]


def _row(table: sa.Table, obj) -> dict:
    row = {}
    for column in table.c:
        if column.primary_key:
            continue
        value = obj.__dict__.get(column.key)
        if value is None and column.default is not None:
            default = column.default
            value = default.arg(None) if default.is_callable else default.arg
        row[column.key] = value
    return row


def connect() -> None:
    if not sa.event.contains(db.session, "before_flush", _batch_appends):
        sa.event.listen(db.session, "before_flush", _batch_appends)


def _locked(err: OperationalError) -> bool:
    return "database is locked" in str(err.orig) or "database is busy" in str(err.orig)


def retried_when_locked(view: Callable[..., T]) -> Callable[..., T]:
    """Run ``view`` again from the start, on a clean session, when SQLite
    answers "database is locked" (each attempt already waited its busy
    timeout), up to ``SQLITE_LOCK_RETRIES`` more times; then the error goes
    to the 503 handler. Nothing of a failed attempt is kept: it rolled back."""

    @functools.wraps(view)
    def wrapped(*args, **kwargs):
        retries = current_app.config.get("SQLITE_LOCK_RETRIES", 0)
        for attempt in range(retries + 1):
            try:
                return view(*args, **kwargs)
            except OperationalError as err:
                if attempt == retries or not _locked(err):
                    raise
                db.session.rollback()
                log.warning(
                    "db.locked retry=%s endpoint=%s", attempt + 1, view.__name__
                )
        raise AssertionError("unreachable")

    return wrapped
