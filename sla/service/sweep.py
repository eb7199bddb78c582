"""The SLA sweep: the warnings and breaches that are due, each raised once
(``alerts``), each clock checked on its own so that one that fails cannot
hold up the others."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.orm import selectinload

from helpdesk.extensions import db
from sla.models import Phase, SlaClock
from sla.service.alerts import raise_alert
from sla.service.clocks import (
    POLICY_WITH_CALENDAR,
    calendar_spec,
    mark_breached,
    reached_at,
    refresh_ticket_due,
    schedule_checks,
    threshold_seconds,
    warning_percents,
)

log = logging.getLogger(__name__)


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
        .options(selectinload(SlaClock.ticket), *POLICY_WITH_CALENDAR)
    )
    if db.session.get_bind().dialect.name == "postgresql":
        query = query.with_for_update(skip_locked=True, of=SlaClock)
    counts = SweepCounts()
    for clock in db.session.scalars(query).all():
        counts.clocks += 1
        _check_in_isolation(clock, now=now, settings=settings, counts=counts)
    db.session.flush()
    return counts


def _check_in_isolation(
    clock: SlaClock, *, now: datetime, settings: Mapping, counts: SweepCounts
) -> None:
    """One clock's failure (a calendar that no longer computes...) is undone,
    logged and retried later with back-off; it never holds up the others."""
    try:
        with db.session.begin_nested():
            _check_clock(clock, now=now, settings=settings, counts=counts)
            if clock.check_failures:
                clock.check_failures, clock.check_error = 0, None
    # Broad on purpose: whatever breaks one clock must not stop the sweep.
    except Exception as exc:
        log.exception("sla.clock_failed clock_id=%s", clock.id)
        failures = clock.check_failures + 1
        clock.check_failures = failures
        clock.check_error = f"{type(exc).__name__}: {exc}"[:2000]
        clock.next_check_at = now + timedelta(seconds=retry_delay_seconds(failures))


def retry_delay_seconds(failures: int) -> int:
    """A minute after the first failure, doubling, at most a day."""
    return min(60 * 2 ** (failures - 1), 24 * 3600)


def _check_clock(
    clock: SlaClock, *, now: datetime, settings: Mapping, counts: SweepCounts
) -> None:
    """Warnings at each threshold's instant, the breach at the due instant;
    decided by instants of the current calendar, whenever the sweep runs."""
    spec = calendar_spec(clock.policy.calendar)
    ticket = clock.ticket
    running = clock.phase == Phase.RUNNING
    percents = warning_percents(clock)
    while (
        running
        and clock.warnings_done < len(percents)
        and now
        >= reached_at(
            clock, spec, threshold_seconds(clock, percents[clock.warnings_done])
        )
    ):
        percent = percents[clock.warnings_done]
        clock.warnings_done += 1
        if raise_alert(ticket, clock, "warning", percent, now=now, settings=settings):
            counts.warnings += 1
    if running and clock.breached_at is None:
        due = reached_at(clock, spec, clock.target_seconds)
        if now >= due:
            # Breached at the due instant, not when the sweep noticed it.
            mark_breached(clock, due, now=now)
            if raise_alert(ticket, clock, "breach", 100, now=now, settings=settings):
                counts.breaches += 1
    due_before = clock.due_at
    schedule_checks(clock, spec)
    if clock.due_at != due_before:
        refresh_ticket_due(ticket)  # re-timed by a calendar or policy edit
