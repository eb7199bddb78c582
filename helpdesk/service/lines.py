"""Moving a ticket between the support lines: the one operation behind a
manual escalation, a rule's line change, an SLA escalation and a fixed
defect's return. Callers check who may ask for it."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from helpdesk import events
from helpdesk.errors import Conflict
from helpdesk.extensions import db
from helpdesk.models import Ticket, TicketEvent, User
from helpdesk.service.access import can_work_on, works_on_line
from helpdesk.service.tickets import assign_ticket
from helpdesk.service.timeline import record_event
from helpdesk.vocabulary import EventKind

LINES = (1, 2, 3)


def line_above(ticket: Ticket) -> int | None:
    """Where an escalation "to the next line" goes; None on the last line."""
    return ticket.line + 1 if ticket.line < LINES[-1] else None


def move_to_line(
    ticket: Ticket,
    line: int,
    *,
    actor: User | None,
    now: datetime,
    reason: str,
    cause: str = "manual",
    rule: str | None = None,
) -> bool:
    """Put the ticket in ``line``'s queue; no permission check (callers do).

    The assignee stays only if they work on that line; the timeline records
    the move with its ``reason``, ``cause`` and ``rule``; ``ticket_line_changed``
    is sent (the new line's agents are told by e-mail in ``helpdesk.notify``).
    ``actor=None`` is the system. False when there is nothing to do (same line).
    """
    if line == ticket.line:
        return False
    if not ticket.is_active:
        raise Conflict(_l("Only an active ticket can move to another line."))
    old_line, old_assignee = ticket.line, ticket.assignee
    if old_assignee is not None and not works_on_line(old_assignee, line):
        # The mover clears the assignment if they may; otherwise the system does.
        by = actor if actor and can_work_on(actor, ticket) else None
        assign_ticket(ticket, None, actor=by, now=now)
    ticket.line = line
    record_event(
        ticket,
        EventKind.LINE_CHANGED,
        actor=actor,
        now=now,
        internal=True,
        data={
            "old": old_line,
            "new": line,
            "reason": reason,
            "cause": cause,
            "rule": rule,
            "unassigned": old_assignee.id
            if old_assignee and ticket.assignee_id is None
            else None,
        },
    )
    # No flush of its own: subscribers that read see it through autoflush,
    # and an intake writes the move with everything else at commit.
    events.ticket_line_changed.send(
        ticket, actor=actor, now=now, old=old_line, new=line, cause=cause, reason=reason
    )
    return True


def moved_by_rule(ticket: Ticket) -> dict | None:
    """The last move of ``ticket`` a routing rule made (the event's data:
    ``old``, ``new``, ``rule``), or None; the phone console says where a
    just registered call went instead of leaving the agent to guess."""
    event = db.session.scalar(
        sa.select(TicketEvent)
        .where(
            TicketEvent.ticket_id == ticket.id,
            TicketEvent.kind == EventKind.LINE_CHANGED,
        )
        .order_by(TicketEvent.id.desc())
        .limit(1)
    )
    if event is None or event.data.get("cause") != "rule":
        return None
    return event.data
