"""Worlds arranged once and put back: the ``saved_world`` fixture.

Arranging the data a test runs on through the builders and services can cost
more than the test, and many tests run on the same data: the cells of a
permission matrix with one setup and actor, the bad-input tests' world. The
first test to ask for a world arranges it and keeps every row; the next ones
start from empty tables as every test does and get those rows put back - the
same ids, values and sequence positions - checked once against the kept
fingerprint, so a world put back is the world arranged.

    world = saved_world("bad-input world", lambda: _arrange(given, bearer))

The world is asked for before anything else is stored. The key must name
everything the world depends on; ``arrange`` returns what the test needs to
know about it (snapshots, ids, raw tokens), which is kept with the rows and
handed out again (a copy each time).
"""

from __future__ import annotations

import copy
import itertools
from collections.abc import Callable, Hashable
from typing import TypeVar

import pytest
import sqlalchemy as sa

from helpdesk.extensions import db
from tests.security.support import db_state, model_tables

T = TypeVar("T")


class SavedWorlds:
    def __init__(self) -> None:
        self._worlds: dict[tuple, list] = {}
        self._numbers = itertools.count(1)

    def get(self, app, key: Hashable, arrange: Callable[[], T]) -> T:
        full_key = (key, _database(app))
        if full_key not in self._worlds:
            rows, _sequences = _fingerprint(app)
            # Kept rows must be the world's alone: no fixture may have
            # stored anything before the world is asked for.
            assert not any(count for count, _ in rows.values()), (
                f"{key}: arranged on tables that are not empty"
            )
            world = arrange()
            fingerprint = _fingerprint(app)
            saved = _save(app, fingerprint, next(self._numbers))
            self._worlds[full_key] = [copy.deepcopy(world), saved, fingerprint]
            return world
        entry = self._worlds[full_key]
        world, saved, fingerprint = entry
        _restore(app, saved)
        if fingerprint is not None:
            # Putting back runs the same statements on the same empty tables
            # every time: checking the first time is enough.
            assert _fingerprint(app) == fingerprint, f"{key} was not put back"
            entry[2] = None
        # A copy: a test that changes what it was handed changes no other's.
        return copy.deepcopy(world)


_saved = SavedWorlds()


@pytest.fixture
def saved_world(app):
    """``saved_world(key, arrange)``: ``arrange()``'s world, arranged once per
    key and database and put back for every later test that asks."""

    def get(key: Hashable, arrange: Callable[[], T]) -> T:
        return _saved.get(app, key, arrange)

    return get


def _database(app) -> str:
    return app.config["SQLALCHEMY_DATABASE_URI"]


def _fingerprint(app) -> tuple[dict, list]:
    """The model tables' rows (not SQLite's full-text index tables: triggers
    rebuild them, in another internal layout) and PostgreSQL's sequences."""
    rows = {
        name: value
        for name, value in db_state(app).items()
        if name in db.metadata.tables
    }
    with app.app_context(), db.engine.connect() as connection:
        sequences = []
        if connection.dialect.name == "postgresql":
            sequences = connection.exec_driver_sql(_SEQUENCES).all()
        db.session.remove()
    return rows, [tuple(row) for row in sequences]


_SEQUENCES = (
    "SELECT quote_ident(schemaname) || '.' || quote_ident(sequencename), "
    "last_value FROM pg_sequences WHERE last_value IS NOT NULL ORDER BY 1"
)


def _save(app, fingerprint: tuple[dict, list], number: int):
    """What puts the current rows back: on PostgreSQL a copy of each
    non-empty table in the ``matrix_worlds`` schema and one DO block that
    inserts them and sets the used sequences; on SQLite the rows themselves
    (its values come back exactly as stored) and their INSERTs."""
    with app.app_context(), db.engine.begin() as connection:
        quote = connection.dialect.identifier_preparer.quote
        rows, sequences = fingerprint
        tables = [t for t in model_tables(db.engine) if rows[t.name][0]]
        if connection.dialect.name == "postgresql":
            saved = _save_postgresql(connection, tables, sequences, number, quote)
        else:
            saved = []
            for table in tables:
                columns = _columns(table, quote)
                values = connection.exec_driver_sql(
                    f"SELECT {columns} FROM {quote(table.name)}"
                ).fetchall()
                marks = ", ".join("?" for _ in columns.split(", "))
                insert = f"INSERT INTO {quote(table.name)} ({columns}) VALUES ({marks})"
                saved.append((insert, [tuple(row) for row in values]))
        db.session.remove()
    return saved


def _save_postgresql(connection, tables, sequences, number: int, quote) -> str:
    connection.exec_driver_sql("CREATE SCHEMA IF NOT EXISTS matrix_worlds")
    inserts = []
    for table in tables:
        columns = _columns(table, quote)
        copy = f"matrix_worlds.{quote(f'w{number}_{table.name}')}"
        connection.exec_driver_sql(
            f"CREATE TABLE {copy} AS SELECT {columns} FROM {quote(table.name)}"
        )
        inserts.append(
            f"INSERT INTO {quote(table.name)} ({columns}) SELECT {columns} FROM {copy};"
        )
    setvals = "".join(
        f"PERFORM setval('{name}', {value}, true);" for name, value in sequences
    )
    return f"DO $$ BEGIN {''.join(inserts)} {setvals} END $$"


def _columns(table: sa.Table, quote) -> str:
    # Generated columns (PostgreSQL's search vector) are computed again.
    return ", ".join(quote(c.name) for c in table.c if c.computed is None)


def _restore(app, saved) -> None:
    with app.app_context(), db.engine.begin() as connection:
        if isinstance(saved, str):
            connection.exec_driver_sql(saved)
        else:
            for insert, rows in saved:
                connection.exec_driver_sql(insert, rows)
        db.session.remove()
