"""Custom fields at the HTTP edge: a field's definition in and out (the
admin's form and the API), and the ``fields`` object of a ticket's body.

The ``fields`` object is checked here by shape only (keys, scalar values);
what a value means for its field - and which fields a category has - is the
service's check, which names each problem ``fields.<key>``.
"""

from __future__ import annotations

import re

from flask_babel import lazy_gettext as _l
from marshmallow import Schema, ValidationError, fields, validate

from helpdesk.custom_fields.models import FieldKind
from helpdesk.i18n import N_
from helpdesk.schemas.common import StrippedSchema, text

KEY = validate.Regexp(
    r"^[a-z][a-z0-9_]{0,39}$",
    error=N_("Use 1 to 40 small Latin letters, digits or _, starting with a letter."),
)
MAX_FIELDS = 50
MAX_CHOICES = 50


class FieldValuesIn(fields.Field):
    """``{"asset_tag": "INV-1", "severity": "high", "users": 3,
    "since": "2026-11-20", "backup_done": true}``: custom field values by
    key; null clears one (in a change)."""

    openapi = {
        "type": "object",
        "description": (
            "Custom field values by key (see GET /v1/categories/{id}/fields): "
            "text, a choice's value, a number, a date as YYYY-MM-DD, or a "
            "boolean for a checkbox; null clears one. A missing required "
            "field or a bad value is a 422 naming `fields.<key>`."
        ),
        "additionalProperties": {
            "oneOf": [
                {"type": "string", "maxLength": 1000},
                {"type": "number"},
                {"type": "boolean"},
            ],
            "nullable": True,
        },
        "maxProperties": MAX_FIELDS,
        "example": {"asset_tag": "INV-0042", "severity": "high"},
    }

    def _deserialize(self, value, attr, data, **kwargs) -> dict:
        if not isinstance(value, dict):
            raise ValidationError(N_("Give the fields as an object of key: value."))
        if len(value) > MAX_FIELDS:
            raise ValidationError(N_("Too many fields."))
        for key, item in value.items():
            if not isinstance(key, str) or len(key) > 40:
                raise ValidationError(N_("Give the fields as an object of key: value."))
            if isinstance(item, dict | list):
                raise ValidationError(
                    N_("A field's value is text, a number, true or false, or null.")
                )
        return dict(value)


_CHOICE_VALUE = re.compile(r"^[a-z0-9][a-z0-9_-]{0,39}$")


class ChoicesField(fields.Field):
    """A single-choice field's choices → ``[{"value": "high", "label_en":
    "High", "label_ru": "Высокая"}, ...]``: a list of such objects (the API)
    or, with ``rows=True``, text with one "value, English label, Russian
    label" per line (the admin's form). Messages name the row."""

    openapi = {
        "type": "array",
        "maxItems": MAX_CHOICES,
        "items": {
            "type": "object",
            "properties": {
                "value": {"type": "string", "pattern": _CHOICE_VALUE.pattern},
                "label_en": {"type": "string", "maxLength": 80},
                "label_ru": {"type": "string", "maxLength": 80},
            },
            "required": ["value", "label_en", "label_ru"],
            "additionalProperties": False,
        },
    }

    def __init__(self, *, rows: bool = False, **kwargs) -> None:
        super().__init__(**kwargs)
        self.rows = rows

    def _deserialize(self, value, attr, data, **kwargs) -> list[dict[str, str]]:
        items = _text_rows(value) if self.rows else value
        if not isinstance(items, list):
            raise ValidationError(N_("Not a valid list."))
        if len(items) > MAX_CHOICES:
            raise ValidationError(N_("At most 50 choices."))
        errors, choices, seen = [], [], set()
        for number, item in enumerate(items, start=1):
            choice = _choice(item)
            if isinstance(choice, str):
                errors.append(
                    _l("Choice %(row)s: %(problem)s", row=number, problem=_l(choice))
                )
            elif choice["value"] in seen:
                errors.append(
                    _l(
                        "Choice %(row)s: %(problem)s",
                        row=number,
                        problem=_l("this value is listed already."),
                    )
                )
            else:
                seen.add(choice["value"])
                choices.append(choice)
        if errors:
            raise ValidationError(errors)
        return choices

    def _serialize(self, value, attr, obj, **kwargs):
        return [dict(c) for c in value or []]


def _text_rows(value: object) -> list[list[str]] | None:
    if not isinstance(value, str):
        return None
    return [
        [part.strip() for part in line.split(",", 2)]
        for line in value.splitlines()
        if line.strip()
    ]


def _choice(item: object) -> dict[str, str] | str:
    """One choice, or what is wrong with it."""
    if isinstance(item, list):
        item = dict(zip(("value", "label_en", "label_ru"), item, strict=False))
    if not isinstance(item, dict) or set(item) - {"value", "label_en", "label_ru"}:
        return N_("write a value, an English label and a Russian label.")
    value = item.get("value")
    if not isinstance(value, str) or not _CHOICE_VALUE.match(value.strip()):
        return N_("the value is 1 to 40 small Latin letters, digits, - or _.")
    labels = [item.get("label_en"), item.get("label_ru")]
    if not all(isinstance(x, str) and 0 < len(x.strip()) <= 80 for x in labels):
        return N_("give both labels, 1 to 80 characters each.")
    return {
        "value": value.strip(),
        "label_en": labels[0].strip(),
        "label_ru": labels[1].strip(),
    }


class FieldPatchIn(StrippedSchema):
    """Everything but the key and the kind, which rules and values rely on."""

    label_en = text(80, message=N_("Enter the English label (1 to 80 characters)."))
    label_ru = text(80, message=N_("Enter the Russian label (1 to 80 characters)."))
    required = fields.Boolean(load_default=False)
    choices = ChoicesField()
    position = fields.Integer(
        strict=False,
        validate=validate.Range(
            min=1, max=1000, error=N_("The position is 1 to 1000.")
        ),
    )
    active = fields.Boolean(load_default=True)


class FieldIn(FieldPatchIn):
    key = fields.String(
        required=True,
        validate=KEY,
        error_messages={"required": N_("Give the field a key.")},
    )
    kind = fields.Enum(
        FieldKind,
        by_value=True,
        required=True,
        error_messages={
            "unknown": N_("Choose text, number, date, choice or checkbox."),
            "required": N_("Choose text, number, date, choice or checkbox."),
        },
    )


class FieldOut(Schema):
    id = fields.Integer()
    category = fields.Function(lambda f: f.category.code, metadata={"type": "string"})
    key = fields.String()
    name = fields.Function(
        lambda f: f"field:{f.key}",
        metadata={"type": "string", "description": "in rule and policy conditions"},
    )
    label_en = fields.String()
    label_ru = fields.String()
    kind = fields.Enum(FieldKind, by_value=True)
    required = fields.Boolean()
    choices = ChoicesField()
    position = fields.Integer()
    active = fields.Boolean()
