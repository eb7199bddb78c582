"""Custom fields in the HTML forms: input names, the values a form sent, the
admin's field form in the API's shape.

Without script the request form shows every category's fields, so an
input is named for its category and key (``cf.<category code>.<key>``);
only the chosen category's are read. A checkbox that is not ticked sends
nothing: it reads as false.
"""

from __future__ import annotations

from collections.abc import Mapping

from helpdesk import reference
from helpdesk.custom_fields.definitions import book
from helpdesk.custom_fields.models import FieldKind


def input_name(category_code: str, key: str) -> str:
    return f"cf.{category_code}.{key}"


def input_id(category_code: str, key: str) -> str:
    """An HTML id (keys have no "-", so the last part is always the key)."""
    return f"cf-{category_code}-{key}"


def submitted_values(form: Mapping[str, str], category_code: str) -> dict[str, str]:
    """The chosen category's fields as the form sent them, by key (every
    active field: a blank one is ``""``, an unticked box ``"false"``)."""
    category = reference.category_by_code(category_code or "")
    if category is None:
        return {}
    values = {}
    for spec in book().of_category(category.id):
        name = input_name(category.code, spec.key)
        if spec.kind == FieldKind.CHECKBOX:
            values[spec.key] = "true" if form.get(name) else "false"
        else:
            values[spec.key] = form.get(name, "")
    return values


def field_form_input(form: Mapping[str, str], *, creating: bool) -> dict:
    """The admin's field form in the API's shape (choices: one per line)."""
    data: dict = {
        "label_en": form.get("label_en", ""),
        "label_ru": form.get("label_ru", ""),
        "required": bool(form.get("required")),
        "active": bool(form.get("active")),
        "choices": [
            [part.strip() for part in line.split(",", 2)]
            for line in form.get("choices", "").splitlines()
            if line.strip()
        ],
    }
    if form.get("position", "").strip():
        data["position"] = form["position"].strip()
    if creating:
        data["key"] = form.get("key", "")
        data["kind"] = form.get("kind", "")
    return data


def choices_text(choices: list[dict]) -> str:
    return "\n".join(
        f"{c['value']}, {c['label_en']}, {c['label_ru']}" for c in choices or []
    )
