"""Per-ticket SLA clocks: start, pause, resume, stop, re-target, and the sweep.

Every change to a clock writes an internal ``sla_*`` event on the ticket's
timeline naming the target and its cause, so anyone can see why a clock says
what it says. All instants are aware UTC; durations are business seconds of
the policy's calendar.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload

from helpdesk.extensions import db
from helpdesk.models import Ticket, User
from helpdesk.service.lines import line_above, move_to_line
from helpdesk.service.timeline import record_event
from sla import notify
from sla.calendar import CalendarSpec, add_business_seconds, business_seconds_between
from sla.events import sla_breached, sla_warning
from sla.models import BusinessCalendar, Phase, SlaAlert, SlaClock, SlaPolicy, Target

log = logging.getLogger(__name__)

# Targets a new ticket starts with; next response starts with each customer message.
INITIAL_TARGETS = (Target.FIRST_RESPONSE, Target.RESOLUTION)


# --- calendars and policies -------------------------------------------------


def calendar_spec(calendar: BusinessCalendar) -> CalendarSpec:
    return CalendarSpec(
        timezone=calendar.timezone,
        intervals=tuple(
            (i.weekday, i.start_minute, i.end_minute) for i in calendar.intervals
        ),
        holidays=frozenset(h.day for h in calendar.holidays),
        always_open=calendar.always_open,
    )


def ticket_facts(ticket: Ticket) -> dict[str, str | None]:
    """What policy conditions look at."""
    return {
        "priority": ticket.priority.value,
        "category": ticket.category.code,
        "organization": ticket.requester.organization,
        "channel": ticket.channel.value,
    }


_CALENDAR_PARTS = (
    selectinload(SlaPolicy.calendar).selectinload(BusinessCalendar.intervals),
    selectinload(SlaPolicy.calendar).selectinload(BusinessCalendar.holidays),
)
_POLICY_WITH_CALENDAR = (
    selectinload(SlaClock.policy)
    .selectinload(SlaPolicy.calendar)
    .selectinload(BusinessCalendar.intervals),
    selectinload(SlaClock.policy)
    .selectinload(SlaPolicy.calendar)
    .selectinload(BusinessCalendar.holidays),
)


def select_policy(ticket: Ticket) -> SlaPolicy | None:
    """The first active policy, by position, whose conditions match the ticket."""
    policies = db.session.scalars(
        sa.select(SlaPolicy)
        .where(SlaPolicy.active.is_(True))
        .order_by(SlaPolicy.position, SlaPolicy.id)
        .options(*_CALENDAR_PARTS)
    )
    facts = ticket_facts(ticket)
    return next((p for p in policies if p.matches(facts)), None)


def ticket_clocks(ticket_id: int) -> list[SlaClock]:
    return list(
        db.session.scalars(
            sa.select(SlaClock)
            .where(SlaClock.ticket_id == ticket_id)
            .order_by(SlaClock.id)
        )
    )


def refresh_ticket_due(ticket: Ticket) -> None:
    """Copy the earliest running deadline onto the ticket, for the queues'
    "time left" order (the core knows the column, not the clocks)."""
    dues = [
        c.due_at
        for c in ticket_clocks(ticket.id)
        if c.phase == Phase.RUNNING and c.due_at is not None
    ]
    ticket.due_at = min(dues) if dues else None


# --- clock arithmetic ---------------------------------------------------------


def elapsed_seconds(clock: SlaClock, spec: CalendarSpec, now: datetime) -> int:
    """Business seconds spent so far, the running segment included."""
    if clock.phase != Phase.RUNNING or clock.running_since is None:
        return clock.spent_seconds
    return clock.spent_seconds + business_seconds_between(
        spec, clock.running_since, now
    )


def seconds_left(clock: SlaClock, now: datetime) -> int:
    """Business seconds until the target; negative once overdue."""
    spec = calendar_spec(clock.policy.calendar)
    return clock.target_seconds - elapsed_seconds(clock, spec, now)


def _threshold_seconds(clock: SlaClock, percent: int) -> int:
    return math.ceil(clock.target_seconds * percent / 100)


def _warning_percents(clock: SlaClock) -> list[int]:
    return sorted(p for p in (clock.policy.warning_percents or []) if 0 < p < 100)


def _schedule(clock: SlaClock, spec: CalendarSpec) -> None:
    """Due time and the next instant a sweep must look at this clock."""
    if clock.phase != Phase.RUNNING:
        clock.due_at = clock.next_check_at = None
        return

    def at(spent_target: int) -> datetime:
        left = max(0, spent_target - clock.spent_seconds)
        return add_business_seconds(spec, clock.running_since, left)

    clock.due_at = at(clock.target_seconds)
    pending = [
        at(_threshold_seconds(clock, p))
        for p in _warning_percents(clock)[clock.warnings_done :]
    ]
    if clock.breached_at is None:
        pending.append(clock.due_at)
    clock.next_check_at = min(pending) if pending else None


def _record(
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
        data={
            "target": clock.target.value,
            "cause": cause,
            "due_at": clock.due_at.isoformat() if clock.due_at else None,
        }
        | data,
    )


# --- lifecycle ---------------------------------------------------------------


def start_clocks(
    ticket: Ticket,
    *,
    now: datetime,
    actor: User | None,
    cause: str,
    targets: tuple[Target, ...] = INITIAL_TARGETS,
) -> list[SlaClock]:
    """Start the policy's clocks for a new ticket (targets the policy lacks are skipped)."""
    policy = select_policy(ticket)
    if policy is None:
        return []
    spec = calendar_spec(policy.calendar)
    started = []
    for target in targets:
        minutes = policy.target_minutes(target)
        if not minutes:
            continue
        clock = SlaClock(
            ticket_id=ticket.id,
            target=target,
            policy=policy,
            phase=Phase.RUNNING,
            target_seconds=minutes * 60,
            started_at=now,
            running_since=now,
            spent_seconds=0,
        )
        _schedule(clock, spec)
        db.session.add(clock)
        _record(
            ticket,
            "sla_started",
            clock,
            now=now,
            actor=actor,
            cause=cause,
            policy=policy.name,
        )
        started.append(clock)
    return started


def pause_clocks(
    ticket: Ticket, *, now: datetime, actor: User | None, cause: str
) -> None:
    """Stop the time of every running clock; it keeps what it has spent."""
    for clock in ticket_clocks(ticket.id):
        if clock.phase != Phase.RUNNING:
            continue
        spec = calendar_spec(clock.policy.calendar)
        clock.spent_seconds = elapsed_seconds(clock, spec, now)
        clock.phase, clock.running_since = Phase.PAUSED, None
        _schedule(clock, spec)
        _record(
            ticket,
            "sla_paused",
            clock,
            now=now,
            actor=actor,
            cause=cause,
            spent_seconds=clock.spent_seconds,
        )


def resume_clocks(
    ticket: Ticket,
    *,
    now: datetime,
    actor: User | None,
    cause: str,
    reopen: frozenset[Target] = frozenset(),
) -> None:
    """Restart paused clocks, and stopped ones whose target is in ``reopen``,
    from ``now``; the time spent before is kept."""
    for clock in ticket_clocks(ticket.id):
        if not (
            clock.phase == Phase.PAUSED
            or (clock.phase == Phase.STOPPED and clock.target in reopen)
        ):
            continue
        clock.phase, clock.running_since, clock.stopped_at = Phase.RUNNING, now, None
        _schedule(clock, calendar_spec(clock.policy.calendar))
        _record(ticket, "sla_resumed", clock, now=now, actor=actor, cause=cause)


def stop_clocks(
    ticket: Ticket,
    targets: frozenset[Target],
    *,
    now: datetime,
    actor: User | None,
    cause: str,
) -> None:
    """Stop clocks for good (met, unless already breached)."""
    for clock in ticket_clocks(ticket.id):
        if clock.target not in targets or clock.phase == Phase.STOPPED:
            continue
        spec = calendar_spec(clock.policy.calendar)
        clock.spent_seconds = elapsed_seconds(clock, spec, now)
        clock.phase, clock.running_since, clock.stopped_at = Phase.STOPPED, None, now
        _schedule(clock, spec)
        _record(
            ticket,
            "sla_met" if clock.breached_at is None else "sla_stopped",
            clock,
            now=now,
            actor=actor,
            cause=cause,
            spent_seconds=clock.spent_seconds,
        )


def restart_next_response(
    ticket: Ticket, *, now: datetime, actor: User | None, cause: str
) -> None:
    """A customer message starts a new next-response cycle, unless one runs."""
    clock = next(
        (c for c in ticket_clocks(ticket.id) if c.target == Target.NEXT_RESPONSE), None
    )
    if clock is None:
        start_clocks(
            ticket, now=now, actor=actor, cause=cause, targets=(Target.NEXT_RESPONSE,)
        )
        return
    if clock.phase != Phase.STOPPED:
        return
    clock.cycle += 1
    clock.spent_seconds, clock.warnings_done = 0, 0
    clock.breached_at, clock.stopped_at = None, None
    clock.started_at = clock.running_since = now
    clock.phase = Phase.RUNNING
    _schedule(clock, calendar_spec(clock.policy.calendar))
    _record(
        ticket,
        "sla_started",
        clock,
        now=now,
        actor=actor,
        cause=cause,
        policy=clock.policy.name,
        cycle=clock.cycle,
    )


def retarget_clocks(
    ticket: Ticket, *, now: datetime, actor: User | None, cause: str
) -> None:
    """Re-select the policy after a priority/category change: targets come
    from the new policy, the business time already spent is kept."""
    policy = select_policy(ticket)
    for clock in ticket_clocks(ticket.id):
        minutes = policy.target_minutes(clock.target) if policy else None
        if policy is None or not minutes or policy.id == clock.policy_id:
            continue
        old_spec = calendar_spec(clock.policy.calendar)
        clock.spent_seconds = elapsed_seconds(clock, old_spec, now)
        if clock.phase == Phase.RUNNING:
            clock.running_since = now
        old_name = clock.policy.name
        clock.policy, clock.target_seconds = policy, minutes * 60
        # Thresholds already passed under the new target count as done.
        clock.warnings_done = sum(
            1
            for p in _warning_percents(clock)
            if clock.spent_seconds >= _threshold_seconds(clock, p)
        )
        _schedule(clock, calendar_spec(policy.calendar))
        _record(
            ticket,
            "sla_policy_changed",
            clock,
            now=now,
            actor=actor,
            cause=cause,
            old_policy=old_name,
            policy=policy.name,
        )


# --- the sweep -----------------------------------------------------------------


@dataclass
class SweepCounts:
    clocks: int = 0
    warnings: int = 0
    breaches: int = 0


def sweep_due_clocks(
    *, now: datetime, settings: Mapping, limit: int = 500
) -> SweepCounts:
    """Mark the warnings and breaches that are due, each exactly once.

    Reads only clocks whose indexed ``next_check_at`` has passed, so its cost
    follows the number of due clocks, not of open tickets. Level-triggered:
    a late, skipped or doubled run gives the same result. On PostgreSQL the
    rows are claimed with FOR UPDATE SKIP LOCKED so several schedulers can
    run; the unique key of ``sla_alerts`` backs the exactly-once promise.
    """
    query = (
        sa.select(SlaClock)
        .where(SlaClock.next_check_at <= now)
        .order_by(SlaClock.next_check_at, SlaClock.id)
        .limit(limit)
        # A handful of queries per batch, whatever its size.
        .options(selectinload(SlaClock.ticket), *_POLICY_WITH_CALENDAR)
    )
    if db.session.get_bind().dialect.name == "postgresql":
        query = query.with_for_update(skip_locked=True, of=SlaClock)
    counts = SweepCounts()
    for clock in db.session.scalars(query).all():
        counts.clocks += 1
        _check_clock(clock, now=now, settings=settings, counts=counts)
    db.session.flush()
    return counts


def _check_clock(
    clock: SlaClock, *, now: datetime, settings: Mapping, counts: SweepCounts
) -> None:
    spec = calendar_spec(clock.policy.calendar)
    elapsed = elapsed_seconds(clock, spec, now)
    ticket = clock.ticket
    percents = _warning_percents(clock)
    while clock.warnings_done < len(percents) and elapsed >= _threshold_seconds(
        clock, percents[clock.warnings_done]
    ):
        percent = percents[clock.warnings_done]
        clock.warnings_done += 1
        if _raise_alert(ticket, clock, "warning", percent, now=now, settings=settings):
            counts.warnings += 1
    if clock.breached_at is None and elapsed >= clock.target_seconds:
        # The breach happened at the due instant, not when the sweep noticed it.
        clock.breached_at = min(clock.due_at or now, now)
        if _raise_alert(ticket, clock, "breach", 100, now=now, settings=settings):
            counts.breaches += 1
    _schedule(clock, spec)


def _raise_alert(
    ticket: Ticket,
    clock: SlaClock,
    kind: str,
    percent: int,
    *,
    now: datetime,
    settings: Mapping,
) -> bool:
    """Record the alert once (a duplicate from a parallel sweep is skipped),
    write it on the timeline, queue notifications and tell routing."""
    try:
        with db.session.begin_nested():
            db.session.add(
                SlaAlert(
                    clock_id=clock.id,
                    cycle=clock.cycle,
                    kind=kind,
                    percent=percent,
                    created_at=now,
                )
            )
    except IntegrityError:
        log.info(
            "sla.alert duplicate ticket_id=%s clock_id=%s kind=%s",
            ticket.id,
            clock.id,
            kind,
        )
        return False
    event = "sla_warning" if kind == "warning" else "sla_breached"
    _record(ticket, event, clock, now=now, actor=None, cause="sweep", percent=percent)
    actions = (
        clock.policy.on_warning if kind == "warning" else clock.policy.on_breach
    ) or []
    notify.queue_alert(
        ticket, clock, kind, percent, actions=actions, now=now, settings=settings
    )
    if "escalate" in actions:
        _escalate(ticket, clock, kind, now=now, settings=settings)
    signal = sla_warning if kind == "warning" else sla_breached
    signal.send(ticket, clock=clock, percent=percent, now=now)
    log.info(
        "sla.%s ticket_id=%s target=%s percent=%s",
        kind,
        ticket.id,
        clock.target.value,
        percent,
    )
    return True


def _escalate(
    ticket: Ticket, clock: SlaClock, kind: str, *, now: datetime, settings: Mapping
) -> None:
    """The policy's "escalate" action: the next line up, through the core,
    so it works whichever other packages are installed."""
    line = line_above(ticket)
    if line is None or not ticket.is_active:
        return
    move_to_line(
        ticket,
        line,
        reason=clock.target.value,
        cause=f"sla_{kind}",
        actor=None,
        now=now,
        settings=settings,
    )
