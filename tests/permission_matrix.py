"""The route × role permission matrix: one harness for every package.

A package's matrix file lists only its rows - ``Case``s - and how to arrange
the world one request runs in; this module runs each case as each actor and
checks that every route of the package has a row:

    MATRIX = Matrix(cases=CASES, arrange=_arrange, owns=lambda rule: ...)

    @pytest.mark.parametrize(("case", "actor"), MATRIX.cells())
    def test_x_permission_matrix(case, actor, permission_check):
        permission_check(MATRIX, case, actor)

    def test_every_x_route_is_in_the_matrix(app):
        MATRIX.assert_covers(app)

What one cell proves: the answer is the expected status (``LOGIN`` is the
login page for pages and a JSON 401 for the API; every API error has the JSON
error shape); a refused request (any 4xx, or the login page), a GET and a
request the case marks as storing nothing leave every row of every table as
it was; an allowed write changes something, so the "unchanged" check cannot
pass by accident. Pages log in through the login form, the API uses bearer
tokens.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Hashable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from types import SimpleNamespace
from urllib.parse import urlsplit

import pytest
import sqlalchemy as sa
from werkzeug.routing import Rule

from helpdesk.extensions import db
from helpdesk.models import Role
from tests.security.support import changed_tables, db_state, error_of, model_tables

ACTORS = (
    "anonymous",
    "customer",  # the requester of the world's ticket
    "other_customer",
    "line1",
    "line2",
    "line3",
    "manager",
    "admin",
)
ROLES = {
    "customer": Role.CUSTOMER,
    "other_customer": Role.CUSTOMER,
    "line1": Role.LINE1,
    "line2": Role.LINE2,
    "line3": Role.LINE3,
    "manager": Role.MANAGER,
    "admin": Role.ADMIN,
}
AGENTS = ("line1", "line2", "line3")
STAFF = (*AGENTS, "manager", "admin")

# Anonymous on a protected route: the login page for pages, 401 for the API.
LOGIN = "login"

# A form or JSON body: a dict whose strings may hold ``{placeholder}``s of
# the world's ids, or a function of the world.
Data = dict | Callable[[SimpleNamespace], dict] | None


@dataclass(frozen=True)
class Case:
    """One request, and what each actor gets back."""

    name: str
    method: str
    path: str  # ``{placeholder}``s are filled from the world's ``ids``
    expect: Mapping[str, int | str]  # actor -> status code, or LOGIN
    form: Data = None
    json: Data = None
    # True: every allowed call stores something; a tuple: only these actors'
    # allowed calls do (the others must change nothing); False: none does.
    writes: bool | tuple[str, ...] = False
    # Run only these actors (a sibling case covers the others).
    only: tuple[str, ...] | None = None
    # Package-specific arrangement, read by the matrix's ``arrange``.
    setup: Mapping[str, Hashable] = field(default_factory=dict)

    @property
    def api(self) -> bool:
        return self.path.startswith("/api/")

    def writes_as(self, actor: str) -> bool:
        if isinstance(self.writes, tuple):
            return actor in self.writes
        return self.writes


# ``arrange(setup, actor, fixtures)`` commits the world a cell runs in and
# returns it: ``.user`` (the acting user's snapshot, None for anonymous),
# ``.ids`` (the path's and bodies' placeholders), and whatever the case's
# data functions read. ``setup`` is the matrix's ``world_of(case)``: all
# that the world may depend on besides the actor. ``fixtures`` has ``app``,
# ``given`` and ``bearer``.
Arrange = Callable[[Mapping[str, Hashable], str, SimpleNamespace], SimpleNamespace]


def _setup_of(case: Case) -> Mapping[str, Hashable]:
    return case.setup


@dataclass(frozen=True)
class Matrix:
    cases: Sequence[Case]
    arrange: Arrange
    owns: Callable[[Rule], bool]  # the routes this matrix must cover
    actors: tuple[str, ...] = ACTORS
    # Tables an allowed GET may change (reading an article counts a view).
    reads_may_change: frozenset[str] = frozenset()
    # What of a case its world depends on (given to ``arrange``).
    world_of: Callable[[Case], Mapping[str, Hashable]] = _setup_of

    def cells(self) -> list:
        """Every (case, actor) pair as a pytest param named ``case-actor``."""
        return list(self._cells())

    def _cells(self) -> Iterator:
        for case in self.cases:
            assert set(case.expect) == set(self.actors), case.name
            for actor in case.only or self.actors:
                yield pytest.param(case, actor, id=f"{case.name}-{actor}")

    def uncovered(self, app) -> list[tuple[str, str]]:
        """The (method, endpoint) pairs this matrix owns but has no case for."""
        adapter = app.url_map.bind("localhost")
        covered = set()
        for case in self.cases:
            path = urlsplit(case.path.format_map(_Ones())).path
            endpoint, _args = adapter.match(path, method=case.method)
            covered.add((case.method, endpoint))
        routes = {
            (method, rule.endpoint)
            for rule in app.url_map.iter_rules()
            if self.owns(rule)
            for method in rule.methods - {"HEAD", "OPTIONS"}
        }
        return sorted(routes - covered)

    def assert_covers(self, app) -> None:
        """A new route fails here until a case says who may call it."""
        missing = self.uncovered(app)
        assert not missing, "routes without a row in the matrix: " + ", ".join(
            f"{method} {endpoint}" for method, endpoint in missing
        )


class _Ones(dict):
    """Fills every placeholder with 1: enough to match a route."""

    def __missing__(self, key: str) -> int:
        return 1


def fill(data: Data, world: SimpleNamespace):
    """The body to send: a function's result as is, a dict's strings (also
    nested ones) with the world's ids put in."""
    if callable(data):
        return data(world)
    return _format(data, world.ids)


def _format(value, ids: Mapping):
    if isinstance(value, str):
        return value.format_map(ids)
    if isinstance(value, dict):
        return {k: _format(v, ids) for k, v in value.items()}
    if isinstance(value, list):
        return [_format(v, ids) for v in value]
    return value


# --- worlds: arranged once, put back for every cell -------------------------


class SavedWorlds:
    """Arranging a world through the builders and services costs more than
    the rest of a cell, and many cells share one world: the same setup and
    actor. The first such cell arranges it and keeps every row; the next ones
    start from empty tables as usual and get those rows put back - the same
    ids, values and sequence positions, checked once against the kept
    fingerprint, so a world put back is the world arranged."""

    def __init__(self) -> None:
        self._worlds: dict[tuple, tuple] = {}
        self._numbers = itertools.count(1)

    def arrange(self, matrix: Matrix, case: Case, actor: str, fx) -> SimpleNamespace:
        setup = matrix.world_of(case)
        key = (id(matrix), frozenset(setup.items()), actor, _database(fx.app))
        if key in self._worlds:
            world, saved, fingerprint = self._worlds[key]
            _restore(fx.app, saved)
            if fingerprint is not None:
                # Putting back is the same statements on the same empty
                # tables every time: checking the first time is enough.
                assert _fingerprint(fx.app) == fingerprint, (
                    f"the world of {case.name} as {actor} was not put back"
                )
                self._worlds[key] = (world, saved, None)
            return world
        world = matrix.arrange(setup, actor, fx)
        fingerprint = _fingerprint(fx.app)
        saved = _save(fx.app, fingerprint, next(self._numbers))
        self._worlds[key] = (world, saved, fingerprint)
        return world


_saved_worlds = SavedWorlds()


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


# --- one cell ------------------------------------------------------------------


def check_cell(matrix: Matrix, case: Case, actor: str, fx: SimpleNamespace) -> None:
    """Run ``case`` as ``actor`` and check the answer and the database."""
    world = _saved_worlds.arrange(matrix, case, actor, fx)
    headers = {}
    if world.user is not None:
        if case.api:
            headers = fx.bearer(world.user)
        else:
            fx.login(world.user)
    before = db_state(fx.app)

    response = fx.client.open(
        case.path.format_map(world.ids),
        method=case.method,
        headers=headers,
        data=fill(case.form, world),
        json=fill(case.json, world),
    )
    body = response.get_data(as_text=True)[:300]
    response.close()

    expected = case.expect[actor]
    if expected == LOGIN and case.api:
        assert response.status_code == 401, body
        assert error_of(response)["code"] == "unauthorized"
    elif expected == LOGIN:
        assert response.status_code == 302, body
        assert urlsplit(response.headers["Location"]).path == "/login"
    else:
        assert response.status_code == expected, body
    if case.api and response.status_code >= 400:
        error_of(response)

    changed = set(changed_tables(before, db_state(fx.app)))
    refused = expected == LOGIN or response.status_code >= 400
    if refused or case.method == "GET" or not case.writes_as(actor):
        allowed = (
            matrix.reads_may_change
            if case.method == "GET" and expected == 200
            else frozenset()
        )
        assert changed <= allowed, (
            f"{case.name} as {actor} answered {response.status_code} "
            f"but changed {sorted(changed)}"
        )
    else:
        assert changed, f"{case.name} as {actor} stored nothing"


@pytest.fixture
def permission_check(app, client, given, login, bearer):
    """``permission_check(MATRIX, case, actor)`` runs one cell of a matrix."""
    fx = SimpleNamespace(
        app=app, client=client, given=given, login=login, bearer=bearer
    )

    def check(matrix: Matrix, case: Case, actor: str) -> None:
        check_cell(matrix, case, actor, fx)

    return check
