"""Helpers of the security and bad-input suites.

- ``db_state`` / ``assert_unchanged``: a fingerprint of every row of every
  table, to prove a refused request stored nothing at all.
- ``Bearer`` (the ``bearer`` fixture) / ``auth``: bearer-token headers for API
  calls.
- ``error_of``: the JSON error object, after checking its shape.
"""

from __future__ import annotations

from types import SimpleNamespace

import sqlalchemy as sa

from helpdesk.extensions import db
from helpdesk.models import ApiToken, Attachment, Comment, Ticket, User
from helpdesk.service import accounts

# --- database state --------------------------------------------------------


_reflected: dict[str, sa.MetaData] = {}


def _tables(engine) -> list[sa.Table]:
    """The tables as the migrations made them (reflected once per database),
    so a model column whose migration is still missing cannot break this."""
    key = str(engine.url)
    if key not in _reflected:
        metadata = sa.MetaData()
        metadata.reflect(bind=engine)
        _reflected[key] = metadata
    # /healthz writes its probe row on every call, and an intake refused
    # after its ticket's id was reserved leaves a gap in the counter (as a
    # sequence does on PostgreSQL): not data.
    skipped = ("alembic_version", "health_probes", "id_counters")
    return [t for t in _reflected[key].sorted_tables if t.name not in skipped]


def model_tables(engine) -> list[sa.Table]:
    """The reflected tables of the models (not SQLite's full-text index
    tables, which triggers fill), parents before children."""
    return [t for t in _tables(engine) if t.name in db.metadata.tables]


def db_state(app) -> dict[str, tuple]:
    """A fingerprint of every table: its row count and all its rows' values,
    read in one statement. Two states are equal exactly when no row of any
    table was added, removed or changed in between."""
    with app.app_context():
        with db.engine.connect() as connection:
            state = {
                name: (rows, content)
                for name, rows, content in connection.exec_driver_sql(
                    _fingerprint_sql(db.engine)
                )
            }
        db.session.remove()
    return state


_fingerprint: dict[str, str] = {}


def _fingerprint_sql(engine) -> str:
    """``SELECT name, count, content`` per table, as one UNION ALL (built once
    per database). PostgreSQL digests each table's rows as text; SQLite, which
    has no row-to-text cast or digest function, concatenates quoted values."""
    key = str(engine.url)
    if key not in _fingerprint:
        quote = engine.dialect.identifier_preparer.quote
        parts = []
        for table in _tables(engine):
            name = quote(table.name)
            if engine.dialect.name == "postgresql":
                parts.append(
                    f"SELECT '{table.name}', count(*), md5(coalesce(string_agg("
                    f"CAST(fp_row AS text), '|' ORDER BY CAST(fp_row AS text)), '')) "
                    f"FROM {name} AS fp_row"
                )
            else:
                values = " || ',' || ".join(f"quote({quote(c.name)})" for c in table.c)
                order = ", ".join(
                    quote(c.name) for c in (table.primary_key.columns or table.c)
                )
                parts.append(
                    f"SELECT '{table.name}', count(*), group_concat(fp_row, '|') "
                    f"FROM (SELECT {values} AS fp_row FROM {name} ORDER BY {order})"
                )
        _fingerprint[key] = " UNION ALL ".join(parts)
    return _fingerprint[key]


def changed_tables(before: dict, after: dict) -> list[str]:
    return sorted(
        name
        for name in before.keys() | after.keys()
        if before.get(name) != after.get(name)
    )


def assert_unchanged(app, before: dict) -> None:
    changed = changed_tables(before, db_state(app))
    assert not changed, f"a refused request changed these tables: {changed}"


def counts(app) -> dict[str, int]:
    """Row counts of the core tables, for readable assertions."""
    with app.app_context():
        result = {
            model.__tablename__: db.session.scalar(
                sa.select(sa.func.count()).select_from(model)
            )
            for model in (User, ApiToken, Ticket, Comment, Attachment)
        }
        result["ticket_events"] = db.session.scalar(
            sa.text("SELECT count(*) FROM ticket_events")
        )
        db.session.remove()
    return result


# --- arrangement -----------------------------------------------------------


def auth(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def issue_bearer(app, user) -> SimpleNamespace:
    """A fresh API token for ``user`` (a snapshot): ``.raw``, ``.id`` and the
    ``.headers`` that send it. Tests get tokens through the ``bearer`` fixture."""
    with app.app_context():
        raw, token = accounts.issue_token(
            db.session.get(User, user.id),
            name="test",
            now=app.extensions["clock"].now(),
            ttl_days=app.config["API_TOKEN_TTL_DAYS"],
        )
        db.session.commit()
        result = SimpleNamespace(raw=raw, id=token.id, headers=auth(raw))
        db.session.remove()
    return result


class Bearer:
    """The ``bearer`` fixture: ``bearer(user)`` is the ``Authorization`` header
    of a fresh API token of ``user``; ``bearer.token(user)`` the token itself."""

    def __init__(self, app) -> None:
        self._app = app

    def __call__(self, user) -> dict[str, str]:
        return self.token(user).headers

    def token(self, user) -> SimpleNamespace:
        return issue_bearer(self._app, user)


def error_of(response) -> dict:
    """The ``error`` object of a JSON error answer, after checking its shape:
    ``{"error": {"code": str, "message": str, "fields": {name: [str, ...]}}}``,
    with the request's id in the X-Request-ID header."""
    body = response.get_json()
    assert isinstance(body, dict) and set(body) == {"error"}, body
    error = dict(body["error"])
    assert set(error) == {"code", "message", "fields"}, error
    assert response.headers.get("X-Request-ID"), "an API error names its request"
    assert isinstance(error["code"], str) and error["code"]
    assert isinstance(error["message"], str) and error["message"]
    assert all(
        isinstance(messages, list) and all(isinstance(m, str) and m for m in messages)
        for messages in error["fields"].values()
    ), error["fields"]
    return error
