"""Every queue order walks an index (SQLite's plan is read): a page costs the
same at 100 tickets and at a million, whatever the filters leave out."""

from __future__ import annotations

import pytest

from helpdesk.extensions import db
from helpdesk.service import queries
from helpdesk.vocabulary import Role, TicketStatus
from tests.builders import make_user
from tests.query_plans import plans_of

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


@pytest.mark.parametrize("case", list(FILTERS))
def test_a_queue_page_walks_an_index_in_its_order(app, case):
    with app.app_context():
        if db.engine.dialect.name != "sqlite":
            pytest.skip("SQLite's plan is checked; PostgreSQL plans by statistics")
        manager = make_user(role=Role.MANAGER)
        db.session.flush()

        plans = plans_of(
            lambda: queries.ticket_page(manager, FILTERS[case], cursor=None, limit=25),
            reading="SELECT tickets.id, tickets.subject",
        )

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
