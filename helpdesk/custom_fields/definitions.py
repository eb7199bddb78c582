"""Every category's field definitions, from the per-process cache
(``helpdesk.refcache``): the intake, the forms and the rule engine read them
without a query once cached. Plain frozen records, not ORM rows, so nothing
cached is ever attached to a session."""

from __future__ import annotations

from dataclasses import dataclass, field

import sqlalchemy as sa
from sqlalchemy.orm import Session

from helpdesk import refcache
from helpdesk.custom_fields.models import CustomField, FieldKind


@dataclass(frozen=True)
class Choice:
    value: str
    label_en: str
    label_ru: str

    def label(self, locale: str) -> str:
        return self.label_ru if locale == "ru" else self.label_en


@dataclass(frozen=True)
class FieldSpec:
    id: int
    category_id: int
    key: str
    label_en: str
    label_ru: str
    kind: FieldKind
    required: bool
    choices: tuple[Choice, ...]
    position: int
    active: bool

    def label(self, locale: str) -> str:
        return self.label_ru if locale == "ru" else self.label_en

    def choice(self, value: str | None) -> Choice | None:
        return next((c for c in self.choices if c.value == value), None)

    @property
    def name(self) -> str:
        """The field's prefix in rule and policy conditions: ``field:<key>``."""
        return f"{CONDITION_PREFIX}{self.key}"


CONDITION_PREFIX = "field:"


@dataclass(frozen=True)
class FieldBook:
    """Every definition by id, each category's in form order (active and
    not), and the kind of every key."""

    by_id: dict[int, FieldSpec] = field(default_factory=dict)
    by_category: dict[int, tuple[FieldSpec, ...]] = field(default_factory=dict)
    kinds: dict[str, FieldKind] = field(default_factory=dict)

    def of_category(
        self, category_id: int, *, active_only: bool = True
    ) -> tuple[FieldSpec, ...]:
        fields = self.by_category.get(category_id, ())
        return tuple(f for f in fields if f.active) if active_only else fields

    def choices_of_key(self, key: str) -> frozenset[str]:
        """Every choice value a field with this key offers, in any category."""
        return frozenset(
            c.value
            for spec in self.by_id.values()
            if spec.key == key
            for c in spec.choices
        )


def spec_of(row: CustomField) -> FieldSpec:
    return FieldSpec(
        id=row.id,
        category_id=row.category_id,
        key=row.key,
        label_en=row.label_en,
        label_ru=row.label_ru,
        kind=FieldKind(row.kind),
        required=row.required,
        choices=tuple(
            Choice(c["value"], c["label_en"], c["label_ru"]) for c in row.choices or []
        ),
        position=row.position,
        active=row.active,
    )


def _load(session: Session) -> FieldBook:
    specs = [
        spec_of(row)
        for row in session.scalars(
            sa.select(CustomField).order_by(
                CustomField.category_id, CustomField.position, CustomField.id
            )
        )
    ]
    by_category: dict[int, list[FieldSpec]] = {}
    for spec in specs:
        by_category.setdefault(spec.category_id, []).append(spec)
    return FieldBook(
        by_id={s.id: s for s in specs},
        by_category={k: tuple(v) for k, v in by_category.items()},
        kinds={s.key: s.kind for s in specs},
    )


def book() -> FieldBook:
    """The definitions as this transaction sees them (no query once cached)."""
    return refcache.cached("custom_fields", _load)


def watch() -> None:
    refcache.watch(CustomField)
