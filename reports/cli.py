"""``flask reports ...``: recount the roll-ups (after loading data in bulk)."""

from __future__ import annotations

import click
from flask.cli import AppGroup

from helpdesk.clock import get_clock
from helpdesk.extensions import db
from reports.service import rollups

reports_cli = AppGroup("reports", help="Managers' reports.")


@reports_cli.command("rollups")
@click.option("--rebuild", is_flag=True, help="Forget every roll-up and count anew.")
@click.option("--zone", default=None, help="Only this time zone (IANA name).")
def rollups_command(rebuild: bool, zone: str | None) -> None:
    """Bring the daily roll-ups up to yesterday (or recount them all)."""
    now = get_clock().now()
    done = (
        rollups.rebuild(zone, now=now)
        if rebuild
        else rollups.roll(now=now, max_days=None)
    )
    db.session.commit()
    for name, days in sorted(done.items()):
        click.echo(f"{name}: {days} days counted")
