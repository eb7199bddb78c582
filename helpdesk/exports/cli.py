"""``flask export all FILE`` and ``flask export tickets FILE``."""

from __future__ import annotations

from pathlib import Path

import click
from flask.cli import AppGroup

from helpdesk.audit.recorder import record_audit
from helpdesk.clock import get_clock
from helpdesk.exports.full import export_all
from helpdesk.exports.tickets import TICKET_COLUMNS, ticket_rows
from helpdesk.extensions import db
from helpdesk.service.accounts import find_user_by_email
from helpdesk.tabular import csv_chunks, xlsx_chunks
from helpdesk.vocabulary import TicketStatus

export_cli = AppGroup("export", help="Export data.")


@export_cli.command("all")
@click.argument("file", type=click.Path(dir_okay=False, writable=True, path_type=Path))
@click.option(
    "--with-secrets", is_flag=True, help="Keep password hashes and API token digests."
)
def export_all_command(file: Path, with_secrets: bool) -> None:
    """Everything as one JSON document (see helpdesk/exports/full.py)."""

    def progress(table: str, count: int) -> None:
        click.echo(f"{table}: {count}", err=True)

    with file.open("w", encoding="utf-8") as out:
        counts = export_all(
            out, now=get_clock().now(), with_secrets=with_secrets, progress=progress
        )
    record_audit(
        "export.all",
        data={"file": str(file), "rows": sum(counts.values()), "secrets": with_secrets},
    )
    db.session.commit()
    click.echo(
        f"exported {sum(counts.values())} rows of {len(counts)} tables to {file}"
    )


@export_cli.command("tickets")
@click.argument("file", type=click.Path(dir_okay=False, writable=True, path_type=Path))
@click.option(
    "--as",
    "actor_email",
    required=True,
    help="Whose view of the tickets (an admin sees all).",
)
@click.option(
    "--status", multiple=True, type=click.Choice([s.value for s in TicketStatus])
)
@click.option("--line", type=click.IntRange(1, 3))
def export_tickets_command(file: Path, actor_email: str, status, line) -> None:
    """Tickets as CSV or XLSX (by the file's extension), newest first."""
    actor = find_user_by_email(actor_email)
    if actor is None or not actor.is_staff:
        raise click.BadParameter("the e-mail of a staff user", param_hint="--as")
    filters = {"status": sorted(TicketStatus(s) for s in status), "line": line}
    rows = ticket_rows(actor, {k: v for k, v in filters.items() if v})
    if file.suffix.lower() == ".xlsx":
        with file.open("wb") as out:
            for chunk in xlsx_chunks(TICKET_COLUMNS, rows, title="tickets"):
                out.write(chunk)
    else:
        with file.open("w", encoding="utf-8-sig", newline="") as out:
            for chunk in csv_chunks(TICKET_COLUMNS, rows):
                out.write(chunk)
    record_audit(
        "export.tickets",
        actor=actor,
        data={"file": str(file), "status": list(status), "line": line},
    )
    db.session.commit()
    click.echo(f"exported tickets to {file}")
