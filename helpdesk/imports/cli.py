"""``flask import KIND FILE``: users, organisations, tickets, articles."""

from __future__ import annotations

from pathlib import Path

import click
from flask.cli import with_appcontext
from flask_babel import force_locale, gettext

from helpdesk.clock import get_clock
from helpdesk.extensions import db
from helpdesk.imports.kinds import get_kind, kinds
from helpdesk.imports.pipeline import MappingNeeded
from helpdesk.imports.reading import UnreadableFile
from helpdesk.imports.service import error_text, mapping_from_text, run_import
from helpdesk.service.accounts import find_user_by_email


@click.command("import")
@click.argument("kind")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--strict", is_flag=True, help="All rows or none.")
@click.option("--dry-run", is_flag=True, help="Validate and report; write nothing.")
@click.option("--mapping", default="", help="Columns to fields: 'Тема=subject,Old='.")
@click.option("--as", "actor_email", default=None, help="E-mail of the importing user.")
@click.option("--locale", default="en", type=click.Choice(["en", "ru"]))
@with_appcontext
def import_command(kind, file, strict, dry_run, mapping, actor_email, locale) -> None:
    """Import KIND (users, organisations, tickets, articles) from a CSV or
    XLSX FILE; see README "Importing from legacy systems"."""
    spec = get_kind(kind)
    if spec is None:
        raise click.BadParameter(
            f"one of {', '.join(sorted(kinds()))}", param_hint="KIND"
        )
    actor = find_user_by_email(actor_email) if actor_email else None
    if actor_email and actor is None:
        raise click.BadParameter(
            f"no user with e-mail {actor_email}", param_hint="--as"
        )
    with force_locale(locale):
        _run(spec, file, strict=strict, dry_run=dry_run, mapping=mapping, actor=actor)


def _run(spec, file: Path, *, strict, dry_run, mapping, actor) -> None:
    def progress(done: int) -> None:
        text = gettext("Rows done: %(count)s", count=done)
        click.echo("\r" + text, nl=False, err=True)

    try:
        result = run_import(
            spec,
            file.read_bytes(),
            file.name,
            mapping=mapping_from_text(mapping),
            strict=strict,
            dry_run=dry_run,
            actor=actor,
            now=get_clock().now(),
            progress=progress,
        )
    except UnreadableFile as err:
        raise click.ClickException(gettext(err.message, **err.params)) from err
    except MappingNeeded as err:
        raise click.ClickException(_mapping_text(err)) from err
    report = result.report.as_dict()
    click.echo(err=True)
    for error in report["errors"]:
        click.echo(
            gettext(
                "Line %(line)s, column “%(column)s”: %(reason)s",
                line=error["line"],
                column=error["column"],
                reason=error_text(error),
            )
        )
    if result.written:
        db.session.commit()
        click.echo(
            gettext(
                "Imported: %(created)s new, %(updated)s updated, %(bad)s rows with errors skipped.",
                created=result.outcome.created,
                updated=result.outcome.updated,
                bad=report["bad_rows"],
            )
        )
        return
    click.echo(
        gettext(
            "Nothing written: %(good)s good rows, %(bad)s rows with errors.",
            good=result.report.good_rows,
            bad=report["bad_rows"],
        )
    )
    if report["bad_rows"] and strict:
        raise SystemExit(1)


def _mapping_text(err: MappingNeeded) -> str:
    parts = [gettext(message, **params) for message, params in err.problems]
    if err.missing:
        parts.append(
            gettext(
                "No column for the required fields: %(fields)s (use --mapping).",
                fields=", ".join(err.missing),
            )
        )
    return " ".join(parts)
