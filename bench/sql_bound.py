"""The database's own share of an intake: its SQL replayed without the app.

``capture`` runs the intakes ``wrk`` posts (``intake_post.lua``'s bodies, the
same bearer token) in process, with the app of ``app_dir`` on the
benchmark's database and its production config, and records every statement
the engine sends, with its parameters as the driver got them, and every
commit. ``replay`` sends those statements straight through ``sqlite3``, on
one connection to a copy of the database (``intake_bench.copy_sqlite``) with
the app's pragmas, the bodies
in turn as ``wrk`` sends them, each time as a new ticket (the ticket's id
shifted past any other), and answers intakes/s.

SQLite takes one writer at a time, so this rate bounds any intake that
writes what this one writes on this schema; the distance between it and the
app's rate is the Python around the SQL (Flask, the ORM, the rules, the
clocks, the mails, the answer), not the database.
"""

from __future__ import annotations

import json
import re
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

COMMIT = "COMMIT"

# Runs in the app's directory: argv = token, bodies (JSON). Prints, for each
# body, the ticket's id and the statements of its intake (the second of
# two: the first warms the per-process caches, as a served worker's are).
_CAPTURE = """
import json, sys, time
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
    many = executemany and bool(parameters) and isinstance(parameters[0], (list, tuple))
    seen.append([statement, list(parameters or ()), many])
def on_commit(_conn):
    seen.append(["COMMIT", [], False])  # sql_bound.COMMIT
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

# The write lock's hold: from a transaction's first write (when the driver
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
engine.dialect.do_commit = timed_commit
sa.event.listen(engine, "before_cursor_execute", on_write)
bodies = json.loads(sys.argv[2])
start = time.perf_counter()
for n in range(int(sys.argv[3])):
    answer = client.post("/api/v1/tickets", json=bodies[n % len(bodies)], headers=headers)
    assert answer.status_code == 201, answer.get_data(as_text=True)
seconds = time.perf_counter() - start
hold = {"intakes": int(sys.argv[3]), "seconds": seconds, "held_seconds": sum(held)}
print(json.dumps({"captures": captures, "hold": hold}))
"""


def wrk_bodies() -> list[dict]:
    """The bodies ``intake_post.lua`` posts, in its order."""
    script = (Path(__file__).parent / "intake_post.lua").read_text()
    return [json.loads(body) for body in re.findall(r"'(\{.*\})'", script)]


def capture(
    app_dir: Path, env: dict, token: str, database: Path, hold_intakes: int = 500
) -> tuple[list[dict], dict]:
    """For each of ``wrk``'s bodies, one intake's ticket id and its
    statements, in the order sent; and how long ``hold_intakes`` more
    intakes in process held SQLite's write lock (``held_seconds``, from each
    transaction's first write to the end of its commit) in ``seconds``.
    One writer at a time: no number of workers writes more than
    ``intakes / held_seconds`` intakes/s, however many cores they have.

    The next ticket ids are first moved a billion past the largest, so the
    captured ticket's id is no other number among the parameters (``replay``
    moves it by value)."""
    with sqlite3.connect(database) as connection:
        connection.execute(
            "INSERT INTO id_counters (name, last_id) VALUES ('tickets', "
            "(SELECT COALESCE(MAX(id), 0) + 1000000000 FROM tickets)) "
            "ON CONFLICT (name) DO UPDATE SET last_id = excluded.last_id"
        )
    connection.close()
    out = subprocess.run(
        [
            sys.executable,
            "-c",
            _CAPTURE,
            token,
            json.dumps(wrk_bodies()),
            str(hold_intakes),
        ],
        cwd=app_dir,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    answer = json.loads(out.strip().splitlines()[-1])
    return answer["captures"], answer["hold"]


def replay(database: Path, captured: list[dict], intakes: int) -> dict:
    """``captured`` sent in turn, ``intakes`` in all, through ``sqlite3`` on
    ``database`` (a copy: it keeps the replayed tickets); intakes/s and what
    an intake sends on average."""
    connection = connect(database)
    start = time.perf_counter()
    for n in range(1, intakes + 1):
        intake = captured[n % len(captured)]
        send(connection, intake["statements"], intake["ticket_id"], shift=1_000_000 * n)
    seconds = time.perf_counter() - start
    connection.close()
    sent = [s for intake in captured for s, _p, _m in intake["statements"]]
    return {
        "per_second": intakes / seconds,
        "statements": sum(1 for s in sent if s != COMMIT) / len(captured),
        "commits": sum(1 for s in sent if s == COMMIT) / len(captured),
    }


def connect(database: Path | str) -> sqlite3.Connection:
    """A connection with the app's pragmas and busy timeout, transactions
    left to ``send``."""
    connection = sqlite3.connect(database, isolation_level=None, timeout=5)
    for pragma in ("foreign_keys=ON", "journal_mode=WAL", "synchronous=NORMAL"):
        connection.execute(f"PRAGMA {pragma}")
    return connection


def send(connection, statements, ticket_id: int, *, shift: int) -> None:
    """One intake, as the app's driver sent it: reads outside a transaction,
    a transaction opened at the first write and ended by the commit."""
    for statement, parameters, many in statements:
        if statement == COMMIT:
            connection.execute("COMMIT")
            continue
        if not connection.in_transaction and not statement.lstrip().startswith(
            "SELECT"
        ):
            connection.execute("BEGIN")
        if many:
            rows = [_as_new(row, ticket_id, shift) for row in parameters]
            connection.executemany(statement, rows)
        else:
            # (a RETURNING statement is done once its rows are read)
            connection.execute(
                statement, _as_new(parameters, ticket_id, shift)
            ).fetchall()
    if connection.in_transaction:
        connection.execute("COMMIT")


def _as_new(parameters, ticket_id: int, shift: int) -> tuple:
    """The parameters with the captured ticket's id moved to a fresh one."""
    return tuple(
        value + shift if value == ticket_id and type(value) is int else value
        for value in parameters
    )
