"""The ceiling of this stack: a bare Flask endpoint doing one SQLite INSERT
(WAL, the app's pragmas and busy timeout) and answering JSON, served by the
same gunicorn the intake benchmark uses (``bench/intake_bench.py``).

    CEILING_DB=/tmp/ceiling.sqlite3 gunicorn -w 2 'ceiling_app:create_app()'
"""

from __future__ import annotations

import os
import sqlite3
import threading

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
