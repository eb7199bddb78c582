"""The SLA's paths in the OpenAPI document, and ``sla`` on ``TicketOut``
(added through the core's ``helpdesk.openapi_paths`` hook, so the core never
imports this)."""

from __future__ import annotations

from apispec import APISpec

from helpdesk.openapi_parts import (
    ERRORS,
    ID_PARAM,
    PAGE_PARAMS,
    json_content,
    list_of,
    operation,
)
from sla import schemas

MANAGERS = "Managers and admins only (others: 403)."


def _query(name: str, schema: dict, description: str) -> dict:
    return {"in": "query", "name": name, "schema": schema, "description": description}


SUMMARY_PARAMS = [
    _query(
        "from",
        {"type": "string", "format": "date"},
        "first UTC day (default: 30 days before `to`)",
    ),
    _query(
        "to",
        {"type": "string", "format": "date"},
        "the UTC day after the last one (default: tomorrow)",
    ),
    _query("line", {"type": "integer", "minimum": 1, "maximum": 3}, "one support line"),
    _query("period", {"type": "string", "enum": ["day", "week"]}, "compliance buckets"),
    _query("cursor", {"type": "string"}, "the breaches page after this one"),
    _query(
        "limit",
        {"type": "integer", "minimum": 1, "maximum": 100},
        "breaches and at-risk rows",
    ),
]

_COMPLIANCE_ROW = {
    "type": "object",
    "properties": {
        "met": {"type": "integer"},
        "breached": {"type": "integer"},
        "compliance_percent": {"type": "number", "nullable": True},
    },
}
_CLOCK_ROW = {
    "type": "object",
    "properties": {
        "ticket_id": {"type": "integer"},
        "ticket_number": {"type": "string"},
        "subject": {"type": "string"},
        "line": {"type": "integer"},
        "priority": {"type": "string"},
        "target": {"type": "string"},
        "state": {"type": "string"},
        "policy": {"type": "string"},
        "due_at": {"type": "string", "format": "date-time", "nullable": True},
        "breached_at": {"type": "string", "format": "date-time", "nullable": True},
        "business_seconds_left": {"type": "integer"},
    },
}
_TIME_FIGURES = {
    "count": {"type": "integer"},
    "mean_seconds": {"type": "integer", "nullable": True},
    "median_seconds": {"type": "integer", "nullable": True},
}
_TIMES = {
    "type": "object",
    "description": "Business time to the stopping event, of the clocks stopped "
    "by it (not of response clocks resolved without a reply); by_channel splits "
    "phone tickets (a call may count as the first response) from web, e-mail "
    "and API ones.",
    "properties": {
        **_TIME_FIGURES,
        "by_channel": {
            "type": "object",
            "properties": {
                group: {"type": "object", "properties": _TIME_FIGURES}
                for group in ("phone", "web_email")
            },
        },
    },
}
SUMMARY = {
    "type": "object",
    "description": "Clocks of the tickets created in [from, to); backlog and "
    "at_risk are as of now. Compliance = met / (met + breached).",
    "properties": {
        "filters": {"type": "object"},
        "compliance": {
            "type": "object",
            "properties": {
                **_COMPLIANCE_ROW["properties"],
                "no_response": {
                    "type": "integer",
                    "description": "Response clocks stopped by the ticket's "
                    "resolution before their due time with no public reply: "
                    "neither met nor breached.",
                },
                **{
                    f"by_{key}": {"type": "array", "items": _COMPLIANCE_ROW}
                    for key in ("period", "line", "priority", "policy", "target")
                },
            },
        },
        "times": {
            "type": "object",
            "properties": {"first_response": _TIMES, "resolution": _TIMES},
        },
        "backlog": {
            "type": "array",
            "items": {
                "type": "object",
                "properties": {
                    "line": {"type": "integer"},
                    "status": {"type": "string"},
                    "tickets": {"type": "integer"},
                },
            },
        },
        "at_risk": {"type": "array", "items": _CLOCK_ROW},
        "breaches": {
            "type": "object",
            "properties": {
                "items": {"type": "array", "items": _CLOCK_ROW},
                "next_cursor": {"type": "string", "nullable": True},
            },
        },
    },
}


def add_paths(spec: APISpec) -> None:
    for name in ("CalendarOut", "PolicyOut", "SlaClockOut"):
        spec.components.schema(name, schema=getattr(schemas, name))
    _ticket_sla(spec)
    errs = ("401", "404", "422")
    forbidden = {"403": ERRORS["401"] | {"description": MANAGERS}}
    conflict = {"409": {"description": "Still in use", **json_content("ErrorOut")}}
    for kind, out, body in (
        ("calendars", "CalendarOut", _calendar_body()),
        ("policies", "PolicyOut", schemas.PolicyIn),
    ):
        one = json_content(out)
        spec.path(
            path=f"/v1/sla/{kind}",
            operations={
                "get": operation(
                    f"List the {kind}"
                    + (" in matching order" if kind == "policies" else ""),
                    {"200": {"description": kind, **list_of(out)}} | forbidden,
                    params=PAGE_PARAMS if kind == "calendars" else None,
                    errors=("401", "422"),
                ),
                "post": operation(
                    f"Create one of the {kind}",
                    {"201": {"description": "Created", **one}} | forbidden,
                    body=body,
                    errors=errs,
                ),
            },
        )
        spec.path(
            path=f"/v1/sla/{kind}/{{id}}",
            operations={
                "get": operation(
                    "One",
                    {"200": {"description": "Found", **one}} | forbidden,
                    params=[ID_PARAM],
                    errors=("401", "404"),
                ),
                "patch": operation(
                    "Change the fields sent (checked like a create)",
                    {"200": {"description": "Saved", **one}} | forbidden,
                    body=body,
                    params=[ID_PARAM],
                    errors=errs,
                ),
                "delete": operation(
                    "Delete one that nothing uses",
                    {"204": {"description": "Deleted"}} | forbidden | conflict,
                    params=[ID_PARAM],
                    errors=("401", "404"),
                ),
            },
        )
    spec.path(
        path="/v1/sla/calendars/{id}/holidays",
        operations={
            "post": operation(
                "Add a holiday ({day, name}) or a country's public holidays for a "
                'year ({country: "RU", year: 2027}); dates already there are kept',
                {
                    "201": {
                        "description": "How many dates were added, and the calendar",
                        **json_content(
                            {
                                "type": "object",
                                "properties": {
                                    "added": {"type": "integer"},
                                    "calendar": {
                                        "$ref": "#/components/schemas/CalendarOut"
                                    },
                                },
                            }
                        ),
                    }
                }
                | forbidden
                | conflict,
                body=schemas.HolidayIn,
                params=[ID_PARAM],
                errors=errs,
            )
        },
    )
    spec.path(
        path="/v1/sla/summary",
        operations={
            "get": operation(
                "The SLA dashboard's figures",
                {"200": {"description": "Figures", **json_content(SUMMARY)}}
                | forbidden,
                params=SUMMARY_PARAMS,
                errors=("401", "422"),
            )
        },
    )


def _calendar_body() -> dict:
    interval = {
        "type": "object",
        "properties": {
            "weekday": {"type": "string", "enum": list(schemas.WEEKDAYS)},
            "start": {"type": "string", "example": "09:00"},
            "end": {
                "type": "string",
                "example": "18:00",
                "description": "at or before start: crosses midnight; 24:00 allowed",
            },
        },
        "required": ["weekday", "start", "end"],
    }
    holiday = {
        "type": "object",
        "properties": {
            "day": {"type": "string", "format": "date"},
            "name": {"type": "string"},
        },
        "required": ["day"],
    }
    return {
        "type": "object",
        "properties": {
            "name": {"type": "string", "maxLength": 80},
            "timezone": {"type": "string", "example": "Europe/Moscow"},
            "always_open": {"type": "boolean", "default": False},
            "intervals": {"type": "array", "items": interval},
            "holidays": {"type": "array", "items": holiday},
        },
        "required": ["name", "timezone"],
    }


def _ticket_sla(spec: APISpec) -> None:
    """``sla`` on every ticket the API answers (DESIGN section 4)."""
    ticket = spec.components.schemas.get("TicketOut")
    if ticket is not None:
        ticket.setdefault("properties", {})["sla"] = {
            "type": "array",
            "description": "One per SLA clock of the ticket",
            "items": {"$ref": "#/components/schemas/SlaClockOut"},
        }
