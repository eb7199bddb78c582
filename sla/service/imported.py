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

import sqlalchemy as sa

from helpdesk.extensions import db
from sla.calendar import CalendarSpec, business_seconds_between
from sla.models import Phase, SlaAlert, SlaClock, SlaPolicy, Target
from sla.service.clocks import (
    _CALENDAR_PARTS,
    INITIAL_TARGETS,
    calendar_spec,
    mark_breached,
    reached_at,
    schedule_checks,
    threshold_seconds,
    ticket_facts,
    warning_percents,
)
from sla.service.history import record_clock_event

CAUSE = "imported"


def replay_imported(items: Sequence, *, now: datetime) -> int:
    """Create the clocks of one batch of imported tickets (see module doc);
    returns how many. Three queries per batch, whatever its size."""
    _forget_old_clocks([i.ticket.id for i in items if i.replaced])
    policies = list(
        db.session.scalars(
            sa.select(SlaPolicy)
            .where(SlaPolicy.active.is_(True))
            .order_by(SlaPolicy.position, SlaPolicy.id)
            .options(*_CALENDAR_PARTS)
        )
    )
    specs: dict[int, CalendarSpec] = {}
    count = 0
    for item in items:
        facts = ticket_facts(item.ticket)
        policy = next((p for p in policies if p.matches(facts)), None)
        if policy is None:
            item.ticket.due_at = None
            continue
        spec = specs.get(policy.calendar_id) or specs.setdefault(
            policy.calendar_id, calendar_spec(policy.calendar)
        )
        clocks = [
            _replay(item, policy, spec, target, now=now)
            for target in INITIAL_TARGETS
            if policy.target_minutes(target)
        ]
        db.session.add_all(clocks)
        running = [c.due_at for c in clocks if c.phase == Phase.RUNNING and c.due_at]
        item.ticket.due_at = min(running) if running else None
        count += len(clocks)
    return count


def _forget_old_clocks(ticket_ids: list[int]) -> None:
    """A re-imported ticket's clocks are computed anew from its dates."""
    if not ticket_ids:
        return
    old = sa.select(SlaClock.id).where(SlaClock.ticket_id.in_(ticket_ids))
    db.session.execute(sa.delete(SlaAlert).where(SlaAlert.clock_id.in_(old)))
    db.session.execute(sa.delete(SlaClock).where(SlaClock.ticket_id.in_(ticket_ids)))


def _replay(
    item, policy: SlaPolicy, spec: CalendarSpec, target: Target, *, now: datetime
) -> SlaClock:
    ticket = item.ticket
    start = ticket.created_at
    clock = SlaClock(
        ticket=ticket,
        ticket_id=ticket.id,
        target=target,
        policy=policy,
        phase=Phase.RUNNING,
        target_seconds=policy.target_minutes(target) * 60,
        started_at=start,
        running_since=start,
        spent_seconds=0,
    )
    due = reached_at(clock, spec, clock.target_seconds)
    stops = [item.resolved_at]
    if target == Target.FIRST_RESPONSE:
        stops.append(item.first_response_at)
    stop = min((s for s in stops if s is not None), default=None)
    # The clock's end so far: its stop, the pause it waits in, or now.
    end = stop or item.paused_at or max(now, start)
    if end > due:
        mark_breached(clock, due)
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
        clock.running_since, clock.spent_seconds = None, spent
    elif item.paused_at is not None:
        clock.phase, clock.running_since, clock.spent_seconds = (
            Phase.PAUSED,
            None,
            spent,
        )
    schedule_checks(clock, spec)
    _record(ticket, clock, start=start, stop=stop)
    return clock


def _record(ticket, clock: SlaClock, *, start: datetime, stop: datetime | None) -> None:
    """The clock's story on the timeline, at the instants it happened."""
    record_clock_event(
        ticket,
        "sla_started",
        clock,
        now=start,
        actor=None,
        cause=CAUSE,
        policy=clock.policy.name,
    )
    if clock.breached_at is not None:
        record_clock_event(
            ticket,
            "sla_breached",
            clock,
            now=clock.breached_at,
            actor=None,
            cause=CAUSE,
            percent=100,
        )
    if stop is not None:
        kind = "sla_met" if clock.breached_at is None else "sla_stopped"
        record_clock_event(
            ticket,
            kind,
            clock,
            now=stop,
            actor=None,
            cause=CAUSE,
            spent_seconds=clock.spent_seconds,
        )
