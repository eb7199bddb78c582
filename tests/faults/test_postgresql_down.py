"""PostgreSQL stopped or unreachable: a 503 with Retry-After for logged-in
users and token holders too, and service again once the server is back.

Both faults are real: a server on loopback that nothing listens on, and a
throwaway PostgreSQL server (tests/pg_server.py) stopped between requests of
a logged-in client (its pooled connections drop), then started again.
"""

from __future__ import annotations

import socket

import flask_migrate
import pytest

from app import create_app
from config import TestingConfig
from helpdesk.extensions import db
from helpdesk.vocabulary import Role
from tests.builders import make_category, make_ticket, make_user, snapshot
from tests.pg_server import PostgresServer
from tests.security.support import auth, error_of, issue_bearer

BUSY = "The service is busy. Please try again in a moment."


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]  # closed again when the block ends


def _assert_unavailable(response, *, api: bool) -> None:
    assert response.status_code == 503, response.get_data(as_text=True)[:2000]
    assert response.headers["Retry-After"] == "5"
    if api:
        assert error_of(response)["code"] == "unavailable"
    else:
        page = response.get_data(as_text=True)
        assert response.mimetype == "text/html" and BUSY in page
        assert 'href="/profile"' not in page


# --- unreachable --------------------------------------------------------------


@pytest.fixture
def unreachable_app(clock):
    url = f"postgresql+psycopg://postgres@127.0.0.1:{_closed_port()}/helpdesk"
    app = create_app(
        TestingConfig, clock=clock, overrides={"SQLALCHEMY_DATABASE_URI": url}
    )
    yield app
    with app.app_context():
        db.engine.dispose()


def test_a_session_user_gets_503_when_postgresql_is_unreachable(unreachable_app):
    client = unreachable_app.test_client()
    with client.session_transaction() as session:  # as if logged in earlier
        session["_user_id"] = "1"
        session["_fresh"] = True

    _assert_unavailable(client.get("/tickets"), api=False)
    _assert_unavailable(client.get("/api/v1/me"), api=True)


def test_a_token_holder_gets_503_when_postgresql_is_unreachable(unreachable_app):
    client = unreachable_app.test_client()

    response = client.get("/api/v1/tickets", headers=auth("a" * 43))

    _assert_unavailable(response, api=True)


def test_anonymous_visitors_get_503_when_postgresql_is_unreachable(unreachable_app):
    client = unreachable_app.test_client()

    _assert_unavailable(
        client.post("/api/v1/auth/token", json={"email": "a@b.c", "password": "x"}),
        api=True,
    )
    _assert_unavailable(
        client.post("/login", data={"email": "a@b.c", "password": "x"}), api=False
    )


# --- stopped, then back -------------------------------------------------------


@pytest.fixture(scope="module")
def server():
    try:
        server = PostgresServer().start()
    except RuntimeError as err:  # not installed: scripts/install-system-deps
        pytest.skip(str(err))
    yield server
    server.stop()


@pytest.fixture
def pg_app(server, clock):
    app = create_app(
        TestingConfig, clock=clock, overrides={"SQLALCHEMY_DATABASE_URI": server.url}
    )
    with app.app_context():
        flask_migrate.upgrade()
    yield app
    if not server.running:
        server.resume()
    with app.app_context():
        db.session.remove()
        db.drop_all()
        db.session.execute(db.text("DROP TABLE IF EXISTS alembic_version"))
        db.session.commit()
        db.engine.dispose()


def _arrange(app):
    with app.app_context():
        make_category("access")
        customer = make_user(role=Role.CUSTOMER)
        ticket = make_ticket(requester=customer)
        db.session.commit()
        result = snapshot(customer), snapshot(ticket)
        db.session.remove()
    return result


def test_a_stopped_postgresql_is_a_503_for_users_and_tokens_until_it_is_back(
    server, pg_app
):
    customer, ticket = _arrange(pg_app)
    token = auth(issue_bearer(pg_app, customer).raw)
    program = pg_app.test_client()  # the token alone, no cookie session
    client = pg_app.test_client()
    login = client.post(
        "/login", data={"email": customer.email, "password": "correct-horse"}
    )
    assert login.status_code == 302
    assert client.get(f"/tickets/{ticket.id}").status_code == 200

    server.halt()
    _assert_unavailable(
        client.post(f"/tickets/{ticket.id}/comments", data={"body": "Hello?"}),
        api=False,
    )
    _assert_unavailable(client.get(f"/tickets/{ticket.id}"), api=False)
    _assert_unavailable(
        program.post(
            f"/api/v1/tickets/{ticket.id}/comments",
            json={"body": "Hello?"},
            headers=token,
        ),
        api=True,
    )

    server.resume()
    page = client.post(f"/tickets/{ticket.id}/comments", data={"body": "Back."})
    assert page.status_code == 302, page.get_data(as_text=True)[:2000]
    api = program.post(
        f"/api/v1/tickets/{ticket.id}/comments", json={"body": "Back."}, headers=token
    )
    assert api.status_code == 201, api.get_data(as_text=True)
