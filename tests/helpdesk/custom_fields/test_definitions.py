"""An administrator defines a category's fields: on the category's page and
through the API; key and kind fixed, one kind per key, never deleted."""

from __future__ import annotations

import sqlalchemy as sa

from helpdesk.audit.models import AuditEntry
from helpdesk.custom_fields.models import CustomField, FieldKind
from helpdesk.extensions import db
from helpdesk.vocabulary import Role
from tests.builders import make_category, make_user
from tests.helpdesk.custom_fields.builders import make_field
from tests.security.support import error_of


def _fields(app) -> list[CustomField]:
    with app.app_context():
        found = db.session.scalars(sa.select(CustomField).order_by(CustomField.id))
        rows = list(found)
        db.session.expunge_all()
    return rows


def test_an_admin_adds_edits_and_deactivates_a_field_on_the_category_page(
    app, client, given, login
):
    category = given(make_category, "hardware")
    login(given(make_user, role=Role.ADMIN))

    empty = client.get(f"/admin/categories/{category.id}").get_data(as_text=True)
    added = client.post(
        f"/admin/categories/{category.id}/fields/new",
        data={
            "key": "device",
            "kind": "choice",
            "label_en": "Device",
            "label_ru": "Устройство",
            "choices": "printer, Printer, Принтер\nlaptop, Laptop, Ноутбук",
            "required": "true",
            "active": "true",
        },
    )
    field = _fields(app)[0]
    listed = client.get(f"/admin/categories/{category.id}").get_data(as_text=True)
    edit_page = client.get(f"/admin/fields/{field.id}").get_data(as_text=True)
    edited = client.post(
        f"/admin/fields/{field.id}",
        data={
            "label_en": "Device type",
            "label_ru": "Тип устройства",
            "choices": "printer, Printer, Принтер",
        },
    )

    assert "No fields yet." in empty
    assert added.status_code == 302
    assert "<code>device</code>" in listed and "Single choice" in listed
    assert "printer, Printer, Принтер\nlaptop, Laptop, Ноутбук" in edit_page
    assert edited.status_code == 302
    after = _fields(app)[0]
    assert (after.label_en, after.required, after.active) == (
        "Device type",
        False,
        False,  # neither box ticked: no longer required, deactivated
    )
    assert [c["value"] for c in after.choices] == ["printer"]
    with app.app_context():
        actions = set(db.session.scalars(sa.select(AuditEntry.action)))
    assert {"custom_field.created", "custom_field.updated"} <= actions


def test_the_field_form_names_each_bad_part(app, client, given, login):
    category = given(make_category, "hardware")
    login(given(make_user, role=Role.ADMIN))

    response = client.post(
        f"/admin/categories/{category.id}/fields/new",
        data={
            "key": "Device Type",
            "kind": "choice",
            "label_en": "Device",
            "label_ru": "",
            "choices": "printer, Printer",
        },
    )
    page = response.get_data(as_text=True)

    assert response.status_code == 422
    assert "Use 1 to 40 small Latin letters, digits or _" in page
    assert "Enter the Russian label (1 to 80 characters)." in page
    assert "Choice 1: give both labels, 1 to 80 characters each." in page
    assert _fields(app) == []


def test_fields_through_the_api(app, client, given, bearer):
    category = given(make_category, "hardware")
    admin = bearer(given(make_user, role=Role.ADMIN))
    agent = bearer(given(make_user, role=Role.LINE1))
    base = f"/api/v1/categories/{category.id}/fields"

    created = client.post(
        base,
        json={
            "key": "users",
            "kind": "number",
            "label_en": "Users",
            "label_ru": "Люди",
        },
        headers=admin,
    )
    taken = client.post(
        base,
        json={"key": "users", "kind": "number", "label_en": "U", "label_ru": "U"},
        headers=admin,
    )
    by_agent = client.post(
        base,
        json={"key": "x", "kind": "text", "label_en": "X", "label_ru": "X"},
        headers=agent,
    )
    choices_on_text = client.post(
        base,
        json={
            "key": "tag",
            "kind": "text",
            "label_en": "Tag",
            "label_ru": "Тег",
            "choices": [{"value": "a", "label_en": "A", "label_ru": "А"}],
        },
        headers=admin,
    )
    field_id = created.json["id"]
    patched = client.patch(
        f"/api/v1/fields/{field_id}",
        json={"required": True, "active": False},
        headers=admin,
    )
    listed = client.get(base, headers=agent)
    listed_all = client.get(f"{base}?include_inactive=true", headers=agent)

    assert created.status_code == 201, created.json
    assert created.json | {"id": 0} == {
        "id": 0,
        "category": "hardware",
        "key": "users",
        "name": "field:users",
        "label_en": "Users",
        "label_ru": "Люди",
        "kind": "number",
        "required": False,
        "choices": [],
        "position": 1,
        "active": True,
    }
    assert taken.status_code == 409 and "key" in error_of(taken)["fields"]
    assert by_agent.status_code == 403
    assert choices_on_text.status_code == 422
    assert patched.json["required"] is True and patched.json["active"] is False
    assert patched.json["label_en"] == "Users"  # untouched by the patch
    assert listed.json["items"] == []
    assert [f["key"] for f in listed_all.json["items"]] == ["users"]


def test_a_key_has_one_kind_in_every_category(app, client, given, bearer):
    given(make_field, "severity", FieldKind.CHOICE)
    other = given(make_category, "hardware")
    admin = bearer(given(make_user, role=Role.ADMIN))

    response = client.post(
        f"/api/v1/categories/{other.id}/fields",
        json={"key": "severity", "kind": "number", "label_en": "S", "label_ru": "S"},
        headers=admin,
    )

    assert response.status_code == 422
    assert "one kind everywhere" in error_of(response)["fields"]["kind"][0]


def test_an_inactive_field_is_off_the_forms_but_keeps_its_value(
    app, client, given, bearer
):
    field = given(make_field, "asset_tag", required=True)
    headers = bearer(given(make_user, role=Role.CUSTOMER))
    body = {"subject": "S", "description": "D", "category": "access"}
    ticket = client.post(
        "/api/v1/tickets",
        json=body | {"fields": {"asset_tag": "INV-1"}},
        headers=headers,
    ).json
    with app.app_context():
        db.session.get(CustomField, field.id).active = False
        db.session.commit()

    without = client.post("/api/v1/tickets", json=body, headers=headers)
    again = client.get(f"/api/v1/tickets/{ticket['id']}", headers=headers)

    assert without.status_code == 201 and without.json["fields"] == {}
    assert again.json["fields"] == {"asset_tag": "INV-1"}
