"""Custom fields: a category's field definitions and each ticket's values.

A definition belongs to one category and is never deleted (values and
rules name it), only deactivated. Its ``key`` is fixed once created and has
one kind wherever it is used, so a rule or a policy condition on
``field:<key>`` means one thing across categories.

Values live in ``ticket_field_values``, one row per ticket and field, in a
typed column per kind (text and choices in ``value_text``, numbers in
``value_number``, dates in ``value_date``, checkboxes in ``value_bool``).
Typed columns - not a JSON column on tickets - so a filter on a value is an
index range scan on ``(field_id, value_...)`` at a million tickets, and a
page's values are one primary-key range read (``ticket_id IN (...)``).
"""

from __future__ import annotations

import enum
from datetime import date

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from helpdesk.db import Base, str_enum
from helpdesk.models import Category, Ticket


class FieldKind(enum.StrEnum):
    TEXT = "text"
    NUMBER = "number"
    DATE = "date"
    CHOICE = "choice"
    CHECKBOX = "checkbox"


# The column each kind's value is stored in.
VALUE_COLUMN = {
    FieldKind.TEXT: "value_text",
    FieldKind.CHOICE: "value_text",
    FieldKind.NUMBER: "value_number",
    FieldKind.DATE: "value_date",
    FieldKind.CHECKBOX: "value_bool",
}


class CustomField(Base):
    __tablename__ = "custom_fields"
    __table_args__ = (
        sa.UniqueConstraint("category_id", "key", name="uq_custom_fields_category_key"),
        # A category's form: its fields in order.
        sa.Index("ix_custom_fields_category_position", "category_id", "position"),
        # Every category's fields of one key (one kind per key, conditions).
        sa.Index("ix_custom_fields_key", "key"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    category_id: Mapped[int] = mapped_column(sa.ForeignKey("categories.id"))
    key: Mapped[str] = mapped_column(sa.String(40))
    label_en: Mapped[str] = mapped_column(sa.String(80))
    label_ru: Mapped[str] = mapped_column(sa.String(80))
    kind: Mapped[FieldKind] = mapped_column(str_enum(FieldKind, "custom_field_kind"))
    required: Mapped[bool] = mapped_column(default=False)
    # [{"value": "high", "label_en": "High", "label_ru": "Высокая"}, ...] for
    # a choice, [] otherwise: always read with the field, never queried alone.
    choices: Mapped[list] = mapped_column(sa.JSON, default=list)
    position: Mapped[int] = mapped_column(default=1)
    active: Mapped[bool] = mapped_column(default=True)

    category: Mapped[Category] = relationship()

    def label(self, locale: str) -> str:
        return self.label_ru if locale == "ru" else self.label_en


class TicketFieldValue(Base):
    __tablename__ = "ticket_field_values"
    __table_args__ = (
        # Filters: the tickets whose field has this value (or range), per
        # kind; covering (ticket_id last), so the filter never reads the table.
        sa.Index("ix_ticket_field_values_text", "field_id", "value_text", "ticket_id"),
        sa.Index(
            "ix_ticket_field_values_number", "field_id", "value_number", "ticket_id"
        ),
        sa.Index("ix_ticket_field_values_date", "field_id", "value_date", "ticket_id"),
        sa.Index("ix_ticket_field_values_bool", "field_id", "value_bool", "ticket_id"),
    )

    # The primary key starts with the ticket: a page's values in one range read.
    ticket_id: Mapped[int] = mapped_column(
        sa.ForeignKey("tickets.id"), primary_key=True
    )
    field_id: Mapped[int] = mapped_column(
        sa.ForeignKey("custom_fields.id"), primary_key=True
    )
    value_text: Mapped[str | None] = mapped_column(sa.String(1000))
    value_number: Mapped[float | None] = mapped_column(sa.Float)
    value_date: Mapped[date | None] = mapped_column(sa.Date)
    value_bool: Mapped[bool | None]

    field: Mapped[CustomField] = relationship()
    # Declared so the unit of work writes a new ticket before its values
    # (helpdesk.ticket_ids: the ticket's id is known before it is written).
    ticket: Mapped[Ticket] = relationship()
