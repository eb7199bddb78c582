"""Reading the audit log: one filtered, keyset-paginated query for the page,
the API and the CSV export (newest first, by id)."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from datetime import UTC, datetime, time, timedelta
from typing import Any

import sqlalchemy as sa

from helpdesk.audit.models import AuditEntry
from helpdesk.extensions import db
from helpdesk.models import User

CSV_COLUMNS = (
    "id",
    "created_at",
    "actor",
    "actor_id",
    "remote_addr",
    "action",
    "target_type",
    "target_id",
    "changes",
    "data",
)
_BATCH = 1000


def filtered(filters: dict) -> sa.Select:
    """The entries matching ``filters`` (see ``AuditQuery``), newest first.
    Every filter has an index ending in id."""
    query = sa.select(AuditEntry).order_by(AuditEntry.id.desc())
    actor = (filters.get("actor") or "").strip()
    if actor:
        query = query.where(_actor_clause(actor))
    action = (filters.get("action") or "").strip()
    if action.endswith("*"):
        prefix = action[:-1]
        query = query.where(
            AuditEntry.action >= prefix, AuditEntry.action < prefix + "\U0010ffff"
        )
    elif action:
        query = query.where(AuditEntry.action == action)
    if filters.get("since"):
        start = datetime.combine(filters["since"], time(), tzinfo=UTC)
        query = query.where(AuditEntry.created_at >= start)
    if filters.get("until"):
        end = datetime.combine(filters["until"] + timedelta(days=1), time(), tzinfo=UTC)
        query = query.where(AuditEntry.created_at < end)
    return query


def _actor_clause(actor: str) -> sa.ColumnElement[bool]:
    """A user's id or e-mail finds their entries under every e-mail they had;
    anything else (``system``, ``cli``, an old address) is matched as written."""
    if actor.isascii() and actor.isdigit() and len(actor) < 10:
        return AuditEntry.actor_id == int(actor)
    user_id = db.session.scalar(sa.select(User.id).where(User.email == actor.lower()))
    if user_id is not None:
        return AuditEntry.actor_id == user_id
    return AuditEntry.actor == actor


def audit_page(filters: dict, *, after_id: int | None, limit: int) -> list[AuditEntry]:
    """``limit + 1`` entries after the cursor's id (for ``pagination.page``)."""
    query = filtered(filters)
    if after_id is not None:
        query = query.where(AuditEntry.id < after_id)
    return list(db.session.scalars(query.limit(limit + 1)))


def _all(filters: dict) -> Iterator[AuditEntry]:
    """Every matching entry, a batch at a time (never all in memory)."""
    after_id = None
    while True:
        batch = audit_page(filters, after_id=after_id, limit=_BATCH - 1)
        yield from batch
        if len(batch) < _BATCH:
            return
        after_id = batch[-1].id
        db.session.expunge_all()


def csv_text(filters: dict) -> Iterator[str]:
    """The matching entries as CSV, the header first, in chunks; no cell
    starts a spreadsheet formula."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(CSV_COLUMNS)
    for number, entry in enumerate(_all(filters), start=1):
        writer.writerow([_cell(v) for v in _row(entry)])
        if number % _BATCH == 0:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue()


def _row(entry: AuditEntry) -> tuple:
    return (
        entry.id,
        entry.created_at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        entry.actor,
        entry.actor_id if entry.actor_id is not None else "",
        entry.remote_addr or "",
        entry.action,
        entry.target_type or "",
        entry.target_id or "",
        json.dumps(entry.changes, ensure_ascii=False, sort_keys=True),
        json.dumps(entry.data, ensure_ascii=False, sort_keys=True),
    )


def _cell(value: Any) -> Any:
    # A name like "=HYPERLINK(...)" must not run as a spreadsheet formula.
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return value
