"""Prometheus metrics: ``/metrics`` (helpdesk/views/ops.py) in the text format.

- ``instruments``: the counters and histograms processes update as things
  happen (requests, scheduler jobs, the SLA sweep's alerts, outbox
  deliveries, mail in, database errors);
- ``collector``: the gauges read from the database at scrape time (tickets,
  the outbox's backlog, heartbeats; the packages add theirs through
  ``helpdesk.hooks.add_metrics_source``);
- ``exposition``: the scrape itself and its access rule;
- ``multiproc``: the folder gunicorn's workers and the scheduler share.
"""

from __future__ import annotations

import time

import sqlalchemy as sa
from flask import Flask, Response, g, request, request_started
from prometheus_client import disable_created_metrics

# Only instruments here, which imports nothing of ours: the modules that
# count (the scheduler, the outbox) import it, and the collector imports them.
from helpdesk.metrics import instruments

# The *_created series double the output and no panel of ours reads them.
disable_created_metrics()


def init_app(app: Flask) -> None:
    from helpdesk import hooks
    from helpdesk.metrics import collector
    from helpdesk.metrics.exposition import parse_networks

    parse_networks(app.config["METRICS_ALLOWED_NETWORKS"])  # fail fast on a typo
    request_started.connect(_start_timer, app)
    app.after_request(_count_request)
    hooks.add_metrics_source(app, collector.core_gauges)
    connect()


def _start_timer(_sender: Flask, **_extra) -> None:
    # request_started, not before_request: it comes before the URL value
    # preprocessors, which may already answer 404.
    g._metrics_started = time.perf_counter()


def _count_request(response: Response) -> Response:
    started = g.pop("_metrics_started", None)
    if started is not None:
        rule = request.url_rule
        instruments.count_request(
            request.method,
            rule.rule if rule is not None else "<unmatched>",
            response.status_code,
            time.perf_counter() - started,
        )
    return response


def _count_database_error(context: sa.engine.ExceptionContext) -> None:
    instruments.DATABASE_ERRORS.labels(
        instruments.database_error_kind(
            context.original_exception,
            integrity=isinstance(context.sqlalchemy_exception, sa.exc.IntegrityError),
            is_disconnect=context.is_disconnect,
        )
    ).inc()


_connected = False


def connect() -> None:
    """Count every driver error of every engine (once per process): the web
    workers', the scheduler's and the commands'."""
    global _connected
    if _connected:
        return
    sa.event.listen(sa.engine.Engine, "handle_error", _count_database_error)
    _connected = True
