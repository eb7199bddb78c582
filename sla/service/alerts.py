"""Raising an SLA alert: recorded once, written on the timeline, and acted
on as the clock's policy says (its e-mails, its escalation), then announced
to routing's rules. The sweep raises them when they fall due; a clock that
stops or pauses after its due instant, before a sweep noticed, raises its
breach late, dated at the due instant."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from datetime import datetime

from helpdesk.db import insert_once
from helpdesk.extensions import db
from helpdesk.models import Ticket
from helpdesk.service.lines import line_above, move_to_line
from sla import notify
from sla.events import sla_breached, sla_warning
from sla.models import SlaAlert, SlaClock
from sla.service.history import record_clock_event

log = logging.getLogger(__name__)


def raise_alert(
    ticket: Ticket,
    clock: SlaClock,
    kind: str,
    percent: int,
    *,
    now: datetime,
    settings: Mapping,
) -> bool:
    """Record the alert once (a duplicate from a parallel sweep is skipped),
    write it on the timeline, queue notifications and tell routing. A breach
    noticed after its instant (``clock.breached_at``) says when it was due
    and when it was detected."""
    if clock.id is None:
        db.session.flush()  # a clock started in this unit of work: its id
    alert = {
        "clock_id": clock.id,
        "cycle": clock.cycle,
        "target_seconds": clock.target_seconds,
        "kind": kind,
        "percent": percent,
        "created_at": now,
    }
    if not insert_once(db.session.connection(), SlaAlert.__table__, alert):
        log.info(
            "sla.alert duplicate ticket_id=%s clock_id=%s kind=%s",
            ticket.id,
            clock.id,
            kind,
        )
        return False
    event = "sla_warning" if kind == "warning" else "sla_breached"
    timing = {}
    if kind == "breach" and clock.breached_at and clock.breached_at < now:
        timing = {
            "breached_at": clock.breached_at.isoformat(),
            "detected_at": now.isoformat(),
        }
    record_clock_event(
        ticket,
        event,
        clock,
        now=now,
        actor=None,
        cause="sweep",
        percent=percent,
        **timing,
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
