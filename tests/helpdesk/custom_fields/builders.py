"""Custom field builders (need an app context)."""

from __future__ import annotations

from helpdesk.custom_fields.models import CustomField, FieldKind
from helpdesk.extensions import db
from tests.builders import make_category

SEVERITIES = [
    {"value": "low", "label_en": "Low", "label_ru": "Низкая"},
    {"value": "high", "label_en": "High", "label_ru": "Высокая"},
]


def make_field(
    key: str,
    kind: FieldKind = FieldKind.TEXT,
    *,
    category: str = "access",
    required: bool = False,
    choices: list | None = None,
    position: int = 1,
    active: bool = True,
    label_en: str | None = None,
    label_ru: str | None = None,
) -> CustomField:
    field = CustomField(
        category_id=make_category(category).id,
        key=key,
        kind=kind,
        label_en=label_en or key.replace("_", " ").capitalize(),
        label_ru=label_ru or f"{key} (ru)",
        required=required,
        choices=choices
        if choices is not None
        else (SEVERITIES if kind == FieldKind.CHOICE else []),
        position=position,
        active=active,
    )
    db.session.add(field)
    db.session.flush()
    return field
