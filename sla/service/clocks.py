"""Per-ticket SLA clocks: start, pause, resume, stop, re-target.

Every change to a clock writes an internal ``sla_*`` event on the ticket's
timeline naming the target and its cause, so anyone can see why a clock says
what it says. All instants are aware UTC; durations are business seconds of
the policy's calendar.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Mapping
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import selectinload

from helpdesk.custom_fields import values as field_values
from helpdesk.extensions import db
from helpdesk.models import Ticket, User
from sla.calendar import CalendarSpec, add_business_seconds, business_seconds_between
from sla.models import BusinessCalendar, Phase, SlaClock, SlaPolicy, Target
from sla.service import fresh_clocks, policies
from sla.service.alerts import raise_alert
from sla.service.attribution import holders_at
from sla.service.history import record_clock_event

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
    """What policy conditions look at: the requester's organisation by name
    and its plan (joined with the requester: no query); ``field:<key>``: a
    custom field's value as text (``helpdesk.custom_fields.values.policy_facts``)."""
    organisation = ticket.requester.organisation
    return {
        "priority": ticket.priority.value,
        "category": ticket.category.code,
        "organization": ticket.requester.organisation_name,
        "plan": organisation.plan if organisation else None,
        "channel": ticket.channel.value,
        **field_values.policy_facts(ticket),
    }


POLICY_WITH_CALENDAR = (
    selectinload(SlaClock.policy)
    .selectinload(SlaPolicy.calendar)
    .selectinload(BusinessCalendar.intervals),
    selectinload(SlaClock.policy)
    .selectinload(SlaPolicy.calendar)
    .selectinload(BusinessCalendar.holidays),
)


def select_policy(ticket: Ticket) -> SlaPolicy | None:
    """The first active policy, by position, whose conditions match the
    ticket (from the per-process cache: no query once cached)."""
    return policies.first_matching(ticket_facts(ticket))


def ticket_clocks(ticket_id: int) -> list[SlaClock]:
    return list(
        db.session.scalars(
            sa.select(SlaClock)
            .where(SlaClock.ticket_id == ticket_id)
            .order_by(SlaClock.id)
        )
    )


def _clocks_with_specs(ticket: Ticket) -> list[tuple[SlaClock, CalendarSpec]]:
    """The ticket's clocks with their calendars: from memory for a ticket
    created in this unit of work (``fresh_clocks``), else read."""
    fresh = fresh_clocks.of(ticket.id)
    if fresh is not None:
        return [
            (clock, spec or calendar_spec(clock.policy.calendar))
            for clock, spec in fresh
        ]
    return [(c, calendar_spec(c.policy.calendar)) for c in ticket_clocks(ticket.id)]


def refresh_ticket_due(ticket: Ticket) -> None:
    """Copy the earliest running deadline onto the ticket, for the queues'
    "time left" order (the core knows the column, not the clocks)."""
    set_ticket_due(ticket, ticket_clocks(ticket.id))


def set_ticket_due(ticket: Ticket, clocks: list[SlaClock]) -> None:
    """``refresh_ticket_due`` from clocks in hand: all of the ticket's."""
    dues = [
        c.due_at for c in clocks if c.phase == Phase.RUNNING and c.due_at is not None
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


def threshold_seconds(clock: SlaClock, percent: int) -> int:
    return math.ceil(clock.target_seconds * percent / 100)


def warning_percents(clock: SlaClock) -> list[int]:
    return sorted(p for p in (clock.policy.warning_percents or []) if 0 < p < 100)


def reached_at(clock: SlaClock, spec: CalendarSpec, spent_target: int) -> datetime:
    """The instant a running clock has spent ``spent_target`` business seconds."""
    left = max(0, spent_target - clock.spent_seconds)
    return add_business_seconds(spec, clock.running_since, left)


def schedule_checks(clock: SlaClock, spec: CalendarSpec) -> None:
    """Due time and the next instant a sweep must look at this clock.

    Once breached, a clock stays due at the instant it was due, however it
    pauses and resumes afterwards (pages show how long it is overdue)."""
    if clock.phase == Phase.STOPPED or (
        clock.phase == Phase.PAUSED and clock.breached_at is None
    ):
        clock.due_at = clock.next_check_at = None
        return
    if clock.phase == Phase.PAUSED:
        clock.due_at, clock.next_check_at = clock.breached_at, None
        return

    def at(spent_target: int) -> datetime:
        return reached_at(clock, spec, spent_target)

    clock.due_at = clock.breached_at or at(clock.target_seconds)
    # Only the first warning still to come: later thresholds are larger, so
    # they are reached no sooner (one business-time computation, not one each).
    pending = [
        at(threshold_seconds(clock, p))
        for p in warning_percents(clock)[clock.warnings_done :][:1]
    ]
    if clock.breached_at is None:
        pending.append(clock.due_at)
    clock.next_check_at = min(pending) if pending else None


def mark_breached(clock: SlaClock, at: datetime, *, now: datetime) -> None:
    """The clock breached at ``at``, noticed at ``now``: attributed to the
    line, the assignee and the policy the ticket had at ``at``.

    Noticed late (``at < now``), the line and assignee then are read back
    from the timeline (``attribution.holders_at``). The policy is the clock's
    own: a due instant is computed from the current running segment, which
    starts at or after the last re-selection of the policy."""
    ticket = clock.ticket
    clock.breached_at = at
    if at < now:
        clock.breached_line, clock.breached_assignee_id = holders_at(ticket, at)
    else:
        clock.breached_line, clock.breached_assignee_id = (
            ticket.line,
            ticket.assignee_id,
        )
    clock.breached_policy_id = clock.policy_id


def catch_late_breach(
    clock: SlaClock, spec: CalendarSpec, *, now: datetime, settings: Mapping
) -> None:
    """A running clock that passed its due instant before any sweep noticed
    is breached at that instant, and alerted now, before it stops or pauses:
    a target is met only by an event at or before its due time."""
    if clock.phase != Phase.RUNNING or clock.breached_at is not None:
        return
    due = reached_at(clock, spec, clock.target_seconds)
    if now > due:
        mark_breached(clock, due, now=now)
        # Its warnings are moot now: the breach says more, and says it once.
        clock.warnings_done = len(warning_percents(clock))
        raise_alert(clock.ticket, clock, "breach", 100, now=now, settings=settings)


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
    spec = policies.spec_of(policy.calendar_id)
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
        schedule_checks(clock, spec)
        db.session.add(clock)
        fresh_clocks.remember(ticket, clock, spec, new_ticket=cause == "ticket_created")
        record_clock_event(
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
    ticket: Ticket,
    *,
    now: datetime,
    actor: User | None,
    cause: str,
    settings: Mapping,
) -> None:
    """Stop the time of every running clock; it keeps what it has spent. A
    clock already past its due instant is breached there first."""
    for clock in ticket_clocks(ticket.id):
        if clock.phase == Phase.RUNNING:
            _pause(ticket, clock, now=now, actor=actor, cause=cause, settings=settings)


def _pause(
    ticket: Ticket,
    clock: SlaClock,
    *,
    now: datetime,
    actor: User | None,
    cause: str,
    settings: Mapping,
) -> None:
    spec = calendar_spec(clock.policy.calendar)
    catch_late_breach(clock, spec, now=now, settings=settings)
    clock.spent_seconds = elapsed_seconds(clock, spec, now)
    clock.phase, clock.running_since = Phase.PAUSED, None
    schedule_checks(clock, spec)
    record_clock_event(
        ticket,
        "sla_paused",
        clock,
        now=now,
        actor=actor,
        cause=cause,
        spent_seconds=clock.spent_seconds,
    )


def follow_waiting(
    ticket: Ticket,
    *,
    now: datetime,
    actor: User | None,
    cause: str,
    settings: Mapping,
) -> None:
    """Pause or resume each clock as its policy says of the ticket's status
    (``SlaPolicy.pauses_in``): while it waits on the customer every clock
    stands still; while it waits on line 3 those of a policy that says so.
    A clock already in the right phase is left alone, so this is idempotent."""
    for clock in ticket_clocks(ticket.id):
        pauses = clock.policy.pauses_in(ticket.status)
        if clock.phase == Phase.RUNNING and pauses:
            _pause(ticket, clock, now=now, actor=actor, cause=cause, settings=settings)
        elif clock.phase == Phase.PAUSED and not pauses:
            _resume(ticket, clock, now=now, actor=actor, cause=cause)


def resume_clocks(
    ticket: Ticket,
    *,
    now: datetime,
    actor: User | None,
    cause: str,
    reopen: frozenset[Target] = frozenset(),
) -> None:
    """Restart paused clocks, and stopped ones whose target is in ``reopen``,
    from ``now``; the time spent before is kept. A reopened ticket still owes
    the response its resolution stopped unanswered: that clock resumes too."""
    for clock in ticket_clocks(ticket.id):
        if not (
            clock.phase == Phase.PAUSED
            or (
                clock.phase == Phase.STOPPED
                and (clock.target in reopen or (reopen and clock.unanswered))
            )
        ):
            continue
        _resume(ticket, clock, now=now, actor=actor, cause=cause)


def _resume(
    ticket: Ticket, clock: SlaClock, *, now: datetime, actor: User | None, cause: str
) -> None:
    clock.phase, clock.running_since, clock.stopped_at = Phase.RUNNING, now, None
    clock.unanswered = False
    schedule_checks(clock, calendar_spec(clock.policy.calendar))
    record_clock_event(ticket, "sla_resumed", clock, now=now, actor=actor, cause=cause)


def stop_clocks(
    ticket: Ticket,
    targets: frozenset[Target],
    *,
    now: datetime,
    actor: User | None,
    cause: str,
    settings: Mapping,
    answered: bool = True,
) -> None:
    """Stop clocks for good: met when stopped at or before the due instant,
    breached at that instant otherwise (even if no sweep had noticed).

    ``answered=False`` stops response clocks without their meeting event
    (the ticket was resolved or closed with no public reply): such a clock is
    never "met". Past its due instant it is breached there, as always;
    otherwise it is ``unanswered`` ("no response"): in no compliance figure
    and no response time, counted apart on the dashboard."""
    for clock, spec in _clocks_with_specs(ticket):
        if clock.target not in targets or clock.phase == Phase.STOPPED:
            continue
        catch_late_breach(clock, spec, now=now, settings=settings)
        clock.spent_seconds = elapsed_seconds(clock, spec, now)
        clock.phase, clock.running_since, clock.stopped_at = Phase.STOPPED, None, now
        clock.unanswered = not answered
        schedule_checks(clock, spec)
        kind = "sla_stopped" if clock.breached_at else "sla_met"
        record_clock_event(
            ticket,
            "sla_unanswered" if kind == "sla_met" and not answered else kind,
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
    clock.spent_seconds, clock.warnings_done, clock.unanswered = 0, 0, False
    clock.breached_at, clock.stopped_at = None, None
    clock.started_at = clock.running_since = now
    clock.phase = Phase.RUNNING
    schedule_checks(clock, calendar_spec(clock.policy.calendar))
    record_clock_event(
        ticket,
        "sla_started",
        clock,
        now=now,
        actor=actor,
        cause=cause,
        policy=clock.policy.name,
        cycle=clock.cycle,
    )
