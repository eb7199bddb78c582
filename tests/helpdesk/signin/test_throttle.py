"""Throttling of logins, the two-factor step, token requests, reset requests
and sign-ups: per account and per address, counted in the database, 429 with
Retry-After and a message, windows timed by the app's clock."""

from __future__ import annotations

from contextlib import contextmanager

import sqlalchemy as sa

from helpdesk.extensions import db
from helpdesk.signin.models import RateLimitCounter
from helpdesk.signin.throttle import DatabaseStorage, limiter
from tests.builders import PASSWORD, make_user
from tests.security.support import error_of

WRONG = "not-the-password"


def _login(client, email, password=WRONG, **kwargs):
    return client.post("/login", data={"email": email, "password": password}, **kwargs)


@contextmanager
def setting(app, name, value):
    old = app.config[name]
    app.config[name] = value
    try:
        yield
    finally:
        app.config[name] = old


def test_the_sixth_wrong_password_in_a_minute_gets_429_until_the_window_ends(
    app, client, given, clock
):
    user = given(make_user)
    assert [_login(client, user.email).status_code for _ in range(5)] == [401] * 5

    refused = _login(client, user.email)

    assert refused.status_code == 429
    assert refused.headers["Retry-After"] == "60"
    page = refused.get_data(as_text=True)
    assert refused.mimetype == "text/html"
    assert "Too many attempts. Try again in 1 minute." in page
    # Even the right password waits: the guesser does not learn it.
    assert _login(client, user.email, PASSWORD).status_code == 429
    clock.advance(seconds=45)
    assert _login(client, user.email, PASSWORD).headers["Retry-After"] == "15"
    clock.advance(seconds=15)
    assert _login(client, user.email, PASSWORD).status_code == 302


def test_right_passwords_do_not_count(app, client, given):
    user = given(make_user)
    for _ in range(8):
        assert _login(client, user.email, PASSWORD).status_code == 302


def test_the_account_limit_holds_whatever_the_address_and_the_spelling(
    app, client, given
):
    user = given(make_user)
    for n in range(5):
        address = {"REMOTE_ADDR": f"192.0.2.{n}"}
        assert _login(client, user.email, environ_base=address).status_code == 401

    other_address = {"REMOTE_ADDR": "198.51.100.9"}
    response = _login(client, f"  {user.email.upper()} ", environ_base=other_address)

    assert response.status_code == 429


def test_the_address_limit_holds_whatever_the_account(app, client, given):
    with setting(app, "RATELIMIT_LOGIN_ADDRESS", "3 per minute"):
        for n in range(3):
            assert _login(client, f"guess{n}@example.test").status_code == 401
        assert _login(client, "guess9@example.test").status_code == 429
        elsewhere = {"REMOTE_ADDR": "198.51.100.9"}
        assert (
            _login(client, "guess9@example.test", environ_base=elsewhere).status_code
            == 401
        )


def test_token_requests_share_the_count_and_answer_429_as_json(app, client, given):
    user = given(make_user)
    for _ in range(3):
        _login(client, user.email)
    body = {"email": user.email, "password": WRONG}
    for _ in range(2):
        assert client.post("/api/v1/auth/token", json=body).status_code == 401

    response = client.post("/api/v1/auth/token", json=body | {"password": PASSWORD})

    assert response.status_code == 429
    assert response.headers["Retry-After"] == "60"
    assert error_of(response)["code"] == "too_many_requests"
    assert "Try again in 1 minute" in error_of(response)["message"]


def test_the_message_speaks_the_browsers_language(app, client, given):
    user = given(make_user)
    russian = {"Accept-Language": "ru"}
    for _ in range(5):
        _login(client, user.email, headers=russian)

    page = _login(client, user.email, headers=russian).get_data(as_text=True)

    assert "Слишком много попыток" in page


def test_reset_requests_and_sign_ups_are_limited_per_address_asked_for(
    app, client, given
):
    user = given(make_user)
    for _ in range(3):
        assert (
            client.post("/password/forgot", data={"email": user.email}).status_code
            == 200
        )
    for _ in range(2):
        signup = {"name": "Again", "email": user.email}
        assert client.post("/signup", data=signup).status_code == 200

    again = client.post("/password/forgot", data={"email": user.email})

    assert again.status_code == 429 and int(again.headers["Retry-After"]) == 3600
    # A form sent back with its errors mails nobody and does not count.
    assert client.post("/password/forgot", data={"email": ""}).status_code == 422
    other = client.post("/password/forgot", data={"email": "someone@example.test"})
    assert other.status_code == 200


def test_the_counters_are_rows_that_restart_when_their_window_ends(app, ctx, clock):
    storage = DatabaseStorage()

    assert [storage.incr("k", 60) for _ in range(3)] == [1, 2, 3]
    assert storage.get("k") == 3
    assert storage.get_expiry("k") == clock.now().timestamp() + 60
    clock.advance(seconds=59)
    assert storage.incr("k", 60, amount=2) == 5
    clock.advance(seconds=1)
    assert storage.get("k") == 0  # the window has ended
    assert storage.incr("k", 60) == 1
    assert storage.get_expiry("k") == clock.now().timestamp() + 60
    storage.clear("k")
    assert storage.get("k") == 0 and storage.check()
    storage.incr("a", 60)
    storage.incr("b", 60)
    assert storage.reset() == 2
    assert db.session.scalar(sa.select(sa.func.count(RateLimitCounter.key))) == 0


def test_the_limiter_uses_the_database_store(app):
    assert isinstance(limiter.storage, DatabaseStorage)
