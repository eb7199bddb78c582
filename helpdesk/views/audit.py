"""The admin's audit log page and its CSV export (same filters)."""

from __future__ import annotations

from flask import Response, current_app, render_template, request, stream_with_context
from marshmallow import ValidationError

from helpdesk.audit import record_audit
from helpdesk.audit.schemas import AuditQuery
from helpdesk.audit.service import audit_page, csv_text
from helpdesk.clock import get_clock
from helpdesk.extensions import db
from helpdesk.http import translate_messages
from helpdesk.pagination import decode_cursor, page
from helpdesk.views import bp
from helpdesk.views.access import admin_required


def _plain_filters(filters: dict) -> dict:
    return {k: str(v) for k, v in filters.items() if v and k not in ("cursor", "limit")}


def _filters() -> dict:
    args = {k: v for k, v in request.args.to_dict().items() if v.strip()}
    args.pop("limit", None)
    return AuditQuery().load(args)


@bp.get("/admin/audit")
@admin_required
def audit_log():
    try:
        filters = _filters()
    except ValidationError as err:
        return render_template(
            "helpdesk/admin_audit.html",
            entries=[],
            next_cursor=None,
            form=request.args,
            errors=translate_messages(err.messages),
        ), 422
    limit = current_app.config["PAGE_SIZE"]
    entries, next_cursor = page(
        audit_page(filters, after_id=decode_cursor(filters["cursor"]), limit=limit),
        limit,
    )
    return render_template(
        "helpdesk/admin_audit.html",
        entries=entries,
        next_cursor=next_cursor,
        form=request.args,
        errors={},
    )


@bp.get("/admin/audit.csv")
@admin_required
def audit_export():
    filters = _filters()
    filters["cursor"] = None
    now = get_clock().now()
    # Exports are audited too; committed before the rows stream out.
    record_audit("export.audit", data=_plain_filters(filters), now=now)
    db.session.commit()
    stamp = now.strftime("%Y%m%dT%H%M%SZ")
    return Response(
        stream_with_context(csv_text(filters)),
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="audit-{stamp}.csv"'},
    )
