"""The pieces every package writes its OpenAPI paths with (the core's in
``helpdesk.openapi``, the packages' through ``hooks.add_openapi_paths``):
operations, JSON bodies, lists, the shared errors, parameters and headers,
and the undoable answers."""

from __future__ import annotations

import copy

from apispec import APISpec

ERRORS = {
    "401": {
        "description": "Not authenticated",
        "content": {"application/json": {"schema": "ErrorOut"}},
    },
    "403": {
        "description": "Not allowed to you",
        "content": {"application/json": {"schema": "ErrorOut"}},
    },
    "404": {
        "description": "Not found or not visible to you",
        "content": {"application/json": {"schema": "ErrorOut"}},
    },
    "422": {
        "description": "Invalid input; `fields` names each bad field",
        "content": {"application/json": {"schema": "ErrorOut"}},
    },
    "429": {
        "description": "Too many attempts; `Retry-After` says how many seconds to wait",
        "headers": {"Retry-After": {"schema": {"type": "integer"}}},
        "content": {"application/json": {"schema": "ErrorOut"}},
    },
}


def json_content(schema) -> dict:
    return {"content": {"application/json": {"schema": schema}}}


def list_of(schema_name: str) -> dict:
    return json_content(
        {
            "type": "object",
            "properties": {
                "items": {
                    "type": "array",
                    "items": {"$ref": f"#/components/schemas/{schema_name}"},
                },
                "next_cursor": {"type": "string", "nullable": True},
            },
        }
    )


def operation(
    summary: str, responses: dict, *, body=None, params=None, errors=("401",)
) -> dict:
    operation = {
        "summary": summary,
        "responses": responses | {code: ERRORS[code] for code in errors},
    }
    if body is not None:
        operation["requestBody"] = {"required": True, **json_content(body)}
    if params:
        operation["parameters"] = params
    return operation


ID_PARAM = {"in": "path", "name": "id", "required": True, "schema": {"type": "integer"}}
IF_MATCH = {
    "in": "header",
    "name": "If-Match",
    "schema": {"type": "string"},
    "description": (
        'The ticket\'s ETag as you read it ("5"); the same as `version` in '
        "the body. When the ticket changed since, the change is refused "
        "(409 `stale_version`, `fields.version` lists what changed)."
    ),
}
ETAG = {
    "ETag": {
        "description": "The ticket's version, for If-Match",
        "schema": {"type": "string"},
    }
}
UNDO_PROPERTY = {
    "type": "string",
    "description": (
        "Where to POST (no body) to undo this operation while its "
        "window lasts: /api/v1/undo/{id}; present when the request "
        "was undoable (staff, undo on, something changed)."
    ),
    "example": "/api/v1/undo/12",
}
CONFLICT = {
    "409": {
        "description": (
            "Refused: not allowed now, or `stale_version` (the ticket changed "
            "since the version you sent)"
        ),
        "content": {"application/json": {"schema": "ErrorOut"}},
    }
}


def undoable(schema_name: str) -> dict:
    """An undoable request's answer: the schema plus ``undo``."""
    return json_content(f"{schema_name}Undoable")


def add_undoable(spec: APISpec, schema_name: str) -> None:
    """``<schema_name>Undoable``: the schema as the packages left it (the
    SLA adds ``sla`` to tickets) plus ``undo``; a copy, not an ``allOf``,
    as the base schema allows no other properties."""
    schema = copy.deepcopy(spec.components.schemas[schema_name])
    schema.setdefault("properties", {})["undo"] = UNDO_PROPERTY
    spec.components.schema(f"{schema_name}Undoable", component=schema)


PAGE_PARAMS = [
    {"in": "query", "name": "cursor", "schema": {"type": "string"}},
    {
        "in": "query",
        "name": "limit",
        "schema": {"type": "integer", "minimum": 1, "maximum": 100},
    },
]
