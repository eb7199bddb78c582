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
_AFTER = "unit_of_work.after_parents"
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
    rows there); these rows' ids are never needed in the transaction.

    Rows whose parent is itself pending (a new ticket with its id already
    reserved) wait for ``after_flush``, when the flush has written the parent."""
    if not _append_only or not keeps_written(session) or _instances:
        return  # (a flush of chosen objects leaves the rest for the next)
    pending = sorted(
        (sa.inspect(obj) for obj in session.new if type(obj) in _append_only),
        key=lambda state: state.insert_order,
    )
    if not pending:
        return
    parents_pending = _pending_keys(session)
    at_once: dict[type, list] = {}
    after: dict[type, list] = {}
    for state in pending:
        obj = state.obj()
        # A row whose parent has no id yet is left to the ORM's ordering.
        if any(getattr(obj, c.key, None) is None for c in _parents(state.mapper)):
            continue
        waits = any(
            (_referred_table(column), getattr(obj, column.key, None)) in parents_pending
            for column in _references(state.mapper)
        )
        (after if waits else at_once).setdefault(state.class_, []).append(obj)
    _execute(session, _rows(at_once))
    _expunge(session, at_once)
    if after:
        session.info.setdefault(_AFTER, []).append(_rows(after))
        _expunge(session, after)


def _write_after_parents(session: Session, _flush_context) -> None:
    """``after_flush``: the rows that waited for their pending parents."""
    for batch in session.info.pop(_AFTER, []):
        _execute(session, batch)


def _execute(session: Session, batch: list[tuple[sa.Table, list[dict]]]) -> None:
    for table, rows in batch:
        session.connection().execute(table.insert(), rows)


def _expunge(session: Session, by_model: dict[type, list]) -> None:
    """The flush no longer writes these: they are written by ``_execute``."""
    for objects in by_model.values():
        for obj in objects:
            session.expunge(obj)


def _rows(by_model: dict[type, list]) -> list[tuple[sa.Table, list[dict]]]:
    return [
        (model.__table__, [_row(model.__table__, obj) for obj in objects])
        for model, objects in by_model.items()
    ]


def _pending_keys(session: Session) -> set[tuple[str, object]]:
    """(table name, primary key) of the pending rows that already have their id."""
    keys = set()
    for obj in session.new:
        if type(obj) in _append_only:
            continue
        identity = sa.inspect(obj).mapper.primary_key_from_instance(obj)
        if len(identity) == 1 and identity[0] is not None:
            keys.add((type(obj).__table__.name, identity[0]))
    return keys


def _referred_table(column: sa.Column) -> str:
    return next(iter(column.foreign_keys)).column.table.name


# (a model's columns do not change once mapped: worked out once per mapper)
@functools.cache
def _parents(mapper) -> list:
    return [c for c in mapper.local_table.c if c.foreign_keys and not c.nullable]


@functools.cache
def _references(mapper) -> list:
    return [c for c in mapper.local_table.c if c.foreign_keys]


def _forget_waiting(session: Session, *_args) -> None:
    session.info.pop(_AFTER, None)


def _row(table: sa.Table, obj) -> dict:
    row = {}
    for column in table.c:
        value = obj.__dict__.get(column.key)
        # An id the database hands out; a key that is a reference (a
        # ticket's search row) is written as it is.
        if column.primary_key and value is None:
            continue
        if value is None and column.default is not None:
            default = column.default
            value = default.arg(None) if default.is_callable else default.arg
        row[column.key] = value
    return row


def connect() -> None:
    if not sa.event.contains(db.session, "before_flush", _batch_appends):
        sa.event.listen(db.session, "before_flush", _batch_appends)
        sa.event.listen(db.session, "after_flush", _write_after_parents)
        sa.event.listen(db.session, "after_soft_rollback", _forget_waiting)


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
