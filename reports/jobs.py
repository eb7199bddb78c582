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


def rollup_job(app: Flask) -> dict[str, int]:
    """Count the local days that ended and recount the days changed tickets
    touched, for every time zone in use (``rollups.roll``; idempotent)."""
    with app.app_context():
        done = rollups.roll(now=get_clock().now())
        db.session.commit()
        log.info("reports.rollup zones=%s days=%s", len(done), sum(done.values()))
    return done


def mail_job(app: Flask) -> int:
    """Queue the summary e-mails that are due (``summary.send_due``;
    idempotent: each subscription is claimed before it is queued)."""
    from reports.service import summary

    with app.app_context():
        sent = summary.send_due(now=get_clock().now(), settings=app.config)
        db.session.commit()
        log.info("reports.summary queued=%s", sent)
    return sent
