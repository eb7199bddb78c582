"""Tables of signing in: open sessions, two-factor secrets and recovery
codes, the roles that must use two factors, and rate-limit counters."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from helpdesk.db import Base, str_enum
from helpdesk.vocabulary import Role


class UserSession(Base):
    """One logged-in browser. The cookie carries a random key whose SHA-256
    digest is stored here; deleting the row ends that session on the server
    (the user loader finds no row)."""

    __tablename__ = "user_sessions"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(
        sa.ForeignKey("users.id", ondelete="CASCADE"), index=True
    )
    key_digest: Mapped[str] = mapped_column(sa.String(64), unique=True)
    user_agent: Mapped[str] = mapped_column(sa.String(255), default="")
    address: Mapped[str | None] = mapped_column(sa.String(45))
    created_at: Mapped[datetime]
    # Refreshed at most every SESSION_TOUCH_SECONDS, not on every request.
    last_seen_at: Mapped[datetime] = mapped_column(index=True)


class TwoFactorSecret(Base):
    """A user's TOTP secret (base32, as the authenticator app holds it).
    ``confirmed_at`` is None while enrolment waits for the first code."""

    __tablename__ = "two_factor_secrets"

    user_id: Mapped[int] = mapped_column(
        sa.ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    secret: Mapped[str] = mapped_column(sa.String(64))
    created_at: Mapped[datetime]
    confirmed_at: Mapped[datetime | None]
    # The last time step a code was accepted for: a code works once.
    last_step: Mapped[int | None] = mapped_column(sa.BigInteger)


class RecoveryCode(Base):
    """A single-use code for when the phone is lost; only its digest is
    stored (the codes are random, so a plain SHA-256 suffices, as for API
    tokens)."""

    __tablename__ = "recovery_codes"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(
        sa.ForeignKey("users.id", ondelete="CASCADE"), index=True
    )
    digest: Mapped[str] = mapped_column(sa.String(64))
    created_at: Mapped[datetime]
    used_at: Mapped[datetime | None]


class TwoFactorRole(Base):
    """A role whose users must log in with a second factor (set by an admin)."""

    __tablename__ = "two_factor_roles"

    role: Mapped[Role] = mapped_column(
        str_enum(Role, "two_factor_role"), primary_key=True
    )


class RateLimitCounter(Base):
    """One fixed window of a rate limit (``helpdesk.signin.throttle``):
    ``hits`` within the window that ends at ``expires_at``."""

    __tablename__ = "rate_limits"

    key: Mapped[str] = mapped_column(sa.String(255), primary_key=True)
    hits: Mapped[int]
    expires_at: Mapped[datetime] = mapped_column(index=True)
