"""Custom field use cases: administrators define a category's fields; a
ticket's values are checked and stored when it is opened (web form, phone,
API) and changed by its agents (the ticket page, the API).

Checks come before any write, and every problem is named by ``fields.<key>``
with a message that names the field, so a refused ticket stores nothing.
Mail-in, follow-ups and imports open tickets without values (``None``): no
form asked for them, so nothing is required of them.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from helpdesk import events
from helpdesk.custom_fields import values
from helpdesk.custom_fields.definitions import FieldSpec, book, spec_of
from helpdesk.custom_fields.models import CustomField, FieldKind, TicketFieldValue
from helpdesk.errors import Conflict, InvalidInput, NotFound
from helpdesk.extensions import db
from helpdesk.models import Category, Ticket, User
from helpdesk.service.accounts import require_admin
from helpdesk.service.timeline import record_event

CHANGED = "custom_fields_changed"


# --- definitions (administrators) ---------------------------------------------------


def category_fields(category: Category) -> list[CustomField]:
    """A category's fields in form order, the inactive ones too (the admin's list)."""
    return list(
        db.session.scalars(
            sa.select(CustomField)
            .where(CustomField.category_id == category.id)
            .order_by(CustomField.position, CustomField.id)
        )
    )


def get_field(field_id: int) -> CustomField:
    field = db.session.get(CustomField, field_id)
    if field is None:
        raise NotFound(_l("Field not found."))
    return field


def create_field(category: Category, data: dict, *, actor: User) -> CustomField:
    """A new field of ``category``; its key and kind never change."""
    require_admin(actor)
    _check_key(category, data["key"], data["kind"])
    _check_choices(data["kind"], data.get("choices") or [])
    last = db.session.scalar(
        sa.select(sa.func.max(CustomField.position)).where(
            CustomField.category_id == category.id
        )
    )
    field = CustomField(
        category_id=category.id,
        key=data["key"],
        kind=data["kind"],
        position=data.get("position") or (last or 0) + 1,
        active=data.get("active", True),
        required=False,
        choices=[],
    )
    _apply(field, data)
    db.session.add(field)
    db.session.flush()
    return field


def update_field(field: CustomField, data: dict, *, actor: User) -> CustomField:
    """Relabel, require or not, change the choices, move, (de)activate."""
    require_admin(actor)
    if "choices" in data:
        _check_choices(field.kind, data["choices"])
    _apply(field, data)
    db.session.flush()
    return field


def _apply(field: CustomField, data: dict) -> None:
    for name in ("label_en", "label_ru", "required", "position", "active"):
        if data.get(name) is not None:
            setattr(field, name, data[name])
    if "choices" in data:
        field.choices = [dict(c) for c in data["choices"]]


def _check_key(category: Category, key: str, kind: FieldKind) -> None:
    rows = db.session.execute(
        sa.select(CustomField.category_id, CustomField.kind).where(
            CustomField.key == key
        )
    ).all()
    if any(category_id == category.id for category_id, _kind in rows):
        message = _l("This category has a field with this key already.")
        raise Conflict(message, fields={"key": [message]})
    other = next((k for _c, k in rows if k != kind), None)
    if other is not None:
        message = _l(
            "Another category has a “%(kind)s” field with this key: a key has "
            "one kind everywhere (rules and policies name it).",
            kind=FieldKind(other).value,
        )
        raise InvalidInput(message, fields={"kind": [message]})


def _check_choices(kind: FieldKind, choices: list) -> None:
    if kind == FieldKind.CHOICE and not choices:
        message = _l("A single-choice field needs at least one choice.")
        raise InvalidInput(message, fields={"choices": [message]})
    if kind != FieldKind.CHOICE and choices:
        message = _l("Only a single-choice field has choices.")
        raise InvalidInput(message, fields={"choices": [message]})


# --- a ticket's values ----------------------------------------------------------------


def fill_new_ticket(ticket: Ticket, category: Category, raw: Mapping | None) -> None:
    """Check and store a new ticket's values (``raw``: key -> value as
    sent); every required field of the category must have one. ``None``
    (no form asked: mail, follow-ups) stores nothing and requires nothing.
    Adds the rows for the intake's own flush; keeps them in memory."""
    specs = book().of_category(category.id)
    if raw is None:  # known: no values, nothing to read back
        values.remember_new(ticket.id, {}, dict.fromkeys(s.key for s in specs))
        return
    typed = _parse_all(specs, raw)
    problems = {
        values.error_key(spec): [values.required_message(spec)]
        for spec in specs
        if values.missing(spec, typed.get(spec.key))
    }
    if problems:
        raise InvalidInput(_l("Some fields are not valid."), fields=problems)
    stored: dict[int, values.Value] = {}
    for spec in specs:
        value = typed.get(spec.key)
        if value is None:
            continue
        row = TicketFieldValue(ticket_id=ticket.id, field_id=spec.id)
        values.set_row(spec, row, value)
        db.session.add(row)
        stored[spec.id] = value
    values.remember_new(
        ticket.id, stored, {spec.key: typed.get(spec.key) for spec in specs}
    )


def _parse_all(specs: tuple[FieldSpec, ...], raw: Mapping) -> dict[str, Any]:
    """Every sent value parsed, or InvalidInput naming each bad one."""
    by_key = {spec.key: spec for spec in specs}
    typed: dict[str, Any] = {}
    problems: dict[str, list] = {}
    for key, value in raw.items():
        spec = by_key.get(key)
        if spec is None:
            problems[values.error_key(str(key))] = [values.unknown_message()]
            continue
        try:
            typed[key] = values.parse(spec, value)
        except values.BadValue as bad:
            problems[values.error_key(spec)] = [bad.message]
    if problems:
        raise InvalidInput(_l("Some fields are not valid."), fields=problems)
    return typed


def change_values(
    ticket: Ticket, raw: Mapping, *, actor: User | None, now: datetime
) -> list[dict]:
    """Set the fields named in ``raw`` (null clears one) on a ticket its
    agent may work on (the caller checks that); one internal event listing
    the changes, the search words refreshed. Answers the changes."""
    specs = book().of_category(ticket.category_id)
    typed = _parse_all(specs, raw)
    problems = {
        values.error_key(spec): [values.required_message(spec)]
        for spec in specs
        if spec.key in typed and values.missing(spec, typed[spec.key])
    }
    if problems:
        raise InvalidInput(_l("Some fields are not valid."), fields=problems)
    rows = {
        row.field_id: row
        for row in db.session.scalars(
            sa.select(TicketFieldValue).where(TicketFieldValue.ticket_id == ticket.id)
        )
    }
    changes = []
    for spec in specs:
        if spec.key not in typed:
            continue
        row = rows.get(spec.id)
        old = values.row_value(spec, row) if row is not None else None
        new = typed[spec.key]
        if old == new:
            continue
        _store(ticket, spec, row, new)
        changes.append(_change(spec, old, new))
    if changes:
        _announce(ticket, changes, actor=actor, now=now)
    return changes


def _store(
    ticket: Ticket, spec: FieldSpec, row: TicketFieldValue | None, value: Any
) -> None:
    if value is None:
        if row is not None:
            db.session.delete(row)
        return
    if row is None:
        row = TicketFieldValue(ticket_id=ticket.id, field_id=spec.id)
        db.session.add(row)
    values.set_row(spec, row, value)


def _change(spec: FieldSpec, old: Any, new: Any) -> dict:
    return {
        "key": spec.key,
        "field_id": spec.id,
        "label_en": spec.label_en,
        "label_ru": spec.label_ru,
        "old": values.to_json(old),
        "new": values.to_json(new),
    }


def _announce(
    ticket: Ticket, changes: list[dict], *, actor: User | None, now: datetime
) -> None:
    from helpdesk.search import index as search_index

    record_event(
        ticket, CHANGED, actor=actor, now=now, data={"changes": changes}, internal=True
    )
    db.session.flush()
    search_index.reindex_ticket(ticket)
    events.ticket_fields_changed.send(
        ticket, actor=actor, now=now, keys=[c["key"] for c in changes]
    )


def restore_values(ticket: Ticket, saved: Mapping[str, Any] | None, **_kw) -> None:
    """Put a ticket's values back as an undo's snapshot had them
    (``{field_id: JSON value}``; None: it had none)."""
    specs = book().by_id
    if not specs:
        return  # no field anywhere: no values to put back
    saved = saved or {}
    rows = {
        row.field_id: row
        for row in db.session.scalars(
            sa.select(TicketFieldValue).where(TicketFieldValue.ticket_id == ticket.id)
        )
    }
    changed = False
    for field_id in set(rows) | {int(k) for k in saved}:
        spec = specs.get(field_id)
        if spec is None:
            continue
        value = values.from_json(spec, saved.get(str(field_id)))
        row = rows.get(field_id)
        current = values.row_value(spec, row) if row is not None else None
        if current != value:
            _store(ticket, spec, row, value)
            changed = True
    if changed:
        from helpdesk.search import index as search_index

        db.session.flush()
        search_index.reindex_ticket(ticket)


def snapshot_values(tickets: list[Ticket]) -> dict[int, dict[str, Any]]:
    """The undo's snapshot: each ticket's values as JSON by field id (one
    query; none while no category has fields)."""
    specs = book().by_id
    if not specs:
        return {}
    stored = values.stored_values(tickets)
    return {
        ticket_id: {
            str(field_id): values.to_json(value)
            for field_id, value in found.items()
            if field_id in specs
        }
        for ticket_id, found in stored.items()
        if found
    }


def spec_for(field: CustomField) -> FieldSpec:
    return spec_of(field)
