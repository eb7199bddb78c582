"""``GET /api/v1/audit``: the audit log for admins, filtered and paginated
like the admin page. There is no way to change or delete an entry."""

from __future__ import annotations

from flask import request
from flask_babel import gettext as _
from flask_login import current_user, login_required

from helpdesk.api import bp
from helpdesk.audit.schemas import AuditOut, AuditQuery
from helpdesk.audit.service import audit_page
from helpdesk.errors import PermissionDenied
from helpdesk.openapi_parts import PAGE_PARAMS, list_of, operation
from helpdesk.pagination import decode_cursor, page
from helpdesk.vocabulary import Role


@bp.get("/v1/audit")
@login_required
def audit_list():
    if current_user.role != Role.ADMIN:
        raise PermissionDenied(_("Only administrators may read the audit log."))
    filters = AuditQuery().load(request.args.to_dict())
    entries, next_cursor = page(
        audit_page(
            filters, after_id=decode_cursor(filters["cursor"]), limit=filters["limit"]
        ),
        filters["limit"],
    )
    return {"items": AuditOut(many=True).dump(entries), "next_cursor": next_cursor}


def add_openapi_paths(spec) -> None:
    spec.components.schema("AuditOut", schema=AuditOut)
    filters = [
        {"in": "query", "name": name, "schema": schema, "description": text}
        for name, schema, text in (
            ("actor", {"type": "string"}, "e-mail, user id, system, cli, anonymous"),
            ("action", {"type": "string"}, "exact, or a prefix ending in *"),
            ("since", {"type": "string", "format": "date"}, "UTC date, included"),
            ("until", {"type": "string", "format": "date"}, "UTC date, included"),
        )
    ]
    spec.path(
        path="/v1/audit",
        operations={
            "get": operation(
                "The audit log, newest first (administrators)",
                {
                    "200": {"description": "A page of entries", **list_of("AuditOut")},
                    "403": {"description": "Not an administrator"},
                },
                params=filters + PAGE_PARAMS,
                errors=("401", "422"),
            )
        },
    )
