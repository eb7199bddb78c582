"""Throttling of logins, password resets and token creation (Flask-Limiter).

Each limited form counts per account (the e-mail it names) and per address
(the client's, as ProxyFix gives it). Logins, two-factor codes and token
requests share the account's count of *failures* (a 401), so a guesser cannot
take turns between the login page, the code step and the API; reset and
sign-up requests count every one that passes its form's checks (each one
mails someone).

The counters live where every gunicorn worker (and every machine) sees them:
by default in our own ``rate_limits`` table (``DatabaseStorage``, a
``limits`` storage over SQLAlchemy: SQLite and PostgreSQL), or in Redis when
``RATELIMIT_STORAGE_URI`` names one (``redis://host:6379``, which needs the
``redis`` package). Windows are fixed, start at their first hit and are
timed by the app's clock, so tests move the clock instead of waiting.
"""

from __future__ import annotations

import logging
import math
from datetime import datetime, timedelta

import sqlalchemy as sa
from flask import Flask, current_app, has_app_context, request
from flask_babel import ngettext
from flask_limiter import Limiter, RateLimitExceeded
from flask_limiter.util import get_remote_address
from limits.storage import Storage

from helpdesk.clock import SystemClock, get_clock
from helpdesk.db import UTCDateTime, dialect_insert
from helpdesk.extensions import db
from helpdesk.http import discard_transaction, error_response
from helpdesk.service.accounts import normalise_email
from helpdesk.signin.models import RateLimitCounter

log = logging.getLogger(__name__)

# The scheme of RATELIMIT_STORAGE_URI that selects ``DatabaseStorage``.
DATABASE_SCHEME = "helpdesk-db"

limiter = Limiter(
    key_func=get_remote_address,
    # Retry-After is set by ``too_many_attempts`` from the app's clock.
    headers_enabled=False,
)


def init_app(app: Flask) -> None:
    limiter.init_app(app)
    app.register_error_handler(RateLimitExceeded, too_many_attempts)


def _now() -> datetime:
    # The limiter may ask outside a request (its own housekeeping): then the
    # system clock, the same one the app's clock is by default.
    return get_clock().now() if has_app_context() else SystemClock().now()


# --- the shared store ---------------------------------------------------------


class DatabaseStorage(Storage):
    """Fixed-window counters in the ``rate_limits`` table, one row per key.

    An increment is one atomic upsert (``INSERT … ON CONFLICT DO UPDATE …
    RETURNING``, which SQLite and PostgreSQL both have) that restarts the
    window when the stored one has ended, in its own short transaction on its
    own connection: it never waits for, or commits, the request's work.
    Only the fixed-window strategy is supported (the default)."""

    STORAGE_SCHEME = [DATABASE_SCHEME]

    def __init__(self, uri: str | None = None, wrap_exceptions: bool = False, **_):
        super().__init__(uri, wrap_exceptions=wrap_exceptions)

    @property
    def base_exceptions(self) -> type[Exception]:
        return sa.exc.SQLAlchemyError

    def incr(self, key: str, expiry: int, amount: int = 1) -> int:
        now = _now()
        expires_at = sa.literal(now + timedelta(seconds=expiry), UTCDateTime())
        table = RateLimitCounter.__table__
        ended = table.c.expires_at <= sa.literal(now, UTCDateTime())
        with db.engine.begin() as connection:
            insert = dialect_insert(connection.dialect.name)(table).values(
                key=key, hits=amount, expires_at=expires_at
            )
            statement = insert.on_conflict_do_update(
                index_elements=[table.c.key],
                # Both SET expressions see the old row: a window that has
                # ended starts again with this hit.
                set_={
                    "hits": sa.case((ended, amount), else_=table.c.hits + amount),
                    "expires_at": sa.case(
                        (ended, expires_at), else_=table.c.expires_at
                    ),
                },
            ).returning(table.c.hits)
            return connection.execute(statement).scalar_one()

    def _live(self, key: str):
        """The key's window if it has not ended: (hits, expires_at) or None."""
        table = RateLimitCounter.__table__
        with db.engine.connect() as connection:
            return connection.execute(
                sa.select(table.c.hits, table.c.expires_at).where(
                    table.c.key == key, table.c.expires_at > _now()
                )
            ).first()

    def get(self, key: str) -> int:
        row = self._live(key)
        return row.hits if row else 0

    def get_expiry(self, key: str) -> float:
        row = self._live(key)
        return (row.expires_at if row else _now()).timestamp()

    def check(self) -> bool:
        with db.engine.connect() as connection:
            connection.execute(sa.select(1))
        return True

    def reset(self) -> int | None:
        with db.engine.begin() as connection:
            return connection.execute(sa.delete(RateLimitCounter)).rowcount

    def clear(self, key: str) -> None:
        with db.engine.begin() as connection:
            connection.execute(
                sa.delete(RateLimitCounter).where(RateLimitCounter.key == key)
            )


def prune(*, now: datetime) -> int:
    """Delete the counters whose window has ended (idempotent)."""
    return db.session.execute(
        sa.delete(RateLimitCounter).where(RateLimitCounter.expires_at <= now)
    ).rowcount


# --- keys and limits ----------------------------------------------------------


def _submitted_email() -> str:
    """The account a form or JSON body names ("" skips the account limit)."""
    if request.is_json:
        try:
            data = request.get_json(silent=True)
        except RecursionError:  # json_body answers it with a 400
            data = None
        email = data.get("email") if isinstance(data, dict) else None
    else:
        email = request.form.get("email")
    if not isinstance(email, str):
        return ""
    return "account:" + normalise_email(email)[:254]


def pending_account() -> str:
    """The account of the two-factor step (set by ``helpdesk.auth``)."""
    from helpdesk.auth import pending_login_email  # the step's own session key

    email = pending_login_email()
    return "account:" + email if email else ""


def address() -> str:
    return "address:" + (get_remote_address() or "unknown")


def _failed(response) -> bool:
    return response.status_code == 401


def _accepted(response) -> bool:
    """A reset request or sign-up that got past its form's checks (and so may
    have mailed someone); a form sent back with its errors mails nobody."""
    return response.status_code == 200


def _setting(name: str):
    return lambda: current_app.config[name]


def _limits(family: str, *, account_key, deduct_when):
    """Decorators for one family of limits (``login`` or ``mail``): one per
    account, one per address, shared by every endpoint of the family;
    ``deduct_when(response)`` says which answers count."""
    by_account = limiter.shared_limit(
        _setting(f"RATELIMIT_{family.upper()}_ACCOUNT"),
        scope=f"{family}-account",
        key_func=account_key,
        methods=["POST"],
        deduct_when=deduct_when,
    )
    by_address = limiter.shared_limit(
        _setting(f"RATELIMIT_{family.upper()}_ADDRESS"),
        scope=f"{family}-address",
        key_func=address,
        methods=["POST"],
        deduct_when=deduct_when,
    )

    def decorate(view):
        return by_account(by_address(view))

    return decorate


# The login form and POST /api/v1/auth/token: failures per account, per address.
login_limits = _limits("login", account_key=_submitted_email, deduct_when=_failed)
# The two-factor step: the same counts, the account being the one logging in.
code_limits = _limits("login", account_key=pending_account, deduct_when=_failed)
# Reset requests and sign-ups: per address asked for, per client address.
mail_limits = _limits("mail", account_key=_submitted_email, deduct_when=_accepted)


# --- the answer -----------------------------------------------------------------


def too_many_attempts(err: RateLimitExceeded):
    """429 with Retry-After (seconds until the breached window ends, by the
    app's clock) and a message that says how long: a page for forms, the
    JSON error under /api."""
    discard_transaction()
    seconds = _retry_after_seconds()
    minutes = math.ceil(seconds / 60)
    message = ngettext(
        "Too many attempts. Try again in %(num)d minute.",
        "Too many attempts. Try again in %(num)d minutes.",
        minutes,
    )
    log.warning(
        "throttled endpoint=%s address=%s", request.endpoint, get_remote_address()
    )
    body, status = error_response(429, "too_many_requests", message)
    return body, status, {"Retry-After": str(seconds)}


def _retry_after_seconds() -> int:
    breached = limiter.current_limit
    if breached is None:
        return 60
    reset_at = breached.window.reset_time
    return max(1, math.ceil(reset_at - _now().timestamp()))
