"""Invitations: a caller registered by phone, or a user an admin creates
without a password, gets a "set your password" link by mail; nobody is left
with an account and no way in."""

from __future__ import annotations

import sqlalchemy as sa

from helpdesk.extensions import db
from helpdesk.models import User
from helpdesk.vocabulary import Role
from tests.builders import make_category, make_user, outbox_mails
from tests.helpdesk.accounts_support import link_in


def _invitations(app):
    with app.app_context():
        mails = outbox_mails("invitation")
        db.session.expunge_all()
    return mails


def test_a_phone_caller_sets_a_password_from_the_invitation_and_sees_their_ticket(
    app, client, given, login
):
    given(make_category, "access")
    login(given(make_user, role=Role.LINE1))
    page = client.get("/phone").get_data(as_text=True)
    assert 'name="send_invitation"' in page and "checked" in page

    created = client.post(
        "/phone/callers",
        data={
            "name": "Pavel Caller",
            "email": "pavel@example.test",
            "phone": "+7 916 000-11-22",
            "send_invitation": "true",
        },
    )
    assert created.status_code == 302
    with app.app_context():
        caller_id = db.session.scalar(
            sa.select(User.id).where(User.email == "pavel@example.test")
        )
    client.post(
        "/phone/tickets",
        data={
            "requester_id": str(caller_id),
            "subject": "Printer on fire",
            "description": "Smoke from the printer",
            "category": "access",
            "priority": "P3",
        },
    )
    client.post("/logout")

    [mail] = _invitations(app)
    assert mail.recipient == "pavel@example.test"
    caller = app.test_client()
    path = link_in(mail, "/password/set/")
    assert caller.post(path, data={"password": "pavels-pass"}).status_code == 302

    portal = caller.get("/tickets").get_data(as_text=True)
    assert "Printer on fire" in portal
    assert caller.post(path, data={"password": "again-pass"}).status_code == 410
    again = app.test_client().post(
        "/login", data={"email": "pavel@example.test", "password": "pavels-pass"}
    )
    assert again.status_code == 302


def test_the_phone_console_can_register_a_caller_without_mailing_them(
    app, client, given, login
):
    login(given(make_user, role=Role.LINE1))
    client.post("/phone/callers", data={"name": "Quiet", "email": "q@example.test"})
    assert _invitations(app) == []  # "Forgot password?" still lets them in


def test_an_admin_creating_a_user_without_a_password_sends_an_invitation(
    app, client, given, login
):
    login(given(make_user, role=Role.ADMIN))
    client.post(
        "/admin/users/new",
        data={
            "name": "New Agent",
            "email": "new@example.test",
            "role": "line1",
            "active": "true",
            "locale": "ru",
        },
    )
    client.post(
        "/admin/users/new",
        data={
            "name": "With Pass",
            "email": "pass@example.test",
            "role": "line1",
            "active": "true",
            "password": "chosen-by-admin",
        },
    )

    [mail] = _invitations(app)
    assert mail.recipient == "new@example.test"
    newcomer = app.test_client()
    assert newcomer.get(link_in(mail, "/password/set/")).status_code == 200
