"""Company directory login against a real OpenLDAP server (tests/ldap_server.py):
members of the helpdesk group log in with their directory password and get
the role of their group; name, e-mail and phone follow the directory at each
login; losing the group deactivates; local accounts keep working."""

from __future__ import annotations

import sqlalchemy as sa

from helpdesk.audit import AuditEntry
from helpdesk.extensions import db
from helpdesk.models import User
from helpdesk.service import accounts, password_links
from helpdesk.vocabulary import AuthSource, Role
from tests.builders import PASSWORD as LOCAL_PASSWORD
from tests.builders import make_user, outbox_mails
from tests.helpdesk.accounts_support import assert_login_page, stolen_cookie
from tests.helpdesk.directory.conftest import log_in
from tests.ldap_server import GROUPS, free_port


def _user(app, email: str) -> User | None:
    with app.app_context():
        user = accounts.find_user_by_email(email)
        db.session.expunge_all()
    return user


def _audit(app, action: str) -> list[AuditEntry]:
    with app.app_context():
        entries = list(
            db.session.scalars(
                sa.select(AuditEntry)
                .where(AuditEntry.action == action)
                .order_by(AuditEntry.id)
            )
        )
        db.session.expunge_all()
    return entries


def _token(client, login: str, password: str):
    return client.post(
        "/api/v1/auth/token", json={"email": login, "password": password}
    )


def test_a_directory_user_logs_in_and_gets_the_role_of_their_group(
    app, client, directory
):
    ann = directory.person("ann", groups=("helpdesk", "line2"))

    response = log_in(client, ann.email)

    assert response.status_code == 302, response.get_data(as_text=True)
    assert client.get("/profile").status_code == 200
    user = _user(app, ann.email)
    assert (user.name, user.role, user.auth_source) == (
        ann.name,
        Role.LINE2,
        AuthSource.DIRECTORY,
    )
    assert user.phone == "+74951234567" and user.password_hash is None
    assert user.directory_id  # the entry's entryUUID
    [entry] = _audit(app, "login.succeeded")
    assert entry.actor_id == user.id


def test_the_first_mapped_group_gives_the_role_and_no_mapped_group_the_default(
    app, client, directory
):
    boss = directory.person("boss", groups=("helpdesk", "line2", "managers"))
    cal = directory.person("cal", groups=("helpdesk",))

    assert log_in(client, boss.email).status_code == 302
    assert log_in(app.test_client(), cal.email).status_code == 302

    assert _user(app, boss.email).role == Role.MANAGER  # managers come first
    assert _user(app, cal.email).role == Role.CUSTOMER  # LDAP_DEFAULT_ROLE


def test_a_wrong_directory_password_fails(app, client, directory):
    ann = directory.person("ann")

    response = log_in(client, ann.email, "not-her-password")

    assert response.status_code == 401
    assert "Wrong e-mail or password." in response.get_data(as_text=True)
    assert _user(app, ann.email) is None
    [entry] = _audit(app, "login.failed")
    assert entry.data["email"] == ann.email
    # An empty password is LDAP's "unauthenticated bind": never a way in.
    assert log_in(client, ann.email, "").status_code in (401, 422)
    assert _user(app, ann.email) is None


def test_a_person_outside_the_group_is_refused(app, client, directory):
    eve = directory.person("eve", groups=())

    refused = log_in(client, eve.email)
    guessed = log_in(client, eve.email, "a-guess")

    assert refused.status_code == 403
    assert "not allowed to use the helpdesk" in refused.get_data(as_text=True)
    # Without her password nobody learns that she is outside the group.
    assert guessed.status_code == 401
    assert _user(app, eve.email) is None
    reasons = [e.data.get("reason") for e in _audit(app, "login.failed")]
    assert reasons == ["not_in_group", None]


def test_losing_the_group_deactivates_the_user_and_ends_their_sessions_and_tokens(
    app, client, directory
):
    ann = directory.person("ann", groups=("helpdesk", "line2"))
    assert log_in(client, ann.email).status_code == 302
    token = _token(app.test_client(), ann.email, ann.password).get_json()["token"]
    headers = {"Authorization": f"Bearer {token}"}
    assert app.test_client().get("/api/v1/me", headers=headers).status_code == 200
    cookie = stolen_cookie(client)

    directory.leave(ann, "helpdesk")
    response = log_in(app.test_client(), ann.email)

    assert response.status_code == 403
    assert _user(app, ann.email).active is False
    other = app.test_client()
    other.set_cookie("session", cookie)
    assert_login_page(other.get("/tickets"))
    assert app.test_client().get("/api/v1/me", headers=headers).status_code == 401
    [entry] = _audit(app, "user.deactivated_by_directory")
    assert entry.data["reason"] == "not_in_group"
    # Back in the group, the account stays off until an administrator says so.
    directory.join(ann, "helpdesk")
    again = log_in(app.test_client(), ann.email)
    assert again.status_code == 403
    assert "deactivated" in again.get_data(as_text=True)


def test_name_email_and_phone_changed_in_the_directory_show_after_the_next_login(
    app, client, directory
):
    ann = directory.person("ann", groups=("helpdesk", "line2"))
    assert log_in(client, ann.email).status_code == 302
    first = _user(app, ann.email)

    directory.change(
        ann,
        cn="Ann Married-Name",
        mail="ann.married@example.test",
        telephoneNumber="+7 812 765-43-21",
    )
    directory.leave(ann, "line2")
    directory.join(ann, "managers")
    assert _user(app, "ann.married@example.test") is None  # not before a login
    assert log_in(app.test_client(), "ann.married@example.test").status_code == 302

    user = _user(app, "ann.married@example.test")
    assert user.id == first.id
    assert (user.name, user.phone, user.role) == (
        "Ann Married-Name",
        "+78127654321",
        Role.MANAGER,
    )
    assert _user(app, ann.email) is None
    assert user.phone_e164 == "+78127654321"  # the phone lookup's key too


def test_a_local_account_still_logs_in_and_is_never_taken_over(
    app, client, given, directory
):
    local = given(make_user, role=Role.ADMIN)
    assert log_in(client, local.email, LOCAL_PASSWORD).status_code == 302
    # A directory person with a local account's e-mail: the local password
    # counts, the directory's does not.
    twin = directory.person("twin")
    given(make_user, email=twin.email)

    assert log_in(app.test_client(), twin.email, twin.password).status_code == 401
    assert log_in(app.test_client(), twin.email, LOCAL_PASSWORD).status_code == 302
    assert _user(app, twin.email).auth_source == AuthSource.LOCAL


def test_the_token_endpoint_works_for_directory_users(app, client, directory):
    ann = directory.person("ann", groups=("helpdesk", "line2"))

    wrong = _token(client, ann.email, "wrong")
    response = _token(client, ann.email, ann.password)

    assert wrong.status_code == 401
    assert response.status_code == 201, response.get_json()
    headers = {"Authorization": f"Bearer {response.get_json()['token']}"}
    me = client.get("/api/v1/me", headers=headers)
    assert me.status_code == 200 and me.get_json()["email"] == ann.email
    assert [e.data.get("via") for e in _audit(app, "login.succeeded")] == ["api"]


def test_a_directory_that_cannot_be_reached_gets_a_clear_message_local_accounts_log_in(
    app, client, given, directory, monkeypatch
):
    local = given(make_user)
    monkeypatch.setitem(app.config, "LDAP_URL", f"ldap://127.0.0.1:{free_port()}")

    page = log_in(client, "someone@example.test", "whatever")
    api = _token(client, "someone@example.test", "whatever")

    assert page.status_code == 503
    assert "company directory cannot be reached" in page.get_data(as_text=True)
    assert api.status_code == 503
    assert api.get_json()["error"]["code"] == "directory_unavailable"
    assert log_in(app.test_client(), local.email, LOCAL_PASSWORD).status_code == 302
    reasons = [e.data.get("reason") for e in _audit(app, "login.failed")]
    assert reasons == ["directory_unavailable"] * 2


def test_a_refused_service_account_counts_as_unreachable(
    app, client, directory, monkeypatch
):
    ann = directory.person("ann")
    monkeypatch.setitem(app.config, "LDAP_BIND_PASSWORD", "not-the-service-password")

    assert log_in(client, ann.email).status_code == 503
    assert _user(app, ann.email) is None


def test_the_message_speaks_russian(app, client, directory, monkeypatch):
    monkeypatch.setitem(app.config, "LDAP_URL", f"ldap://127.0.0.1:{free_port()}")

    page = client.post(
        "/login",
        data={"email": "someone@example.test", "password": "x"},
        headers={"Accept-Language": "ru"},
    )

    assert page.status_code == 503
    assert "Каталог компании недоступен" in page.get_data(as_text=True)


def test_directory_users_reset_no_password_here_and_the_answer_looks_the_same(
    app, client, directory
):
    ann = directory.person("ann")
    assert log_in(app.test_client(), ann.email).status_code == 302
    with app.app_context():  # a link made for her all the same
        stale = password_links.make_token(
            accounts.find_user_by_email(ann.email), password_links.LinkKind.RESET
        )

    known = client.post("/password/forgot", data={"email": ann.email})
    unknown = client.post("/password/forgot", data={"email": "nobody@example.test"})

    assert (known.status_code, known.get_data()) == (
        unknown.status_code,
        unknown.get_data(),
    )
    with app.app_context():
        [mail] = outbox_mails("directory_password")
        assert mail.recipient == ann.email
        assert "/password/set/" not in mail.body
        assert outbox_mails("password_reset") == []
    assert client.get(f"/password/set/{stale}").status_code == 410
    # Signing up with her address: the same mail, not a link.
    signup = {"name": "Ann", "email": ann.email, "password": "a-new-password"}
    assert client.post("/signup", data=signup).status_code == 200
    with app.app_context():
        assert len(outbox_mails("directory_password")) == 2
    page = client.get("/password/forgot").get_data(as_text=True)
    assert "company directory" in page


def test_directory_users_cannot_set_a_local_password(app, client, directory):
    ann = directory.person("ann", groups=("helpdesk", "line2"))
    assert log_in(client, ann.email).status_code == 302
    assert 'name="password"' not in client.get("/profile").get_data(as_text=True)

    response = client.post(
        "/profile", data={"name": ann.name, "password": "local-1234"}
    )

    token = _token(app.test_client(), ann.email, ann.password).get_json()["token"]
    api = app.test_client().patch(
        "/api/v1/me",
        json={"password": "local-1234"},
        headers={"Authorization": f"Bearer {token}"},
    )

    assert response.status_code == 422
    assert api.status_code == 422
    assert "company directory" in api.get_json()["error"]["fields"]["password"][0]
    assert _user(app, ann.email).password_hash is None


def test_login_by_user_name_and_filter_values_are_escaped(
    app, client, directory, monkeypatch
):
    filter_ = "(&(objectClass=inetOrgPerson)(uid={username}))"
    monkeypatch.setitem(app.config, "LDAP_USER_FILTER", filter_)
    ann = directory.person("ann")

    assert log_in(client, ann.uid).status_code == 302
    assert _user(app, ann.email).auth_source == AuthSource.DIRECTORY
    # "ann7*" unescaped would find ann7 and bind with her password.
    assert log_in(app.test_client(), f"{ann.uid[:-1]}*").status_code == 401


def test_group_membership_by_a_group_search(app, client, directory, monkeypatch):
    """Directories without memberOf: groups found under LDAP_GROUP_BASE."""
    monkeypatch.setitem(app.config, "LDAP_GROUP_BASE", GROUPS)
    monkeypatch.setitem(app.config, "LDAP_MEMBER_OF_ATTRIBUTE", "noSuchAttribute")
    ann = directory.person("ann", groups=("helpdesk", "line2"))
    eve = directory.person("eve", groups=("line2",))

    assert log_in(client, ann.email).status_code == 302
    assert log_in(app.test_client(), eve.email).status_code == 403
    assert _user(app, ann.email).role == Role.LINE2


def test_start_tls_checks_the_directorys_certificate(
    app, client, directory, monkeypatch
):
    ann = directory.person("ann")
    monkeypatch.setitem(app.config, "LDAP_START_TLS", True)

    # The system's CAs do not know the test server's certificate: no login.
    assert log_in(client, ann.email).status_code == 503
    monkeypatch.setitem(app.config, "LDAP_CA_CERT_FILE", directory.server.ca_cert_file)
    assert log_in(client, ann.email).status_code == 302


def test_flask_directory_check_shows_what_a_login_would_take(
    app, runner, directory, monkeypatch
):
    boss = directory.person("boss", groups=("helpdesk", "managers"))

    found = runner.invoke(args=["directory", "check", boss.email])
    missing = runner.invoke(args=["directory", "check", "nobody@example.test"])
    monkeypatch.setitem(app.config, "LDAP_URL", "")
    off = runner.invoke(args=["directory", "check", boss.email])

    assert found.exit_code == 0, found.output
    assert f"e-mail: {boss.email}" in found.output
    assert "may log in: yes" in found.output and "role: manager" in found.output
    assert missing.exit_code == 1 and "nobody found" in missing.output
    assert off.exit_code == 1 and "off" in off.output
    assert _user(app, boss.email) is None  # nobody logged in


def test_flask_directory_sync_ends_access_of_people_who_left_without_logging_in(
    app, client, runner, directory
):
    gone = directory.person("gone", groups=("helpdesk", "line2"))
    left = directory.person("left", groups=("helpdesk", "line2"))
    moved = directory.person("moved", groups=("helpdesk", "line2"))
    stays = directory.person("stays", groups=("helpdesk", "line2"))
    for person in (gone, left, moved, stays):
        assert log_in(app.test_client(), person.email).status_code == 302
    token = _token(client, left.email, left.password).get_json()["token"]
    headers = {"Authorization": f"Bearer {token}"}
    directory.server.delete(gone.dn)
    directory.leave(left, "helpdesk")
    directory.leave(moved, "line2")
    directory.join(moved, "managers")

    result = runner.invoke(args=["directory", "sync"])
    again = runner.invoke(args=["directory", "sync"])

    assert result.exit_code == 0, result.output
    assert "deactivated=2 role_changed=1 unchanged=1" in result.output
    assert "unchanged=2" in again.output and "deactivated" not in again.output
    assert not _user(app, gone.email).active and not _user(app, left.email).active
    assert app.test_client().get("/api/v1/me", headers=headers).status_code == 401
    assert _user(app, moved.email).role == Role.MANAGER
    assert _user(app, stays.email).active
    reasons = sorted(
        e.data["reason"] for e in _audit(app, "user.deactivated_by_directory")
    )
    assert reasons == ["not_in_directory", "not_in_group"]


def test_an_unreachable_directory_deactivates_nobody(
    app, runner, directory, monkeypatch
):
    ann = directory.person("ann")
    assert log_in(app.test_client(), ann.email).status_code == 302
    monkeypatch.setitem(app.config, "LDAP_URL", f"ldap://127.0.0.1:{free_port()}")

    result = runner.invoke(args=["directory", "sync"])

    assert result.exit_code == 1 and "unreachable" in result.output
    assert _user(app, ann.email).active


def test_a_role_that_requires_two_factors_requires_them_of_directory_users_too(
    app, client, given, login, directory
):
    login(given(make_user, role=Role.ADMIN))
    assert client.post("/admin/security", data={"roles": ["line2"]}).status_code == 302
    client.post("/logout")
    ann = directory.person("ann", groups=("helpdesk", "line2"))

    response = log_in(client, ann.email)

    assert response.status_code == 302 and response.location == "/login/enrol"
    assert_login_page(client.get("/queue"))
