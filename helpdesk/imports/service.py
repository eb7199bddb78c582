"""An import from start to end, for the CLI and the admin page alike:
read, validate every row and write the good ones (unless it is a dry run, or
strict mode met a bad row: then nothing stays). Flushes only; the caller
commits once, so the rows land in one transaction."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from flask_babel import gettext
from flask_babel import lazy_gettext as _l

from helpdesk.audit.recorder import record_audit
from helpdesk.extensions import db
from helpdesk.imports.kinds import Kind, Outcome, RunContext
from helpdesk.imports.pipeline import Progress, Report, validate, write
from helpdesk.imports.reading import read_table
from helpdesk.models import User


@dataclass
class Result:
    report: Report
    outcome: Outcome | None  # None: nothing was written

    @property
    def written(self) -> bool:
        return self.outcome is not None


def preview(
    kind: Kind,
    content: bytes,
    filename: str,
    *,
    mapping: dict | None,
    actor: User | None,
    now: datetime,
    progress: Progress | None = None,
) -> Report:
    """Every row validated, nothing written. Raises ``UnreadableFile`` or
    ``MappingNeeded``."""
    table = read_table(content, filename)
    return validate(kind, table, mapping, RunContext(actor, now), progress=progress)


def run_import(
    kind: Kind,
    content: bytes,
    filename: str,
    *,
    mapping: dict | None,
    strict: bool,
    dry_run: bool = False,
    actor: User | None,
    now: datetime,
    progress: Progress | None = None,
) -> Result:
    """Validate and write the good rows (all or none with ``strict``); a
    dry run only validates. One pass over the file.

    Idempotent: rows whose external id was imported before update their
    record. Rows are checked against the database as it is now (it may have
    changed since a preview), so strict mode holds even then."""
    if dry_run:
        return Result(
            preview(kind, content, filename, mapping=mapping, actor=actor, now=now),
            None,
        )
    table = read_table(content, filename)
    context = RunContext(actor, now)
    report, outcome = write(
        kind, table, mapping, context, strict=strict, progress=progress
    )
    if not report.good_rows or (strict and report.bad_rows):
        db.session.rollback()
        return Result(report, None)
    record_audit(
        f"import.{kind.name}",
        actor=actor,
        now=now,
        data={
            "file": filename,
            "created": outcome.created,
            "updated": outcome.updated,
            "bad_rows": report.bad_rows,
            "strict": strict,
        },
    )
    return Result(report, outcome)


def error_text(error: dict) -> str:
    """One reported problem in the current language."""
    params = dict(error.get("params") or {})
    message, reason = error["message"], params.get("reason")
    if reason is not None:  # a nested message id (a comment's problem)
        params["reason"] = gettext(reason)
    return gettext(message, **params)


_STATUS_LABELS = {
    "checking": _l("checking the rows"),
    "uploaded": _l("checked, waiting for confirmation"),
    "running": _l("running"),
    "done": _l("done"),
    "failed": _l("failed"),
}


def status_label(status) -> str:
    return str(_STATUS_LABELS.get(str(status), status))


def mapping_from_text(text: str) -> dict[str, str]:
    """``--mapping "Тема=subject,Заявитель=requester"`` as a dict; a column
    mapped to nothing (``Old=``) is ignored."""
    mapping = {}
    for pair in filter(None, (p.strip() for p in text.split(","))):
        header, _sep, target = pair.partition("=")
        mapping[header.strip()] = target.strip()
    return mapping
