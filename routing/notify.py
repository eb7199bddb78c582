"""Routing's notifications: outbox e-mails, each in its recipient's language.

Written in the transaction of the change; delivered after commit by the
outbox job, so a mail server that is down delays them and loses nothing.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import datetime

import sqlalchemy as sa
from flask_babel import force_locale
from flask_babel import gettext as _

from helpdesk.extensions import db
from helpdesk.models import Role, Ticket, User
from helpdesk.outbox import OutboxChannel, enqueue

LINE_ROLES = {1: Role.LINE1, 2: Role.LINE2, 3: Role.LINE3}


def line_agents(line: int) -> list[User]:
    return list(
        db.session.scalars(
            sa.select(User)
            .where(User.role == LINE_ROLES[line], User.active.is_(True))
            .order_by(User.id)
        )
    )


def managers() -> list[User]:
    return list(
        db.session.scalars(
            sa.select(User)
            .where(User.role == Role.MANAGER, User.active.is_(True))
            .order_by(User.id)
        )
    )


def send(
    users: Iterable[User],
    ticket: Ticket,
    headline: Callable[[], str],
    *,
    now: datetime,
    base_url: str = "",
    detail: str = "",
) -> int:
    """One e-mail per user about ``ticket``; ``headline`` is called under
    each recipient's locale so it comes out in their language."""
    count = 0
    for user in users:
        with force_locale(user.locale or "en"):
            subject = f"{ticket.number}: {headline()}"
            body = "\n".join(
                part
                for part in (
                    headline(),
                    "",
                    _("Subject: %(subject)s", subject=ticket.subject),
                    _(
                        "Priority: %(priority)s · Line %(line)s",
                        priority=ticket.priority.value,
                        line=ticket.line,
                    ),
                    detail,
                    f"{base_url.rstrip('/')}/tickets/{ticket.id}",
                )
                if part is not None
            )
        enqueue(
            channel=OutboxChannel.EMAIL,
            recipient=user.email,
            subject=subject,
            body=body,
            now=now,
            payload={"event": "routing", "ticket_id": ticket.id},
        )
        count += 1
    return count
