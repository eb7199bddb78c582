"""Custom fields in the OpenAPI document: their paths, their schemas, and
``fields`` on every ticket the API answers (through
``hooks.add_openapi_paths``)."""

from __future__ import annotations

from apispec import APISpec

from helpdesk.custom_fields.schemas import FieldIn, FieldOut, FieldPatchIn
from helpdesk.openapi_parts import ID_PARAM, json_content, list_of, operation

ADMINS = {"403": {"description": "Not an administrator"}}
TICKET_FIELDS = {
    "type": "object",
    "description": (
        "The custom fields of the ticket's category by key (null: no value): "
        "text, a choice's value, a number, a date as YYYY-MM-DD, a boolean"
    ),
    "additionalProperties": {
        "oneOf": [{"type": "string"}, {"type": "number"}, {"type": "boolean"}],
        "nullable": True,
    },
}
CONDITIONS = " Rules and SLA policies name a field `field:<key>` in their conditions."


def add_paths(spec: APISpec) -> None:
    spec.components.schema("FieldOut", schema=FieldOut)
    field = json_content("FieldOut")
    spec.path(
        path="/v1/categories/{id}/fields",
        operations={
            "get": operation(
                "The category's custom fields in form order (what a new ticket "
                "of it takes in `fields`): the active ones, or all with "
                "`include_inactive=true`." + CONDITIONS,
                {"200": {"description": "Fields", **list_of("FieldOut")}},
                params=[
                    ID_PARAM,
                    {
                        "in": "query",
                        "name": "include_inactive",
                        "schema": {"type": "boolean"},
                    },
                ],
                errors=("401", "404", "422"),
            ),
            "post": operation(
                "Add a field to the category (administrators): text, number, "
                "date, choice (with its choices) or checkbox; required or not. "
                "Its key and kind never change, and a key has one kind in "
                "every category",
                {
                    "201": {"description": "Created", **field},
                    "409": {"description": "The key is taken in this category"},
                }
                | ADMINS,
                body=FieldIn,
                params=[ID_PARAM],
                errors=("401", "404", "422"),
            ),
        },
    )
    spec.path(
        path="/v1/fields/{id}",
        operations={
            "get": operation(
                "One custom field",
                {"200": {"description": "Field", **field}},
                params=[ID_PARAM],
                errors=("401", "404"),
            ),
            "patch": operation(
                "Relabel it, require it or not, change its choices or position, "
                "(de)activate it (administrators); fields are never deleted",
                {"200": {"description": "Field", **field}} | ADMINS,
                body=FieldPatchIn,
                params=[ID_PARAM],
                errors=("401", "404", "422"),
            ),
        },
    )
    ticket = spec.components.schemas.get("TicketOut")
    if ticket is not None:
        ticket.setdefault("properties", {})["fields"] = TICKET_FIELDS
