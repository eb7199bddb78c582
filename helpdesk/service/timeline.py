"""The ticket's timeline: every state change writes one event here, in the
transaction of the change. ``record_event`` is the documented way for other
packages to add their own kinds (drawn by the renderer they register with
``helpdesk.hooks.add_timeline_renderer``)."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import joinedload

from helpdesk.extensions import db
from helpdesk.models import Ticket, TicketEvent, User
from helpdesk.vocabulary import EventKind

# Staff's labels: recorded as internal; also kept from requesters when an
# older row was stored before they were.
STAFF_ONLY_KINDS = (
    EventKind.PRIORITY_CHANGED,
    EventKind.TAGS_CHANGED,
    EventKind.LINE_CHANGED,
)


def record_event(
    ticket: Ticket,
    kind: str,
    *,
    actor: User | None,
    now: datetime,
    data: dict | None = None,
    internal: bool = False,
    bumps_version: bool = True,
) -> TicketEvent:
    """Append one event to ``ticket``'s timeline and touch ``updated_at``.

    ``actor=None`` is the system (shown as "System"); ``internal`` events are
    for staff only; ``data`` is JSON. Adds, does not flush.

    Every event is a change and bumps ``ticket.version`` (so a form loaded
    before it is stale), except bookkeeping that follows a change or only
    observes the ticket (``bumps_version=False``: the SLA clocks' events, the
    registration itself, which is version 0)."""
    if bumps_version:
        ticket.version = (ticket.version or 0) + 1
    event = TicketEvent(
        ticket_id=ticket.id,
        actor_id=actor.id if actor else None,
        kind=kind,
        data=data or {},
        internal=internal,
        created_at=now,
        ticket_version=ticket.version or 0,
    )
    db.session.add(event)
    ticket.updated_at = now
    return event


def timeline_query(ticket: Ticket, *, actor: User) -> sa.Select[tuple[TicketEvent]]:
    """The ticket's events, oldest first; requesters see neither internal
    events nor the staff's labels (priority, tags, line)."""
    query = (
        ticket.events.select()
        .options(joinedload(TicketEvent.actor))
        .order_by(TicketEvent.id)
    )
    if not actor.is_staff:
        query = query.where(
            TicketEvent.internal.is_(False),
            TicketEvent.kind.not_in([kind.value for kind in STAFF_ONLY_KINDS]),
        )
    return query
