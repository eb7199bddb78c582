"""The ceiling of this stack: a bare Flask endpoint doing one SQLite INSERT
(WAL, the app's pragmas and busy timeout) and answering JSON, served by the
same gunicorn the intake benchmark uses (``bench/intake_bench.py``).

    CEILING_DB=/tmp/ceiling.sqlite3 gunicorn -w 2 'ceiling_app:create_app()'

And the ceiling of this stack *for the intake's rows*: an endpoint that
sends, for each POST, the SQL one intake of the app sent for a body of the
same category (captured by ``sql_bound.capture``), as a new ticket, with
nothing of the app's Python between the statements, on a copy of the
database it was captured on (a SQLite file or a PostgreSQL URL):

    SERVED_DATABASE=/tmp/copy.sqlite3 SERVED_CAPTURES=/tmp/captures.pickle \
        gunicorn -w 2 'ceiling_app:create_served_sql_app()'
"""

from __future__ import annotations

import os
import pickle
import sqlite3
import threading

import sql_bound
from flask import Flask, request

_local = threading.local()


def _connection(variable: str):
    """This thread's connection to the database the environment ``variable``
    names, as ``sql_bound.connect`` opens it (the app's pragmas and busy
    timeout on SQLite)."""
    connections = _local.__dict__
    if variable not in connections:
        connections[variable] = sql_bound.connect(os.environ[variable])
    return connections[variable]


def create_app() -> Flask:
    app = Flask(__name__)

    @app.post("/api/v1/tickets")
    def ticket_create():
        body = request.get_json()
        connection = _connection("CEILING_DB")
        with connection:
            cursor = connection.execute(
                "INSERT INTO tickets (subject, description, category) VALUES (?, ?, ?)",
                (body["subject"], body["description"], body["category"]),
            )
        return {"id": cursor.lastrowid, "subject": body["subject"]}, 201

    return app


def create_served_sql_app() -> Flask:
    """``SERVED_CAPTURES``: a pickle of captured intakes by category
    (``ticket_id`` and ``statements``, as ``sql_bound.capture`` returns
    them); ``SERVED_DATABASE``: a copy of the database they were captured on."""
    app = Flask(__name__)
    with open(os.environ["SERVED_CAPTURES"], "rb") as captures_file:
        by_category = pickle.load(captures_file)

    @app.post("/api/v1/tickets")
    def ticket_create():
        body = request.get_json()
        intake = by_category[body["category"]]
        ticket_id = sql_bound.send(
            _connection("SERVED_DATABASE"), intake["statements"], intake["ticket_id"]
        )
        return {"id": ticket_id, "subject": body["subject"]}, 201

    return app


def prepare(path: str) -> None:
    """A fresh database with the one table."""
    connection = sqlite3.connect(path)
    connection.execute("PRAGMA journal_mode=WAL")
    connection.execute(
        "CREATE TABLE IF NOT EXISTS tickets (id INTEGER PRIMARY KEY, "
        "subject TEXT, description TEXT, category TEXT)"
    )
    connection.commit()
    connection.close()
