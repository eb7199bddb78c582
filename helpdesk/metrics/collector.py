"""The gauges of /metrics: counts read from the database at scrape time.

A count of rows (tickets by status, mail waiting) is a fact of the database,
not of a process: reading it when Prometheus asks needs no bookkeeping on
every write and cannot drift between workers. Each source runs a few
aggregate queries over indexed columns, never one query per row; the
packages add theirs through ``helpdesk.hooks.add_metrics_source``.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterable, Iterator
from datetime import datetime

import sqlalchemy as sa
from flask import Flask, current_app
from prometheus_client.core import GaugeMetricFamily, Metric

from helpdesk.clock import get_clock
from helpdesk.extensions import db
from helpdesk.hooks import metrics_sources, scheduled_jobs
from helpdesk.models import Ticket
from helpdesk.outbox.models import OutboxMessage
from helpdesk.scheduler import JobRun
from helpdesk.vocabulary import TicketStatus

log = logging.getLogger(__name__)
LINES = (1, 2, 3)


class DatabaseCollector:
    """A prometheus_client custom collector over the app's metrics sources.

    When the database cannot answer, the scrape still succeeds: the
    counters (database errors among them) are what one wants to see then,
    and ``helpdesk_metrics_database_up`` says 0."""

    def __init__(self, app: Flask) -> None:
        self.app = app

    def collect(self) -> Iterator[Metric]:
        started = time.perf_counter()
        families: list[Metric] = []
        up = 1
        with self.app.app_context():
            now = get_clock().now()
            try:
                for source in metrics_sources(self.app):
                    families.extend(source(now))
            except sa.exc.SQLAlchemyError as exc:
                db.session.rollback()
                log.warning("metrics.database_failed error=%s", type(exc).__name__)
                families, up = [], 0
        yield from families
        yield GaugeMetricFamily(
            "helpdesk_metrics_database_up",
            "1 when the scrape could read the database's figures, else 0.",
            value=up,
        )
        yield GaugeMetricFamily(
            "helpdesk_metrics_scrape_duration_seconds",
            "Time the scrape spent reading the database's figures.",
            value=time.perf_counter() - started,
        )


def core_gauges(now: datetime) -> Iterable[Metric]:
    """The core's figures: tickets, the outbox, the scheduler's heartbeats."""
    yield tickets_by_status_and_line()
    yield from outbox_gauges(
        now, max_attempts=current_app.config["OUTBOX_MAX_ATTEMPTS"]
    )
    yield from scheduler_gauges(now)


# Closed tickets are not counted: their number only grows, and counting them
# would read every ticket ever closed at every scrape (0.3 s at a million on
# SQLite); the other statuses are seeks into ix_tickets_line_status_id whose
# cost follows the tickets that are not closed.
COUNTED_STATUSES = tuple(s for s in TicketStatus if s != TicketStatus.CLOSED)


def tickets_by_status_and_line() -> Metric:
    rows = db.session.execute(
        sa.select(Ticket.line, Ticket.status, sa.func.count())
        .where(Ticket.line.in_(LINES), Ticket.status.in_(COUNTED_STATUSES))
        .group_by(Ticket.line, Ticket.status)
    )
    counts = {(line, TicketStatus(status)): n for line, status, n in rows}
    family = GaugeMetricFamily(
        "helpdesk_tickets",
        "Tickets by status and line (every status but closed).",
        labels=["status", "line"],
    )
    # Every pair, zeros too: a panel's series never vanish when a count hits 0.
    for status in COUNTED_STATUSES:
        for line in LINES:
            family.add_metric([status.value, str(line)], counts.get((line, status), 0))
    return family


def outbox_gauges(now: datetime, *, max_attempts: int) -> Iterator[Metric]:
    """Unsent messages by state, and how long the oldest has waited. Reads
    only the unsent rows (ix_outbox_messages_pending leads with sent_at)."""
    m = OutboxMessage
    state = sa.case(
        (m.attempts >= max_attempts, "given_up"),
        (m.sending_at.is_not(None), "sending"),
        (m.attempts > 0, "retrying"),
        else_="pending",
    ).label("state")
    rows = db.session.execute(
        sa.select(state, sa.func.count(), sa.func.min(m.created_at))
        .where(m.sent_at.is_(None), m.cancelled_at.is_(None))
        .group_by(state)
    ).all()
    counts = {name: n for name, n, _oldest in rows}
    messages = GaugeMetricFamily(
        "helpdesk_outbox_messages",
        "Unsent outbox messages: pending (never tried), retrying (failed, will "
        "retry), sending (handed to the server, result not recorded), given_up.",
        labels=["state"],
    )
    for name in ("pending", "retrying", "sending", "given_up"):
        messages.add_metric([name], counts.get(name, 0))
    yield messages
    waiting = [oldest for name, _n, oldest in rows if name != "given_up" and oldest]
    yield GaugeMetricFamily(
        "helpdesk_outbox_oldest_pending_age_seconds",
        "Age of the oldest message still to be delivered (0 when none waits).",
        value=(now - min(waiting)).total_seconds() if waiting else 0,
    )


def scheduler_gauges(now: datetime) -> Iterator[Metric]:
    """Each registered job's heartbeat: its age, and whether its last run failed."""
    runs = {run.job_id: run for run in db.session.scalars(sa.select(JobRun))}
    age = GaugeMetricFamily(
        "helpdesk_scheduler_job_last_run_age_seconds",
        "Seconds since the job last finished (absent: it never ran).",
        labels=["job"],
    )
    failed = GaugeMetricFamily(
        "helpdesk_scheduler_job_last_run_failed",
        "1 when the job's last run ended in an error.",
        labels=["job"],
    )
    for job in scheduled_jobs(current_app):
        run = runs.get(job.id)
        if run is None:
            continue
        age.add_metric([job.id], (now - run.finished_at).total_seconds())
        failed.add_metric([job.id], 1 if run.error else 0)
    yield age
    yield failed
