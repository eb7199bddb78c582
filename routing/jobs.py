"""Routing's scheduler job (registered with ``helpdesk.hooks.add_job``, run
by ``flask scheduler``)."""

from __future__ import annotations

import logging

from flask import Flask

from helpdesk.clock import get_clock
from helpdesk.extensions import db
from routing.service.unassigned import sweep_unassigned

log = logging.getLogger(__name__)


def check_unassigned(app: Flask) -> int:
    """The "unassigned for N minutes" rules: each looks once at every active
    ticket that has had no assignee for N minutes since it was registered.
    Idempotent (a unique mark per rule and ticket); commits once."""
    with app.app_context():
        looked = sweep_unassigned(now=get_clock().now(), settings=app.config)
        db.session.commit()
        log.info("routing.unassigned tickets=%s", looked)
        return looked
