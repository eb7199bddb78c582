"""The reports' scheduler jobs (registered with ``helpdesk.hooks.add_job``):
each opens its own app context, reads the clock once, calls the service,
commits and logs counts."""

from __future__ import annotations

import logging

from flask import Flask

from helpdesk.clock import get_clock
from helpdesk.extensions import db
from reports.service import rollups

log = logging.getLogger(__name__)


# New days are counted a week per transaction, so SQLite's write lock is
# held for about a second at a time, not for the whole catching-up.
DAYS_PER_STEP = 7
STEPS = rollups.MAX_DAYS_PER_RUN // DAYS_PER_STEP


def rollup_job(app: Flask) -> dict[str, int]:
    """Count the local days that ended and recount the days changed tickets
    touched, for every time zone in use (``rollups.roll``; idempotent),
    committing a week of days at a time."""
    total: dict[str, int] = {}
    with app.app_context():
        now = get_clock().now()
        for step in range(STEPS):
            done = rollups.roll(now=now, max_days=DAYS_PER_STEP, changes=step == 0)
            db.session.commit()
            for zone, days in done.items():
                total[zone] = total.get(zone, 0) + days
            if step and not any(done.values()):
                break
        log.info("reports.rollup zones=%s days=%s", len(total), sum(total.values()))
    return total


def mail_job(app: Flask) -> int:
    """Queue the summary e-mails that are due (``summary.send_due``;
    idempotent: each subscription is claimed before it is queued)."""
    from reports.service import summary

    with app.app_context():
        sent = summary.send_due(now=get_clock().now(), settings=app.config)
        db.session.commit()
        log.info("reports.summary queued=%s", sent)
    return sent
