"""Tickets at the HTTP edge: registering one (requester, staff, phone),
working on it (comments, transitions, changes, merges, bulk actions,
ratings), the queue's query, and tickets, comments, events and categories
as the API answers them."""

from __future__ import annotations

from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from helpdesk.custom_fields.schemas import FieldValuesIn
from helpdesk.db import MAX_ID
from helpdesk.i18n import N_
from helpdesk.models import format_ticket_number, parse_ticket_number
from helpdesk.schemas.accounts import UserBriefOut
from helpdesk.schemas.common import (
    REQUIRED_TEXT,
    Id,
    PageQuery,
    StrippedSchema,
    UTCDateTime,
    text,
    version_field,
)
from helpdesk.undo.models import UndoKind
from helpdesk.vocabulary import Channel, Priority, TicketStatus

UNKNOWN_STATUS = N_("Unknown status.")


class CommaSeparated(fields.Field):
    """``?status=new,open`` → ``[TicketStatus.NEW, TicketStatus.OPEN]``: a
    comma-separated list of one enum's values."""

    openapi = {"type": "string", "example": "new,open"}

    def __init__(self, enum_class=TicketStatus, message=UNKNOWN_STATUS, **kw):
        super().__init__(**kw)
        self.enum_class, self.message = enum_class, message

    def _deserialize(self, value, attr, data, **kwargs) -> list:
        if not isinstance(value, str):
            raise ValidationError(self.message)
        try:
            return [
                self.enum_class(
                    part.strip().upper()
                    if self.enum_class is Priority
                    else part.strip()
                )
                for part in value.split(",")
                if part.strip()
            ]
        except ValueError as err:
            raise ValidationError(self.message) from err


class TicketRef(fields.Field):
    """A ticket given by id (``123``) or number (``"HD-000123"``) → its id."""

    openapi = {
        "oneOf": [
            {"type": "integer", "minimum": 1},
            {"type": "string", "example": "HD-000123"},
        ]
    }

    def _deserialize(self, value, attr, data, **kwargs) -> int:
        ticket_id = (
            value
            if isinstance(value, int) and not isinstance(value, bool)
            else (parse_ticket_number(value) if isinstance(value, str) else None)
        )
        if ticket_id is None or not 1 <= ticket_id <= MAX_ID:
            raise ValidationError(N_("Give a ticket number such as HD-000123."))
        return ticket_id


def priority_field(**kwargs) -> fields.Enum:
    return fields.Enum(
        Priority,
        by_value=True,
        error_messages={"unknown": N_("Choose a priority from P1 to P4.")},
        **kwargs,
    )


def selected_tickets() -> fields.List:
    """The ticket ids ticked in a queue (1 to 100), for every bulk action."""
    return fields.List(
        Id(),
        required=True,
        validate=validate.Length(min=1, max=100, error=N_("Select 1 to 100 tickets.")),
        error_messages={"required": N_("Select at least one ticket.")},
    )


# --- input -----------------------------------------------------------------


class TicketCreateIn(StrippedSchema):
    subject = text(200, message=N_("Enter a subject of 1 to 200 characters."))
    description = text(
        20000, message=N_("Enter a description of 1 to 20000 characters.")
    )
    category = text(40, message=N_("Choose a category."))
    # The category's custom fields (always checked: its required ones too).
    fields = FieldValuesIn(load_default=dict)


class TicketStaffCreateIn(TicketCreateIn):
    """Staff register tickets for someone else, from any channel, and set the
    priority (requesters do not: agents judge it)."""

    priority = priority_field(load_default=Priority.P3)
    requester_id = Id(load_default=None, allow_none=True, strict=False)
    channel = fields.Enum(
        Channel,
        by_value=True,
        load_default=Channel.API,
        error_messages={"unknown": N_("Unknown channel.")},
    )


class PhoneIntakeIn(TicketCreateIn):
    priority = priority_field(load_default=Priority.P3)
    requester_id = Id(
        required=True,
        error=N_("Find or create the caller first."),
        error_messages={
            "required": N_("Find or create the caller first."),
            "invalid": N_("Find or create the caller first."),
        },
    )
    resolve_on_call = fields.Boolean(load_default=False)
    solution = text(
        20000, required=False, message=N_("The solution is too long."), load_default=""
    )

    @validates_schema
    def _solution_when_resolved(self, data: dict, **kwargs) -> None:
        if data.get("resolve_on_call") and not data.get("solution"):
            raise ValidationError(
                {"solution": [N_("Required to resolve on the call.")]}
            )


class BulkIn(Schema):
    """Several tickets of a queue and one action for all of them."""

    ticket_ids = selected_tickets()
    action = fields.String(
        required=True,
        validate=validate.OneOf(
            ["assign_me", "unassign", "status"], error=N_("Unknown action.")
        ),
    )
    status = fields.Enum(
        TicketStatus,
        by_value=True,
        load_default=None,
        error_messages={"unknown": N_("Unknown status.")},
    )

    @validates_schema
    def _status_for_status_action(self, data: dict, **kwargs) -> None:
        if data.get("action") == "status" and data.get("status") is None:
            raise ValidationError(N_("Choose the new status."), "status")


class MergeIn(StrippedSchema):
    """The ticket a duplicate is merged into: an id or a number like HD-000123."""

    into = TicketRef(
        required=True, error_messages={"required": N_("Give the ticket to merge into.")}
    )
    version = version_field()


# What a reply may set the status to in the same step ("Send and set
# pending"); closing stays its own, confirmed, action.
REPLY_STATUSES = (TicketStatus.OPEN, TicketStatus.PENDING, TicketStatus.RESOLVED)


class CommentIn(StrippedSchema):
    body = text(20000, message=N_("Write a message of 1 to 20000 characters."))
    internal = fields.Boolean(load_default=False)
    # The status to set with the reply (see ``REPLY_STATUSES``); none: keep it.
    status = fields.Enum(
        TicketStatus,
        by_value=True,
        load_default=None,
        allow_none=True,
        validate=validate.OneOf(
            REPLY_STATUSES,
            error=N_("A reply can set the status to open, pending or resolved."),
        ),
        error_messages={"unknown": N_("Unknown status.")},
    )
    version = version_field()


class FollowUpIn(StrippedSchema):
    """The requester's new message about a closed ticket."""

    body = text(20000, message=N_("Write a message of 1 to 20000 characters."))


class TransitionIn(Schema):
    status = fields.Enum(
        TicketStatus,
        by_value=True,
        required=True,
        error_messages={"unknown": N_("Unknown status."), "required": REQUIRED_TEXT},
    )
    version = version_field()


class TicketPatchIn(StrippedSchema):
    priority = priority_field()
    category = text(40, required=False, message=N_("Choose a category."))
    assignee = Id(allow_none=True, attribute="assignee_id", data_key="assignee")
    tags = fields.List(
        fields.String(
            validate=validate.Regexp(
                r"^\s*[\w-]{1,40}\s*$",
                error=N_("A tag is 1 to 40 letters, digits, - or _."),
            )
        ),
        validate=validate.Length(max=20, error=N_("At most 20 tags.")),
    )
    # Custom fields of the ticket's category (after a category change: the new one's).
    fields = FieldValuesIn()
    version = version_field()


class RatingOut(Schema):
    ticket_id = fields.Integer()
    score = fields.Integer()
    comment = fields.String()
    created_at = UTCDateTime()


class RatingIn(StrippedSchema):
    score = fields.Integer(
        required=True,
        strict=False,
        validate=validate.Range(min=1, max=5, error=N_("Give a score from 1 to 5.")),
        error_messages={"required": N_("Give a score from 1 to 5.")},
    )
    comment = text(
        2000, required=False, load_default="", message=N_("The comment is too long.")
    )


class TicketListQuery(PageQuery):
    status = CommaSeparated()
    # newest: newest first; due: least time left first (no deadline last).
    sort = fields.String(
        load_default="newest",
        validate=validate.OneOf(["newest", "due"], error=N_("Sort by newest or due.")),
    )
    line = fields.Integer(
        validate=validate.Range(min=1, max=3, error=N_("The line is 1, 2 or 3."))
    )
    assignee = fields.Integer(
        attribute="assignee_id",
        data_key="assignee",
        validate=validate.Range(min=0, max=MAX_ID, error=N_("Not a valid user id.")),
    )
    tag = fields.String(validate=validate.Length(max=40))
    # A custom field's value: "asset_tag:INV-7" (helpdesk.custom_fields.filters).
    field = fields.String(
        validate=validate.Length(max=1100, error=N_("The search is too long."))
    )
    # Our number or the one an imported ticket had in the legacy system.
    number = fields.String(validate=validate.Length(max=40))
    requester = fields.Integer(
        attribute="requester_id",
        data_key="requester",
        validate=validate.Range(min=1, max=MAX_ID, error=N_("Not a valid user id.")),
    )
    # Search words, or a ticket number (HD-000123, 123); see helpdesk.search.
    q = fields.String(
        validate=validate.Length(max=200, error=N_("The search is too long."))
    )
    priority = CommaSeparated(Priority, N_("Choose a priority from P1 to P4."))
    category = fields.String(validate=validate.Length(max=40))
    organization = fields.String(validate=validate.Length(max=120))
    # Creation dates, both included, as days in UTC.
    created_from = fields.Date(error_messages={"invalid": N_("Not a valid date.")})
    created_to = fields.Date(error_messages={"invalid": N_("Not a valid date.")})

    @validates_schema
    def _dates_in_order(self, data: dict, **kwargs) -> None:
        start, end = data.get("created_from"), data.get("created_to")
        if start and end and start > end:
            raise ValidationError(
                N_("The end date is before the start date."), "created_to"
            )


# --- output ----------------------------------------------------------------


class TicketOut(Schema):
    id = fields.Integer()
    number = fields.String()
    subject = fields.String()
    description = fields.String()
    status = fields.Enum(TicketStatus, by_value=True)
    priority = fields.Enum(Priority, by_value=True)
    category = fields.Function(lambda t: t.category.code, metadata={"type": "string"})
    channel = fields.Enum(Channel, by_value=True)
    line = fields.Integer()
    requester = fields.Nested(UserBriefOut)
    assignee = fields.Nested(UserBriefOut, allow_none=True)
    created_at = UTCDateTime()
    updated_at = UTCDateTime()
    resolved_at = UTCDateTime(allow_none=True)
    closed_at = UTCDateTime(allow_none=True)
    due_at = UTCDateTime(allow_none=True)
    tags = fields.List(fields.String())
    # The closed ticket this one continues (a follow-up), by number.
    follow_up_of = fields.Function(
        lambda t: (
            format_ticket_number(t.follow_up_of_id) if t.follow_up_of_id else None
        ),
        metadata={"type": "string", "nullable": True, "example": "HD-000123"},
    )


class CommentOut(Schema):
    id = fields.Integer()
    body = fields.String()
    internal = fields.Boolean()
    author = fields.Nested(UserBriefOut)
    created_at = UTCDateTime()


class EventOut(Schema):
    id = fields.Integer()
    kind = fields.String()
    actor = fields.Nested(UserBriefOut, allow_none=True)
    data = fields.Dict()
    internal = fields.Boolean()
    created_at = UTCDateTime()


class UndoOut(Schema):
    """What ``POST /api/v1/undo/{id}`` did."""

    id = fields.Integer()
    kind = fields.Enum(UndoKind, by_value=True)
    undone_at = UTCDateTime()
    undone_by = fields.Nested(UserBriefOut)
    tickets = fields.List(
        fields.Nested(TicketOut), metadata={"description": "The tickets put back"}
    )
    draft = fields.String(
        allow_none=True,
        metadata={"description": "An undone reply's text (never sent), else null"},
    )


class ViewerIn(Schema):
    activity = fields.String(
        load_default="viewing",
        validate=validate.OneOf(
            ("viewing", "replying"), error=N_("Either viewing or replying.")
        ),
    )


class ViewerOut(Schema):
    """Someone else who has the ticket's page open."""

    user = fields.Nested(UserBriefOut)
    activity = fields.String(metadata={"enum": ["viewing", "replying"]})
    seen_at = UTCDateTime()


class CategoryOut(Schema):
    id = fields.Integer()
    code = fields.String()
    name_en = fields.String()
    name_ru = fields.String()
    default_line = fields.Integer(metadata={"description": "new tickets start here"})
    active = fields.Boolean()


class BulkSkipOut(Schema):
    ticket = fields.String(metadata={"description": "its number, or #id if unseen"})
    reason = fields.String()


class BulkOutcomeOut(Schema):
    """What a bulk action did: the tickets it changed, those it skipped and why."""

    changed = fields.List(fields.String(), metadata={"description": "numbers"})
    skipped = fields.List(fields.Nested(BulkSkipOut))
    undo = fields.String(
        metadata={"description": "POST here to undo it while the window lasts"}
    )
