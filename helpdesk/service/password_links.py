"""Links that set a password: a reset asked for on the login page, and the
invitation of a user created by an admin or registered by phone.

A link carries a token signed with the app's secret key (itsdangerous), bound
to one user and to a fingerprint of their password hash and session version:
setting a password changes both, so a link works once; it expires after
``PASSWORD_RESET_MAX_AGE_SECONDS`` (a reset) or ``INVITATION_MAX_AGE_SECONDS``
(an invitation). The mails are queued in the outbox in the recipient's
language.
"""

from __future__ import annotations

import enum
import hashlib
import hmac
from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from flask import current_app, render_template
from flask_babel import force_locale
from flask_babel import gettext as _
from itsdangerous import BadSignature, TimestampSigner, URLSafeTimedSerializer

from helpdesk.clock import get_clock
from helpdesk.extensions import db
from helpdesk.models import User
from helpdesk.outbox import OutboxChannel, enqueue


class LinkKind(enum.StrEnum):
    RESET = "reset"
    INVITATION = "invitation"


_MAX_AGE_SETTING = {
    LinkKind.RESET: "PASSWORD_RESET_MAX_AGE_SECONDS",
    LinkKind.INVITATION: "INVITATION_MAX_AGE_SECONDS",
}


class _ClockSigner(TimestampSigner):
    """Timestamps from the injectable clock, so tests can let a link expire."""

    def get_timestamp(self) -> int:
        return int(get_clock().now().timestamp())


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(
        current_app.config["SECRET_KEY"], salt="password-link", signer=_ClockSigner
    )


def _fingerprint(user: User) -> str:
    """Changes once the link is used: a new password hash, a new session version."""
    material = f"{user.password_hash or ''}:{user.session_version or 0}"
    return hashlib.sha256(material.encode()).hexdigest()[:32]


def make_token(user: User, kind: LinkKind) -> str:
    return _serializer().dumps({"u": user.id, "k": kind.value, "f": _fingerprint(user)})


def user_for_token(token: str) -> tuple[User, LinkKind] | None:
    """The active user a valid, unexpired, unused link belongs to, else None."""
    serializer = _serializer()
    try:
        _ts, data = serializer.loads_unsafe(token)
        kind = LinkKind(data["k"])
        data = serializer.loads(
            token, max_age=current_app.config[_MAX_AGE_SETTING[kind]]
        )
        user = db.session.get(User, int(data["u"]))
    except (BadSignature, KeyError, TypeError, ValueError):
        return None
    if (
        user is None
        or not user.active
        or user.from_directory  # no local password to set
        or not hmac.compare_digest(str(data.get("f")), _fingerprint(user))
    ):
        return None
    return user, kind


def claim(user: User) -> bool:
    """Use up ``user``'s links before setting a password: one atomic bump of
    the session version from the value the link was checked against, so of
    two requests racing with one link only one gets through."""
    claimed = db.session.execute(
        sa.update(User)
        .where(User.id == user.id, User.session_version == user.session_version)
        .values(session_version=User.session_version + 1)
        .execution_options(synchronize_session="fetch")
    )
    return claimed.rowcount == 1


def link_for(user: User, kind: LinkKind, settings: Mapping[str, Any]) -> str:
    base = settings.get("BASE_URL", "").rstrip("/")
    return f"{base}/password/set/{make_token(user, kind)}"


def send_reset(user: User, *, now: datetime, settings: Mapping[str, Any]) -> None:
    if user.from_directory:
        return send_directory_notice(user, now=now, settings=settings)
    hours = settings["PASSWORD_RESET_MAX_AGE_SECONDS"] // 3600 or 1
    _send(
        user,
        "password_reset",
        now=now,
        subject=lambda: _("Reset your helpdesk password"),
        lines=lambda: [
            _(
                "Someone (we hope you) asked to reset the password of %(email)s.",
                email=user.email,
            ),
            _(
                "The link works once, for %(hours)s h. If you did not ask, ignore "
                "this mail: your password stays as it is.",
                hours=hours,
            ),
        ],
        link=(
            lambda: _("Choose a new password"),
            link_for(user, LinkKind.RESET, settings),
        ),
    )


def send_invitation(user: User, *, now: datetime, settings: Mapping[str, Any]) -> None:
    if user.from_directory:
        return send_directory_notice(user, now=now, settings=settings)
    days = settings["INVITATION_MAX_AGE_SECONDS"] // 86400 or 1
    _send(
        user,
        "invitation",
        now=now,
        subject=lambda: _("Your helpdesk account"),
        lines=lambda: [
            _(
                "An account has been opened for you at our helpdesk: %(email)s.",
                email=user.email,
            ),
            _(
                "Choose your password to follow your requests on the portal. The "
                "link works once, for %(days)s days.",
                days=days,
            ),
        ],
        link=(
            lambda: _("Set your password"),
            link_for(user, LinkKind.INVITATION, settings),
        ),
    )


def send_signup_confirmation(
    user: User, *, now: datetime, settings: Mapping[str, Any]
) -> None:
    """A new sign-up: the link that confirms the address by choosing the
    password (until then the account has none, so nobody gets in with an
    address that is not theirs)."""
    days = settings["INVITATION_MAX_AGE_SECONDS"] // 86400 or 1
    _send(
        user,
        "signup_confirm",
        now=now,
        subject=lambda: _("Confirm your helpdesk account"),
        lines=lambda: [
            _(
                "Someone (we hope you) signed up at our helpdesk with %(email)s.",
                email=user.email,
            ),
            _(
                "Choose your password to confirm the address and log in. The "
                "link works once, for %(days)s days. If it was not you, ignore "
                "this mail.",
                days=days,
            ),
        ],
        link=(
            lambda: _("Choose your password"),
            link_for(user, LinkKind.INVITATION, settings),
        ),
    )


def send_signup_notice(
    user: User, *, now: datetime, settings: Mapping[str, Any]
) -> None:
    """Someone signed up with an address that has an account: tell its owner
    (the page says only "check your mail", as for any address)."""
    if user.from_directory:
        return send_directory_notice(user, now=now, settings=settings)
    _send(
        user,
        "signup_existing",
        now=now,
        subject=lambda: _("You already have a helpdesk account"),
        lines=lambda: [
            _(
                "Someone tried to sign up with %(email)s, which already has an "
                "account. If it was you, log in; if you forgot your password, "
                "choose a new one with the link below.",
                email=user.email,
            ),
            _("If it was not you, ignore this mail."),
        ],
        link=(
            lambda: _("Choose a new password"),
            link_for(user, LinkKind.RESET, settings),
        ),
    )


def send_directory_notice(
    user: User, *, now: datetime, settings: Mapping[str, Any]
) -> None:
    """Instead of a link that sets a password, for a user who logs in with
    the company directory: their password is the directory's (the page that
    asked says what it says for every address)."""
    base = settings.get("BASE_URL", "").rstrip("/")
    _send(
        user,
        "directory_password",
        now=now,
        subject=lambda: _("Your helpdesk password"),
        lines=lambda: [
            _(
                "Someone (we hope you) asked to set the helpdesk password of "
                "%(email)s. You log in to the helpdesk with your company account: "
                "its password is the one of the company directory.",
                email=user.email,
            ),
            _(
                "Change or reset it where you do for the company's other "
                "services, or ask your IT administrators. If you did not ask, "
                "ignore this mail."
            ),
        ],
        link=(lambda: _("Log in"), f"{base}/login"),
    )


def _send(
    user: User,
    event: str,
    *,
    now: datetime,
    subject: Callable[[], str],
    lines: Callable[[], list[str]],
    link: tuple[Callable[[], str], str],
) -> None:
    label, url = link
    with force_locale(user.locale or "en"):
        context = {"name": user.name, "lines": lines(), "label": label(), "url": url}
        title = subject()
        text = render_template("helpdesk/mail/account.txt", **context)
        html = render_template("helpdesk/mail/account.html", **context)
    enqueue(
        channel=OutboxChannel.EMAIL,
        recipient=user.email,
        subject=title,
        body=text,
        html=html,
        now=now,
        payload={"event": event, "user_id": user.id},
    )
