"""Users, passwords, API tokens, and which organisation a customer belongs to."""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from werkzeug.security import check_password_hash, generate_password_hash

from helpdesk import phones
from helpdesk.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from helpdesk.extensions import db
from helpdesk.models import ApiToken, Ticket, User
from helpdesk.organisations import lookup as organisations
from helpdesk.organisations.models import Organisation
from helpdesk.signin import sessions
from helpdesk.vocabulary import Role
from helpdesk.watchers.models import TicketWatcher

# A password hash that no password matches, so unknown e-mails cost the same
# time as wrong passwords (no user enumeration by timing).
_DUMMY_HASH = generate_password_hash("not-a-password")


def normalise_email(email: str) -> str:
    return email.strip().lower()


def find_user_by_email(email: str) -> User | None:
    return db.session.scalar(
        sa.select(User).where(User.email == normalise_email(email))
    )


def create_user(data: dict, *, now: datetime) -> User:
    """Create a user from loaded schema data (email, name, role, password, ...).

    A user without a password (a caller registered by phone, a sender of
    mail) gets in through an invitation or "Forgot password?"
    (helpdesk.service.password_links).

    ``organisation`` names the customer's organisation; a customer created
    without one (sign-up, mail in, a caller whose organisation line 1 did
    not know) joins the organisation of their e-mail's domain, if any.
    ``org_contact``: as its designated contact.
    """
    email = normalise_email(data["email"])
    if find_user_by_email(email):
        raise Conflict(
            _l("A user with this e-mail already exists."),
            fields={"email": [_l("Already registered.")]},
        )
    password = data.get("password")
    user = User(
        email=email,
        name=data["name"].strip(),
        phone=normalise_phone(data.get("phone")),
        role=data.get("role", Role.CUSTOMER),
        locale=data.get("locale"),
        timezone=data.get("timezone") or "UTC",
        password_hash=generate_password_hash(password) if password else None,
        active=data.get("active", True),
        created_at=now,
    )
    if (data.get("organisation") or "").strip():
        organisation = organisations.named(data["organisation"])
    elif user.role == Role.CUSTOMER:
        organisation = organisations.by_email_domain(email)
    else:
        organisation = None
    set_membership(user, organisation, contact=data.get("org_contact", False))
    db.session.add(user)
    db.session.flush()
    return user


def set_membership(
    user: User, organisation: Organisation | None, *, contact: bool
) -> None:
    """Make ``user`` a member of ``organisation`` (None: of none), its
    designated contact when ``contact``. Only customers belong to one. Their
    tickets follow them (``Ticket.organisation_id``: one indexed UPDATE), so
    the organisation's contacts see what its members asked, and no more; and
    they stop watching their former colleagues' tickets (a customer watches
    only tickets of their own organisation)."""
    if organisation is not None and user.role != Role.CUSTOMER:
        message = _l("Only customers belong to an organisation.")
        raise InvalidInput(message, fields={"organisation": [message]})
    new_id = organisation.id if organisation is not None else None
    if user.id is not None and user.organisation_id != new_id:
        db.session.execute(
            sa.update(Ticket)
            .where(Ticket.requester_id == user.id)
            .values(organisation_id=new_id)
        )
        db.session.execute(
            sa.delete(TicketWatcher).where(TicketWatcher.user_id == user.id)
        )
    user.organisation = organisation
    user.org_contact = bool(contact) and organisation is not None
    refresh_lookup(user)


def update_user(user: User, data: dict, *, actor: User) -> User:
    """Admin edit of a user: role, name, phone, organisation, active, password."""
    if user.id == actor.id and (
        data.get("role", user.role) != user.role or data.get("active") is False
    ):
        # An admin locking themselves out leaves nobody to undo it.
        message = _l("You cannot change your own role or deactivate yourself.")
        raise InvalidInput(message, fields={"role": [message]})
    deactivated = user.active and data.get("active") is False
    for field in ("name", "role", "active", "locale", "timezone"):
        if field in data:
            setattr(user, field, data[field])
    _update_membership(user, data)
    if "phone" in data:
        user.phone = normalise_phone(data["phone"])
    if data.get("password"):
        set_password(user, data["password"])
    elif deactivated:
        end_sessions(user)
    refresh_lookup(user)
    db.session.flush()
    return user


def _update_membership(user: User, data: dict) -> None:
    """The admin form's organisation and contact box; staff belong to none
    (a customer made an agent leaves their organisation)."""
    if user.role != Role.CUSTOMER:
        organisation = None
    elif "organisation" in data:
        organisation = organisations.named(data["organisation"])
    else:
        organisation = user.organisation
    contact = data.get("org_contact", user.org_contact)
    if organisation != user.organisation or contact != user.org_contact:
        set_membership(user, organisation, contact=contact)


def update_profile(user: User, data: dict, *, keep_session: int | None = None) -> User:
    """What users may change about themselves: name, phone, language, time
    zone, password (which ends their other sessions, not ``keep_session``)."""
    for field in ("name", "locale", "timezone"):
        if field in data:
            setattr(
                user, field, data[field] or None if field == "locale" else data[field]
            )
    if "phone" in data:
        user.phone = normalise_phone(data["phone"])
    if data.get("password"):
        set_password(user, data["password"], keep_session=keep_session)
    refresh_lookup(user)
    db.session.flush()
    return user


def set_password(user: User, password: str, *, keep_session: int | None = None) -> None:
    """A new password ends every session and token the old one opened
    (except the session ``keep_session``, where the user changed it)."""
    if user.from_directory:
        message = _l(
            "This account logs in with the company directory: change its password there."
        )
        raise InvalidInput(message, fields={"password": [message]})
    user.password_hash = generate_password_hash(password)
    end_sessions(user, keep_session=keep_session)


def end_sessions(user: User, *, keep_session: int | None = None) -> None:
    """Log the user out everywhere: every session cookie carries the old
    session version (the user loader refuses it), every session row but
    ``keep_session`` is deleted and every API token is revoked, so nothing
    opened before still works."""
    user.session_version = (user.session_version or 0) + 1
    sessions.end_all(user, keep=keep_session)
    db.session.execute(sa.delete(ApiToken).where(ApiToken.user_id == user.id))
    db.session.flush()


def normalise_phone(phone: str | None) -> str | None:
    """Keep digits and a leading +, so '+7 (495) 123-45-67' finds '+74951234567'."""
    if not phone:
        return None
    digits = "".join(ch for ch in phone if ch.isdigit())
    return ("+" if phone.strip().startswith("+") else "") + digits or None


def refresh_lookup(user: User) -> None:
    """Recompute the caller lookup's keys after a change of name, e-mail,
    organisation or phone."""
    user.phone_e164 = phones.to_e164(user.phone)
    user.phone_reversed = phones.reversed_digits(user.phone_e164)
    user.lookup_text = lookup_text(user.name, user.email, user.organisation_name)


def lookup_text(*parts: str | None) -> str:
    return " ".join(p for p in parts if p).lower().replace("ё", "е")[:500]


def authenticate(email: str, password: str) -> User | None:
    user = find_user_by_email(email)
    if user is None or user.password_hash is None:
        check_password_hash(_DUMMY_HASH, password)
        return None
    if not check_password_hash(user.password_hash, password) or not user.active:
        return None
    return user


def _digest(raw_token: str) -> str:
    return hashlib.sha256(raw_token.encode()).hexdigest()


def may_hold_tokens(user: User, *, customers_allowed: bool) -> bool:
    """Staff may always create API tokens; customers only where the
    deployment allows it (``API_TOKENS_FOR_CUSTOMERS``, off by default)."""
    return user.is_staff or customers_allowed


def ensure_may_hold_tokens(user: User, *, customers_allowed: bool) -> None:
    if not may_hold_tokens(user, customers_allowed=customers_allowed):
        raise PermissionDenied(_l("API tokens are not enabled for customers."))


def issue_token(
    user: User, *, name: str, now: datetime, ttl_days: int
) -> tuple[str, ApiToken]:
    """A new random 256-bit bearer token; only its digest is stored."""
    raw = secrets.token_urlsafe(32)
    token = ApiToken(
        user_id=user.id,
        digest=_digest(raw),
        name=name,
        created_at=now,
        expires_at=now + timedelta(days=ttl_days),
    )
    db.session.add(token)
    db.session.flush()
    return raw, token


# Built once: every API request runs it, and a statement object keeps its
# cache key (building and keying it anew cost as much as running it).
_TOKEN_OWNER = (
    sa.select(User)
    .join(ApiToken, ApiToken.user_id == User.id)
    .where(
        ApiToken.digest == sa.bindparam("digest"),
        ApiToken.expires_at > sa.bindparam("now"),
        User.active.is_(True),
    )
)


def user_for_token(raw_token: str, *, now: datetime) -> User | None:
    """The active user owning an unexpired token, by one indexed lookup."""
    return db.session.scalar(_TOKEN_OWNER, {"digest": _digest(raw_token), "now": now})


def revoke_token(user: User, token_id: int) -> None:
    token = db.session.get(ApiToken, token_id)
    if token is None or token.user_id != user.id:
        raise NotFound(_l("Token not found."))
    db.session.delete(token)
    db.session.flush()


def list_tokens(user: User) -> list[ApiToken]:
    return list(db.session.scalars(user.tokens.select().order_by(ApiToken.id.desc())))


def find_callers(query: str, *, limit: int = 10) -> list[User]:
    """Customers matching what an agent types on the phone console: a phone
    number however it is dialled (whole, its start, or a local number's
    end), or words each found in the name, e-mail or organisation."""
    query = query.strip()
    if not query:
        return []
    conditions = []
    if phones.looks_dialled(query):
        starts, tail = phones.lookup_keys(query)
        conditions += [User.phone_e164.startswith(p, autoescape=True) for p in starts]
        if tail:
            conditions.append(User.phone_reversed.startswith(tail, autoescape=True))
    else:
        words = lookup_text(query).split()[:5]
        conditions.append(
            sa.and_(*(User.lookup_text.contains(w, autoescape=True) for w in words))
        )
    if not conditions:
        return []
    return list(
        db.session.scalars(
            sa.select(User)
            .where(User.role == Role.CUSTOMER, sa.or_(*conditions))
            .order_by(User.name, User.id)
            .limit(limit)
        )
    )


def require_admin(actor: User) -> None:
    if actor.role != Role.ADMIN:
        raise PermissionDenied(_l("Only administrators may do this."))
