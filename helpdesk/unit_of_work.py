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

from flask import current_app
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

from helpdesk.extensions import db

log = logging.getLogger(__name__)

T = TypeVar("T")
_KEEP = "unit_of_work.keep_written"


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
