"""The scheduler process: ``flask scheduler`` runs every job that a package
registered with ``helpdesk.hooks.add_job`` (outbox delivery, the SLA sweep,
routing's checks, mail polling), once per deployment, never inside a web
worker. Each run leaves a heartbeat, so ``/healthz`` and the SLA pages can
say when the scheduler has stopped (alerts and mail would stop with it)."""

from __future__ import annotations

import contextlib
import logging
import time
from dataclasses import dataclass
from datetime import datetime, timedelta

import click
import sqlalchemy as sa
from apscheduler.schedulers.blocking import BlockingScheduler
from flask import Flask, current_app
from sqlalchemy.orm import Mapped, mapped_column

from helpdesk.clock import get_clock
from helpdesk.db import Base, database_trouble
from helpdesk.extensions import db
from helpdesk.heap import freeze_startup_objects
from helpdesk.hooks import ScheduledJob, scheduled_jobs
from helpdesk.metrics.instruments import count_job_run

log = logging.getLogger(__name__)


class JobRun(Base):
    """The last run of each scheduler job: one row per job id."""

    __tablename__ = "scheduler_job_runs"

    job_id: Mapped[str] = mapped_column(sa.String(64), primary_key=True)
    finished_at: Mapped[datetime]
    error: Mapped[str | None] = mapped_column(sa.Text)


def build_scheduler(app: Flask) -> BlockingScheduler:
    """One APScheduler in UTC with the registered jobs: a late run is run once
    (coalesce), never twice at a time, however late (no misfire limit) —
    the jobs are level-triggered, so a late run catches up by itself."""
    scheduler = BlockingScheduler(
        timezone="UTC",
        job_defaults={"coalesce": True, "max_instances": 1, "misfire_grace_time": None},
    )
    with app.app_context():
        # Every job runs at start (they are level-triggered, so that is safe):
        # heartbeats appear at once, and nothing waits a whole interval.
        start = get_clock().now()
    for job in scheduled_jobs(app):
        scheduler.add_job(
            run_watched,
            "interval",
            args=[app, job],
            id=job.id,
            seconds=app.config[job.interval_setting],
            next_run_time=start,
        )
    return scheduler


def run_watched(app: Flask, job: ScheduledJob) -> object:
    """Run one job and leave its heartbeat, failed or not (a failure is
    logged and kept on the heartbeat; the next run tries again). A database
    that is locked, read-only or full is no bug: a warning, and the job
    simply runs again at its next interval."""
    error, outcome = None, "failed"
    started = time.perf_counter()
    try:
        result = job.run(app)
        outcome = "ok"
        return result
    except sa.exc.SQLAlchemyError as exc:
        error = f"{type(exc).__name__}: {exc}"[:2000]
        if not database_trouble(exc):
            raise
        outcome = "database_unavailable"
        log.warning("scheduler.database_unavailable job_id=%s: %s", job.id, exc.orig)
        return None
    except Exception as exc:
        error = f"{type(exc).__name__}: {exc}"[:2000]
        raise
    finally:
        count_job_run(job.id, outcome, time.perf_counter() - started)
        _beat(app, job.id, error)


def _beat(app: Flask, job_id: str, error: str | None) -> None:
    with app.app_context():
        try:
            run = db.session.get(JobRun, job_id) or JobRun(job_id=job_id)
            run.finished_at, run.error = get_clock().now(), error
            db.session.add(run)
            db.session.commit()
        except sa.exc.SQLAlchemyError as exc:
            # A heartbeat that cannot be written must not hide the job's outcome.
            db.session.rollback()
            if database_trouble(exc):
                log.warning("scheduler.heartbeat_failed job_id=%s: %s", job_id, exc)
            else:
                log.exception("scheduler.heartbeat_failed job_id=%s", job_id)


@dataclass(frozen=True)
class JobHealth:
    job_id: str
    finished_at: datetime | None
    age_seconds: int | None
    late: bool
    error: str | None


def job_health(app: Flask, *, now: datetime) -> list[JobHealth]:
    """Each registered job's last run, and whether it is late: not finished
    for ``SCHEDULER_LATE_INTERVALS`` of its intervals, or never when a
    scheduler is expected. One query."""
    runs = {r.job_id: r for r in db.session.scalars(sa.select(JobRun))}
    health = []
    for job in scheduled_jobs(app):
        run = runs.get(job.id)
        allowed = timedelta(
            seconds=app.config[job.interval_setting]
            * app.config["SCHEDULER_LATE_INTERVALS"]
        )
        if run is None:
            late = bool(app.config["SCHEDULER_EXPECTED"])
            health.append(JobHealth(job.id, None, None, late, None))
            continue
        age = now - run.finished_at
        health.append(
            JobHealth(
                job.id,
                run.finished_at,
                int(age.total_seconds()),
                age > allowed,
                run.error,
            )
        )
    return health


def late_jobs() -> list[str]:
    """For templates: the ids of the jobs that are late now."""
    now = get_clock().now()
    return [h.job_id for h in job_health(current_app, now=now) if h.late]


@click.command("scheduler")
def scheduler_command() -> None:
    """Run the scheduler (mail delivery, SLA sweep, routing checks) until
    interrupted."""
    app = current_app._get_current_object()
    scheduler = build_scheduler(app)
    names = ", ".join(job.id for job in scheduler.get_jobs())
    click.echo(f"scheduler started: {names}")
    freeze_startup_objects()
    with contextlib.suppress(KeyboardInterrupt, SystemExit):
        scheduler.start()
