"""/healthz: a write probe that notices a read-only database and recovers
by itself, the outbox's backlog and the newest backup's age."""

from __future__ import annotations

import contextlib
from datetime import timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa

from helpdesk.backup.jobs import backup_job
from helpdesk.extensions import db
from helpdesk.outbox import OutboxChannel, OutboxMessage
from tests.faults.conftest import ReadOnlyDisk


@contextlib.contextmanager
def read_only_database(app):
    """The database refuses writes to new connections: the SQLite file made
    read-only (``chattr +i`` as root, whom file modes do not stop), or the
    PostgreSQL database's ``default_transaction_read_only``."""
    url = sa.engine.make_url(app.config["SQLALCHEMY_DATABASE_URI"])
    if url.get_backend_name() == "sqlite":
        # The file, its WAL and its folder, as the fault tests do: SQLite may
        # otherwise reuse a writable descriptor another connection left open.
        disk = ReadOnlyDisk(Path(url.database))
        disk.on()
        try:
            yield
        finally:
            disk.off()
        return
    admin = sa.create_engine(url, isolation_level="AUTOCOMMIT")
    name = url.database
    with admin.connect() as connection:
        connection.exec_driver_sql(
            f'ALTER DATABASE "{name}" SET default_transaction_read_only = on'
        )
        try:
            yield
        finally:
            connection.exec_driver_sql(
                f'ALTER DATABASE "{name}" RESET default_transaction_read_only'
            )
    admin.dispose()


def test_healthz_fails_while_the_database_is_read_only_and_recovers_alone(app, client):
    assert client.get("/healthz").status_code == 200
    with read_only_database(app):
        # The worker's connections are opened afresh (a restart, a recycle).
        with app.app_context():
            db.engine.dispose()
        refused = client.get("/healthz")
        assert refused.status_code == 503
        assert refused.json["status"] == "failed"
        assert refused.json["failed"] == ["database"]
        assert "read" in refused.json["database"]["error"].lower()
        assert refused.json["scheduler_status"] == "unknown"
        assert client.get("/healthz").status_code == 503
    # No restart, no dispose: the probe's failed connection was dropped.
    recovered = client.get("/healthz")
    assert recovered.status_code == 200, recovered.json
    assert recovered.json["failed"] == []


def test_healthz_fails_when_mail_waits_too_long_in_the_outbox(app, client, clock):
    with app.app_context():
        db.session.add(
            OutboxMessage(
                channel=OutboxChannel.EMAIL,
                recipient="a@example.test",
                subject="s",
                body="b",
                created_at=clock.now(),
                next_attempt_at=clock.now(),
            )
        )
        db.session.commit()
    fresh = client.get("/healthz")
    assert fresh.status_code == 200
    assert fresh.json["outbox"]["pending"] == 1
    assert fresh.json["outbox"]["oldest_pending_age_seconds"] == 0
    clock.advance(seconds=app.config["OUTBOX_MAX_PENDING_SECONDS"] + 1)
    late = client.get("/healthz")
    assert late.status_code == 503
    assert late.json["failed"] == ["outbox"]


@pytest.fixture
def backups_expected(app, tmp_path, monkeypatch):
    monkeypatch.setitem(app.config, "BACKUP_DIR", str(tmp_path / "backups"))
    monkeypatch.setitem(app.config, "BACKUP_EXPECTED", True)


def test_healthz_fails_without_a_recent_backup(app, client, clock, backups_expected):
    missing = client.get("/healthz")
    assert missing.status_code == 503
    assert missing.json["failed"] == ["backup"]
    name = backup_job(app)
    made = client.get("/healthz")
    assert made.status_code == 200
    assert made.json["backup"]["latest"] == name
    assert made.json["backup"]["size_bytes"] > 0
    clock.advance(seconds=app.config["BACKUP_MAX_AGE_SECONDS"] + 1)
    old = client.get("/healthz")
    assert old.status_code == 503
    assert old.json["backup"]["age_seconds"] == (
        app.config["BACKUP_MAX_AGE_SECONDS"] + 1
    )
    assert timedelta(seconds=old.json["backup"]["age_seconds"]) > timedelta(days=2)


def test_the_operations_page_shows_the_health_checks(client, given, login):
    from helpdesk.vocabulary import Role
    from tests.builders import make_user

    login(given(make_user, role=Role.ADMIN))
    page = client.get("/admin/operations").get_data(as_text=True)
    assert "Database takes writes" in page
    assert "0 waiting" in page
