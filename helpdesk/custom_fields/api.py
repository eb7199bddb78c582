"""Custom fields through the API: everyone lists a category's fields (what
a new ticket of it takes); administrators add and change them. A ticket's
values travel on the ticket itself (``fields`` in and out)."""

from __future__ import annotations

from datetime import datetime

from flask import Blueprint, request
from flask_login import current_user, login_required
from marshmallow import Schema, fields

from helpdesk.custom_fields import service, values
from helpdesk.custom_fields.schemas import FieldIn, FieldOut, FieldPatchIn
from helpdesk.extensions import db
from helpdesk.http import json_body
from helpdesk.models import Ticket
from helpdesk.service import categories as category_service

bp = Blueprint("custom_fields_api", __name__, url_prefix="/api")


class FieldListQuery(Schema):
    include_inactive = fields.Boolean(load_default=False)


@bp.get("/v1/categories/<int:category_id>/fields")
@login_required
def field_list(category_id: int):
    category = category_service.get_category(category_id)
    query = FieldListQuery().load(request.args.to_dict())
    found = [
        f
        for f in service.category_fields(category)
        if f.active or query["include_inactive"]
    ]
    return {"items": FieldOut(many=True).dump(found), "next_cursor": None}


@bp.post("/v1/categories/<int:category_id>/fields")
@login_required
def field_create(category_id: int):
    category = category_service.get_category(category_id)
    data = FieldIn().load(json_body())
    field = service.create_field(category, data, actor=current_user)
    db.session.commit()
    return FieldOut().dump(field), 201, {"Location": f"/api/v1/fields/{field.id}"}


@bp.get("/v1/fields/<int:field_id>")
@login_required
def field_get(field_id: int):
    return FieldOut().dump(service.get_field(field_id))


@bp.patch("/v1/fields/<int:field_id>")
@login_required
def field_patch(field_id: int):
    field = service.get_field(field_id)
    data = FieldPatchIn(partial=True).load(json_body())
    service.update_field(field, data, actor=current_user)
    db.session.commit()
    return FieldOut().dump(field)


def ticket_fields(tickets: list[Ticket], _now: datetime) -> dict[int, dict]:
    """``fields`` on the API's tickets (``hooks.add_ticket_extras``): one
    query for the page; a ticket created in this request from memory."""
    return {
        ticket_id: {"fields": {k: values.to_json(v) for k, v in found.items()}}
        for ticket_id, found in values.fields_by_key(tickets).items()
    }
