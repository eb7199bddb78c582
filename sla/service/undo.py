"""The clocks' part of an undo (``helpdesk.hooks.add_undo_participant``):
each clock goes back to the phase, time spent and running segment it had
before the undone operation, so the time it would have run meanwhile counts
as if the operation had never happened. Breaches and warnings already
noticed stay: they did happen, and their alerts went out."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa

from helpdesk.extensions import db
from helpdesk.models import Ticket, TicketEvent, User
from sla.models import Phase, SlaClock, SlaPolicy
from sla.service.clocks import (
    calendar_spec,
    refresh_ticket_due,
    schedule_checks,
    ticket_clocks,
)
from sla.service.history import record_clock_event

_PLAIN = ("cycle", "target_seconds", "spent_seconds", "unanswered")
_INSTANTS = ("started_at", "running_since", "stopped_at")


def snapshot(tickets: list[Ticket]) -> dict[int, list[dict[str, Any]]]:
    """Every clock of ``tickets``, in one query."""
    clocks = db.session.scalars(
        sa.select(SlaClock)
        .where(SlaClock.ticket_id.in_([t.id for t in tickets]))
        .order_by(SlaClock.id)
    )
    saved: dict[int, list[dict[str, Any]]] = {}
    for clock in clocks:
        saved.setdefault(clock.ticket_id, []).append(
            {
                "id": clock.id,
                "phase": clock.phase.value,
                "policy_id": clock.policy_id,
                "warnings_done": clock.warnings_done,
            }
            | {name: getattr(clock, name) for name in _PLAIN}
            | {name: _iso(getattr(clock, name)) for name in _INSTANTS}
        )
    return saved


def restore(
    ticket: Ticket,
    saved: list[dict[str, Any]] | None,
    *,
    events: list[TicketEvent],
    now: datetime,
    actor: User,
) -> None:
    """Put each saved clock back; the ticket's ``due_at`` follows."""
    by_id = {clock.id: clock for clock in ticket_clocks(ticket.id)}
    for before in saved or []:
        clock = by_id.get(before["id"])
        if clock is None or _as_saved(clock, before):
            continue
        clock.phase = Phase(before["phase"])
        if clock.policy_id != before["policy_id"]:
            clock.policy = db.session.get(SlaPolicy, before["policy_id"])
        for name in _PLAIN:
            setattr(clock, name, before[name])
        for name in _INSTANTS:
            setattr(clock, name, _instant(before[name]))
        # Thresholds noticed meanwhile were alerted: never twice.
        clock.warnings_done = max(clock.warnings_done, before["warnings_done"])
        schedule_checks(clock, calendar_spec(clock.policy.calendar))
        record_clock_event(
            ticket, "sla_restored", clock, now=now, actor=actor, cause="undo"
        )
    refresh_ticket_due(ticket)


def _as_saved(clock: SlaClock, before: dict[str, Any]) -> bool:
    return (
        clock.phase.value == before["phase"]
        and clock.policy_id == before["policy_id"]
        and all(getattr(clock, n) == before[n] for n in _PLAIN)
        and all(_iso(getattr(clock, n)) == before[n] for n in _INSTANTS)
    )


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value else None


def _instant(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value) if value else None
