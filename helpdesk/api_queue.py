"""The queue's own work through the API (staff): one action on several
tickets at once, and each agent's saved views (named sets of queue filters)."""

from __future__ import annotations

from flask_babel import gettext as _
from flask_login import current_user, login_required
from marshmallow import Schema, fields

from helpdesk import undo
from helpdesk.api import begin_undo, bp
from helpdesk.clock import get_clock
from helpdesk.errors import PermissionDenied
from helpdesk.extensions import db
from helpdesk.http import json_body
from helpdesk.openapi_parts import (
    ERRORS,
    ID_PARAM,
    json_content,
    list_of,
    operation,
)
from helpdesk.schemas.common import StrippedSchema, UTCDateTime
from helpdesk.schemas.tickets import BulkIn, BulkOutcomeOut, TicketListQuery
from helpdesk.search import saved_views
from helpdesk.service import bulk
from helpdesk.service.bulk import BulkOutcome
from helpdesk.undo import UndoKind


def ensure_staff() -> None:
    if not current_user.is_staff:
        raise PermissionDenied(_("Only agents work the queues."))


def bulk_answer(outcome: BulkOutcome, action) -> dict:
    body = {
        "changed": outcome.changed,
        "skipped": [
            {"ticket": number, "reason": reason}
            for number, reason in outcome.skipped.items()
        ],
    }
    if action is not None:
        body["undo"] = undo.api_path(action)
    return BulkOutcomeOut().dump(body)


@bp.post("/v1/tickets/bulk-updates")
@login_required
def bulk_update_create():
    """The queue's bulk bar: take, release or set the status of up to 100
    tickets; each refused ticket is skipped with its reason. Undoable."""
    ensure_staff()
    data = BulkIn().load(json_body())
    now = get_clock().now()
    action = begin_undo(
        UndoKind.BULK, bulk.visible(data["ticket_ids"], actor=current_user), now=now
    )
    outcome = bulk.bulk_update(
        data["ticket_ids"],
        action=data["action"],
        status=data["status"],
        actor=current_user,
        now=now,
    )
    action = undo.finish(action)
    db.session.commit()
    return bulk_answer(outcome, action), 201


class SavedViewIn(StrippedSchema):
    name = fields.String(required=True)
    filters = fields.Dict(
        keys=fields.String(),
        values=fields.String(),
        load_default=dict,
        metadata={
            "description": "the queue's filters, as GET /api/v1/tickets takes them: "
            + ", ".join(saved_views.FILTER_KEYS)
        },
    )


class SavedViewOut(Schema):
    id = fields.Integer()
    name = fields.String()
    filters = fields.Dict(keys=fields.String(), values=fields.String())
    created_at = UTCDateTime()


@bp.get("/v1/me/views")
@login_required
def saved_view_list():
    ensure_staff()
    views = saved_views.list_views(current_user)
    return {"items": SavedViewOut(many=True).dump(views), "next_cursor": None}


@bp.post("/v1/me/views")
@login_required
def saved_view_create():
    ensure_staff()
    data = SavedViewIn().load(json_body())
    filters = {k: v for k, v in data["filters"].items() if k in saved_views.FILTER_KEYS}
    # The same checks as the queue's own filters, so a view always opens.
    TicketListQuery().load({k: v for k, v in filters.items() if v != ""})
    view = saved_views.save_view(
        current_user, data["name"], filters, now=get_clock().now()
    )
    db.session.commit()
    return SavedViewOut().dump(view), 201


@bp.delete("/v1/me/views/<int:view_id>")
@login_required
def saved_view_delete(view_id: int):
    ensure_staff()
    saved_views.delete_view(current_user, view_id)
    db.session.commit()
    return "", 204


FORBIDDEN = {"403": {"description": "Not staff", **json_content("ErrorOut")}}


def add_openapi_paths(spec) -> None:
    for schema in (BulkOutcomeOut, SavedViewOut):
        spec.components.schema(schema.__name__, schema=schema)
    spec.path(
        path="/v1/tickets/bulk-updates",
        operations={
            "post": operation(
                "One action on up to 100 tickets (staff): `assign_me`, "
                "`unassign`, or `status` with `status`; refused tickets are "
                "skipped with their reason; undoable",
                {"201": {"description": "Outcome", **json_content("BulkOutcomeOut")}}
                | FORBIDDEN,
                body=BulkIn,
                errors=("401", "422"),
            )
        },
    )
    spec.path(
        path="/v1/me/views",
        operations={
            "get": operation(
                "Your saved queue views, by name (staff)",
                {"200": {"description": "Views", **list_of("SavedViewOut")}}
                | FORBIDDEN,
            ),
            "post": operation(
                "Save a set of queue filters under a name (unique per agent)",
                {
                    "201": {"description": "Saved", **json_content("SavedViewOut")},
                    "409": ERRORS["422"] | {"description": "You have that name"},
                }
                | FORBIDDEN,
                body=SavedViewIn,
                errors=("401", "422"),
            ),
        },
    )
    spec.path(
        path="/v1/me/views/{id}",
        operations={
            "delete": operation(
                "Delete one of your saved views",
                {"204": {"description": "Deleted"}} | FORBIDDEN,
                params=[ID_PARAM],
                errors=("401", "404"),
            )
        },
    )
