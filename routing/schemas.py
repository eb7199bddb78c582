"""Marshmallow schemas at routing's HTTP edge (API and forms alike).

They check the shape; what conditions and actions *mean* is checked by
``routing.rules.validate_rule`` in the service, which names each bad part
by its path (``conditions.0.op``).
"""

from __future__ import annotations

from marshmallow import Schema, ValidationError, fields, validate

from helpdesk.db import MAX_ID
from helpdesk.i18n import N_
from helpdesk.models import parse_ticket_number
from helpdesk.schemas.common import (
    REQUIRED_TEXT,
    PageQuery,
    StrippedSchema,
    UTCDateTime,
    in_id_range,
    text,
    version_field,
)
from helpdesk.schemas.tickets import selected_tickets
from routing.models import DefectKind, DefectStatus, Severity
from routing.rules import Match, Trigger

LINE = validate.Range(min=1, max=3, error=N_("The line is 1, 2 or 3."))


def _enum(enum_class, message: str, **kwargs) -> fields.Enum:
    return fields.Enum(
        enum_class,
        by_value=True,
        error_messages={"unknown": message, "required": REQUIRED_TEXT},
        **kwargs,
    )


class TicketRef(fields.Field):
    """A ticket by number (``HD-000042``, ``42``) or id: its id."""

    openapi = {
        "oneOf": [
            {"type": "integer", "minimum": 1},
            {"type": "string", "example": "HD-000042"},
        ]
    }

    def _deserialize(self, value, attr, data, **kwargs) -> int:
        ticket_id = (
            value
            if isinstance(value, int) and not isinstance(value, bool)
            else parse_ticket_number(value)
            if isinstance(value, str)
            else None
        )
        if not ticket_id or not in_id_range(ticket_id):
            raise ValidationError(N_("Give a ticket number such as HD-000042."))
        return ticket_id


# --- rules ----------------------------------------------------------------------


class RuleIn(StrippedSchema):
    name = text(120, message=N_("Enter a name of 1 to 120 characters."))
    trigger = _enum(Trigger, N_("Unknown trigger."), required=True)
    match = _enum(Match, N_("Choose all or any."), load_default=Match.ALL)
    conditions = fields.List(fields.Dict(), load_default=list)
    actions = fields.List(fields.Dict(), required=True)
    stop = fields.Boolean(load_default=False)
    enabled = fields.Boolean(load_default=True)
    unassigned_minutes = fields.Integer(
        load_default=None,
        allow_none=True,
        validate=validate.Range(
            min=1, max=43200, error=N_("From 1 to 43200 minutes (30 days).")
        ),
    )
    position = fields.Integer(
        load_default=None,
        validate=validate.Range(
            min=1, max=MAX_ID, error=N_("The position is 1 or more.")
        ),
    )


class RulePatchIn(StrippedSchema):
    """Any subset of a rule's parts (nothing defaults); the service
    validates the whole rule again."""

    name = text(120, required=False, message=N_("Enter a name of 1 to 120 characters."))
    trigger = _enum(Trigger, N_("Unknown trigger."))
    match = _enum(Match, N_("Choose all or any."))
    conditions = fields.List(fields.Dict())
    actions = fields.List(fields.Dict())
    stop = fields.Boolean()
    enabled = fields.Boolean()
    unassigned_minutes = fields.Integer(
        allow_none=True,
        validate=validate.Range(
            min=1, max=43200, error=N_("From 1 to 43200 minutes (30 days).")
        ),
    )
    position = fields.Integer(
        validate=validate.Range(
            min=1, max=MAX_ID, error=N_("The position is 1 or more.")
        ),
    )


class RuleOut(Schema):
    id = fields.Integer()
    name = fields.String()
    position = fields.Integer()
    enabled = fields.Boolean()
    trigger = fields.Enum(Trigger, by_value=True)
    match = fields.Enum(Match, by_value=True)
    conditions = fields.List(fields.Dict())
    actions = fields.List(fields.Dict())
    stop = fields.Boolean()
    unassigned_minutes = fields.Integer(allow_none=True)
    created_at = UTCDateTime()
    updated_at = UTCDateTime()


class RuleTestIn(Schema):
    ticket = TicketRef(required=True, error_messages={"required": REQUIRED_TEXT})
    trigger = _enum(Trigger, N_("Unknown trigger."), load_default=None)
    sla_target = fields.String(
        load_default=None,
        allow_none=True,
        validate=validate.OneOf(
            ["first_response", "next_response", "resolution"],
            error=N_("Unknown SLA target."),
        ),
    )


class RuleOutcomeOut(Schema):
    rule_id = fields.Integer(data_key="id")
    name = fields.String()
    outcome = fields.String(
        metadata={"enum": ["matched", "not_matched", "not_reached"]}
    )
    matched = fields.List(fields.Dict())
    changes = fields.List(fields.Dict())


class DryRunOut(Schema):
    ticket = fields.Dict()
    trigger = fields.String()
    rules = fields.List(fields.Nested(RuleOutcomeOut))


# --- escalation and availability ---------------------------------------------------


class EscalationIn(StrippedSchema):
    line = fields.Integer(
        required=True,
        strict=False,
        validate=LINE,
        error_messages={"required": N_("Choose a line.")},
    )
    reason = text(2000, message=N_("Say why, in 1 to 2000 characters."))
    version = version_field()


class AvailabilityIn(Schema):
    available = fields.Boolean(
        required=True, error_messages={"required": REQUIRED_TEXT}
    )


class AgentOut(Schema):
    id = fields.Function(lambda a: a.user.id, metadata={"type": "integer"})
    name = fields.Function(lambda a: a.user.name, metadata={"type": "string"})
    line = fields.Function(lambda a: a.user.line, metadata={"type": "integer"})
    available = fields.Boolean()
    active_tickets = fields.Integer()


# --- defects ---------------------------------------------------------------------


class DefectIn(StrippedSchema):
    ticket = TicketRef(required=True, error_messages={"required": REQUIRED_TEXT})
    kind = _enum(DefectKind, N_("Choose defect or enhancement."), required=True)
    title = text(200, message=N_("Enter a title of 1 to 200 characters."))
    description = text(
        20000, message=N_("Enter a description of 1 to 20000 characters.")
    )
    severity = _enum(Severity, N_("Unknown severity."), required=True)


class DefectPatchIn(StrippedSchema):
    kind = _enum(DefectKind, N_("Choose defect or enhancement."))
    title = text(
        200, required=False, message=N_("Enter a title of 1 to 200 characters.")
    )
    description = text(
        20000,
        required=False,
        message=N_("Enter a description of 1 to 20000 characters."),
    )
    severity = _enum(Severity, N_("Unknown severity."))
    status = fields.Enum(
        DefectStatus,
        by_value=True,
        validate=validate.OneOf(
            [DefectStatus.OPEN, DefectStatus.IN_PROGRESS],
            error=N_("Set open or in progress; mark it fixed with its resolution."),
        ),
        error_messages={"unknown": N_("Unknown status.")},
    )


class DefectLinkIn(Schema):
    ticket = TicketRef(required=True, error_messages={"required": REQUIRED_TEXT})


class DefectFixIn(StrippedSchema):
    resolution = text(
        20000, message=N_("Say what was fixed, in 1 to 20000 characters.")
    )


class DefectReopenIn(StrippedSchema):
    reason = text(2000, message=N_("Say what still fails, in 1 to 2000 characters."))


class DefectListQuery(PageQuery):
    status = fields.Enum(
        DefectStatus, by_value=True, error_messages={"unknown": N_("Unknown status.")}
    )
    kind = fields.Enum(
        DefectKind,
        by_value=True,
        error_messages={"unknown": N_("Choose defect or enhancement.")},
    )


# Who created or did something, in the OpenAPI document.
PERSON = {
    "type": "object",
    "properties": {"id": {"type": "integer"}, "name": {"type": "string"}},
}
PERSON_OR_NONE = PERSON | {"nullable": True}


class LinkedTicketOut(Schema):
    id = fields.Function(lambda link: link.ticket.id, metadata={"type": "integer"})
    number = fields.Function(
        lambda link: link.ticket.number, metadata={"type": "string"}
    )
    subject = fields.Function(
        lambda link: link.ticket.subject, metadata={"type": "string"}
    )
    status = fields.Function(
        lambda link: link.ticket.status.value, metadata={"type": "string"}
    )
    line = fields.Function(lambda link: link.ticket.line, metadata={"type": "integer"})
    return_line = fields.Integer()
    linked_at = UTCDateTime()


class DefectOut(Schema):
    id = fields.Integer()
    number = fields.String()
    kind = fields.Enum(DefectKind, by_value=True)
    title = fields.String()
    description = fields.String()
    severity = fields.Enum(Severity, by_value=True)
    status = fields.Enum(DefectStatus, by_value=True)
    resolution = fields.String()
    created_by = fields.Function(
        lambda d: {"id": d.created_by.id, "name": d.created_by.name},
        metadata=PERSON,
    )
    created_at = UTCDateTime()
    updated_at = UTCDateTime()
    fixed_at = UTCDateTime(allow_none=True)


class DefectDetailOut(DefectOut):
    tickets = fields.List(fields.Nested(LinkedTicketOut), attribute="links")


class BulkEscalationIn(StrippedSchema):
    """The queue's bulk escalation: several tickets, one line, one reason."""

    ticket_ids = selected_tickets()
    line = fields.Integer(
        required=True,
        strict=False,
        validate=LINE,
        error_messages={"required": N_("Choose a line.")},
    )
    reason = text(2000, message=N_("Say why, in 1 to 2000 characters."))


def _person(user) -> dict | None:
    return {"id": user.id, "name": user.name} if user is not None else None


class TaskOut(Schema):
    id = fields.Integer()
    ticket_id = fields.Integer()
    title = fields.String()
    rule = fields.String(attribute="rule_name")
    line = fields.Integer(allow_none=True)
    agent = fields.Function(lambda t: _person(t.agent), metadata=PERSON_OR_NONE)
    due_at = UTCDateTime()
    created_at = UTCDateTime()
    done = fields.Function(
        lambda t: t.done_at is not None, metadata={"type": "boolean"}
    )
    done_at = UTCDateTime(allow_none=True)
    done_by = fields.Function(lambda t: _person(t.done_by), metadata=PERSON_OR_NONE)
