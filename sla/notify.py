"""Alert notifications: outbox messages to the people a policy names.

Written in the sweep's transaction; delivered after commit by the outbox job.
Each e-mail is rendered in its recipient's language.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime

import sqlalchemy as sa
from flask_babel import force_locale
from flask_babel import gettext as _

from helpdesk.extensions import db
from helpdesk.models import Role, Ticket, User
from helpdesk.outbox import OutboxChannel, enqueue
from sla.models import SlaClock, Target

LINE_ROLES = {1: Role.LINE1, 2: Role.LINE2, 3: Role.LINE3}


def recipients(ticket: Ticket, actions: list[str]) -> list[User]:
    """Active users the policy's actions name, each once."""
    conditions = []
    if "notify_assignee" in actions and ticket.assignee_id:
        conditions.append(User.id == ticket.assignee_id)
    if "notify_line" in actions:
        conditions.append(User.role == LINE_ROLES[ticket.line])
    if "notify_managers" in actions:
        conditions.append(User.role == Role.MANAGER)
    if not conditions:
        return []
    return list(
        db.session.scalars(
            sa.select(User)
            .where(User.active.is_(True), sa.or_(*conditions))
            .order_by(User.id)
        )
    )


def target_label(target: Target) -> str:
    return {
        Target.FIRST_RESPONSE: _("first response"),
        Target.NEXT_RESPONSE: _("next response"),
        Target.RESOLUTION: _("resolution"),
    }[target]


def queue_alert(
    ticket: Ticket,
    clock: SlaClock,
    kind: str,
    percent: int,
    *,
    actions: list[str],
    now: datetime,
    settings: Mapping,
) -> None:
    for user in recipients(ticket, actions):
        with force_locale(user.locale or "en"):
            subject, body = _message(ticket, clock, kind, percent, settings)
        enqueue(
            channel=OutboxChannel.EMAIL,
            recipient=user.email,
            subject=subject,
            body=body,
            now=now,
        )
    if settings.get("WEBHOOK_URL"):
        enqueue(
            channel=OutboxChannel.WEBHOOK,
            recipient=settings["WEBHOOK_URL"],
            subject=f"sla.{kind}",
            body="",
            now=now,
            payload={
                "event": f"sla.{kind}",
                "ticket_id": ticket.id,
                "ticket_number": ticket.number,
                "target": clock.target.value,
                "percent": percent,
                "line": ticket.line,
                "due_at": clock.due_at.isoformat() if clock.due_at else None,
            },
        )


def _message(
    ticket: Ticket, clock: SlaClock, kind: str, percent: int, settings: Mapping
) -> tuple[str, str]:
    target = target_label(clock.target)
    if kind == "breach":
        subject = _(
            "SLA breached: %(number)s, %(target)s", number=ticket.number, target=target
        )
        headline = _(
            "The %(target)s target of %(number)s has been missed.",
            target=target,
            number=ticket.number,
        )
    else:
        subject = _(
            "SLA warning: %(number)s, %(target)s at %(percent)s%%",
            number=ticket.number,
            target=target,
            percent=percent,
        )
        headline = _(
            "%(percent)s%% of the %(target)s time of %(number)s is used up.",
            percent=percent,
            target=target,
            number=ticket.number,
        )
    link = f"{settings.get('BASE_URL', '').rstrip('/')}/tickets/{ticket.id}"
    body = "\n".join(
        [
            headline,
            "",
            _("Subject: %(subject)s", subject=ticket.subject),
            _(
                "Priority: %(priority)s · Line %(line)s",
                priority=ticket.priority.value,
                line=ticket.line,
            ),
            link,
        ]
    )
    return subject, body
