"""Two-factor login: a TOTP secret shared with an authenticator app (RFC
6238, 30-second steps, ``pyotp``), and single-use recovery codes.

Enrolment stores a secret unconfirmed; the first valid code confirms it and
hands out the recovery codes (shown once, stored as SHA-256 digests). A code
is accepted for the current step or one either side (clock drift), and never
twice: the last accepted step is kept and only later ones pass. An admin can
require two factors for roles (``TwoFactorRole``); such a user who has not
enrolled yet is sent to enrol at login.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from datetime import datetime

import pyotp
import segno
import sqlalchemy as sa

from helpdesk.extensions import db
from helpdesk.models import User
from helpdesk.signin.models import RecoveryCode, TwoFactorRole, TwoFactorSecret
from helpdesk.vocabulary import STAFF_ROLES, Role

RECOVERY_CODES = 10
# Letters and digits that cannot be mistaken for one another.
_RECOVERY_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"


# --- the admin's requirement --------------------------------------------------


def required_roles() -> set[Role]:
    return set(db.session.scalars(sa.select(TwoFactorRole.role)))


def set_required_roles(roles: set[Role]) -> None:
    """Staff roles only: customers may enrol, but are never made to."""
    roles = {r for r in roles if r in STAFF_ROLES}
    db.session.execute(sa.delete(TwoFactorRole))
    db.session.add_all(TwoFactorRole(role=r) for r in sorted(roles))
    db.session.flush()


def is_required(user: User) -> bool:
    return db.session.get(TwoFactorRole, user.role) is not None


# --- enrolment ----------------------------------------------------------------


def _secret_of(user: User) -> TwoFactorSecret | None:
    return db.session.get(TwoFactorSecret, user.id)


def is_enabled(user: User) -> bool:
    row = _secret_of(user)
    return row is not None and row.confirmed_at is not None


def begin_enrolment(user: User, *, now: datetime) -> TwoFactorSecret:
    """A fresh unconfirmed secret for ``user`` to scan; when two factors are
    already on, the confirmed secret as it is (replacing it takes turning
    two factors off first, with a code)."""
    row = _secret_of(user)
    if row is not None and row.confirmed_at is not None:
        return row
    if row is None:
        row = TwoFactorSecret(user_id=user.id, created_at=now)
        db.session.add(row)
    row.secret = pyotp.random_base32()
    row.created_at = now
    row.last_step = None
    db.session.flush()
    return row


def pending_secret(user: User) -> str | None:
    row = _secret_of(user)
    return row.secret if row is not None and row.confirmed_at is None else None


def provisioning_uri(user: User, secret: str, *, issuer: str) -> str:
    return pyotp.TOTP(secret).provisioning_uri(name=user.email, issuer_name=issuer)


def qr_data_uri(uri: str) -> str:
    """The otpauth:// URI as a QR code: an SVG ``data:`` URI for an <img>
    (the CSP allows data: images, and no inline markup is needed)."""
    return segno.make(uri, error="m").svg_data_uri(scale=5, border=2)


def confirm_enrolment(user: User, code: str, *, now: datetime) -> list[str] | None:
    """Turn two factors on with the first code from the app: the new recovery
    codes, or None when the code is wrong (or nothing awaits confirmation)."""
    row = _secret_of(user)
    if row is None or row.confirmed_at is not None:
        return None
    if not _accept_totp(row, code, now=now):
        return None
    row.confirmed_at = now
    return new_recovery_codes(user, now=now)


def disable(user: User) -> None:
    db.session.execute(
        sa.delete(TwoFactorSecret).where(TwoFactorSecret.user_id == user.id)
    )
    db.session.execute(sa.delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
    db.session.flush()


# --- codes --------------------------------------------------------------------


def _normalise(code: str) -> str:
    return "".join(ch for ch in (code or "").lower() if ch.isalnum())


def _accept_totp(row: TwoFactorSecret, code: str, *, now: datetime) -> bool:
    code = _normalise(code)
    if not (len(code) == 6 and code.isdigit()):
        return False
    totp = pyotp.TOTP(row.secret)
    current = totp.timecode(now)
    for step in (current - 1, current, current + 1):
        if row.last_step is not None and step <= row.last_step:
            continue  # used already: a code works once
        if hmac.compare_digest(totp.generate_otp(step), code):
            row.last_step = step
            db.session.flush()
            return True
    return False


def verify(user: User, code: str, *, now: datetime) -> bool:
    """A second factor for ``user``'s login: a current code from the app, or
    one of their unused recovery codes (used up by this)."""
    row = _secret_of(user)
    if row is None or row.confirmed_at is None:
        return False
    return _accept_totp(row, code, now=now) or _use_recovery_code(user, code, now=now)


def _digest(code: str) -> str:
    return hashlib.sha256(_normalise(code).encode()).hexdigest()


def new_recovery_codes(user: User, *, now: datetime) -> list[str]:
    """Replace ``user``'s recovery codes: the new ones, to show once."""
    codes = [
        "".join(secrets.choice(_RECOVERY_ALPHABET) for _ in range(10))
        for _ in range(RECOVERY_CODES)
    ]
    db.session.execute(sa.delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
    db.session.add_all(
        RecoveryCode(user_id=user.id, digest=_digest(c), created_at=now) for c in codes
    )
    db.session.flush()
    return [f"{c[:5]}-{c[5:]}" for c in codes]


def _use_recovery_code(user: User, code: str, *, now: datetime) -> bool:
    """One conditional UPDATE: of two logins racing with one code, one wins."""
    if len(_normalise(code)) != 10:
        return False
    used = db.session.execute(
        sa.update(RecoveryCode)
        .where(
            RecoveryCode.user_id == user.id,
            RecoveryCode.digest == _digest(code),
            RecoveryCode.used_at.is_(None),
        )
        .values(used_at=now)
        .execution_options(synchronize_session=False)
    )
    return used.rowcount == 1


def recovery_codes_left(user: User) -> int:
    return db.session.scalar(
        sa.select(sa.func.count())
        .select_from(RecoveryCode)
        .where(RecoveryCode.user_id == user.id, RecoveryCode.used_at.is_(None))
    )
