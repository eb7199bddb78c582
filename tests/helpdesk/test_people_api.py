"""Profiles, notices, callers and users through the API, as the pages do them."""

from __future__ import annotations

from helpdesk.extensions import db
from helpdesk.vocabulary import Role
from tests.builders import make_user, outbox_mails
from tests.security.support import error_of


def _invitations_to(app, email):
    with app.app_context():
        mails = [m for m in outbox_mails("invitation") if m.recipient == email]
        db.session.expunge_all()
    return mails


def test_you_change_your_profile_and_bad_values_name_the_field(client, given, bearer):
    customer = given(make_user, role=Role.CUSTOMER)
    headers = bearer(customer)

    changed = client.patch(
        "/api/v1/me",
        json={"locale": "ru", "timezone": "Europe/Moscow", "phone": "8 916 000-11-22"},
        headers=headers,
    )
    bad = client.patch("/api/v1/me", json={"timezone": "Mars/Base"}, headers=headers)
    role = client.patch("/api/v1/me", json={"role": "admin"}, headers=headers)

    assert changed.status_code == 200, changed.json
    assert changed.json["locale"] == "ru"
    assert changed.json["timezone"] == "Europe/Moscow"
    assert changed.json["phone"] == "89160001122"
    assert changed.json["name"] == customer.name
    assert bad.status_code == 422 and "timezone" in error_of(bad)["fields"]
    assert role.status_code == 422 and "role" in error_of(role)["fields"]
    assert client.get("/api/v1/me", headers=headers).json["role"] == "customer"


def test_you_turn_a_notice_off_but_not_an_essential_one(client, given, bearer):
    customer = given(make_user, role=Role.CUSTOMER)
    headers = bearer(customer)

    before = client.get("/api/v1/me/notifications", headers=headers)
    after = client.put(
        "/api/v1/me/notifications", json={"notices": []}, headers=headers
    )
    unknown = client.put(
        "/api/v1/me/notifications", json={"notices": ["lottery"]}, headers=headers
    )

    assert before.status_code == 200
    assert set(before.json["enabled"]) == set(before.json["available"])
    assert set(after.json["enabled"]) == set(before.json["essential"])
    assert unknown.status_code == 422 and "notices" in error_of(unknown)["fields"]


def test_line_one_finds_and_registers_a_caller_who_is_invited(
    app, client, given, bearer
):
    agent = given(make_user, role=Role.LINE1)
    given(make_user, role=Role.CUSTOMER, name="Irina Orlova", phone="+74951234567")
    headers = bearer(agent)

    by_phone = client.get("/api/v1/users?q=8 495 123-45-67", headers=headers)
    created = client.post(
        "/api/v1/users",
        json={
            "name": "Pavel Caller",
            "email": "pavel@example.test",
            "send_invitation": True,
        },
        headers=headers,
    )
    twice = client.post(
        "/api/v1/users",
        json={"name": "Pavel Again", "email": "pavel@example.test"},
        headers=headers,
    )
    as_admin = client.post(
        "/api/v1/users",
        json={"name": "Eve", "email": "eve@example.test", "role": "admin"},
        headers=headers,
    )

    assert [u["name"] for u in by_phone.json["items"]] == ["Irina Orlova"]
    assert created.status_code == 201, created.json
    assert created.json["role"] == "customer"
    assert len(_invitations_to(app, "pavel@example.test")) == 1
    assert twice.status_code == 409 and "email" in error_of(twice)["fields"]
    # A line agent registers customers only: "role" is not theirs to send.
    assert as_admin.status_code == 422 and "role" in error_of(as_admin)["fields"]


def test_an_admin_creates_an_invited_user_and_edits_them(app, client, given, bearer):
    admin = given(make_user, role=Role.ADMIN)
    headers = bearer(admin)

    created = client.post(
        "/api/v1/users",
        json={"name": "Lena Agent", "email": "lena@example.test", "role": "line2"},
        headers=headers,
    )
    user_id = created.json["id"]
    edited = client.patch(
        f"/api/v1/users/{user_id}",
        json={"role": "line3", "active": False},
        headers=headers,
    )
    listed = client.get("/api/v1/users?q=lena", headers=headers)
    self_demote = client.patch(
        f"/api/v1/users/{admin.id}", json={"role": "line1"}, headers=headers
    )
    notices = client.put(
        f"/api/v1/users/{user_id}/notifications",
        json={"notices": []},
        headers=headers,
    )

    assert created.status_code == 201, created.json
    assert len(_invitations_to(app, "lena@example.test")) == 1
    assert edited.status_code == 200, edited.json
    assert (edited.json["role"], edited.json["active"]) == ("line3", False)
    assert edited.json["email"] == "lena@example.test"
    assert [u["id"] for u in listed.json["items"]] == [user_id]
    assert self_demote.status_code == 422
    assert notices.status_code == 200 and notices.json["enabled"] == []


def test_people_are_seen_only_where_the_role_allows(client, given, bearer):
    customer = given(make_user, role=Role.CUSTOMER)
    other = given(make_user, role=Role.CUSTOMER)
    agent = given(make_user, role=Role.LINE2)
    colleague = given(make_user, role=Role.LINE3)

    customer_list = client.get("/api/v1/users", headers=bearer(customer))
    customer_reads_other = client.get(
        f"/api/v1/users/{other.id}", headers=bearer(customer)
    )
    customer_reads_self = client.get(
        f"/api/v1/users/{customer.id}", headers=bearer(customer)
    )
    agent_reads_customer = client.get(
        f"/api/v1/users/{customer.id}", headers=bearer(agent)
    )
    agent_reads_colleague = client.get(
        f"/api/v1/users/{colleague.id}", headers=bearer(agent)
    )
    agent_edits = client.patch(
        f"/api/v1/users/{customer.id}", json={"name": "X"}, headers=bearer(agent)
    )
    customer_creates = client.post(
        "/api/v1/users",
        json={"name": "Y", "email": "y@example.test"},
        headers=bearer(customer),
    )

    assert customer_list.status_code == 403
    assert customer_reads_other.status_code == 404
    assert customer_reads_self.status_code == 200
    assert agent_reads_customer.status_code == 200
    assert agent_reads_colleague.status_code == 404
    assert agent_edits.status_code == 403
    assert customer_creates.status_code == 403
