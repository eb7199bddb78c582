"""Test data builders: plain functions that add and flush (need an app context)."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime
from types import SimpleNamespace

import sqlalchemy as sa
from werkzeug.security import generate_password_hash

from helpdesk.extensions import db
from helpdesk.models import Attachment, Category, Comment, Ticket, User
from helpdesk.organisations import lookup as organisation_lookup
from helpdesk.organisations import service as organisation_service
from helpdesk.organisations.models import Organisation
from helpdesk.outbox import OutboxMessage
from helpdesk.service import accounts, attachments
from helpdesk.service import tickets as ticket_service
from helpdesk.signin import sessions
from helpdesk.vocabulary import Channel, Priority, Role

PASSWORD = "correct-horse"
# Hashed once, and cheaply: checking a strong hash at every test login would
# dominate the suite's time. Production hashes use werkzeug's default (scrypt).
_PASSWORD_HASH = generate_password_hash(PASSWORD, method="pbkdf2:sha256:1")
_sequence = itertools.count(1)
_AT = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)


def make_organisation(name: str = "Acme", **fields) -> Organisation:
    """The organisation of this name (created through the service when
    missing): ``domains``, ``phone``, ``plan``, ``notes``."""
    existing = organisation_lookup.by_name(name)
    if existing is not None:
        return existing
    return organisation_service.create_organisation({"name": name} | fields, now=_AT)


def make_user(
    *, role: Role = Role.CUSTOMER, email: str | None = None, **fields
) -> User:
    """A user through the service; ``organisation="Acme"`` (created when
    missing) and ``org_contact=True`` make a member, a designated contact."""
    if fields.get("organisation"):
        make_organisation(fields["organisation"])
    n = next(_sequence)
    data = {
        "email": email or f"{role.value}{n}@example.test",
        "name": f"{role.value} {n}",
        "role": role,
    } | fields
    user = accounts.create_user(data, now=_AT)
    if "password" not in fields:
        user.password_hash = _PASSWORD_HASH
    return user


def make_category(code: str = "access", **fields) -> Category:
    existing = db.session.scalar(sa.select(Category).where(Category.code == code))
    if existing:
        return existing
    category = Category(code=code, name_en=f"{code} (en)", name_ru=f"{code} (ru)")
    for key, value in fields.items():
        setattr(category, key, value)
    db.session.add(category)
    db.session.flush()
    return category


def make_comment(ticket, *, author, body="A reply.", internal=False) -> Comment:
    """A comment through the service (so the timeline has its event)."""
    return ticket_service.add_comment(
        _load_ticket(ticket), body=body, internal=internal, actor=_load(author), now=_AT
    )


def make_attachment(
    ticket, *, uploader, filename="log.txt", content=b"log line\n", internal=False
) -> Attachment:
    """An attachment through the service."""
    return attachments.add_attachment(
        _load_ticket(ticket),
        filename=filename,
        content_type="text/plain",
        content=content,
        max_bytes=1024 * 1024,
        internal=internal,
        actor=_load(uploader),
        now=_AT,
    )


def make_ticket(
    *,
    requester: User | SimpleNamespace | None = None,
    priority: Priority = Priority.P3,
    channel: Channel = Channel.WEB,
    actor: User | None = None,
    at: datetime = _AT,
    **overrides,
) -> Ticket:
    """A ticket opened through the service (so it has its timeline), then
    adjusted by ``overrides`` such as ``line=2`` or ``status=...``."""
    requester = _load(requester) if requester is not None else make_user()
    category = make_category(overrides.pop("category", "access"))
    ticket = ticket_service.open_ticket(
        {
            "subject": overrides.pop("subject", "Printer does not print"),
            "description": overrides.pop("description", "It blinks orange."),
            "category": category.code,
            "priority": priority,
        },
        actor=_load(actor) if actor is not None else requester,
        requester=requester,
        channel=channel,
        now=at,
    )
    for key, value in overrides.items():
        setattr(ticket, key, value)
    db.session.flush()
    return ticket


def make_session(user, *, user_agent: str = "Firefox on Linux", address="10.0.0.7"):
    """A logged-in browser of ``user`` elsewhere (its cookie key is dropped)."""
    _key, row = sessions.open_session(
        _load(user), user_agent=user_agent, address=address, now=_AT
    )
    return row


def make_macro(*, created_by=None, **fields):
    """A macro stored as given (``add_tags=["vip"]``, ``status="pending"``…)."""
    from helpdesk.macros.models import Macro

    creator = _load(created_by) if created_by else make_user(role=Role.ADMIN)
    data = {
        "title": f"Macro {next(_sequence)}",
        "body": "Hello {requester_name}, we are on it.",
        "add_tags": [],
        "remove_tags": [],
        "created_by_id": creator.id,
        "created_at": _AT,
        "updated_at": _AT,
    } | fields
    macro = Macro(**data)
    db.session.add(macro)
    db.session.flush()
    return macro


def _load(user) -> User:
    """Accept either a live User or a snapshot taken by the ``given`` fixture."""
    return user if isinstance(user, User) else db.session.get(User, user.id)


def _load_ticket(ticket) -> Ticket:
    return ticket if isinstance(ticket, Ticket) else db.session.get(Ticket, ticket.id)


def snapshot(obj) -> SimpleNamespace:
    """The column values of a row (and a ticket's number), safe to keep after
    its session closes."""
    values = {c.key: getattr(obj, c.key) for c in sa.inspect(obj).mapper.column_attrs}
    if isinstance(obj, Ticket):
        values["number"] = obj.number
    return SimpleNamespace(**values)


def outbox_mails(event: str | None = None) -> list[OutboxMessage]:
    """The outbox's messages in the order they were queued; with ``event``,
    only those about it: a notice (``ticket_registered``, ``agent_replied``,
    ``moved_to_your_line``…), ``sla.warning``/``sla.breach``, ``routing.rule``."""
    messages = db.session.scalars(sa.select(OutboxMessage).order_by(OutboxMessage.id))
    return [m for m in messages if event is None or m.payload.get("event") == event]
