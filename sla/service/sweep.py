"""The SLA sweep: the warnings and breaches that are due, each marked once,
written on the timeline, and acted on as the clock's policy says (e-mails,
escalation); then routing's rules on SLA triggers hear of it."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload

from helpdesk.extensions import db
from helpdesk.models import Ticket
from helpdesk.service.lines import line_above, move_to_line
from sla import notify
from sla.events import sla_breached, sla_warning
from sla.models import SlaAlert, SlaClock
from sla.service.clocks import (
    POLICY_WITH_CALENDAR,
    calendar_spec,
    elapsed_seconds,
    record_clock_event,
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
        _check_clock(clock, now=now, settings=settings, counts=counts)
    db.session.flush()
    return counts


def _check_clock(
    clock: SlaClock, *, now: datetime, settings: Mapping, counts: SweepCounts
) -> None:
    spec = calendar_spec(clock.policy.calendar)
    elapsed = elapsed_seconds(clock, spec, now)
    ticket = clock.ticket
    percents = warning_percents(clock)
    while clock.warnings_done < len(percents) and elapsed >= threshold_seconds(
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
    schedule_checks(clock, spec)


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
    record_clock_event(
        ticket, event, clock, now=now, actor=None, cause="sweep", percent=percent
    )
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
    )
