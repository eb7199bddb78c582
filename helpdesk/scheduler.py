"""The scheduler process: ``flask scheduler`` runs every job that a package
registered with ``helpdesk.hooks.add_job`` (outbox delivery, the SLA sweep,
routing's checks), once per deployment, never inside a web worker."""

from __future__ import annotations

import contextlib

import click
from apscheduler.schedulers.blocking import BlockingScheduler
from flask import Flask, current_app

from helpdesk.hooks import scheduled_jobs


def build_scheduler(app: Flask) -> BlockingScheduler:
    """One APScheduler in UTC with the registered jobs: a late run is run once
    (coalesce), never twice at a time, however late (no misfire limit) —
    the jobs are level-triggered, so a late run catches up by itself."""
    scheduler = BlockingScheduler(
        timezone="UTC",
        job_defaults={"coalesce": True, "max_instances": 1, "misfire_grace_time": None},
    )
    for job in scheduled_jobs(app):
        scheduler.add_job(
            job.run,
            "interval",
            args=[app],
            id=job.id,
            seconds=app.config[job.interval_setting],
        )
    return scheduler


@click.command("scheduler")
def scheduler_command() -> None:
    """Run the scheduler (mail delivery, SLA sweep, routing checks) until
    interrupted."""
    app = current_app._get_current_object()
    scheduler = build_scheduler(app)
    names = ", ".join(job.id for job in scheduler.get_jobs())
    click.echo(f"scheduler started: {names}")
    with contextlib.suppress(KeyboardInterrupt, SystemExit):
        scheduler.start()
