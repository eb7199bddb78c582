"""The CSV export of the dashboard's underlying rows: one row per clock of
the tickets created in the period, streamed in keyset-paginated batches."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from typing import Any

import sqlalchemy as sa

from helpdesk.extensions import db
from helpdesk.models import Ticket, format_ticket_number
from helpdesk.tabular import csv_chunks, iso_utc, xlsx_chunks
from sla.models import Phase, SlaClock, SlaPolicy
from sla.service.dashboard import Filters, in_period

EXPORT_COLUMNS = (
    "clock_id",
    "ticket_id",
    "ticket_number",
    "ticket_created_at",
    "line",
    "priority",
    "ticket_status",
    "policy",
    "target",
    "cycle",
    "state",
    "target_seconds",
    "spent_seconds",
    "warnings_done",
    "started_at",
    "due_at",
    "breached_at",
    "stopped_at",
)


def export_rows(f: Filters, *, batch: int = 1000) -> Iterator[tuple]:
    """The period's clock rows for the CSV export, oldest ticket first.

    Keyset-paginated on (ticket created_at, clock id): each batch is one
    query of ``batch`` rows, so memory stays bounded however long the period.
    ``spent_seconds`` is the business time spent up to the clock's last pause
    or stop (a running clock's current segment is not in it)."""
    names = dict(db.session.execute(sa.select(SlaPolicy.id, SlaPolicy.name)).all())
    columns = (
        SlaClock.id,
        SlaClock.ticket_id,
        Ticket.created_at,
        Ticket.line,
        Ticket.priority,
        Ticket.status,
        SlaClock.policy_id,
        SlaClock.target,
        SlaClock.cycle,
        SlaClock.phase,
        SlaClock.target_seconds,
        SlaClock.spent_seconds,
        SlaClock.warnings_done,
        SlaClock.started_at,
        SlaClock.due_at,
        SlaClock.breached_at,
        SlaClock.stopped_at,
    )
    after: tuple[datetime, int] | None = None
    while True:
        query = (
            sa.select(*columns)
            .join(Ticket, Ticket.id == SlaClock.ticket_id)
            .order_by(Ticket.created_at, SlaClock.id)
            .limit(batch)
        )
        query = in_period(query, f)
        if after is not None:
            query = query.where(
                Ticket.created_at >= after[0],
                sa.or_(
                    Ticket.created_at > after[0],
                    SlaClock.id > after[1],
                ),
            )
        rows = db.session.execute(query).all()
        for row in rows:
            yield _export_row(row, names)
        if len(rows) < batch:
            return
        after = (rows[-1].created_at, rows[-1].id)


def _export_row(row: Any, names: dict[int, str]) -> tuple:
    state = (
        "breached"
        if row.breached_at is not None
        else ("met" if row.phase == Phase.STOPPED else row.phase.value)
    )
    return (
        row.id,
        row.ticket_id,
        format_ticket_number(row.ticket_id),
        iso_utc(row.created_at),
        row.line,
        row.priority.value,
        row.status.value,
        names.get(row.policy_id, ""),
        row.target.value,
        row.cycle,
        state,
        row.target_seconds,
        row.spent_seconds,
        row.warnings_done,
        iso_utc(row.started_at),
        iso_utc(row.due_at),
        iso_utc(row.breached_at),
        iso_utc(row.stopped_at),
    )


def csv_text(rows: Iterator[tuple]) -> Iterator[str]:
    """The export as CSV text, the header first, in chunks of about a thousand
    rows; no cell starts a spreadsheet formula (``helpdesk.tabular``)."""
    return csv_chunks(EXPORT_COLUMNS, rows)


def xlsx_bytes(rows: Iterator[tuple]) -> Iterator[bytes]:
    """The export as an XLSX workbook, neutralised the same way."""
    return xlsx_chunks(EXPORT_COLUMNS, rows, title="sla")
