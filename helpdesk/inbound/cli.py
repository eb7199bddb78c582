"""``flask mail ingest`` (one message on standard input, for the mail
server's pipe) and ``flask mail poll`` (the IMAP folder, once)."""

from __future__ import annotations

import imaplib
import logging
import sys

import click
from flask import current_app
from flask.cli import AppGroup

from helpdesk.clock import get_clock
from helpdesk.extensions import db
from helpdesk.inbound.imap import ImapError
from helpdesk.inbound.jobs import poll_once
from helpdesk.inbound.service import ingest_message

log = logging.getLogger(__name__)
mail_cli = AppGroup("mail", help="Mail in: messages become tickets and comments.")

# sysexits.h: a mail server keeps the message and tries again later.
EX_TEMPFAIL = 75
_CHUNK = 64 * 1024


@mail_cli.command("ingest")
@click.argument("message", type=click.File("rb"), default="-")
def ingest_command(message) -> None:
    """Ingest one RFC 822 message read from MESSAGE (a file; standard input
    by default).

    Exits 0 once the message is stored, ignored, refused or quarantined, and
    75 (EX_TEMPFAIL) when it could not be handled at all (the database is
    away), so the mail server delivers it again later.
    """
    raw, size = _read_message(message, current_app.config["MAIL_MAX_BYTES"])
    try:
        result = ingest_message(
            raw, now=get_clock().now(), settings=current_app.config, size_bytes=size
        )
        db.session.commit()
    # Broad on purpose: any other exit status makes the mail server bounce
    # the message to its sender; a temporary failure keeps it in the server's
    # queue, delivered again later, so nothing is lost (ingesting is
    # idempotent by Message-ID).
    except Exception as exc:
        db.session.rollback()
        log.exception("mail_in.ingest_deferred")
        click.echo(f"mail ingest: not stored, try later: {exc}", err=True)
        sys.exit(EX_TEMPFAIL)
    click.echo(
        f"{result.outcome.value} ticket_id={result.ticket_id} reason={result.reason}"
    )


def _read_message(stream, max_bytes: int) -> tuple[bytes, int]:
    """At most ``max_bytes + 1`` bytes of the message and its whole size; the
    rest of an oversized message is read and dropped, so the writer (the
    mail server) sees it taken."""
    raw = stream.read(max_bytes + 1)
    size = len(raw)
    while size > max_bytes and (chunk := stream.read(_CHUNK)):
        size += len(chunk)
    return raw, size


@mail_cli.command("poll")
def poll_command() -> None:
    """Poll the IMAP folder once (what the scheduler's mail-poll job does)."""
    if not current_app.config.get("MAIL_IMAP_HOST"):
        raise click.ClickException("MAIL_IMAP_HOST is not set")
    try:
        counts = poll_once(settings=current_app.config)
    except (ImapError, imaplib.IMAP4.error, OSError) as exc:
        raise click.ClickException(f"IMAP: {exc}") from exc
    click.echo(" ".join(f"{k}={v}" for k, v in sorted(counts.items())) or "nothing new")
