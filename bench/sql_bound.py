"""The database's own share of an intake: its SQL replayed without the app.

``capture`` runs the intakes ``wrk`` posts (``intake_bodies.jsonl``, the
same bearer token) in process, with the app of ``app_dir`` on the
benchmark's database (SQLite or PostgreSQL) and its production config, and
records every statement the engine sends, with its parameters as the driver
got them, and every commit. ``replay`` sends those statements straight
through the driver (``sqlite3`` or ``psycopg``), on one connection to a copy
of the database, the bodies in turn as ``wrk`` sends them, each time as a
new ticket, and answers intakes/s; ``send`` is one such intake, which
``ceiling_app.create_served_sql_app`` serves over HTTP.

That rate bounds any intake that writes what this one writes on this
schema; the distance between it and the app's rate is the Python around the
SQL (Flask, the ORM, the rules, the clocks, the mails, the answer), not the
database.
"""

from __future__ import annotations

import base64
import json
import pickle
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

COMMIT = "COMMIT"
# How helpdesk/ticket_ids.py reserves a new ticket's id: its answer is the
# id a replayed intake writes its ticket under.
_RESERVATIONS = ("INTO id_counters", "nextval(")

# Runs in the app's directory: argv = token, bodies (JSON), intakes to time
# the write lock over (0: not timed). Prints, base64 of a pickle (PostgreSQL's
# parameters are datetimes and JSON wrappers): for each body, the ticket's id
# and the statements of its intake (the second of two: the first warms the
# per-process caches, as a served worker's are); and the lock's hold.
_CAPTURE = """
import base64, enum, io, json, pickle, sys, time
import sqlalchemy as sa
from app import create_app
from helpdesk.extensions import db
app = create_app()
client = app.test_client()
headers = {"Authorization": "Bearer " + sys.argv[1]}
with app.app_context():
    engine = db.engine
seen = []
def on_execute(_conn, _cursor, statement, parameters, _context, executemany):
    # (a batched INSERT of several rows in one statement is not an executemany)
    rows = isinstance(parameters, (list, tuple)) and bool(parameters)
    many = executemany and rows and isinstance(parameters[0], (list, tuple, dict))
    seen.append((statement, parameters, many))
def on_commit(_conn):
    seen.append(("COMMIT", (), False))  # sql_bound.COMMIT
captures = []
for body in json.loads(sys.argv[2]):
    warm = client.post("/api/v1/tickets", json=body, headers=headers)
    assert warm.status_code == 201, warm.get_data(as_text=True)
    sa.event.listen(engine, "before_cursor_execute", on_execute)
    sa.event.listen(engine, "commit", on_commit)
    answer = client.post("/api/v1/tickets", json=body, headers=headers)
    sa.event.remove(engine, "before_cursor_execute", on_execute)
    sa.event.remove(engine, "commit", on_commit)
    assert answer.status_code == 201, answer.get_data(as_text=True)
    captures.append({"ticket_id": answer.get_json()["id"], "statements": seen[:]})
    seen.clear()

# SQLite's write lock: from a transaction's first write (when the driver
# opens it) to the end of its commit, over argv[3] more intakes.
held = []
opened = {}
def on_write(conn, _cursor, statement, *_args):
    driver = conn.connection.driver_connection
    if not driver.in_transaction and not statement.lstrip().upper().startswith("SELECT"):
        opened[id(driver)] = time.perf_counter()
do_commit = engine.dialect.do_commit
def timed_commit(connection):
    do_commit(connection)
    driver = getattr(connection, "driver_connection", connection)
    if id(driver) in opened:
        held.append(time.perf_counter() - opened.pop(id(driver)))
hold = None
if int(sys.argv[3]):
    engine.dialect.do_commit = timed_commit
    sa.event.listen(engine, "before_cursor_execute", on_write)
    bodies = json.loads(sys.argv[2])
    start = time.perf_counter()
    for n in range(int(sys.argv[3])):
        answer = client.post("/api/v1/tickets", json=bodies[n % len(bodies)], headers=headers)
        assert answer.status_code == 201, answer.get_data(as_text=True)
    seconds = time.perf_counter() - start
    hold = {"intakes": int(sys.argv[3]), "seconds": seconds, "held_seconds": sum(held)}
class Plain(pickle.Pickler):
    # The app's enums reach the driver as themselves (JSON values too):
    # pickled as their values, so that reading the pickle needs none of the app.
    def reducer_override(self, obj):
        if isinstance(obj, enum.Enum):
            return type(obj.value), (obj.value,)
        return NotImplemented
out = io.BytesIO()
Plain(out).dump({"captures": captures, "hold": hold})
print(base64.b64encode(out.getvalue()).decode())
"""

# The next ticket ids a billion past the largest, so that a captured
# ticket's id is no other number among its intake's parameters (``send``
# moves it by value; a number inside a text or a JSON value stays as it was
# captured, e.g. in a mail's subject). Within PostgreSQL's ``integer``.
_SQLITE_MOVE = (
    "INSERT INTO id_counters (name, last_id) VALUES ('tickets', "
    "(SELECT COALESCE(MAX(id), 0) + 1000000000 FROM tickets)) "
    "ON CONFLICT (name) DO UPDATE SET last_id = excluded.last_id"
)
_POSTGRESQL_MOVE = (
    "SELECT setval(pg_get_serial_sequence('tickets', 'id'), "
    "(SELECT COALESCE(MAX(id), 0) + 1000000000 FROM tickets))"
)


def wrk_bodies() -> list[dict]:
    """The bodies ``wrk`` posts to the app (``intake_bodies.jsonl``), in order."""
    lines = (Path(__file__).parent / "intake_bodies.jsonl").read_text().splitlines()
    return [json.loads(line) for line in lines if line]


def capture(
    app_dir: Path, env: dict, token: str, database: str, hold_intakes: int = 500
) -> tuple[list[dict], dict | None]:
    """For each of ``wrk``'s bodies, one intake's ticket id and its
    statements, in the order sent, on ``database`` (a SQLite file's path or
    a PostgreSQL URL, the app's ``DATABASE_URL`` in ``env``).

    On SQLite also how long ``hold_intakes`` more intakes in process held
    the write lock (``held_seconds``, from each transaction's first write
    to the end of its commit) in ``seconds``. One writer at a time: no
    number of workers writes more than ``intakes / held_seconds`` intakes/s,
    however many cores they have."""
    postgresql = _is_postgresql(database)
    connection = connect(database)
    connection.execute(_POSTGRESQL_MOVE if postgresql else _SQLITE_MOVE)
    connection.commit()
    connection.close()
    out = subprocess.run(
        [
            sys.executable,
            "-c",
            _CAPTURE,
            token,
            json.dumps(wrk_bodies()),
            str(0 if postgresql else hold_intakes),
        ],
        cwd=app_dir,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    answer = pickle.loads(base64.b64decode(out.strip().splitlines()[-1]))
    return answer["captures"], answer["hold"]


def replay(database: str, captured: list[dict], intakes: int) -> dict:
    """``captured`` sent in turn, ``intakes`` in all, on one connection to
    ``database`` (a copy: it keeps the replayed tickets); intakes/s and what
    an intake sends on average."""
    connection = connect(database)
    start = time.perf_counter()
    for n in range(1, intakes + 1):
        intake = captured[n % len(captured)]
        send(connection, intake["statements"], intake["ticket_id"])
    seconds = time.perf_counter() - start
    connection.close()
    sent = [s for intake in captured for s, _p, _m in intake["statements"]]
    return {
        "per_second": intakes / seconds,
        "statements": sum(1 for s in sent if s != COMMIT) / len(captured),
        "commits": sum(1 for s in sent if s == COMMIT) / len(captured),
    }


def connect(database: str, *, autocommit: bool = False):
    """A driver connection that opens transactions as the app's does: on
    SQLite (a file's path) at the first write, with the app's pragmas and
    busy timeout; on PostgreSQL (a URL, of SQLAlchemy's form or libpq's) at
    the first statement, or never with ``autocommit`` (e.g. for
    ``CREATE DATABASE``)."""
    if _is_postgresql(database):
        import psycopg
        from sqlalchemy.engine import make_url

        url = make_url(database).set(drivername="postgresql")
        return psycopg.connect(
            url.render_as_string(hide_password=False), autocommit=autocommit
        )
    connection = sqlite3.connect(database, timeout=5)
    for pragma in ("foreign_keys=ON", "journal_mode=WAL", "synchronous=NORMAL"):
        connection.execute(f"PRAGMA {pragma}")
    return connection


def send(connection, statements, ticket_id: int) -> int:
    """One intake, as the app's driver sent it, as a new ticket: the
    captured ``ticket_id`` becomes the id its reservation answers now.
    Answers that id. A failed statement rolls the transaction back, so the
    connection serves the next intake (on PostgreSQL it would refuse every
    statement after it; on SQLite it would keep the write lock)."""
    cursor = connection.cursor()
    new_id = None
    try:
        for statement, parameters, many in statements:
            if statement == COMMIT:
                connection.commit()
            elif many:
                batch = [_as_new(row, ticket_id, new_id) for row in parameters]
                cursor.executemany(statement, batch)
            else:
                cursor.execute(statement, _as_new(parameters, ticket_id, new_id))
                # (a RETURNING statement is done once its rows are read)
                rows = cursor.fetchall() if cursor.description else []
                if new_id is None and any(m in statement for m in _RESERVATIONS):
                    new_id = rows[0][0]
        connection.commit()
    except BaseException:
        connection.rollback()
        raise
    if new_id is None:
        raise ValueError("the captured intake reserves no ticket id")
    return new_id


def _as_new(parameters, ticket_id: int, new_id: int | None):
    """The parameters with the captured ticket's id moved to the new one."""

    def moved(value):
        return new_id if value == ticket_id and type(value) is int else value

    if new_id is None:
        return parameters
    if isinstance(parameters, dict):
        return {name: moved(value) for name, value in parameters.items()}
    return tuple(moved(value) for value in parameters)


def _is_postgresql(database: str) -> bool:
    """A PostgreSQL URL (``postgres://``, ``postgresql+psycopg://``...),
    not a SQLite file's path."""
    return database.startswith("postgres")
