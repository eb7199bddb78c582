"""Who had a ticket at a past instant, read back from its timeline.

A breach belongs to the line and the assignee that had the ticket at the
breach instant (the due time), also when it is only noticed later - at the
next sweep, or when the clock stops or pauses after its due time - and the
ticket has moved since. The timeline records every line move
(``EventKind.LINE_CHANGED``) and every assignment (``EventKind.ASSIGNED``)
with the value before it (``old``), so the holder at an instant is the
``old`` of the first such event after it, or the ticket's value now if there
is none. One statement per breach, over the ticket's own events (the
``(ticket_id, id)`` index), never a walk through its history in Python: the
kind and the instant are kept off the indexes, or SQLite (without ANALYZE
statistics) read every event of the kind since the instant through the
reports' ``(kind, created_at)`` index - each breach of a sweep at a million
tickets.
"""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa

from helpdesk.db import unindexed
from helpdesk.extensions import db
from helpdesk.models import Ticket, TicketEvent
from helpdesk.vocabulary import EventKind


def _first_change_after(ticket_id: int, kind: str, instant: datetime):
    """The data of the ticket's first ``kind`` event after ``instant``
    (events at the instant itself have taken effect by then)."""
    return (
        sa.select(TicketEvent.data)
        .where(
            TicketEvent.ticket_id == ticket_id,
            unindexed(TicketEvent.kind) == kind,
            unindexed(TicketEvent.created_at) > instant,
        )
        .order_by(TicketEvent.created_at, TicketEvent.id)
        .limit(1)
        .scalar_subquery()
    )


def holders_at(ticket: Ticket, instant: datetime) -> tuple[int, int | None]:
    """The ticket's line and assignee id at ``instant`` (aware UTC)."""
    line_change, assignment = db.session.execute(
        sa.select(
            _first_change_after(ticket.id, EventKind.LINE_CHANGED.value, instant),
            _first_change_after(ticket.id, EventKind.ASSIGNED.value, instant),
        )
    ).one()
    line = line_change["old"] if line_change else ticket.line
    assignee_id = assignment["old"] if assignment else ticket.assignee_id
    return int(line), assignee_id
