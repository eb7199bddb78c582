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
tokens. Cells of one setup and actor share their world: it is arranged once
and its rows are put back for the others (``saved_world``), so ``arrange``
sees only the matrix's ``world_of(case)``, never the case itself.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Hashable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from types import SimpleNamespace
from urllib.parse import urlsplit

import pytest
from werkzeug.routing import Rule

from helpdesk.vocabulary import Role
from tests.builders import PASSWORD, make_user
from tests.security.support import changed_tables, db_state, error_of

ACTORS = (
    "anonymous",
    "customer",  # the requester of the world's ticket
    "other_customer",  # a customer of no organisation
    # The requester belongs to an organisation (``make_requester``):
    "org_contact",  # its designated contact, who sees all its tickets
    "org_member",  # a plain member, a colleague who sees only their own
    "line1",
    "line2",
    "line3",
    "manager",
    "admin",
)
ROLES = {
    "customer": Role.CUSTOMER,
    "other_customer": Role.CUSTOMER,
    "org_contact": Role.CUSTOMER,
    "org_member": Role.CUSTOMER,
    "line1": Role.LINE1,
    "line2": Role.LINE2,
    "line3": Role.LINE3,
    "manager": Role.MANAGER,
    "admin": Role.ADMIN,
}
AGENTS = ("line1", "line2", "line3")
STAFF = (*AGENTS, "manager", "admin")
CUSTOMERS = ("customer", "other_customer", "org_contact", "org_member")
# The organisation the world's requester belongs to.
REQUESTERS_ORGANISATION = "Requester & Co"


def make_requester(given, **fields):
    """The requester of a world's tickets: a member of
    ``REQUESTERS_ORGANISATION``, so that its contact and its plain members
    can act beside the customer of no organisation."""
    return given(
        make_user,
        role=Role.CUSTOMER,
        name="Requester",
        organisation=REQUESTERS_ORGANISATION,
        **fields,
    )


def make_actor(given, actor: str, requester):
    """The acting user of a cell (a snapshot; None for anonymous): the
    requester itself, a designated contact or a plain member of its
    organisation, or a new user of the actor's role."""
    if actor == "anonymous":
        return None
    if actor == "customer":
        return requester
    if actor in ("org_contact", "org_member"):
        return given(
            make_user,
            role=Role.CUSTOMER,
            name=actor.replace("_", " ").title(),
            organisation=REQUESTERS_ORGANISATION,
            org_contact=actor == "org_contact",
        )
    return given(make_user, role=ROLES[actor])


# On PostgreSQL the matrix runs each case once per kind of actor and
# outcome: who may do what is decided in Python and proven cell by cell on
# SQLite; what PostgreSQL adds is its SQL, which one actor of each kind and
# answer runs through (an agent's line query, a customer's own tickets).
# A request sent to the login page runs no SQL of its own (no session, no
# user), so those cells run on SQLite only.
ON_POSTGRESQL = os.environ.get("HELPDESK_TEST_DB") == "postgresql"
KINDS = {
    "anonymous": "anonymous",
    **dict.fromkeys(CUSTOMERS, "customer"),
    **dict.fromkeys(AGENTS, "agent"),
    "manager": "all lines",
    "admin": "all lines",
}


def _one_per_outcome(case: Case, actors: Sequence[str]) -> list[str]:
    seen, chosen = set(), []
    for actor in actors:
        outcome = (KINDS[actor], case.expect[actor])
        if case.expect[actor] != LOGIN and outcome not in seen:
            seen.add(outcome)
            chosen.append(actor)
    return chosen


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
    # Tables the request may change even when refused or storing nothing
    # else: a failed login or a logout is written to the audit log.
    may_change: frozenset[str] = frozenset()
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
# that the world may depend on besides the actor (it keys the saved worlds).
# ``fixtures`` has ``app``, ``given`` and ``bearer``.
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
            actors = case.only or self.actors
            if ON_POSTGRESQL:
                actors = _one_per_outcome(case, actors)
            for actor in actors:
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


# --- one cell ------------------------------------------------------------------


def check_cell(matrix: Matrix, case: Case, actor: str, fx: SimpleNamespace) -> None:
    """Run ``case`` as ``actor`` and check the answer and the database."""
    # The cells of one setup and actor share their world: arranged once,
    # its rows put back for the others.
    setup = matrix.world_of(case)
    world = fx.saved_world(
        ("permission matrix", id(matrix), frozenset(setup.items()), actor),
        lambda: _signed_in(matrix.arrange(setup, actor, fx), fx),
    )
    headers = {}
    if world.user is not None:
        if case.api:
            headers = world.bearer_headers
        else:
            for name, value in world.cookies.items():
                fx.client.set_cookie(name, value)
    before = db_state(fx.app)

    response = fx.client.open(
        case.path.format_map(world.ids),
        method=case.method,
        headers=headers,
        data=fill(case.form, world),
        json=fill(case.json, world),
    )
    # Bytes first: a spreadsheet download is no UTF-8 text.
    body = response.get_data()[:300].decode(errors="replace")
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
        allowed = case.may_change | (
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


def _signed_in(world: SimpleNamespace, fx: SimpleNamespace) -> SimpleNamespace:
    """The world with its actor signed in once, through the login form and
    with an API token: the session and the token are rows of the world, put
    back with it, so every cell of the world reuses the cookie and the token
    instead of logging in again."""
    world.cookies, world.bearer_headers = {}, {}
    if world.user is None:
        return world
    browser = fx.app.test_client()
    response = browser.post(
        "/login", data={"email": world.user.email, "password": PASSWORD}
    )
    assert response.status_code == 302, response.get_data(as_text=True)
    for name in (
        fx.app.config["SESSION_COOKIE_NAME"],
        fx.app.config.get("REMEMBER_COOKIE_NAME", "remember_token"),
    ):
        if cookie := browser.get_cookie(name):
            world.cookies[name] = cookie.value
    world.bearer_headers = fx.bearer(world.user)
    return world


@pytest.fixture
def permission_check(app, client, given, login, bearer, saved_world):
    """``permission_check(MATRIX, case, actor)`` runs one cell of a matrix."""
    fx = SimpleNamespace(
        app=app,
        client=client,
        given=given,
        login=login,
        bearer=bearer,
        saved_world=saved_world,
    )

    def check(matrix: Matrix, case: Case, actor: str) -> None:
        check_cell(matrix, case, actor, fx)

    return check
