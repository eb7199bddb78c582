"""A ticket's custom field values: reading what a client or form sent into
typed values (with a message naming the field), storing them in their typed
column, and reading a page of tickets' values in one query.

The values of a ticket created in this transaction are also kept in memory
(``session.info``), complete, so the rules, the SLA policy choice, the search
document and the intake's answer read them without a query (and without
flushing the intake in the middle).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from datetime import date
from typing import Any

import sqlalchemy as sa
from flask_babel import LazyString, get_locale
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Session

from helpdesk.custom_fields.definitions import FieldSpec, book
from helpdesk.custom_fields.models import VALUE_COLUMN, FieldKind, TicketFieldValue
from helpdesk.extensions import db
from helpdesk.models import Ticket

MAX_TEXT = 1000
MAX_NUMBER = 1e15
_FRESH_KEY = "custom_fields.fresh"
_TRUE = frozenset({"true", "on", "1", "yes"})
_FALSE = frozenset({"false", "off", "0", "no", ""})

Value = str | float | int | bool | date | None


class BadValue(ValueError):
    """A value that does not fit its field; ``message`` names the field."""

    def __init__(self, message: LazyString) -> None:
        super().__init__(str(message))
        self.message = message


def error_key(spec_or_key: FieldSpec | str) -> str:
    """Where a field's message goes: ``fields.<key>`` (API and forms alike)."""
    key = spec_or_key if isinstance(spec_or_key, str) else spec_or_key.key
    return f"fields.{key}"


def _label(spec: FieldSpec) -> LazyString:
    """The field's label in the language the message is shown in."""
    return LazyString(lambda: spec.label(str(get_locale())))


def parse(spec: FieldSpec, raw: Any) -> Value:
    """``raw`` (JSON or form text) as the field's typed value; None for empty.
    Raises ``BadValue`` naming the field."""
    if raw is None or (isinstance(raw, str) and not raw.strip()):
        if spec.kind == FieldKind.CHECKBOX and isinstance(raw, str):
            return False  # an unticked box in a form
        return None
    return _PARSERS[spec.kind](spec, raw)


def _text(spec: FieldSpec, raw: Any) -> str:
    if not isinstance(raw, str) or len(raw.strip()) > MAX_TEXT:
        raise BadValue(
            _l(
                "“%(field)s” takes text of at most %(count)s characters.",
                field=_label(spec),
                count=MAX_TEXT,
            )
        )
    return raw.strip()


def _number(spec: FieldSpec, raw: Any) -> float | int:
    number = None
    if isinstance(raw, int | float) and not isinstance(raw, bool):
        number = float(raw)
    elif isinstance(raw, str):
        try:
            number = float(raw.strip().replace(",", "."))
        except ValueError:
            number = None
    if number is None or not math.isfinite(number) or abs(number) > MAX_NUMBER:
        raise BadValue(_l("“%(field)s” takes a number.", field=_label(spec)))
    return int(number) if number.is_integer() else number


def _date(spec: FieldSpec, raw: Any) -> date:
    try:
        if isinstance(raw, str) and len(raw.strip()) == 10:
            return date.fromisoformat(raw.strip())
    except ValueError:
        pass
    raise BadValue(_l("“%(field)s” takes a date as YYYY-MM-DD.", field=_label(spec)))


def _choice(spec: FieldSpec, raw: Any) -> str:
    if isinstance(raw, str) and spec.choice(raw.strip()) is not None:
        return raw.strip()
    raise BadValue(
        _l(
            "“%(field)s”: choose one of %(choices)s.",
            field=_label(spec),
            choices=", ".join(c.value for c in spec.choices),
        )
    )


def _checkbox(spec: FieldSpec, raw: Any) -> bool:
    if isinstance(raw, bool):
        return raw
    if isinstance(raw, str) and raw.strip().lower() in _TRUE | _FALSE:
        return raw.strip().lower() in _TRUE
    raise BadValue(
        _l("“%(field)s” is ticked or not: true or false.", field=_label(spec))
    )


_PARSERS = {
    FieldKind.TEXT: _text,
    FieldKind.NUMBER: _number,
    FieldKind.DATE: _date,
    FieldKind.CHOICE: _choice,
    FieldKind.CHECKBOX: _checkbox,
}


def missing(spec: FieldSpec, value: Value) -> bool:
    """A required field without a value (a required checkbox must be ticked)."""
    if not spec.required:
        return False
    return value is None or (spec.kind == FieldKind.CHECKBOX and value is False)


def required_message(spec: FieldSpec) -> LazyString:
    if spec.kind == FieldKind.CHECKBOX:
        return _l("Tick “%(field)s”: it is required.", field=_label(spec))
    return _l("“%(field)s” is required.", field=_label(spec))


def unknown_message() -> LazyString:
    return _l("No such field in this ticket's category.")


# --- stored rows -------------------------------------------------------------------


def row_value(spec: FieldSpec, row: TicketFieldValue) -> Value:
    value = getattr(row, VALUE_COLUMN[spec.kind])
    if spec.kind == FieldKind.NUMBER and value is not None:
        return int(value) if float(value).is_integer() else float(value)
    return value


def set_row(spec: FieldSpec, row: TicketFieldValue, value: Value) -> None:
    """Write ``value`` into its typed column (and clear the others)."""
    for column in set(VALUE_COLUMN.values()):
        setattr(row, column, None)
    setattr(row, VALUE_COLUMN[spec.kind], value)


def to_json(value: Value) -> str | float | int | bool | None:
    """The API's value: text, a choice's value, a number, ``YYYY-MM-DD``, a boolean."""
    if isinstance(value, date):
        return value.isoformat()
    return value


def from_json(spec: FieldSpec, value: Any) -> Value:
    """``to_json``'s inverse, for values this app wrote itself (an undo's snapshot)."""
    if value is not None and spec.kind == FieldKind.DATE:
        return date.fromisoformat(value)
    return value


def display(spec: FieldSpec, value: Value, locale: str) -> str:
    """A value as a page shows it (a choice by its label)."""
    if value is None:
        return ""
    if spec.kind == FieldKind.CHOICE:
        choice = spec.choice(value)
        return choice.label(locale) if choice else str(value)
    if spec.kind == FieldKind.DATE:
        return value.isoformat()
    return str(value)


# --- the values of a page of tickets -------------------------------------------------


def remember_new(
    ticket_id: int, values: dict[int, Value], by_key: dict[str, Value]
) -> None:
    """The complete values of a ticket created in this transaction, by field
    id and (as ``fields_by_key`` answers) by key: the intake's answer is
    built after its commit, when even the definitions' cache would ask the
    database for its stamp again."""
    db.session.info.setdefault(_FRESH_KEY, {})[ticket_id] = (dict(values), by_key)


def stored_values(tickets: Iterable[Ticket]) -> dict[int, dict[int, Value]]:
    """Each ticket's values by field id: new ones from memory, the others in
    one query (by the primary key's leading ``ticket_id``)."""
    fresh = db.session.info.get(_FRESH_KEY, {})
    found: dict[int, dict[int, Value]] = {}
    wanted = []
    for ticket in tickets:
        if ticket.id in fresh:
            found[ticket.id] = dict(fresh[ticket.id][0])
        else:
            found[ticket.id] = {}
            wanted.append(ticket.id)
    if wanted:
        specs = book().by_id
        rows = db.session.scalars(
            sa.select(TicketFieldValue).where(TicketFieldValue.ticket_id.in_(wanted))
        )
        for row in rows:
            spec = specs.get(row.field_id)
            if spec is not None:
                found[row.ticket_id][row.field_id] = row_value(spec, row)
    return found


def ticket_fields(
    ticket: Ticket, values: Mapping[int, Value]
) -> list[tuple[FieldSpec, Value]]:
    """The fields a ticket shows, in form order: its category's active ones
    (with or without a value) and inactive ones that hold a value."""
    return [
        (spec, values.get(spec.id))
        for spec in book().of_category(ticket.category_id, active_only=False)
        if spec.active or values.get(spec.id) is not None
    ]


def has_fields(ticket: Ticket) -> bool:
    """Whether the ticket's category has (or had) fields: if not, nothing is read."""
    return bool(book().of_category(ticket.category_id, active_only=False))


def fields_by_key(tickets: list[Ticket]) -> dict[int, dict[str, Value]]:
    """``{ticket_id: {key: typed value or None}}`` for a page, in one query
    (none for the tickets created in this transaction)."""
    fresh = db.session.info.get(_FRESH_KEY, {})
    found = {t.id: dict(fresh[t.id][1]) for t in tickets if t.id in fresh}
    others = [t for t in tickets if t.id not in fresh]
    if others:
        stored = stored_values(others)
        for t in others:
            found[t.id] = {
                spec.key: value for spec, value in ticket_fields(t, stored[t.id])
            }
    return found


def _forget(session: Session, *_args) -> None:
    session.info.pop(_FRESH_KEY, None)


def connect() -> None:
    """Forget the new tickets' values when the next transaction begins."""
    for name in ("after_begin", "after_soft_rollback"):
        if not sa.event.contains(db.session, name, _forget):
            sa.event.listen(db.session, name, _forget)


def search_texts(ticket: Ticket, found: Mapping[int, Value] | None = None) -> list[str]:
    """What the staff search finds a ticket by among its values: text fields
    as written, a choice by its value and its labels in both languages.
    ``found``: the ticket's stored values when the caller has them."""
    if not has_fields(ticket):
        return []
    if found is None:
        found = stored_values([ticket])[ticket.id]
    texts = []
    for spec, value in ticket_fields(ticket, found):
        if value is None:
            continue
        if spec.kind == FieldKind.TEXT:
            texts.append(str(value))
        elif spec.kind == FieldKind.CHOICE:
            choice = spec.choice(value)
            texts += [str(value), choice.label_en, choice.label_ru] if choice else []
    return texts


def condition_facts(ticket: Ticket) -> dict[str, Value]:
    """What routing rules see of a ticket's fields: ``field:<key>`` -> its
    value (text, a choice's value, a number, ``YYYY-MM-DD``, a boolean) or
    None, for its category's fields (from memory for a new ticket). An
    import's draft (not yet a ``Ticket``) has none."""
    if not isinstance(ticket, Ticket) or not has_fields(ticket):
        return {}
    stored = stored_values([ticket])[ticket.id]
    return {spec.name: to_json(value) for spec, value in ticket_fields(ticket, stored)}


def policy_facts(ticket: Ticket) -> dict[str, str | None]:
    """What SLA policy conditions see (lists of accepted texts): each value
    as text - a number as written without a trailing ``.0``, a date as
    ``YYYY-MM-DD``, a checkbox ``true``/``false`` - or None."""
    facts: dict[str, str | None] = {}
    for name, value in condition_facts(ticket).items():
        if isinstance(value, bool):
            facts[name] = "true" if value else "false"
        else:
            facts[name] = None if value is None else str(value)
    return facts
