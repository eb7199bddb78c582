"""A ticket's watchers through the API, as the ticket page manages them.
Routes join the core's ``api`` blueprint; a watcher has an id of its own
(``/v1/watchers/{id}``), so every path names one thing with one ``{id}``."""

from __future__ import annotations

from flask_babel import gettext as _
from flask_login import current_user, login_required
from marshmallow import Schema, fields, validate

from helpdesk.api import bp
from helpdesk.clock import get_clock
from helpdesk.errors import NotFound
from helpdesk.extensions import db
from helpdesk.http import json_body
from helpdesk.i18n import N_
from helpdesk.openapi_parts import ID_PARAM, json_content, list_of, operation
from helpdesk.schemas.common import REQUIRED_TEXT, UTCDateTime
from helpdesk.service import access
from helpdesk.watchers import service
from helpdesk.watchers.models import TicketWatcher


class WatcherIn(Schema):
    email = fields.Email(
        required=True,
        validate=validate.Length(max=254, error=N_("Use at most 254 characters.")),
        error_messages={
            "required": REQUIRED_TEXT,
            "invalid": N_("Not a valid email address."),
        },
        metadata={
            "description": "of a member of staff or a customer of the "
            "requester's organisation"
        },
    )


class WatcherOut(Schema):
    id = fields.Integer()
    ticket_id = fields.Integer()
    user_id = fields.Integer()
    name = fields.Function(lambda w: w.user.name, metadata={"type": "string"})
    created_at = UTCDateTime()


@bp.get("/v1/tickets/<int:ticket_id>/watchers")
@login_required
def watcher_list(ticket_id: int):
    ticket = access.get_visible_ticket(current_user, ticket_id)
    items = WatcherOut(many=True).dump(service.watcher_rows(ticket))
    return {"items": items, "next_cursor": None}


@bp.post("/v1/tickets/<int:ticket_id>/watchers")
@login_required
def watcher_create(ticket_id: int):
    """The requester or an agent of the ticket adds someone to follow it."""
    ticket = access.get_visible_ticket(current_user, ticket_id)
    data = WatcherIn().load(json_body())
    watcher = service.add_by_email(
        ticket, data["email"], actor=current_user, now=get_clock().now()
    )
    db.session.commit()
    headers = {"Location": f"/api/v1/watchers/{watcher.id}"}
    return WatcherOut().dump(watcher), 201, headers


@bp.delete("/v1/watchers/<int:watcher_id>")
@login_required
def watcher_delete(watcher_id: int):
    """Remove a watcher (the requester, an agent of the ticket), or stop
    following the ticket yourself. A watcher of a ticket you do not see is
    the same 404 as an unknown id."""
    row = db.session.get(TicketWatcher, watcher_id)
    if row is None:
        raise NotFound(_("This person does not follow the ticket."))
    ticket = access.get_visible_ticket(current_user, row.ticket_id)
    service.remove_watcher(ticket, row.user, actor=current_user, now=get_clock().now())
    db.session.commit()
    return "", 204


def add_openapi_paths(spec) -> None:
    spec.components.schema("WatcherOut", schema=WatcherOut)
    spec.path(
        path="/v1/tickets/{id}/watchers",
        operations={
            "get": operation(
                "Who follows the ticket besides its requester: they get its "
                "public mails, may reply and see it in their list",
                {"200": {"description": "Watchers", **list_of("WatcherOut")}},
                params=[ID_PARAM],
                errors=("401", "404"),
            ),
            "post": operation(
                "Add a watcher by e-mail (the requester, or an agent of the "
                "ticket): staff, or a customer of the requester's organisation. "
                "Anyone else, and an address without an account, is the same "
                "422; following already, or a closed ticket: 409",
                {
                    "201": {"description": "Added", **json_content("WatcherOut")},
                    "403": {"description": "Not the requester or its agent"},
                    "409": {"description": "Follows already, or the ticket is closed"},
                },
                body=WatcherIn,
                params=[ID_PARAM],
                errors=("401", "404", "422"),
            ),
        },
    )
    spec.path(
        path="/v1/watchers/{id}",
        operations={
            "delete": operation(
                "Stop following (your own), or remove a watcher (the requester, "
                "an agent of the ticket)",
                {
                    "204": {"description": "Removed"},
                    "403": {"description": "Not the requester or its agent"},
                },
                params=[ID_PARAM],
                errors=("401", "404"),
            )
        },
    )
