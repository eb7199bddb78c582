"""Operations endpoints for load balancers and monitoring."""

from __future__ import annotations

from flask import Response, current_app, request
from flask_babel import gettext as _
from werkzeug.exceptions import NotFound as NotFoundHTTP

from helpdesk.clock import get_clock
from helpdesk.errors import PermissionDenied
from helpdesk.health import OK, health
from helpdesk.metrics.exposition import Caller, access, render
from helpdesk.views import bp


@bp.get("/healthz")
def healthz():
    """200 when every check passes: the database takes a write, every
    scheduler job ran recently, no mail waits too long in the outbox, the
    newest backup is recent enough; else 503, the JSON body naming the failed
    checks in ``failed`` (see helpdesk/health.py)."""
    body = health(current_app, now=get_clock().now())
    return body, 200 if body["status"] == OK else 503


@bp.get("/metrics")
def metrics():
    """Prometheus' text format (helpdesk/metrics/), for a caller with the
    METRICS_TOKEN as bearer token or from METRICS_ALLOWED_NETWORKS; a wrong
    token is refused (403), anyone else finds nothing here (404)."""
    config = current_app.config
    verdict = access(
        _metrics_caller(),
        token=config["METRICS_TOKEN"],
        networks_text=config["METRICS_ALLOWED_NETWORKS"],
    )
    if verdict == "refused":
        raise PermissionDenied(_("The metrics token is not valid."))
    if verdict == "hidden":
        raise NotFoundHTTP()  # the very 404 of an address that does not exist
    body, content_type = render(current_app._get_current_object())
    return Response(body, content_type=content_type)


def _metrics_caller() -> Caller:
    scheme, _sep, token = request.headers.get("Authorization", "").partition(" ")
    token = token.strip() if scheme.lower() == "bearer" else ""
    untrusted_proxy = "X-Forwarded-For" in request.headers and not (
        current_app.config.get("PROXY_FIX_X_FOR")
    )
    return Caller(
        address=request.remote_addr,
        token=token or None,
        untrusted_proxy=untrusted_proxy,
    )
