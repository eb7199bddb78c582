"""Sessions and two-factor settings through the API, as the pages do them."""

from __future__ import annotations

from helpdesk.vocabulary import Role
from tests.builders import make_user
from tests.security.support import error_of


def test_a_program_lists_your_browser_sessions_and_ends_one(
    app, client, given, login, bearer
):
    user = login(given(make_user, role=Role.LINE1))
    program = app.test_client()
    headers = bearer(user)

    listed = program.get("/api/v1/me/sessions", headers=headers)
    [browser] = listed.json["items"]
    ended = program.delete(f"/api/v1/me/sessions/{browser['id']}", headers=headers)
    again = program.delete(f"/api/v1/me/sessions/{browser['id']}", headers=headers)

    assert browser["current"] is False and browser["last_seen_at"].endswith("Z")
    assert ended.status_code == 204 and again.status_code == 404
    assert client.get("/api/v1/me").status_code == 401  # that browser is out


def test_an_admin_requires_two_factors_for_roles_and_resets_a_user(
    client, given, bearer
):
    admin = bearer(given(make_user, role=Role.ADMIN))
    agent = given(make_user, role=Role.LINE2)

    put = client.put(
        "/api/v1/settings/two-factor", json={"roles": ["line2", "admin"]}, headers=admin
    )
    bad = client.put(
        "/api/v1/settings/two-factor", json={"roles": ["customer"]}, headers=admin
    )
    reset = client.post(f"/api/v1/users/{agent.id}/two-factor-resets", headers=admin)
    by_agent = client.get("/api/v1/settings/two-factor", headers=bearer(agent))

    assert put.status_code == 200 and put.json["roles"] == ["line2", "admin"]
    assert bad.status_code == 422 and "roles" in error_of(bad)["fields"]
    assert reset.status_code == 201 and reset.json["id"] == agent.id
    assert by_agent.status_code == 403
    got = client.get("/api/v1/settings/two-factor", headers=admin)
    assert got.json["roles"] == ["line2", "admin"]
