"""Filtering tickets by a custom field's value: ``?field=<key>:<value>`` on
the ticket list, the search and the queues. One indexed range of
``ticket_field_values`` (``field_id``, typed value, ``ticket_id``) per field
with that key, whatever the number of tickets."""

from __future__ import annotations

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from helpdesk.custom_fields import values
from helpdesk.custom_fields.definitions import book
from helpdesk.custom_fields.models import VALUE_COLUMN, TicketFieldValue
from helpdesk.errors import InvalidInput


def tickets_with(text: str) -> sa.Select:
    """The ids of the tickets whose field ``key`` has ``value`` (``key:value``;
    a choice by its value, a checkbox true/false)."""
    key, _colon, raw = text.partition(":")
    specs = [s for s in book().by_id.values() if s.key == key.strip()]
    if not specs:
        message = _l("No category has a field with the key “%(key)s”.", key=key)
        raise InvalidInput(message, fields={"field": [message]})
    try:
        value = values.parse(specs[0], raw)
    except values.BadValue as bad:
        raise InvalidInput(bad.message, fields={"field": [bad.message]}) from bad
    if value is None:
        message = _l("Give the value after the colon: key:value.")
        raise InvalidInput(message, fields={"field": [message]})
    column = getattr(TicketFieldValue, VALUE_COLUMN[specs[0].kind])
    return sa.select(TicketFieldValue.ticket_id).where(
        TicketFieldValue.field_id.in_([s.id for s in specs]),
        column == value,
    )
