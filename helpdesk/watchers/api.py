"""A ticket's watchers through the API, as the ticket page manages them.
Routes join the core's ``api`` blueprint."""

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
from helpdesk.models import User
from helpdesk.openapi_parts import ID_PARAM, json_content, list_of, operation
from helpdesk.schemas.common import REQUIRED_TEXT
from helpdesk.service import access
from helpdesk.watchers import service


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
    id = fields.Integer(metadata={"description": "the user's id"})
    name = fields.String()


@bp.get("/v1/tickets/<int:ticket_id>/watchers")
@login_required
def watcher_list(ticket_id: int):
    ticket = access.get_visible_ticket(current_user, ticket_id)
    items = WatcherOut(many=True).dump(service.watchers_of(ticket))
    return {"items": items, "next_cursor": None}


@bp.post("/v1/tickets/<int:ticket_id>/watchers")
@login_required
def watcher_create(ticket_id: int):
    """The requester or an agent of the ticket adds someone to follow it."""
    ticket = access.get_visible_ticket(current_user, ticket_id)
    data = WatcherIn().load(json_body())
    user = service.add_by_email(
        ticket, data["email"], actor=current_user, now=get_clock().now()
    )
    db.session.commit()
    return WatcherOut().dump(user), 201


@bp.delete("/v1/tickets/<int:ticket_id>/watchers/<int:user_id>")
@login_required
def watcher_delete(ticket_id: int, user_id: int):
    """Remove a watcher (the requester, an agent of the ticket), or stop
    following the ticket yourself."""
    ticket = access.get_visible_ticket(current_user, ticket_id)
    user = db.session.get(User, user_id)
    if user is None:
        raise NotFound(_("This person does not follow the ticket."))
    service.remove_watcher(ticket, user, actor=current_user, now=get_clock().now())
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
                "422; following already: 409",
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
        path="/v1/tickets/{id}/watchers/{user_id}",
        operations={
            "delete": operation(
                "Stop following (yourself), or remove a watcher (the requester, "
                "an agent of the ticket)",
                {
                    "204": {"description": "Removed"},
                    "403": {"description": "Not the requester or its agent"},
                },
                params=[
                    ID_PARAM,
                    {
                        "in": "path",
                        "name": "user_id",
                        "required": True,
                        "schema": {"type": "integer"},
                    },
                ],
                errors=("401", "404"),
            )
        },
    )
