"""Scheduler entry points. Each job opens its own app context, reads the clock
once, calls the service, commits and logs counts."""

from __future__ import annotations

import logging

from flask import Flask

from helpdesk.clock import get_clock
from helpdesk.extensions import db
from helpdesk.outbox import DeliveryCounts, deliver_due_messages
from sla.service import SweepCounts, sweep_due_clocks

log = logging.getLogger(__name__)

SWEEP_BATCH = 500
# A sweep that still finds due clocks after this many batches leaves the
# rest to the next run rather than holding the process.
MAX_BATCHES = 200


def sweep_clocks(app: Flask) -> SweepCounts:
    """One SLA sweep over every due clock, committed batch by batch.

    Level-triggered and idempotent: a late, skipped or doubled run gives the
    same result (see ``sla.service.sweep_due_clocks``)."""
    total = SweepCounts()
    with app.app_context():
        now = get_clock().now()
        for _ in range(MAX_BATCHES):
            counts = sweep_due_clocks(now=now, settings=app.config, limit=SWEEP_BATCH)
            db.session.commit()
            total.clocks += counts.clocks
            total.warnings += counts.warnings
            total.breaches += counts.breaches
            if counts.clocks < SWEEP_BATCH:
                break
        log.info(
            "sla.sweep clocks=%s warnings=%s breaches=%s",
            total.clocks,
            total.warnings,
            total.breaches,
        )
    return total


def deliver_outbox(app: Flask) -> DeliveryCounts:
    """Send the notifications that are due; failures are retried later."""
    with app.app_context():
        counts = deliver_due_messages(now=get_clock().now(), settings=app.config)
        log.info(
            "outbox.deliver sent=%s failed=%s given_up=%s",
            counts.sent,
            counts.failed,
            counts.given_up,
        )
        return counts


def scheduled_jobs(app: Flask) -> list[tuple]:
    """The one list the scheduler runs: these jobs, then those other packages
    registered in ``app.extensions["scheduler.jobs"]`` (sla never imports them)."""
    return [*JOBS, *app.extensions.get("scheduler.jobs", [])]


# The SLA's jobs, with fixed ids: (id, function(app), interval setting).
JOBS = (
    ("sla-sweep", sweep_clocks, "SLA_SWEEP_SECONDS"),
    ("outbox-deliver", deliver_outbox, "OUTBOX_DELIVERY_SECONDS"),
)
