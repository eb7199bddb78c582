"""Clocks of tickets imported from a legacy system, computed from their own
dates with the same arithmetic as live clocks (``sla.service.clocks``).

A closed or resolved ticket gets stopped clocks with its historical figures
(met, or breached at the instant it was due); an open one gets running clocks
started at its creation, already breached at their due instant when that is
past (``now`` is the import's instant), with the warning thresholds already
passed counted as done. Nothing is alerted, mailed or escalated: it is
history. Business time is that of the policy the ticket matches today.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from types import SimpleNamespace

import sqlalchemy as sa

from helpdesk.extensions import db
from helpdesk.models import Ticket, TicketEvent
from sla.calendar import CalendarSpec, business_seconds_between
from sla.models import Phase, SlaAlert, SlaClock, SlaPolicy, Target
from sla.service import policies, rollups
from sla.service.clocks import (
    INITIAL_TARGETS,
    mark_breached,
    reached_at,
    schedule_checks,
    threshold_seconds,
    ticket_facts,
    warning_percents,
)
from sla.service.history import clock_event_data

CAUSE = "imported"


# Every column a clock row is inserted with (one multi-row INSERT per batch).
CLOCK_COLUMNS = tuple(c.key for c in SlaClock.__table__.columns if c.key != "id")


def replay_imported(items: Sequence, *, now: datetime) -> int:
    """Create the clocks of one batch of imported tickets (see module doc),
    with their timeline events; returns how many. A fixed number of
    statements per batch, whatever its size: the clocks are computed on
    objects outside the session, then inserted in one statement."""
    replaced = {i.ticket.id: i.replaced for i in items}
    _forget_old_clocks([i.ticket.id for i in items if i.replaced])
    rows: list[dict] = []
    timeline: list[dict] = []
    dues: list[dict] = []
    for item in items:
        policy = policies.first_matching(ticket_facts(item.ticket))
        if policy is None:
            dues.append({"ticket": item.ticket.id, "due": None})
            continue
        spec = policies.spec_of(policy.calendar_id)
        clocks = [
            _replay(item, policy, spec, target, now=now, timeline=timeline)
            for target in INITIAL_TARGETS
            if policy.target_minutes(target)
        ]
        rows += [{name: getattr(c, name) for name in CLOCK_COLUMNS} for c in clocks]
        running = [c.due_at for c in clocks if c.phase == Phase.RUNNING and c.due_at]
        dues.append(
            {"ticket": item.ticket.id, "due": min(running) if running else None}
        )
    for table, values in ((SlaClock, rows), (TicketEvent, timeline)):
        if values:
            # Core's multi-row INSERT: the ORM's bulk path costs more per row.
            db.session.execute(table.__table__.insert(), values)
    _set_ticket_dues(
        [d for d in dues if d["due"] is not None or replaced.get(d["ticket"])]
    )
    _recount_rollups(items, rows)
    return len(rows)


def _recount_rollups(items: Sequence, rows: list[dict]) -> None:
    """Core's INSERT passes the roll-ups' flush hook by: add the new clocks.
    A re-imported ticket's old clocks were deleted the same way, so a batch
    with any recounts everything (re-imports are rare)."""
    if any(i.replaced for i in items):
        rollups.rebuild()
        return
    tickets = {i.ticket.id: i.ticket for i in items}
    rollups.count_inserted((row, tickets[row["ticket_id"]]) for row in rows)


def _set_ticket_dues(dues: list[dict]) -> None:
    """The tickets' earliest running deadline (``refresh_ticket_due``'s job)."""
    if dues:
        tickets = Ticket.__table__
        db.session.execute(
            tickets.update()
            .where(tickets.c.id == sa.bindparam("ticket"))
            .values(due_at=sa.bindparam("due")),
            dues,
        )


def _forget_old_clocks(ticket_ids: list[int]) -> None:
    """A re-imported ticket's clocks are computed anew from its dates."""
    if not ticket_ids:
        return
    old = sa.select(SlaClock.id).where(SlaClock.ticket_id.in_(ticket_ids))
    db.session.execute(sa.delete(SlaAlert).where(SlaAlert.clock_id.in_(old)))
    db.session.execute(sa.delete(SlaClock).where(SlaClock.ticket_id.in_(ticket_ids)))


def _replay(
    item,
    policy: SlaPolicy,
    spec: CalendarSpec,
    target: Target,
    *,
    now: datetime,
    timeline: list[dict],
) -> SimpleNamespace:
    ticket = item.ticket
    start = ticket.created_at
    # A plain record with a clock's attributes, which the clock functions
    # read and set; only its column values are inserted (an ORM object per
    # clock cost more than the whole computation).
    clock = SimpleNamespace(**dict.fromkeys(CLOCK_COLUMNS))
    clock.__dict__.update(
        ticket=ticket,
        ticket_id=ticket.id,
        target=target,
        policy=policy,
        policy_id=policy.id,
        phase=Phase.RUNNING,
        cycle=1,
        target_seconds=policy.target_minutes(target) * 60,
        started_at=start,
        running_since=start,
        spent_seconds=0,
        warnings_done=0,
        check_failures=0,
        unanswered=False,
    )
    due = reached_at(clock, spec, clock.target_seconds)
    stops = [item.resolved_at]
    if target == Target.FIRST_RESPONSE:
        stops.append(item.first_response_at)
    stop = min((s for s in stops if s is not None), default=None)
    # The clock's end so far: its stop, the pause it waits in, or now.
    end = stop or item.paused_at or max(now, start)
    if end > due:
        # Imported history: the holders at the breach are the ticket's own
        # (its timeline is being written with it, not yet readable).
        mark_breached(clock, due, now=due)
    spent = business_seconds_between(spec, start, end)
    clock.warnings_done = (
        len(warning_percents(clock))
        if clock.breached_at
        else sum(
            1 for p in warning_percents(clock) if spent >= threshold_seconds(clock, p)
        )
    )
    if stop is not None:
        clock.phase, clock.stopped_at = Phase.STOPPED, stop
        # Resolved before any public reply: no response, never met.
        clock.unanswered = target == Target.FIRST_RESPONSE and (
            item.first_response_at is None or item.first_response_at > stop
        )
        clock.running_since, clock.spent_seconds = None, spent
    elif item.paused_at is not None:
        clock.phase, clock.running_since, clock.spent_seconds = (
            Phase.PAUSED,
            None,
            spent,
        )
    schedule_checks(clock, spec)
    timeline += _story(ticket.id, clock, start=start, stop=stop)
    return clock


def _story(
    ticket_id: int, clock: SlaClock, *, start: datetime, stop: datetime | None
) -> list[dict]:
    """The clock's timeline events (as ``record_clock_event`` writes them),
    at the instants they happened."""
    story = [(start, "sla_started", {"policy": clock.policy.name})]
    if clock.breached_at is not None:
        story.append((clock.breached_at, "sla_breached", {"percent": 100}))
    if stop is not None:
        kind = "sla_met" if clock.breached_at is None else "sla_stopped"
        story.append((stop, kind, {"spent_seconds": clock.spent_seconds}))
    return [
        {
            "ticket_id": ticket_id,
            "actor_id": None,
            "kind": kind,
            "data": clock_event_data(clock, cause=CAUSE, **data),
            "internal": True,
            "created_at": at,
        }
        for at, kind, data in story
    ]
