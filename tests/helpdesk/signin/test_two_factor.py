"""Two-factor login: staff whose role requires it cannot get in without the
code; enrolment with a QR code, single-use codes and recovery codes; token
requests by password need the code too."""

from __future__ import annotations

import re

import pyotp
import sqlalchemy as sa

from helpdesk.extensions import db
from helpdesk.signin.models import RecoveryCode, TwoFactorSecret
from helpdesk.vocabulary import Role
from tests.builders import PASSWORD, make_user, outbox_mails
from tests.helpdesk.accounts_support import assert_login_page, link_in
from tests.security.support import error_of


def _secret(page: str) -> str:
    return re.search(r'id="two-factor-secret">([A-Z2-7]+)<', page).group(1)


def _codes(page: str) -> list[str]:
    return re.findall(r"<li><code>([a-z0-9-]+)</code></li>", page)


def _code(secret: str, clock) -> str:
    return pyotp.TOTP(secret).at(clock.now())


def _password(client, user):
    return client.post("/login", data={"email": user.email, "password": PASSWORD})


def _require(client, login, given, *roles: str) -> None:
    admin = login(given(make_user, role=Role.ADMIN))
    response = client.post("/admin/security", data={"roles": list(roles)})
    assert response.status_code == 302
    client.post("/logout")
    return admin


def _enrolled(app, client, user, clock) -> tuple[str, list[str]]:
    """Log ``user`` in (role requiring two factors), enrol, log out again."""
    assert _password(client, user).location == "/login/enrol"
    secret = _secret(client.get("/login/enrol").get_data(as_text=True))
    page = client.post("/login/enrol", data={"code": _code(secret, clock)})
    client.post("/logout")
    return secret, _codes(page.get_data(as_text=True))


def test_a_staff_user_with_two_factors_required_cannot_log_in_without_the_code(
    app, client, given, login, clock
):
    _require(client, login, given, "line2")
    agent = given(make_user, role=Role.LINE2)

    # First login: the password alone leads to enrolment, not in.
    response = _password(client, agent)
    assert response.status_code == 302 and response.location == "/login/enrol"
    assert_login_page(client.get("/queue"))
    page = client.get("/login/enrol").get_data(as_text=True)
    secret = _secret(page)
    assert 'src="data:image/svg+xml' in page  # the QR code, no inline markup
    assert client.post("/login/enrol", data={"code": "000000"}).status_code == 401
    assert_login_page(client.get("/queue"))
    enrolled = client.post("/login/enrol", data={"code": _code(secret, clock)})
    assert enrolled.status_code == 200
    assert len(_codes(enrolled.get_data(as_text=True))) == 10
    assert client.get("/queue").status_code == 200
    client.post("/logout")

    # Every later login asks for the code.
    assert _password(client, agent).location == "/login/code"
    assert_login_page(client.get("/queue"))
    wrong = client.post("/login/code", data={"code": "123456"})
    assert wrong.status_code == 401
    assert_login_page(client.get("/queue"))
    # The code used at enrolment does not work twice; the next one does.
    same = client.post("/login/code", data={"code": _code(secret, clock)})
    assert same.status_code == 401
    clock.advance(seconds=30)
    right = client.post("/login/code", data={"code": _code(secret, clock)})
    assert right.status_code == 302
    assert client.get("/queue").status_code == 200


def test_the_code_step_waits_only_a_while(app, client, given, login, clock):
    _require(client, login, given, "manager")
    manager = given(make_user, role=Role.MANAGER)
    secret, _ = _enrolled(app, client, manager, clock)

    _password(client, manager)
    clock.advance(seconds=app.config["TWO_FACTOR_STEP_SECONDS"] + 1)
    late = client.post("/login/code", data={"code": _code(secret, clock)})

    assert_login_page(late)
    assert_login_page(client.get("/queue"))


def test_a_recovery_code_logs_in_once(app, client, given, login, clock):
    _require(client, login, given, "line1")
    agent = given(make_user, role=Role.LINE1)
    _secret_, codes = _enrolled(app, client, agent, clock)

    _password(client, agent)
    assert (
        client.post("/login/code", data={"code": codes[0].upper()}).status_code == 302
    )
    client.post("/logout")
    _password(client, agent)
    assert client.post("/login/code", data={"code": codes[0]}).status_code == 401
    with app.app_context():
        stored = db.session.scalars(sa.select(RecoveryCode.digest)).all()
    assert len(stored) == 10
    assert not any(c.replace("-", "") in stored for c in codes)  # digests only


def test_wrong_codes_are_throttled_with_the_accounts_wrong_passwords(
    app, client, given, login, clock
):
    _require(client, login, given, "line3")
    agent = given(make_user, role=Role.LINE3)
    _enrolled(app, client, agent, clock)
    client.post("/login", data={"email": agent.email, "password": "wrong-one"})

    _password(client, agent)
    answers = [
        client.post("/login/code", data={"code": "000000"}).status_code
        for _ in range(5)
    ]

    assert answers == [401, 401, 401, 401, 429]


def test_a_token_by_password_needs_the_code(app, client, given, login, clock):
    _require(client, login, given, "line2")
    agent = given(make_user, role=Role.LINE2)
    body = {"email": agent.email, "password": PASSWORD}

    unenrolled = client.post("/api/v1/auth/token", json=body)
    assert unenrolled.status_code == 403
    assert error_of(unenrolled)["code"] == "two_factor_enrolment_required"

    secret, codes = _enrolled(app, client, agent, clock)
    clock.advance(seconds=30)
    missing = client.post("/api/v1/auth/token", json=body)
    assert missing.status_code == 401
    assert error_of(missing)["code"] == "two_factor_required"
    wrong = client.post("/api/v1/auth/token", json=body | {"code": "000000"})
    assert wrong.status_code == 401
    right = client.post(
        "/api/v1/auth/token", json=body | {"code": _code(secret, clock)}
    )
    assert right.status_code == 201
    # The token works without any code: programs are not asked.
    headers = {"Authorization": f"Bearer {right.json['token']}"}
    assert app.test_client().get("/api/v1/me", headers=headers).status_code == 200
    recovery = client.post("/api/v1/auth/token", json=body | {"code": codes[1]})
    assert recovery.status_code == 201


def test_a_reset_link_does_not_skip_the_second_factor(app, client, given, login, clock):
    _require(client, login, given, "admin")
    admin = given(make_user, role=Role.ADMIN)
    secret, _ = _enrolled(app, client, admin, clock)
    client.post("/password/forgot", data={"email": admin.email})
    with app.app_context():
        path = link_in(outbox_mails("password_reset")[-1], "/password/set/")

    response = client.post(path, data={"password": "brand-new-pass"})

    assert response.location == "/login/code"
    assert_login_page(client.get("/admin/users"))
    clock.advance(seconds=30)
    client.post("/login/code", data={"code": _code(secret, clock)})
    assert client.get("/admin/users").status_code == 200


def test_anyone_can_turn_two_factors_on_and_off_from_the_profile(
    app, client, given, login, clock
):
    customer = login(given(make_user))

    setup = client.post("/profile/two-factor")
    assert setup.status_code == 200
    assert "default-src 'self'" in setup.headers["Content-Security-Policy"]
    secret = _secret(setup.get_data(as_text=True))
    refused = client.post("/profile/two-factor/confirm", data={"code": "000000"})
    assert refused.status_code == 422
    confirmed = client.post(
        "/profile/two-factor/confirm", data={"code": _code(secret, clock)}
    )
    assert confirmed.status_code == 200 and len(_codes(confirmed.get_data(True))) == 10
    assert "1 recovery code" not in client.get("/profile").get_data(as_text=True)
    assert "10 recovery codes left" in client.get("/profile").get_data(as_text=True)

    clock.advance(seconds=30)
    renewed = client.post(
        "/profile/two-factor/recovery-codes", data={"code": _code(secret, clock)}
    )
    assert len(_codes(renewed.get_data(as_text=True))) == 10
    client.post("/profile/two-factor/disable", data={"code": "000000"})
    with app.app_context():
        assert db.session.get(TwoFactorSecret, customer.id) is not None
    clock.advance(seconds=30)
    client.post("/profile/two-factor/disable", data={"code": _code(secret, clock)})
    with app.app_context():
        assert db.session.get(TwoFactorSecret, customer.id) is None
        assert db.session.scalar(sa.select(sa.func.count(RecoveryCode.id))) == 0
    client.post("/logout")
    assert _password(client, customer).location == "/"


def test_a_required_second_factor_cannot_be_turned_off_but_an_admin_can_reset_it(
    app, client, given, login, clock
):
    _require(client, login, given, "line1")
    agent = given(make_user, role=Role.LINE1)
    secret, _ = _enrolled(app, client, agent, clock)
    _password(client, agent)
    clock.advance(seconds=30)
    client.post("/login/code", data={"code": _code(secret, clock)})

    clock.advance(seconds=30)
    refused = client.post(
        "/profile/two-factor/disable", data={"code": _code(secret, clock)}
    )
    assert refused.status_code == 403
    client.post("/logout")

    login(given(make_user, role=Role.ADMIN))
    assert "Reset two-factor" in client.get(f"/admin/users/{agent.id}").get_data(True)
    assert client.post(f"/admin/users/{agent.id}/two-factor/reset").status_code == 302
    client.post("/logout")
    assert _password(client, agent).location == "/login/enrol"  # a new phone
