"""``flask backup create | list | verify FILE | restore FILE [--force]``."""

from __future__ import annotations

from pathlib import Path

import click
from flask import current_app
from flask.cli import AppGroup

from helpdesk.audit import record_audit
from helpdesk.backup import archive
from helpdesk.backup.service import (
    BackupSettings,
    create_backup,
    describe_live,
    is_live,
    restore_backup,
    verify_backup,
)
from helpdesk.clock import get_clock
from helpdesk.extensions import db

backup_cli = AppGroup("backup", help="Back up and restore the database.")

# The tables a person recognises, for the summary of what a restore replaces.
_SUMMARY = (
    "users",
    "tickets",
    "comments",
    "ticket_events",
    "attachments",
    "sla_clocks",
)


def audit_data(backup, manifest: dict) -> dict:
    tables = manifest.get("tables", {})
    return {
        "file": backup.name,
        "bytes": backup.size_bytes,
        "revision": manifest.get("revision"),
        "tickets": tables.get("tickets", 0),
    }


def _settings() -> BackupSettings:
    return BackupSettings.of(current_app)


def _resolve(file: str) -> Path:
    """A path as given, or a name in the backups folder."""
    path = Path(file)
    if not path.exists() and (_settings().folder / file).exists():
        path = _settings().folder / file
    if not path.is_file():
        raise click.ClickException(f"no backup file {file}")
    return path


def _summary(description: dict) -> str:
    tables = description.get("tables", {})
    counts = ", ".join(f"{tables.get(t, 0)} {t}" for t in _SUMMARY if t in tables)
    return f"revision {description.get('revision')}: {counts}"


@backup_cli.command("create")
def create_command() -> None:
    """Back up the database (attachments included) while the app runs."""
    backup, manifest = create_backup(db.engine, _settings(), now=get_clock().now())
    record_audit("backup.created", data=audit_data(backup, manifest))
    db.session.commit()
    click.echo(f"{backup.path} ({backup.size_bytes} bytes, {_summary(manifest)})")


@backup_cli.command("list")
def list_command() -> None:
    """The backups, newest first: name, age, size."""
    now = get_clock().now()
    backups = archive.list_backups(_settings().folder)
    if not backups:
        click.echo(f"no backups in {_settings().folder}")
    for backup in backups:
        click.echo(
            f"{backup.name}\t{backup.created_at:%Y-%m-%d %H:%M:%S}Z\t"
            f"{backup.age_seconds(now)} s old\t{backup.size_bytes} bytes"
        )


@backup_cli.command("verify")
@click.argument("file")
def verify_command(file: str) -> None:
    """Open FILE's copy and check it; exits 1 when anything is wrong."""
    try:
        result = verify_backup(_resolve(file), _settings())
    except ValueError as exc:
        raise click.ClickException(str(exc)) from exc
    for problem in result.problems:
        click.echo(f"PROBLEM: {problem}", err=True)
    if not result.ok:
        raise click.ClickException(f"{file} is not a sound backup")
    click.echo(f"ok: {file} ({result.manifest['engine']}, {_summary(result.found)})")


@backup_cli.command("restore")
@click.argument("file")
@click.option("--force", is_flag=True, help="Replace a database that holds data.")
def restore_command(file: str, force: bool) -> None:
    """Replace the database with FILE's copy (verified first). A database
    that holds data is only replaced with --force; stop the web and
    scheduler processes first."""
    path = _resolve(file)
    try:
        manifest = archive.read_manifest(path)
    except ValueError as exc:
        raise click.ClickException(str(exc)) from exc
    live = describe_live(db.engine)
    target = db.engine.url.render_as_string(hide_password=True)
    click.echo(f"database {target}\n  now:    {_summary(live)}")
    click.echo(f"  backup: {_summary(manifest)} (made {manifest['created_at']})")
    if is_live(live) and not force:
        raise click.ClickException(
            "the database holds data; run again with --force to replace all of it"
        )
    try:
        restore_backup(path, db.engine, _settings())
    except ValueError as exc:
        raise click.ClickException(f"nothing restored: {exc}") from exc
    # Written into the restored database: its log says where it came from.
    record_audit(
        "backup.restored",
        data={"file": path.name, "made_at": manifest["created_at"], "replaced": live},
    )
    db.session.commit()
    click.echo(f"restored {path.name}; run `flask db upgrade` if the code is newer")
