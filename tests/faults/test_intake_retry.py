"""An intake that finds SQLite's write lock taken waits its busy timeout,
then runs again from the start (never half-done); one that still cannot
write answers 503 with Retry-After and stores nothing.

The lock is real (a second sqlite3 connection in ``BEGIN IMMEDIATE``), taken
at the instant the intake first writes and released when the app sees the
error, so the retry's outcome does not depend on timing.
"""

from __future__ import annotations

import logging

import sqlalchemy as sa

from helpdesk.extensions import db
from helpdesk.vocabulary import Role
from tests.builders import make_category, make_user
from tests.security.support import auth, counts, error_of, issue_bearer

BODY = {"subject": "VPN", "description": "Down since noon.", "category": "access"}


def _lock_on_first_write(app, write_lock, *, release_on_error: bool):
    """Take the write lock just before the intake's first INSERT; give it
    back when that INSERT fails, if ``release_on_error``."""
    with app.app_context():
        engine = db.engine
    held = []

    def before(_conn, _cursor, statement, *_args):
        if statement.startswith("INSERT INTO tickets") and not held:
            held.append(write_lock("IMMEDIATE"))

    def on_error(_context):
        if release_on_error and held:
            held[0].release()

    sa.event.listen(engine, "before_cursor_execute", before)
    sa.event.listen(engine, "handle_error", on_error)
    return lambda: (
        sa.event.remove(engine, "before_cursor_execute", before),
        sa.event.remove(engine, "handle_error", on_error),
    )


def _world(given, app):
    given(make_category, "access")
    customer = given(make_user, role=Role.CUSTOMER, locale="en")
    return auth(issue_bearer(app, customer).raw)


def test_an_intake_that_meets_the_lock_once_is_retried_whole_and_stored_once(
    app, client, given, write_lock, caplog
):
    headers = _world(given, app)
    before = counts(app)
    stop = _lock_on_first_write(app, write_lock, release_on_error=True)
    try:
        with caplog.at_level(logging.WARNING, logger="helpdesk.unit_of_work"):
            response = client.post("/api/v1/tickets", json=BODY, headers=headers)
    finally:
        stop()

    assert response.status_code == 201, response.get_data(as_text=True)
    assert "db.locked retry=1" in caplog.text
    after = counts(app)
    assert after["tickets"] == before["tickets"] + 1
    # The events of the failed attempt were rolled back, not kept twice.
    kinds = [e["kind"] for e in _events(client, headers, response.get_json()["id"])]
    assert kinds.count("created") == 1


def test_an_intake_that_never_gets_the_lock_is_a_503_and_stores_nothing(
    app, client, given, write_lock, caplog
):
    headers = _world(given, app)
    before = counts(app)
    stop = _lock_on_first_write(app, write_lock, release_on_error=False)
    try:
        with caplog.at_level(logging.WARNING, logger="helpdesk.unit_of_work"):
            response = client.post("/api/v1/tickets", json=BODY, headers=headers)
    finally:
        stop()

    assert response.status_code == 503, response.get_data(as_text=True)
    assert response.headers["Retry-After"] == "5"
    assert error_of(response)["code"] == "unavailable"
    retries = app.config["SQLITE_LOCK_RETRIES"]
    assert f"db.locked retry={retries}" in caplog.text
    assert counts(app) == before


def _events(client, headers, ticket_id: int) -> list[dict]:
    response = client.get(f"/api/v1/tickets/{ticket_id}/events", headers=headers)
    assert response.status_code == 200
    return response.get_json()["items"]
