"""Fixtures: a migrated database per session, a fresh app per test.

``HELPDESK_TEST_DB=postgresql`` runs the suite against a real PostgreSQL
server started here on loopback; the default is a SQLite file. Under
pytest-xdist (``make test`` runs ``-n auto``) the session fixtures run once
per worker, so each worker has its own server or file.
"""

from __future__ import annotations

import atexit
import os
import socket
from datetime import UTC, datetime

import flask_migrate
import pytest

from app import create_app
from config import TestingConfig
from helpdesk.clock import FrozenClock
from helpdesk.extensions import db
from tests.builders import PASSWORD, snapshot
from tests.pg_server import PostgresServer
from tests.security.support import Bearer
from tests.smtp_server import LoopbackSMTP

# Fixtures of their own modules: ``permission_check`` (the route x role
# matrix harness) and ``saved_world`` (data arranged once, put back).
pytest_plugins = ["tests.permission_matrix", "tests.saved_worlds"]

MONDAY_9AM = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)


def _port_where_nothing_listens() -> tuple[socket.socket, int]:
    """A loopback port this process binds and never listens on: sending mail
    there is refused at once, and no other process can take the port while
    the socket lives. (A fixed port is not enough: ``make run``'s mail sink
    on 8025 would take the suite's mail and answer where tests expect none.)"""
    held = socket.socket()
    held.bind(("127.0.0.1", 0))
    return held, held.getsockname()[1]


# Every app of the suite sends its mail nowhere, unless a test gives it its
# own SMTP server (``mail_app``, ``smtp``); the socket lives as long as the process.
_NO_MAIL_SERVER, TestingConfig.SMTP_PORT = _port_where_nothing_listens()
atexit.register(_NO_MAIL_SERVER.close)


ON_POSTGRESQL = os.environ.get("HELPDESK_TEST_DB") == "postgresql"


def pytest_collection_modifyitems(config, items):
    """On PostgreSQL, only the tests that use the suite's database run: the
    others (pure functions, their own SQLite files or servers) do exactly
    the same in both passes, and the SQLite pass has run them."""
    if not ON_POSTGRESQL:
        return
    off_database = [item for item in items if "migrated_url" not in item.fixturenames]
    if off_database:
        config.hook.pytest_deselected(items=off_database)
        items[:] = [item for item in items if "migrated_url" in item.fixturenames]


@pytest.fixture(scope="session")
def database_url(tmp_path_factory):
    if ON_POSTGRESQL:
        server = PostgresServer().start()
        yield server.url
        server.stop()
    else:
        yield f"sqlite:///{tmp_path_factory.mktemp('db') / 'test.sqlite3'}"


@pytest.fixture(scope="session")
def migrated_url(database_url):
    """Apply the real migrations once; every test then starts from empty tables."""
    app = create_app(TestingConfig, overrides={"SQLALCHEMY_DATABASE_URI": database_url})
    with app.app_context():
        flask_migrate.upgrade()
        db.engine.dispose()
    return database_url


@pytest.fixture
def clock() -> FrozenClock:
    return FrozenClock(MONDAY_9AM)


@pytest.fixture(scope="session")
def backup_dir(tmp_path_factory) -> str:
    """Where the suite's apps keep backups (a job run by a test makes one)."""
    return str(tmp_path_factory.mktemp("backups"))


@pytest.fixture(scope="session")
def shared_app(migrated_url, backup_dir):
    """One application for the suite: creating one per test costs more than
    most tests. Tests get it through ``app``, with their own clock."""
    app = create_app(
        TestingConfig,
        overrides={"SQLALCHEMY_DATABASE_URI": migrated_url, "BACKUP_DIR": backup_dir},
    )
    yield app
    with app.app_context():
        db.engine.dispose()


@pytest.fixture
def app(shared_app, clock):
    """The app with this test's clock; every table is emptied afterwards."""
    shared_app.extensions["clock"] = clock
    yield shared_app
    with shared_app.app_context():
        empty_all_tables()


@pytest.fixture(scope="session")
def shared_csrf_app(migrated_url, backup_dir):
    """The app as in production, CSRF protection on (TestingConfig turns it
    off); one for the suite, like ``shared_app``."""
    app = create_app(
        TestingConfig,
        overrides={
            "SQLALCHEMY_DATABASE_URI": migrated_url,
            "WTF_CSRF_ENABLED": True,
            "BACKUP_DIR": backup_dir,
        },
    )
    yield app
    with app.app_context():
        db.engine.dispose()


@pytest.fixture
def csrf_app(shared_csrf_app, clock):
    """The CSRF-protected app with this test's clock; tables emptied afterwards."""
    shared_csrf_app.extensions["clock"] = clock
    yield shared_csrf_app
    with shared_csrf_app.app_context():
        empty_all_tables()


def empty_all_tables() -> None:
    """Delete every row, children first, and restart the ids at 1.

    On PostgreSQL one DO block deletes and resets the sequences in a single
    round trip: ``TRUNCATE`` of every table, which swaps each table's files,
    cost more than most tests."""
    db.session.remove()
    tables = list(reversed(db.metadata.sorted_tables))
    if db.engine.dialect.name == "postgresql":
        with db.engine.begin() as connection:
            connection.exec_driver_sql(_empty_postgresql(connection, tables))
        return
    # One script, one call into SQLite: a DELETE per table through
    # SQLAlchemy costs more than most tests' own statements.
    quote = db.engine.dialect.identifier_preparer.quote
    deletes = "".join(f"DELETE FROM {quote(t.name)};" for t in tables)
    connection = db.engine.raw_connection()
    try:
        connection.driver_connection.executescript(f"BEGIN;{deletes}COMMIT;")
    finally:
        connection.close()


def _empty_postgresql(connection, tables) -> str:
    quote = connection.dialect.identifier_preparer.quote
    deletes = "".join(f"DELETE FROM {quote(t.name)};" for t in tables)
    # The schema's only sequences are the tables' own ids.
    restart = (
        "PERFORM setval(CAST(quote_ident(schemaname) || '.' || "
        "quote_ident(sequencename) AS regclass), 1, false) "
        "FROM pg_sequences WHERE last_value IS NOT NULL;"
    )
    return f"DO $$ BEGIN {deletes} {restart} END $$"


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


@pytest.fixture
def ctx(app):
    """An app context for tests that call services directly (no client)."""
    with app.app_context():
        yield


@pytest.fixture
def given(app):
    """Arrange data for request tests: ``given(make_ticket, requester=alice)``.

    Runs a builder in its own app context, commits, and returns a detached
    snapshot (ids, e-mail, number...), so no context stays open while the
    client sends requests - each request gets its own session, as in production.
    """

    def arrange(builder, *args, **kwargs):
        with app.app_context():
            obj = builder(*args, **kwargs)
            db.session.commit()
            return snapshot(obj)

    return arrange


@pytest.fixture
def bearer(app) -> Bearer:
    """``bearer(user)`` → the ``Authorization`` header of a fresh API token of
    ``user`` (a snapshot); ``bearer.token(user)`` → the token (``.raw``, ``.id``,
    ``.headers``). Issued through the service, as ``POST /api/v1/auth/token``
    does: the endpoint itself is tested in tests/helpdesk/test_api.py."""
    return Bearer(app)


@pytest.fixture
def login(client):
    """``login(user)`` logs the test client in through the real login form."""

    def log_in(user, password: str = PASSWORD):
        response = client.post(
            "/login", data={"email": user.email, "password": password}
        )
        assert response.status_code == 302, response.get_data(as_text=True)
        return user

    return log_in


@pytest.fixture
def smtp():
    """A real SMTP server on 127.0.0.1; ``smtp.handler.messages()`` is what it got."""
    server = LoopbackSMTP()
    server.start()
    yield server
    server.stop()


@pytest.fixture
def mail_app(app, smtp, monkeypatch):
    """The app, sending its mail to the test's SMTP server."""
    monkeypatch.setitem(app.config, "SMTP_PORT", smtp.port)
    return app
