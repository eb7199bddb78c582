"""Migration 0031 on data (on SQLite and on PostgreSQL): the customers' free-text organisations become
records (one per name in any case and spacing), members and their tickets
carry them, the addresses copied on tickets' mail become watchers where they
may; and back. The models match the migrations."""

from __future__ import annotations

from datetime import UTC, datetime

import flask_migrate
import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext

from app import create_app
from config import TestingConfig
from helpdesk.extensions import db

AT = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)


@pytest.fixture
def scratch_url(database_url, tmp_path):
    """An empty database of its own: a SQLite file, or a database created on
    the suite's PostgreSQL server."""
    if not database_url.startswith("postgresql"):
        yield f"sqlite:///{tmp_path / 'old.db'}"
        return
    name = "helpdesk_migration_0031"
    server = sa.create_engine(database_url, isolation_level="AUTOCOMMIT")
    with server.connect() as connection:
        connection.execute(sa.text(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
        connection.execute(sa.text(f"CREATE DATABASE {name}"))
    yield database_url.rsplit("/", 1)[0] + "/" + name
    with server.connect() as connection:
        connection.execute(sa.text(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
    server.dispose()


@pytest.fixture
def old_database(scratch_url):
    """A database at revision 0024 with free-text organisations."""
    app = create_app(TestingConfig, overrides={"SQLALCHEMY_DATABASE_URI": scratch_url})
    with app.app_context():
        flask_migrate.upgrade(revision="0024")
        people = [
            (1, "anna@romashka.example", "Anna", "customer", "ООО Ромашка"),
            (2, "boris@romashka.example", "Boris", "customer", "ооо  ромашка "),
            (3, "carl@romashka.example", "Carl", "customer", "ООО Ромашка"),
            (4, "dave@acme.example", "Dave", "customer", "Acme"),
            (5, "olga@example.test", "Olga", "line1", "Поддержка"),
            (6, "eve@example.test", "Eve", "customer", None),
        ]
        for user_id, email, name, role, organization in people:
            db.session.execute(
                sa.text(
                    "INSERT INTO users (id, email, name, role, organization, "
                    "lookup_text, timezone, active, created_at, notification_settings,"
                    " session_version) VALUES (:id, :email, :name, :role, :org, "
                    ":lookup, 'UTC', :yes, :at, '{}', 0)"
                ),
                {
                    "id": user_id,
                    "email": email,
                    "name": name,
                    "lookup": name.lower(),
                    "role": role,
                    "org": organization,
                    "at": AT,
                    "yes": True,
                },
            )
        db.session.execute(
            sa.text(
                "INSERT INTO categories (id, code, name_en, name_ru, active) "
                "VALUES (1, 'access', 'Access', 'Доступ', :yes)"
            ),
            {"yes": True},
        )
        for ticket_id, requester in ((10, 1), (11, 4), (12, 6)):
            db.session.execute(
                sa.text(
                    "INSERT INTO tickets (id, subject, description, status, priority,"
                    " channel, line, category_id, requester_id, created_at, "
                    "updated_at, version) VALUES (:id, 's', 'd', 'open', 'P3', "
                    "'email', 1, 1, :requester, :at, :at, 0)"
                ),
                {"id": ticket_id, "requester": requester, "at": AT},
            )
        copies = [
            (10, "boris@romashka.example"),  # a colleague: watches
            (10, "olga@example.test"),  # staff: watches
            (10, "dave@acme.example"),  # another organisation's: dropped
            (10, "stranger@example.net"),  # no account: dropped
            (12, "anna@romashka.example"),  # Eve has no organisation: dropped
        ]
        for ticket_id, email in copies:
            db.session.execute(
                sa.text("INSERT INTO inbound_ticket_copies VALUES (:t, :e)"),
                {"t": ticket_id, "e": email},
            )
        db.session.commit()
    yield app
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


def rows(sql: str) -> list[tuple]:
    return [tuple(r) for r in db.session.execute(sa.text(sql))]


def test_free_text_organisations_become_records_and_copies_watchers(old_database):
    with old_database.app_context():
        flask_migrate.upgrade(revision="0031")

        assert rows("SELECT name, name_key FROM organisations ORDER BY id") == [
            ("ООО Ромашка", "ооо ромашка"),  # the spelling most had
            ("Acme", "acme"),
        ]
        members = rows(
            "SELECT u.name, o.name, u.org_contact FROM users u "
            "LEFT JOIN organisations o ON o.id = u.organisation_id ORDER BY u.id"
        )
        assert members == [
            ("Anna", "ООО Ромашка", 0),
            ("Boris", "ООО Ромашка", 0),
            ("Carl", "ООО Ромашка", 0),
            ("Dave", "Acme", 0),
            ("Olga", None, 0),  # staff belong to none
            ("Eve", None, 0),
        ]
        assert rows(
            "SELECT t.id, o.name FROM tickets t "
            "LEFT JOIN organisations o ON o.id = t.organisation_id ORDER BY t.id"
        ) == [(10, "ООО Ромашка"), (11, "Acme"), (12, None)]
        assert rows(
            "SELECT ticket_id, user_id FROM ticket_watchers ORDER BY user_id"
        ) == [(10, 2), (10, 5)]
        # The caller lookup finds members by the record's name.
        assert rows("SELECT lookup_text FROM users WHERE id = 2") == [
            ("boris boris@romashka.example ооо ромашка",)
        ]
        columns = {c["name"] for c in sa.inspect(db.engine).get_columns("users")}
        assert "organization" not in columns
        assert "inbound_ticket_copies" not in sa.inspect(db.engine).get_table_names()


def test_the_downgrade_gives_the_free_text_and_the_copies_back(old_database):
    with old_database.app_context():
        flask_migrate.upgrade(revision="0031")
        flask_migrate.downgrade(revision="0024")

        assert rows("SELECT id, organization FROM users ORDER BY id") == [
            (1, "ООО Ромашка"),
            (2, "ООО Ромашка"),
            (3, "ООО Ромашка"),
            (4, "Acme"),
            (5, None),
            (6, None),
        ]
        assert sorted(rows("SELECT ticket_id, email FROM inbound_ticket_copies")) == [
            (10, "boris@romashka.example"),
            (10, "olga@example.test"),
        ]
        assert "organisations" not in sa.inspect(db.engine).get_table_names()


def test_the_organisation_and_watcher_tables_match_the_migration(app):
    include_name = app.extensions["migrate"].configure_args["include_name"]
    with app.app_context(), db.engine.connect() as connection:
        context = MigrationContext.configure(
            connection, opts={"include_name": include_name, "compare_type": True}
        )
        diffs = compare_metadata(context, db.metadata)
    assert [
        d
        for d in diffs
        if any(
            name in repr(d)
            for name in ("organisation", "org_contact", "watcher", "organization")
        )
    ] == []
