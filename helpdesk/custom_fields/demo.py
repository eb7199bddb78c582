"""Demo custom fields (``flask demo load``, after the demo categories):
optional ones, so every demo ticket and intake stays valid. Idempotent: a
field is looked up by its category and key."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa

from helpdesk.custom_fields.models import CustomField, FieldKind
from helpdesk.extensions import db
from helpdesk.models import Category

DEVICES = [
    {"value": "printer", "label_en": "Printer", "label_ru": "Принтер"},
    {"value": "laptop", "label_en": "Laptop", "label_ru": "Ноутбук"},
    {"value": "monitor", "label_en": "Monitor", "label_ru": "Монитор"},
    {"value": "other", "label_en": "Something else", "label_ru": "Другое"},
]

# (category code, key, English label, Russian label, kind, choices)
DEMO_FIELDS = (
    ("hardware", "device", "Device", "Устройство", FieldKind.CHOICE, DEVICES),
    ("hardware", "asset_tag", "Asset tag", "Инвентарный номер", FieldKind.TEXT, []),
    (
        "defect",
        "users_affected",
        "Users affected",
        "Затронуто пользователей",
        FieldKind.NUMBER,
        [],
    ),
    ("defect", "noticed_on", "Noticed on", "Замечено", FieldKind.DATE, []),
    (
        "defect",
        "blocks_work",
        "Work is blocked",
        "Работа остановлена",
        FieldKind.CHECKBOX,
        [],
    ),
)


def load_demo_fields(_now: datetime) -> None:
    categories = dict(db.session.execute(sa.select(Category.code, Category.id)).all())
    for position, (code, key, label_en, label_ru, kind, choices) in enumerate(
        DEMO_FIELDS, start=1
    ):
        category_id = categories.get(code)
        if category_id is None or db.session.scalar(
            sa.select(CustomField.id).where(
                CustomField.category_id == category_id, CustomField.key == key
            )
        ):
            continue
        db.session.add(
            CustomField(
                category_id=category_id,
                key=key,
                label_en=label_en,
                label_ru=label_ru,
                kind=kind,
                required=False,
                choices=choices,
                position=position,
                active=True,
            )
        )
    db.session.flush()
