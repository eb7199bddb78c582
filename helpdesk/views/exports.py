"""The queue's exports: what its filters select, as CSV or XLSX, streamed."""

from __future__ import annotations

from flask import Response, stream_with_context
from flask_login import current_user

from helpdesk.clock import get_clock
from helpdesk.exports.tickets import TICKET_COLUMNS, ticket_rows
from helpdesk.tabular import XLSX_TYPE, csv_chunks, xlsx_chunks
from helpdesk.views import bp
from helpdesk.views.access import staff_required
from helpdesk.views.workspace import queue_filters


@bp.get("/queue/export.<any(csv, xlsx):fmt>")
@staff_required
def queue_export(fmt: str):
    _args, filters = queue_filters()
    filters.pop("cursor", None)  # the whole selection, not one page of it
    rows = ticket_rows(current_user, filters)
    name = f"tickets-{get_clock().now():%Y%m%d-%H%M}.{fmt}"
    if fmt == "csv":
        body, mimetype = csv_chunks(TICKET_COLUMNS, rows), "text/csv; charset=utf-8"
    else:
        body, mimetype = xlsx_chunks(TICKET_COLUMNS, rows, title="tickets"), XLSX_TYPE
    return Response(
        stream_with_context(body),
        mimetype=mimetype,
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )
