"""The sessions a user has open: one row per logged-in browser.

The session cookie (signed by Flask) carries a random key; only its SHA-256
digest is stored, so the table alone cannot be turned into a cookie. The
user loader accepts a cookie only while its row exists: revoking a session,
logging out, a new password or a deactivation delete rows, which ends those
sessions on the server however long the cookie lives.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm.attributes import set_committed_value

from helpdesk.errors import NotFound
from helpdesk.extensions import db
from helpdesk.models import User
from helpdesk.signin.models import UserSession


def digest(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def open_session(
    user: User, *, user_agent: str, address: str | None, now: datetime
) -> tuple[str, UserSession]:
    """A new session of ``user``: the key for the cookie and its row (flushed)."""
    key = secrets.token_urlsafe(32)
    row = UserSession(
        user_id=user.id,
        key_digest=digest(key),
        user_agent=(user_agent or "")[:255],
        address=(address or None) and address[:45],
        created_at=now,
        last_seen_at=now,
    )
    db.session.add(row)
    db.session.flush()
    return key, row


def load(
    user_id: int, key: str | None, *, now: datetime, idle_days: int
) -> tuple[User, UserSession | None] | None:
    """The user and, when ``key`` is one of theirs and was seen within
    ``idle_days``, the session's row - in one query (this runs on every
    request of a logged-in browser). None for an unknown user."""
    fresh = sa.and_(
        UserSession.user_id == User.id,
        UserSession.key_digest == digest(key or ""),
        UserSession.last_seen_at > now - timedelta(days=idle_days),
    )
    row = db.session.execute(
        sa.select(User, UserSession)
        .outerjoin(UserSession, fresh)
        .where(User.id == user_id)
    ).first()
    if row is None:
        return None
    return row[0], row[1]


def touch(row: UserSession, *, now: datetime, every_seconds: int) -> None:
    """Record that the session was used, at most every ``every_seconds``: in a
    short transaction of its own, so a read-only page still records it and a
    request's own work is never committed by it."""
    if now - row.last_seen_at < timedelta(seconds=every_seconds):
        return
    with db.engine.begin() as connection:
        connection.execute(
            sa.update(UserSession.__table__)
            .where(UserSession.__table__.c.id == row.id)
            .values(last_seen_at=now)
        )
    set_committed_value(row, "last_seen_at", now)  # nothing left to flush


def list_sessions(user: User) -> list[UserSession]:
    return list(
        db.session.scalars(
            sa.select(UserSession)
            .where(UserSession.user_id == user.id)
            .order_by(UserSession.last_seen_at.desc(), UserSession.id.desc())
        )
    )


def revoke(user: User, session_id: int) -> None:
    """End one of ``user``'s sessions (also the current one); others' are 404."""
    deleted = db.session.execute(
        sa.delete(UserSession).where(
            UserSession.id == session_id, UserSession.user_id == user.id
        )
    ).rowcount
    if not deleted:
        raise NotFound(_l("Session not found."))


def end_all(user: User, *, keep: int | None = None) -> None:
    """End every session of ``user`` except ``keep`` (the browser that changed
    the password goes on)."""
    query = sa.delete(UserSession).where(UserSession.user_id == user.id)
    if keep is not None:
        query = query.where(UserSession.id != keep)
    db.session.execute(query)


def prune(*, now: datetime, idle_days: int) -> int:
    """Delete sessions unseen for ``idle_days`` (the loader refuses them
    already); idempotent."""
    return db.session.execute(
        sa.delete(UserSession).where(
            UserSession.last_seen_at <= now - timedelta(days=idle_days)
        )
    ).rowcount
