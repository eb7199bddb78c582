"""Every queue order walks an index (SQLite's plan is read): a page costs the
same at 100 tickets and at a million, whatever the filters leave out."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from helpdesk.extensions import db
from helpdesk.models import User
from helpdesk.service import queries
from helpdesk.vocabulary import Role, TicketStatus
from tests.builders import make_user

FILTERS = {
    "a line, any status, newest first": {"line": 1},
    "a line, any status, least time left first": {"line": 1, "sort": "due"},
    "every ticket, least time left first": {"sort": "due"},
    "a line and two statuses, newest first": {
        "line": 1,
        "status": [TicketStatus.NEW, TicketStatus.OPEN],
    },
    "a line and two statuses, least time left first": {
        "line": 2,
        "status": [TicketStatus.NEW, TicketStatus.OPEN],
        "sort": "due",
    },
}


def _page_plans(manager: User, filters: dict) -> list[str]:
    """The query plans of the statements that read the page's tickets."""
    statements = []

    def keep(_conn, _cursor, statement, parameters, _context, _many):
        statements.append((statement, parameters))

    sa.event.listen(db.engine, "before_cursor_execute", keep)
    try:
        queries.ticket_page(manager, filters, cursor=None, limit=25)
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
        if statement.lstrip().startswith("SELECT tickets.id, tickets.subject")
    ]


@pytest.mark.parametrize("case", list(FILTERS))
def test_a_queue_page_walks_an_index_in_its_order(app, case):
    with app.app_context():
        if db.engine.dialect.name != "sqlite":
            pytest.skip("SQLite's plan is checked; PostgreSQL plans by statistics")
        manager = make_user(role=Role.MANAGER)
        db.session.flush()

        plans = _page_plans(manager, FILTERS[case])

    assert plans
    for plan in plans:
        assert "SCAN tickets" not in plan, plan
        steps = plan.split(" | ")
        sorts = [i for i, step in enumerate(steps) if "TEMP B-TREE" in step]
        if "COMPOUND QUERY" in plan:
            # One arm a status, each walking its index in order: only their
            # few ids are sorted, by the outer query, last.
            assert sorts in ([], [len(steps) - 1]), plan
        else:
            assert sorts == [], plan
