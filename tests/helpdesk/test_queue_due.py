"""The queue's time left: overdue and at-risk rows say so in words and stand
out in colour, computed from the ticket row alone (no query per row)."""

from __future__ import annotations

import re
from datetime import timedelta

import sqlalchemy as sa

from helpdesk.extensions import db
from helpdesk.vocabulary import Priority, Role
from tests.builders import make_ticket, make_user


def _row(page: str, number: str) -> str:
    return re.search(rf"<tr[^>]*>(?:(?!</tr>).)*{number}.*?</tr>", page, re.S).group(0)


def test_queue_marks_overdue_and_at_risk_rows_with_words_and_classes(
    client, given, login, clock
):
    now = clock.now()
    login(given(make_user, role=Role.LINE1))
    # A P1 registered 12 minutes ago with a 15-minute first response: 3 left.
    critical = given(
        make_ticket,
        priority=Priority.P1,
        at=now - timedelta(minutes=12),
        due_at=now + timedelta(minutes=3),
    )
    late = given(
        make_ticket, at=now - timedelta(hours=3), due_at=now - timedelta(minutes=20)
    )
    calm = given(make_ticket, at=now, due_at=now + timedelta(days=2))
    no_clock = given(make_ticket, at=now)

    page = client.get("/queue").get_data(as_text=True)

    row = _row(page, critical.number)
    assert 'class="row-due-risk"' in row and "due due-risk" in row
    assert "At risk" in row and "3 minutes left" in row
    row = _row(page, late.number)
    assert 'class="row-due-overdue"' in row
    assert "Overdue" in row and "by 20 minutes" in row
    row = _row(page, calm.number)
    assert "due due-ok" in row and "2 days left" in row and "At risk" not in row
    assert "row-due" not in _row(page, no_clock.number)


def test_queue_time_left_costs_no_query_per_row(app, client, given, login, clock):
    login(given(make_user, role=Role.LINE1))

    def statements() -> int:
        seen: list[str] = []

        def record(_conn, _cursor, statement, *_args):
            seen.append(statement)

        with app.app_context():
            engine = db.engine
        sa.event.listen(engine, "before_cursor_execute", record)
        try:
            assert client.get("/queue").status_code == 200
        finally:
            sa.event.remove(engine, "before_cursor_execute", record)
        return len(seen)

    def add(n: int) -> None:
        for i in range(n):
            given(make_ticket, due_at=clock.now() + timedelta(minutes=i + 1))

    add(1)
    one = statements()
    add(9)
    assert statements() == one
