"""The clocks' own timeline events: every change to a clock writes one,
naming its target, its cause and its due time."""

from __future__ import annotations

from datetime import datetime

from helpdesk.models import Ticket, User
from helpdesk.service.timeline import record_event
from sla.models import SlaClock


def record_clock_event(
    ticket: Ticket,
    kind: str,
    clock: SlaClock,
    *,
    now: datetime,
    actor: User | None,
    cause: str,
    **data,
) -> None:
    record_event(
        ticket,
        kind,
        actor=actor,
        now=now,
        internal=True,
        data=clock_event_data(clock, cause=cause, **data),
        # A clock follows the ticket's changes (or the sweep's look at it):
        # no form on the ticket page is stale because of it.
        bumps_version=False,
    )


def clock_event_data(clock: SlaClock, *, cause: str, **data) -> dict:
    """What a clock's timeline event says: its target, cause and due time."""
    return {
        "target": clock.target.value,
        "cause": cause,
        "due_at": clock.due_at.isoformat() if clock.due_at else None,
    } | data
