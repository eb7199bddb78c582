"""The queue's and the search's exports: what their filters select, as CSV
or XLSX, streamed; each export is audited."""

from __future__ import annotations

from datetime import datetime
from functools import partial

from flask import Response, current_app, stream_with_context
from flask_login import current_user
from sqlalchemy.orm import Session

from helpdesk.audit import AuditEntry
from helpdesk.audit.recorder import entry_values
from helpdesk.clock import get_clock
from helpdesk.exports.tickets import TICKET_COLUMNS, ticket_rows
from helpdesk.extensions import db
from helpdesk.search import tickets as ticket_search
from helpdesk.tabular import XLSX_TYPE, csv_chunks, xlsx_chunks
from helpdesk.views import bp
from helpdesk.views.access import staff_required
from helpdesk.views.search import search_args, search_filters
from helpdesk.views.workspace import queue_filters


@bp.get("/queue/export.<any(csv, xlsx):fmt>")
@staff_required
def queue_export(fmt: str):
    args, filters = queue_filters()
    filters.pop("cursor", None)  # the whole selection, not one page of it
    return _export("tickets", fmt, args, ticket_rows(current_user, filters))


@bp.get("/search/export.<any(csv, xlsx):fmt>")
@staff_required
def search_export(fmt: str):
    args = search_args()
    filters = search_filters(args)
    filters.pop("cursor", None)
    # The search's own pages: its ranking, within its window of matches.
    page = partial(
        ticket_search.ticket_page, window=current_app.config["TICKET_SEARCH_WINDOW"]
    )
    rows = ticket_rows(current_user, filters, page=page)
    return _export("search", fmt, args, rows)


def record_export(kind: str, fmt: str, args: dict, *, now: datetime) -> None:
    """Audit a page's export (``export.<kind>``, its format and query
    arguments), committed before the rows stream out.

    In a session of its own: committing the request's session would expire
    the user, whom the rows (what they may see, their language) need after
    this view has returned."""
    entry = entry_values(
        f"export.{kind}", data={"format": fmt, "filters": args}, now=now
    )
    with Session(db.engine) as session:
        session.add(AuditEntry(**entry))
        session.commit()


def _export(kind: str, fmt: str, args: dict, rows):
    now = get_clock().now()
    record_export(kind, fmt, args, now=now)
    name = f"tickets-{now:%Y%m%d-%H%M}.{fmt}"
    if fmt == "csv":
        body, mimetype = csv_chunks(TICKET_COLUMNS, rows), "text/csv; charset=utf-8"
    else:
        body, mimetype = xlsx_chunks(TICKET_COLUMNS, rows, title="tickets"), XLSX_TYPE
    return Response(
        stream_with_context(body),
        mimetype=mimetype,
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )
