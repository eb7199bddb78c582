"""The ceiling of this stack: a bare Flask endpoint doing one SQLite INSERT
(WAL, the app's pragmas and busy timeout) and answering JSON, served by the
same gunicorn the intake benchmark uses (``bench/intake_bench.py``).

    CEILING_DB=/tmp/ceiling.sqlite3 gunicorn -w 2 'ceiling_app:create_app()'

And the ceiling of this stack *for the intake's rows*: an endpoint that
sends, for each POST, the SQL one intake of the app sent for a body of the
same category (captured by ``sql_bound.capture``), as a new ticket, with
nothing of the app's Python between the statements:

    SERVED_DB=/tmp/copy.sqlite3 SERVED_CAPTURES=/tmp/captures.json \
        gunicorn -w 2 'ceiling_app:create_served_sql_app()'
"""

from __future__ import annotations

import itertools
import json
import os
import sqlite3
import threading

import sql_bound
from flask import Flask, request

_local = threading.local()


def _connection() -> sqlite3.Connection:
    connection = getattr(_local, "connection", None)
    if connection is None:
        connection = sqlite3.connect(os.environ["CEILING_DB"], timeout=5)
        connection.execute("PRAGMA journal_mode=WAL")
        connection.execute("PRAGMA synchronous=NORMAL")
        _local.connection = connection
    return connection


def create_app() -> Flask:
    app = Flask(__name__)

    @app.post("/api/v1/tickets")
    def ticket_create():
        body = request.get_json()
        connection = _connection()
        with connection:
            cursor = connection.execute(
                "INSERT INTO tickets (subject, description, category) VALUES (?, ?, ?)",
                (body["subject"], body["description"], body["category"]),
            )
        return {"id": cursor.lastrowid, "subject": body["subject"]}, 201

    return app


def create_served_sql_app() -> Flask:
    """``SERVED_CAPTURES``: a JSON object of captured intakes by category
    (``ticket_id`` and ``statements``, as ``sql_bound.capture`` returns
    them); ``SERVED_DB``: a copy of the database they were captured on."""
    app = Flask(__name__)
    with open(os.environ["SERVED_CAPTURES"]) as captures_file:
        by_category = json.load(captures_file)
    # Ticket ids unique across workers: the captured id moved by this
    # worker's process id and its count (sql_bound moves it by value).
    served = itertools.count(1)

    @app.post("/api/v1/tickets")
    def ticket_create():
        body = request.get_json()
        intake = by_category[body["category"]]
        shift = 1_000_000 * (os.getpid() * 1_000_000 + next(served))
        sql_bound.send(
            _served_connection(), intake["statements"], intake["ticket_id"], shift=shift
        )
        return {"id": intake["ticket_id"] + shift, "subject": body["subject"]}, 201

    return app


def _served_connection() -> sqlite3.Connection:
    connection = getattr(_local, "served", None)
    if connection is None:
        connection = sql_bound.connect(os.environ["SERVED_DB"])
        _local.served = connection
    return connection


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
