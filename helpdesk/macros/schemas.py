"""Macros at the HTTP edge: the admins' form and API body, the agents'
apply and preview requests, and macros and previews as the API answers."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from helpdesk.i18n import N_
from helpdesk.macros.models import ASSIGN_MODES
from helpdesk.schemas.accounts import UserBriefOut
from helpdesk.schemas.common import Id, StrippedSchema, UTCDateTime, text, version_field
from helpdesk.schemas.tickets import REPLY_STATUSES, priority_field
from helpdesk.vocabulary import TicketStatus


def tag_list() -> fields.List:
    return fields.List(
        fields.String(
            validate=validate.Regexp(
                r"^\s*[\w-]{1,40}\s*$",
                error=N_("A tag is 1 to 40 letters, digits, - or _."),
            )
        ),
        load_default=list,
        validate=validate.Length(max=20, error=N_("At most 20 tags.")),
    )


class MacroIn(StrippedSchema):
    """A macro as an admin writes it; every change is optional."""

    title = text(120, message=N_("Enter a title of 1 to 120 characters."))
    body = text(
        20000,
        required=False,
        load_default="",
        message=N_("The text is too long."),
        metadata={
            "description": "Reply or note; may hold {requester_name}, "
            "{ticket_number} and {agent_name}; empty: fields only"
        },
    )
    internal = fields.Boolean(
        load_default=False,
        metadata={"description": "The text goes as an internal note"},
    )
    status = fields.Enum(
        TicketStatus,
        by_value=True,
        load_default=None,
        allow_none=True,
        validate=validate.OneOf(
            REPLY_STATUSES,
            error=N_("A macro can set the status to open, pending or resolved."),
        ),
        error_messages={"unknown": N_("Unknown status.")},
    )
    priority = priority_field(load_default=None, allow_none=True)
    line = fields.Integer(
        load_default=None,
        allow_none=True,
        strict=False,
        validate=validate.Range(min=1, max=3, error=N_("Choose line 1, 2 or 3.")),
    )
    assign = fields.String(
        load_default=None,
        allow_none=True,
        validate=validate.OneOf(ASSIGN_MODES, error=N_("Choose whom to assign.")),
        metadata={
            "description": "me: the agent applying it; nobody: unassign; "
            "agent: assignee_id; null: leave the assignee"
        },
    )
    assignee_id = Id(load_default=None, allow_none=True, strict=False)
    add_tags = tag_list()
    remove_tags = tag_list()


class MacroOut(Schema):
    id = fields.Integer()
    title = fields.String()
    body = fields.String()
    internal = fields.Boolean()
    status = fields.String(allow_none=True)
    priority = fields.String(allow_none=True)
    line = fields.Integer(allow_none=True)
    assign = fields.String(allow_none=True)
    assignee = fields.Nested(UserBriefOut, allow_none=True)
    add_tags = fields.List(fields.String())
    remove_tags = fields.List(fields.String())
    updated_at = UTCDateTime()


class MacroApplyIn(StrippedSchema):
    macro_id = Id(required=True, strict=False)
    # The text as the agent edited it in the preview; absent: the macro's.
    body = text(
        20000,
        required=False,
        load_default=None,
        allow_none=True,
        message=N_("The text is too long."),
    )
    version = version_field()


class MacroPreviewIn(StrippedSchema):
    macro_id = Id(required=True, strict=False)


class MacroAfterOut(Schema):
    """The ticket's fields once the macro is applied (changed or not)."""

    status = fields.String()
    priority = fields.String()
    line = fields.Integer()
    assignee = fields.Nested(UserBriefOut, allow_none=True)
    tags = fields.List(fields.String())


class MacroPreviewOut(Schema):
    body = fields.String(metadata={"description": "the text, placeholders filled"})
    internal = fields.Boolean()
    changes = fields.List(
        fields.String(),
        metadata={
            "description": "the fields it changes, in the order it changes "
            "them: priority, assignee, tags, status, line"
        },
    )
    after = fields.Nested(MacroAfterOut)
    problem = fields.String(
        allow_none=True,
        metadata={"description": "why it cannot be applied now; null: it can"},
    )
