"""The scheduler's ``signin-prune`` job: rate-limit windows that have ended
and sessions unseen for ``SESSION_IDLE_DAYS`` (both refused already)."""

from __future__ import annotations

import logging

from flask import Flask

from helpdesk.clock import get_clock
from helpdesk.extensions import db
from helpdesk.signin import sessions, throttle

log = logging.getLogger(__name__)


def prune_job(app: Flask) -> int:
    """Delete what no longer counts (idempotent). Answers how many rows."""
    with app.app_context():
        now = get_clock().now()
        windows = throttle.prune(now=now)
        idle = sessions.prune(now=now, idle_days=app.config["SESSION_IDLE_DAYS"])
        db.session.commit()
        log.info("signin.prune windows=%s sessions=%s", windows, idle)
        return windows + idle
