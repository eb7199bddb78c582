"""SQLite's query plans of the statements a call sends, for tests that prove
a read walks an index at any size (PostgreSQL plans by statistics)."""

from __future__ import annotations

from collections.abc import Callable

import sqlalchemy as sa

from helpdesk.extensions import db


def plans_of(call: Callable[[], object], *, reading: str) -> list[str]:
    """Run ``call``; the plan of each statement it sent that starts with
    ``reading``, its steps joined by ``" | "``."""
    statements = []

    def keep(_conn, _cursor, statement, parameters, _context, _many):
        statements.append((statement, parameters))

    sa.event.listen(db.engine, "before_cursor_execute", keep)
    try:
        call()
    finally:
        sa.event.remove(db.engine, "before_cursor_execute", keep)
    return [
        " | ".join(
            row[-1]
            for row in db.session.connection().exec_driver_sql(
                "EXPLAIN QUERY PLAN " + statement, parameters
            )
        )
        for statement, parameters in statements
        if statement.lstrip().startswith(reading)
    ]
