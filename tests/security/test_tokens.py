"""Bearer tokens: stored only as SHA-256 digests; anything but a valid,
unexpired token of an active user is 401, and a refused request stores nothing."""

from __future__ import annotations

import hashlib
import re
from datetime import timedelta

import pytest
import sqlalchemy as sa

from helpdesk.extensions import db
from helpdesk.models import ApiToken, User
from helpdesk.vocabulary import Role
from tests.builders import PASSWORD, make_category, make_user
from tests.security.support import (
    auth,
    changed_tables,
    db_state,
    error_of,
)


def _token_rows(app) -> list[dict]:
    with app.app_context():
        rows = [
            dict(row._mapping)
            for row in db.session.execute(sa.select(ApiToken.__table__))
        ]
        db.session.remove()
    return rows


def test_api_tokens_are_stored_only_as_sha256_digests(app, client, given, login):
    user = given(make_user, role=Role.LINE1)
    from_api = client.post(
        "/api/v1/auth/token", json={"email": user.email, "password": PASSWORD}
    ).json["token"]
    login(user)
    page = client.post("/profile/tokens", data={"name": "laptop"}).get_data(
        as_text=True
    )
    rows = _token_rows(app)
    from_profile = next(r for r in rows if r["name"] == "laptop")
    raw_tokens = [from_api] + [
        word
        for word in re.findall(r"[A-Za-z0-9_-]{32,}", page)
        if hashlib.sha256(word.encode()).hexdigest() == from_profile["digest"]
    ]

    assert len(raw_tokens) == 2, "the profile page shows the new token once"
    assert sorted(r["digest"] for r in rows) == sorted(
        hashlib.sha256(raw.encode()).hexdigest() for raw in raw_tokens
    )
    for row in rows:
        assert len(row["digest"]) == 64
        int(row["digest"], 16)  # hexadecimal
        for raw in raw_tokens:
            assert all(raw not in str(value) for value in row.values())
    # Both tokens work.
    for raw in raw_tokens:
        assert client.get("/api/v1/me", headers=auth(raw)).json["id"] == user.id


@pytest.mark.parametrize(
    "header",
    [
        "Bearer not-a-token",
        "Bearer ",
        "Bearer",
        "Basic dXNlcjpwYXNz",
        "bearer {token}",  # scheme is case-sensitive here: refused, not crashed
        "Bearer {digest}",  # the stored digest is not a credential
        "Bearer {token}x",
    ],
)
def test_invalid_bearer_token_is_401(header, app, client, given, bearer):
    user = given(make_user, role=Role.CUSTOMER)
    token = bearer.token(user).raw
    digest = hashlib.sha256(token.encode()).hexdigest()
    headers = {"Authorization": header.format(token=token, digest=digest)}
    given(make_category, "access")
    before = db_state(app)

    read = client.get("/api/v1/me", headers=headers)
    write = client.post(
        "/api/v1/tickets",
        headers=headers,
        json={"subject": "s", "description": "d", "category": "access"},
    )

    assert read.status_code == 401
    assert error_of(read)["code"] == "unauthorized"
    assert write.status_code in (400, 401)  # never created
    assert db_state(app) == before


def test_expired_token_is_401_and_one_second_earlier_works(
    app, client, given, clock, bearer
):
    user = given(make_user, role=Role.CUSTOMER)
    headers = bearer(user)
    ttl = timedelta(days=app.config["API_TOKEN_TTL_DAYS"])

    clock.advance(seconds=ttl.total_seconds() - 1)
    assert client.get("/api/v1/me", headers=headers).status_code == 200
    clock.advance(seconds=1)
    response = client.get("/api/v1/me", headers=headers)
    assert response.status_code == 401
    assert error_of(response)["code"] == "unauthorized"


def test_token_of_a_deactivated_user_is_401(app, client, given, bearer):
    user = given(make_user, role=Role.LINE2)
    headers = bearer(user)
    with app.app_context():
        db.session.get(User, user.id).active = False
        db.session.commit()

    assert client.get("/api/v1/me", headers=headers).status_code == 401


def test_revoked_token_is_401(app, client, given, login, bearer):
    user = given(make_user, role=Role.CUSTOMER)
    token = bearer.token(user)
    login(user)
    assert client.post(f"/profile/tokens/{token.id}/revoke").status_code == 302
    client.post("/logout")

    assert client.get("/api/v1/me", headers=token.headers).status_code == 401


@pytest.mark.parametrize(
    "credentials",
    [
        pytest.param({"password": "wrong-password"}, id="wrong-password"),
        pytest.param({"email": "nobody@example.test"}, id="unknown-email"),
        pytest.param({"inactive": True}, id="inactive-user"),
    ],
)
def test_token_endpoint_refuses_bad_credentials_and_stores_only_the_attempt(
    credentials, app, client, given
):
    user = given(make_user, role=Role.CUSTOMER, active=not credentials.get("inactive"))
    body = {
        "email": credentials.get("email", user.email),
        "password": credentials.get("password", PASSWORD),
    }
    before = db_state(app)

    response = client.post("/api/v1/auth/token", json=body)

    assert response.status_code == 401
    assert error_of(response)["code"] == "invalid_credentials"
    # Nothing but the failed login's audit entry and the throttle's count.
    assert changed_tables(before, db_state(app)) == ["audit_log", "rate_limits"]


def test_profile_lists_only_ones_own_tokens(app, client, given, login):
    alice = given(make_user, role=Role.LINE1)
    bob = given(make_user, role=Role.LINE2)
    login(alice)
    client.post("/profile/tokens", data={"name": "alices-laptop"})
    client.post("/logout")

    login(bob)
    page = client.get("/profile").get_data(as_text=True)

    assert "alices-laptop" not in page


def test_customers_get_no_token_panel_and_no_tokens_unless_the_setting_allows(
    app, client, given, login, monkeypatch
):
    customer = login(given(make_user, role=Role.CUSTOMER))
    before = db_state(app)

    assert "API tokens" not in client.get("/profile").get_data(as_text=True)
    assert client.post("/profile/tokens", data={"name": "x"}).status_code == 403
    api = client.post(
        "/api/v1/auth/token", json={"email": customer.email, "password": PASSWORD}
    )
    assert api.status_code == 403
    assert error_of(api)["code"] == "forbidden"
    assert db_state(app) == before

    monkeypatch.setitem(app.config, "API_TOKENS_FOR_CUSTOMERS", True)
    assert "API tokens" in client.get("/profile").get_data(as_text=True)
    assert client.post("/profile/tokens", data={"name": "x"}).status_code == 200
    api = client.post(
        "/api/v1/auth/token", json={"email": customer.email, "password": PASSWORD}
    )
    assert api.status_code == 201
    assert len(_token_rows(app)) == 2
