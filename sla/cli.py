"""``flask sla scheduler`` (its own process) and ``flask sla sweep`` (one run)."""

from __future__ import annotations

import contextlib

import click
from apscheduler.schedulers.blocking import BlockingScheduler
from flask import current_app
from flask.cli import AppGroup

from sla.jobs import scheduled_jobs, sweep_clocks

sla_cli = AppGroup("sla", help="SLA scheduler and sweeps.")


@sla_cli.command("scheduler")
def run_scheduler() -> None:
    """Run the SLA scheduler in this process until interrupted."""
    app = current_app._get_current_object()
    scheduler = BlockingScheduler(
        timezone="UTC",
        job_defaults={"coalesce": True, "max_instances": 1, "misfire_grace_time": None},
    )
    jobs = scheduled_jobs(app)
    for job_id, func, interval_setting in jobs:
        scheduler.add_job(
            func,
            "interval",
            args=[app],
            id=job_id,
            seconds=app.config[interval_setting],
        )
    click.echo(f"SLA scheduler started: {', '.join(job[0] for job in jobs)}")
    with contextlib.suppress(KeyboardInterrupt, SystemExit):
        scheduler.start()


@sla_cli.command("sweep")
def run_sweep() -> None:
    """Run one SLA sweep now."""
    counts = sweep_clocks(current_app._get_current_object())
    click.echo(
        f"sweep done: {counts.clocks} clocks, {counts.warnings} warnings, "
        f"{counts.breaches} breaches"
    )
