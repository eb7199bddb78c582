"""Sessions end on the server: logout, a password change and deactivation
bump the user's session version, so old cookies get the login page, and
revoke the user's API tokens, so old tokens get 401."""

from __future__ import annotations

from helpdesk.vocabulary import Role
from tests.builders import PASSWORD, make_user
from tests.helpdesk.accounts_support import assert_login_page, stolen_cookie
from tests.helpdesk.imports.files import write_csv


def test_after_logout_the_old_cookie_gets_the_login_page_and_the_old_token_401(
    app, client, given, login, bearer
):
    user = login(given(make_user))
    token = bearer.token(user)
    assert client.get("/api/v1/me", headers=token.headers).status_code == 200
    old_cookie = stolen_cookie(client)

    client.post("/logout")

    other = app.test_client()  # whoever copied the cookie before the logout
    other.set_cookie("session", old_cookie)
    assert_login_page(other.get("/tickets"))
    assert other.get("/api/v1/me").status_code == 401
    response = app.test_client().get("/api/v1/me", headers=token.headers)
    assert response.status_code == 401
    # Logging in again works and gets a fresh session.
    login(user)
    assert client.get("/tickets").status_code == 200


def test_a_password_change_ends_other_sessions_and_tokens_but_not_this_one(
    app, client, given, login, bearer
):
    user = given(make_user)
    elsewhere = app.test_client()
    elsewhere.post("/login", data={"email": user.email, "password": PASSWORD})
    login(user)
    token = bearer.token(user)

    response = client.post(
        "/profile", data={"name": user.name, "password": "a-new-password"}
    )

    assert response.status_code == 302
    assert client.get("/tickets").status_code == 200  # the browser that changed it
    assert_login_page(elsewhere.get("/tickets"))
    assert app.test_client().get("/api/v1/me", headers=token.headers).status_code == 401
    fresh = app.test_client()
    assert (
        fresh.post(
            "/login", data={"email": user.email, "password": "a-new-password"}
        ).status_code
        == 302
    )


def test_deactivation_and_an_admin_password_reset_end_the_users_sessions(
    app, client, given, login, bearer
):
    admin = given(make_user, role=Role.ADMIN)
    agent = given(make_user, role=Role.LINE1)
    theirs = app.test_client()
    theirs.post("/login", data={"email": agent.email, "password": PASSWORD})
    token = bearer.token(agent)
    login(admin)

    edit = f"/admin/users/{agent.id}"
    # Unticked: inactive (confirmed, as the page asks).
    client.post(edit, data={"name": agent.name, "role": "line1", "confirm": "1"})
    client.post(edit, data={"name": agent.name, "role": "line1", "active": "true"})

    # Active again, but what was opened before the deactivation stays ended.
    assert_login_page(theirs.get("/tickets"))
    assert app.test_client().get("/api/v1/me", headers=token.headers).status_code == 401
    theirs.post("/login", data={"email": agent.email, "password": PASSWORD})
    assert theirs.get("/profile").status_code == 200

    client.post(
        edit,
        data={
            "name": agent.name,
            "role": "line1",
            "active": "true",
            "password": "admin-chosen-1",
        },
    )  # an admin's new password ends them too
    assert_login_page(theirs.get("/tickets"))
    assert client.get("/admin/users").status_code == 200  # the admin goes on


def test_a_user_import_that_deactivates_a_user_ends_their_sessions(
    app, client, given, login, bearer, runner, tmp_path
):
    user = login(given(make_user, email="ivan@example.test"))
    token = bearer.token(user)
    rows = [
        ["email", "name", "role", "active"],
        ["ivan@example.test", "Ivan", "customer", "no"],
    ]

    result = runner.invoke(
        args=["import", "users", str(write_csv(tmp_path / "users.csv", rows))]
    )

    assert result.exit_code == 0, result.output
    assert_login_page(client.get("/tickets"))
    assert app.test_client().get("/api/v1/me", headers=token.headers).status_code == 401
    # Active again: what was opened before the deactivation stays ended.
    rows[1][3] = "yes"
    runner.invoke(args=["import", "users", str(write_csv(tmp_path / "u.csv", rows))])
    assert_login_page(client.get("/tickets"))
    assert app.test_client().get("/api/v1/me", headers=token.headers).status_code == 401
