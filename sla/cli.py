"""``flask sla sweep`` (one run) and ``flask sla scheduler`` (an alias of the
core's ``flask scheduler``, which runs the SLA sweep among its jobs)."""

from __future__ import annotations

import click
from flask import current_app
from flask.cli import AppGroup

from helpdesk.extensions import db
from helpdesk.scheduler import scheduler_command
from sla.jobs import sweep_clocks

sla_cli = AppGroup("sla", help="SLA sweeps.")


@sla_cli.command("scheduler")
@click.pass_context
def run_scheduler(ctx: click.Context) -> None:
    """Alias of ``flask scheduler`` (kept for existing deployments)."""
    click.echo("`flask sla scheduler` is an alias of `flask scheduler`.")
    ctx.invoke(scheduler_command)


@sla_cli.command("sweep")
def run_sweep() -> None:
    """Run one SLA sweep now."""
    counts = sweep_clocks(current_app._get_current_object())
    click.echo(
        f"sweep done: {counts.clocks} clocks, {counts.warnings} warnings, "
        f"{counts.breaches} breaches"
    )


@sla_cli.command("rollups")
@click.option("--rebuild", is_flag=True, help="Recount every day from the clocks.")
def rollups_command(rebuild: bool) -> None:
    """Recount the dashboard's daily roll-ups (after loading clocks in bulk)."""
    from sla.service import rollups

    if not rebuild:
        raise click.UsageError("Say --rebuild to recount the roll-ups.")
    rollups.rebuild()
    db.session.commit()
    click.echo("roll-ups rebuilt")
