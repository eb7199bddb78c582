"""The OpenAPI 3 document of /api/v1, generated from the marshmallow schemas."""

from __future__ import annotations

from functools import cache

from apispec import APISpec
from apispec.ext.marshmallow import MarshmallowPlugin
from marshmallow import fields

from helpdesk import hooks
from helpdesk.openapi_parts import (
    CONFLICT,
    ETAG,
    ID_PARAM,
    IF_MATCH,
    PAGE_PARAMS,
    add_undoable,
    json_content,
    list_of,
    operation,
    undoable,
)
from helpdesk.schemas.accounts import TokenIn, TokenInfoOut, TokenOut, UserOut
from helpdesk.schemas.common import ErrorOut
from helpdesk.schemas.tickets import (
    CategoryOut,
    CommentIn,
    CommentOut,
    EventOut,
    FollowUpIn,
    MergeIn,
    RatingIn,
    RatingOut,
    TicketOut,
    TicketPatchIn,
    TicketStaffCreateIn,
    TransitionIn,
    UndoOut,
    ViewerIn,
    ViewerOut,
)
from helpdesk.vocabulary import TicketStatus

TICKET_LIST_PARAMS = (
    (
        "q",
        {
            "type": "string",
            "maxLength": 200,
            "description": (
                "Search. A ticket number (`HD-000123` or `123`) answers that "
                "ticket alone, if visible. Words search subject, description "
                "and comments in any word form (Russian and English stems; the "
                "last word also as a prefix); every word must occur. Staff "
                "search internal notes too, requesters only what they can read, "
                "in their own tickets. Ranked best first (the newest "
                "`TICKET_SEARCH_WINDOW` matches are ranked); `sort` is ignored."
            ),
        },
    ),
    (
        "status",
        {
            "type": "string",
            "description": "comma-separated: "
            + ", ".join(f"`{s.value}`" for s in TicketStatus),
        },
    ),
    ("line", {"type": "integer"}),
    ("priority", {"type": "string", "description": "comma-separated, P1–P4"}),
    ("category", {"type": "string", "description": "category code"}),
    ("assignee", {"type": "integer", "description": "user id; 0 = unassigned"}),
    ("requester", {"type": "integer"}),
    (
        "organization",
        {"type": "string", "description": "the requester's organisation, by name"},
    ),
    ("tag", {"type": "string"}),
    (
        "field",
        {
            "type": "string",
            "maxLength": 1100,
            "example": "asset_tag:INV-0042",
            "description": "a custom field's value, `key:value` (a choice by its "
            "value, a date as YYYY-MM-DD, a checkbox true or false)",
        },
    ),
    (
        "number",
        {"type": "string", "description": "ours (HD-000123) or a legacy system's"},
    ),
    (
        "created_from",
        {"type": "string", "format": "date", "description": "UTC day, included"},
    ),
    (
        "created_to",
        {"type": "string", "format": "date", "description": "UTC day, included"},
    ),
    ("sort", {"type": "string", "enum": ["newest", "due"]}),
)


def _declared_types(_converter, field: fields.Field, ret: dict, **_kwargs) -> dict:
    """What apispec cannot infer: our enums are all StrEnums (strings), and
    our own field classes describe themselves in an ``openapi`` attribute."""
    extra: dict = {}
    if isinstance(field, fields.Enum) and "type" not in ret:
        extra["type"] = "string"
    return extra | getattr(field, "openapi", {})


@cache
def build_spec() -> dict:
    plugin = MarshmallowPlugin()
    spec = APISpec(
        title="Tiered Helpdesk API",
        version="1.0.0",
        openapi_version="3.0.3",
        plugins=[plugin],
        servers=[{"url": "/api"}],
    )
    plugin.converter.add_attribute_function(_declared_types)
    spec.components.security_scheme("bearer", {"type": "http", "scheme": "bearer"})
    for schema in (
        TicketOut,
        CommentOut,
        EventOut,
        UserOut,
        TokenOut,
        ErrorOut,
        CategoryOut,
        RatingOut,
        TokenInfoOut,
        UndoOut,
        ViewerOut,
    ):
        spec.components.schema(schema.__name__, schema=schema)
    ticket = json_content("TicketOut")
    errs = ("401", "403", "404", "422")
    spec.path(
        path="/v1/auth/token",
        operations={
            "post": operation(
                "Exchange e-mail and password (and, with two-factor login on, "
                "the current code) for a bearer token",
                {
                    "201": {"description": "Token", **json_content("TokenOut")},
                    # With the company directory login on (helpdesk/directory/).
                    "503": {
                        "description": "The company directory cannot be reached",
                        **json_content("ErrorOut"),
                    },
                },
                body=TokenIn,
                errors=("401", "403", "422", "429"),
            )
        },
    )
    spec.path(
        path="/v1/me",
        operations={
            "get": operation(
                "The authenticated user",
                {"200": {"description": "User", **json_content("UserOut")}},
            )
        },
    )
    spec.path(
        path="/v1/me/tokens",
        operations={
            "get": operation(
                "Your API tokens, newest first (never the tokens themselves)",
                {"200": {"description": "Tokens", **list_of("TokenInfoOut")}},
            )
        },
    )
    spec.path(
        path="/v1/me/tokens/{id}",
        operations={
            "delete": operation(
                "Revoke one of your tokens, the one in use too",
                {"204": {"description": "Revoked"}},
                params=[ID_PARAM],
                errors=("401", "404"),
            )
        },
    )
    spec.path(
        path="/v1/tickets",
        operations={
            "get": operation(
                "List visible tickets, newest first; with `q`, search them",
                {"200": {"description": "A page of tickets", **list_of("TicketOut")}},
                params=[
                    {"in": "query", "name": n, "schema": s}
                    for n, s in TICKET_LIST_PARAMS
                ]
                + PAGE_PARAMS,
                errors=("401", "422"),
            ),
            "post": operation(
                "Open a ticket (staff may set requester_id and channel)",
                {"201": {"description": "Created", **ticket}},
                body=TicketStaffCreateIn,
                errors=errs,
            ),
        },
    )
    spec.path(
        path="/v1/tickets/{id}",
        operations={
            "get": operation(
                "One ticket; its ETag is its version",
                {"200": {"description": "Ticket", "headers": ETAG, **ticket}},
                params=[ID_PARAM],
                errors=("401", "404"),
            ),
            "patch": operation(
                "Change priority, category, assignee or tags (staff); undoable",
                {
                    "200": {
                        "description": "Updated",
                        "headers": ETAG,
                        **undoable("TicketOut"),
                    }
                }
                | CONFLICT,
                body=TicketPatchIn,
                params=[ID_PARAM, IF_MATCH],
                errors=errs,
            ),
        },
    )
    spec.path(
        path="/v1/tickets/{id}/comments",
        operations={
            "get": operation(
                "Replies (and, for staff, internal notes)",
                {"200": {"description": "Comments", **list_of("CommentOut")}},
                params=[ID_PARAM],
                errors=("401", "404"),
            ),
            "post": operation(
                "Reply, or add an internal note (staff). `status` (`open`, "
                "`pending`, `resolved`) sets the status in the same step, checked "
                "first: a status the reply cannot lead to is refused (409) and "
                "nothing is written. A staff reply's mail waits "
                "REPLY_UNDO_SECONDS: `undo` stops it and puts the status back",
                {
                    "201": {
                        "description": "Created (`undo` only on a staff reply)",
                        "headers": ETAG,
                        **undoable("CommentOut"),
                    }
                }
                | CONFLICT,
                body=CommentIn,
                params=[ID_PARAM, IF_MATCH],
                errors=errs,
            ),
        },
    )
    spec.path(
        path="/v1/tickets/{id}/transitions",
        operations={
            "post": operation(
                "Change the status along the state machine (409 when not allowed). "
                "`waiting_line3` and `confirm_fix` are never set here: a ticket "
                "waits on line 3 while linked to a defect not fixed yet, and "
                "comes back as `confirm_fix` when it is fixed (see "
                "/v1/routing/defects)",
                {
                    "201": {
                        "description": "Ticket after the change (staff: undoable)",
                        "headers": ETAG,
                        **undoable("TicketOut"),
                    },
                    "409": {
                        "description": "Illegal transition, or `stale_version`",
                        **json_content("ErrorOut"),
                    },
                },
                body=TransitionIn,
                params=[ID_PARAM, IF_MATCH],
                errors=errs,
            )
        },
    )
    spec.path(
        path="/v1/tickets/{id}/follow-ups",
        operations={
            "post": operation(
                "The requester writes again about a closed ticket: a new ticket "
                "with the message as its description, the closed one's subject, "
                "category and requester, linked to it (`follow_up_of`) and routed "
                "and timed like any new ticket. Others: 403; a ticket that is not "
                "closed, or was merged into another: 409",
                {
                    "201": {"description": "The new ticket", **ticket},
                    "409": {"description": "Not closed", **json_content("ErrorOut")},
                },
                body=FollowUpIn,
                params=[ID_PARAM],
                errors=errs,
            )
        },
    )
    spec.path(
        path="/v1/tickets/{id}/ratings",
        operations={
            "post": operation(
                "The requester rates a resolved or closed ticket, once "
                "(others: 403; not resolved or rated already: 409)",
                {
                    "201": {"description": "The rating", **json_content("RatingOut")},
                    "409": {"description": "Not now", **json_content("ErrorOut")},
                },
                body=RatingIn,
                params=[ID_PARAM],
                errors=errs,
            )
        },
    )
    spec.path(
        path="/v1/tickets/{id}/merges",
        operations={
            "post": operation(
                "Merge this duplicate into another ticket (staff); answers the "
                "survivor; undoable",
                {
                    "201": {
                        "description": "The ticket that carries on",
                        "headers": ETAG,
                        **undoable("TicketOut"),
                    }
                }
                | CONFLICT,
                body=MergeIn,
                params=[ID_PARAM, IF_MATCH],
                errors=errs,
            )
        },
    )
    spec.path(
        path="/v1/undo/{id}",
        operations={
            "post": operation(
                "Undo an operation (the `undo` path of its answer): the tickets "
                "as they were, the SLA clocks as if it had not happened, held "
                "mail withdrawn, an `undone` event on each timeline. Refused "
                "(409) once its window has passed, when a ticket changed since "
                "(`stale_version`), when a reply's mail has left, or when you "
                "are not who did it (admins may)",
                {
                    "200": {"description": "Undone", **json_content("UndoOut")},
                    **CONFLICT,
                },
                params=[ID_PARAM],
                errors=("401", "404"),
            )
        },
    )
    spec.path(
        path="/v1/tickets/{id}/viewers",
        operations={
            "post": operation(
                "Heartbeat of the ticket page (staff): you are viewing or "
                "replying to it; answers the others seen in the last "
                "PRESENCE_TIMEOUT_SECONDS",
                {
                    "200": {
                        "description": "The others on the ticket",
                        "headers": ETAG,
                        **list_of("ViewerOut"),
                    }
                },
                body=ViewerIn,
                params=[ID_PARAM],
                errors=errs,
            )
        },
    )
    spec.path(
        path="/v1/tickets/{id}/events",
        operations={
            "get": operation(
                "The ticket's timeline, oldest first",
                {"200": {"description": "Events", **list_of("EventOut")}},
                params=[ID_PARAM] + PAGE_PARAMS,
                errors=("401", "404"),
            )
        },
    )
    # Other packages document their own paths.
    for add_paths in hooks.openapi_paths():
        add_paths(spec)
    add_undoable(spec, "TicketOut")
    add_undoable(spec, "CommentOut")
    document = spec.to_dict()
    document["security"] = [{"bearer": []}]
    _default_error(document)
    return document


DEFAULT_ERROR = {
    "description": (
        "Any other error (400 malformed, 403 not allowed, 409 conflict, "
        "503 busy with Retry-After, ...): the JSON error shape"
    ),
    "content": {
        "application/json": {"schema": {"$ref": "#/components/schemas/ErrorOut"}}
    },
}


def _default_error(document: dict) -> None:
    """Every operation answers its undocumented errors in the one error shape."""
    for operations in document["paths"].values():
        for op in operations.values():
            if isinstance(op, dict) and "responses" in op:
                op["responses"].setdefault("default", DEFAULT_ERROR)
