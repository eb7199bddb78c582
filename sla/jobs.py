"""The SLA's scheduler job, registered with ``helpdesk.hooks.add_job``: it
opens its own app context, reads the clock once, calls the service, commits
and logs counts."""

from __future__ import annotations

import logging

from flask import Flask

from helpdesk.clock import get_clock
from helpdesk.extensions import db
from sla.metrics import count_sweep
from sla.service.sweep import SweepCounts, sweep_due_clocks

log = logging.getLogger(__name__)

SWEEP_BATCH = 500
# A sweep that still finds due clocks after this many batches leaves the
# rest to the next run rather than holding the process.
MAX_BATCHES = 200


def sweep_clocks(app: Flask) -> SweepCounts:
    """One SLA sweep over every due clock, committed batch by batch.

    Level-triggered and idempotent: a late, skipped or doubled run gives the
    same result (see ``sla.service.sweep.sweep_due_clocks``)."""
    total = SweepCounts()
    with app.app_context():
        now = get_clock().now()
        for _ in range(MAX_BATCHES):
            counts = sweep_due_clocks(now=now, settings=app.config, limit=SWEEP_BATCH)
            db.session.commit()
            count_sweep(counts)  # committed: what the alerts' rows say
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
