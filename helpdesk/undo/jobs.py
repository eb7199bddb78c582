"""The scheduler's ``undo-prune`` job: undo records are needed only while
their window lasts; the timeline keeps what was done and undone."""

from __future__ import annotations

import logging

from flask import Flask

from helpdesk.clock import get_clock
from helpdesk.extensions import db
from helpdesk.undo.service import prune

log = logging.getLogger(__name__)


def prune_job(app: Flask) -> int:
    """Delete the records whose window ended more than ``UNDO_KEEP_SECONDS``
    ago (idempotent; a late or doubled run deletes the same). Answers how many."""
    with app.app_context():
        deleted = prune(
            now=get_clock().now(), keep_seconds=app.config["UNDO_KEEP_SECONDS"]
        )
        db.session.commit()
        log.info("undo.prune deleted=%s", deleted)
        return deleted
