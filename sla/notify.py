"""Alert notifications: e-mails to the people a policy's actions name (through
the core's ``helpdesk.notify``) and the optional webhook.

Written in the sweep's transaction; delivered after commit by the outbox job.
Each e-mail is rendered in its recipient's language.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime

from flask_babel import gettext as _

from helpdesk.models import Ticket, User
from helpdesk.notify.audience import ASSIGNEE, LINE, MANAGERS, audience
from helpdesk.notify.mail import email_about_ticket
from helpdesk.outbox import OutboxChannel, enqueue
from sla.models import SlaClock, Target

# A policy's notify actions -> the core's audiences.
AUDIENCE_OF_ACTION = {
    "notify_assignee": ASSIGNEE,
    "notify_line": LINE,
    "notify_managers": MANAGERS,
}


def recipients(ticket: Ticket, actions: list[str]) -> list[User]:
    """Active users the policy's actions name, each once."""
    return audience(
        ticket, (AUDIENCE_OF_ACTION[a] for a in actions if a in AUDIENCE_OF_ACTION)
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
    email_about_ticket(
        recipients(ticket, actions),
        ticket,
        lambda: _headline(ticket, clock, kind, percent),
        subject=lambda: _subject(ticket, clock, kind, percent),
        due_at=clock.due_at,
        now=now,
        payload={"event": f"sla.{kind}"},
        settings=settings,
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


def _subject(ticket: Ticket, clock: SlaClock, kind: str, percent: int) -> str:
    target = target_label(clock.target)
    if kind == "breach":
        return _(
            "SLA breached: %(number)s, %(target)s", number=ticket.number, target=target
        )
    return _(
        "SLA warning: %(number)s, %(target)s at %(percent)s%%",
        number=ticket.number,
        target=target,
        percent=percent,
    )


def _headline(ticket: Ticket, clock: SlaClock, kind: str, percent: int) -> str:
    target = target_label(clock.target)
    if kind == "breach":
        return _(
            "The %(target)s target of %(number)s has been missed.",
            target=target,
            number=ticket.number,
        )
    return _(
        "%(percent)s%% of the %(target)s time of %(number)s is used up.",
        percent=percent,
        target=target,
        number=ticket.number,
    )
