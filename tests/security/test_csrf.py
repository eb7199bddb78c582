"""CSRF, switched back on: ``TestingConfig`` turns it off so other tests can
post forms without tokens; here an app with ``WTF_CSRF_ENABLED`` proves that
forms and cookie-authenticated API calls need the token, and that bearer
tokens (which a browser never sends on its own) need none."""

from __future__ import annotations

import re

import pytest

from helpdesk.vocabulary import Role
from tests.builders import PASSWORD, make_category, make_ticket, make_user
from tests.security.support import (
    db_state,
    error_of,
)

NEW_TICKET = {
    "subject": "VPN drops",
    "description": "Every hour.",
    "category": "access",
}


@pytest.fixture
def app(csrf_app):
    return csrf_app


def csrf_token_of(page: str) -> str:
    match = re.search(r'name="csrf_token" value="([^"]+)"', page)
    assert match, "the page has no CSRF field"
    return match.group(1)


@pytest.fixture
def session_of(client):
    """``session_of(user)`` logs in through the form, token included; returns
    the CSRF token of that session."""

    def log_in(user) -> str:
        token = csrf_token_of(client.get("/login").get_data(as_text=True))
        response = client.post(
            "/login",
            data={"email": user.email, "password": PASSWORD, "csrf_token": token},
        )
        assert response.status_code == 302, response.get_data(as_text=True)
        return csrf_token_of(client.get("/tickets/new").get_data(as_text=True))

    return log_in


@pytest.fixture
def customer(given):
    given(make_category, "access")
    return given(make_user, role=Role.CUSTOMER)


def test_login_form_without_token_is_refused(app, client, customer):
    response = client.post(
        "/login", data={"email": customer.email, "password": PASSWORD}
    )

    assert response.status_code == 400
    assert "expired" in response.get_data(as_text=True)
    assert client.get("/tickets").status_code == 302  # still anonymous


def test_form_post_without_token_is_refused_and_stores_nothing(
    app, client, customer, session_of
):
    token = session_of(customer)
    before = db_state(app)

    missing = client.post("/tickets/new", data=NEW_TICKET)
    forged = client.post("/tickets/new", data=NEW_TICKET | {"csrf_token": "forged"})

    assert missing.status_code == 400
    assert forged.status_code == 400
    assert "Reload the page" in missing.get_data(as_text=True)
    assert db_state(app) == before
    # The same form with its token goes through: the refusal was the token.
    accepted = client.post("/tickets/new", data=NEW_TICKET | {"csrf_token": token})
    assert accepted.status_code == 302


@pytest.mark.parametrize(
    ("method", "path", "form"),
    [
        ("POST", "/tickets/{id}/comments", {"body": "Forged reply"}),
        ("POST", "/tickets/{id}/transitions", {"status": "resolved"}),
        ("POST", "/tickets/{id}/rating", {"score": "1"}),
        ("POST", "/profile", {"name": "Forged", "timezone": "UTC"}),
        ("POST", "/profile/tokens", {"name": "forged"}),
        ("POST", "/logout", {}),
    ],
    ids=lambda v: v if isinstance(v, str) else None,
)
def test_every_customer_form_needs_the_token(
    method, path, form, app, client, given, customer, session_of
):
    ticket = given(make_ticket, requester=customer)
    session_of(customer)
    before = db_state(app)

    response = client.open(path.format(id=ticket.id), method=method, data=form)

    assert response.status_code == 400
    assert db_state(app) == before


def test_staff_and_admin_forms_need_the_token(app, client, given, session_of):
    given(make_category, "access")
    admin = given(make_user, role=Role.ADMIN)
    customer = given(make_user, role=Role.CUSTOMER)
    ticket = given(make_ticket, requester=customer)
    session_of(admin)
    before = db_state(app)

    for path, form in (
        (f"/tickets/{ticket.id}/properties", {"priority": "P1"}),
        ("/phone/callers", {"name": "Caller", "email": "caller@example.test"}),
        ("/phone/tickets", NEW_TICKET | {"requester_id": str(customer.id)}),
        (
            "/admin/users/new",
            {"name": "X", "email": "x@example.test", "role": "admin"},
        ),
        (f"/admin/users/{customer.id}", {"name": "X", "role": "admin"}),
    ):
        response = client.post(path, data=form)
        assert response.status_code == 400, path
    assert db_state(app) == before


def test_api_post_with_session_cookie_needs_the_csrf_header(
    app, client, customer, session_of
):
    token = session_of(customer)
    before = db_state(app)

    missing = client.post("/api/v1/tickets", json=NEW_TICKET)
    forged = client.post(
        "/api/v1/tickets", json=NEW_TICKET, headers={"X-CSRFToken": "forged"}
    )

    assert missing.status_code == 400
    assert forged.status_code == 400
    assert error_of(missing)["code"] == "bad_request"
    assert db_state(app) == before
    accepted = client.post(
        "/api/v1/tickets", json=NEW_TICKET, headers={"X-CSRFToken": token}
    )
    assert accepted.status_code == 201, accepted.json


def test_api_patch_with_session_cookie_needs_the_csrf_header(
    app, client, given, session_of
):
    given(make_category, "access")
    agent = given(make_user, role=Role.LINE1)
    ticket = given(make_ticket, requester=given(make_user, role=Role.CUSTOMER))
    session_of(agent)
    before = db_state(app)

    response = client.patch(f"/api/v1/tickets/{ticket.id}", json={"priority": "P1"})

    assert response.status_code == 400
    assert db_state(app) == before


def test_api_post_with_bearer_token_needs_no_csrf_token(app, client, customer, bearer):
    headers = bearer(customer)

    response = client.post("/api/v1/tickets", json=NEW_TICKET, headers=headers)

    assert response.status_code == 201, response.json


def test_token_endpoint_needs_no_csrf_token(app, client, given):
    agent = given(make_user, role=Role.LINE1)  # customers get no tokens by default
    response = client.post(
        "/api/v1/auth/token", json={"email": agent.email, "password": PASSWORD}
    )

    assert response.status_code == 201, response.json


def test_a_bogus_bearer_header_does_not_lift_csrf_for_a_cookie_session(
    app, client, customer, session_of
):
    """The API skips the CSRF check when an ``Authorization: Bearer`` header is
    present; a session cookie must not then authenticate the request."""
    session_of(customer)
    before = db_state(app)

    response = client.post(
        "/api/v1/tickets",
        json=NEW_TICKET,
        headers={"Authorization": "Bearer not-a-token"},
    )

    assert response.status_code in (400, 401), response.json
    assert db_state(app) == before
