"""Forgot password: a single-use, expiring link bound to one user, sent
through the outbox in the user's language; the same answer whether the
address has an account or not — at sign-up too."""

from __future__ import annotations

import sqlalchemy as sa

from helpdesk.extensions import db
from helpdesk.models import User
from helpdesk.service import password_links
from tests.builders import PASSWORD, make_user, outbox_mails
from tests.helpdesk.accounts_support import link_in


def _mails(app, event):
    with app.app_context():
        mails = outbox_mails(event)
        db.session.expunge_all()
    return mails


def _ask_reset(client, email):
    return client.post("/password/forgot", data={"email": email})


def test_the_login_page_offers_a_reset(client):
    page = client.get("/login").get_data(as_text=True)
    assert "/password/forgot" in page
    assert client.get("/password/forgot").status_code == 200


def test_a_reset_link_sets_a_new_password_once(app, client, given):
    user = given(make_user)
    assert _ask_reset(client, user.email.upper()).status_code == 200
    [mail] = _mails(app, "password_reset")
    assert mail.recipient == user.email
    path = link_in(mail, "/password/set/")

    assert client.get(path).status_code == 200
    response = client.post(path, data={"password": "brand-new-pass"})

    assert response.status_code == 302
    assert client.get("/tickets").status_code == 200  # logged in
    assert client.post(path, data={"password": "another-one"}).status_code == 410
    client.post("/logout")
    fresh = app.test_client()
    login = {"email": user.email, "password": PASSWORD}
    assert fresh.post("/login", data=login).status_code == 401
    login["password"] = "brand-new-pass"
    assert fresh.post("/login", data=login).status_code == 302


def test_a_reset_for_an_unknown_address_looks_the_same_as_for_a_known_one(
    app, client, given
):
    user = given(make_user)
    known = _ask_reset(client, user.email)
    unknown = _ask_reset(client, "nobody@example.test")

    assert (known.status_code, known.get_data()) == (
        unknown.status_code,
        unknown.get_data(),
    )
    assert [m.recipient for m in _mails(app, "password_reset")] == [user.email]


def test_a_reset_link_expires(app, client, given, clock):
    user = given(make_user)
    _ask_reset(client, user.email)
    path = link_in(_mails(app, "password_reset")[0], "/password/set/")

    clock.advance(seconds=app.config["PASSWORD_RESET_MAX_AGE_SECONDS"] + 1)

    assert client.get(path).status_code == 410
    assert client.post(path, data={"password": "brand-new-pass"}).status_code == 410


def test_a_link_is_bound_to_its_user_and_cannot_be_forged(app, client, given):
    user = given(make_user)
    _ask_reset(client, user.email)
    path = link_in(_mails(app, "password_reset")[0], "/password/set/")
    token = path.rsplit("/", 1)[1]
    payload, rest = token.split(".", 1)
    assert client.get(f"/password/set/{payload}x.{rest}").status_code == 410
    assert client.get("/password/set/garbage").status_code == 410


def test_a_deactivated_user_gets_no_reset_mail(app, client, given):
    user = given(make_user, active=False)
    assert _ask_reset(client, user.email).status_code == 200
    assert _mails(app, "password_reset") == []


def test_the_reset_mail_speaks_the_users_language(app, client, given):
    user = given(make_user, locale="ru")
    _ask_reset(client, user.email)
    [mail] = _mails(app, "password_reset")
    assert "парол" in mail.subject.lower()
    assert "парол" in mail.body.lower() and mail.html


def test_sign_up_with_an_existing_address_mails_its_owner_and_says_check_your_mail(
    app, client, given
):
    user = given(make_user)
    reset_page = _ask_reset(client, "nobody@example.test")

    response = client.post(
        "/signup",
        data={"name": "Intruder", "email": user.email, "password": "intruder-pass"},
    )

    assert response.status_code == 200
    assert response.get_data() == reset_page.get_data()
    assert "already" not in response.get_data(as_text=True).lower()
    [mail] = _mails(app, "signup_existing")
    assert mail.recipient == user.email
    with app.app_context():
        names = db.session.scalars(sa.select(User.name)).all()
    assert names == [user.name]  # nothing created or changed
    login = {"email": user.email, "password": "intruder-pass"}
    assert app.test_client().post("/login", data=login).status_code == 401


def test_of_two_requests_racing_with_one_link_only_one_sets_the_password(app, given):
    user = given(make_user)
    with app.app_context():
        first = db.session.get(User, user.id)
        with app.app_context():  # the other request, checked the same link
            second = db.session.get(User, user.id)
            assert password_links.claim(second)
            db.session.commit()
        assert not password_links.claim(first)
