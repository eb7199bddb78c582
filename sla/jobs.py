"""The SLA's scheduler job, registered with ``helpdesk.hooks.add_job``: it
opens its own app context, reads the clock once, calls the service, commits
and logs counts."""

from __future__ import annotations

import logging
import time

from flask import Flask

from helpdesk.clock import get_clock
from helpdesk.extensions import db
from sla.metrics import count_sweep
from sla.service.sweep import SweepCounts, sweep_due_clocks

log = logging.getLogger(__name__)

# A sweep that still finds due clocks after this many leaves the rest to
# the next run rather than holding the process.
MAX_CLOCKS_PER_RUN = 100_000


def sweep_clocks(app: Flask) -> SweepCounts:
    """One SLA sweep over every due clock, committed batch by batch
    (``SLA_SWEEP_BATCH`` clocks), so no write transaction is long.

    Level-triggered and idempotent: a late, skipped or doubled run gives the
    same result (see ``sla.service.sweep.sweep_due_clocks``)."""
    total = SweepCounts()
    with app.app_context():
        now = get_clock().now()
        batch = app.config["SLA_SWEEP_BATCH"]
        while total.clocks < MAX_CLOCKS_PER_RUN:
            counts = sweep_due_clocks(now=now, settings=app.config, limit=batch)
            db.session.commit()
            count_sweep(counts)  # committed: what the alerts' rows say
            total.clocks += counts.clocks
            total.warnings += counts.warnings
            total.breaches += counts.breaches
            if counts.clocks < batch:
                break
            _let_writers_in(app)
        log.info(
            "sla.sweep clocks=%s warnings=%s breaches=%s",
            total.clocks,
            total.warnings,
            total.breaches,
        )
    return total


def _let_writers_in(app: Flask) -> None:
    """Between two batches on SQLite, leave its one write lock free for
    longer than a waiting writer's longest wait between two tries (see
    ``SLA_SWEEP_PAUSE_MS``). PostgreSQL locks rows, not the database."""
    pause_ms = app.config["SLA_SWEEP_PAUSE_MS"]
    if pause_ms and db.engine.dialect.name == "sqlite":
        time.sleep(pause_ms / 1000)
