"""What every package's schemas build on: marshmallow's messages for the
catalogue, trimmed text fields, ids, UTC instants, the ``?cursor=&limit=`` of
every list and the error body."""

from __future__ import annotations

import functools
from datetime import UTC, datetime

from marshmallow import Schema, fields, validate
from marshmallow.validate import Range

from helpdesk.db import MAX_ID
from helpdesk.i18n import N_

# Marshmallow's own messages, listed so the catalogue carries them.
MARSHMALLOW_MESSAGES = (
    N_("Missing data for required field."),
    N_("Field may not be null."),
    N_("Unknown field."),
    N_("Not a valid string."),
    N_("Not a valid integer."),
    N_("Not a valid boolean."),
    N_("Invalid input type."),
    N_("Not a valid email address."),
    N_("Not a valid list."),
    N_("Invalid value."),
)

REQUIRED_TEXT = N_("This field is required.")


@functools.cache
def shared(schema_class: type[Schema], *, many: bool = False) -> Schema:
    """One instance per process of a schema used without per-call options,
    for the hot paths (the intake): an instance deep-copies every declared
    field when made, and ``load``/``dump`` keep nothing on it."""
    return schema_class(many=many)


def text(
    max_length: int, *, required: bool = True, message: str, **kwargs
) -> fields.String:
    """A trimmed-length-checked string; blank counts as missing when required."""
    minimum = 1 if required else 0
    return fields.String(
        required=required,
        validate=validate.Length(min=minimum, max=max_length, error=message),
        error_messages={"required": REQUIRED_TEXT},
        **kwargs,
    )


NOT_AN_ID = N_("Not a valid id.")


class Id(fields.Integer):
    """An id sent by a client: a whole number from 1 to MAX_ID (2**31 - 1), the most
    the database holds; anything larger is a 422 naming the field rather than
    an OverflowError. ``error`` replaces the range message."""

    def __init__(self, *, error: str = NOT_AN_ID, validate=None, **kwargs) -> None:
        extra = [validate] if callable(validate) else list(validate or ())
        bounds = Range(min=1, max=MAX_ID, error=error)
        super().__init__(validate=[bounds, *extra], **kwargs)


def version_field() -> fields.Integer:
    """The ticket version a form or client read (``If-Match`` says the
    same); when given and no longer current the change is refused (409)."""
    return fields.Integer(
        load_default=None,
        allow_none=True,
        strict=False,
        validate=Range(min=0, max=MAX_ID, error=N_("Not a valid version.")),
        metadata={
            "description": "The ticket's version you read (its ETag); when "
            "the ticket changed since, the change is refused with 409"
        },
    )


def in_id_range(number: int) -> bool:
    return 1 <= number <= MAX_ID


class UTCDateTime(fields.DateTime):
    """ISO 8601 in UTC with a ``Z``: ``2026-11-24T09:00:00Z``."""

    def _serialize(self, value: datetime | None, attr, obj, **kwargs) -> str | None:
        if value is None:
            return None
        return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


class StrippedSchema(Schema):
    """Rejects whitespace-only required text, so '   ' is not a subject."""

    def load(self, data, *args, **kwargs):  # type: ignore[override]
        if hasattr(data, "items"):
            data = {
                k: (v.strip() if isinstance(v, str) else v) for k, v in data.items()
            }
        return super().load(data, *args, **kwargs)


class PageQuery(Schema):
    """``?cursor=&limit=`` of every list."""

    cursor = fields.String(load_default=None)
    limit = fields.Integer(
        load_default=25,
        validate=validate.Range(min=1, max=100, error=N_("The limit is 1 to 100.")),
    )


class ErrorBody(Schema):
    code = fields.String()
    message = fields.String()
    fields = fields.Dict(keys=fields.String(), values=fields.List(fields.String()))


class ErrorOut(Schema):
    error = fields.Nested(ErrorBody)
