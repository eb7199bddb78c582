"""A database locked by another writer is a 503 with Retry-After for
everyone: anonymous visitors, logged-in users and token holders alike.

The lock is real: a second sqlite3 connection holds ``BEGIN IMMEDIATE`` or
``BEGIN EXCLUSIVE`` on the test database file while the app, with a 0.2 s
busy timeout, tries to write. The error page is rendered without touching
the database again (the user was loaded from the failed session), nothing of
the refused write is kept, and once the lock is gone the same client's next
request works.
"""

from __future__ import annotations

import re

import pytest

from helpdesk.vocabulary import Role
from tests.builders import make_category, make_ticket, make_user
from tests.security.support import auth, counts, error_of, issue_bearer

BUSY_EN = "The service is busy. Please try again in a moment."
BUSY_RU = "Сервис перегружен. Повторите попытку через несколько секунд."
MODES = ["IMMEDIATE", "EXCLUSIVE"]


@pytest.fixture
def world(given):
    given(make_category, "access")
    customer = given(make_user, role=Role.CUSTOMER, locale="en")
    ticket = given(make_ticket, requester=customer)
    return customer, ticket


def _assert_unavailable_page(response, *, message: str) -> None:
    page = response.get_data(as_text=True)
    assert response.status_code == 503, page[:2000]
    assert response.headers["Retry-After"] == "5"
    assert response.mimetype == "text/html"
    assert message in page
    # The menu needs the user (and so the database): left out.
    assert 'href="/profile"' not in page and 'href="/login"' not in page


def _assert_unavailable_json(response) -> None:
    assert response.status_code == 503, response.get_data(as_text=True)
    assert response.headers["Retry-After"] == "5"
    error = error_of(response)
    assert error["code"] == "unavailable"
    assert error["message"] == BUSY_EN


@pytest.mark.parametrize("mode", MODES)
def test_a_logged_in_users_form_post_under_a_write_lock_is_a_503_page(
    app, client, login, world, write_lock, mode
):
    customer, ticket = world
    login(customer)
    before = counts(app)
    lock = write_lock(mode)

    response = client.post(
        f"/tickets/{ticket.id}/comments",
        data={"body": "Still broken."},
        headers={"Accept-Language": "ru"},
    )

    # The browser's language: the profile's would need the database.
    _assert_unavailable_page(response, message=BUSY_RU)
    lock.release()
    assert counts(app) == before
    again = client.post(f"/tickets/{ticket.id}/comments", data={"body": "Still."})
    assert again.status_code == 302, again.get_data(as_text=True)[:2000]
    assert counts(app)["comments"] == before["comments"] + 1


@pytest.mark.parametrize("mode", MODES)
def test_a_token_holders_api_write_under_a_write_lock_is_a_503_json_error(
    app, client, world, write_lock, mode
):
    customer, ticket = world
    headers = auth(issue_bearer(app, customer).raw)
    before = counts(app)
    lock = write_lock(mode)

    response = client.post(
        f"/api/v1/tickets/{ticket.id}/comments",
        json={"body": "Still broken."},
        headers=headers,
    )

    _assert_unavailable_json(response)
    lock.release()
    assert counts(app) == before
    again = client.post(
        f"/api/v1/tickets/{ticket.id}/comments",
        json={"body": "Still broken."},
        headers=headers,
    )
    assert again.status_code == 201, again.get_data(as_text=True)
    assert counts(app)["comments"] == before["comments"] + 1


def test_an_api_write_over_the_browser_session_is_a_503_json_error(
    app, client, login, world, write_lock
):
    customer, ticket = world
    login(customer)
    page = client.get("/profile").get_data(as_text=True)
    csrf_token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    write_lock()

    response = client.post(
        f"/api/v1/tickets/{ticket.id}/comments",
        json={"body": "Again."},
        headers={"X-CSRFToken": csrf_token},
    )

    _assert_unavailable_json(response)


def test_anonymous_requests_under_a_write_lock_stay_503(
    app, client, given, world, write_lock
):
    agent = given(make_user, role=Role.LINE1)  # customers get no tokens by default
    write_lock()

    token = client.post(
        "/api/v1/auth/token",
        json={"email": agent.email, "password": "correct-horse"},
    )
    signup = client.post(
        "/signup",
        data={
            "name": "New",
            "email": "new@example.test",
            "password": "long-password-1",
        },
    )

    _assert_unavailable_json(token)
    _assert_unavailable_page(signup, message=BUSY_EN)


def test_reads_go_on_under_a_write_lock(app, client, login, world, write_lock):
    customer, ticket = world
    login(customer)
    write_lock("EXCLUSIVE")  # in WAL mode readers still see the last commit

    response = client.get(f"/tickets/{ticket.id}")

    assert response.status_code == 200
