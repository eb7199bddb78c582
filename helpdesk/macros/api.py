"""Macros in the API: admins write them (``/v1/macros``), staff read them,
and agents preview and apply one to a ticket (``/v1/tickets/{id}/macro-previews``,
``/v1/tickets/{id}/macros``; applying is undoable like any change)."""

from __future__ import annotations

from flask_babel import gettext as _
from flask_login import current_user, login_required

from helpdesk import undo
from helpdesk.api import (
    begin_undo,
    bp,
    dump_ticket,
    etag,
    requested_version,
    with_undo,
)
from helpdesk.clock import get_clock
from helpdesk.errors import PermissionDenied
from helpdesk.extensions import db
from helpdesk.http import json_body
from helpdesk.macros import service
from helpdesk.macros.schemas import (
    MacroApplyIn,
    MacroIn,
    MacroOut,
    MacroPreviewIn,
    MacroPreviewOut,
)
from helpdesk.openapi_parts import (
    CONFLICT,
    ETAG,
    ID_PARAM,
    IF_MATCH,
    json_content,
    list_of,
    operation,
    undoable,
)
from helpdesk.service import access, versions


def _ensure_staff() -> None:
    if not current_user.is_staff:
        raise PermissionDenied(_("Only staff use macros."))


@bp.get("/v1/macros")
@login_required
def macro_list():
    _ensure_staff()
    return {
        "items": MacroOut(many=True).dump(service.list_macros()),
        "next_cursor": None,
    }


@bp.post("/v1/macros")
@login_required
def macro_create():
    data = MacroIn().load(json_body())
    macro = service.create_macro(data, actor=current_user, now=get_clock().now())
    db.session.commit()
    return MacroOut().dump(macro), 201, {"Location": f"/api/v1/macros/{macro.id}"}


@bp.get("/v1/macros/<int:macro_id>")
@login_required
def macro_get(macro_id: int):
    _ensure_staff()
    return MacroOut().dump(service.get_macro(macro_id))


@bp.patch("/v1/macros/<int:macro_id>")
@login_required
def macro_patch(macro_id: int):
    """The fields sent change; the others stay as they are."""
    _ensure_staff()
    macro = service.get_macro(macro_id)
    changes = MacroIn(partial=True).load(json_body())
    data = service.macro_data(macro) | changes
    service.update_macro(macro, data, actor=current_user, now=get_clock().now())
    db.session.commit()
    return MacroOut().dump(macro)


@bp.delete("/v1/macros/<int:macro_id>")
@login_required
def macro_delete(macro_id: int):
    _ensure_staff()
    service.delete_macro(service.get_macro(macro_id), actor=current_user)
    db.session.commit()
    return "", 204


@bp.post("/v1/tickets/<int:ticket_id>/macro-previews")
@login_required
def macro_preview_create(ticket_id: int):
    """What applying a macro would do; stores nothing."""
    ticket = access.get_visible_ticket(current_user, ticket_id)
    _ensure_staff()
    data = MacroPreviewIn().load(json_body())
    plan = service.plan(ticket, service.get_macro(data["macro_id"]), actor=current_user)
    after = {
        "status": ticket.status.value,
        "priority": ticket.priority.value,
        "line": ticket.line,
        "assignee": ticket.assignee,
        "tags": ticket.tags,
    }
    for name, _old, new in plan.changes:
        after[name] = getattr(new, "value", new)
    return MacroPreviewOut().dump(
        {
            "body": plan.body,
            "internal": plan.internal,
            "changes": [name for name, _old, _new in plan.changes],
            "after": after,
            "problem": plan.problem,
        }
    )


@bp.post("/v1/tickets/<int:ticket_id>/macros")
@login_required
def macro_apply_create(ticket_id: int):
    ticket = access.get_visible_ticket(current_user, ticket_id)
    _ensure_staff()
    data = MacroApplyIn().load(json_body())
    macro = service.get_macro(data["macro_id"])
    now = get_clock().now()
    versions.expect_version(ticket, requested_version(data), actor=current_user)
    plan = service.plan(ticket, macro, actor=current_user, body=data["body"])
    action = begin_undo(plan.undo_kind, [ticket], now=now)
    service.apply_macro(ticket, macro, actor=current_user, now=now, body=data["body"])
    action = undo.finish(action)
    db.session.commit()
    return with_undo(dump_ticket(ticket), action), 200, etag(ticket)


def add_openapi_paths(spec) -> None:
    for schema in (MacroOut, MacroPreviewOut):
        spec.components.schema(schema.__name__, schema=schema)
    errs = ("401", "403", "404", "422")
    macro = json_content("MacroOut")
    spec.path(
        path="/v1/macros",
        operations={
            "get": operation(
                "Macros: a canned reply plus field changes (staff)",
                {"200": {"description": "Macros by title", **list_of("MacroOut")}},
                errors=("401", "403"),
            ),
            "post": operation(
                "Write a macro (admins)",
                {"201": {"description": "Created", **macro}},
                body=MacroIn,
                errors=("401", "403", "422"),
            ),
        },
    )
    spec.path(
        path="/v1/macros/{id}",
        operations={
            "get": operation(
                "One macro (staff)",
                {"200": {"description": "Macro", **macro}},
                params=[ID_PARAM],
                errors=("401", "403", "404"),
            ),
            "patch": operation(
                "Change a macro (admins); the fields sent change",
                {"200": {"description": "Changed", **macro}},
                body=MacroIn,
                params=[ID_PARAM],
                errors=errs,
            ),
            "delete": operation(
                "Delete a macro (admins); tickets keep what it did",
                {"204": {"description": "Deleted"}},
                params=[ID_PARAM],
                errors=("401", "403", "404"),
            ),
        },
    )
    spec.path(
        path="/v1/tickets/{id}/macro-previews",
        operations={
            "post": operation(
                "What applying a macro would do to the ticket (staff); stores "
                "nothing. `problem` says why it cannot be applied now",
                {"200": {"description": "Preview", **json_content("MacroPreviewOut")}},
                body=MacroPreviewIn,
                params=[ID_PARAM],
                errors=errs,
            )
        },
    )
    spec.path(
        path="/v1/tickets/{id}/macros",
        operations={
            "post": operation(
                "Apply a macro (agents who work on the ticket): its text (or "
                "`body`, as edited), then priority, assignee, tags, status and "
                "line, in one step; refused (409) before anything is written "
                "when a part cannot be done; undoable (a reply's mail waits "
                "REPLY_UNDO_SECONDS)",
                {
                    "200": {
                        "description": "The ticket after it",
                        "headers": ETAG,
                        **undoable("TicketOut"),
                    }
                }
                | CONFLICT,
                body=MacroApplyIn,
                params=[ID_PARAM, IF_MATCH],
                errors=errs,
            )
        },
    )
