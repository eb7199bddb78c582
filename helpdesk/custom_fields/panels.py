"""Helpers the custom fields' panels call from inside the core's pages (a
panel gets the page's context - ``ticket``, ``categories``, ``form`` - but
not our data)."""

from __future__ import annotations

from flask_babel import get_locale
from flask_babel import gettext as _

from helpdesk.custom_fields import forms, service, values
from helpdesk.custom_fields.definitions import FieldSpec, book
from helpdesk.custom_fields.models import CustomField, FieldKind
from helpdesk.models import Category, Ticket


def fields_by_category(categories: list[Category]) -> list[tuple[Category, tuple]]:
    """The active fields of each of these categories that has any (no query
    once cached), for the request form and the phone console."""
    found = book()
    return [(c, found.of_category(c.id)) for c in categories if found.of_category(c.id)]


def ticket_field_values(ticket: Ticket) -> list[tuple[FieldSpec, values.Value]]:
    """The ticket's fields with their values (one query)."""
    stored = values.stored_values([ticket])[ticket.id]
    return values.ticket_fields(ticket, stored)


def category_field_rows(category: Category) -> list[CustomField]:
    return service.category_fields(category)


def field_display(spec: FieldSpec, value: values.Value) -> str:
    return values.display(spec, value, str(get_locale()))


def form_value(spec: FieldSpec, value: values.Value) -> str:
    """A stored value as an input's ``value``."""
    if value is None:
        return ""
    if spec.kind == FieldKind.CHECKBOX:
        return "true" if value else ""
    return values.display(spec, value, "en") if spec.kind != FieldKind.CHOICE else value


def kind_label(kind: FieldKind | str) -> str:
    return {
        FieldKind.TEXT: _("Text"),
        FieldKind.NUMBER: _("Number"),
        FieldKind.DATE: _("Date"),
        FieldKind.CHOICE: _("Single choice"),
        FieldKind.CHECKBOX: _("Checkbox"),
    }[FieldKind(kind)]


TEMPLATE_GLOBALS = {
    "custom_field_kind_label": kind_label,
    "custom_fields_by_category": fields_by_category,
    "custom_field_values": ticket_field_values,
    "custom_field_rows": category_field_rows,
    "custom_field_display": field_display,
    "custom_field_form_value": form_value,
    "custom_field_input_name": forms.input_name,
    "custom_field_input_id": forms.input_id,
    "custom_field_kinds": list(FieldKind),
}
