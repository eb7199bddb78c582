"""Operations endpoints for load balancers and monitoring."""

from __future__ import annotations

from flask import current_app

from helpdesk.clock import get_clock
from helpdesk.health import OK, health
from helpdesk.views import bp


@bp.get("/healthz")
def healthz():
    """200 when every check passes: the database takes a write, every
    scheduler job ran recently, no mail waits too long in the outbox, the
    newest backup is recent enough; else 503, the JSON body naming the failed
    checks in ``failed`` (see helpdesk/health.py)."""
    body = health(current_app, now=get_clock().now())
    return body, 200 if body["status"] == OK else 503
