"""Scheduler entry points. Each job opens its own app context, reads the clock
once, calls the service, commits and logs counts."""

from __future__ import annotations

import logging

from flask import Flask

from helpdesk.clock import get_clock

log = logging.getLogger(__name__)


def sweep_due_clocks(app: Flask) -> int:
    """One SLA sweep. Level-triggered and idempotent; a skipped or doubled
    run gives the same result. Until the SLA engine lands there are no clocks,
    so it only records that it ran."""
    with app.app_context():
        now = get_clock().now()
        log.info("sla.sweep at=%s due=0", now.isoformat())
        return 0


# The one list of jobs, with fixed ids: (id, function, interval setting).
JOBS = (("sla-sweep", sweep_due_clocks, "SLA_SWEEP_SECONDS"),)
