"""Telling people about a ticket: outbox e-mails, each rendered in its
recipient's language.

Written in the transaction of the change that caused them and delivered
after commit by the outbox job, so a mail server that is down delays mail and
loses nothing. ``sla`` and ``routing`` address people through here.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from flask_babel import force_locale
from flask_babel import gettext as _

from helpdesk.extensions import db
from helpdesk.models import LINE_ROLES, Role, Ticket, User
from helpdesk.outbox import OutboxChannel, enqueue

# Who can be told about a ticket without naming a person.
ASSIGNEE, LINE, MANAGERS, REQUESTER = "assignee", "line", "managers", "requester"
AUDIENCES = (ASSIGNEE, LINE, MANAGERS, REQUESTER)

# A text rendered once per recipient, under their locale.
Text = Callable[[], str]


def line_agents(line: int) -> list[User]:
    """The active agents of a support line, in a stable order."""
    return _active_users(User.role == LINE_ROLES[line])


def managers() -> list[User]:
    return _active_users(User.role == Role.MANAGER)


def audience(ticket: Ticket, audiences: Iterable[str]) -> list[User]:
    """The active users that ``audiences`` (names from ``AUDIENCES``) stand for
    on this ticket, each once, in one query."""
    wanted = set(audiences)
    conditions = []
    if ASSIGNEE in wanted and ticket.assignee_id:
        conditions.append(User.id == ticket.assignee_id)
    if REQUESTER in wanted:
        conditions.append(User.id == ticket.requester_id)
    if LINE in wanted:
        conditions.append(User.role == LINE_ROLES[ticket.line])
    if MANAGERS in wanted:
        conditions.append(User.role == Role.MANAGER)
    return _active_users(sa.or_(*conditions)) if conditions else []


def _active_users(condition) -> list[User]:
    return list(
        db.session.scalars(
            sa.select(User).where(User.active.is_(True), condition).order_by(User.id)
        )
    )


def ticket_link(ticket: Ticket, settings: Mapping[str, Any]) -> str:
    """The ticket's page, absolute when ``BASE_URL`` is configured."""
    return f"{settings.get('BASE_URL', '').rstrip('/')}/tickets/{ticket.id}"


def email_about_ticket(
    users: Iterable[User],
    ticket: Ticket,
    headline: Text,
    *,
    now: datetime,
    settings: Mapping[str, Any],
    subject: Text | None = None,
    detail: Text | None = None,
    payload: dict | None = None,
) -> int:
    """One e-mail per user about ``ticket``: the headline, the ticket's
    subject, priority and line, an optional detail and the link. Every text
    is rendered under the recipient's locale. Answers how many were queued."""
    count = 0
    for user in users:
        with force_locale(user.locale or "en"):
            title = subject() if subject else f"{ticket.number}: {headline()}"
            body = _ticket_mail_body(ticket, headline(), detail, settings)
        enqueue(
            channel=OutboxChannel.EMAIL,
            recipient=user.email,
            subject=title,
            body=body,
            now=now,
            payload=payload,
        )
        count += 1
    return count


def _ticket_mail_body(
    ticket: Ticket, headline: str, detail: Text | None, settings: Mapping[str, Any]
) -> str:
    parts = [
        headline,
        "",
        _("Subject: %(subject)s", subject=ticket.subject),
        _(
            "Priority: %(priority)s · Line %(line)s",
            priority=ticket.priority.value,
            line=ticket.line,
        ),
    ]
    if detail is not None:
        parts.append(detail())
    parts.append(ticket_link(ticket, settings))
    return "\n".join(parts)
