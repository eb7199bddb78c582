"""Categories managed by admins, in the pages and the API."""

from __future__ import annotations

import sqlalchemy as sa

from helpdesk.audit.models import AuditEntry
from helpdesk.extensions import db
from helpdesk.models import Category
from helpdesk.vocabulary import Role
from tests.builders import make_category, make_user
from tests.security.support import error_of


def category(app, code):
    with app.app_context():
        found = db.session.scalar(sa.select(Category).where(Category.code == code))
        db.session.expunge_all()
    return found


def test_an_admin_creates_renames_and_deactivates_a_category_in_the_pages(
    app, client, given, login
):
    login(given(make_user, role=Role.ADMIN))

    created = client.post(
        "/admin/categories/new",
        data={
            "code": "vpn",
            "name_en": "VPN",
            "name_ru": "VPN-доступ",
            "default_line": "2",
            "active": "true",
        },
    )
    vpn = category(app, "vpn")
    edited = client.post(
        f"/admin/categories/{vpn.id}",
        data={
            "name_en": "Remote access",
            "name_ru": "Удалённый доступ",
            "default_line": "2",
        },
    )
    listed = client.get("/admin/categories").get_data(as_text=True)

    assert created.status_code == 302 and edited.status_code == 302
    after = category(app, "vpn")
    assert (after.name_en, after.name_ru, after.default_line) == (
        "Remote access",
        "Удалённый доступ",
        2,
    )
    assert after.active is False  # the box was not ticked
    assert "Remote access" in listed
    with app.app_context():
        actions = set(db.session.scalars(sa.select(AuditEntry.action)))
    assert {"category.created", "category.updated"} <= actions


def test_a_bad_category_form_says_what_is_wrong_and_stores_nothing(
    app, client, given, login
):
    login(given(make_user, role=Role.ADMIN))
    given(make_category, "access")

    bad = client.post(
        "/admin/categories/new",
        data={"code": "Not A Code", "name_en": "", "name_ru": "x", "default_line": "7"},
    )
    taken = client.post(
        "/admin/categories/new",
        data={"code": "access", "name_en": "A", "name_ru": "Б"},
    )

    page = bad.get_data(as_text=True)
    assert bad.status_code == 422
    assert (
        "Use 1 to 40 small Latin letters" in page and "The line is 1, 2 or 3." in page
    )
    assert taken.status_code == 409
    assert "A category with this code exists already." in taken.get_data(as_text=True)
    assert category(app, "not a code") is None


def test_a_new_ticket_starts_on_its_categorys_line(client, given, bearer):
    given(make_category, "servers", default_line=2)
    customer = given(make_user, role=Role.CUSTOMER)

    opened = client.post(
        "/api/v1/tickets",
        json={"subject": "Disk full", "description": "On db1.", "category": "servers"},
        headers=bearer(customer),
    )

    assert opened.status_code == 201, opened.json
    assert opened.json["line"] == 2


def test_categories_through_the_api_for_admins_and_the_rest(client, given, bearer):
    admin = bearer(given(make_user, role=Role.ADMIN))
    agent = bearer(given(make_user, role=Role.LINE1))

    created = client.post(
        "/api/v1/categories",
        json={"code": "mail", "name_en": "Mail", "name_ru": "Почта"},
        headers=admin,
    )
    path = f"/api/v1/categories/{created.json['id']}"
    off = client.patch(path, json={"active": False}, headers=admin)
    recode = client.patch(path, json={"code": "post"}, headers=admin)
    by_agent = client.patch(path, json={"name_en": "E-mail"}, headers=agent)
    offered = client.get("/api/v1/categories", headers=agent)
    every = client.get("/api/v1/categories?include_inactive=true", headers=agent)

    assert created.status_code == 201, created.json
    assert created.json["default_line"] == 1 and created.json["active"] is True
    assert off.status_code == 200 and off.json["active"] is False
    assert recode.status_code == 422 and "code" in error_of(recode)["fields"]
    assert by_agent.status_code == 403
    assert "mail" not in [c["code"] for c in offered.json["items"]]
    assert "mail" in [c["code"] for c in every.json["items"]]
