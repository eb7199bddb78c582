"""A per-process cache of the reference data every request reads and hardly
anyone changes: SLA policies and their calendars, the compiled rule book,
categories, the agents of each line.

One row of ``cache_stamps`` says which version of that data is current. A
flush that adds, changes or deletes an instance of a watched model writes a
fresh random stamp in the same transaction, so once the change commits every
process - each web worker, the scheduler, another machine on the same
PostgreSQL - sees a stamp it has not cached under and reloads at its next
transaction. Each transaction reads the stamp once (one primary-key read).
Values are kept per database, so two apps in one process never share them.

Cached ORM objects are detached copies; ``attach`` puts one into the current
session (``merge(load=False)``: no SQL), so relationships that point at it
resolve from the identity map.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any, TypeVar

import sqlalchemy as sa
from sqlalchemy.orm import Session

from helpdesk.db import dialect_insert
from helpdesk.extensions import db
from helpdesk.runtime_models import CacheStamp

T = TypeVar("T")

STAMP = "reference"
_STAMP_KEY = "refcache.stamp"
_BUMPED_KEY = "refcache.bumped"

# (database url, name) -> (stamp, value)
_entries: dict[tuple[str, str], tuple[str, Any]] = {}
# model -> which of its changed instances matter (None: all of them)
_watched: dict[type, Callable[[Any], bool] | None] = {}


def watch(model: type, relevant: Callable[[Any], bool] | None = None) -> None:
    """Changes to instances of ``model`` (those ``relevant`` accepts) make a
    new version of the data."""
    _watched[model] = relevant


def cached(name: str, load: Callable[[Session], T]) -> T:
    """``load(session)``'s value, built once per process and version.

    ``load`` runs in a side session on this transaction's connection (it sees
    what this transaction sees) and its objects come out detached. Inside a
    transaction that changed watched data the value is loaded in the
    request's own session and not kept: it may yet be rolled back."""
    session = db.session()
    if session.info.get(_BUMPED_KEY):
        return load(session)
    stamp = current_stamp()
    key = (str(db.engine.url), name)
    hit = _entries.get(key)
    if stamp is not None and hit is not None and hit[0] == stamp:
        return hit[1]
    with Session(bind=session.connection(), autoflush=False) as side:
        value = load(side)
    if stamp is not None:
        _entries[key] = (stamp, value)
    return value


def current_stamp() -> str | None:
    """This transaction's stamp; read once (None: no row, nothing is kept)."""
    session = db.session()
    if _STAMP_KEY not in session.info:
        session.info[_STAMP_KEY] = session.connection().scalar(
            sa.select(CacheStamp.value).where(CacheStamp.name == STAMP)
        )
    return session.info[_STAMP_KEY]


def attach(obj: T) -> T:
    """The session's copy of a cached object, without a query."""
    session = db.session()
    key = sa.inspect(obj).identity_key
    present = session.identity_map.get(key)
    if present is not None:
        return present
    return session.merge(obj, load=False)


def _matters(obj: Any) -> bool:
    model = type(obj)
    if model not in _watched:
        return False
    relevant = _watched[model]
    return relevant is None or relevant(obj)


def _changes_watched(session: Session) -> bool:
    if any(_matters(obj) for obj in session.new | session.deleted):
        return True
    return any(
        _matters(obj) and session.is_modified(obj, include_collections=False)
        for obj in session.dirty
    )


def _after_flush(session: Session, _flush_context) -> None:
    # (new / dirty / deleted still list what this flush wrote)
    if not _changes_watched(session):
        return
    value = uuid.uuid4().hex
    connection = session.connection()
    statement = dialect_insert(connection.dialect.name)(CacheStamp).values(
        name=STAMP, value=value
    )
    connection.execute(
        statement.on_conflict_do_update(index_elements=["name"], set_={"value": value})
    )
    session.info[_STAMP_KEY] = value
    session.info[_BUMPED_KEY] = True


def _after_transaction_end(session: Session, transaction) -> None:
    if transaction.parent is None and not transaction.nested:
        session.info.pop(_STAMP_KEY, None)
        session.info.pop(_BUMPED_KEY, None)


def forget_all() -> None:
    """Drop every cached value (tests that rewrite data behind the ORM)."""
    _entries.clear()


def init_app(_app) -> None:
    """Listen on the session once (idempotent)."""
    for name, listener in (
        ("after_flush", _after_flush),
        ("after_transaction_end", _after_transaction_end),
    ):
        if not sa.event.contains(db.session, name, listener):
            sa.event.listen(db.session, name, listener)
